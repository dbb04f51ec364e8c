"""fake_helpers.py: what the sirius-fake integration tests share: paths, environments, PNG, process output."""
import base64
import ctypes
import ctypes.util
import json
import os
import queue
import re
import socket
import struct
import subprocess
import tempfile
import threading
import time
import zlib

BUILD = os.environ.get("SIRIUS_BUILD_DIR", os.path.join(os.path.dirname(__file__), "..", "..", "build"))
SOURCE = os.environ.get("SIRIUS_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
FAKE = os.path.join(BUILD, "tools", "sirius-fake")
CODEC = os.path.join(BUILD, "tools", "sirius-codec")
RELAY = os.path.join(BUILD, "relay", "sirius-relay")
VECTORS = os.path.join(SOURCE, "tests", "vectors")

# The labels of a printer file, right-aligned to 12 characters, in order.
PRINTER_FILE_LABELS = ["address", "DB id", "secret", "xor", "claim code"]


class Sandbox:
    """A temporary directory with its own database and relay socket, and the environment naming them."""

    def __init__(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="sirius-fake-")
        self.dir = self.tmp.name
        self.db = os.path.join(self.dir, "sirius.db")
        self.socket = os.path.join(self.dir, "relay.sock")
        self.env = dict(os.environ)
        self.env.update({
            "SIRIUS_VAR": self.dir,
            "SIRIUS_DB": self.db,
            "SIRIUS_RELAY_SOCKET": self.socket,
            "SIRIUS_PASSWORD_COST": "minimum",
            "SIRIUS_LIMIT_FACTOR": "100",
            "SIRIUS_RENDER_SECONDS": "600",  # renders are slow under the sanitizers on a busy machine
        })

    def fake(self, *args, cwd=None, timeout=60):
        """Runs sirius-fake with args; returns the CompletedProcess (text)."""
        return subprocess.run([FAKE, *args], cwd=cwd or self.dir, env=self.env, capture_output=True,
                              text=True, timeout=timeout)

    def cleanup(self):
        self.tmp.cleanup()


def parse_printer_file(text):
    """The fields of a printer file's text as a dict; raises ValueError when the layout is not the original's."""
    lines = text.splitlines()
    if len(lines) != len(PRINTER_FILE_LABELS):
        raise ValueError("%d lines, not %d" % (len(lines), len(PRINTER_FILE_LABELS)))
    fields = {}
    for label, line in zip(PRINTER_FILE_LABELS, lines):
        prefix = "%12s: " % label
        if not line.startswith(prefix):
            raise ValueError("line %r does not start with %r" % (line, prefix))
        fields[label] = line[len(prefix):]
    return fields


def free_port():
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---- PNG (enough for one-bit and eight-bit grey images) -------------------------

def _chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff)


def png_encode(rows):
    """A one-bit grey PNG of rows (lists of 0 white / 1 black, all the same length)."""
    height, width = len(rows), len(rows[0])
    raw = bytearray()
    for row in rows:
        raw.append(0)
        line = bytearray((width + 7) // 8)
        for x, black in enumerate(row):
            if not black:
                line[x // 8] |= 0x80 >> (x % 8)
        raw += line
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", zlib.compress(bytes(raw)))
            + _chunk(b"IEND", b""))


def _paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def png_decode(data):
    """The rows of a non-interlaced grey PNG (bit depth 1, 2, 4 or 8) as lists of 0 white / 1 black (grey < 128)."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, idat, ihdr = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    width, height, depth, ctype, _, _, interlace = ihdr
    if ctype != 0 or interlace != 0 or depth not in (1, 2, 4, 8):
        raise ValueError("only non-interlaced grey PNGs are read here")
    raw = zlib.decompress(idat)
    stride = (width * depth + 7) // 8
    bpp = max(1, depth // 8)
    prev = bytearray(stride)
    rows, pos = [], 0
    for _ in range(height):
        ftype, line = raw[pos], bytearray(raw[pos + 1:pos + 1 + stride])
        pos += 1 + stride
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            line[i] = (line[i] + (0, a, b, (a + b) // 2, _paeth(a, b, c))[ftype]) & 0xff
        prev = line
        maximum = (1 << depth) - 1
        row = []
        for x in range(width):
            bit = x * depth
            value = (line[bit // 8] >> (8 - depth - bit % 8)) & maximum
            row.append(1 if value * 255 // maximum < 128 else 0)
        rows.append(row)
    return rows


def payload_rows(payload):
    """The rows of a stored message's print, as png_decode gives them: its payload's images top to bottom (sirius-codec unpack)."""
    with tempfile.TemporaryDirectory(prefix="sirius-unpack-") as out:
        run = subprocess.run([CODEC, "unpack", "-", "--out", out], input=base64.b64encode(payload).decode() + "\n",
                             capture_output=True, text=True, timeout=60)
        if run.returncode != 0:
            raise ValueError("sirius-codec unpack: " + run.stderr)
        rows = []
        for block in json.loads(run.stdout)["blocks"]:
            with open(block["file"], "rb") as f:
                rows += png_decode(f.read())
    return rows


def pattern_rows(width, height, seed=1):
    """A test picture: a frame, a diagonal and some seeded noise, with a black first pixel."""
    rows = []
    state = seed
    for y in range(height):
        row = []
        for x in range(width):
            state = (state * 1103515245 + 12345) & 0x7fffffff
            edge = x in (0, width - 1) or y in (0, height - 1)
            row.append(1 if edge or x == (y * 3) % width or (state >> 16) % 7 == 0 else 0)
        rows.append(row)
    return rows


# ---- libsodium, to check a stored password hash the way the web UI will -----------

def sodium_verify(password_hash, password):
    """True when libsodium's crypto_pwhash_str_verify accepts password for password_hash."""
    name = ctypes.util.find_library("sodium") or "libsodium.so.23"
    sodium = ctypes.CDLL(name)
    if sodium.sodium_init() < 0:
        raise RuntimeError("sodium_init failed")
    return sodium.crypto_pwhash_str_verify(password_hash.encode(), password.encode(),
                                           ctypes.c_ulonglong(len(password.encode()))) == 0


# ---- running programs and waiting for their output --------------------------------

class Program:
    """A running program whose stdout and stderr lines are collected by threads, to be waited for."""

    def __init__(self, args, env, cwd=None):
        self.args = args
        self.proc = subprocess.Popen(args, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True, bufsize=1)
        self.lines = queue.Queue()
        self.seen = []      # lines read while waiting for something else, still to be matched
        self.history = []   # every line read, for failure messages
        self.threads = [threading.Thread(target=self._pump, args=(stream, tag), daemon=True)
                        for stream, tag in ((self.proc.stdout, "out"), (self.proc.stderr, "err"))]
        for t in self.threads:
            t.start()

    def _pump(self, stream, tag):
        for line in stream:
            self.lines.put((tag, line.rstrip("\n")))

    def wait_for(self, pattern, timeout=20, stream=None):
        """The first match of the regular expression pattern in a line not yet consumed; fails after timeout."""
        deadline = time.monotonic() + timeout
        regex = re.compile(pattern)
        for tag, line in self.seen:
            if (stream is None or stream == tag) and regex.search(line):
                self.seen.remove((tag, line))
                return regex.search(line)
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("%s: no line matching %r within %ss; got:\n%s"
                                     % (os.path.basename(self.args[0]), pattern, timeout, self.transcript()))
            try:
                tag, line = self.lines.get(timeout=min(left, 0.2))
            except queue.Empty:
                if self.proc.poll() is not None and self.lines.empty():
                    for t in self.threads:
                        t.join(timeout=1)
                    if self.lines.empty():
                        raise AssertionError("%s exited with %s before printing %r; got:\n%s"
                                             % (os.path.basename(self.args[0]), self.proc.returncode,
                                                pattern, self.transcript()))
                continue
            self.history.append((tag, line))
            if (stream is None or stream == tag) and regex.search(line):
                return regex.search(line)
            self.seen.append((tag, line))

    def transcript(self):
        return "\n".join("%s: %s" % item for item in self.history)

    def stop(self, sig=None, timeout=10):
        """Ends the program (SIGTERM unless sig is given) and returns its exit status."""
        if self.proc.poll() is None:
            if sig is None:
                self.proc.terminate()
            else:
                self.proc.send_signal(sig)
        try:
            status = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            status = self.proc.wait()
        for t in self.threads:
            t.join(timeout=5)
        while not self.lines.empty():
            tag, line = self.lines.get()
            self.history.append((tag, line))
            self.seen.append((tag, line))
        self.proc.stdout.close()
        self.proc.stderr.close()
        return status


# ---- claim codes and addresses (PROTOCOL.md section 5), to check what the programs print ----

CLAIM_ALPHABET = "0123456789bcdefghjkmnopqrstvwxyz"


def crc16_ccitt(data):
    crc = 0xffff
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) & 0xffff if crc & 0x8000 else (crc << 1) & 0xffff
    return crc


def claim_code_decode(text):
    """(hardware_xor, secret) of a canonical code with or without dashes; raises ValueError when invalid."""
    digits = text.replace("-", "")
    if len(digits) != 16:
        raise ValueError("not 16 digits")
    value = 0
    for ch in digits:
        value = value * 32 + CLAIM_ALPHABET.index(ch)
    low = value & (2 ** 64 - 1)
    if value >> 64 != crc16_ccitt(low.to_bytes(8, "little")):
        raise ValueError("bad checksum")
    return value & 0xffffff, (value >> 24) & (2 ** 40 - 1)


def claim_code_encode(hardware_xor, secret):
    """The code of a xor and a secret as shown: four groups of four digits joined by dashes."""
    low = secret << 24 | hardware_xor
    value = crc16_ccitt(low.to_bytes(8, "little")) << 64 | low
    digits = ""
    for _ in range(16):
        digits = CLAIM_ALPHABET[value % 32] + digits
        value //= 32
    return "-".join(digits[i:i + 4] for i in range(0, 16, 4))


def hardware_xor(address):
    """The 24-bit hardware xor of a device address."""
    b = bytes.fromhex(address)[::-1]
    return (b[2] ^ b[4] ^ b[7]) << 16 | (b[1] ^ b[3] ^ b[6]) << 8 | (b[0] ^ b[5])
