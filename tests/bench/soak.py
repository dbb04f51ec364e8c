#!/usr/bin/env python3
"""soak.py: the whole stack for a bounded time under emulated bridges and a steady stream of device-key prints.

Run on demand (not by ./test.sh), after a build:

    SIRIUS_BUILD_DIR=build python3 tests/bench/soak.py [--seconds 300] [--bridges 2000] [--rate 20]

It starts sirius-relay and lighttpd (with sirius-web and sirius-api) as the
integration tests do, connects BRIDGES emulated bridges of one printer each
(power_on, heartbeats, and for every DeviceCommand a response and did_print),
posts RATE text prints a second through the device-key API, and prints:
prints accepted, delivered to a bridge, lost (accepted, never delivered: must
be 0), duplicated (delivered twice: must be 0), the p50/p99 latency from the
API request to the frame at the bridge, and the RSS and open file
descriptors of every server process sampled over the run (they must not
grow). It exits 1 when something was lost or duplicated, or a process grew.
Everything runs on loopback, bounded in count and time.
"""
import argparse
import asyncio
import base64
import hashlib
import json
import os
import resource
import secrets
import sqlite3
import string
import struct
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
# the stack's programs run in their own directories: the build tree's path must not be relative
os.environ["SIRIUS_BUILD_DIR"] = os.path.abspath(os.environ.get("SIRIUS_BUILD_DIR",
                                                                 os.path.join(HERE, "..", "..", "build")))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
import fake_helpers as h  # noqa: E402
import harness  # noqa: E402

WS_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


class Bridge:
    """One emulated bridge with one printer, on a raw websocket (client frames masked, RFC 6455)."""

    def __init__(self, soak, index):
        self.soak = soak
        self.address = "000d6f%010x" % (0x1000000 + index)
        self.device = "000d6f%010x" % (0x5000000 + index)
        self.reader = self.writer = None

    async def connect(self, port):
        self.reader, self.writer = await asyncio.open_connection("127.0.0.1", port)
        key = base64.b64encode(secrets.token_bytes(16))
        self.writer.write(b"GET /api/v1/connection HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                          b"Connection: Upgrade\r\nSec-WebSocket-Key: " + key + b"\r\n"
                          b"Sec-WebSocket-Protocol: bergcloud-bridge-v1\r\nSec-WebSocket-Version: 13\r\n\r\n")
        head = await self.reader.readuntil(b"\r\n\r\n")
        accept = base64.b64encode(hashlib.sha1(key + WS_GUID).digest())
        if not head.startswith(b"HTTP/1.1 101") or accept not in head:
            raise RuntimeError("bridge %s: handshake refused: %r" % (self.address, head[:200]))
        await self.send({"type": "BridgeEvent", "bridge_address": self.address, "timestamp": time.time(),
                         "json_payload": {"name": "power_on", "model": "A", "firmware_version": "soak"}})

    async def send(self, obj):
        data = json.dumps(obj).encode()
        mask = secrets.token_bytes(4)
        if len(data) < 126:
            head = struct.pack("!BB", 0x81, 0x80 | len(data))
        elif len(data) < 65536:
            head = struct.pack("!BBH", 0x81, 0x80 | 126, len(data))
        else:
            head = struct.pack("!BBQ", 0x81, 0x80 | 127, len(data))
        self.writer.write(head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data)))
        await self.writer.drain()

    async def event(self, code, payload):
        body = struct.pack("<HII", code, 0, len(payload)) + payload
        await self.send({"type": "DeviceEvent", "bridge_address": self.address, "device_address": self.device,
                         "timestamp": time.time(), "binary_payload": base64.b64encode(body).decode(),
                         "rssi_stats": [-60, -60, -60]})

    async def heartbeats(self, interval, stop):
        while not stop.is_set():
            await self.event(0x0001, struct.pack("<I", int(time.monotonic())))
            try:
                await asyncio.wait_for(stop.wait(), interval)
            except asyncio.TimeoutError:
                pass

    async def frames(self):
        while True:
            b0, b1 = await self.reader.readexactly(2)
            n = b1 & 0x7F
            if n == 126:
                n, = struct.unpack("!H", await self.reader.readexactly(2))
            elif n == 127:
                n, = struct.unpack("!Q", await self.reader.readexactly(8))
            data = await self.reader.readexactly(n)
            if b0 & 0x0F == 0x8:
                return
            if b0 & 0x0F != 0x1:
                continue
            msg = json.loads(data)
            if msg.get("type") == "DeviceCommand":
                command_id = msg["command_id"]
                self.soak.delivered(command_id)
                await self.send({"type": "DeviceCommandResponse", "bridge_address": self.address,
                                 "device_address": self.device, "command_id": command_id, "return_code": 0,
                                 "timestamp": time.time(), "transfer_time": 0.1, "rssi_stats": [-60, -60, -60]})
                await self.event(0x0002, struct.pack("<BI", 0x01, command_id))


class Soak:
    def __init__(self, args):
        self.args = args
        self.accepted = {}       # message id -> when its request was sent
        self.received = {}       # message id -> times a bridge got it
        self.arrived = {}        # message id -> when a bridge first got it
        self.samples = []        # (seconds into the run, {process: (rss kB, fds)})
        self.refused = 0         # API answers other than 200/202

    def delivered(self, command_id):
        self.received[command_id] = self.received.get(command_id, 0) + 1
        self.arrived.setdefault(command_id, time.monotonic())

    def setup_database(self, stack, bridges):
        """One owner, a claimed printer and a device key per bridge, straight into the database."""
        subprocess.run([h.FAKE, "user", "soak", "--password", "soak soak soak"], env=stack.env, check=True,
                       capture_output=True, cwd=stack.tmp)
        keys = []
        with sqlite3.connect(stack.db, timeout=30) as db:
            (owner,), = db.execute("SELECT id FROM users WHERE name = 'soak'").fetchall()
            now = int(time.time())
            for i, bridge in enumerate(bridges):
                cur = db.execute("INSERT INTO printers (address, hardware_xor, owner_id, name, created, last_seen)"
                                 " VALUES (?, ?, ?, ?, ?, ?)", (bridge.device, i & 0xFFFFFF, owner, "p%d" % i, now,
                                                                 now))
                secret = "".join(secrets.choice(string.ascii_lowercase + string.digits) for _ in range(20))
                db.execute("INSERT INTO device_keys (secret, printer_id, created) VALUES (?, ?, ?)",
                           (secret, cur.lastrowid, now))
                keys.append(secret)
        return keys

    def sample(self, stack, started):
        row = {}
        for proc in self.processes(stack):
            pid, name = proc
            try:
                with open("/proc/%d/status" % pid) as f:
                    rss = next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))
                fds = len(os.listdir("/proc/%d/fd" % pid))
            except (OSError, StopIteration):
                continue
            row["%s[%d]" % (name, pid)] = (rss, fds)
        self.samples.append((time.monotonic() - started, row))

    @staticmethod
    def processes(stack):
        found = [(p.pid, os.path.basename(p.args[0])) for p in stack.procs]
        for name in ("sirius-web", "sirius-api"):
            run = subprocess.run(["pgrep", "-f", os.path.join(harness.BUILD, "cgi", name)], capture_output=True,
                                 text=True)
            found += [(int(pid), name) for pid in run.stdout.split()]
        return found

    async def post(self, port, key, body):
        sent = time.monotonic()
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"POST /printkey/%s?from=soak HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\n"
                     b"Content-Length: %d\r\nConnection: close\r\n\r\n" % (key.encode(), len(body)) + body)
        await writer.drain()
        answer = await reader.read()
        writer.close()
        status = int(answer.split(b" ", 2)[1])
        if status in (200, 202):
            message_id = json.loads(answer.split(b"\r\n\r\n", 1)[1])["id"]
            self.accepted[message_id] = sent
        else:
            self.refused += 1

    async def run(self):
        stack = harness.Stack(extra_env={"SIRIUS_KEY_RATE": "1000000", "SIRIUS_DEDUPE_SECONDS": "0"})
        try:
            bridges = [Bridge(self, i) for i in range(self.args.bridges)]
            keys = self.setup_database(stack, bridges)
            for start in range(0, len(bridges), 200):
                await asyncio.gather(*(b.connect(stack.port) for b in bridges[start:start + 200]))
            stop = asyncio.Event()
            tasks = [asyncio.ensure_future(b.frames()) for b in bridges]
            tasks += [asyncio.ensure_future(b.heartbeats(self.args.heartbeat, stop)) for b in bridges]
            started = time.monotonic()
            self.sample(stack, started)
            n = 0
            posts = []
            next_sample = started + self.args.sample
            while time.monotonic() - started < self.args.seconds:
                posts.append(asyncio.ensure_future(self.post(stack.port, keys[n % len(keys)],
                                                             b"soak print %d" % n)))
                n += 1
                if time.monotonic() >= next_sample:
                    self.sample(stack, started)
                    next_sample += self.args.sample
                await asyncio.sleep(1.0 / self.args.rate)
            await asyncio.gather(*posts, return_exceptions=True)
            deadline = time.monotonic() + 120
            while set(self.accepted) - set(self.received) and time.monotonic() < deadline:
                await asyncio.sleep(0.5)
            self.sample(stack, started)
            stop.set()
            for t in tasks:
                t.cancel()
        finally:
            stack.close()
        return self.report()

    def report(self):
        lost = sorted(set(self.accepted) - set(self.received))
        duplicated = sorted(i for i, times in self.received.items() if times > 1)
        lat = sorted(self.arrived[i] - t for i, t in self.accepted.items() if i in self.arrived)

        def pct(p):
            return lat[min(len(lat) - 1, int(p * len(lat)))] * 1000 if lat else float("nan")

        print("soak: %d bridges, %d s, %.0f prints/s asked" % (self.args.bridges, self.args.seconds, self.args.rate))
        print("prints accepted %d, refused %d, delivered %d, lost %d, duplicated %d"
              % (len(self.accepted), self.refused, len(set(self.received) & set(self.accepted)), len(lost),
                 len(duplicated)))
        print("latency from the API request to the frame at the bridge: p50 %.1f ms, p99 %.1f ms" % (pct(0.50), pct(0.99)))
        grew = []
        names = sorted({name for _, row in self.samples for name in row})
        print("%-28s %s" % ("process (RSS kB / fds)", "  ".join("%6.0fs" % t for t, _ in self.samples)))
        for name in names:
            values = [row.get(name) for _, row in self.samples]
            print("%-28s %s" % (name, "  ".join("%7s" % ("%d/%d" % v if v else "-") for v in values)))
            seen = [v for v in values[1:] if v]
            # after the first sample (warm-up), neither memory nor descriptors may keep growing
            if len(seen) >= 3 and seen[-1][0] > seen[0][0] * 1.5 + 2048:
                grew.append("%s RSS %d -> %d kB" % (name, seen[0][0], seen[-1][0]))
            if len(seen) >= 3 and seen[-1][1] > seen[0][1] + 16:
                grew.append("%s fds %d -> %d" % (name, seen[0][1], seen[-1][1]))
        for g in grew:
            print("grew: " + g)
        return 0 if not lost and not duplicated and not grew else 1


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=300, help="how long prints are posted (default 300)")
    parser.add_argument("--bridges", type=int, default=2000, help="emulated bridges, one printer each")
    parser.add_argument("--rate", type=float, default=20, help="prints posted a second (default 20)")
    parser.add_argument("--heartbeat", type=float, default=10, help="seconds between a printer's heartbeats")
    parser.add_argument("--sample", type=float, default=30, help="seconds between process samples")
    args = parser.parse_args()
    if not (1 <= args.bridges <= 20000 and 0 < args.seconds <= 3600 and 0 < args.rate <= 2000):
        parser.error("--bridges 1..20000, --seconds up to 3600, --rate up to 2000")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = min(hard, max(soft, 2 * args.bridges + 1024))
    resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    soak = Soak(args)
    sys.exit(asyncio.run(soak.run()))


if __name__ == "__main__":
    main()
