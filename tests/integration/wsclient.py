"""wsclient.py: a small RFC 6455 websocket client (standard library only) for the relay's tests, raw frames included."""

import base64
import hashlib
import json
import os
import socket
import struct
import time

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

OP_CONT, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA


class Closed(Exception):
    """The server closed the websocket (close frame or end of stream); code is the close status or None."""

    def __init__(self, code=None):
        super().__init__("websocket closed (code %r)" % (code,))
        self.code = code


class HandshakeReply:
    """The server's handshake reply: raw bytes, status line and headers (names lower-cased, values kept)."""

    def __init__(self, raw):
        self.raw = raw
        text = raw.decode("latin-1")
        lines = text.split("\r\n")
        self.status_line = lines[0]
        self.headers = {}
        self.header_list = []
        for line in lines[1:]:
            if not line:
                continue
            name, _, value = line.partition(":")
            self.header_list.append((name, value.strip()))
            self.headers.setdefault(name.strip().lower(), value.strip())

    def status(self):
        parts = self.status_line.split(" ", 2)
        return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None


def accept_for(key):
    """The Sec-WebSocket-Accept a server must answer to key."""
    return base64.b64encode(hashlib.sha1((key + GUID).encode()).digest()).decode()


def encode_frame(opcode, payload, fin=True, mask=True, claimed_length=None):
    """One frame as bytes; mask=False leaves out the mask a client must send, claimed_length lies about the length."""
    if isinstance(payload, str):
        payload = payload.encode()
    length = len(payload) if claimed_length is None else claimed_length
    head = bytes([(0x80 if fin else 0) | opcode])
    mbit = 0x80 if mask else 0
    if length < 126:
        head += bytes([mbit | length])
    elif length < 65536:
        head += bytes([mbit | 126]) + struct.pack(">H", length)
    else:
        head += bytes([mbit | 127]) + struct.pack(">Q", length)
    if mask:
        key = os.urandom(4)
        head += key
        payload = bytes(b ^ key[i % 4] for i, b in enumerate(payload)) if len(payload) < 4096 \
            else _mask_fast(payload, key)
    return head + payload


class WebSocket:
    """One client connection. Frames are masked as a client's must be, unless a test says otherwise."""

    def __init__(self, host, port, path="/api/v1/connection", protocol="bergcloud-bridge-v1",
                 host_header=None, timeout=5.0, extra_headers=(), early=b"", tls=None):
        """early: bytes (frames) sent in the same write as the handshake, before its answer; tls: an SSLContext."""
        self.sock = socket.create_connection((host, port), timeout=timeout)
        if tls is not None:
            self.sock = tls.wrap_socket(self.sock)
        self.sock.settimeout(timeout)
        self.buffer = b""
        self.key = base64.b64encode(os.urandom(16)).decode()
        lines = ["GET %s HTTP/1.1" % path,
                 "Host: %s" % (host_header if host_header is not None else "%s:%d" % (host, port)),
                 "Upgrade: websocket",
                 "Connection: Upgrade",
                 "Sec-WebSocket-Key: %s" % self.key,
                 "Sec-WebSocket-Version: 13"]
        if protocol:
            lines.append("Sec-WebSocket-Protocol: %s" % protocol)
        lines.extend(extra_headers)
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + early)
        raw = self._read_until(b"\r\n\r\n")
        self.reply = HandshakeReply(raw)
        if self.reply.status() != 101:
            self.sock.close()
            raise Closed(None)
        if self.reply.headers.get("sec-websocket-accept") != accept_for(self.key):
            raise AssertionError("bad Sec-WebSocket-Accept in %r" % raw)

    def _read_until(self, marker, limit=65536):
        while marker not in self.buffer:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise Closed(None)
            self.buffer += chunk
            if len(self.buffer) > limit:
                raise AssertionError("reply too long")
        head, _, self.buffer = self.buffer.partition(marker)
        return head + marker

    def _read_exact(self, n):
        while len(self.buffer) < n:
            chunk = self.sock.recv(max(4096, n - len(self.buffer)))
            if not chunk:
                raise Closed(None)
            self.buffer += chunk
        data, self.buffer = self.buffer[:n], self.buffer[n:]
        return data

    def send_frame(self, opcode, payload, fin=True, mask=True, claimed_length=None):
        """Sends one frame (see encode_frame)."""
        self.sock.sendall(encode_frame(opcode, payload, fin, mask, claimed_length))

    def send_text(self, text):
        self.send_frame(OP_TEXT, text)

    def send_json(self, obj):
        self.send_text(json.dumps(obj))

    def send_pong(self, data=b""):
        self.send_frame(OP_PONG, data)

    def send_close(self, code=1000):
        self.send_frame(OP_CLOSE, struct.pack(">H", code))

    def recv_frame(self, timeout=None):
        """Returns (fin, opcode, payload) of the next frame."""
        if timeout is not None:
            self.sock.settimeout(timeout)
        b0, b1 = self._read_exact(2)
        length = b1 & 0x7F
        if length == 126:
            length = struct.unpack(">H", self._read_exact(2))[0]
        elif length == 127:
            length = struct.unpack(">Q", self._read_exact(8))[0]
        if b1 & 0x80:
            raise AssertionError("the server masked a frame")
        return bool(b0 & 0x80), b0 & 0x0F, self._read_exact(length)

    def recv_message(self, timeout=5.0):
        """The next text or binary message as (opcode, bytes); pings and pongs are skipped; Closed on close."""
        deadline = time.monotonic() + timeout
        parts, first_op = [], None
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise socket.timeout("no message")
            fin, op, payload = self.recv_frame(left)
            if op == OP_CLOSE:
                code = struct.unpack(">H", payload[:2])[0] if len(payload) >= 2 else None
                raise Closed(code)
            if op in (OP_PING, OP_PONG):
                continue
            if first_op is None:
                first_op = op
            parts.append(payload)
            if fin:
                return first_op, b"".join(parts)

    def recv_json(self, timeout=5.0):
        op, data = self.recv_message(timeout)
        assert op == OP_TEXT, "expected a text frame, got opcode %d" % op
        return json.loads(data.decode())

    def expect_nothing(self, seconds):
        """Asserts no message arrives within seconds."""
        try:
            op, data = self.recv_message(seconds)
        except socket.timeout:
            return
        raise AssertionError("unexpected message: %r" % data[:200])

    def expect_closed(self, timeout=30.0):
        """Waits for the server to close the connection; returns the close code (None without a close frame).

        The deadline is generous: a close comes at once when all is well, and a loaded machine running the
        relay under the sanitizers may take seconds."""
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                self.recv_message(deadline - time.monotonic())
        except Closed as e:
            return e.code
        except (ConnectionResetError, BrokenPipeError):
            return None
        raise AssertionError("the server did not close the connection")

    def close(self):
        try:
            self.send_close()
        except OSError:
            pass
        self.sock.close()


def _mask_fast(payload, key):
    n = len(payload)
    k = (key * (n // 4 + 1))[:n]
    return (int.from_bytes(payload, "big") ^ int.from_bytes(k, "big")).to_bytes(n, "big")
