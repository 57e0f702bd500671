#!/usr/bin/env python3
"""Holds idle and slow-header (slowloris) connections to a server on 127.0.0.1, as a flood would.

  connection_flood.py PORT IDLE SLOW SECONDS

Opens IDLE connections that send nothing and SLOW connections that send a request head one
header line a second and never finish it, prints `ready`, keeps them for SECONDS, then prints
`closed idle=<n> slow=<m>`: how many of each the server had closed by the time all were, or
by SECONDS more (a server's timeout counts from its accept, which a loaded machine or a full
accept queue can put seconds after our connect).
"""
import resource, socket, sys, time

port, idle_count, slow_count, seconds = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 65536), hard))


def connect():
    connection = socket.create_connection(("127.0.0.1", port), timeout=10)
    connection.setblocking(False)
    return connection


idle = [connect() for _ in range(idle_count)]
slow = [connect() for _ in range(slow_count)]
for connection in slow:
    connection.send(b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n")
print("ready", flush=True)


def is_closed(connection):
    try:
        return connection.recv(1, socket.MSG_PEEK) == b""
    except BlockingIOError:
        return False
    except OSError:
        return True


def closed_counts():
    return sum(map(is_closed, idle)), sum(map(is_closed, slow))


start = time.monotonic()
line = 0
while True:
    time.sleep(1)
    line += 1
    for connection in slow:
        try:
            connection.send(b"X-Slow-%d: 1\r\n" % line)
        except OSError:
            pass
    elapsed = time.monotonic() - start
    if elapsed < seconds:
        continue
    counts = closed_counts()
    if counts == (idle_count, slow_count) or elapsed >= 2 * seconds:
        break
print("closed idle=%d slow=%d" % counts, flush=True)
