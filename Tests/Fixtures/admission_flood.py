#!/usr/bin/env python3
"""Floods a controller's agent endpoint with WebSocket upgrades carrying wrong tokens for one
server, each connection from another loopback address (so no per-address limit stops them all).

  admission_flood.py PORT SERVER_ID ADDRESSES SECONDS

Prints `flooding` once the first answers came back, keeps 16 connections at a time going for
SECONDS, then prints `sent <n> 101=<a> 401=<b> 429=<c> other=<d>`: how the controller answered.
"""
import base64, os, socket, sys, threading, time

port, server_id, addresses, seconds = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
counts = {"101": 0, "401": 0, "429": 0, "other": 0}
lock = threading.Lock()
deadline = time.monotonic() + seconds
announced = threading.Event()


def attempt(n):
    source = f"127.0.{n // 250 + 1}.{n % 250 + 1}"
    token = f"ppg_{server_id}_" + base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip("=")
    key = base64.b64encode(os.urandom(16)).decode()
    request = (f"GET /api/agent/ws HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\nAuthorization: Bearer {token}\r\n\r\n")
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=10, source_address=(source, 0)) as sock:
            sock.sendall(request.encode())
            head = sock.recv(64)
        status = head.split(b" ")[1].decode() if head.startswith(b"HTTP/") else "other"
    except OSError:
        status = "other"
    with lock:
        counts[status if status in counts else "other"] += 1
    announced.set()


def worker(first):
    n = first
    while time.monotonic() < deadline:
        attempt(n % addresses)
        n += 16


threads = [threading.Thread(target=worker, args=(i,)) for i in range(16)]
for thread in threads:
    thread.start()
announced.wait(30)
print("flooding", flush=True)
for thread in threads:
    thread.join()
total = sum(counts.values())
print(f"sent {total} 101={counts['101']} 401={counts['401']} 429={counts['429']} other={counts['other']}", flush=True)
