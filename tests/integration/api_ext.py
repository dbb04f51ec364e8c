#!/usr/bin/env python3
"""api_ext.py: POST /ext_api/v1/printer/ID/print_html through real lighttpd: API key or session, owner or friend, each print checked at an emulated printer."""
import json
import unittest

import api_helpers as a


class ExtApi(a.ApiTestCase):
    @classmethod
    def setUpClass(cls):
        cls.world = a.ApiWorld()
        try:
            cls.alice = cls.world.user("alice")
            cls.bob = cls.world.user("bob")
            cls.carol = cls.world.user("carol")
            cls.alice_key = cls.world.api_key(cls.alice)
            cls.bob_key = cls.world.api_key(cls.bob)
            cls.carol_key = cls.world.api_key(cls.carol)
            cls.desk = cls.world.printer("alice", "Desk")
            cls.away = cls.world.printer("alice", "Away", emulate=False)
            # alice lists bob as a friend: bob may print to alice's printers, not the other way round
            cls.world.query("INSERT INTO friends (user_id, friend_id, created) VALUES (?, ?, 0)", cls.alice, cls.bob)
        except BaseException:
            cls.world.close()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.world.close()

    def setUp(self):
        self.client = self.world.stack.client()

    def path(self, printer_id, api_key=None):
        path = "/ext_api/v1/printer/%d/print_html" % printer_id
        return path + ("?api_key=" + api_key if api_key else "")

    def print_html(self, printer_id, body, api_key=None, client=None, content_type="application/json"):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        return (client or self.client).request("POST", self.path(printer_id, api_key), body=data,
                                               headers={"Content-Type": content_type})

    def assertError(self, response, status, *needles):
        self.assertStatus(response, status, self.world)
        body = self.assertJson(response)
        for needle in needles:
            self.assertIn(needle, body["error"])

    def test_owner_with_api_key(self):
        html = "<h2>Shopping</h2><ul><li>eggs</li><li>flour ✓</li></ul>"
        response = self.print_html(self.desk.id, {"message": html, "face": "default"}, self.alice_key)
        self.assertStatus(response, 200, self.world)
        self.assertEqual(self.assertJson(response)["status"], "sent")
        self.world.check_printed(self, self.desk, "text/html", html.encode(), "alice", command=1)

    def test_noface(self):
        html = "<p>No face, please.</p>"
        response = self.print_html(self.desk.id, {"message": html, "face": "noface"}, self.alice_key)
        self.assertEqual(self.assertJson(response)["status"], "sent")
        self.world.check_printed(self, self.desk, "text/html", html.encode(), "alice", command=0x11)

    def test_friend_may_print(self):
        html = "<p>Hello from your friend</p>"
        response = self.print_html(self.desk.id, {"message": html, "face": "default"}, self.bob_key)
        self.assertEqual(self.assertJson(response)["status"], "sent")
        self.world.check_printed(self, self.desk, "text/html", html.encode(), "bob")

    def test_stranger_gets_404(self):
        response = self.print_html(self.desk.id, {"message": "<p>hi</p>", "face": "default"}, self.carol_key)
        self.assertError(response, 404)
        self.assertError(self.print_html(999999, {"message": "<p>hi</p>", "face": "default"}, self.alice_key), 404)

    def test_session_cookie(self):
        browser = self.world.stack.client()
        self.assertStatus(browser.post_form("/login", "/login", {"username": "alice", "password": "password1"}), 303,
                          self.world)
        html = "<p>Signed in, no key</p>"
        response = self.print_html(self.desk.id, {"message": html, "face": "default"}, client=browser)
        self.assertStatus(response, 200, self.world)
        self.world.check_printed(self, self.desk, "text/html", html.encode(), "alice")
        # a form of another site cannot send JSON: anything else is refused before anything happens
        form = browser.request("POST", self.path(self.desk.id), body=b"message=x&face=default",
                               headers={"Content-Type": "application/x-www-form-urlencoded"})
        self.assertError(form, 415)
        plain = browser.request("POST", self.path(self.desk.id), body=b'{"message": "x", "face": "default"}',
                                headers={"Content-Type": "text/plain"})
        self.assertError(plain, 415)

    def test_401_without_credentials(self):
        self.assertError(self.print_html(self.desk.id, {"message": "<p>x</p>", "face": "default"}), 401, "api_key")
        self.assertError(self.print_html(self.desk.id, {"message": "<p>x</p>", "face": "default"}, "a" * 32), 401)
        self.assertError(self.print_html(self.desk.id, {"message": "<p>x</p>", "face": "default"}, "short"), 400,
                         "API key")

    def test_400_names_the_field(self):
        self.assertError(self.print_html(self.desk.id, {"face": "default"}, self.alice_key), 400, "message")
        self.assertError(self.print_html(self.desk.id, {"message": "<p>x</p>"}, self.alice_key), 400, "face")
        self.assertError(self.print_html(self.desk.id, {"message": "<p>x</p>", "face": "smile"}, self.alice_key),
                         400, "face", "noface")
        self.assertError(self.print_html(self.desk.id, {"message": ["<p>x</p>"], "face": "default"},
                                         self.alice_key), 400, "message")
        self.assertError(self.print_html(self.desk.id, b"[]", self.alice_key), 400)
        self.assertError(self.print_html(self.desk.id, b"{oops", self.alice_key), 400)

    def test_202_queued_for_an_offline_printer(self):
        response = self.print_html(self.away.id, {"message": "<p>x</p>", "face": "default"}, self.bob_key)
        self.assertStatus(response, 202, self.world)
        answer = self.assertJson(response)
        message_id, sender, _, _, status, failure = self.world.last_message(self.away)
        self.assertEqual(answer, {"status": "queued", "id": message_id})
        self.assertEqual((sender, status, failure), ("bob", "queued", ""))
        # for the button, and an Idempotency-Key answering as the first request
        response = self.print_html(self.away.id, {"message": "<p>y</p>", "face": "noface", "mode": "deliver"},
                                   self.bob_key)
        _, _, command, _, _, _ = self.world.last_message(self.away)
        self.assertEqual(command, 0x12)
        self.assertError(self.print_html(self.away.id, {"message": "<p>y</p>", "face": "default", "mode": "soon"},
                                         self.bob_key), 400, "mode")

    def test_api_key_in_authorization_bearer_header(self):
        html = "<p>Key in a header, not in the server's log</p>"
        body = json.dumps({"message": html, "face": "default"}).encode()
        response = self.client.request("POST", self.path(self.desk.id), body=body,
                                       headers={"Content-Type": "application/json",
                                                "Authorization": "Bearer " + self.alice_key})
        self.assertStatus(response, 200, self.world)
        self.world.check_printed(self, self.desk, "text/html", html.encode(), "alice")
        for header, status in (("Bearer " + "a" * 32, 401), ("Basic YWxpY2U6cGFzc3dvcmQx", 401),
                               ("Bearer short", 401)):
            response = self.client.request("POST", self.path(self.desk.id), body=body,
                                           headers={"Content-Type": "application/json", "Authorization": header})
            self.assertError(response, status)
            self.assertEqual(response.header("WWW-Authenticate"), 'Bearer realm="sirius"')
        # given both ways, they must agree
        response = self.client.request("POST", self.path(self.desk.id, self.bob_key), body=body,
                                       headers={"Content-Type": "application/json",
                                                "Authorization": "Bearer " + self.alice_key})
        self.assertError(response, 400, "once")

    def test_json_body_under_any_label(self):
        # the original's documented example: curl --data '{...}' labels it a form
        html = "<p>Sent as curl --data sends it</p>"
        body = json.dumps({"message": html, "face": "default"}).encode()
        for label in ("application/x-www-form-urlencoded", "text/plain", None):
            headers = {"Content-Type": label} if label else {}
            response = self.client.request("POST", self.path(self.desk.id, self.alice_key), body=body,
                                           headers=headers)
            self.assertStatus(response, 200, self.world)
            self.world.check_printed(self, self.desk, "text/html", html.encode(), "alice")
        # a body that is no JSON object is still refused as before
        response = self.client.request("POST", self.path(self.desk.id, self.alice_key), body=b"message=x",
                                       headers={"Content-Type": "application/x-www-form-urlencoded"})
        self.assertError(response, 415)

    def test_json_answers_end_with_a_newline(self):
        ok = self.print_html(self.desk.id, {"message": "<p>nl</p>", "face": "default"}, self.alice_key)
        self.assertStatus(ok, 200, self.world)
        self.world.wait_answered(self.assertJson(ok)["id"])  # not in flight when the next test prints
        error = self.print_html(self.desk.id, {"message": "<p>x</p>", "face": "default"}, "a" * 32)
        for response in (ok, error):
            self.assertTrue(response.body.endswith(b"}\n"), response.body)

    def test_422_html_over_a_limit(self):
        response = self.print_html(self.desk.id, {"message": "<div>" * 200, "face": "default"}, self.alice_key)
        self.assertError(response, 422, "deep")


if __name__ == "__main__":
    unittest.main()
