#!/usr/bin/env python3
"""fake_emulate.py: sirius-fake emulate against a small websocket server in this script, which plays the relay."""
import base64
import hashlib
import json
import os
import queue
import signal
import socket
import struct
import tempfile
import threading
import time
import unittest

import fake_helpers as h

PRINTER_FILE = os.path.join(h.VECTORS, "real", "11cc0f6aaeb07dad.printer")
ADDRESS = "11cc0f6aaeb07dad"
WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def vector_json(name):
    with open(os.path.join(h.VECTORS, "real", name)) as f:
        return json.load(f)


# The key of the printer file's claim code, from the captured command (without the stray newline).
KEY = vector_json("bridge_command_add_key.json")["json_payload"]["params"]["encryption_key"].replace("\\n", "")


class Connection:
    """One accepted websocket: frames in and out (server side: unmasked out, masked in)."""

    def __init__(self, sock, server):
        self.sock = sock
        self.server = server
        self.protocol = None
        self.pongs = 0
        self.lock = threading.Lock()

    def handshake(self):
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise ConnectionError("closed during the handshake")
            data += chunk
        head, self.rest = data.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        self.request_line = lines[0]
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        self.protocol = headers.get("sec-websocket-protocol")
        accept = base64.b64encode(hashlib.sha1((headers["sec-websocket-key"] + WS_GUID).encode()).digest()).decode()
        reply = ("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: upgrade\r\n"
                 "Sec-WebSocket-Accept: %s\r\n" % accept)
        if self.protocol:
            reply += "Sec-WebSocket-Protocol: bergcloud-bridge-v1\r\n"
        self.sock.sendall((reply + "\r\n").encode())

    def recv_exact(self, n):
        while len(self.rest) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("closed")
            self.rest += chunk
        data, self.rest = self.rest[:n], self.rest[n:]
        return data

    def read_frames(self):
        message = b""
        while True:
            b0, b1 = self.recv_exact(2)
            opcode, length = b0 & 0x0f, b1 & 0x7f
            if length == 126:
                length, = struct.unpack(">H", self.recv_exact(2))
            elif length == 127:
                length, = struct.unpack(">Q", self.recv_exact(8))
            mask = self.recv_exact(4) if b1 & 0x80 else b"\0\0\0\0"
            payload = bytes(c ^ mask[i % 4] for i, c in enumerate(self.recv_exact(length)))
            if opcode == 8:
                return
            if opcode == 10:
                self.pongs += 1
                continue
            if opcode in (0, 1):
                message += payload
                if b0 & 0x80:
                    self.server.received.put(json.loads(message.decode()))
                    message = b""

    def send(self, obj):
        data = json.dumps(obj).encode()
        if len(data) < 126:
            head = struct.pack(">BB", 0x81, len(data))
        elif len(data) < 65536:
            head = struct.pack(">BBH", 0x81, 126, len(data))
        else:
            head = struct.pack(">BBQ", 0x81, 127, len(data))
        with self.lock:
            self.sock.sendall(head + data)

    def drop(self):
        """Closes the TCP connection without a close frame, as a dying server would."""
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()


class FakeRelay:
    """A websocket server on a free port; every message a client sends lands in received."""

    def __init__(self):
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(4)
        self.port = self.listener.getsockname()[1]
        self.received = queue.Queue()
        self.connections = queue.Queue()
        self.current = None
        threading.Thread(target=self.accept_loop, daemon=True).start()

    def url(self):
        return "ws://127.0.0.1:%d/api/v1/connection" % self.port

    def accept_loop(self):
        while True:
            try:
                sock, _ = self.listener.accept()
            except OSError:
                return
            conn = Connection(sock, self)
            threading.Thread(target=self.serve, args=(conn,), daemon=True).start()

    def serve(self, conn):
        try:
            conn.handshake()
            self.connections.put(conn)
            conn.read_frames()
        except (ConnectionError, OSError, ValueError):
            pass

    def next_connection(self, timeout=15):
        self.current = self.connections.get(timeout=timeout)
        return self.current

    def next_message(self, timeout=15, skip=("heartbeat",)):
        """The next message, leaving out heartbeats (unless skip is empty)."""
        deadline = time.monotonic() + timeout
        while True:
            msg = self.received.get(timeout=max(0.01, deadline - time.monotonic()))
            if "heartbeat" in skip and event_code(msg) == 1:
                continue
            return msg

    def expect(self, predicate, what, timeout=15):
        """The first message for which predicate holds, skipping others; fails after timeout."""
        deadline = time.monotonic() + timeout
        skipped = []
        while time.monotonic() < deadline:
            try:
                msg = self.received.get(timeout=0.2)
            except queue.Empty:
                continue
            if predicate(msg):
                return msg
            skipped.append(msg)
        raise AssertionError("no %s within %ss; got %s" % (what, timeout, skipped))

    def close(self):
        self.listener.close()


def event_code(msg):
    """The event code of a DeviceEvent, else None."""
    if msg.get("type") != "DeviceEvent":
        return None
    return struct.unpack("<H", base64.b64decode(msg["binary_payload"])[:2])[0]


def bridge_event(name):
    return lambda m: m.get("type") == "BridgeEvent" and m["json_payload"].get("name") == name


def device_event(code):
    return lambda m: event_code(m) == code


class Emulate(unittest.TestCase):
    def setUp(self):
        self.box = h.Sandbox()
        self.addCleanup(self.box.cleanup)
        self.relay = FakeRelay()
        self.addCleanup(self.relay.close)
        self.out = tempfile.mkdtemp(dir=self.box.dir)

    def emulate(self, *extra):
        program = h.Program([h.FAKE, "emulate", PRINTER_FILE, self.relay.url(), "--out", self.out,
                             "--key-interval", "1", "--heartbeat", "1", *extra], self.box.env, cwd=self.box.dir)
        self.addCleanup(program.stop)
        return program

    def give_key(self, key, command_id):
        self.relay.current.send({
            "type": "BridgeCommand", "bridge_address": self.bridge, "command_id": command_id, "timestamp": "0",
            "json_payload": {"name": "add_device_encryption_key",
                             "params": {"device_address": ADDRESS, "encryption_key": key}}})

    def connect_and_key(self, program):
        conn = self.relay.next_connection()
        self.assertEqual(conn.protocol, "bergcloud-bridge-v1")
        self.assertTrue(conn.request_line.startswith("GET /api/v1/connection "), conn.request_line)
        power_on = self.relay.next_message()
        self.assertEqual(power_on["type"], "BridgeEvent")
        self.assertEqual(power_on["json_payload"]["name"], "power_on")
        self.bridge = power_on["bridge_address"]
        self.assertRegex(self.bridge, r"^000d6f[0-9a-f]{10}$")
        for field in ("model", "firmware_version", "ncp_version", "local_ip_address", "mac_address", "uptime",
                      "uboot_environment"):
            self.assertIsInstance(power_on["json_payload"][field], str, field)
        self.assertIsInstance(power_on["json_payload"]["network_info"], dict)
        self.assertIsInstance(power_on["timestamp"], float)
        base64.b64decode(power_on["json_payload"]["uboot_environment"], validate=True)

        # asks for the key at once and then every --key-interval seconds
        for _ in range(2):
            ask = self.relay.expect(bridge_event("encryption_key_required"), "encryption_key_required", 5)
            self.assertEqual(ask["json_payload"]["device_address"], ADDRESS)
            self.assertEqual(ask["bridge_address"], self.bridge)
        program.wait_for(r"^key requested for %s$" % ADDRESS)

        # the key the server of 2019 sent, with its stray newline, is refused and asked for again
        self.give_key(KEY + "\n", 7001)
        program.wait_for(r"wrong key for %s" % ADDRESS, stream="err")
        response = self.relay.expect(lambda m: m.get("type") == "BridgeCommandResponse", "response")
        self.assertEqual((response["command_id"], response["return_code"]), (7001, 0))
        self.relay.expect(bridge_event("encryption_key_required"), "another key request", 5)

        self.give_key(KEY, 7002)
        program.wait_for(r"^key accepted$")
        self.relay.expect(lambda m: m.get("type") == "BridgeCommandResponse" and m["command_id"] == 7002,
                          "the key's response")
        connect = self.relay.expect(bridge_event("device_connect"), "device_connect")
        self.assertEqual(connect["json_payload"]["device_address"], ADDRESS)
        power = self.relay.expect(device_event(3), "did_power_on")
        payload = base64.b64decode(power["binary_payload"])
        self.assertEqual(struct.unpack("<HII", payload[:10]), (3, 0, 74))
        self.assertEqual(power["device_address"], ADDRESS)
        self.assertEqual(len(power["rssi_stats"]), 3)
        beat = self.relay.expect(device_event(1), "heartbeat", 5)
        self.assertEqual(struct.unpack("<HII", base64.b64decode(beat["binary_payload"])[:10]), (1, 0, 4))

    def send_vector_command(self, name):
        command = vector_json("device_command_%s.json" % name)
        command["bridge_address"] = self.bridge
        self.relay.current.send(command)
        return command["command_id"]

    def check_printed(self, program, command_id, name):
        match = program.wait_for(r"^printed %d -> (.*) \(384x(\d+)\)$" % command_id)
        path = match.group(1)
        self.assertEqual(os.path.dirname(os.path.abspath(path)), os.path.abspath(self.out))
        self.assertEqual(os.path.basename(path), "%d-0.png" % command_id)
        with open(path, "rb") as f:
            written = h.png_decode(f.read())
        with open(os.path.join(h.VECTORS, "real", "device_command_%s.png" % name), "rb") as f:
            expected = h.png_decode(f.read())
        self.assertEqual(written, expected)
        response = self.relay.expect(lambda m: m.get("type") == "DeviceCommandResponse", "DeviceCommandResponse")
        self.assertEqual((response["command_id"], response["return_code"], response["device_address"]),
                         (command_id, 0, ADDRESS))
        self.assertIsInstance(response["transfer_time"], float)
        did_print = self.relay.expect(device_event(2), "did_print")
        payload = base64.b64decode(did_print["binary_payload"])
        self.assertEqual(struct.unpack("<HIIBI", payload), (2, 0, 5, 1, command_id))

    def test_key_print_reconnect(self):
        program = self.emulate()
        self.connect_and_key(program)

        command_id = self.send_vector_command("pork_chops")
        self.check_printed(program, command_id, "pork_chops")

        # a command for another device is answered "eui64 not found"
        self.relay.current.send({"type": "DeviceCommand", "bridge_address": self.bridge,
                                 "device_address": "000d6f0000000001", "command_id": 9, "timestamp": "0",
                                 "binary_payload": "AQABAAkAAAAAAAAAAAAAAA=="})
        response = self.relay.expect(lambda m: m.get("type") == "DeviceCommandResponse", "response")
        self.assertEqual((response["command_id"], response["return_code"]), (9, 1))
        # a malformed payload is answered with an error code and does not end anything
        self.relay.current.send({"type": "DeviceCommand", "bridge_address": self.bridge, "device_address": ADDRESS,
                                 "command_id": 10, "timestamp": "0", "binary_payload": "AQAB"})
        response = self.relay.expect(lambda m: m.get("type") == "DeviceCommandResponse", "response")
        self.assertEqual(response["command_id"], 10)
        self.assertNotEqual(response["return_code"], 0)
        self.relay.current.send({"type": "Nonsense", "command_id": 1})
        self.relay.current.send({"no": "type"})

        # the socket drops: it reconnects, powers on, and the printer comes back without asking for a key
        self.relay.current.drop()
        program.wait_for(r"reconnecting in 1 s")
        self.relay.next_connection()
        self.assertEqual(self.relay.next_message()["json_payload"]["name"], "power_on")
        self.relay.expect(bridge_event("device_connect"), "device_connect after reconnecting")
        command_id = self.send_vector_command("long_image")
        self.check_printed(program, command_id, "long_image")
        self.assertEqual(program.stop(signal.SIGTERM), 0)
        program.wait_for(r"^interrupted after 2 print\(s\)$")

    def test_once_exits_after_the_first_print(self):
        program = self.emulate("--once")
        self.connect_and_key(program)
        command_id = self.send_vector_command("pork_chops")
        self.check_printed(program, command_id, "pork_chops")
        self.assertEqual(program.proc.wait(timeout=10), 0)
        program.wait_for(r"^done after 1 print\(s\)$")

    def test_commands_before_the_key_are_refused(self):
        program = self.emulate()
        self.relay.next_connection()
        self.bridge = self.relay.next_message()["bridge_address"]
        self.send_vector_command("pork_chops")
        response = self.relay.expect(lambda m: m.get("type") == "DeviceCommandResponse", "response")
        self.assertEqual(response["return_code"], 1)
        program.wait_for(r"refused: the printer has no key yet")
        self.assertEqual(os.listdir(self.out), [])

    def test_backoff_doubles_while_refused(self):
        port = h.free_port()
        program = h.Program([h.FAKE, "emulate", PRINTER_FILE, "ws://127.0.0.1:%d/" % port], self.box.env,
                            cwd=self.box.dir)
        self.addCleanup(program.stop)
        program.wait_for(r"reconnecting in 1 s")
        program.wait_for(r"reconnecting in 2 s", timeout=5)
        program.wait_for(r"reconnecting in 4 s", timeout=5)
        self.assertEqual(program.stop(signal.SIGINT), 0)


if __name__ == "__main__":
    unittest.main()
