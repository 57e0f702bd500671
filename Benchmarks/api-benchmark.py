#!/usr/bin/env python3
"""Controller API benchmark, in one run: with 10,000 proxy hosts stored, the latency of listing a
page of them and of creating one, against a trivial authenticated route (GET /api/auth/me) in the
same run; p50/p99 and the ratio, and the controller's resident memory.

Usage: api-benchmark.py POSTERNPROXY_BINARY [HOSTS] [SAMPLES]
"""
import http.client, json, os, socket, statistics, subprocess, sys, tempfile, time

binary = sys.argv[1]
hosts = int(sys.argv[2]) if len(sys.argv) > 2 else 10_000
samples = int(sys.argv[3]) if len(sys.argv) > 3 else 300

with socket.socket() as s:
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
data = tempfile.mkdtemp()
env = dict(os.environ, POSTERNPROXY_LISTEN=f"127.0.0.1:{port}", POSTERNPROXY_DATA_DIR=data, POSTERNPROXY_APPLY_PIPELINE="",
           POSTERNPROXY_ADMIN_EMAIL="admin@example.test", POSTERNPROXY_ADMIN_PASSWORD="benchmark!", POSTERNPROXY_RATE_LIMIT="100000000")
controller = subprocess.Popen([binary, "serve"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
try:
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.1)
    connection = http.client.HTTPConnection("127.0.0.1", port)

    def call(method, path, body=None, token=None):
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        connection.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
        response = connection.getresponse()
        payload = response.read()
        return response.status, payload

    status, payload = call("POST", "/api/auth/login", {"email": "admin@example.test", "password": "benchmark!"})
    token = json.loads(payload)["access_token"]
    started = time.time()
    for index in range(hosts):
        status, _ = call("POST", "/api/proxy-hosts", {"domain_names": [f"host{index}.bench.test"], "forward_host": "10.0.0.1", "forward_port": 8080}, token)
        assert status == 201, status
    print(f"seeded {hosts} proxy hosts through the API in {time.time() - started:.1f} s")

    def measure(label, request):
        timings = []
        for index in range(samples):
            begin = time.perf_counter()
            status = request(index)
            timings.append((time.perf_counter() - begin) * 1000)
            assert status < 300, (label, status)
        timings.sort()
        return statistics.median(timings), timings[int(len(timings) * 0.99) - 1]

    baseline = measure("trivial", lambda i: call("GET", "/api/auth/me", token=token)[0])
    listing = measure("list", lambda i: call("GET", f"/api/proxy-hosts?page={1 + i % 200}&limit=50", token=token)[0])
    creating = measure("create", lambda i: call("POST", "/api/proxy-hosts", {"domain_names": [f"new{i}.bench.test"], "forward_host": "10.0.0.2", "forward_port": 80}, token)[0])
    rss = next(line.split()[1] for line in open(f"/proc/{controller.pid}/status") if line.startswith("VmRSS"))
    print(f"{'route':<28}{'p50 ms':>9}{'p99 ms':>9}{'p99 / trivial p99':>20}")
    for label, (p50, p99) in [("GET /api/auth/me (trivial)", baseline), ("GET proxy-hosts page of 50", listing), ("POST proxy-hosts", creating)]:
        print(f"{label:<28}{p50:>9.2f}{p99:>9.2f}{p99 / baseline[1]:>20.2f}")
    print(f"controller resident memory: {int(rss) / 1024:.1f} MiB (target: p99 under 20 ms for list and create)")
finally:
    controller.terminate()
    controller.wait()
