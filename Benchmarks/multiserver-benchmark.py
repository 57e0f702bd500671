#!/usr/bin/env python3
"""Multi-server benchmark, in one run (issue 5):

 1. change → remote answer: the time from an API write (a new proxy host on a remote server) to
    the new route answering on that server's Caddy, through the real agent; beside it, Caddy's own
    `/load` of the same config until the route answers. p50/p99 and the ratio.
 2. 200 simulated agents speaking the real protocol from this one process: the time to deliver one
    change (a setting, which every server's state carries) to all of them, and the controller's
    memory per connected agent.
 3. the real agent's resident memory when idle, and again once its apply pipeline runs a plugin
    from the controller's catalog (the C example, uploaded, fetched and loaded by the agent).

Usage: multiserver-benchmark.py BIN_FOLDER [SAMPLES] [AGENTS]
BIN_FOLDER holds `posternproxy` and the release agent bundle `agent-bundle/`
(`scripts/bundle-agent.sh release` makes both and prints the bundle's folder).
"""
import asyncio, base64, http.client, json, os, shutil, socket, statistics, struct, subprocess, sys, tempfile, time

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
bin_folder = sys.argv[1]
samples = int(sys.argv[2]) if len(sys.argv) > 2 else 30
agent_count = int(sys.argv[3]) if len(sys.argv) > 3 else 200
work = tempfile.mkdtemp(prefix="pp-bench-")
children = []


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(argv, env=None, log="log"):
    child = subprocess.Popen(argv, env=dict(os.environ, **(env or {})), stdout=open(f"{work}/{log}.log", "w"), stderr=subprocess.STDOUT)
    children.append(child)
    return child


def wait_for(check, what, seconds=30):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise SystemExit(f"{what} did not happen; see {work}")


def rss_kib(pid, field="VmRSS"):
    return int(next(line.split()[1] for line in open(f"/proc/{pid}/status") if line.startswith(field + ":")))


class API:
    def __init__(self, port):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self.token = None

    def call(self, method, path, body=None):
        headers = {"Content-Type": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        self.connection.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
        response = self.connection.getresponse()
        payload = response.read()
        assert response.status < 300, (method, path, response.status, payload[:300])
        return json.loads(payload) if payload else None

    def upload(self, path, data):
        self.connection.request("POST", path, body=data, headers={"Content-Type": "application/octet-stream", "Authorization": f"Bearer {self.token}"})
        response = self.connection.getresponse()
        payload = response.read()
        assert response.status < 300, ("POST", path, response.status, payload[:300])
        return json.loads(payload)


class UnixHTTP(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("localhost")
        self.path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(self.path)


def answers(port, host):
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        connection.request("GET", "/", headers={"Host": host})
        return connection.getresponse().status == 200
    except OSError:
        return False


def poll_until_answers(port, host, limit=30):
    deadline = time.perf_counter() + limit
    while time.perf_counter() < deadline:
        if answers(port, host):
            return
        time.sleep(0.001)
    raise SystemExit(f"{host} never answered; see {work}")


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


# --- minimal asyncio WebSocket client, for the simulated agents ---------------------------------
async def ws_connect(port, token):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    key = base64.b64encode(os.urandom(16)).decode()
    writer.write((f"GET /api/agent/ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                  f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\nAuthorization: Bearer {token}\r\n\r\n").encode())
    head = await reader.readuntil(b"\r\n\r\n")
    assert b" 101 " in head.split(b"\r\n")[0], head
    return reader, writer


def ws_frame(text):
    payload, mask = text.encode(), os.urandom(4)
    length = len(payload)
    header = bytes([0x81]) + (bytes([0x80 | length]) if length < 126 else bytes([0x80 | 126]) + struct.pack(">H", length) if length < 65536
                              else bytes([0x80 | 127]) + struct.pack(">Q", length))
    return header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


async def ws_read(reader, writer):
    while True:
        head = await reader.readexactly(2)
        opcode, length = head[0] & 0x0F, head[1] & 0x7F
        if length == 126:
            length = struct.unpack(">H", await reader.readexactly(2))[0]
        elif length == 127:
            length = struct.unpack(">Q", await reader.readexactly(8))[0]
        data = await reader.readexactly(length)
        if opcode == 9:
            mask = os.urandom(4)
            writer.write(bytes([0x8A, 0x80 | len(data)]) + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data)))
            continue
        if opcode == 8:
            raise ConnectionError("closed")
        if opcode == 1:
            return json.loads(data)


class SimulatedAgent:
    def __init__(self, port, token):
        self.port, self.token = port, token
        self.revision, self.received = 0, asyncio.Event()

    async def run(self, connected):
        """Stays connected like a real agent: reconnects after a second when the connection drops."""
        while True:
            try:
                await self.session(connected)
            except (ConnectionError, asyncio.IncompleteReadError, OSError, AssertionError):
                await asyncio.sleep(1)

    async def session(self, connected):
        reader, writer = await ws_connect(self.port, self.token)
        writer.write(ws_frame(json.dumps({"type": "hello", "v": 1, "agent_version": "simulated", "caddy_version": "v2.11.1",
                                          "caddy_modules": ["http"], "applied_revision": 0, "applied_hash": None})))
        heartbeat = None
        while True:
            try:
                message = await ws_read(reader, writer)
            except BaseException:
                if heartbeat:
                    heartbeat.cancel()
                raise
            if message["type"] == "welcome":
                heartbeat = asyncio.create_task(self.beat(writer, message["heartbeat_seconds"]))
            elif message["type"] == "desired_state":
                self.revision = message["revision"]
                writer.write(ws_frame(json.dumps({"type": "apply_result", "v": 1, "revision": message["revision"], "hash": message["hash"],
                                                  "succeeded": True, "message": None, "resources": {}})))
                if not connected.done():
                    connected.set_result(True)
                self.received.set()

    async def beat(self, writer, seconds):
        while True:
            await asyncio.sleep(seconds)
            writer.write(ws_frame(json.dumps({"type": "heartbeat", "v": 1, "applied_revision": self.revision})))


async def fan_out(controller_port, api, tokens, controller_pid):
    before = rss_kib(controller_pid)
    agents = [SimulatedAgent(controller_port, token) for token in tokens]
    connected = [asyncio.get_running_loop().create_future() for _ in agents]
    tasks = [asyncio.create_task(agent.run(done)) for agent, done in zip(agents, connected)]
    await asyncio.wait_for(asyncio.gather(*connected), 600)
    await asyncio.sleep(3)
    after = rss_kib(controller_pid)
    timings = []
    for round_number in range(5):
        for agent in agents:
            agent.received.clear()
        began = time.perf_counter()
        await asyncio.to_thread(api.call, "PUT", "/api/settings/acme_email", {"value": f"ops{round_number}@example.test"})
        await asyncio.wait_for(asyncio.gather(*(agent.received.wait() for agent in agents)), 120)
        timings.append((time.perf_counter() - began) * 1000)
    for task in tasks:
        task.cancel()
    return timings, before, after


try:
    controller_port, http_port = free_port(), free_port()
    controller = start([f"{bin_folder}/posternproxy", "serve"], {
        "POSTERNPROXY_LISTEN": f"127.0.0.1:{controller_port}", "POSTERNPROXY_DATA_DIR": f"{work}/data", "POSTERNPROXY_APPLY_PIPELINE": "",
        "POSTERNPROXY_ADMIN_EMAIL": "admin@example.test", "POSTERNPROXY_ADMIN_PASSWORD": "benchmark!", "POSTERNPROXY_RATE_LIMIT": "100000000",
        "POSTERNPROXY_AGENT_CONNECT_LIMIT": "100000",
        "POSTERNPROXY_PLUGINS_DIR": f"{bin_folder}/agent-bundle/lib/posternproxy-agent/plugins"}, "controller")
    wait_for(lambda: answers(controller_port, "x") or os.path.exists(f"{work}/data/posternproxy.sqlite"), "controller start")
    time.sleep(1)
    api = API(controller_port)
    api.token = api.call("POST", "/api/auth/login", {"email": "admin@example.test", "password": "benchmark!"})["access_token"]

    # One real remote server on this machine: Caddy with its admin socket, the agent, an upstream.
    os.makedirs(f"{work}/caddy")
    socket_path = f"{work}/caddy/admin.sock"
    json.dump({"admin": {"listen": f"unix/{socket_path}"}}, open(f"{work}/caddy/initial.json", "w"))
    start(["caddy", "run", "--config", f"{work}/caddy/initial.json"], {"HOME": f"{work}/caddy", "XDG_DATA_HOME": f"{work}/caddy", "XDG_CONFIG_HOME": f"{work}/caddy"}, "caddy")
    wait_for(lambda: os.path.exists(socket_path), "Caddy start")
    upstream_port = free_port()
    start(["python3", "-m", "http.server", str(upstream_port), "--bind", "127.0.0.1"], log="upstream")
    server = api.call("POST", "/api/servers", {"name": "remote", "hostname": "192.0.2.1"})
    token = api.call("POST", f"/api/servers/{server['id']}/token")["token"]
    open(f"{work}/agent.env", "w").write(
        f"POSTERNPROXY_CONTROLLER_URL=http://127.0.0.1:{controller_port}\nPOSTERNPROXY_AGENT_TOKEN={token}\n"
        f"POSTERNPROXY_PLUGINS_DIR={bin_folder}/agent-bundle/lib/posternproxy-agent/plugins\nPOSTERNPROXY_STATE_DIR={work}/agent\nPOSTERNPROXY_CADDY_ADMIN={socket_path}\n"
        f"POSTERNPROXY_CADDY_CERTIFICATE_LOG={work}/caddy-logs/posternproxy-certificates.log\n"
        f"POSTERNPROXY_HTTP_PORT={http_port}\nPOSTERNPROXY_HTTPS_PORT={free_port()}\nPOSTERNPROXY_APPLY_PIPELINE=posternproxy.caddy\n")
    # The agent as provisioning installs it: the bundle (scripts/bundle-agent.sh release).
    agent = start([f"{bin_folder}/agent-bundle/bin/posternproxy-agent", "--config", f"{work}/agent.env"], log="agent")
    wait_for(lambda: api.call("GET", f"/api/servers/{server['id']}")["status"] == "online", "agent online")

    end_to_end, caddy_load = [], []
    for index in range(samples):
        began = time.perf_counter()
        api.call("POST", "/api/proxy-hosts", {"domain_names": [f"e2e{index}.bench.test"], "forward_host": "127.0.0.1",
                                              "forward_port": upstream_port, "server_id": server["id"]})
        poll_until_answers(http_port, f"e2e{index}.bench.test")
        end_to_end.append((time.perf_counter() - began) * 1000)
        # Caddy's own time for the same config with one more route: /load, then the first answer.
        admin = UnixHTTP(socket_path)
        admin.request("GET", "/config/")
        config = json.loads(admin.getresponse().read())
        routes = config["apps"]["http"]["servers"]
        host = f"e2e{index}.bench.test"
        server_name, template = next((name, route) for name, body in routes.items() for route in body.get("routes", [])
                                     if host in json.dumps(route))
        extra = json.loads(json.dumps(template).replace(host, f"own{index}.bench.test").replace('"proxy_host_', f'"benchmark_{index}_').replace('"proxy_hosts/', f'"benchmark_{index}/'))
        routes[server_name]["routes"].insert(0, extra)
        body = json.dumps(config)
        began = time.perf_counter()
        admin = UnixHTTP(socket_path)
        admin.request("POST", "/load", body=body, headers={"Content-Type": "application/json"})
        assert admin.getresponse().status == 200
        poll_until_answers(http_port, f"own{index}.bench.test")
        caddy_load.append((time.perf_counter() - began) * 1000)
    time.sleep(5)
    agent_rss, agent_private = rss_kib(agent.pid), rss_kib(agent.pid, "RssAnon")
    # The same agent once its pipeline runs a plugin from the controller's catalog.
    plugin = f"{work}/libmotd.so"
    subprocess.run(["cc", "-shared", "-fPIC", "-I", f"{root}/Sources/PluginAPI/include", "-o", plugin,
                    f"{root}/Examples/MotdPlugin/motd_plugin.c"], check=True)
    api.upload("/api/plugins", open(plugin, "rb").read())
    api.call("PUT", f"/api/servers/{server['id']}/pipelines/apply", {"steps": [
        {"plugin": "posternproxy.caddy"}, {"plugin": "com.example.motd", "config": {"text": "benchmark\n", "path": f"{work}/motd"}}]})
    wait_for(lambda: os.path.exists(f"{work}/motd"), "the catalog plugin ran on the agent")
    time.sleep(5)
    plugin_rss, plugin_private = rss_kib(agent.pid), rss_kib(agent.pid, "RssAnon")

    tokens = []
    for index in range(agent_count):
        created = api.call("POST", "/api/servers", {"name": f"sim{index}", "hostname": "203.0.113.9"})
        tokens.append(api.call("POST", f"/api/servers/{created['id']}/token")["token"])
    delivery, before, after = asyncio.run(fan_out(controller_port, api, tokens, controller.pid))

    p50, p99 = statistics.median(end_to_end), percentile(end_to_end, 0.99)
    c50, c99 = statistics.median(caddy_load), percentile(caddy_load, 0.99)
    print(f"1. API write → route answers on the remote agent's Caddy ({samples} samples)")
    print(f"   {'':<34}{'p50 ms':>9}{'p99 ms':>9}")
    print(f"   {'through controller and agent':<34}{p50:>9.1f}{p99:>9.1f}")
    print(f"   {'Caddy /load of the same config':<34}{c50:>9.1f}{c99:>9.1f}")
    print(f"   ratio p50 {p50 / c50:.2f}, p99 {p99 / c99:.2f}; target: at most 1.2 × Caddy + 20 ms = "
          f"{1.2 * c50 + 20:.1f} ms (p50), {1.2 * c99 + 20:.1f} ms (p99)")
    print(f"2. {agent_count} simulated agents: one change delivered to all in median {statistics.median(delivery):.0f} ms "
          f"(max {max(delivery):.0f} ms over {len(delivery)} changes)")
    print(f"   controller memory per connected agent: {(after - before) / agent_count:.1f} KiB (target under 100 KB)")
    print(f"3. real agent resident memory when idle: {agent_rss / 1024:.1f} MiB, of which {agent_private / 1024:.1f} MiB its own"
          f" (the rest is shared library code mapped from disk) (target under 20 MB)")
    print(f"   with one plugin from the catalog loaded: {plugin_rss / 1024:.1f} MiB, of which {plugin_private / 1024:.1f} MiB its own"
          f" (target under 20 MB)")
finally:
    for child in reversed(children):
        child.terminate()
        try:
            child.wait(timeout=5)
        except subprocess.TimeoutExpired:
            child.kill()
    # Its folder goes with it: the controller's database, the agent's state, the Caddies' files.
    shutil.rmtree(work, ignore_errors=True)
