"""stack_helpers.py: the end-to-end flows every deployment must pass (run.sh with lighttpd, Apache), and the bridge handshake checks."""
import base64
import os
import re
import socket
import sqlite3
import subprocess
import tempfile
import time

import fake_helpers as fh
import harness
import wsclient

BUILD = os.path.abspath(harness.BUILD)
SOURCE = os.path.abspath(harness.SOURCE)
FAKE = os.path.join(BUILD, "tools", "sirius-fake")
CONFIG = os.path.join(BUILD, "tools", "sirius-config")


def raw_handshake(port, protocol="bergcloud-bridge-v1", host_header="127.0.0.1", connection="Upgrade"):
    """
    Sends the opening handshake as the bridge's ws4py 0.3.3 client does (Host
    is the bare IP address the bridge resolved) and returns (socket, key,
    reply bytes up to the blank line).
    """
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    key = base64.b64encode(os.urandom(16)).decode()
    lines = ["GET /api/v1/connection HTTP/1.1", "Host: %s" % host_header, "Upgrade: websocket",
             "Connection: %s" % connection, "Sec-WebSocket-Key: %s" % key, "Sec-WebSocket-Version: 13"]
    if protocol:
        lines.append("Sec-WebSocket-Protocol: %s" % protocol)
    sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
    reply = b""
    while b"\r\n\r\n" not in reply:
        chunk = sock.recv(4096)
        if not chunk:
            break
        reply += chunk
        if len(reply) > 65536:
            break
    return sock, key, reply.partition(b"\r\n\r\n")[0] + b"\r\n\r\n"


def check_bridge_reply(test, key, raw, protocol="bergcloud-bridge-v1"):
    """
    Asserts the handshake reply is one a real bridge accepts (PROTOCOL.md 1):
    "HTTP/1.1 101 <reason>", one Upgrade header "websocket", one Connection
    header exactly "upgrade" (case aside), the right Sec-WebSocket-Accept and
    the subprotocol when one was offered.
    """
    reply = wsclient.HandshakeReply(raw)
    test.assertRegex(reply.status_line, r"^HTTP/1\.1 101 \S", raw)
    connection = [v for n, v in reply.header_list if n.strip().lower() == "connection"]
    upgrade = [v for n, v in reply.header_list if n.strip().lower() == "upgrade"]
    test.assertEqual(len(connection), 1, "Connection headers in %r" % raw)
    test.assertEqual(connection[0].strip().lower(), "upgrade", "ws4py refuses %r" % raw)
    test.assertEqual(len(upgrade), 1, raw)
    test.assertEqual(upgrade[0].strip().lower(), "websocket", raw)
    test.assertEqual(reply.headers.get("sec-websocket-accept"), wsclient.accept_for(key), raw)
    if protocol:
        test.assertEqual(reply.headers.get("sec-websocket-protocol"), protocol, raw)
    else:
        test.assertNotIn("sec-websocket-protocol", reply.headers, raw)


def write_frame(sock, opcode, payload):
    """Sends one masked frame (payload shorter than 126 bytes)."""
    mask = os.urandom(4)
    head = bytes([0x80 | opcode, 0x80 | len(payload)]) + mask
    sock.sendall(head + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))


def read_frame(sock):
    """(opcode, payload) of the next frame from the server (unmasked, any length)."""
    def exact(n):
        data = b""
        while len(data) < n:
            chunk = sock.recv(n - len(data))
            if not chunk:
                raise wsclient.Closed(None)
            data += chunk
        return data
    b0, b1 = exact(2)
    length = b1 & 0x7F
    if length == 126:
        length = int.from_bytes(exact(2), "big")
    elif length == 127:
        length = int.from_bytes(exact(8), "big")
    return b0 & 0x0F, exact(length)


def sqlite_query(db, sql, *args):
    with sqlite3.connect(db, timeout=10) as conn:
        return conn.execute(sql, args).fetchall()


def form_fields(html):
    """The names of the input, select and textarea fields of the first form in html, and its action."""
    form = re.search(r"<form[^>]*>(.*?)</form>", html, re.S)
    if not form:
        return None, []
    action = re.search(r'action="([^"]*)"', form.group(0))
    names = re.findall(r'<(?:input|select|textarea)[^>]*name="([^"]+)"', form.group(1))
    return (action.group(1) if action else None), names


class StackFlows:
    """
    The flows a deployment must pass, as a unittest mixin. The class using it
    sets, in setUpClass: port (the web server's plain-http port), env (for
    sirius-fake: SIRIUS_VAR, SIRIUS_DB, SIRIUS_RELAY_SOCKET), db, and a
    classmethod-free logs() method giving the servers' logs.
    """

    port = None
    env = None
    db = None

    def logs(self):
        return ""

    def client(self):
        return harness.Client(self.port)

    def fake(self, *args, cwd=None):
        run = subprocess.run([FAKE, *args], env=self.env, cwd=cwd, capture_output=True, text=True, timeout=60)
        self.assertEqual(run.returncode, 0, "sirius-fake %s: %s%s" % (" ".join(args), run.stdout, run.stderr))
        return run

    def signup(self, name, password="correct horse battery"):
        client = self.client()
        response = client.post_form("/signup", "/signup", {"username": name, "password": password})
        self.assertEqual(response.status, 303, "%r\n%s" % (response, self.logs()[-3000:]))
        return client

    # ---- accounts -----------------------------------------------------------

    def test_signup_login_logout(self):
        client = self.signup("stack_alice", "a long password")
        home = client.get("/")
        self.assertEqual(home.status, 200, home)
        self.assertIn("stack_alice", home.text)
        self.assertEqual(client.post("/logout").status, 303)
        self.assertNotIn("stack_alice", client.get("/").text)
        response = client.post_form("/login", "/login", {"username": "stack_alice", "password": "a long password"})
        self.assertEqual(response.status, 303, response)
        self.assertIn("stack_alice", client.get("/").text)
        wrong = self.client().post_form("/login", "/login", {"username": "stack_alice", "password": "not it at all"})
        self.assertNotEqual(wrong.status, 303)

    def test_static_and_api_paths(self):
        client = self.client()
        css = client.get("/static/sirius.css")
        self.assertEqual(css.status, 200, css)
        self.assertTrue(css.header("Content-Type").startswith("text/css"), css.headers)
        api = client.get("/printkey/no-such-endpoint-here")
        self.assertEqual(api.status, 404, api)
        self.assertTrue(api.header("Content-Type").startswith("application/json"), api.headers)

    # ---- the bridges' websocket -------------------------------------------------

    def test_bridge_handshake_through_the_proxy(self):
        for protocol in ("bergcloud-bridge-v1", None):
            for connection in ("Upgrade", "keep-alive, Upgrade"):
                sock, key, raw = raw_handshake(self.port, protocol=protocol, connection=connection)
                try:
                    check_bridge_reply(self, key, raw, protocol)
                    # both directions pass the proxy: a ping is answered with a pong
                    write_frame(sock, wsclient.OP_PING, b"stack")
                    while True:
                        opcode, payload = read_frame(sock)
                        if opcode == wsclient.OP_PONG:
                            break
                    self.assertEqual(payload, b"stack")
                    write_frame(sock, wsclient.OP_CLOSE, (1000).to_bytes(2, "big"))
                finally:
                    sock.close()

    def test_claim_and_print_with_an_emulated_bridge(self):
        work = tempfile.mkdtemp(prefix="sirius-stack-")
        client = self.signup("stack_bob")
        printer = fh.parse_printer_file(self.fake("printer", cwd=work).stdout)
        address = printer["address"]
        out = os.path.join(work, "out")
        os.mkdir(out)
        emulator = fh.Program([FAKE, "emulate", os.path.join(work, address + ".printer"),
                               "ws://127.0.0.1:%d/api/v1/connection" % self.port, "--out", out,
                               "--key-interval", "1", "--heartbeat", "1"], self.env, cwd=work)
        self.addCleanup(emulator.stop)
        emulator.wait_for(r"^connected as bridge ", timeout=60)
        emulator.wait_for(r"^key requested for %s$" % address, timeout=60)

        # the claim: through the web UI's form when it has one, else as the web UI would
        claim = client.get("/claim")
        action, names = form_fields(claim.text) if claim.status == 200 else (None, [])
        if action and any("code" in n for n in names):
            fields = {}
            for name in names:
                if "code" in name:
                    fields[name] = printer["claim code"]
                elif "name" in name:
                    fields[name] = "Desk"
            response = client.post(action, fields)
            self.assertIn(response.status, (200, 303), "%r\n%s" % (response, self.logs()[-3000:]))
        else:
            self.fake("claim", address, "stack_bob", printer["claim code"], "Desk")
        emulator.wait_for(r"^key accepted$", timeout=60)

        # a print reaches the emulator through the web server's websocket proxy
        rows = fh.pattern_rows(384, 40, seed=3)
        image = os.path.join(work, "in.png")
        with open(image, "wb") as f:
            f.write(fh.png_encode(rows))
        # sent, or queued when the relay has yet to read the bridge's answer to the key: it prints either way
        run = self.fake("print", address, image, "--from", "Stack")
        message = re.search(r"^message (\d+) (?:sent to|queued for) %s\b" % address, run.stdout, re.M)
        self.assertIsNotNone(message, run.stdout)
        printed = emulator.wait_for(r"^printed %s -> (.*) \(384x40\)$" % message.group(1), timeout=60)
        with open(printed.group(1), "rb") as f:
            self.assertEqual(fh.png_decode(f.read()), rows)

        # the device-key API, as a script would print through it
        (printer_id,), = sqlite_query(self.db, "SELECT id FROM printers WHERE address = ?", address)
        secret = "stackkey%012d" % printer_id
        with sqlite3.connect(self.db, timeout=10) as conn:
            conn.execute("INSERT INTO device_keys (secret, printer_id, created) VALUES (?, ?, ?)",
                         (secret, printer_id, int(time.time())))
        response = self.client().request("POST", "/printkey/" + secret + "?from=Stack",
                                         body=b"<p>Hello from the API</p>",
                                         headers={"Content-Type": "text/html"})
        # 200 sent, or 202 queued behind the first print while its answer is on its way
        self.assertIn(response.status, (200, 202), "%r\n%s" % (response, self.logs()[-3000:]))
        emulator.wait_for(r"^printed \d+ -> ", timeout=60)
