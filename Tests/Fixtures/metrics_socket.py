#!/usr/bin/env python3
"""Answers HTTP on a unix socket as a Caddy admin API whose metrics a test or benchmark wrote.

  metrics_socket.py SOCKET FILE [FILE2]

GET /metrics answers FILE's content (read at each request), or FILE and FILE2 in turn when both
are given; POST /load keeps the config it is given and answers 200; GET /config/@id answers that
config's `@id` (null before a load), GET /config/ the config; GET /reverse_proxy/upstreams an
empty list; anything else 404.

RELOADED in a metrics file is answered as the time of the last load (a minute before the start
until the first), as Caddy's `caddy_config_last_reload_success_timestamp_seconds`. With
METRICS_HOLD=N in the environment, the N-th metrics answer sends its first half, then waits (at
most 10 s) for a config load before the rest, as a Caddy whose text for many hosts is still being
written; GET /loads answers `{"loads", "during_metrics"}`: how many loads arrived, and how many of
them while that answer was held; GET /requests the method and path (without query) of every
request before it, in the order they arrived.
"""
import http.server
import json
import os
import socketserver
import sys
import threading
import time

SOCKET, FILES = sys.argv[1], sys.argv[2:]
state = {"config": None, "reads": 0, "loads": 0, "during_metrics": 0, "holding": False, "reloaded_at": time.time() - 60, "requests": []}
lock = threading.Lock()
HOLD = int(os.environ.get("METRICS_HOLD", "0"))
loaded = threading.Condition(lock)


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
        if self.path.split("?")[0] == "/metrics":
            with lock:
                name = FILES[state["reads"] % len(FILES)]
                state["reads"] += 1
                hold = state["reads"] == HOLD
                with open(name, "rb") as source:
                    body = source.read().replace(b"RELOADED", repr(state["reloaded_at"]).encode())
                loads = state["loads"]
                state["holding"] = state["holding"] or hold
            if not hold:
                return self.answer(200, body)
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            with loaded:
                loaded.wait_for(lambda: state["loads"] > loads, timeout=10)
                state["holding"] = False
            self.wfile.write(body[len(body) // 2 :])
        elif self.path == "/requests":
            with lock:
                self.answer(200, json.dumps(state["requests"]).encode())
        elif self.path == "/loads":
            self.answer(200, json.dumps({"loads": state["loads"], "during_metrics": state["during_metrics"]}).encode())
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
        with lock:
            state["requests"].append("POST " + self.path)
        if self.path == "/load":
            with loaded:
                state["config"] = json.loads(body)
                state["loads"] += 1
                state["during_metrics"] += 1 if state["holding"] else 0
                state["reloaded_at"] = time.time()
                loaded.notify_all()
            self.answer(200, b"")
        else:
            self.answer(404, b"{}")


class Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True


Server(SOCKET, Handler).serve_forever()
