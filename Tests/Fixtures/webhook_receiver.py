#!/usr/bin/env python3
"""A webhook receiver for the tests: answers every POST with STATUS (default 204) and prints one
JSON line per request: {"path", "content_type", "headers", "body"} (the body as text).

  webhook_receiver.py PORT [STATUS]
"""
import json, sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

port, status = int(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 204


class Receiver(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0") or 0)).decode("utf-8", "replace")
        print(json.dumps({"path": self.path, "content_type": self.headers.get("Content-Type"),
                          "headers": {key.lower(): value for key, value in self.headers.items()}, "body": body}), flush=True)
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *arguments):
        pass


print("ready", flush=True)
ThreadingHTTPServer(("127.0.0.1", port), Receiver).serve_forever()
