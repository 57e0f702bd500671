#!/usr/bin/env python3
"""What a user waits for after a change, in one run: with N proxy hosts stored through the API
on the local server and N more on a remote server, the time from an API write of one new host
until that host answers through the local server's Caddy, and the same for the remote server
(a real agent and its Caddy in a network namespace the benchmark makes, answering on its own
address), interleaved with

 (a) Caddy's own way: `POST /load` of the same rendered config, plus the new host, into a second
     Caddy, until the host answers there (probed from the moment the load is sent, as the new
     host is after the API write: a Caddy answering probes while it loads loads slower);
 (b) Nginx Proxy Manager's way: one more server block file, `nginx -t`, `nginx -s reload`, on an
     nginx serving the same N hosts, until the host answers there.

Prints medians, p90, the ratios, the resident memory of the controller's Caddy at N, and how long
after the last of a burst of 100 changes (one every 10 ms) it answers, with how many applies ended
after that last write (coalescing allows two: the one running and the one carrying it).

Usage: e2e-benchmark.py BIN_FOLDER [HOSTS] [SAMPLES]
BIN_FOLDER holds a release `posternproxy`, `posternproxy-agent` and the plugins (`swift build -c
release`); `caddy` and `nginx` (Debian's; `POSTERNPROXY_SETUP=bench scripts/setup.sh` installs
it) must be on PATH. Needs root for the network namespace. Everything runs on loopback or in that
namespace, under a temporary folder, and is stopped and removed at the end. With E2E_TRAFFIC=1,
every stored host of a server serves one request before each of PosternProxy's samples on it, as
on a server in use.
"""
import http.client, json, os, random, re, shutil, signal, socket, statistics, subprocess, sys, tempfile, threading, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchsupport import Namespace

bin_folder = os.path.abspath(sys.argv[1])
hosts = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
samples = int(sys.argv[3]) if len(sys.argv) > 3 else 15
work = tempfile.mkdtemp(prefix="pp-e2e-")
children = []
nginx_binary = shutil.which("nginx") or "/usr/sbin/nginx"
if not os.path.exists(nginx_binary):
    sys.exit("nginx is missing: POSTERNPROXY_SETUP=bench scripts/setup.sh installs Debian's")
# The remote server's network: a namespace joined to this one by a veth pair on a /30.
network = Namespace("ppe2e", 252)
controller_address, remote_address = network.host_address, network.address


handed_out = set()


def free_port():
    """A free port below the kernel's ephemeral range: a port from that range could be taken as
    the local end of one of the many API connections before a listener binds it."""
    lowest = int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0])
    while True:
        port = random.randint(10000, lowest - 1)
        if port in handed_out:
            continue
        try:
            with socket.socket() as s:
                s.bind(("0.0.0.0", port))
        except OSError:
            continue
        handed_out.add(port)
        return port


def start(argv, env=None, log="log"):
    child = subprocess.Popen(argv, env=dict(os.environ, **(env or {})), stdout=open(f"{work}/{log}.log", "w"), stderr=subprocess.STDOUT,
                             start_new_session=True)
    children.append(child)
    return child


def wait_for(check, what, seconds=120):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if check():
            return
        time.sleep(0.02)
    raise SystemExit(f"{what} did not happen; see {work}")


class UnixHTTP(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("localhost", timeout=120)
        self.path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(self.path)


def admin(socket_path, method, path, body=None):
    connection = UnixHTTP(socket_path)
    connection.request(method, path, body=body, headers={"Content-Type": "application/json"})
    response = connection.getresponse()
    return response.status, response.read()


def answers(port, host, address="127.0.0.1"):
    try:
        connection = http.client.HTTPConnection(address, port, timeout=2)
        connection.request("GET", "/", headers={"Host": host})
        response = connection.getresponse()
        body = response.read()
        return response.status == 200 and b"upstream" in body
    except OSError:
        return False


def listens(address, port):
    """Whether something accepts connections on the address and port."""
    try:
        socket.create_connection((address, port), timeout=2).close()
        return True
    except OSError:
        return False


def poll_until_answers(port, host, address="127.0.0.1"):
    deadline = time.perf_counter() + 60
    while time.perf_counter() < deadline:
        if answers(port, host, address):
            return
    raise SystemExit(f"{host} never answered on {address}:{port}; see {work}")


class API:
    """A client as a tool would write it: one kept-alive connection, opened again when closed."""

    def __init__(self, address, port):
        self.address, self.port, self.token, self.connection = address, port, None, None

    def call(self, method, path, body=None):
        headers = {"Content-Type": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        for attempt in range(2):
            if self.connection is None:
                self.connection = http.client.HTTPConnection(self.address, self.port, timeout=120)
            try:
                self.connection.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
                response = self.connection.getresponse()
                payload = response.read()
                break
            except (http.client.RemoteDisconnected, ConnectionError, BrokenPipeError):
                self.connection.close()
                self.connection = None
                if attempt == 1:
                    raise
        assert response.status < 300, (method, path, response.status, payload[:300])
        return json.loads(payload) if payload else None


def rss_mib(pid):
    return int(next(line.split()[1] for line in open(f"/proc/{pid}/status") if line.startswith("VmRSS:"))) / 1024


def idle_fraction(seconds):
    """The share of the machine's CPU time left idle over the next `seconds` (all cores)."""
    def read():
        fields = [int(value) for value in open("/proc/stat").readline().split()[1:]]
        return fields[3] + fields[4], sum(fields)
    idle_before, total_before = read()
    time.sleep(seconds)
    idle_after, total_after = read()
    return (idle_after - idle_before) / max(1, total_after - total_before)


def summary(values):
    ordered = sorted(values)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(len(ordered) * 0.9))]


def ratio_interval(ours, theirs, draws=4000):
    """A 90% bootstrap interval for median(ours) / median(theirs), the samples kept in pairs (each
    pair was measured back to back): Caddy's load alone swings from 24 to 55 ms at 1,000 hosts,
    so the ratio of 30 samples' medians moves by about ±0.07 from run to run, and one run's
    ratio says little without its interval."""
    generator = random.Random(15)
    pairs = list(zip(ours, theirs))
    ratios = sorted(
        statistics.median(a for a, _ in drawn) / statistics.median(b for _, b in drawn)
        for drawn in ([generator.choice(pairs) for _ in pairs] for _ in range(draws)))
    return ratios[int(draws * 0.05)], ratios[int(draws * 0.95)]


def host(index):
    return f"host{index}.bench.test"


def remote_name(name):
    """The remote server's counterpart of host `name`: a name of the same length (domain names
    are claimed once across servers), so the two servers' configs are the same size and their
    Caddys' loads compare (with "remote-" before each name, the remote config was 6% larger)."""
    return name.removesuffix(".test") + ".edge"


try:
    network.create()
    in_namespace = network.exec

    # An upstream that names itself, for every host, here and on the remote server.
    upstream_port = free_port()
    open(f"{work}/upstream.py", "w").write(
        "import http.server\nclass H(http.server.BaseHTTPRequestHandler):\n"
        "    def do_GET(self):\n        body=b'upstream'\n        self.send_response(200); self.send_header('Content-Length', str(len(body))); self.end_headers(); self.wfile.write(body)\n"
        "    def log_message(self, *a): pass\n"
        f"http.server.ThreadingHTTPServer(('127.0.0.1', {upstream_port}), H).serve_forever()\n")
    start(["python3", f"{work}/upstream.py"], log="upstream")
    start(in_namespace + ["python3", f"{work}/upstream.py"], log="remote-upstream")

    # The controller, first without a data plane while the hosts are stored, then with its own Caddy.
    controller_port, http_port, https_port = free_port(), free_port(), free_port()
    environment = {
        "POSTERNPROXY_LISTEN": f"{controller_address}:{controller_port}", "POSTERNPROXY_DATA_DIR": f"{work}/data", "POSTERNPROXY_CADDY_DIR": f"{work}/caddy",
        "POSTERNPROXY_CADDY_USER": "", "POSTERNPROXY_HTTP_PORT": str(http_port), "POSTERNPROXY_HTTPS_PORT": str(https_port),
        "POSTERNPROXY_PLUGINS_DIR": bin_folder, "POSTERNPROXY_ADMIN_EMAIL": "admin@example.test", "POSTERNPROXY_ADMIN_PASSWORD": "benchmark!",
        "POSTERNPROXY_RATE_LIMIT": "100000000",
    }
    seeding = start([f"{bin_folder}/posternproxy", "serve"], dict(environment, POSTERNPROXY_APPLY_PIPELINE=""), "seeding")
    api = API(controller_address, controller_port)
    wait_for(lambda: listens(controller_address, controller_port) and os.path.exists(f"{work}/data/posternproxy.sqlite"), "controller start")
    api.token = api.call("POST", "/api/auth/login", {"email": "admin@example.test", "password": "benchmark!"})["access_token"]
    remote = api.call("POST", "/api/servers", {"name": "remote", "hostname": remote_address})
    agent_token = api.call("POST", f"/api/servers/{remote['id']}/token")["token"]
    began = time.time()
    for index in range(hosts):
        api.call("POST", "/api/proxy-hosts", {"domain_names": [host(index)], "forward_host": "127.0.0.1", "forward_port": upstream_port})
        api.call("POST", "/api/proxy-hosts", {"domain_names": [remote_name(host(index))], "forward_host": "127.0.0.1",
                                              "forward_port": upstream_port, "server_id": remote["id"]})
    print(f"stored {hosts} proxy hosts on each server through the API in {time.time() - began:.1f} s")
    seeding.send_signal(signal.SIGTERM)
    seeding.wait()

    controller = start([f"{bin_folder}/posternproxy", "serve"], dict(environment, POSTERNPROXY_APPLY_PIPELINE="posternproxy.caddy"), "controller")
    wait_for(lambda: answers(http_port, host(hosts - 1)), "the stored hosts answering", 600)
    api.token = api.call("POST", "/api/auth/login", {"email": "admin@example.test", "password": "benchmark!"})["access_token"]
    controller_caddy = json.load(open(f"{work}/data/caddy/caddy.pid"))["pid"]
    # Its admin socket: beside its state, in the data folder when it runs as the controller's user.
    controller_socket = next(path for path in [f"{work}/data/caddy/admin.sock", f"{work}/caddy/admin.sock"] if os.path.exists(path))

    # The remote server: its Caddy and the agent, as provisioning leaves them, in the namespace.
    remote_http_port, remote_socket = free_port(), f"{work}/remote/caddy-admin.sock"
    os.makedirs(f"{work}/remote")
    json.dump({"admin": {"listen": f"unix/{remote_socket}"}}, open(f"{work}/remote/initial.json", "w"))
    remote_caddy = start(in_namespace + ["caddy", "run", "--config", f"{work}/remote/initial.json"],
                         {"HOME": f"{work}/remote", "XDG_DATA_HOME": f"{work}/remote", "XDG_CONFIG_HOME": f"{work}/remote"}, "remote-caddy")
    wait_for(lambda: os.path.exists(remote_socket), "the remote Caddy start")
    open(f"{work}/agent.env", "w").write(
        f"POSTERNPROXY_CONTROLLER_URL=http://{controller_address}:{controller_port}\nPOSTERNPROXY_AGENT_TOKEN={agent_token}\n"
        f"POSTERNPROXY_PLUGINS_DIR={bin_folder}\nPOSTERNPROXY_STATE_DIR={work}/remote/state\nPOSTERNPROXY_CADDY_ADMIN={remote_socket}\n"
        f"POSTERNPROXY_CADDY_CERTIFICATE_LOG={work}/remote/logs/posternproxy-certificates.log\n"
        f"POSTERNPROXY_HTTP_PORT={remote_http_port}\nPOSTERNPROXY_HTTPS_PORT={free_port()}\nPOSTERNPROXY_APPLY_PIPELINE=posternproxy.caddy\n")
    start(in_namespace + [f"{bin_folder}/posternproxy-agent", "--config", f"{work}/agent.env"], log="agent")
    wait_for(lambda: answers(remote_http_port, remote_name(host(hosts - 1)), remote_address), "the remote hosts answering", 600)

    # E2E_TRAFFIC=1: before each of PosternProxy's samples, every stored host of that server
    # serves a request, as on a server in use: each request is a line of Caddy's traffic log, which
    # the server reads every 2 s (no longer at a load: Caddy's metrics, read at every load until
    # 2026-12-07, took Caddy 30–55 ms to gather with 1,000 busy hosts).
    with_traffic = bool(os.environ.get("E2E_TRAFFIC"))

    def serve_every_host(port, named=lambda name: name, address="127.0.0.1"):
        connection = http.client.HTTPConnection(address, port, timeout=10)
        for index in range(hosts):
            connection.request("GET", "/", headers={"Host": named(host(index))})
            response = connection.getresponse()
            assert response.status == 200 and response.read() == b"upstream", f"{named(host(index))} answered {response.status}"
        connection.close()

    # (a) A second Caddy, loaded with what the controller's runs, on its own port and socket.
    second_port, second_socket = free_port(), f"{work}/second/admin.sock"
    os.makedirs(f"{work}/second")
    json.dump({"admin": {"listen": f"unix/{second_socket}"}}, open(f"{work}/second/initial.json", "w"))
    second = start(["caddy", "run", "--config", f"{work}/second/initial.json"],
                   {"HOME": f"{work}/second", "XDG_DATA_HOME": f"{work}/second", "XDG_CONFIG_HOME": f"{work}/second"}, "second-caddy")
    wait_for(lambda: os.path.exists(second_socket), "second Caddy start")

    def for_second_caddy(config):
        """The controller's rendered config, moved to the second Caddy's socket and ports."""
        text = json.dumps(config).replace(f":{http_port}", f":{second_port}").replace(f":{https_port}", f":{free_port()}")
        config = json.loads(text)
        config["admin"] = {"listen": f"unix/{second_socket}"}
        config["apps"]["http"]["http_port"] = second_port
        config.pop("storage", None)
        return json.dumps(config)

    # What the controller's Caddy runs, read from the copy Caddy saves after each load (`caddy run
    # --resume` keeps it in its config folder), not asked of its admin API: a `GET /config/` makes
    # that Caddy alone marshal its whole config between two of PosternProxy's changes, and its next
    # load then runs 2–5 ms longer than the second Caddy's. Checked once here against what the
    # admin API says.
    autosave = os.path.join(os.path.dirname(controller_socket), "caddy", "autosave.json")

    def running_config():
        with open(autosave) as file:
            return json.load(file)

    status, running = admin(controller_socket, "GET", "/config/")
    assert status == 200 and json.loads(running) == running_config(), f"{autosave} is not the config the controller's Caddy runs"
    status, answer = admin(second_socket, "POST", "/load", for_second_caddy(running_config()))
    assert status == 200, f"the second Caddy refused the config: {answer[:500]}"

    # (b) nginx with the same hosts: one server block file each, as Nginx Proxy Manager writes them.
    nginx_port = free_port()
    for folder in ["conf.d", "logs", "temp"]:
        os.makedirs(f"{work}/nginx/{folder}")

    def server_block(name):
        return (f"server {{\n  listen 127.0.0.1:{nginx_port};\n  server_name {name};\n  location / {{\n"
                f"    proxy_set_header Host $host;\n    proxy_pass http://127.0.0.1:{upstream_port};\n  }}\n}}\n")

    for index in range(hosts):
        open(f"{work}/nginx/conf.d/{index}.conf", "w").write(server_block(host(index)))
    open(f"{work}/nginx/nginx.conf", "w").write(
        f"worker_processes 1;\npid {work}/nginx/nginx.pid;\nerror_log {work}/nginx/logs/error.log;\nevents {{ worker_connections 1024; }}\n"
        f"http {{\n  access_log off;\n  client_body_temp_path {work}/nginx/temp/body;\n  proxy_temp_path {work}/nginx/temp/proxy;\n"
        f"  fastcgi_temp_path {work}/nginx/temp/fastcgi;\n  uwsgi_temp_path {work}/nginx/temp/uwsgi;\n  scgi_temp_path {work}/nginx/temp/scgi;\n"
        f"  server_names_hash_max_size 131072;\n  server_names_hash_bucket_size 128;\n  include {work}/nginx/conf.d/*.conf;\n}}\n")
    nginx = [nginx_binary, "-p", f"{work}/nginx", "-c", f"{work}/nginx/nginx.conf", "-e", f"{work}/nginx/logs/error.log"]
    subprocess.run(nginx, check=True)
    wait_for(lambda: answers(nginx_port, host(0)), "nginx start")

    def settle():
        """Each measurement starts on a quiet machine: the previous one's aftermath (Caddy's
        garbage collection, nginx's old workers leaving, and at 10,000 hosts nginx's master
        still busy for a second after its new workers answer) would otherwise be charged to the
        next. At least half a second, then until the machine is at least 90% idle over 200 ms
        (at most 15 s)."""
        time.sleep(0.5)
        deadline = time.time() + 15
        while idle_fraction(0.2) < 0.9 and time.time() < deadline:
            pass

    def local_applies():
        """The local applies the controller has logged so far, one line each (those that could not run too)."""
        return [line for line in open(f"{work}/controller.log") if "local apply" in line]

    ours, remote_way, caddy_own, nginx_way = [], [], [], []
    # How long the API write itself took to answer, within the local figure.
    written = []
    # Where each local sample's apply will be logged, and when the second Caddy answered each
    # load: Caddy's load seen from both sides, so a run shows how much of the ratio is the two
    # Caddies' loads differing and how much is PosternProxy's own time.
    apply_lines, caddy_loaded = [], []
    for index in range(samples):
        name = f"new{index}.bench.test"
        if with_traffic:
            serve_every_host(http_port)
        settle()
        # Read once the machine is quiet: no apply is running, so the next one logged is this sample's.
        apply_lines.append(len(local_applies()))
        began = time.perf_counter()
        api.call("POST", "/api/proxy-hosts", {"domain_names": [name], "forward_host": "127.0.0.1", "forward_port": upstream_port})
        written.append((time.perf_counter() - began) * 1000)
        poll_until_answers(http_port, name)
        ours.append((time.perf_counter() - began) * 1000)

        if with_traffic:
            serve_every_host(remote_http_port, remote_name, remote_address)
        settle()
        began = time.perf_counter()
        api.call("POST", "/api/proxy-hosts", {"domain_names": [remote_name(name)], "forward_host": "127.0.0.1", "forward_port": upstream_port,
                                              "server_id": remote["id"]})
        poll_until_answers(remote_http_port, remote_name(name), remote_address)
        remote_way.append((time.perf_counter() - began) * 1000)

        body = for_second_caddy(running_config())
        settle()
        began = time.perf_counter()
        loaded = {}
        loader = threading.Thread(target=lambda: loaded.update(status=admin(second_socket, "POST", "/load", body)[0], at=time.perf_counter()))
        loader.start()
        poll_until_answers(second_port, name)
        caddy_own.append((time.perf_counter() - began) * 1000)
        loader.join()
        assert loaded.get("status") == 200, f"the second Caddy refused the config: {loaded}"
        caddy_loaded.append((loaded["at"] - began) * 1000)

        settle()
        began = time.perf_counter()
        open(f"{work}/nginx/conf.d/new{index}.conf", "w").write(server_block(name))
        subprocess.run(nginx + ["-t", "-q"], check=True)
        subprocess.run(nginx + ["-s", "reload"], check=True)
        poll_until_answers(nginx_port, name)
        nginx_way.append((time.perf_counter() - began) * 1000)

    # Each local sample's apply: its Caddy step's apply phase (Caddy's /load, with the metrics
    # read before it and the journal written after) as the controller logs it.
    logged = local_applies()
    apply_phases = [float(re.search(r"posternproxy\.caddy apply ([\d.]+)", logged[line]).group(1)) for line in apply_lines]

    # A burst: 100 changes within about a second (one every 10 ms), then the time from the last
    # write until its host answers, against one apply's time (the median above). Coalescing
    # keeps it within about one apply: changes made during an apply go into the next one.
    settle()
    applies_before = len(local_applies())
    burst_began = time.perf_counter()
    for index in range(100):
        api.call("POST", "/api/proxy-hosts", {"domain_names": [f"burst{index}.bench.test"], "forward_host": "127.0.0.1",
                                              "forward_port": upstream_port})
        time.sleep(max(0, burst_began + (index + 1) * 0.01 - time.perf_counter()))
    last_write = time.perf_counter()
    applies_at_last_write = len(local_applies())
    poll_until_answers(http_port, "burst99.bench.test")
    burst_tail = (time.perf_counter() - last_write) * 1000
    # Checked after the clock stopped: the user waited for the last change, not for these reads.
    for index in range(99):
        assert answers(http_port, f"burst{index}.bench.test"), f"burst{index} does not answer after the last one does"
    time.sleep(1)
    applies_after = len(local_applies())
    burst_applies = applies_after - applies_before
    # Coalescing's promise: after the last write, the apply then running finishes and at most
    # one more (the one carrying the last change) runs.
    applies_after_last_write = applies_after - applies_at_last_write

    (ours50, ours90), (remote50, remote90) = summary(ours), summary(remote_way)
    (caddy50, caddy90), (nginx50, nginx90) = summary(caddy_own), summary(nginx_way)
    print(f"{hosts} hosts, {samples} samples each, interleaved, each from a quiet machine; milliseconds from the change to the new host answering"
          + ("; every host served a request before each of PosternProxy's samples" if with_traffic else ""))
    print(f"{'':<44}{'median':>9}{'p90':>9}")
    print(f"{'PosternProxy: API write, local server':<44}{ours50:>9.1f}{ours90:>9.1f}")
    print(f"{'  of which the write answered':<44}{summary(written)[0]:>9.1f}{summary(written)[1]:>9.1f}")
    print(f"{'PosternProxy: API write, remote agent':<44}{remote50:>9.1f}{remote90:>9.1f}")
    print(f"{'Caddy: POST /load of the same config':<44}{caddy50:>9.1f}{caddy90:>9.1f}")
    print(f"{'nginx: file, nginx -t, nginx -s reload':<44}{nginx50:>9.1f}{nginx90:>9.1f}")
    caddy_low, caddy_high = ratio_interval(ours, caddy_own)
    nginx_low, nginx_high = ratio_interval(ours, nginx_way)
    print(f"ratios of medians: PosternProxy / Caddy {ours50 / caddy50:.2f} (90% interval {caddy_low:.2f}–{caddy_high:.2f}), "
          f"PosternProxy / nginx {ours50 / nginx50:.2f} ({nginx_low:.2f}–{nginx_high:.2f})")
    print(f"remote minus local: {remote50 - ours50:+.1f} ms at the median (target: at most +20 ms)")
    print(f"Caddy's load, medians: in PosternProxy's Caddy step (its apply phase) {statistics.median(apply_phases):.1f} ms, "
          f"the second Caddy's POST /load answered {statistics.median(caddy_loaded):.1f} ms; PosternProxy besides that phase "
          f"{statistics.median([total - phase for total, phase in zip(ours, apply_phases)]):.1f} ms, "
          f"Caddy besides its load {statistics.median([total - load for total, load in zip(caddy_own, caddy_loaded)]):.1f} ms")
    print(f"a burst of 100 changes in {(last_write - burst_began):.2f} s: the last answers {burst_tail:.1f} ms after the last write (then all 100 do), "
          f"{burst_tail / ours50:.2f} × one change's time, in {burst_applies} applies, "
          f"{applies_after_last_write} of them ending after the last write (target: at most 2, the one running and the one with the last change)")
    print(f"the controller's Caddy: {rss_mib(controller_caddy):.1f} MiB resident; the remote Caddy: {rss_mib(remote_caddy.pid):.1f} MiB")
finally:
    # Whatever failed, everything this benchmark started is stopped below.
    if os.path.exists(f"{work}/nginx/nginx.pid"):
        subprocess.run([nginx_binary, "-p", f"{work}/nginx", "-c", f"{work}/nginx/nginx.conf", "-e", f"{work}/nginx/logs/error.log", "-s", "stop"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for child in reversed(children):
        try:
            os.killpg(child.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        child.wait()
    # The controller leaves its Caddy running by design; this benchmark stops it.
    try:
        os.kill(json.load(open(f"{work}/data/caddy/caddy.pid"))["pid"], signal.SIGTERM)
    except (OSError, ValueError):
        pass
    time.sleep(0.5)
    network.remove()
    # E2E_LOG=FILE keeps the controller's log (each local apply logs where its time went), and
    # FILE.agent the remote agent's (so does each of its applies).
    if os.environ.get("E2E_LOG") and os.path.exists(f"{work}/controller.log"):
        shutil.copy(f"{work}/controller.log", os.environ["E2E_LOG"])
        if os.path.exists(f"{work}/agent.log"):
            shutil.copy(f"{work}/agent.log", os.environ["E2E_LOG"] + ".agent")
    shutil.rmtree(work, ignore_errors=True)
