#!/usr/bin/env python3
"""A minimal RFC 6455 WebSocket echo server and client for the tests (standard library only).

  websocket.py serve PORT                    echo every text frame back, prefixed "echo: "
  websocket.py send PORT HOST MESSAGE        connect to 127.0.0.1:PORT with Host HOST, send
                                             MESSAGE, print the answer (exit 1 without one)
"""
import base64
import hashlib
import os
import socket
import socketserver
import sys

from ws_frames import frame, read_frame

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


class Echo(socketserver.BaseRequestHandler):
    def handle(self):
        request = b""
        while b"\r\n\r\n" not in request:
            chunk = self.request.recv(4096)
            if not chunk:
                return
            request += chunk
        headers = dict(line.split(": ", 1) for line in request.decode().split("\r\n")[1:] if ": " in line)
        key = next((v for k, v in headers.items() if k.lower() == "sec-websocket-key"), "")
        accept = base64.b64encode(hashlib.sha1((key + GUID).encode()).digest()).decode()
        self.request.sendall(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                              f"Sec-WebSocket-Accept: {accept}\r\n\r\n").encode())
        while True:
            try:
                _, text = read_frame(self.request)
            except EOFError:
                return
            self.request.sendall(frame(b"echo: " + text, masked=False))


def send(port, host, message):
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall((f"GET /ws HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                  f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
    response = b""
    while b"\r\n\r\n" not in response:
        chunk = sock.recv(1)
        if not chunk:
            break
        response += chunk
    status = response.split(b"\r\n")[0].decode()
    if " 101 " not in status:
        print(status)
        sys.exit(1)
    sock.sendall(frame(message))
    try:
        print(read_frame(sock)[1].decode())
    except EOFError:
        sys.exit(1)


if __name__ == "__main__":
    if sys.argv[1] == "serve":
        socketserver.ThreadingTCPServer.allow_reuse_address = True
        socketserver.ThreadingTCPServer(("127.0.0.1", int(sys.argv[2])), Echo).serve_forever()
    else:
        send(int(sys.argv[2]), sys.argv[3], sys.argv[4])
