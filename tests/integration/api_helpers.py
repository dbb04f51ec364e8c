"""api_helpers.py: what the api_*.py tests share: a stack with emulated printers, device keys, and prints checked against sirius-codec render."""
import base64
import datetime
import os
import re
import secrets
import sqlite3
import string
import subprocess
import time
import unittest

import fake_helpers as h
import harness

CODEC = os.path.join(harness.BUILD, "tools", "sirius-codec")

# A 48x32 colour gradient, JPEG (made with libjpeg at quality 70).
PHOTO_JPEG = base64.b64decode(
    "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAoHBwgHBgoICAgLCgoLDhgQDg0NDh0VFhEYIx8lJCIfIiEmKzcvJik0KSEiMEExNDk7Pj4+"
    "JS5ESUM8SDc9Pjv/2wBDAQoLCw4NDhwQEBw7KCIoOzs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7"
    "Ozv/wAARCAAgADADASIAAhEBAxEB/8QAHwAAAQUBAQEBAQEAAAAAAAAAAAECAwQFBgcICQoL/8QAtRAAAgEDAwIEAwUFBAQAAAF9AQID"
    "AAQRBRIhMUEGE1FhByJxFDKBkaEII0KxwRVS0fAkM2JyggkKFhcYGRolJicoKSo0NTY3ODk6Q0RFRkdISUpTVFVWV1hZWmNkZWZnaGlq"
    "c3R1dnd4eXqDhIWGh4iJipKTlJWWl5iZmqKjpKWmp6ipqrKztLW2t7i5usLDxMXGx8jJytLT1NXW19jZ2uHi4+Tl5ufo6erx8vP09fb3"
    "+Pn6/8QAHwEAAwEBAQEBAQEBAQAAAAAAAAECAwQFBgcICQoL/8QAtREAAgECBAQDBAcFBAQAAQJ3AAECAxEEBSExBhJBUQdhcRMiMoEI"
    "FEKRobHBCSMzUvAVYnLRChYkNOEl8RcYGRomJygpKjU2Nzg5OkNERUZHSElKU1RVVldYWVpjZGVmZ2hpanN0dXZ3eHl6goOEhYaHiImK"
    "kpOUlZaXmJmaoqOkpaanqKmqsrO0tba3uLm6wsPExcbHyMnK0tPU1dbX2Nna4uPk5ebn6Onq8vP09fb3+Pn6/9oADAMBAAIRAxEAPwDy"
    "yKy9quRWXtWpFZe1XIrL2qI1DnoYwyorL2q5FZe1asVl7VbisvauiNQ92hjDLisvarkVl7VqRWXtVyKy9q6Y1D3aGMMSKy9quRWXtWrF"
    "Ze1W4rL2r5+NQ/F6GM8zLisvarkVl7VqRWXtVyKy9q6Y1D3aGM8zKisvarkVl7VqxWXtVuKy9q6I1D3aGM8z/9k=")


def pin_png():
    """A 384x60 one-bit test picture, as PNG bytes."""
    return h.png_encode(h.pattern_rows(384, 60, seed=11))


def percent_encode_all(text):
    """Every byte of text's UTF-8 as %XX, as an app that escapes everything sends it."""
    return "".join("%%%02X" % b for b in text.encode("utf-8"))


class Printer:
    """A claimed printer: its address, database id and, when emulated, the emulator program."""

    def __init__(self, address, printer_id, emulator=None):
        self.address = address
        self.id = printer_id
        self.emulator = emulator


class ApiWorld:
    """
    A stack (relay and lighttpd) with accounts made by sirius-fake, printers
    claimed by them (emulated or never connected), device keys in the
    database, and a way to check a print at the emulator.
    """

    def __init__(self, relay=True):
        self.stack = harness.Stack(relay=relay)
        self.out = os.path.join(self.stack.tmp, "out")
        os.mkdir(self.out)
        self.programs = []

    def close(self):
        for program in self.programs:
            program.stop()
        self.stack.close()

    # ---- sirius-fake and the database -----------------------------------------

    def fake(self, *args):
        run = subprocess.run([h.FAKE, *args], cwd=self.stack.tmp, env=self.stack.env, capture_output=True,
                             text=True, timeout=60)
        if run.returncode != 0:
            raise AssertionError("sirius-fake %s: %s%s" % (" ".join(args), run.stdout, run.stderr))
        return run.stdout

    def query(self, sql, *args):
        conn = sqlite3.connect(self.stack.db, timeout=10)
        try:
            with conn:
                return conn.execute(sql, args).fetchall()
        finally:
            conn.close()

    def user(self, name, password="password1"):
        """Makes an account; returns its id."""
        self.fake("user", name, "--password", password)
        (user_id,), = self.query("SELECT id FROM users WHERE name = ?", name)
        return user_id

    def api_key(self, user_id):
        """Gives the user an API key (as the web UI would); returns it."""
        key = "".join(secrets.choice(string.ascii_lowercase + string.digits) for _ in range(32))
        self.query("UPDATE users SET api_key = ? WHERE id = ?", key, user_id)
        return key

    def printer(self, owner, name, emulate=True):
        """A printer claimed by owner as name; emulated (and its key accepted) when emulate is set."""
        fields = h.parse_printer_file(self.fake("printer"))
        address = fields["address"]
        emulator = None
        if emulate:
            emulator = h.Program([h.FAKE, "emulate", os.path.join(self.stack.tmp, address + ".printer"),
                                  "ws://127.0.0.1:%d/api/v1/connection" % self.stack.relay_port, "--out", self.out,
                                  "--key-interval", "1", "--heartbeat", "1"], self.stack.env, cwd=self.stack.tmp)
            self.programs.append(emulator)
            emulator.wait_for(r"^connected as bridge ")
        self.fake("claim", address, owner, fields["claim code"], name)
        if emulator:
            emulator.wait_for(r"^key accepted$", timeout=20)
            self.stack.wait_key_accepted(address)
        return Printer(address, int(fields["DB id"]), emulator)

    def device_key(self, printer):
        """A new device key of printer, put in the database as the web UI's db_device_key_create would."""
        secret = "".join(secrets.choice(string.ascii_lowercase + string.digits) for _ in range(20))
        self.query("INSERT INTO device_keys (secret, printer_id, created) VALUES (?, ?, ?)", secret, printer.id,
                   int(time.time()))
        return secret

    def last_message(self, printer):
        """(id, sender, command, created, status, failure) of the printer's newest message, or None."""
        rows = self.query("SELECT id, sender, command, created, status, coalesce(failure, '') FROM messages"
                          " WHERE printer_id = ? ORDER BY id DESC LIMIT 1", printer.id)
        return rows[0] if rows else None

    # ---- checking a print ------------------------------------------------------

    def render(self, mime, data, sender, created):
        """The rows sirius-codec render makes of data as mime from sender at created (seconds since 1970)."""
        path = os.path.join(self.stack.tmp, "render-in")
        out = os.path.join(self.stack.tmp, "render-out.png")
        with open(path, "wb") as f:
            f.write(data)
        when = datetime.datetime.fromtimestamp(created, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        env = dict(os.environ)
        # the server runs without these (lighttpd passes its own list on): so does the reference
        for name in ("TZ", "SIRIUS_HTML_RENDERER", "SIRIUS_TIMEZONE"):
            env.pop(name, None)
        run = subprocess.run([CODEC, "render", "--type", mime, "--from", sender, "--date", when, path, "-o", out],
                             env=env, capture_output=True, text=True, timeout=60)
        if run.returncode != 0:
            raise AssertionError("sirius-codec render: %s" % run.stderr)
        with open(out, "rb") as f:
            return h.png_decode(f.read())

    def check_printed(self, test, printer, mime, data, sender, command=1):
        """
        Checks that the printer's newest message is from sender with command,
        reached the emulator, and that the emulator received exactly what
        sirius-codec render makes of data as mime at the message's time.
        Returns the message id.
        """
        message_id, stored_sender, stored_command, created, _, _ = self.last_message(printer)
        test.assertEqual(stored_sender, sender)
        test.assertEqual(stored_command, command)
        printed = printer.emulator.wait_for(r"^printed %d -> (.*) \(384x(\d+)\)$" % message_id)
        with open(printed.group(1), "rb") as f:
            got = h.png_decode(f.read())
        want = self.render(mime, data, sender, created)
        test.assertEqual(len(got), len(want), "rows printed and rendered differ")
        test.assertTrue(got == want, "the printed bitmap differs from sirius-codec render's")
        self.wait_answered(message_id)
        return message_id

    def wait_answered(self, message_id, timeout=60):
        """
        Waits until the relay has recorded the bridge's answer to the message.
        The emulator says "printed" before its answer reaches the relay, and
        until then the printer has a print in flight: the next print would be
        queued behind it (202), not sent (200), on a slow machine.
        """
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            rows = self.query("SELECT status FROM messages WHERE id = ?", message_id)
            # not "queued" either: the relay may write the frame before it records it sent
            if rows and rows[0][0] not in ("queued", "sent"):
                return
            time.sleep(0.02)
        raise AssertionError("message %d was never answered: %s" % (message_id, self.stack.logs()[-3000:]))


class ApiTestCase(unittest.TestCase):
    """Assertions the API tests share."""

    def assertStatus(self, response, status, world=None):
        logs = world.stack.logs()[-3000:] if world else ""
        self.assertEqual(response.status, status, "%r\n%s" % (response, logs))

    def assertJson(self, response):
        """The response's body as JSON, after checking it says it is JSON."""
        import json
        self.assertEqual(response.header("Content-Type"), "application/json", response)
        return json.loads(response.text)


def html_code_blocks(page, css_class):
    """The texts of <code class="css_class"> elements of an HTML page, unescaped."""
    import html
    return [html.unescape(m) for m in re.findall(r'<code class="%s">(.*?)</code>' % re.escape(css_class), page,
                                                 re.S)]
