#!/usr/bin/env python3
"""api_printkey.py: the device-key API through real lighttpd, replaying what real clients send, each print checked at an emulated printer."""
import json
import os
import shlex
import subprocess
import tempfile
import time
import unittest
import urllib.parse

import api_helpers as a

BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"


class PrintKey(a.ApiTestCase):
    @classmethod
    def setUpClass(cls):
        cls.world = a.ApiWorld()
        try:
            cls.world.user("alice")
            cls.desk = cls.world.printer("alice", "Desk")
            cls.away = cls.world.printer("alice", "Away", emulate=False)
        except BaseException:
            cls.world.close()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.world.close()

    def setUp(self):
        self.client = self.world.stack.client()
        self.key = self.world.device_key(self.desk)
        self.path = "/printkey/" + self.key

    def post(self, body, content_type, query="", headers=None, path=None):
        all_headers = {"Content-Type": content_type} if content_type else {}
        all_headers.update(headers or {})
        return self.client.request("POST", (path or self.path) + query, body=body, headers=all_headers)

    def assertSent(self, response):
        self.assertStatus(response, 200, self.world)
        answer = self.assertJson(response)
        self.assertEqual(answer["status"], "sent", answer)
        self.assertIsInstance(answer["id"], int)
        self.assertEqual(response.header("Access-Control-Allow-Origin"), "*")

    def assertError(self, response, status, *needles):
        self.assertStatus(response, status, self.world)
        body = self.assertJson(response)
        self.assertEqual(response.header("Access-Control-Allow-Origin"), "*")
        self.assertIn("error", body)
        for needle in needles:
            self.assertIn(needle, body["error"])
        return body

    def uses(self, key=None):
        (uses,), = self.world.query("SELECT uses FROM device_keys WHERE secret = ?", key or self.key)
        return uses

    def senders(self, key=None):
        return [s for (s,) in self.world.query(
            "SELECT sender FROM device_key_senders AS s JOIN device_keys AS k ON k.id = s.key_id"
            " WHERE k.secret = ? ORDER BY sender", key or self.key)]

    # ---- real clients ------------------------------------------------------------

    def test_phone_app_png_labelled_jpeg_with_encoded_from(self):
        # the phone app sends the PNG it made as image/jpeg, and escapes every byte of the sender's name
        name = "Jörg 📱 Ω"
        png = a.pin_png()
        response = self.post(png, "image/jpeg", "?from=" + a.percent_encode_all(name))
        self.assertSent(response)
        self.world.check_printed(self, self.desk, "image/jpeg", png, name)
        self.assertEqual(self.uses(), 1)
        self.assertEqual(self.senders(), [name])

    def test_browser_app_preflight_then_png(self):
        origin = {"Origin": "https://app.example.net"}
        preflight = self.client.request("OPTIONS", self.path, headers=dict(origin, **{
            "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"}))
        self.assertStatus(preflight, 204, self.world)
        self.assertEqual(preflight.body, b"")
        self.assertEqual(preflight.header("Access-Control-Allow-Origin"), "*")
        methods = [m.strip() for m in preflight.header("Access-Control-Allow-Methods").split(",")]
        self.assertEqual(sorted(methods), ["GET", "OPTIONS", "POST"])
        self.assertEqual(preflight.header("Access-Control-Allow-Headers").lower(), "content-type, idempotency-key")
        self.assertGreater(int(preflight.header("Access-Control-Max-Age")), 0)
        png = a.pin_png()
        response = self.post(png, "image/png", "?from=Web%20app", headers=origin)
        self.assertSent(response)
        self.world.check_printed(self, self.desk, "image/png", png, "Web app")

    def test_real_jpeg(self):
        response = self.post(a.PHOTO_JPEG, "image/jpeg", "?from=Camera")
        self.assertSent(response)
        self.world.check_printed(self, self.desk, "image/jpeg", a.PHOTO_JPEG, "Camera")

    def test_plain_text_utf8_and_emoji_default_sender(self):
        text = "Grüße aus Köln! 🎉🖨️\nZweite Zeile\twith a tab, and a loooooooooooooooooooooooooooooooooong word"
        response = self.post(text.encode(), "text/plain; charset=utf-8")
        self.assertSent(response)
        sender = "Key " + self.key[:4]
        self.world.check_printed(self, self.desk, "text/plain", text.encode(), sender)
        self.assertEqual(self.senders(), [sender])

    def test_other_text_types_are_plain_text(self):
        text = b"# Not rendered as markdown\n* just text"
        self.assertSent(self.post(text, "text/markdown", "?from=md"))
        self.world.check_printed(self, self.desk, "text/plain", text, "md")

    def test_html(self):
        html = b"<h1>Hello</h1><p>A <b>bold</b> and <i>italic</i> word.</p><ul><li>one</li><li>two</li></ul>"
        self.assertSent(self.post(html, "text/html; charset=UTF-8", "?from=html"))
        self.world.check_printed(self, self.desk, "text/html", html, "html")

    def test_json_html_and_text(self):
        html = "<p>From <b>JSON</b> ✓</p>"
        self.assertSent(self.post(json.dumps({"html": html}).encode(), "application/json", "?from=json"))
        self.world.check_printed(self, self.desk, "text/html", html.encode(), "json")
        text = "Plain from JSON ✓\nline two"
        self.assertSent(self.post(json.dumps({"text": text}).encode(), "application/json; charset=utf-8",
                                  "?from=json"))
        self.world.check_printed(self, self.desk, "text/plain", text.encode(), "json")
        self.assertEqual(self.uses(), 2)
        self.assertEqual(self.senders(), ["json"])

    def test_documented_curl_examples_run_verbatim(self):
        page = self.client.get(self.path, headers={"Accept": BROWSER_ACCEPT})
        self.assertStatus(page, 200, self.world)
        examples = a.html_code_blocks(page.text, "curl")
        self.assertGreaterEqual(len(examples), 7)
        url = "http://127.0.0.1:%d/printkey/%s" % (self.world.stack.port, self.key)
        kinds = set()
        with tempfile.TemporaryDirectory() as work:
            with open(os.path.join(work, "picture.png"), "wb") as f:
                f.write(a.pin_png())
            with open(os.path.join(work, "photo.jpg"), "wb") as f:
                f.write(a.PHOTO_JPEG)
            for example in examples:
                self.assertIn(url, example)
                run = subprocess.run(["bash", "-c", example + " --silent --show-error"], cwd=work,
                                     capture_output=True, timeout=60)
                self.assertEqual(run.returncode, 0, (example, run.stderr))
                answer = json.loads(run.stdout)
                argv = shlex.split(example)
                if "-X" not in argv:
                    self.assertEqual(answer, {"name": "Desk", "owner": "alice", "status": "online"})
                    kinds.add("status")
                    continue
                self.assertEqual(answer["status"], "sent", example)
                ctype = [v for k, v in zip(argv, argv[1:]) if k == "-H"][0].split(":", 1)[1].strip()
                data = argv[argv.index("--data-binary") + 1]
                if data.startswith("@"):
                    with open(os.path.join(work, data[1:]), "rb") as f:
                        data = f.read()
                else:
                    data = data.encode()
                mime = ctype.split(";")[0]
                if mime == "application/json":
                    fields = json.loads(data)
                    mime, data = ("text/html", fields["html"]) if "html" in fields else ("text/plain", fields["text"])
                    data = data.encode()
                    kinds.add("json " + mime)
                else:
                    kinds.add(mime)
                self.world.check_printed(self, self.desk, mime, data, "curl")
        self.assertEqual(kinds, {"status", "text/plain", "text/html", "image/png", "image/jpeg",
                                 "json text/html", "json text/plain"})

    # ---- status: JSON or the page, by Accept ------------------------------------------

    def test_status_json_by_accept(self):
        for accept in (None, "*/*", "application/json", "text/html;q=0.5, application/json",
                       "application/json, text/html", "text/*;q=0.5, application/*;q=0.9", "image/png"):
            response = self.client.get(self.path, headers={"Accept": accept} if accept else {})
            self.assertStatus(response, 200, self.world)
            self.assertEqual(self.assertJson(response), {"name": "Desk", "owner": "alice", "status": "online"},
                             accept)
            self.assertEqual(response.header("Access-Control-Allow-Origin"), "*")
            self.assertIn("Accept", response.header("Vary") or "")
        away = self.world.device_key(self.away)
        response = self.client.get("/printkey/" + away)
        self.assertEqual(self.assertJson(response), {"name": "Away", "owner": "alice", "status": "offline"})

    def test_status_page_by_accept(self):
        for accept in (BROWSER_ACCEPT, "text/html", "application/json;q=0.9, text/html",
                       "text/html;level=1, application/json;q=0.99"):
            response = self.client.get(self.path, headers={"Accept": accept})
            self.assertStatus(response, 200, self.world)
            self.assertTrue(response.header("Content-Type").startswith("text/html"), accept)
            self.assertEqual(response.header("Access-Control-Allow-Origin"), "*")
            for needle in ("Little Printer", "thermal printer", "Desk", "alice", "online",
                           "http://127.0.0.1:%d/printkey/%s" % (self.world.stack.port, self.key),
                           "Key " + self.key[:4]):
                self.assertIn(needle, response.text)
        response = self.client.request("HEAD", self.path, headers={"Accept": "text/html"})
        self.assertStatus(response, 200, self.world)
        self.assertEqual(response.body, b"")

    def test_status_page_opens_the_key_in_the_ios_app(self):
        # the scheme the "Little Printers" app registers; it adds the printer of ?add= on the path /printers
        response = self.client.get(self.path, headers={"Accept": BROWSER_ACCEPT})
        key_url = "http://127.0.0.1:%d/printkey/%s" % (self.world.stack.port, self.key)
        link = "co.nordprojects.littleprinter:///printers?add=" + urllib.parse.quote(key_url, safe="")
        self.assertIn('href="%s"' % link, response.text)

    # ---- errors -------------------------------------------------------------------

    def test_400_json_without_html_or_text(self):
        for body in (b'{"message": "hi"}', b'{"html": 5}', b"[1, 2]", b"{not json"):
            self.assertError(self.post(body, "application/json"), 400, "html" if body.startswith(b"{\"") else "")
        body = self.assertError(self.post(b'{"message": "hi"}', "application/json"), 400)
        self.assertIn('"html"', body["error"])
        self.assertIn('"text"', body["error"])
        self.assertError(self.post(b"", "text/plain"), 400, "empty")
        self.assertError(self.post(b"x", "text/plain", "?from=" + "a" * 65), 400, "from")
        # lighttpd itself refuses a query with control characters or not UTF-8; so does the program (plain CGI)
        for query in ("?from=%FF%FE", "?from=a%0Ab", "?from=a%00b"):
            response = self.world.stack.cgi(a.harness.API, "POST", self.path + query, b"x", "text/plain")
            self.assertStatus(response, 400, self.world)
            self.assertJson(response)
        self.assertEqual(self.uses(), 0)

    def test_404_unknown_key(self):
        self.assertError(self.client.get("/printkey/" + "z" * 20), 404, "no device key")
        self.assertError(self.post(b"hi", "text/plain", path="/printkey/" + "z" * 20), 404, "no device key")
        # not a key at all: no route (so no CORS header), still a JSON 404
        for path in ("/printkey/short", "/printkey/" + "A" * 20, "/printkey/" + "a" * 21):
            self.assertStatus(self.client.get(path), 404, self.world)
            self.assertJson(self.post(b"hi", "text/plain", path=path))
        # a key deleted in the web UI stops working at once
        self.world.query("DELETE FROM device_keys WHERE secret = ?", self.key)
        self.assertError(self.post(b"hi", "text/plain"), 404, "no device key")

    def test_413_too_large(self):
        self.assertError(self.post(b"a" * (1024 * 1024 + 1), "text/plain"), 413)
        self.assertError(self.post(b"<p>" + b"a" * (1024 * 1024), "text/html"), 413)
        self.assertError(self.post(b"\x89PNG" + b"\0" * (10 * 1024 * 1024), "image/png"), 413)
        # a text body of more than the text limit is refused even though an image of that size would not be
        self.assertError(self.post(b"b" * (2 * 1024 * 1024), "text/plain"), 413)
        self.assertEqual(self.uses(), 0)

    def test_415_other_types(self):
        for ctype in ("application/octet-stream", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
                      None):
            self.assertError(self.post(b"hello", ctype), 415)

    def test_422_unreadable_image_and_html_over_limits(self):
        self.assertError(self.post(b"this is not a picture", "image/png"), 422)
        self.assertError(self.post(b"\x89PNG\r\n\x1a\n" + b"\0" * 40, "image/jpeg"), 422)
        self.assertError(self.post(b"<div>" * 200 + b"deep", "text/html"), 422, "deep")
        self.assertError(self.post(json.dumps({"html": "<b>x</b>" * 6000}).encode(), "application/json"), 422)
        self.assertEqual(self.uses(), 0)

    def test_429_rate_limit(self):
        key = self.world.device_key(self.away)
        start = time.monotonic()
        ok, limited = 0, None
        for _ in range(40):
            response = self.client.get("/printkey/" + key)
            if response.status == 429:
                limited = response
                break
            self.assertStatus(response, 200, self.world)
            ok += 1
        elapsed = time.monotonic() - start
        self.assertIsNotNone(limited, "no 429 after 40 requests")
        # 30 a minute: a burst of 30, then one every 2 seconds
        self.assertGreaterEqual(ok, 30)
        self.assertLessEqual(ok, 30 + int(elapsed / 2) + 1)
        self.assertError(limited, 429, "try again")
        self.assertGreaterEqual(int(limited.header("Retry-After")), 1)
        self.assertLessEqual(int(limited.header("Retry-After")), 2)
        # prints count too, and are refused before the body is looked at
        self.assertError(self.post(b"hi", "text/plain", path="/printkey/" + key), 429)
        # other keys are not affected
        self.assertStatus(self.client.get(self.path), 200, self.world)

    def test_429_counts_prints_that_store_nothing(self):
        """A print refused before anything is stored (an empty body) still counts against the key's rate."""
        key = self.world.device_key(self.away)
        start = time.monotonic()
        refused, limited = 0, None
        for _ in range(40):
            response = self.post(b"", "text/plain", path="/printkey/" + key)
            if response.status == 429:
                limited = response
                break
            self.assertError(response, 400, "empty")
            refused += 1
        elapsed = time.monotonic() - start
        self.assertIsNotNone(limited, "no 429 after 40 refused prints")
        self.assertGreaterEqual(refused, 30)
        self.assertLessEqual(refused, 30 + int(elapsed / 2) + 1)
        self.assertError(limited, 429, "try again")

    def test_202_queued_for_an_offline_printer(self):
        key = self.world.device_key(self.away)
        response = self.post(b"anyone?", "text/plain", path="/printkey/" + key)
        self.assertStatus(response, 202, self.world)
        answer = self.assertJson(response)
        self.assertEqual(answer["status"], "queued")
        self.assertEqual(response.header("Access-Control-Allow-Origin"), "*")
        message_id, sender, _, _, status, failure = self.world.last_message(self.away)
        self.assertEqual(answer["id"], message_id)
        self.assertEqual((sender, status, failure), ("Key " + key[:4], "queued", ""))
        self.assertEqual(self.uses(key), 1)
        # the client follows its print: queued until the printer is back
        follow = self.client.get("/printkey/%s/messages/%d" % (key, message_id))
        self.assertStatus(follow, 200, self.world)
        state = self.assertJson(follow)
        self.assertEqual((state["id"], state["status"], state["sent"]), (message_id, "queued", None))
        # another key's messages, and unknown ones, are not shown
        self.assertStatus(self.client.get("/printkey/%s/messages/%d" % (self.world.device_key(self.away), message_id)),
                          404, self.world)

    def test_same_body_within_seconds_prints_once(self):
        key = self.world.device_key(self.away)
        first = self.assertJson(self.post(b"share sheet", "text/plain", path="/printkey/" + key))
        again = self.post(b"share sheet", "text/plain", path="/printkey/" + key)
        self.assertStatus(again, 202, self.world)
        answer = self.assertJson(again)
        self.assertEqual((answer["id"], answer["repeat"]), (first["id"], True))
        other = self.assertJson(self.post(b"another text", "text/plain", path="/printkey/" + key))
        self.assertNotEqual(other["id"], first["id"])

    def test_idempotency_key_answers_the_first_request(self):
        key = self.world.device_key(self.away)
        headers = {"Idempotency-Key": "order-42"}
        first = self.post(b"once only", "text/plain", path="/printkey/" + key, headers=headers)
        self.assertStatus(first, 202, self.world)
        again = self.post(b"a different body", "text/plain", path="/printkey/" + key, headers=headers)
        self.assertStatus(again, 202, self.world)
        self.assertEqual(self.assertJson(again)["id"], self.assertJson(first)["id"])
        self.assertEqual(again.header("Idempotent-Replayed"), "true")
        self.assertError(self.post(b"x", "text/plain", path="/printkey/" + key,
                                   headers={"Idempotency-Key": "tab\there"}), 400)

    def test_button_mode_and_face(self):
        key = self.world.device_key(self.away)
        self.assertStatus(self.post(b"for later", "text/plain", "?mode=deliver&face=none", path="/printkey/" + key),
                          202, self.world)
        _, _, command, _, _, _ = self.world.last_message(self.away)
        self.assertEqual(command, 0x12)
        self.assertError(self.post(b"x", "text/plain", "?mode=later", path="/printkey/" + key), 400)

    def test_405_other_methods(self):
        response = self.client.request("DELETE", self.path)
        self.assertStatus(response, 405, self.world)
        self.assertJson(response)


class PrintKeyRelayDown(a.ApiTestCase):
    """The relay not running: prints are kept queued for it (202); the status says offline."""

    def test_202_queued_while_the_relay_is_down(self):
        world = a.ApiWorld(relay=False)
        self.addCleanup(world.close)
        world.user("bob")
        printer = world.printer("bob", "Shelf", emulate=False)
        key = world.device_key(printer)
        client = world.stack.client()
        response = client.request("POST", "/printkey/" + key, body=b"hello", headers={"Content-Type": "text/plain"})
        self.assertStatus(response, 202, world)
        body = self.assertJson(response)
        self.assertEqual(body["status"], "queued")
        self.assertEqual(response.header("Access-Control-Allow-Origin"), "*")
        _, _, _, _, status, failure = world.last_message(printer)
        self.assertEqual((status, failure), ("queued", ""))
        response = client.get("/printkey/" + key)
        self.assertEqual(self.assertJson(response), {"name": "Shelf", "owner": "bob", "status": "offline"})


if __name__ == "__main__":
    unittest.main()
