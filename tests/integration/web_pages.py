#!/usr/bin/env python3
"""web_pages.py: the web UI through real lighttpd, the relay and sirius-fake emulate: claim, print, history, keys, friends, admin, stats."""
import os
import re
import signal
import sqlite3
import time
import unittest

import fake_helpers as h
import harness

PASSWORD = "correct horse battery"


class WebPages(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.stack = harness.Stack()
        cls.out = os.path.join(cls.stack.var, "out")
        os.mkdir(cls.out)
        cls.root = cls.signup_class("root")  # the first account is an administrator

    @classmethod
    def tearDownClass(cls):
        log = harness.read_text(cls.stack.lighttpd_log)
        cls.stack.close()
        for bad in ("does not declare", "failed without replying", "made no reply", "runtime error",
                    "AddressSanitizer", "LeakSanitizer"):
            if bad in log:
                raise AssertionError("the web programs logged %r:\n%s" % (bad, log[-4000:]))

    # ---- helpers ---------------------------------------------------------------

    @classmethod
    def signup_class(cls, name):
        client = cls.stack.client()
        response = client.post_form("/signup", "/signup", {"username": name, "password": PASSWORD})
        assert response.status == 303, response
        return client

    def signup(self, name):
        return self.signup_class(name)

    def assertStatus(self, response, status):
        self.assertEqual(response.status, status, "%r\n%s" % (response, self.stack.logs()[-3000:]))

    def fake(self, *args):
        run = subprocess_run([h.FAKE, *args], self.stack.env, self.stack.var)
        self.assertEqual(run.returncode, 0, run.stdout + run.stderr)
        return run

    def new_printer(self):
        """A printer made by sirius-fake: its fields and the path of its printer file."""
        printer = h.parse_printer_file(self.fake("printer").stdout)
        printer["file"] = os.path.join(self.stack.var, printer["address"] + ".printer")
        return printer

    def emulate(self, printer, key_interval=1):
        """An emulated bridge and printer connected to the relay through lighttpd."""
        program = h.Program([h.FAKE, "emulate", printer["file"],
                             "ws://127.0.0.1:%d/api/v1/connection" % self.stack.port, "--out", self.out,
                             "--key-interval", str(key_interval), "--heartbeat", "1"],
                            self.stack.env, cwd=self.stack.var)
        self.addCleanup(program.stop)
        program.wait_for(r"^connected as bridge ")
        return program

    def claim(self, client, printer, name="Desk", status=303):
        client.get("/claim")
        response = client.post("/claim", {"claim_code": printer["claim code"], "printer_name": name})
        self.assertStatus(response, status)
        return response

    def printer_id(self, printer):
        return int(printer["DB id"])

    def query(self, sql, *args):
        with sqlite3.connect(self.stack.db) as conn:
            return conn.execute(sql, args).fetchall()

    def wait_for_page(self, client, path, needle, timeout=20):
        deadline = time.monotonic() + timeout
        while True:
            response = client.get(path)
            if needle in response.text:
                return response
            if time.monotonic() > deadline:
                self.fail("%r never showed %r:\n%s" % (path, needle, response.text[-3000:]))
            time.sleep(0.3)

    def online_printer(self, owner, name="Desk"):
        """A printer claimed by owner, emulated and holding its key: (printer, emulator, id)."""
        printer = self.new_printer()
        self.claim(owner, printer, name)
        emulator = self.emulate(printer)
        emulator.wait_for(r"^key accepted$", timeout=20)
        self.stack.wait_key_accepted(printer["address"])
        return printer, emulator, self.printer_id(printer)

    # ---- claiming --------------------------------------------------------------

    def test_claim_validation_messages(self):
        alice = self.signup("claim_alice")
        printer = self.new_printer()
        self.assertStatus(alice.get("/claim"), 200)
        code = printer["claim code"]
        bad_crc = code[:-1] + ("0" if code[-1] != "0" else "1")
        for value, status, needle in (("abc", 400, "16 characters"),
                                      ("aaaa-aaaa-aaaa-aaaa", 400, "character that cannot be in one"),
                                      (bad_crc, 400, "is not right")):
            response = alice.post("/claim", {"claim_code": value, "printer_name": "Kitchen"})
            self.assertStatus(response, status)
            self.assertIn(needle, response.text)
            self.assertIn('value="%s"' % value, response.text)
            self.assertIn('value="Kitchen"', response.text)
        response = alice.post("/claim", {"claim_code": code})
        self.assertStatus(response, 400)
        self.assertIn("printer name is missing", response.text)
        self.assertIn('value="%s"' % code, response.text)
        # signed out: sent to sign in
        self.assertEqual(self.stack.client().get("/claim").status, 303)

        self.claim(alice, printer, "Kitchen")
        self.assertIn("Kitchen", alice.get("/").text)
        bob = self.signup("claim_bob")
        response = self.claim(bob, printer, "Mine now", status=409)
        self.assertIn("used by another account", response.text)
        # another code for the same printer (same hardware xor): the printer is someone else's
        xor, secret = h.claim_code_decode(code)
        other = h.claim_code_encode(xor, (secret + 1) % (2 ** 40))
        bob.get("/claim")
        response = bob.post("/claim", {"claim_code": other, "printer_name": "Mine now"})
        self.assertStatus(response, 409)
        self.assertIn("belongs to another account", response.text)

    def test_claim_before_the_printer_is_online(self):
        owner = self.signup("early")
        printer = self.new_printer()
        self.claim(owner, printer)
        emulator = self.emulate(printer)
        emulator.wait_for(r"^key accepted$", timeout=20)

    def test_claim_while_online_pushes_the_key_at_once(self):
        owner = self.signup("late")
        printer = self.new_printer()
        emulator = self.emulate(printer, key_interval=3600)  # asks once, at connection
        emulator.wait_for(r"^key requested for %s$" % printer["address"])
        self.assertNotIn("key accepted", emulator.transcript())
        # the relay must know the device is online before the claim for the push to reach it
        deadline = time.monotonic() + 10
        while not self.device_online(printer["address"]) and time.monotonic() < deadline:
            time.sleep(0.2)
        self.claim(owner, printer)
        emulator.wait_for(r"^key accepted$", timeout=5)
        self.wait_for_page(owner, "/", "status online")

    def device_online(self, address):
        return 'status online' in self.root.get("/admin").text and address in self.root.get("/admin").text

    # ---- printing --------------------------------------------------------------

    def test_print_preview_history_reprint(self):
        owner = self.signup("printer_owner")
        printer, emulator, pid = self.online_printer(owner)
        page = owner.get("/printer/%d/print" % pid)
        self.assertStatus(page, 200)
        self.assertIn('name="message"', page.text)
        self.assertIn('src="/static/print.js"', page.text)
        fields = {"message": "Hello <b>world</b>\nfrom the web", "face": "default", "format": "auto",
                  "target_printer": str(pid)}
        preview = owner.post("/printer/%d/preview" % pid, fields)
        self.assertStatus(preview, 200)
        self.assertEqual(preview.header("Content-Type"), "image/png")
        expected = h.png_decode(preview.body)
        self.assertEqual(len(expected[0]), 384)
        # the preview without JavaScript: the same bitmap inside the page
        inline = owner.post("/printer/%d/print" % pid, dict(fields, action="preview"))
        self.assertStatus(inline, 200)
        self.assertIn('src="data:image/png;base64,', inline.text)
        self.assertIn("Hello &lt;b&gt;world&lt;/b&gt;", inline.text)  # the message kept, escaped

        response = owner.post("/printer/%d/print" % pid, dict(fields, action="send"))
        self.assertStatus(response, 200)
        self.assertIn("Sent to Desk", response.text)
        printed = emulator.wait_for(r"^printed (\d+) -> (.*) \(384x(\d+)\)$")
        message_id = int(printed.group(1))
        with open(printed.group(2), "rb") as f:
            self.assertEqual(h.png_decode(f.read()), expected)

        history = self.wait_for_page(owner, "/printer/%d" % pid, "printed at")
        self.assertIn("printer_owner", history.text)
        image = owner.get("/printer/%d/message/%d/bitmap.png" % (pid, message_id))
        self.assertStatus(image, 200)
        self.assertEqual(image.header("Content-Type"), "image/png")
        self.assertEqual(h.png_decode(image.body), expected)

        owner.get("/printer/%d" % pid)
        response = owner.post("/printer/%d/message/%d/reprint" % (pid, message_id))
        self.assertStatus(response, 303)
        # the page the redirect leads to says what happened, once
        self.assertIn("The message goes to the printer again", owner.get(response.header("Location")).text)
        self.assertNotIn("The message was sent again", owner.get("/printer/%d" % pid).text)
        again = emulator.wait_for(r"^printed (\d+) -> (.*) \(384x\d+\)$")
        self.assertGreater(int(again.group(1)), message_id)
        with open(again.group(2), "rb") as f:
            self.assertEqual(h.png_decode(f.read()), expected)
        self.assertStatus(owner.post("/printer/%d/message/%d/reprint" % (pid, 4000000)), 404)

        # no face, plain text chosen by hand
        response = owner.post("/printer/%d/print" % pid, {"message": "<not html>", "face": "none",
                                                           "format": "text", "action": "send"})
        self.assertStatus(response, 200)
        emulator.wait_for(r"^command \d+: set_delivery_and_print_no_face ")

    def test_print_form_errors(self):
        owner = self.signup("form_errors")
        printer = self.new_printer()
        self.claim(owner, printer)
        pid = self.printer_id(printer)
        owner.get("/printer/%d/print" % pid)
        for fields, status, needle in (({"message": ""}, 400, "message is missing"),
                                       ({"message": "x", "face": "sideways"}, 400, "face must be"),
                                       ({"message": "x", "format": "pdf"}, 400, "format must be"),
                                       ({"message": "x" * (1024 * 1024 + 10)}, 413, "the most this server prints"),
                                       ({"message": "<div>" * 200 + "deep"}, 422, "")):
            response = owner.post("/printer/%d/print" % pid, dict(fields, action="send"))
            self.assertStatus(response, status)
            self.assertIn(needle, response.text)
            self.assertIn('name="message"', response.text)
        # the printer is offline: the message is queued, the page says it prints when the printer is back
        response = owner.post("/printer/%d/print" % pid, {"message": "anyone there?", "action": "send"})
        self.assertStatus(response, 200)
        self.assertIn("it prints when the printer is online", response.text)
        page = owner.get("/printer/%d" % pid).text
        self.assertIn("queued: it prints when the printer is online", page)
        # the owner cancels it while it waits; a second cancel says it is not queued any more
        (mid,), = self.query("SELECT id FROM messages WHERE printer_id = ? AND status = 'queued'", pid)
        self.assertIn("/printer/%d/message/%d/cancel" % (pid, mid), page)
        response = owner.post("/printer/%d/message/%d/cancel" % (pid, mid), {})
        self.assertStatus(response, 303)
        self.assertEqual(self.query("SELECT status FROM messages WHERE id = ?", mid), [("cancelled",)])
        self.assertIn("cancelled at", owner.get("/printer/%d" % pid).text)
        response = owner.post("/printer/%d/message/%d/cancel" % (pid, mid), {})
        self.assertStatus(response, 409)
        self.assertIn("not queued any more", response.text)
        # a body over the route's limit
        body = b"message=" + b"x" * (5 * 1024 * 1024) + b"&csrf_token=" + owner.csrf_token.encode()
        response = owner.request("POST", "/printer/%d/print" % pid, body=body,
                                 headers={"Content-Type": "application/x-www-form-urlencoded"})
        self.assertStatus(response, 413)
        # a target the user may not print to
        stranger = self.signup("form_stranger")
        theirs = self.new_printer()
        self.claim(stranger, theirs)
        owner.get("/printer/%d/print" % pid)
        response = owner.post("/printer/%d/print" % pid, {"message": "hi", "target_printer": theirs["DB id"]})
        self.assertStatus(response, 400)
        self.assertIn("You may print only to", response.text)

    # ---- device keys, rename, forget ------------------------------------------------

    def test_printer_moved_to_another_bridge_by_its_owner(self):
        owner = self.signup("mover")
        printer = self.new_printer()
        self.claim(owner, printer)
        pid = self.printer_id(printer)
        # nothing waits: confirming is refused with a sentence
        response = owner.post("/printer/%d/bridge" % pid, {})
        self.assertStatus(response, 409)
        self.assertIn("No other bridge is waiting", response.text)
        # bound to one bridge, reported by another while it was silent (as the relay records it)
        self.query("UPDATE printers SET bridge = '000d6f00000000b1', moving_to = '000d6f00000000b2' WHERE id = ?", pid)
        page = owner.get("/printer/%d" % pid).text
        self.assertIn("<code>000d6f00000000b1</code>", page)
        self.assertIn("Move the printer to bridge 000d6f00000000b2", page)
        # a stranger cannot confirm it
        stranger = self.signup("not_the_mover")
        stranger.get("/")
        self.assertStatus(stranger.post("/printer/%d/bridge" % pid, {}), 404)
        response = owner.post("/printer/%d/bridge" % pid, {})
        self.assertStatus(response, 303)
        self.assertEqual(self.query("SELECT bridge, moving_to FROM printers WHERE id = ?", pid),
                         [("000d6f00000000b2", None)])
        self.assertNotIn("Move the printer to bridge", owner.get("/printer/%d" % pid).text)

    def test_keys_rename_forget(self):
        owner = self.signup("keyholder")
        printer = self.new_printer()
        self.claim(owner, printer)
        pid = self.printer_id(printer)
        page = owner.get("/printer/%d" % pid)
        self.assertIn("no device keys", page.text)
        self.assertStatus(owner.post("/printer/%d/printkey/add" % pid), 303)
        page = owner.get("/printer/%d" % pid)
        url = re.search(r"(http://[^<\"]+/printkey/([a-z0-9]{20}))", page.text)
        self.assertIsNotNone(url, page.text)
        (kid,), = self.query("SELECT id FROM device_keys WHERE secret = ?", url.group(2))
        confirm = owner.get("/printer/%d/printkey/%d/delete" % (pid, kid))
        self.assertStatus(confirm, 200)
        self.assertIn(url.group(2), confirm.text)
        self.assertStatus(owner.post("/printer/%d/printkey/%d/delete" % (pid, kid)), 400)
        self.assertEqual(len(self.query("SELECT id FROM device_keys WHERE id = ?", kid)), 1)
        self.assertStatus(owner.post("/printer/%d/printkey/%d/delete" % (pid, kid), {"confirm": "on"}), 303)
        self.assertEqual(self.query("SELECT id FROM device_keys WHERE id = ?", kid), [])
        self.assertStatus(owner.get("/printer/%d/printkey/%d/delete" % (pid, kid)), 404)

        owner.get("/printer/%d" % pid)
        response = owner.post("/printer/%d/rename" % pid, {"printer_name": ""})
        self.assertStatus(response, 400)
        response = owner.post("/printer/%d/rename" % pid, {"printer_name": "Hall <printer>"})
        self.assertStatus(response, 303)
        self.assertIn("Hall &lt;printer&gt;", owner.get("/printer/%d" % pid).text)

        self.assertStatus(owner.get("/printer/%d/forget" % pid), 200)
        self.assertStatus(owner.post("/printer/%d/forget" % pid), 400)
        self.assertStatus(owner.post("/printer/%d/forget" % pid, {"confirm": "on"}), 303)
        self.assertStatus(owner.get("/printer/%d" % pid), 404)
        self.assertEqual(self.query("SELECT owner_id FROM printers WHERE id = ?", pid), [(None,)])

    # ---- friends and strangers ---------------------------------------------------

    def test_friends_and_strangers(self):
        owner = self.signup("sharer")
        printer, emulator, pid = self.online_printer(owner, "Shared")
        owner.get("/printer/%d/print" % pid)
        owner.post("/printer/%d/print" % pid, {"message": "first", "action": "send"})
        message_id = int(emulator.wait_for(r"^printed (\d+) ").group(1))
        self.assertStatus(owner.post("/printer/%d/printkey/add" % pid), 303)
        (kid,), = self.query("SELECT id FROM device_keys WHERE printer_id = ?", pid)

        friend = self.signup("friendly")
        stranger = self.signup("stranger")
        owner_routes = [("GET", "/printer/%d/message/%d/bitmap.png" % (pid, message_id)),
                        ("POST", "/printer/%d/message/%d/reprint" % (pid, message_id)),
                        ("POST", "/printer/%d/printkey/add" % pid),
                        ("GET", "/printer/%d/printkey/%d/delete" % (pid, kid)),
                        ("POST", "/printer/%d/printkey/%d/delete" % (pid, kid)),
                        ("GET", "/printer/%d/forget" % pid),
                        ("POST", "/printer/%d/forget" % pid),
                        ("POST", "/printer/%d/rename" % pid)]
        print_routes = [("GET", "/printer/%d" % pid), ("GET", "/printer/%d/print" % pid),
                        ("POST", "/printer/%d/print" % pid), ("POST", "/printer/%d/preview" % pid)]

        def check(client, routes, status):
            client.get("/")
            for method, path in routes:
                fields = {"message": "sneaky", "confirm": "on", "printer_name": "Taken"}
                response = client.post(path, fields) if method == "POST" else client.get(path)
                self.assertEqual(response.status, status, (method, path, response))

        check(stranger, owner_routes + print_routes, 404)
        check(friend, owner_routes + print_routes, 404)

        owner.get("/friends")
        self.assertStatus(owner.post("/friends", {"username": "friendly"}), 303)
        friends = owner.get("/friends")
        self.assertIn("friendly", friends.text)
        self.assertStatus(owner.post("/friends", {"username": "nobody_at_all"}), 404)
        self.assertStatus(owner.post("/friends", {"username": "sharer"}), 400)

        home = friend.get("/")
        self.assertIn("Shared", home.text)
        self.assertIn("of sharer", home.text)
        page = friend.get("/printer/%d" % pid)
        self.assertStatus(page, 200)
        self.assertIn('name="message"', page.text)
        self.assertNotIn("Device keys", page.text)
        self.assertNotIn("Recent messages", page.text)
        self.assertNotIn("first", page.text)
        check(friend, owner_routes, 404)
        self.assertStatus(friend.post("/printer/%d/preview" % pid, {"message": "from a friend"}), 200)
        response = friend.post("/printer/%d/print" % pid, {"message": "from a friend", "action": "send"})
        self.assertStatus(response, 200)
        emulator.wait_for(r"^printed \d+ ")
        self.assertIn("friendly", self.wait_for_page(owner, "/printer/%d" % pid, "friendly").text)
        check(stranger, owner_routes + print_routes, 404)

        owner.get("/friends")
        self.assertStatus(owner.post("/friends", {"username": "friendly", "action": "remove"}), 303)
        self.assertNotIn("friendly", owner.get("/friends").text.split("Add a friend")[0].split("<main>")[1])
        check(friend, print_routes, 404)

    # ---- admin, stats, metrics ----------------------------------------------------

    def test_admin_and_personality(self):
        owner = self.signup("persona")
        printer, emulator, pid = self.online_printer(owner)
        page = self.wait_for_page(self.root, "/admin", printer["address"])
        bridge = re.search(r"/admin\?bridge=([0-9a-f]{16})", page.text).group(1)
        logs = self.root.get("/admin?bridge=%s" % bridge)
        self.assertStatus(logs, 200)
        self.assertIn("Logs of", logs.text)
        self.assertStatus(owner.get("/admin"), 403)
        self.assertEqual(self.stack.client().get("/admin").status, 303)

        files = [(name, name + ".png", "image/png", h.png_encode(h.pattern_rows(96, 40, seed=i + 1)))
                 for i, name in enumerate(("face", "nothing_to_print", "cannot_see_bridge", "cannot_see_internet"))]
        body, ctype = harness.multipart([("printer", printer["address"]), ("csrf_token", self.root.csrf_token)],
                                        files)
        response = self.root.request("POST", "/admin/personality", body=body, headers={"Content-Type": ctype})
        self.assertStatus(response, 200)
        self.assertIn("personality was sent", response.text)
        emulator.wait_for(r"^command \d+: set_personality with 4 image\(s\)$")
        # a file that is no image
        files[0] = ("face", "face.png", "image/png", b"not an image")
        body, ctype = harness.multipart([("printer", printer["address"]), ("csrf_token", self.root.csrf_token)],
                                        files)
        response = self.root.request("POST", "/admin/personality", body=body, headers={"Content-Type": ctype})
        self.assertStatus(response, 422)
        self.assertIn("cannot be read", response.text)

    def test_stats_and_metrics_access(self):
        # through lighttpd the client is on this machine: allowed without signing in
        stats = self.stack.client().get("/_/stats")
        self.assertStatus(stats, 200)
        self.assertTrue(stats.header("Content-Type").startswith("text/plain"))
        self.assertRegex(stats.text, r"(?m)^users: \d+$")
        self.assertRegex(stats.text, r"(?m)^messages_printed: \d+$")
        self.assertRegex(stats.text, r"(?m)^bridges_online: \d+$")
        metrics = self.stack.client().get("/metrics")
        self.assertStatus(metrics, 200)
        self.assertIn("# TYPE sirius_users gauge", metrics.text)
        self.assertIn("# HELP sirius_users ", metrics.text)
        self.assertRegex(metrics.text, r'(?m)^sirius_messages\{status="failed"\} \d+$')
        self.assertRegex(metrics.text, r"(?m)^sirius_relay_up 1$")
        # from elsewhere: administrators only, 404 for everyone else
        remote = {"REMOTE_ADDR": "192.0.2.7"}
        for path in ("/_/stats", "/metrics"):
            self.assertStatus(self.stack.cgi(harness.WEB, "GET", path, env=remote), 404)
            user = self.signup("stats_%s" % path.strip("/_"))
            response = self.stack.cgi(harness.WEB, "GET", path, env=remote,
                                      cookies={"sirius_session": user.cookies["sirius_session"]})
            self.assertStatus(response, 404)
            response = self.stack.cgi(harness.WEB, "GET", path, env=remote,
                                      cookies={"sirius_session": self.root.cookies["sirius_session"]})
            self.assertStatus(response, 200)
            self.assertStatus(self.stack.cgi(harness.WEB, "GET", path, env={"REMOTE_ADDR": "::1"}), 200)

    def test_overview_and_pages(self):
        user = self.signup("overview")
        home = user.get("/")
        for needle in ('href="/claim"', "Your API key", "Printers shared with you", "Your friends"):
            self.assertIn(needle, home.text)
        for path in ("/about", "/friends", "/claim"):
            response = user.get(path)
            self.assertStatus(response, 200)
            self.assertIn('name="viewport"', response.text)
        response = user.get("/printer/999999")
        self.assertStatus(response, 404)
        self.assertIn("There is no page at this address", response.text)
        self.assertStatus(user.get("/static/print.js"), 200)


class WebRelayDown(unittest.TestCase):
    """The relay is not running: pages still show, prints fail politely and are stored as failed."""

    def test_relay_down(self):
        stack = harness.Stack(relay=False)
        self.addCleanup(stack.close)
        client = stack.client()
        self.assertEqual(client.post_form("/signup", "/signup", {"username": "lonely", "password": PASSWORD}).status,
                         303)
        run = subprocess_run([h.FAKE, "printer"], stack.env, stack.var)
        printer = h.parse_printer_file(run.stdout)
        pid = int(printer["DB id"])
        client.get("/claim")
        response = client.post("/claim", {"claim_code": printer["claim code"], "printer_name": "Alone"})
        self.assertEqual(response.status, 303, response)
        home = client.get("/")
        self.assertEqual(home.status, 200)
        self.assertIn("status unknown", home.text)
        self.assertIn("cannot be reached right now", home.text)
        page = client.get("/printer/%d" % pid)
        self.assertEqual(page.status, 200)
        self.assertIn("cannot be reached right now", page.text)
        # the print is kept in the outbox: the relay sends it when it is back
        response = client.post("/printer/%d/print" % pid, {"message": "hello?", "action": "send"})
        self.assertEqual(response.status, 200, response)
        self.assertIn("it prints when the printer is online", response.text)
        with sqlite3.connect(stack.db) as conn:
            self.assertEqual(conn.execute("SELECT status, failure FROM messages").fetchall(), [("queued", None)])


def subprocess_run(argv, env, cwd):
    import subprocess
    return subprocess.run(argv, env=env, cwd=cwd, capture_output=True, text=True, timeout=60)


if __name__ == "__main__":
    unittest.main(verbosity=2)
