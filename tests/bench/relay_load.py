"""relay_load.py: load benchmark of sirius-relay: thousands of bridges with heartbeats, print latency (not run by make check).

usage: SIRIUS_BUILD_DIR=build python3 tests/bench/relay_load.py [--bridges 5000] [--prints 500] [--seconds 30]
"""

import argparse
import base64
import json
import os
import resource
import selectors
import socket
import statistics
import struct
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))

from relay_helpers import Relay, heartbeat, power_on  # noqa: E402
from wsclient import accept_for  # noqa: E402


def frame(text):
    """A masked text frame holding text."""
    data = text.encode()
    key = os.urandom(4)
    n = len(data)
    head = bytes([0x81])
    if n < 126:
        head += bytes([0x80 | n])
    elif n < 65536:
        head += bytes([0x80 | 126]) + struct.pack(">H", n)
    else:
        head += bytes([0x80 | 127]) + struct.pack(">Q", n)
    k = (key * (n // 4 + 1))[:n]
    masked = (int.from_bytes(data, "big") ^ int.from_bytes(k, "big")).to_bytes(n, "big") if n else b""
    return head + key + masked


class Bridge:
    """One non-blocking bridge connection with one printer."""

    def __init__(self, port, index):
        self.bridge = "%016x" % (0x00d6f0000000000 + index)
        self.device = "%016x" % (0x11d6f0000000000 + index)
        self.sock = socket.socket()
        self.sock.setblocking(False)
        self.sock.connect_ex(("127.0.0.1", port))
        self.key = base64.b64encode(os.urandom(16)).decode()
        self.state = "connecting"
        self.inbuf = b""
        self.received = []  # (time, message)

    def handshake(self):
        req = ("GET /api/v1/connection HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
               "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n"
               "Sec-WebSocket-Protocol: bergcloud-bridge-v1\r\n\r\n" % self.key)
        self.sock.sendall(req.encode())
        self.state = "handshaking"

    def send(self, msg):
        self.sock.sendall(frame(json.dumps(msg)))

    def on_readable(self, now):
        data = self.sock.recv(65536)
        if not data:
            self.state = "closed"
            return
        self.inbuf += data
        if self.state == "handshaking":
            if b"\r\n\r\n" not in self.inbuf:
                return
            head, _, self.inbuf = self.inbuf.partition(b"\r\n\r\n")
            assert head.startswith(b"HTTP/1.1 101") and accept_for(self.key).encode() in head, head
            self.state = "open"
            self.send(power_on(self.bridge))
            self.send(heartbeat(self.device, bridge=self.bridge))
        while self.state == "open" and len(self.inbuf) >= 2:
            n = self.inbuf[1] & 0x7F
            off = 2
            if n == 126:
                if len(self.inbuf) < 4:
                    return
                n, off = struct.unpack(">H", self.inbuf[2:4])[0], 4
            elif n == 127:
                if len(self.inbuf) < 10:
                    return
                n, off = struct.unpack(">Q", self.inbuf[2:10])[0], 10
            if len(self.inbuf) < off + n:
                return
            payload, self.inbuf = self.inbuf[off:off + n], self.inbuf[off + n:]
            if payload[:1] == b"{":
                self.received.append((now, json.loads(payload)))


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bridges", type=int, default=5000)
    ap.add_argument("--prints", type=int, default=500)
    ap.add_argument("--seconds", type=float, default=30, help="how long to keep heartbeating")
    args = ap.parse_args()

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = min(hard, args.bridges + 1000) if hard != resource.RLIM_INFINITY else args.bridges + 1000
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, want), hard))

    relay = Relay()
    rss_idle = rss_kib(relay.proc.pid)
    sel = selectors.DefaultSelector()
    bridges = []
    t0 = time.monotonic()
    try:
        for i in range(args.bridges):
            b = Bridge(relay.port, i)
            bridges.append(b)
            sel.register(b.sock, selectors.EVENT_WRITE, b)
            # keep the number of pending connects bounded so the listen backlog is not overrun
            while sum(1 for x in bridges if x.state != "open") > 200:
                pump(sel, 0.05)
        while any(b.state != "open" for b in bridges):
            pump(sel, 0.1)
            if time.monotonic() - t0 > 120:
                raise SystemExit("bridges did not all connect")
        t_connect = time.monotonic() - t0
        wait_until = time.monotonic() + 10
        while relay.counters()["devices_online"] < args.bridges and time.monotonic() < wait_until:
            pump(sel, 0.1)
        online = relay.counters()["devices_online"]
        rss_loaded = rss_kib(relay.proc.pid)

        # heartbeats, about every 10 s per bridge, while prints go through the control socket
        latencies = []
        end = time.monotonic() + args.seconds
        next_beat = {id(b): time.monotonic() + (i % 100) / 10.0 for i, b in enumerate(bridges)}
        sent = 0
        command_id = 1000000
        pending = {}
        ctl = socket.socket(socket.AF_UNIX)
        ctl.connect(relay.socket)
        ctl_file = ctl.makefile("rb")
        interval = args.seconds / max(args.prints, 1)
        next_print = time.monotonic()
        while time.monotonic() < end or (pending and time.monotonic() < end + 10):
            now = time.monotonic()
            for b in bridges:
                if next_beat[id(b)] <= now:
                    b.send(heartbeat(b.device, bridge=b.bridge))
                    next_beat[id(b)] = now + 10
            if sent < args.prints and now >= next_print and now < end:
                b = bridges[(sent * 7919) % len(bridges)]
                command_id += 1
                req = {"op": "deliver", "device": b.device, "command_id": command_id,
                       "payload": base64.b64encode(os.urandom(3000)).decode()}
                start = time.monotonic()
                ctl.sendall(json.dumps(req).encode() + b"\n")
                reply = json.loads(ctl_file.readline())
                assert reply.get("result") == "sent", reply
                pending[command_id] = (start, b)
                sent += 1
                next_print += interval
            pump(sel, 0.01)
            for b in {v[1] for v in pending.values()}:
                for t, msg in b.received:
                    if msg.get("type") == "DeviceCommand" and msg.get("command_id") in pending:
                        latencies.append(t - pending.pop(msg["command_id"])[0])
                b.received.clear()
        rss_end = rss_kib(relay.proc.pid)
        ctl.close()
        latencies.sort()
        print("bridges connected: %d in %.1f s; devices online: %d" % (len(bridges), t_connect, online))
        print("relay RSS: idle %d KiB, %d bridges %d KiB, after prints %d KiB" % (rss_idle, len(bridges),
                                                                                  rss_loaded, rss_end))
        if latencies:
            p = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000  # noqa: E731
            print("prints delivered: %d of %d; latency p50 %.2f ms, p99 %.2f ms, max %.2f ms, mean %.2f ms" %
                  (len(latencies), sent, p(0.50), p(0.99), latencies[-1] * 1000,
                   statistics.mean(latencies) * 1000))
        print("counters:", json.dumps({k: v for k, v in relay.counters().items() if k != "by_kind"}))
    finally:
        for b in bridges:
            b.sock.close()
        relay.close()


def pump(sel, timeout):
    """Services the bridge sockets once."""
    now = time.monotonic()
    for key, events in sel.select(timeout):
        b = key.data
        if b.state == "connecting" and events & selectors.EVENT_WRITE:
            b.handshake()
            sel.modify(b.sock, selectors.EVENT_READ, b)
        elif events & selectors.EVENT_READ:
            try:
                b.on_readable(now)
            except (ConnectionError, BlockingIOError):
                pass
            if b.state == "closed":
                sel.unregister(b.sock)


if __name__ == "__main__":
    main()
