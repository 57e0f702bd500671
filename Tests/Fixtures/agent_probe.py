#!/usr/bin/env python3
"""A hostile or simulated agent for the tests: speaks RFC 6455 with the standard library only.

  agent_probe.py HOST PORT TOKEN SCENARIO [ARG]

Prints one line per event: `STATUS <http status>`, `MESSAGE <json>`, `CLOSED <code> <reason>`,
`SENT <what>`; exits 0 unless the connection could not be made at all.

Scenarios:
  listen SECONDS       hello (revision 0), then print what the controller sends for SECONDS; it
                       sends no heartbeat, so the controller closes it after 20 s of silence
  oversized BYTES      hello, then one text message of BYTES bytes
  binary               hello, then binary garbage frames
  garbage              hello, then text that is not JSON
  unknown              hello, then a message of an unknown type
  no-hello             a heartbeat as the first message
  replay REVISION      hello, wait for the desired state, report it applied, then report
                       REVISION (older) applied with another hash
  beat SECONDS         hello, then a heartbeat every second for SECONDS, printing what the
                       controller sends
  resume REVISION:HASH hello saying it runs REVISION with HASH, then print what the controller
                       sends for 3 seconds
  stall SECONDS        hello, then a heartbeat every second for SECONDS while reading nothing (its
                       receive buffer kept small), then reads what is left; prints `DROPPED` once
                       the controller has let the connection go
  reconnect COUNT      COUNT connections in a row, each closed at once; prints
                       `UPGRADED n REFUSED m SECONDS s` (s: how long the storm took)
  traffic HOST         hello, then a status report whose traffic has 3 requests for HOST and
                       entries that must not be stored: a name the server does not serve, a
                       negative counter, lists of the wrong length, a name that is not a host name

With PROBE_FORWARDED_FOR set (a prefix such as `198.51.100.`), every connection says it was
forwarded for an address of its own (the prefix and its number), as a proxy in front of many
agents would.
"""
import base64
import json
import os
import select
import socket
import struct
import sys
import time

from ws_frames import frame, read_frame


connections = 0


def connect(host, port, token, receive_buffer=None):
    global connections
    connections += 1
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if receive_buffer:
        # Set before connecting, so the window the controller sees stays this small.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
    sock.settimeout(10)
    sock.connect((host, port))
    key = base64.b64encode(os.urandom(16)).decode()
    forwarded = os.environ.get("PROBE_FORWARDED_FOR")
    extra = f"X-Forwarded-For: {forwarded}{connections % 250 + 1}\r\n" if forwarded else ""
    request = (f"GET /api/agent/ws HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\nAuthorization: Bearer {token}\r\n{extra}\r\n")
    sock.sendall(request.encode())
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = sock.recv(1)
        if not chunk:
            break
        head += chunk
    status = int(head.split(b" ")[1]) if head.startswith(b"HTTP/") else 0
    return sock, status


def send_frame(sock, payload, opcode=1):
    try:
        sock.sendall(frame(payload, opcode))
    except OSError as error:
        print(f"SENDFAILED {error}", flush=True)


def hello(sock, revision=0, digest=None):
    send_frame(sock, json.dumps({"type": "hello", "v": 1, "agent_version": "probe", "caddy_version": None, "caddy_modules": [],
                                 "applied_revision": revision, "applied_hash": digest}))


def pump(sock, seconds, until=None):
    """Prints frames until `seconds` pass, the connection closes, or `until(message)` holds."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        # Only the wait for a frame's first byte is bounded by `seconds`: a frame once begun is
        # read whole, so a large one arriving at the deadline is not cut in two.
        readable, _, _ = select.select([sock], [], [], max(0.05, deadline - time.time()))
        if not readable:
            return None
        sock.settimeout(30)
        try:
            opcode, data = read_frame(sock)
        except (EOFError, OSError):
            print("CLOSED 0 connection dropped", flush=True)
            return "closed"
        if opcode == 8:
            code = struct.unpack(">H", data[:2])[0] if len(data) >= 2 else 0
            print(f"CLOSED {code} {data[2:].decode(errors='replace')}", flush=True)
            return "closed"
        if opcode == 9:
            send_frame(sock, data, opcode=10)
            continue
        if opcode == 1:
            message = json.loads(data)
            print("MESSAGE " + json.dumps(message), flush=True)
            if until and until(message):
                return message
    return None


def main():
    host, port, token, scenario = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    argument = sys.argv[5] if len(sys.argv) > 5 else None
    if scenario == "reconnect":
        upgraded = refused = 0
        started = time.monotonic()
        for _ in range(int(argument)):
            try:
                sock, status = connect(host, port, token)
                upgraded += status == 101
                refused += status != 101
                sock.close()
            except OSError:
                refused += 1
        print(f"UPGRADED {upgraded} REFUSED {refused} SECONDS {time.monotonic() - started:.3f}", flush=True)
        return
    sock, status = connect(host, port, token, receive_buffer=4096 if scenario == "stall" else None)
    print(f"STATUS {status}", flush=True)
    if status != 101:
        return
    if scenario == "no-hello":
        send_frame(sock, json.dumps({"type": "heartbeat", "v": 1, "applied_revision": 0}))
        pump(sock, 5)
        return
    if scenario == "resume":
        revision, digest = argument.split(":")
        hello(sock, int(revision), digest)
        pump(sock, 3)
        return
    hello(sock)
    if scenario == "beat":
        deadline = time.time() + float(argument)
        while time.time() < deadline:
            send_frame(sock, json.dumps({"type": "heartbeat", "v": 1, "applied_revision": 0}))
            if pump(sock, 1) == "closed":
                return
        return
    if scenario == "listen":
        pump(sock, float(argument))
    elif scenario == "stall":
        deadline = time.time() + float(argument)
        while time.time() < deadline:
            try:
                sock.sendall(frame(json.dumps({"type": "heartbeat", "v": 1, "applied_revision": 0})))
            except OSError:
                print("DROPPED", flush=True)
                return
            time.sleep(1)
        # What the controller sent before it let go, read without printing (it can be megabytes).
        sock.settimeout(30)
        try:
            while read_frame(sock)[0] != 8:
                pass
        except socket.timeout:
            print("STILL OPEN", flush=True)
            return
        except (EOFError, OSError):
            pass
        print("DROPPED", flush=True)
    elif scenario == "oversized":
        pump(sock, 1, until=lambda m: m["type"] == "desired_state")
        send_frame(sock, b"x" * int(argument))
        print("SENT oversized", flush=True)
        pump(sock, 10)
    elif scenario == "binary":
        pump(sock, 1, until=lambda m: m["type"] == "desired_state")
        send_frame(sock, os.urandom(4096), opcode=2)
        print("SENT binary", flush=True)
        pump(sock, 10)
    elif scenario == "garbage":
        send_frame(sock, "{not json")
        pump(sock, 10)
    elif scenario == "unknown":
        send_frame(sock, json.dumps({"type": "run_command", "v": 1, "argv": ["id"]}))
        pump(sock, 10)
    elif scenario == "traffic":
        pump(sock, 10, until=lambda m: m["type"] == "desired_state")

        def entry(host, requests=(0, 2, 0, 1, 0), latency=(1, 2) + (0,) * 10, bytes_in=100, bytes_out=900):
            return [host, *requests, bytes_in, bytes_out, *latency]

        hosts = [entry(argument), entry("unknown-name.test"), entry(argument, requests=(0, -5, 0, 0, 0)),
                 entry(argument, requests=(1, 2, 3)), entry("a b{http.request.uri}"), entry(argument, bytes_out=-1),
                 entry(argument, latency=(1,) * 11), entry(argument, bytes_in=1.5), entry(argument, bytes_in=2 ** 60)]
        send_frame(sock, json.dumps({"type": "status", "v": 1, "caddy_running": True, "upstreams": [],
                                     "traffic": {"hosts": hosts, "unattributed": 4}}))
        print("SENT traffic", flush=True)
        pump(sock, 2)
    elif scenario == "replay":
        state = pump(sock, 10, until=lambda m: m["type"] == "desired_state")
        send_frame(sock, json.dumps({"type": "apply_result", "v": 1, "revision": state["revision"], "hash": state["hash"],
                                     "succeeded": True, "message": None, "resources": {}}))
        time.sleep(0.5)
        send_frame(sock, json.dumps({"type": "apply_result", "v": 1, "revision": int(argument), "hash": "0" * 64,
                                     "succeeded": False, "message": "replayed", "resources": {}}))
        print("SENT replay", flush=True)
        pump(sock, 2)


main()
