"""What the benchmark scripts share: child processes in a work folder, free ports, waiting,
memory figures and the controller's API. (The older scripts still carry copies of these.)"""
import http.client, json, os, socket, subprocess, tempfile, time


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

    def __init__(self, port):
        self.port = port
        self.token = None

    def call(self, method, path, body=None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=300)
        headers = {"Content-Type": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        connection.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
        response = connection.getresponse()
        payload = response.read()
        assert response.status < 300, (method, path, response.status, payload[:300])
        return json.loads(payload) if payload else None
