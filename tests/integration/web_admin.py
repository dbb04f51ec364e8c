#!/usr/bin/env python3
"""web_admin.py: /admin with thousands of bridges (a fake relay), its accounts section, pages on a stopped relay, the per-account login lock, disabled accounts."""
import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import threading
import unittest

import fake_helpers as h
import harness

PASSWORD = "correct horse battery"
BRIDGES = 14000


class FakeRelay:
    """
    A control socket answering like sirius-relay (README, "Relay control
    protocol") with BRIDGES bridges known, every printer offline, counters
    and a bridge's logs: the /admin page of a big installation, without
    14,000 websockets.
    """

    def __init__(self, path):
        self.path = path
        self.bridges = [{"address": "%016x" % (0x000d6f0000000000 + i), "online": i % 3 == 0,
                         "connected_at": 1700000000 + i, "disconnected_at": 0, "sockets": 1, "power_ons": 1,
                         "model": "bridge-%d" % i, "firmware_version": "2.3.1", "ncp_version": "1",
                         "local_ip_address": "10.0.%d.%d" % (i // 250, i % 250), "mac_address": "",
                         "log_records": 3, "queued": 0, "in_flight": 0,
                         "devices": ["%016x" % (0x000d6f0100000000 + i)]} for i in range(BRIDGES)]
        self.server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.server.bind(path)
        self.server.listen(16)
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def answer(self, request):
        op = request.get("op")
        if op == "bridges":
            return {"ok": True, "bridges": self.bridges}
        if op == "counters":
            return {"ok": True, "counters": {"bridges_online": BRIDGES // 3, "bridges_known": BRIDGES,
                                             "deliveries_sent": 7, "control_requests": 12, "brand_new_counter": 5,
                                             "checkpoints": 31, "checkpoint_frames": 4096,
                                             "by_kind": {"heartbeat": 99, "power_on": 0}}}
        if op == "status":
            return {"ok": True, "devices": [{"address": d, "online": False, "bridge": "", "last_seen": 0}
                                            for d in request.get("devices", [])]}
        if op == "logs":
            return {"ok": True, "records": [{"received": 1700000000 + i, "created": 1700000000 + i, "levelno": 20,
                                             "levelname": "INFO", "name": "bridge", "message": "record %d" % i}
                                            for i in range(120)]}
        return {"ok": False, "error": "unknown op"}

    def _serve(self):
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            with conn:
                buf = b""
                while b"\n" not in buf:
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    buf += chunk
                if b"\n" in buf:
                    reply = json.dumps(self.answer(json.loads(buf.split(b"\n")[0]))).encode() + b"\n"
                    try:
                        conn.sendall(reply)
                    except OSError:
                        pass

    def close(self):
        self.server.close()


def close_checked(stack):
    """Stops the stack, then fails when its web programs logged a sanitizer report or a handler without a reply."""
    log = harness.read_text(stack.lighttpd_log)
    stack.close()
    for bad in ("failed without replying", "made no reply", "runtime error", "AddressSanitizer", "LeakSanitizer"):
        if bad in log:
            raise AssertionError("the web programs logged %r:\n%s" % (bad, log[-4000:]))


def signup(stack, name):
    client = stack.client()
    response = client.post_form("/signup", "/signup", {"username": name, "password": PASSWORD})
    assert response.status == 303, response
    return client


class AdminWithManyBridges(unittest.TestCase):
    """Regression (admin page fails): with 14,000 bridges known /admin answered 500 (template output over 8 MiB)."""

    @classmethod
    def setUpClass(cls):
        cls.stack = harness.Stack(relay=False)
        try:
            cls.relay = FakeRelay(cls.stack.socket)
            cls.root = signup(cls.stack, "root")
        except BaseException:
            cls.stack.close()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.relay.close()
        close_checked(cls.stack)

    def assertStatus(self, response, status):
        self.assertEqual(response.status, status, "%r\n%s" % (response, self.stack.logs()[-3000:]))

    def test_admin_page_with_14000_bridges_is_bounded(self):
        page = self.root.get("/admin")
        self.assertStatus(page, 200)
        self.assertLess(len(page.body), 256 * 1024)
        self.assertIn("Rows 1 to 50 of 14000", page.text)
        self.assertIn("%d online." % len([b for b in self.relay.bridges if b["online"]]), page.text)
        self.assertEqual(len(re.findall(r"/admin\?bridge=[0-9a-f]{16}#logs", page.text)), 50)
        nxt = re.search(r'href="(/admin\?bridges_page=2#bridges)" rel="next"', page.text)
        self.assertIsNotNone(nxt, page.text[-4000:])
        last = self.root.get("/admin?bridges_page=280")
        self.assertStatus(last, 200)
        self.assertIn("Rows 13951 to 14000 of 14000", last.text)
        self.assertNotIn('rel="next"', last.text.split('id="bridges"')[1].split("</section>")[0])
        beyond = self.root.get("/admin?bridges_page=999999")
        self.assertStatus(beyond, 200)
        self.assertIn("page 280 of 280", beyond.text)
        self.assertStatus(self.root.get("/admin?bridges_page=0"), 400)

    def test_logs_are_paged_and_keep_the_other_pages(self):
        bridge = self.relay.bridges[5]["address"]
        page = self.root.get("/admin?bridges_page=3&bridge=%s" % bridge)
        self.assertStatus(page, 200)
        self.assertIn("Logs of <code>%s</code>" % bridge, page.text)
        self.assertIn("Rows 1 to 50 of 120", page.text)
        self.assertIn("record 49", page.text)
        self.assertNotIn("record 50<", page.text)
        self.assertIn('href="/admin?bridge=%s&amp;bridges_page=3&amp;logs_page=2#logs"' % bridge, page.text)

    def test_counters_are_grouped_in_words(self):
        page = self.root.get("/admin")
        counters = page.text.split('id="counters"')[1].split("</section>")[0]
        for words in ("<h3>Bridges and printers now</h3>", "bridges connected", "<h3>Prints and keys</h3>",
                      "prints handed to bridges", "<h3>Messages from bridges by kind</h3>", "heartbeat",
                      "<h3>Other</h3>", "brand_new_counter", "<h3>Database and control socket</h3>",
                      "checkpoints: the write-ahead log copied into the database", "pages of log copied by checkpoints"):
            self.assertIn(words, counters)
        self.assertNotIn("power_on", counters)  # kinds never received are left out

    def test_printers_show_names_and_owners(self):
        run = subprocess.run([h.FAKE, "printer"], env=self.stack.env, cwd=self.stack.var, capture_output=True,
                             text=True, timeout=60)
        printer = h.parse_printer_file(run.stdout)
        owner = signup(self.stack, "printerowner")
        owner.get("/claim")
        self.assertStatus(owner.post("/claim", {"claim_code": printer["claim code"], "printer_name": "Hall shelf"}),
                          303)
        printers = self.root.get("/admin").text.split('id="printers"')[1].split("</section>")[0]
        row = [r for r in printers.split("<tr>") if printer["address"] in r]
        self.assertEqual(len(row), 1, printers)
        self.assertIn("Hall shelf", row[0])
        self.assertIn("printerowner", row[0])
        self.assertIn("offline", row[0])


class AdminAccounts(unittest.TestCase):
    """The accounts section of /admin: making administrators, disabling, never the last administrator."""

    @classmethod
    def setUpClass(cls):
        cls.stack = harness.Stack()
        try:
            cls.root = signup(cls.stack, "boss")
        except BaseException:
            cls.stack.close()
            raise

    @classmethod
    def tearDownClass(cls):
        close_checked(cls.stack)

    def user_id(self, name):
        with sqlite3.connect(self.stack.db) as conn:
            return conn.execute("SELECT id FROM users WHERE name = ?", (name,)).fetchone()[0]

    def act(self, client, name, action):
        client.get("/admin")
        return client.post("/admin/user/%d" % self.user_id(name), {"action": action})

    def test_users_section_actions(self):
        worker = signup(self.stack, "worker")
        page = self.root.get("/admin")
        self.assertIn('action="/admin/user/%d"' % self.user_id("worker"), page.text)
        # the last enabled administrator stays one
        response = self.act(self.root, "boss", "unmake_admin")
        self.assertEqual(response.status, 303)
        self.assertIn("boss is the last enabled administrator", self.root.get("/admin").text)
        # without the form's token nothing happens
        response = self.root.post("/admin/user/%d" % self.user_id("worker"), {"action": "make_admin"}, csrf=False)
        self.assertEqual(response.status, 403)
        self.assertEqual(self.act(self.root, "worker", "make_admin").status, 303)
        page = self.root.get("/admin")
        self.assertIn("worker is now an administrator.", page.text)
        self.assertNotIn("worker is now an administrator.", self.root.get("/admin").text)  # shown once
        self.assertEqual(worker.get("/admin").status, 200)
        # an ordinary user may not
        plain = signup(self.stack, "plain")
        plain.get("/")
        self.assertEqual(plain.post("/admin/user/%d" % self.user_id("worker"), {"action": "disable"}).status, 403)
        # disabling signs the account out and keeps it out
        self.assertEqual(self.act(self.root, "plain", "disable").status, 303)
        self.assertIn("plain is disabled", self.root.get("/admin").text)
        self.assertEqual(plain.get("/").status, 200)
        self.assertNotIn("Hello, plain", plain.get("/").text)
        again = self.stack.client()
        response = again.post_form("/login", "/login", {"username": "plain", "password": PASSWORD})
        self.assertEqual(response.status, 403)
        self.assertIn("This account is disabled", response.text)
        self.assertEqual(self.act(self.root, "plain", "enable").status, 303)
        self.assertEqual(again.post_form("/login", "/login", {"username": "plain", "password": PASSWORD}).status, 303)
        self.assertEqual(self.act(self.root, "plain", "explode").status, 400)

    def test_disabled_account_keys_are_refused(self):
        owner = signup(self.stack, "keyowner")
        run = subprocess.run([h.FAKE, "printer"], env=self.stack.env, cwd=self.stack.var, capture_output=True,
                             text=True, timeout=60)
        printer = h.parse_printer_file(run.stdout)
        owner.get("/claim")
        self.assertEqual(owner.post("/claim", {"claim_code": printer["claim code"], "printer_name": "Keyed"}).status,
                         303)
        pid = int(printer["DB id"])
        owner.get("/printer/%d" % pid)
        self.assertEqual(owner.post("/printer/%d/printkey/add" % pid, {}).status, 303)
        home = owner.get("/")
        owner.post("/apikey", {})
        with sqlite3.connect(self.stack.db) as conn:
            key = conn.execute("SELECT secret FROM device_keys WHERE printer_id = ?", (pid,)).fetchone()[0]
            api_key = conn.execute("SELECT api_key FROM users WHERE name = 'keyowner'").fetchone()[0]
        self.assertIsNotNone(home)
        api = self.stack.client()
        self.assertEqual(api.get("/printkey/%s" % key, headers={"Accept": "application/json"}).status, 200)
        self.assertEqual(self.act(self.root, "keyowner", "disable").status, 303)
        refused = api.get("/printkey/%s" % key, headers={"Accept": "application/json"})
        self.assertEqual(refused.status, 403, refused)
        self.assertIn("disabled", json.loads(refused.text)["error"])
        body = json.dumps({"message": "<p>x</p>", "face": "default"}).encode()
        ext = api.request("POST", "/ext_api/v1/printer/%d/print_html" % pid, body=body,
                          headers={"Content-Type": "application/json", "Authorization": "Bearer " + api_key})
        self.assertEqual(ext.status, 403, ext)


class PagesOnAStoppedRelay(unittest.TestCase):
    """Regression (web pages hang on a stopped relay): every page asking the relay waited its 5 s timeout."""

    def test_pages_on_a_stopped_relay_say_unknown(self):
        stack = harness.Stack()
        self.addCleanup(close_checked, stack)
        client = signup(stack, "patient")
        run = subprocess.run([h.FAKE, "printer"], env=stack.env, cwd=stack.var, capture_output=True, text=True,
                             timeout=60)
        printer = h.parse_printer_file(run.stdout)
        client.get("/claim")
        self.assertEqual(client.post("/claim", {"claim_code": printer["claim code"], "printer_name": "Frozen"}).status,
                         303)
        relay = stack.procs[0]
        os.kill(relay.pid, signal.SIGSTOP)
        self.addCleanup(os.kill, relay.pid, signal.SIGCONT)
        # A page that waited the old 5 s would not answer within this deadline (generous for the 300 ms kept).
        quick = harness.Client(stack.port)
        quick.cookies = dict(client.cookies)
        for path in ("/", "/printer/%s" % printer["DB id"]):
            response = quick.request("GET", path, timeout=4.5)
            self.assertEqual(response.status, 200)
            self.assertIn("status unknown", response.text)
            self.assertNotIn("last seen 20", response.text)
        admin = quick.request("GET", "/admin", timeout=4.5)
        self.assertEqual(admin.status, 200)
        self.assertIn("The relay cannot be reached right now", admin.text)
        self.assertIn("Frozen", admin.text)  # what the database knows is still shown
        metrics = quick.request("GET", "/metrics", timeout=4.5)
        self.assertIn("sirius_relay_up 0", metrics.text)


class LoginLock(unittest.TestCase):
    """Accounts: the per-account login limit across addresses, its lock and what the owner is told."""

    @classmethod
    def setUpClass(cls):
        cls.stack = harness.Stack(relay=False)
        try:
            signup(cls.stack, "someadmin")
        except BaseException:
            cls.stack.close()
            raise

    @classmethod
    def tearDownClass(cls):
        close_checked(cls.stack)

    def login(self, name, password, address):
        """
        A sign-in from address (a loopback address the request is sent
        from: lighttpd gives it to sirius-web as the remote address): the
        response. The visitor's CSRF token of one sign-in form serves every
        attempt, as a browser keeps its cookie.
        """
        client = harness.Client(self.stack.port, source=address)
        if not hasattr(self, "token"):
            self.token = client.get("/login").cookie("sirius_csrf")["value"]
        client.cookies = {"sirius_csrf": self.token}
        return client.post("/login", {"username": name, "password": password, "csrf_token": self.token},
                           csrf=False)

    def page(self, session, address):
        """The home page for a signed-in session from address."""
        client = harness.Client(self.stack.port, source=address)
        client.cookies = {"sirius_session": session}
        return client.get("/")

    def test_login_locks_an_account_across_addresses(self):
        signup(self.stack, "target")
        home = "127.0.1.9"
        self.assertEqual(self.login("target", PASSWORD, home).status, 303)  # the owner's usual address
        # four strangers' addresses, each under its own limit of 5 for the name
        for n in range(20):
            response = self.login("target", "wrong guess %d" % n, "127.0.2.%d" % (n // 5 + 1))
            self.assertEqual(response.status, 403, response)
        locked = self.login("target", PASSWORD, "127.0.2.77")
        self.assertEqual(locked.status, 429)
        self.assertIn("This account is locked", locked.text)
        self.assertTrue(1 <= int(locked.header("Retry-After")) <= 900)
        # a name that has no account is locked the same way: the lock says nothing about who exists
        for n in range(20):
            self.login("ghost", "guess %d" % n, "127.0.2.%d" % (n // 5 + 10))
        self.assertIn("This account is locked", self.login("ghost", "guess", "127.0.2.99").text)
        # the per-address limit still comes first
        limited = self.login("target", PASSWORD, "127.0.2.1")
        self.assertEqual(limited.status, 429)
        self.assertIn("from this address", limited.text)
        # the owner, from where they last signed in, is not locked out, and is told
        ok = self.login("target", PASSWORD, home)
        self.assertEqual(ok.status, 303, ok)
        session = ok.cookie("sirius_session")["value"]
        self.assertIn("there were 20 failed sign-ins to your account", self.page(session, home).text)
        self.assertNotIn("failed sign-ins", self.page(session, home).text)  # told once

    def test_account_lock_is_bounded(self):
        signup(self.stack, "bounded")
        for n in range(20):
            self.login("bounded", "wrong %d" % n, "127.0.3.%d" % (n // 5 + 1))
        self.assertEqual(self.login("bounded", PASSWORD, "127.0.3.50").status, 429)
        # the lock lasts the window of the failures that made it (moved into the past here, not waited for)
        with sqlite3.connect(self.stack.db) as conn:
            conn.execute("UPDATE login_attempts SET time = time - 901 WHERE name = 'bounded'")
        self.assertEqual(self.login("bounded", PASSWORD, "127.0.3.50").status, 303)


if __name__ == "__main__":
    unittest.main(verbosity=2)
