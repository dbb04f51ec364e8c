"""e2e.py: device-key prints end to end (run.sh's lighttpd, sirius-api, the relay) with bench_relay as the printers' bridges.

usage: python3 tests/bench/e2e.py --build build [--printers 64] [--requests 4000] [--clients 1,16]
                                  [--photo-requests 40] [--repeat 1] [--perf DIR] [--json FILE]

Starts `./run.sh --no-build` on free loopback ports with a temporary var
directory, makes one account and --printers claimed printers with a device key
each (sirius-fake and the database, as the web UI would), connects them through
lighttpd with bench_relay (which answers every DeviceCommand as a bridge does),
then POSTs a short text to the keys with bench_http at each --clients
concurrency, and a 1600x1200 JPEG photo, --repeat times on the same stack. Reports requests/s, latency and the
CPU each program used per print. Figures only: it asserts nothing about speed.
"""

import argparse
import json
import os
import re
import secrets
import signal
import socket
import sqlite3
import string
import subprocess
import sys
import tempfile
import time

SOURCE = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
TEXT = "Hello from the benchmark: a short text message, as a phone app sends it.\n"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise SystemExit("e2e.py: timed out waiting for %s" % what)


def port_open(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


def cpu_seconds(pid):
    """utime + stime of a process in seconds (0 when it is gone)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def rss_kib(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def stack_processes(var):
    """{name: [pid...]} of the programs whose environment names this var directory."""
    found = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/environ" % entry, "rb") as f:
                env = f.read().split(b"\0")
            with open("/proc/%s/comm" % entry) as f:
                name = f.read().strip()
        except OSError:
            continue
        if ("SIRIUS_VAR=%s" % var).encode() in env:
            found.setdefault(name, []).append(int(entry))
    return found


def make_photo(path):
    """A 1600x1200 photograph-like JPEG (shading, detail and noise), with Pillow."""
    from PIL import Image, ImageChops, ImageOps
    w, h = 1600, 1200
    shade = Image.radial_gradient("L").resize((w, h))
    noise = Image.effect_noise((w, h), 24)
    grey = ImageChops.add(ImageOps.invert(shade), noise, scale=1.6, offset=-60)
    photo = Image.merge("RGB", (grey, grey.point(lambda v: v * 3 // 4), ImageOps.invert(grey).point(lambda v: v // 2 + 64)))
    photo.save(path, "JPEG", quality=85)


class Stack:
    """./run.sh --no-build on free ports with its own var directory."""

    def __init__(self, build, tmp):
        self.var = os.path.join(tmp, "var")
        os.mkdir(self.var)
        conf = os.path.join(tmp, "sirius.conf")
        open(conf, "w").close()
        self.port = free_port()
        self.relay_port = free_port()
        self.env = dict(os.environ, SIRIUS_CONF=conf, SIRIUS_VAR=self.var, SIRIUS_LISTEN="127.0.0.1",
                        SIRIUS_HTTP_PORT=str(self.port), SIRIUS_RELAY_LISTEN="127.0.0.1:%d" % self.relay_port,
                        SIRIUS_KEY_RATE="1000000", SIRIUS_PASSWORD_COST="minimum")
        for name in ("SIRIUS_DB", "SIRIUS_RELAY_SOCKET", "SIRIUS_BASE_URL", "SIRIUS_HTML_RENDERER",
                     "SIRIUS_WWW", "SIRIUS_RELAY_PORT"):
            self.env.pop(name, None)
        self.socket = os.path.join(self.var, "relay.sock")
        self.db = os.path.join(self.var, "sirius.db")
        self.log = open(os.path.join(tmp, "run.log"), "wb")
        self.proc = subprocess.Popen([os.path.join(SOURCE, "run.sh"), "--no-build", "--build-dir", build],
                                     cwd=SOURCE, env=self.env, stdout=self.log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, start_new_session=True)
        wait(lambda: self.proc.poll() is None and port_open(self.port) and os.path.exists(self.socket), 60,
             "run.sh to serve (log: %s)" % self.log.name)

    def close(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.log.close()


def run(argv, env, cwd, timeout=120):
    p = subprocess.run(argv, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    if p.returncode != 0:
        raise SystemExit("e2e.py: %s failed: %s%s" % (" ".join(argv), p.stdout, p.stderr))
    return p.stdout


def setup_printers(stack, build, tmp, count):
    """count claimed printers with one device key each; returns [(address, key)]."""
    fake = os.path.join(build, "tools", "sirius-fake")
    run([fake, "user", "bench", "--password", "a long benchmark passphrase"], stack.env, tmp)
    printers = []
    for i in range(count):
        out = run([fake, "printer"], stack.env, tmp)
        fields = dict(re.findall(r"^\s*([a-zA-Z ]+): (.*)$", out, re.M))
        run([fake, "claim", fields["address"], "bench", fields["claim code"], "printer %d" % i], stack.env, tmp)
        printers.append((fields["address"], int(fields["DB id"])))
    conn = sqlite3.connect(stack.db, timeout=30)
    keys = []
    with conn:
        for address, printer_id in printers:
            secret = "".join(secrets.choice(string.ascii_lowercase + string.digits) for _ in range(20))
            conn.execute("INSERT INTO device_keys (secret, printer_id, created) VALUES (?, ?, ?)",
                         (secret, printer_id, int(time.time())))
            keys.append((address, secret))
    conn.close()
    return keys


RUNS = []


def measure(stack, build, label, keys_file, body, mime, clients, requests, seconds, perf_dir=None):
    """One bench_http run; returns its results with the CPU each program used per request.

    Every request names a sender of its own (run and request number): the
    server answers the same body from the same sender within
    SIRIUS_DEDUPE_SECONDS as a repeat of the first, without printing it.
    """
    out = body + ".json"
    RUNS.append(label)
    procs = stack_processes(stack.var)
    pids = {name: pids for name, pids in procs.items()
            if name in ("sirius-api", "sirius-relay", "lighttpd", "sirius-web")}
    before = {p: cpu_seconds(p) for ps in pids.values() for p in ps}
    perf = None
    if perf_dir:
        perf = subprocess.Popen(["perf", "record", "-g", "-o", os.path.join(perf_dir, "perf-%s.data" % re.sub(r"[^a-z0-9]+", "-", label)),
                                 "-p", ",".join(str(p) for ps in pids.values() for p in ps)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(0.5)
    p = subprocess.run([os.path.join(build, "tests", "bench", "bench_http"), "--connect", "127.0.0.1:%d" % stack.port,
                        "--keys", keys_file, "--body", body, "--type", mime, "--clients", str(clients),
                        "--requests", str(requests), "--max-seconds", str(seconds), "--json", out,
                        "--from", "bench%d" % len(RUNS)],
                       capture_output=True, text=True, timeout=seconds + 60)
    if perf:
        perf.send_signal(signal.SIGINT)
        perf.wait(30)
    sys.stdout.write("%s: %s" % (label, p.stdout))
    if p.returncode != 0 and not os.path.exists(out):
        raise SystemExit("e2e.py: bench_http failed: %s" % p.stderr)
    with open(out) as f:
        result = json.load(f)
    done = max(result["requests"], 1)
    # lighttpd starts more sirius-api processes while those it has are all
    # busy: one started during the run spent all of its CPU in it
    after = stack_processes(stack.var)
    for name in pids:
        pids[name] = sorted(set(pids[name]) | set(after.get(name, [])))
    result["cpu_ms_per_request"] = {
        name: round(sum(max(cpu_seconds(p) - before.get(p, 0.0), 0.0) for p in ps) * 1000 / done, 3)
        for name, ps in pids.items()}
    result["api_processes"] = len(pids.get("sirius-api", []))
    print("%s: CPU per print: %s" % (label, ", ".join("%s %.2f ms" % kv for kv in result["cpu_ms_per_request"].items())))
    return result


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(SOURCE, "build"))
    ap.add_argument("--printers", type=int, default=64)
    ap.add_argument("--requests", type=int, default=4000)
    ap.add_argument("--clients", default="1,16")
    ap.add_argument("--photo-requests", type=int, default=40)
    ap.add_argument("--seconds", type=float, default=20, help="longest a single measurement may run")
    ap.add_argument("--repeat", type=int, default=1, help="measure everything this many times")
    ap.add_argument("--perf", help="record perf profiles of the stack's programs into this directory")
    ap.add_argument("--json")
    args = ap.parse_args()
    build = os.path.abspath(args.build)
    if not 1 <= args.printers <= 1000 or not 1 <= args.requests <= 100000 or not 0 <= args.photo_requests <= 1000:
        raise SystemExit("e2e.py: --printers 1..1000, --requests 1..100000, --photo-requests 0..1000")

    tmp = tempfile.mkdtemp(prefix="bench-e2e-")
    stack = None
    bridges = None
    results = {"printers": args.printers, "text": [], "photo": []}
    try:
        stack = Stack(build, tmp)
        keys = setup_printers(stack, build, tmp, args.printers)
        devices = os.path.join(tmp, "devices")
        keys_file = os.path.join(tmp, "keys")
        with open(devices, "w") as f:
            f.write("".join(a + "\n" for a, _ in keys))
        with open(keys_file, "w") as f:
            f.write("".join(k + "\n" for _, k in keys))
        relay_pid = stack_processes(stack.var).get("sirius-relay", [0])[0]
        bridges = subprocess.Popen([os.path.join(build, "tests", "bench", "bench_relay"),
                                    "--connect", "127.0.0.1:%d" % stack.port, "--socket", stack.socket,
                                    "--pid", str(relay_pid), "--bridges", str(args.printers), "--devices", devices,
                                    "--heartbeat", "5", "--hold", "900"],
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for line in bridges.stdout:
            sys.stdout.write("bridges: " + line)
            if line.startswith("ready"):
                break
        else:
            raise SystemExit("e2e.py: bench_relay ended before its bridges were ready")

        text_body = os.path.join(tmp, "text.txt")
        with open(text_body, "w") as f:
            f.write(TEXT)
        # every FastCGI process renders some before anything is timed: a process's first render loads the fonts
        measure(stack, build, "warm-up", keys_file, text_body, "text/plain", 16, 800, args.seconds)
        photo = None
        if args.photo_requests:
            photo = os.path.join(tmp, "photo.jpg")
            try:
                make_photo(photo)
            except ImportError:
                print("no photo prints: Pillow is missing (Debian's python3-pil, for /usr/bin/python3)")
                photo = None
        for rep in range(max(1, min(args.repeat, 10))):
            for c in [int(x) for x in args.clients.split(",")]:
                r = measure(stack, build, "text, %d client%s" % (c, "s" if c > 1 else ""), keys_file, text_body,
                            "text/plain", c, args.requests, args.seconds)
                r["clients"] = c
                results["text"].append(r)
            if photo:
                r = measure(stack, build, "photo 1600x1200 JPEG, 2 clients", keys_file, photo, "image/jpeg", 2,
                            args.photo_requests, args.seconds * 3)
                r["jpeg_bytes"] = os.path.getsize(photo)
                results["photo"].append(r)
        if args.perf:
            # profiled apart: perf's sampling slows the stack, so this run is in no table
            measure(stack, build, "text, 16 clients", keys_file, text_body, "text/plain", 16, args.requests,
                    args.seconds, args.perf)
        procs = stack_processes(stack.var)
        results["rss_kib"] = {name: sum(rss_kib(p) for p in ps) for name, ps in procs.items()}
    finally:
        if bridges:
            if bridges.poll() is None:
                bridges.send_signal(signal.SIGTERM)
            rest, _ = bridges.communicate(timeout=30)
            sys.stdout.write("".join("bridges: " + line + "\n" for line in rest.splitlines()))
            m = re.search(r"held: (\d+) DeviceCommands", rest)
            results["commands_at_bridges"] = int(m.group(1)) if m else None
        if stack:
            stack.close()
        subprocess.run(["rm", "-rf", tmp])
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
