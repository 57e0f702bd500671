#!/usr/bin/env python3
"""Answers HTTP on a unix socket as a Caddy admin API that keeps what it is loaded with.

  admin_socket.py SOCKET

POST /load keeps the config it is given and answers 200; GET /config/@id answers that config's
`@id` (null before a load), GET /config/ the config; GET /reverse_proxy/upstreams an empty list;
GET /requests the method and path (without query) of every request before it, in the order they
arrived; anything else 404.
"""
import http.server
import json
import socketserver
import sys
import threading

SOCKET = sys.argv[1]
state = {"config": None, "requests": []}
lock = threading.Lock()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def address_string(self):
        return "unix"

    def log_message(self, *args):
        pass

    def answer(self, status, body):
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        with lock:
            if self.path != "/requests":
                state["requests"].append("GET " + self.path.split("?")[0])
            config = state["config"]
        if self.path == "/requests":
            with lock:
                self.answer(200, json.dumps(state["requests"]).encode())
        elif self.path == "/config/@id":
            self.answer(200, json.dumps(config.get("@id") if isinstance(config, dict) else None).encode())
        elif self.path == "/config/":
            self.answer(200, json.dumps(config).encode())
        elif self.path == "/reverse_proxy/upstreams":
            self.answer(200, b"[]")
        else:
            self.answer(404, b"{}")

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with lock:
            state["requests"].append("POST " + self.path)
            if self.path == "/load":
                state["config"] = json.loads(body)
        self.answer(200 if self.path == "/load" else 404, b"" if self.path == "/load" else b"{}")


class Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True


Server(SOCKET, Handler).serve_forever()
