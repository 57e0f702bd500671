#!/usr/bin/env python3
"""UDP echo for the tests.

  udp_echo.py serve PORT              answer every datagram with "echo: " + its text
  udp_echo.py send HOST PORT TEXT     send TEXT, print the answer (exit 1 after 5 s without one)
"""
import socket
import sys

if sys.argv[1] == "serve":
    server = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    server.bind(("0.0.0.0", int(sys.argv[2])))
    while True:
        data, peer = server.recvfrom(65535)
        server.sendto(b"echo: " + data, peer)
else:
    client = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    client.settimeout(5)
    client.sendto(sys.argv[4].encode(), (sys.argv[2], int(sys.argv[3])))
    try:
        print(client.recvfrom(65535)[0].decode())
    except socket.timeout:
        sys.exit(1)
