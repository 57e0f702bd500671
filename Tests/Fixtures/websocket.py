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
import struct
import sys

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def read_exact(sock, count):
    """Reads exactly `count` bytes (TCP may deliver a frame in pieces); None when the peer closes."""
    data = b""
    while len(data) < count:
        chunk = sock.recv(count - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def read_frame(sock):
    head = read_exact(sock, 2)
    if head is None:
        return None
    length = head[1] & 0x7F
    if length == 126:
        length = struct.unpack(">H", read_exact(sock, 2))[0]
    mask = read_exact(sock, 4) if head[1] & 0x80 else None
    data = read_exact(sock, length) if length else b""
    if data is None:
        return None
    if mask:
        data = bytes(b ^ mask[i % 4] for i, b in enumerate(data))
    return data.decode()


def frame(text, masked):
    payload = text.encode()
    header = bytes([0x81, (0x80 if masked else 0) | len(payload)])
    if not masked:
        return header + payload
    mask = os.urandom(4)
    return header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


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
            text = read_frame(self.request)
            if text is None:
                return
            self.request.sendall(frame("echo: " + text, masked=False))


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
    sock.sendall(frame(message, masked=True))
    print(read_frame(sock))


if __name__ == "__main__":
    if sys.argv[1] == "serve":
        socketserver.ThreadingTCPServer.allow_reuse_address = True
        socketserver.ThreadingTCPServer(("127.0.0.1", int(sys.argv[2])), Echo).serve_forever()
    else:
        send(int(sys.argv[2]), sys.argv[3], sys.argv[4])
