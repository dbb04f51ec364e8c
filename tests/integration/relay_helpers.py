"""relay_helpers.py: running sirius-relay in a temporary var directory, bridge messages, the control socket, sirius-fake."""

import base64
import json
import os
import shutil
import signal
import socket
import sqlite3
import struct
import subprocess
import sys
import tempfile
import time

BUILD = os.environ.get("SIRIUS_BUILD_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
SOURCE = os.environ.get("SIRIUS_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
RELAY = os.path.join(BUILD, "relay", "sirius-relay")
FAKE = os.path.join(BUILD, "tools", "sirius-fake")
CODEC = os.path.join(BUILD, "tools", "sirius-codec")

BRIDGE = "000d6f0001b0c1d2"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_for(predicate, timeout=5.0, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("timed out waiting for %s" % what)


class Relay:
    """A sirius-relay process on a free port with its own var directory (kept across restart())."""

    def __init__(self, *args, var=None):
        self.var = var or tempfile.mkdtemp(prefix="relay-test-")
        self.own_var = var is None
        self.port = free_port()
        self.socket = os.path.join(self.var, "relay.sock")
        self.log = os.path.join(self.var, "relay.log")
        self.args = list(args)
        self.env = dict(os.environ, SIRIUS_VAR=self.var, SIRIUS_RELAY_SOCKET=self.socket)
        self.env.pop("SIRIUS_DB", None)
        self.proc = None
        self.start()

    def start(self):
        self.proc = subprocess.Popen([RELAY, "--listen", "127.0.0.1:%d" % self.port, "--log", self.log,
                                      "--verbose"] + self.args, env=self.env)
        wait_for(self._ready, 10, "the relay to listen")

    def _ready(self):
        if self.proc.poll() is not None:
            raise AssertionError("the relay exited with %s; log:\n%s" % (self.proc.returncode, self.read_log()))
        try:
            socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
        except OSError:
            return False
        return os.path.exists(self.socket)

    def read_log(self):
        try:
            with open(self.log, encoding="utf-8", errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def alive(self):
        return self.proc.poll() is None

    def stop(self, sig=signal.SIGTERM):
        """Stops the relay with sig and returns its exit status."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError("the relay did not stop on signal %d" % sig)
        return self.proc.returncode

    def restart(self):
        assert self.stop() == 0
        self.start()

    def close(self):
        status = self.stop()
        if self.own_var:
            shutil.rmtree(self.var, ignore_errors=True)
        return status

    def ws(self, **kw):
        from wsclient import WebSocket
        return WebSocket("127.0.0.1", self.port, **kw)

    def control(self, request, timeout=5.0):
        """Sends one request (a dict) on a new connection; returns the reply dict."""
        return json.loads(control_raw(self.socket, json.dumps(request).encode() + b"\n", timeout))

    def status(self, device):
        return self.control({"op": "status", "device": device})["devices"][0]

    def counters(self):
        return self.control({"op": "counters"})["counters"]

    def db(self):
        return sqlite3.connect(os.path.join(self.var, "sirius.db"), timeout=10)

    def run(self, program, *args, check=True):
        """Runs a tool (sirius-fake, sirius-codec) with the relay's environment; returns its stdout."""
        p = subprocess.run([program] + list(args), env=self.env, capture_output=True, text=True, timeout=60,
                           cwd=self.var)
        if check and p.returncode != 0:
            raise AssertionError("%s %s failed (%d): %s%s" % (program, args, p.returncode, p.stdout, p.stderr))
        return p.stdout


def control_raw(path, data, timeout=5.0):
    """Sends bytes on a new control connection and returns the first reply line (without newline)."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect(path)
    s.sendall(data)
    buf = b""
    while b"\n" not in buf:
        chunk = s.recv(65536)
        if not chunk:
            break
        buf += chunk
    s.close()
    return buf.split(b"\n", 1)[0]


# ---- bridge messages ---------------------------------------------------------------

def message(mtype, bridge=BRIDGE, **fields):
    m = {"type": mtype, "bridge_address": bridge, "timestamp": time.time()}
    m.update(fields)
    return m


def power_on(bridge=BRIDGE):
    return message("BridgeEvent", bridge, json_payload={
        "name": "power_on", "model": "A", "firmware_version": "v2.3.1-f3c7946", "ncp_version": "0x46C5",
        "local_ip_address": "192.168.1.98", "mac_address": "40:d8:55:01:c1:b3", "uptime": "50.1 50.2",
        "uboot_environment": "", "network_info": {"extended_pan_id": "0xdcb8c8c8d6e6b9b8"}})


def bridge_event(name, device, bridge=BRIDGE):
    return message("BridgeEvent", bridge, json_payload={"name": name, "device_address": device})


def device_event(device, code, payload=b"", command_id=0, bridge=BRIDGE):
    raw = struct.pack("<HII", code, command_id, len(payload)) + payload
    return message("DeviceEvent", bridge, device_address=device,
                   binary_payload=base64.b64encode(raw).decode(), rssi_stats=[-60, -61, -62])


def heartbeat(device, bridge=BRIDGE, uptime=100):
    return device_event(device, 0x0001, struct.pack("<I", uptime), bridge=bridge)


def did_print(device, print_id, print_type=0x01, bridge=BRIDGE):
    return device_event(device, 0x0002, struct.pack("<BI", print_type, print_id), bridge=bridge)


def device_response(device, command_id, return_code=0, bridge=BRIDGE):
    return message("DeviceCommandResponse", bridge, device_address=device, command_id=command_id,
                   return_code=return_code, transfer_time=1.25, rssi_stats=[-60, -61, -62])


def bridge_log(records, bridge=BRIDGE):
    return message("BridgeLog", bridge, records=[
        {"name": "cloud.socket", "created": time.time(), "process": 1, "levelno": 20, "processName": "main",
         "message": text, "levelname": "INFO"} for text in records])


def fresh_address():
    """A random device address (lower-case hex)."""
    return os.urandom(8).hex()


def run_tests(tests):
    """Runs test functions in order, printing each; exits 1 on the first failure."""
    for test in tests:
        print("--", test.__name__, flush=True)
        test()
    print("all passed")
    sys.exit(0)
