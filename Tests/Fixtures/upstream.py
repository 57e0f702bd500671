#!/usr/bin/env python3
"""A test upstream: answers every request with JSON naming itself and echoing the request.

Usage: upstream.py NAME PORT [ADDRESS]   (ADDRESS defaults to 127.0.0.1)
  GET /status/NNN  answers with status NNN
  GET /health      answers 200, or 503 while the file PORT.unhealthy exists in the cwd
"""
import json
import os
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

NAME, PORT = sys.argv[1], int(sys.argv[2])


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def answer(self):
        status = 200
        if self.path.startswith("/status/"):
            status = int(self.path.split("/")[2])
        if self.path.startswith("/health") and os.path.exists(f"{PORT}.unhealthy"):
            status = 503
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode("utf-8", "replace") if length else ""
        payload = json.dumps({
            "upstream": NAME, "method": self.command, "path": self.path, "body": body,
            "headers": {k: v for k, v in self.headers.items()},
        }).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Server", "test-upstream")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = answer

    def log_message(self, *args):
        pass


ThreadingHTTPServer((sys.argv[3] if len(sys.argv) > 3 else "127.0.0.1", PORT), Handler).serve_forever()
