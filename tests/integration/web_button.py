#!/usr/bin/env python3
"""web_button.py: personalities (shipped and uploaded), quips and the button from the printer page, with sirius-fake emulate."""
import base64
import json
import os
import re
import signal
import sqlite3
import struct
import subprocess
import time
import unittest
import zlib

import fake_helpers as h
import harness

PASSWORD = "correct horse battery"
SET_DELIVERY = 0x0002
SET_DELIVERY_AND_PRINT = 0x0001
SET_PERSONALITY = 0x0102
SET_QUIP = 0x0202
CODEC = os.path.join(harness.BUILD, "tools", "sirius-codec")
FACES = os.path.join(harness.WWW, "static", "faces")
DATA_URI = re.compile(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"')


def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff)


def grey_png(width, height, seed):
    """An 8-bit grey PNG of a gradient with a seeded pattern, so that dithering has work to do."""
    raw = b""
    for y in range(height):
        raw += b"\x00" + bytes(((x * 255 // max(1, width - 1)) ^ ((y * seed) & 0x3f)) & 0xff for x in range(width))
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + png_chunk(b"IDAT", zlib.compress(raw)) + png_chunk(b"IEND", b""))


class WebButton(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.stack = harness.Stack()
        cls.root = cls.signup_class("root")

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

    def assertStatus(self, response, status):
        self.assertEqual(response.status, status, "%r\n%s" % (response, self.stack.logs()[-3000:]))

    def run_program(self, *argv):
        run = subprocess.run(list(argv), env=self.stack.env, cwd=self.stack.var, capture_output=True, text=True,
                             timeout=60)
        self.assertEqual(run.returncode, 0, run.stdout + run.stderr)
        return run

    def query(self, sql, *args):
        with sqlite3.connect(self.stack.db) as conn:
            return conn.execute(sql, args).fetchall()

    def online_printer(self, owner, *emulate_args):
        """A printer claimed by owner, emulated (writing into its own folder) and holding its key."""
        printer = h.parse_printer_file(self.run_program(h.FAKE, "printer").stdout)
        printer["file"] = os.path.join(self.stack.var, printer["address"] + ".printer")
        printer["out"] = os.path.join(self.stack.var, "out-" + printer["address"])
        owner.get("/claim")
        self.assertStatus(owner.post("/claim", {"claim_code": printer["claim code"], "printer_name": "Desk"}), 303)
        emulator = h.Program([h.FAKE, "emulate", printer["file"],
                              "ws://127.0.0.1:%d/api/v1/connection" % self.stack.port, "--out", printer["out"],
                              "--key-interval", "1", "--heartbeat", "1", *emulate_args],
                             self.stack.env, cwd=self.stack.var)
        self.addCleanup(emulator.stop)
        emulator.wait_for(r"^key accepted$", timeout=20)
        return printer, emulator, int(printer["DB id"])

    def post_multipart(self, client, path, fields, files=()):
        body, ctype = harness.multipart(list(fields) + [("csrf_token", client.csrf_token)], files)
        return client.request("POST", path, body=body, headers={"Content-Type": ctype})

    def saved_rows(self, printer, name):
        with open(os.path.join(printer["out"], name), "rb") as f:
            return h.png_decode(f.read())

    # ---- personalities ---------------------------------------------------------

    def test_shipped_face_preview_and_send(self):
        owner = self.signup_class("face_owner")
        printer, emulator, pid = self.online_printer(owner)
        page = owner.get("/printer/%d" % pid)
        self.assertStatus(page, 200)
        for name in ("classic", "sleepy", "robot"):
            self.assertIn('name="face" value="%s"' % name, page.text)
            self.assertIn("/static/faces/%s/face.png" % name, page.text)
        self.assertIn("the personality it was made with", page.text)
        # the shipped images are served as they are
        self.assertStatus(owner.get("/static/faces/robot/no-internet.png"), 200)

        preview = self.post_multipart(owner, "/printer/%d/personality" % pid, [("face", "robot"), ("action", "preview")])
        self.assertStatus(preview, 200)
        images = DATA_URI.findall(preview.text)
        self.assertEqual(len(images), 4, preview.text)
        for data, name in zip(images, ("face", "nothing", "no-bridge", "no-internet")):
            with open(os.path.join(FACES, "robot", name + ".png"), "rb") as f:
                self.assertEqual(h.png_decode(base64.b64decode(data)), h.png_decode(f.read()))
        self.assertEqual(self.query("SELECT count(*) FROM messages WHERE printer_id = ?", pid), [(0,)])

        response = self.post_multipart(owner, "/printer/%d/personality" % pid, [("face", "robot"), ("action", "send")])
        self.assertStatus(response, 303)
        self.assertTrue(response.header("Location").endswith("/printer/%d#personality" % pid))
        match = emulator.wait_for(r"^command (\d+): set_personality with 4 image\(s\)$")
        emulator.wait_for(r"^command %s: saved .*personality-no-internet\.png$" % match.group(1))
        (command,), = self.query("SELECT command FROM messages WHERE id = ?", int(match.group(1)))
        self.assertEqual(command, SET_PERSONALITY)
        for name in ("face", "nothing", "no-bridge", "no-internet"):
            with open(os.path.join(FACES, "robot", name + ".png"), "rb") as f:
                self.assertEqual(self.saved_rows(printer, "personality-%s.png" % name), h.png_decode(f.read()))
        page = owner.get("/printer/%d" % pid)
        self.assertIn("Now: <strong>robot</strong>", page.text)
        # the history lists the command, which is no print to print again
        self.assertIn('<strong>face_owner</strong>', page.text)
        self.assertNotIn("/message/%s/reprint" % match.group(1), page.text)

        # a name that is no shipped set, and no choice at all
        for fields, needle in (([("face", "../robot")], "There is no face called"),
                               ([("face", "nosuch")], "There is no face called"),
                               ([("action", "send")], "Choose one of the faces")):
            response = self.post_multipart(owner, "/printer/%d/personality" % pid, fields)
            self.assertStatus(response, 400)
            self.assertIn(needle, response.text)

    def test_upload_preview_and_send(self):
        owner = self.signup_class("upload_owner")
        printer, emulator, pid = self.online_printer(owner)
        # images of every shape: wide, tall (fitted into 384 x 384), small (scaled up)
        sizes = ((600, 200, 3), (100, 500, 5), (40, 40, 7), (384, 384, 11))
        files = [(field, field + ".png", "image/png", grey_png(w, hgt, seed))
                 for field, (w, hgt, seed) in zip(("face_image", "nothing_image", "no_bridge_image",
                                                   "no_internet_image"), sizes)]
        preview = self.post_multipart(owner, "/printer/%d/personality" % pid,
                                      [("face", "upload"), ("action", "preview")], files)
        self.assertStatus(preview, 200)
        images = [h.png_decode(base64.b64decode(data)) for data in DATA_URI.findall(preview.text)]
        self.assertEqual(len(images), 4)
        for rows, (w, hgt, _) in zip(images, sizes):
            self.assertEqual(len(rows[0]), 384)
            self.assertEqual(len(rows), min(384, round(hgt * min(384 / w, 384 / hgt))))
            self.assertTrue(any(any(row) for row in rows))
        kept = re.findall(r'name="(kept_[a-z_]+)" value="([A-Za-z0-9+/=]+)"', preview.text)
        self.assertEqual([name for name, _ in kept], ["kept_face", "kept_nothing", "kept_no_bridge",
                                                       "kept_no_internet"])

        # sent from the preview, without choosing the files again
        response = self.post_multipart(owner, "/printer/%d/personality" % pid,
                                       [("face", "upload"), ("action", "send")] + kept)
        self.assertStatus(response, 303)
        match = emulator.wait_for(r"^command (\d+): set_personality with 4 image\(s\)$")
        emulator.wait_for(r"^command %s: saved .*personality-no-internet\.png$" % match.group(1))
        for rows, name in zip(images, ("face", "nothing", "no-bridge", "no-internet")):
            self.assertEqual(self.saved_rows(printer, "personality-%s.png" % name), rows)
        (command, payload), = self.query("SELECT command, payload FROM messages WHERE id = ?", int(match.group(1)))
        self.assertEqual(command, SET_PERSONALITY)
        self.assertEqual(h.payload_rows(payload), [row for rows in images for row in rows])
        page = owner.get("/printer/%d" % pid)
        self.assertIn("Now: <strong>your own images</strong>", page.text)
        self.assertEqual([h.png_decode(base64.b64decode(d)) for d in DATA_URI.findall(page.text)], images)

        # what is refused, and how
        big = b"\x89PNG\r\n\x1a\n" + b"\0" * (3 * 1024 * 1024 + 1)
        huge = (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", struct.pack(">IIBBBBB", 5000, 5000, 8, 0, 0, 0, 0))
                + png_chunk(b"IDAT", zlib.compress(b"\0" * 100)) + png_chunk(b"IEND", b""))
        for replacement, status, needle in ((None, 400, "a personality needs all four"),
                                            (b"just some text", 415, "is not a PNG, JPEG, GIF or WebP"),
                                            (b"\x89PNG\r\n\x1a\n" + b"\x01" * 64, 422, "cannot be read"),
                                            (big, 413, "the limit is 3 MiB"),
                                            (huge, 413, "too many pixels")):
            bad = list(files)
            if replacement is None:
                del bad[2]
            else:
                bad[2] = ("no_bridge_image", "x.png", "image/png", replacement)
            response = self.post_multipart(owner, "/printer/%d/personality" % pid,
                                           [("face", "upload"), ("action", "preview")], bad)
            self.assertStatus(response, status)
            self.assertIn(needle, response.text)
        # a damaged image handed back as previewed
        damaged = [(name, "AAAA" if name == "kept_face" else value) for name, value in kept]
        response = self.post_multipart(owner, "/printer/%d/personality" % pid,
                                       [("face", "upload"), ("action", "send")] + damaged)
        self.assertIn(response.status, (400, 415, 422))
        # someone else's printer does not exist for them
        stranger = self.signup_class("upload_stranger")
        stranger.get("/")
        response = self.post_multipart(stranger, "/printer/%d/personality" % pid, [("face", "robot")])
        self.assertStatus(response, 404)

    def test_offline_printer_gets_it_when_online(self):
        owner = self.signup_class("offline_owner")
        printer = h.parse_printer_file(self.run_program(h.FAKE, "printer").stdout)
        printer["file"] = os.path.join(self.stack.var, printer["address"] + ".printer")
        printer["out"] = os.path.join(self.stack.var, "out-" + printer["address"])
        owner.get("/claim")
        self.assertStatus(owner.post("/claim", {"claim_code": printer["claim code"], "printer_name": "Away"}), 303)
        pid = int(printer["DB id"])
        owner.get("/printer/%d" % pid)
        response = self.post_multipart(owner, "/printer/%d/personality" % pid, [("face", "sleepy")])
        self.assertStatus(response, 303)
        response = owner.post("/printer/%d/quips" % pid, {"quip_1": "a", "quip_2": "b", "quip_3": "c"})
        self.assertStatus(response, 303)
        page = owner.get("/printer/%d" % pid)
        self.assertIn("Now: <strong>sleepy</strong>", page.text)
        self.assertEqual(page.text.count("queued: it prints when the printer is online"), 4)  # twice in the history
        # the printer comes online: both go out, in order
        emulator = h.Program([h.FAKE, "emulate", printer["file"],
                              "ws://127.0.0.1:%d/api/v1/connection" % self.stack.port, "--out", printer["out"],
                              "--key-interval", "1", "--heartbeat", "1"], self.stack.env, cwd=self.stack.var)
        self.addCleanup(emulator.stop)
        emulator.wait_for(r"^command \d+: set_personality with 4 image\(s\)$", timeout=30)
        emulator.wait_for(r"^command \d+: set_quip with 3 image\(s\)$", timeout=30)
        emulator.wait_for(r"saved .*quip-3\.png$")
        with open(os.path.join(FACES, "sleepy", "face.png"), "rb") as f:
            self.assertEqual(self.saved_rows(printer, "personality-face.png"), h.png_decode(f.read()))

    def test_offline_refused_keeps_the_form(self):
        # SIRIUS_OFFLINE=refuse, given to sirius-web run as plain CGI on the same database
        owner = self.signup_class("refuser")
        printer = h.parse_printer_file(self.run_program(h.FAKE, "printer").stdout)
        owner.get("/claim")
        self.assertStatus(owner.post("/claim", {"claim_code": printer["claim code"], "printer_name": "Away"}), 303)
        pid = int(printer["DB id"])
        owner.get("/printer/%d" % pid)
        cookies = {"sirius_session": owner.cookies["sirius_session"]}
        refuse = {"SIRIUS_OFFLINE": "refuse"}
        body, ctype = harness.multipart([("face", "sleepy"), ("csrf_token", owner.csrf_token)])
        response = self.stack.cgi(harness.WEB, "POST", "/printer/%d/personality" % pid, body, ctype, cookies, refuse)
        self.assertStatus(response, 409)
        self.assertIn("The printer is offline", response.text)
        self.assertIn('name="face" value="sleepy" checked', response.text)
        body = ("quip_1=a&quip_2=b&quip_3=c&csrf_token=%s" % owner.csrf_token).encode()
        response = self.stack.cgi(harness.WEB, "POST", "/printer/%d/quips" % pid, body,
                                  "application/x-www-form-urlencoded", cookies, refuse)
        self.assertStatus(response, 409)
        self.assertIn('value="b"', response.text)
        self.assertEqual(self.query("SELECT count(*) FROM personalities WHERE printer_id = ?", pid), [(0,)])
        self.assertEqual(self.query("SELECT count(*) FROM quips WHERE printer_id = ?", pid), [(0,)])

    # ---- quips -----------------------------------------------------------------

    def test_quips_preview_send_and_print(self):
        owner = self.signup_class("quip_owner")
        printer, emulator, pid = self.online_printer(owner, "--quip-when-empty")
        quips = {"quip_1": "Hello there!", "quip_2": "Nothing today <b>at all</b>", "quip_3": "Press me again"}
        owner.get("/printer/%d" % pid)
        preview = owner.post("/printer/%d/quips" % pid, dict(quips, action="preview"))
        self.assertStatus(preview, 200)
        images = [h.png_decode(base64.b64decode(d)) for d in DATA_URI.findall(preview.text)]
        self.assertEqual(len(images), 3)
        for rows in images:
            self.assertEqual(len(rows[0]), 384)
            self.assertTrue(any(any(row) for row in rows))
        self.assertNotEqual(images[0], images[1])
        self.assertIn("Nothing today &lt;b&gt;at all&lt;/b&gt;", preview.text)

        response = owner.post("/printer/%d/quips" % pid, dict(quips, action="send"))
        self.assertStatus(response, 303)
        match = emulator.wait_for(r"^command (\d+): set_quip with 3 image\(s\)$")
        emulator.wait_for(r"^command %s: saved .*quip-3\.png$" % match.group(1))
        for i, rows in enumerate(images):
            self.assertEqual(self.saved_rows(printer, "quip-%d.png" % (i + 1)), rows)
        (command,), = self.query("SELECT command FROM messages WHERE id = ?", int(match.group(1)))
        self.assertEqual(command, SET_QUIP)
        page = owner.get("/printer/%d" % pid)
        self.assertIn('value="Press me again"', page.text)
        self.assertEqual(self.query("SELECT quip1, quip3 FROM quips WHERE printer_id = ?", pid),
                         [("Hello there!", "Press me again")])

        # the button with nothing held prints a quip, and the printer reports it
        emulator.proc.send_signal(signal.SIGUSR1)
        emulator.wait_for(r"^button pressed: printed quip 1$")
        self.assertEqual(self.saved_rows(printer, "quip-printed.png"), images[0])

        # too long, missing
        response = owner.post("/printer/%d/quips" % pid, dict(quips, quip_2="x" * 141, action="preview"))
        self.assertStatus(response, 400)
        self.assertIn("second quip", response.text)
        self.assertIn('value="Hello there!"', response.text)
        response = owner.post("/printer/%d/quips" % pid, {"quip_1": "a", "quip_2": "b", "action": "send"})
        self.assertStatus(response, 400)
        self.assertIn("third quip is missing", response.text)

    # ---- the button ------------------------------------------------------------

    def device_key(self, owner, pid):
        """A new device key of the printer, made on its page."""
        owner.get("/printer/%d" % pid)
        self.assertStatus(owner.post("/printer/%d/printkey/add" % pid), 303)
        return re.findall(r"/printkey/([a-z0-9]{20})", owner.get("/printer/%d" % pid).text)[-1]

    def deliver_for_button(self, key, image, sender="Morning paper"):
        """Posts an image to a device key for the button (?mode=deliver): the message's id."""
        with open(image, "rb") as f:
            body = f.read()
        client = self.stack.client()
        response = client.request("POST", "/printkey/%s?mode=deliver&from=%s" % (key, sender.replace(" ", "+")),
                                  body=body, headers={"Content-Type": "image/png"})
        self.assertIn(response.status, (200, 202), response)
        mid = json.loads(response.text)["id"]
        (command,), = self.query("SELECT command FROM messages WHERE id = ?", mid)
        self.assertEqual(command, SET_DELIVERY)
        return mid

    def wait_for_status(self, mid, wanted, timeout=20):
        deadline = time.monotonic() + timeout
        while True:
            (status,), = self.query("SELECT status FROM messages WHERE id = ?", mid)
            if status == wanted:
                return
            if time.monotonic() > deadline:
                self.fail("message %d is %s, not %s:\n%s" % (mid, status, wanted, self.stack.logs()[-3000:]))
            time.sleep(0.1)

    def test_button_deliveries_and_presses(self):
        owner = self.signup_class("button_owner")
        printer, emulator, pid = self.online_printer(owner)
        key = self.device_key(owner, pid)
        page = owner.get("/printer/%d" % pid)
        self.assertIn("Nothing is waiting for the button.", page.text)
        self.assertIn("The button has not been pressed yet.", page.text)
        image = os.path.join(FACES, "classic", "face.png")

        first = self.deliver_for_button(key, image)
        emulator.wait_for(r"^button: holding delivery %d \(1 held\)$" % first)
        self.wait_for_status(first, "delivered")
        page = owner.get("/printer/%d" % pid)
        self.assertIn("waiting for the button", page.text)
        self.assertIn("/printer/%d/message/%d/button" % (pid, first), page.text)

        # pressed: the printer prints what it held and reports it; the page shows it printed
        emulator.proc.send_signal(signal.SIGUSR1)
        emulator.wait_for(r"^button pressed: printed held delivery %d \(0 still held\)$" % first)
        self.wait_for_status(first, "printed")
        page = owner.get("/printer/%d" % pid)
        self.assertIn("Nothing is waiting for the button.", page.text)
        self.assertRegex(page.text, r"printed at \d{4}-\d\d-\d\d")
        # pressed with nothing held
        emulator.proc.send_signal(signal.SIGUSR1)
        emulator.wait_for(r"^button pressed: nothing to print$")

        # the relay recorded both presses in button_presses; a quip's is shown too
        deadline = time.monotonic() + 30
        while True:
            page = owner.get("/printer/%d" % pid)
            presses = re.findall(r'<span class="what">([^<]*)</span>', page.text)
            if len(presses) >= 2 or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        self.assertEqual(presses, ["Button pressed, nothing waiting", "Printed message %d from Morning paper" % first])
        with sqlite3.connect(self.stack.db) as conn:
            conn.execute("INSERT INTO button_presses (printer_id, print_type, print_id, time) VALUES (?, ?, ?, ?)",
                         (pid, 0x11, 0, int(time.time()) + 10))
        page = owner.get("/printer/%d" % pid)
        presses = re.findall(r'<span class="what">([^<]*)</span>', page.text)
        self.assertEqual(presses[0], "Printed a quip")

        # two more: one printed now (a new message printed at once), one cancelled
        second = self.deliver_for_button(key, os.path.join(FACES, "robot", "face.png"), "Second")
        third = self.deliver_for_button(key, os.path.join(FACES, "sleepy", "face.png"), "Third")
        emulator.wait_for(r"^button: holding delivery %d \(2 held\)$" % third)
        self.wait_for_status(second, "delivered")
        self.wait_for_status(third, "delivered")
        owner.get("/printer/%d" % pid)
        response = owner.post("/printer/%d/message/%d/button" % (pid, second), {"action": "print"})
        self.assertStatus(response, 303)
        match = emulator.wait_for(r"^command (\d+): set_delivery_and_print with 1 image\(s\)$")
        reprint = int(match.group(1))
        self.assertNotEqual(reprint, second)
        (command, payload), = self.query("SELECT command, payload FROM messages WHERE id = ?", reprint)
        self.assertEqual(command, SET_DELIVERY_AND_PRINT)
        (original,), = self.query("SELECT payload FROM messages WHERE id = ?", second)
        self.assertEqual(h.payload_rows(payload), h.payload_rows(original))
        self.wait_for_status(reprint, "printed")
        response = owner.post("/printer/%d/message/%d/button" % (pid, third), {"action": "cancel"})
        self.assertStatus(response, 303)
        page = owner.get("/printer/%d" % pid)
        self.assertIn("Nothing is waiting for the button.", page.text)
        self.assertRegex(page.text, r"cancelled at [-0-9: ]+UTC \(the printer may still hold it for the button\)")
        self.assertRegex(page.text, r"printed now as message %d at [-0-9: ]+UTC" % reprint)
        self.assertEqual(self.query("SELECT message_id, how, reprint_id FROM button_settled ORDER BY message_id"),
                         [(second, "printed_now", reprint), (third, "cancelled", None)])
        # settled already, not a delivery for the button, another action, someone else
        response = owner.post("/printer/%d/message/%d/button" % (pid, third), {"action": "print"})
        self.assertStatus(response, 409)
        self.assertIn("no longer waiting", response.text)
        response = owner.post("/printer/%d/message/%d/button" % (pid, reprint), {"action": "cancel"})
        self.assertStatus(response, 409)
        response = owner.post("/printer/%d/message/%d/button" % (pid, third), {"action": "explode"})
        self.assertStatus(response, 400)
        stranger = self.signup_class("button_stranger")
        stranger.get("/")
        response = stranger.post("/printer/%d/message/%d/button" % (pid, third), {"action": "cancel"})
        self.assertStatus(response, 404)
        # the printer still holds the cancelled one: a press prints it, and it is printed after all
        emulator.proc.send_signal(signal.SIGUSR1)
        emulator.wait_for(r"^button pressed: printed held delivery %d \(1 still held\)$" % second)
        emulator.proc.send_signal(signal.SIGUSR1)
        emulator.wait_for(r"^button pressed: printed held delivery %d \(0 still held\)$" % third)
        self.wait_for_status(third, "printed")

    def test_press_button_after(self):
        owner = self.signup_class("timer_owner")
        printer, emulator, pid = self.online_printer(owner, "--press-button-after", "1")
        mid = self.deliver_for_button(self.device_key(owner, pid), os.path.join(FACES, "robot", "face.png"))
        emulator.wait_for(r"^button pressed: printed held delivery %d \(0 still held\)$" % mid)
        self.wait_for_status(mid, "printed")


def harness_control(path, request):
    """One request on the relay's control socket; the reply as a dict."""
    import json
    import socket
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    s.connect(path)
    s.sendall((json.dumps(request) + "\n").encode())
    buf = b""
    while b"\n" not in buf:
        chunk = s.recv(65536)
        if not chunk:
            break
        buf += chunk
    s.close()
    return json.loads(buf.split(b"\n", 1)[0])


if __name__ == "__main__":
    unittest.main(verbosity=2)
