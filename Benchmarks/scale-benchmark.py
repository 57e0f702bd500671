#!/usr/bin/env python3
"""The control plane at scale: N simulated agents speaking the real protocol from this process.

  scale-benchmark.py BIN [AGENTS]      (BIN: .build/release; AGENTS: 10000)

Against a release controller with no local data plane, it measures:
  1. issuing the agent tokens through the API, one request each (target < 30 s per 1,000);
  2. all N agents admitted from cold: connected, welcomed and sent their desired state (< 60 s);
  3. at steady state, heartbeats at the default interval: controller resident memory per agent
     (< 50 KiB) and its CPU over 30 s (< 30 % of one core);
  4. one change every server carries (a setting: what the default site answers) delivered to all
     N, and served by the witness (< 5 s);
  5. all N back online after a controller restart, by SIGTERM and by SIGKILL (< 60 s each).

Each simulated agent keeps the ticket and the reconnect window of its welcome, reconnects as the
real agent does (a random moment of the window after the controller went away, presenting its
ticket and the revision and hash it runs), answers pings, sends heartbeats and reports every
desired state applied. Beside them, one real agent with a real Caddy in a network namespace the
benchmark makes (the witness) serves a proxy host and the default site, so every figure is also
checked where traffic is served. Needs root (the namespace) and `caddy` on PATH; everything runs
on loopback or in that namespace and is removed at the end.
"""
import asyncio, base64, http.client, json, os, resource, signal, statistics, struct, sys, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchsupport import API, Namespace, Work, free_port, status_kib

bin_folder = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else ".build/release")
agent_count = int(sys.argv[2]) if len(sys.argv) > 2 else 10_000
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
work = Work("pp-scale-")
# The witness's network; the controller listens on this side's address, where the simulated
# agents connect too.
network = Namespace("ppscale", 251)
controller_address, witness_address = network.host_address, network.address


class Witness:
    """A remote server as provisioning leaves it, in the namespace: its Caddy, the real agent, and
    an upstream that names itself behind one proxy host."""

    def __init__(self, api, port):
        self.api = api
        self.id = api.call("POST", "/api/servers", {"name": "witness", "hostname": witness_address})["id"]
        token = api.call("POST", f"/api/servers/{self.id}/token")["token"]
        in_namespace = network.exec
        upstream_port, self.http_port = free_port(), free_port()
        folder = f"{work.folder}/witness"
        os.makedirs(folder)
        open(f"{folder}/upstream.py", "w").write(
            "import http.server\nclass H(http.server.BaseHTTPRequestHandler):\n"
            "    def do_GET(self):\n        body=b'witness upstream'\n        self.send_response(200); self.send_header('Content-Length', str(len(body))); self.end_headers(); self.wfile.write(body)\n"
            "    def log_message(self, *a): pass\n"
            f"http.server.ThreadingHTTPServer(('127.0.0.1', {upstream_port}), H).serve_forever()\n")
        work.start(in_namespace + ["python3", f"{folder}/upstream.py"], log="witness-upstream")
        api.call("POST", "/api/proxy-hosts", {"domain_names": ["witness.bench.test"], "forward_host": "127.0.0.1",
                                              "forward_port": upstream_port, "server_id": self.id})
        socket_path = f"{folder}/caddy-admin.sock"
        json.dump({"admin": {"listen": f"unix/{socket_path}"}}, open(f"{folder}/initial.json", "w"))
        work.start(in_namespace + ["caddy", "run", "--config", f"{folder}/initial.json"],
                   {"HOME": folder, "XDG_DATA_HOME": folder, "XDG_CONFIG_HOME": folder}, "witness-caddy")
        work.wait_for(lambda: os.path.exists(socket_path), "the witness's Caddy start")
        open(f"{folder}/agent.env", "w").write(
            f"POSTERNPROXY_CONTROLLER_URL=http://{controller_address}:{port}\nPOSTERNPROXY_AGENT_TOKEN={token}\n"
            f"POSTERNPROXY_PLUGINS_DIR={bin_folder}\nPOSTERNPROXY_STATE_DIR={folder}/state\nPOSTERNPROXY_CADDY_ADMIN={socket_path}\n"
            f"POSTERNPROXY_HTTP_PORT={self.http_port}\nPOSTERNPROXY_HTTPS_PORT={free_port()}\nPOSTERNPROXY_APPLY_PIPELINE=posternproxy.caddy\n")
        self.agent_argv = in_namespace + [f"{bin_folder}/posternproxy-agent", "--config", f"{folder}/agent.env"]

    def start_agent(self):
        work.start(self.agent_argv, log="witness-agent")

    def answer(self, host):
        """(status, body) of `GET /` for `host` on the witness's Caddy, or None."""
        try:
            connection = http.client.HTTPConnection(witness_address, self.http_port, timeout=2)
            connection.request("GET", "/", headers={"Host": host})
            response = connection.getresponse()
            return response.status, response.read()
        except OSError:
            return None

    def serves_its_host(self):
        answer = self.answer("witness.bench.test")
        return answer is not None and answer[0] == 200 and answer[1] == b"witness upstream"

    def default_site_status(self):
        answer = self.answer("unknown.bench.test")
        return answer[0] if answer else None

    async def until(self, check, limit):
        deadline = time.perf_counter() + limit
        while not await asyncio.to_thread(check):
            if time.perf_counter() > deadline:
                raise SystemExit(f"the witness did not get there; see {work.folder}")
            await asyncio.sleep(0.02)


def cpu_seconds(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def frame(text, opcode=1):
    payload, mask = text.encode() if isinstance(text, str) else text, os.urandom(4)
    length = len(payload)
    header = bytes([0x80 | opcode]) + (bytes([0x80 | length]) if length < 126 else bytes([0x80 | 126]) + struct.pack(">H", length)
                                       if length < 65536 else bytes([0x80 | 127]) + struct.pack(">Q", length))
    masked = (int.from_bytes(payload, "big") ^ int.from_bytes((mask * (length // 4 + 1))[:length], "big")).to_bytes(length, "big")
    return header + mask + masked


class Agent:
    """One simulated agent; `events` counts what happened to all of them."""

    def __init__(self, port, token, events):
        self.port, self.token, self.events = port, token, events
        self.ticket, self.window, self.revision, self.hash = None, 2, 0, None
        self.welcomed = asyncio.Event()
        self.state_received = asyncio.Event()

    async def run(self):
        delay = 1.0
        while True:
            was_welcomed = False
            try:
                was_welcomed = await self.session()
            except (ConnectionError, asyncio.IncompleteReadError, OSError, ValueError):
                pass
            if was_welcomed:
                await asyncio.sleep(self.window * (os.urandom(1)[0] / 255))
                delay = 1.0
            else:
                await asyncio.sleep(delay * (0.75 + os.urandom(1)[0] / 510))
                delay = min(delay * 2, 30)

    async def session(self):
        reader, writer = await asyncio.open_connection(controller_address, self.port)
        welcomed = False
        try:
            key = base64.b64encode(os.urandom(16)).decode()
            ticket = f"X-PosternProxy-Ticket: {self.ticket}\r\n" if self.ticket else ""
            writer.write((f"GET /api/agent/ws HTTP/1.1\r\nHost: {controller_address}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                          f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\nAuthorization: Bearer {self.token}\r\n{ticket}\r\n").encode())
            head = await reader.readuntil(b"\r\n\r\n")
            status = head.split(b" ")[1].decode()
            if status != "101":
                self.events[status] = self.events.get(status, 0) + 1
                return False
            writer.write(frame(json.dumps({"type": "hello", "v": 1, "agent_version": "simulated", "caddy_version": "v2.11.1",
                                           "caddy_modules": ["http"], "applied_revision": self.revision, "applied_hash": self.hash})))
            heartbeat = None
            try:
                while True:
                    message = await self.read(reader, writer)
                    if message["type"] == "welcome":
                        welcomed = True
                        self.ticket = message.get("ticket") or self.ticket
                        self.window = message.get("reconnect_window_seconds", self.window)
                        heartbeat = asyncio.create_task(self.beat(writer, message["heartbeat_seconds"]))
                        self.welcomed.set()
                    elif message["type"] == "desired_state":
                        self.revision, self.hash = message["revision"], message["hash"]
                        writer.write(frame(json.dumps({"type": "apply_result", "v": 1, "revision": message["revision"], "hash": message["hash"],
                                                       "succeeded": True, "message": None, "resources": {}})))
                        self.state_received.set()
            finally:
                if heartbeat:
                    heartbeat.cancel()
        finally:
            writer.close()
        return welcomed

    async def read(self, reader, writer):
        while True:
            head = await reader.readexactly(2)
            opcode, length = head[0] & 0x0F, head[1] & 0x7F
            if length == 126:
                length = struct.unpack(">H", await reader.readexactly(2))[0]
            elif length == 127:
                length = struct.unpack(">Q", await reader.readexactly(8))[0]
            data = await reader.readexactly(length)
            if opcode == 9:
                writer.write(frame(data, opcode=10))
            elif opcode == 8:
                raise ConnectionError("closed")
            elif opcode == 1:
                return json.loads(data)

    async def beat(self, writer, seconds):
        await asyncio.sleep(seconds * (os.urandom(1)[0] / 255))
        while True:
            writer.write(frame(json.dumps({"type": "heartbeat", "v": 1, "applied_revision": self.revision})))
            await asyncio.sleep(seconds)


async def all_set(agents, attribute, limit):
    await asyncio.wait_for(asyncio.gather(*(getattr(agent, attribute).wait() for agent in agents)), limit)


def clear(agents, attribute):
    for agent in agents:
        getattr(agent, attribute).clear()


def online_count(api):
    return api.call("GET", "/api/servers/summary")["by_status"]["online"]


async def main():
    port = free_port()
    network.create()
    environment = {
        "POSTERNPROXY_LISTEN": f"{controller_address}:{port}", "POSTERNPROXY_DATA_DIR": f"{work.folder}/data", "POSTERNPROXY_APPLY_PIPELINE": "",
        "POSTERNPROXY_ADMIN_EMAIL": "admin@example.test", "POSTERNPROXY_ADMIN_PASSWORD": "benchmark!", "POSTERNPROXY_RATE_LIMIT": "100000",
        # Every simulated agent comes from one address: the per-address limits would count them as one.
        "POSTERNPROXY_AGENT_CONNECT_LIMIT": "100000"}

    def start_controller():
        controller = work.start([f"{bin_folder}/posternproxy", "serve"], environment, "controller")
        work.wait_for(lambda: "listening on" in open(f"{work.folder}/controller.log").read(), "controller start")
        return controller

    controller = start_controller()
    api = API(port, controller_address)
    login = lambda: api.call("POST", "/api/auth/login", {"email": "admin@example.test", "password": "benchmark!"})["access_token"]
    api.token = login()

    ids, tokens = [], []
    for index in range(agent_count):
        ids.append(api.call("POST", "/api/servers", {"name": f"sim{index}", "hostname": "203.0.113.9"})["id"])
    began = time.perf_counter()
    for server in ids:
        tokens.append(api.call("POST", f"/api/servers/{server}/token")["token"])
    issuing = time.perf_counter() - began
    print(f"1. {agent_count} agent tokens issued through the API in {issuing:.1f} s, "
          f"{issuing / agent_count * 1000:.1f} s per 1,000  [target < 30 s per 1,000]", flush=True)

    witness = Witness(api, port)
    events = {}
    agents = [Agent(port, token, events) for token in tokens]
    rss_before = status_kib(controller.pid)
    began = time.perf_counter()
    witness.start_agent()
    tasks = [asyncio.create_task(agent.run()) for agent in agents]
    await all_set(agents, "state_received", 600)
    cold = time.perf_counter() - began
    await witness.until(witness.serves_its_host, 120)
    witness_cold = time.perf_counter() - began
    print(f"2. {agent_count} agents admitted from cold (welcomed and sent their state) in {cold:.1f} s  [target < 60 s]; "
          f"refusals on the way: {events or 'none'}; the witness serves its host after {witness_cold:.1f} s", flush=True)

    await asyncio.sleep(10)
    cpu_before, window_began = cpu_seconds(controller.pid), time.perf_counter()
    await asyncio.sleep(30)
    cpu_share = (cpu_seconds(controller.pid) - cpu_before) / (time.perf_counter() - window_began)
    rss_after = status_kib(controller.pid)
    print(f"3. steady state with heartbeats every 5 s: controller {rss_after / 1024:.1f} MiB resident "
          f"({(rss_after - rss_before) / agent_count:.1f} KiB per agent)  [target < 50 KiB], "
          f"{cpu_share * 100:.0f}% of a core  [target < 30%]", flush=True)

    # What the default site answers, a setting every server carries: 200 (congratulations) or 404.
    timings, witness_timings = [], []
    for round_number in range(4):
        site, expected = ("congratulations", 200) if round_number % 2 == 0 else ("404", 404)
        clear(agents, "state_received")
        began = time.perf_counter()

        async def simulated():
            await all_set(agents, "state_received", 300)
            timings.append(time.perf_counter() - began)

        async def served():
            await witness.until(lambda: witness.default_site_status() == expected, 300)
            witness_timings.append(time.perf_counter() - began)

        await asyncio.to_thread(api.call, "PUT", "/api/settings/default_site", {"value": site})
        await asyncio.gather(simulated(), served())
    print(f"4. one change (the default site) delivered to all {agent_count}: median {statistics.median(timings):.2f} s, "
          f"max {max(timings):.2f} s over {len(timings)}  [target < 5 s]; served by the witness after a median "
          f"{statistics.median(witness_timings):.2f} s, max {max(witness_timings):.2f} s", flush=True)

    for how in ("SIGTERM", "SIGKILL"):
        clear(agents, "welcomed")
        clear(agents, "state_received")
        events.clear()
        controller.send_signal(signal.SIGTERM if how == "SIGTERM" else signal.SIGKILL)
        await asyncio.to_thread(controller.wait, 120)
        began = time.perf_counter()
        controller = await asyncio.to_thread(start_controller)
        await all_set(agents, "welcomed", 600)
        back = time.perf_counter() - began
        api.token = await asyncio.to_thread(login)
        await asyncio.sleep(2)
        online = await asyncio.to_thread(online_count, api)
        resent = sum(1 for agent in agents if agent.state_received.is_set())
        witness_online = (await asyncio.to_thread(api.call, "GET", f"/api/servers/{witness.id}"))["status"]
        print(f"5. after a {how} restart, all {agent_count} agents welcomed again {back:.1f} s after the controller started "
              f"[target < 60 s]; {online} servers online (the witness {witness_online}, serving its host: "
              f"{await asyncio.to_thread(witness.serves_its_host)}); {resent} agents sent a state again; "
              f"refusals on the way: {events or 'none'}", flush=True)

    for task in tasks:
        task.cancel()


try:
    asyncio.run(main())
finally:
    work.stop()
    network.remove()
