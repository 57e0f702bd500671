#!/usr/bin/env python3
"""The real agent's resident memory with traffic counted (issue 18), in one run:

 1. idle, serving HOSTS proxy hosts (their desired state applied), before any traffic: first
    right after the apply, while a state above 2 MiB is kept as a changing one, then once the
    keeping is over (the hold shortened to 5 s here; 15 minutes without a change by default) and
    the next periodic re-apply has let it go;
 2. while it reports the traffic of all HOSTS hosts every 2 seconds: every host serves a request
    every 2 s, each one a line of Caddy's traffic log (as Caddy 2.11 writes them: some 1.3 MB every
    2 s for 10,000 hosts), which the agent reads as it grows, and each report carries all of them.

The agent's Caddy is Tests/Fixtures/admin_socket.py, a stand-in admin API that takes the config;
the benchmark writes the traffic log beside the certificate log the agent is configured with; the
controller is the release build and counts the reports it stores.

Usage: traffic-agent-benchmark.py BIN_FOLDER [HOSTS]
BIN_FOLDER holds `posternproxy` and the release agent bundle `agent-bundle/`
(`scripts/bundle-agent.sh release` makes both and prints the bundle's folder).
"""
import os, sys, threading, time
from benchsupport import API, Work, free_port, status_kib

bin_folder = sys.argv[1]
host_count = int(sys.argv[2]) if len(sys.argv) > 2 else 10_000
run = Work("pp-traffic-bench-")
work, start, wait_for = run.folder, run.start, run.wait_for
here = os.path.dirname(os.path.abspath(__file__))


def traffic_lines(count):
    """One request of each host, as Caddy's traffic log has it."""
    return "".join(
        f'{{"logger":"http.log.access.posternproxy_traffic","request":{{"host":"host-{index}.bench.test"}},'
        f'"bytes_read":0,"duration":0.0{index % 97 + 1},"size":{1024 + index % 4096},"status":{200 if index % 10 else 404}}}\n'
        for index in range(count))


def write_traffic(path, lines, stop):
    """Appends every host's request every 2 seconds until `stop` is set."""
    with open(path, "a") as log:
        while not stop.is_set():
            log.write(lines)
            log.flush()
            stop.wait(2)


stop_writing = threading.Event()
try:
    lines = traffic_lines(host_count)
    os.makedirs(f"{work}/caddy")
    traffic_log = f"{work}/caddy/posternproxy-traffic.log"
    admin_socket = f"{work}/admin.sock"
    start(["python3", f"{here}/../Tests/Fixtures/admin_socket.py", admin_socket], log="caddy")
    wait_for(lambda: os.path.exists(admin_socket), "the stand-in Caddy")

    controller_port = free_port()
    start([f"{bin_folder}/posternproxy", "serve"], {
        "POSTERNPROXY_LISTEN": f"127.0.0.1:{controller_port}", "POSTERNPROXY_DATA_DIR": f"{work}/data", "POSTERNPROXY_APPLY_PIPELINE": "",
        "POSTERNPROXY_ADMIN_EMAIL": "admin@example.test", "POSTERNPROXY_ADMIN_PASSWORD": "benchmark!", "POSTERNPROXY_RATE_LIMIT": "100000000",
        "POSTERNPROXY_TRAFFIC_FLUSH_SECONDS": "2"}, "controller")
    api = API(controller_port)
    wait_for(lambda: os.path.exists(f"{work}/data/posternproxy.sqlite"), "controller start")
    time.sleep(1)
    api.token = api.call("POST", "/api/auth/login", {"email": "admin@example.test", "password": "benchmark!"})["access_token"]
    server = api.call("POST", "/api/servers", {"name": "remote", "hostname": "192.0.2.1"})
    for index in range(host_count):
        api.call("POST", "/api/proxy-hosts", {"domain_names": [f"host-{index}.bench.test"], "forward_host": "127.0.0.1",
                                              "forward_port": 8001, "server_id": server["id"]})
    token = api.call("POST", f"/api/servers/{server['id']}/token")["token"]
    open(f"{work}/agent.env", "w").write(
        f"POSTERNPROXY_CONTROLLER_URL=http://127.0.0.1:{controller_port}\nPOSTERNPROXY_AGENT_TOKEN={token}\n"
        f"POSTERNPROXY_PLUGINS_DIR={bin_folder}/agent-bundle/lib/posternproxy-agent/plugins\nPOSTERNPROXY_STATE_DIR={work}/agent\n"
        f"POSTERNPROXY_CADDY_ADMIN={admin_socket}\nPOSTERNPROXY_CADDY_CERTIFICATE_LOG={work}/caddy/certificates.log\n"
        "POSTERNPROXY_APPLY_PIPELINE=posternproxy.caddy\nPOSTERNPROXY_STATUS_SECONDS=3600\n"
        "POSTERNPROXY_KEEP_CHANGING_STATE_SECONDS=5\nPOSTERNPROXY_RECONCILE_SECONDS=5\n")
    agent = start([f"{bin_folder}/agent-bundle/bin/posternproxy-agent", "--config", f"{work}/agent.env"], log="agent")
    wait_for(lambda: api.call("GET", f"/api/servers/{server['id']}")["applied_revision"] >= 1
             and api.call("GET", f"/api/servers/{server['id']}")["status"] == "online", "agent online and applied", 300)
    time.sleep(2)
    keeping_rss = status_kib(agent.pid, "VmRSS")
    # Past the hold, a re-apply lets the state go, and the agent's next trims return the memory.
    # (The re-apply every 5 s renders the whole state afresh: the median of 2 s of samples.)
    time.sleep(15)
    idle_samples = []
    for _ in range(8):
        idle_samples.append((status_kib(agent.pid, "VmRSS"), status_kib(agent.pid, "RssFile"), status_kib(agent.pid, "RssAnon")))
        time.sleep(0.25)
    (idle_rss, idle_files, idle_own), idle_peak = sorted(idle_samples)[len(idle_samples) // 2], status_kib(agent.pid, "VmHWM")

    # Reporting: the status interval down to 2 s (restart with the same state folder), and the
    # periodic re-apply of the whole state out of the window (its peak is the apply's, above).
    agent.terminate()
    agent.wait()
    # It reports as an agent whose state has not changed for the hold does: keeping none.
    text = open(f"{work}/agent.env").read().replace("POSTERNPROXY_STATUS_SECONDS=3600", "POSTERNPROXY_STATUS_SECONDS=2")
    text = text.replace("POSTERNPROXY_RECONCILE_SECONDS=5", "POSTERNPROXY_RECONCILE_SECONDS=3600")
    text += "POSTERNPROXY_KEEP_CHANGING_STATE_KIB=0\n"
    open(f"{work}/agent.env", "w").write(text)
    agent = start([f"{bin_folder}/agent-bundle/bin/posternproxy-agent", "--config", f"{work}/agent.env"], log="agent-reporting")
    # The restarted agent follows the log from its end once it has planned its state again; what
    # is written before that is not its to count, and the next batch comes 2 s later.
    time.sleep(3)
    writer = threading.Thread(target=write_traffic, args=(traffic_log, lines, stop_writing))
    writer.start()
    first = f"/api/traffic/hosts/{api.call('GET', '/api/proxy-hosts?limit=1')['items'][0]['id']}?range=1h"
    wait_for(lambda: api.call("GET", first)["totals"]["requests"] > 0, "the first report stored", 300)
    # The restarted agent re-applied its state before it reported: memory that apply freed goes
    # back to the system within two of the agent's 2-second trims.
    time.sleep(5)
    def cpu_seconds(pid):
        fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    cpu_before, window_start = cpu_seconds(agent.pid), time.monotonic()
    samples = []
    for _ in range(80):
        time.sleep(0.25)
        samples.append(status_kib(agent.pid, "VmRSS"))
    reporting_peak = status_kib(agent.pid, "VmHWM")
    cpu_share = (cpu_seconds(agent.pid) - cpu_before) / (time.monotonic() - window_start)
    samples.sort()
    stop_writing.set()
    writer.join()
    print(f"agent with {host_count} hosts, Caddy's traffic log {len(lines) / 1e6:.1f} MB every 2 s")
    print(f"1. idle: {idle_rss / 1024:.1f} MiB resident, of which {idle_files / 1024:.1f} MiB mapped from files (code and data of "
          f"the agent and its libraries) and {idle_own / 1024:.1f} MiB its own (peak {idle_peak / 1024:.1f} MiB while applying)  [target < 20 MB]; "
          f"{keeping_rss / 1024:.1f} MiB right after the apply, while it keeps the state as a changing one")
    print(f"2. reporting all {host_count} hosts every 2 s, resident over 20 s (sampled every 0.25 s): median "
          f"{samples[len(samples) // 2] / 1024:.1f} MiB, at most {samples[-1] / 1024:.1f} MiB "
          f"(peak {reporting_peak / 1024:.1f} MiB, with the re-apply at its start)  [target < 25 MB]; "
          f"{cpu_share * 100:.0f}% of a core (reading {host_count / 2:.0f} lines of Caddy's traffic log a second)")
finally:
    stop_writing.set()
    run.stop()
