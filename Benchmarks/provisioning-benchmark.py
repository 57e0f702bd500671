#!/usr/bin/env python3
"""Provisioning benchmark (issue 6), in one run against a sandboxed OpenSSH server in a network
namespace (Tests/Fixtures/sandbox_sshd.sh):

 1. the wall time of a provisioning re-run on an already provisioned server, beside one OpenSSH
    `ssh server true` round trip measured in the same run;
 2. the delay from a line printed on the server to the same line reaching a client of the
    controller's event stream (what the browser's terminal reads): a profile step prints the
    server's clock every 50 ms (Benchmarks/Provisioning/ticker_profile.c). Target: median < 100 ms.

Usage (root): provisioning-benchmark.py BIN_FOLDER [RERUNS]
BIN_FOLDER holds posternproxy, plugins/ and agent-bundle/ (scripts/bundle-agent.sh release).
"""
import http.client, json, os, shutil, socket, statistics, subprocess, sys, tempfile, time, uuid

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
bin_folder = os.path.abspath(sys.argv[1])
reruns = int(sys.argv[2]) if len(sys.argv) > 2 else 3
work = tempfile.mkdtemp(prefix="pp-provision-bench-")
suffix = uuid.uuid4().hex[:6]
namespace, host_link, peer = f"ppb-{suffix}", f"b{suffix}", f"c{suffix}"
host_address, address = "10.96.7.1", "10.96.7.2"
children = []


def run(*argv, **options):
    return subprocess.run(argv, check=True, capture_output=True, text=True, **options)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait(check, what, seconds=120):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise SystemExit(f"{what} did not happen; see {work}")


class API:
    def __init__(self, port):
        self.port, self.token = port, None

    def call(self, method, path, body=None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)
        headers = {"Content-Type": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        connection.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
        response = connection.getresponse()
        payload = response.read()
        assert response.status < 300, (method, path, response.status, payload[:300])
        return json.loads(payload) if payload else None

    def finished(self, run_id):
        wait(lambda: self.call("GET", f"/api/provisioning/{run_id}")["status"] != "running", f"run {run_id}", 900)
        return self.call("GET", f"/api/provisioning/{run_id}")


try:
    # The server: a namespace joined by veth, OpenSSH in a copy-on-write sandbox.
    run("ip", "netns", "add", namespace)
    run("ip", "-n", namespace, "link", "set", "lo", "up")
    run("ip", "link", "add", host_link, "type", "veth", "peer", "name", peer)
    run("ip", "link", "set", peer, "netns", namespace)
    run("ip", "addr", "add", f"{host_address}/30", "dev", host_link)
    run("ip", "-n", namespace, "addr", "add", f"{address}/30", "dev", peer)
    run("ip", "link", "set", host_link, "up")
    run("ip", "-n", namespace, "link", "set", peer, "up")
    for key in ("host_key", "client_key"):
        run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", f"{work}/{key}")
    run(f"{root}/Tests/Fixtures/sandbox_sshd.sh", namespace, address, "2222", work, "unused password")
    wait(lambda: subprocess.run(["python3", "-c", f"import socket; socket.create_connection(('{address}', 2222), 0.5)"], stderr=subprocess.DEVNULL).returncode == 0, "sshd")

    # The controller, with the ticker profile as its update-agent pipeline.
    plugins = f"{work}/plugins"
    shutil.copytree(f"{bin_folder}/plugins", plugins)
    run("cc", "-shared", "-fPIC", "-I", f"{root}/Sources/PluginAPI/include", "-o", f"{plugins}/libticker.so",
        f"{root}/Benchmarks/Provisioning/ticker_profile.c")
    json.dump({"update-agent": [{"plugin": "com.example.ticker"}]}, open(f"{work}/pipelines.json", "w"))
    caddy = subprocess.run(["python3", "-c", "import os, sys; print(os.path.join(sys.prefix, 'bin', 'caddy'))"], capture_output=True, text=True).stdout.strip()
    port = free_port()
    controller = subprocess.Popen([f"{bin_folder}/posternproxy", "serve"], stdout=open(f"{work}/controller.log", "w"), stderr=subprocess.STDOUT, env=dict(
        os.environ, POSTERNPROXY_LISTEN=f"0.0.0.0:{port}", POSTERNPROXY_DATA_DIR=f"{work}/data", POSTERNPROXY_APPLY_PIPELINE="",
        POSTERNPROXY_ADMIN_EMAIL="admin@example.test", POSTERNPROXY_ADMIN_PASSWORD="benchmark!", POSTERNPROXY_PLUGINS_DIR=plugins,
        POSTERNPROXY_PUBLIC_URL=f"http://{host_address}:{port}", POSTERNPROXY_AGENT_BUNDLE=f"{bin_folder}/agent-bundle",
        POSTERNPROXY_PROVISION_CADDY=caddy, POSTERNPROXY_PROVISION_PIPELINES=f"{work}/pipelines.json", POSTERNPROXY_RATE_LIMIT="100000"))
    children.append(controller)
    wait(lambda: subprocess.run(["python3", "-c", f"import socket; socket.create_connection(('127.0.0.1', {port}), 0.5)"], stderr=subprocess.DEVNULL).returncode == 0, "controller")
    api = API(port)
    api.token = api.call("POST", "/api/auth/login", {"email": "admin@example.test", "password": "benchmark!"})["access_token"]
    server = api.call("POST", "/api/servers", {"name": "bench", "hostname": address, "ssh_port": 2222, "ssh_user": "pp-sudo"})
    key = open(f"{work}/client_key").read()

    first = api.finished(api.call("POST", f"/api/servers/{server['id']}/provision", {"private_key": key, "keep_credentials": True})["run_id"])
    assert first["status"] == "succeeded", first["lines"][-5:]

    # 1. Re-runs, and one OpenSSH round trip.
    rerun_times = []
    for _ in range(reruns):
        began = time.perf_counter()
        result = api.finished(api.call("POST", f"/api/servers/{server['id']}/provision", {})["run_id"])
        rerun_times.append(time.perf_counter() - began)
        assert result["status"] == "succeeded" and all(l.endswith("already right") for l in result["lines"] if l.startswith("<== ")), result["lines"][-8:]
    ssh_times = []
    for _ in range(5):
        began = time.perf_counter()
        run("ssh", "-q", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
            "-i", f"{work}/client_key", "-p", "2222", f"pp-sudo@{address}", "true")
        ssh_times.append(time.perf_counter() - began)

    # 2. Line latency, read the way the browser reads it (server-sent events).
    run_id = api.call("POST", f"/api/servers/{server['id']}/update-agent", {})["run_id"]
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    connection.request("GET", f"/api/provisioning/{run_id}/events", headers={"Authorization": f"Bearer {api.token}"})
    response = connection.getresponse()
    delays = []
    while True:
        line = response.fp.readline()
        if not line:
            break
        text = line.decode().strip()
        if text.startswith("data:") and "tick " in text:
            delays.append((time.time() - float(text.split("tick ")[1])) * 1000)
        if text.startswith("event: end"):
            break

    rerun, ssh = statistics.median(rerun_times), statistics.median(ssh_times)
    print(f"1. provisioning re-run on a provisioned server (6 steps, nothing to change): median {rerun:.2f} s over {reruns};"
          f" one `ssh server true`: {ssh * 1000:.0f} ms; ratio {rerun / ssh:.0f}")
    print(f"2. remote line → event-stream client: median {statistics.median(delays):.1f} ms, p99 {sorted(delays)[int(len(delays) * 0.99) - 1]:.1f} ms"
          f" over {len(delays)} lines (target: median under 100 ms)")
finally:
    for child in children:
        child.terminate()
    pid_file = f"{work}/sshd.pid"
    if os.path.exists(pid_file):
        subprocess.run(["kill", "-9", open(pid_file).read().strip()])
    subprocess.run(["ip", "link", "del", host_link], capture_output=True)
    subprocess.run(["ip", "netns", "del", namespace], capture_output=True)
