#!/usr/bin/env python3
"""Answers HTTP on a unix socket as a Caddy admin API whose metrics a test wrote.

  metrics_socket.py SOCKET FILE

GET /metrics answers FILE's content (read at each request); GET /config/@id answers null,
GET /reverse_proxy/upstreams an empty list; anything else 404.
"""
import http.server
import socketserver
import sys

SOCKET, FILE = sys.argv[1], sys.argv[2]


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def address_string(self):
        return "unix"

    def log_message(self, *args):
        pass

    def do_GET(self):
        if self.path == "/metrics":
            with open(FILE, "rb") as source:
                body = source.read()
            status = 200
        elif self.path == "/config/@id":
            body, status = b"null", 200
        elif self.path == "/reverse_proxy/upstreams":
            body, status = b"[]", 200
        else:
            body, status = b"{}", 404
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)


class Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True


Server(SOCKET, Handler).serve_forever()
