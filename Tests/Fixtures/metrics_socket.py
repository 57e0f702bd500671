#!/usr/bin/env python3
"""Answers HTTP on a unix socket as a Caddy admin API whose metrics a test or benchmark wrote.

  metrics_socket.py SOCKET FILE [FILE2]

GET /metrics answers FILE's content (read at each request), or FILE and FILE2 in turn when both
are given; POST /load keeps the config it is given and answers 200; GET /config/@id answers that
config's `@id` (null before a load), GET /config/ the config; GET /reverse_proxy/upstreams an
empty list; anything else 404.
"""
import http.server
import json
import socketserver
import sys
import threading

SOCKET, FILES = sys.argv[1], sys.argv[2:]
state = {"config": None, "reads": 0}
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
        if self.path == "/metrics":
            with lock:
                name = FILES[state["reads"] % len(FILES)]
                state["reads"] += 1
            with open(name, "rb") as source:
                self.answer(200, source.read())
        elif self.path == "/config/@id":
            config = state["config"]
            self.answer(200, json.dumps(config.get("@id") if isinstance(config, dict) else None).encode())
        elif self.path == "/config/":
            self.answer(200, json.dumps(state["config"]).encode())
        elif self.path == "/reverse_proxy/upstreams":
            self.answer(200, b"[]")
        else:
            self.answer(404, b"{}")

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if self.path == "/load":
            state["config"] = json.loads(body)
            self.answer(200, b"")
        else:
            self.answer(404, b"{}")


class Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True


Server(SOCKET, Handler).serve_forever()
