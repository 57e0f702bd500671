"""What the benchmark scripts share: child processes in a work folder, free ports, waiting,
memory figures, the controller's API and a network namespace for a remote server. (The older
scripts still carry copies of some of these.)"""
import http.client, json, os, random, signal, socket, subprocess, tempfile, time


class Work:
    """A temporary folder, and the child processes started in it (stopped by `stop()`)."""

    def __init__(self, prefix):
        self.folder = tempfile.mkdtemp(prefix=prefix)
        self.children = []

    def start(self, argv, env=None, log="log"):
        child = subprocess.Popen(argv, env=dict(os.environ, **(env or {})), stdout=open(f"{self.folder}/{log}.log", "w"),
                                 stderr=subprocess.STDOUT)
        self.children.append(child)
        return child

    def wait_for(self, check, what, seconds=60):
        deadline = time.time() + seconds
        while time.time() < deadline:
            if check():
                return
            time.sleep(0.1)
        raise SystemExit(f"{what} did not happen; see {self.folder}")

    def stop(self):
        for child in self.children:
            child.terminate()
        for child in self.children:
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def status_kib(pid, field="VmRSS"):
    """A figure of /proc/PID/status in KiB (VmRSS, VmHWM, RssAnon…)."""
    return int(next(line.split()[1] for line in open(f"/proc/{pid}/status") if line.startswith(field + ":")))


class API:
    """The controller's API as a client calls it; `token` once logged in."""

    def __init__(self, port, address="127.0.0.1"):
        self.port, self.address = port, address
        self.token = None

    def call(self, method, path, body=None):
        connection = http.client.HTTPConnection(self.address, self.port, timeout=300)
        headers = {"Content-Type": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        connection.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
        response = connection.getresponse()
        payload = response.read()
        assert response.status < 300, (method, path, response.status, payload[:300])
        return json.loads(payload) if payload else None


class Namespace:
    """A network namespace joined to this one by a veth pair on a /30 of 10.SECOND.x.0 (x random):
    `host_address` on this side, `address` inside (its `eth0`, and `lo` up). `exec` prefixes a
    command to run inside. Needs root; `remove()` kills what runs inside and deletes both."""

    def __init__(self, prefix, second_octet):
        self.name = f"{prefix}{os.getpid()}"
        self.link = f"{prefix[:3]}{os.getpid() % 100000}h"
        subnet = random.randint(0, 255)
        self.host_address, self.address = f"10.{second_octet}.{subnet}.1", f"10.{second_octet}.{subnet}.2"
        self.exec = ["ip", "netns", "exec", self.name]

    def create(self):
        for argv in (["ip", "netns", "add", self.name], ["ip", "-n", self.name, "link", "set", "lo", "up"],
                     ["ip", "link", "add", self.link, "type", "veth", "peer", "name", "eth0", "netns", self.name],
                     ["ip", "addr", "add", f"{self.host_address}/30", "dev", self.link], ["ip", "link", "set", self.link, "up"],
                     ["ip", "-n", self.name, "addr", "add", f"{self.address}/30", "dev", "eth0"],
                     ["ip", "-n", self.name, "link", "set", "eth0", "up"]):
            subprocess.run(argv, check=True, stdout=subprocess.DEVNULL)

    def remove(self):
        for pid in subprocess.run(["ip", "netns", "pids", self.name], capture_output=True, text=True).stdout.split():
            try:
                os.kill(int(pid), signal.SIGKILL)
            except OSError:
                pass
        subprocess.run(["ip", "link", "del", self.link], stderr=subprocess.DEVNULL)
        subprocess.run(["ip", "netns", "del", self.name], stderr=subprocess.DEVNULL)
