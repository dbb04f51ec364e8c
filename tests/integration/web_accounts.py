#!/usr/bin/env python3
"""web_accounts.py: accounts through real lighttpd and as plain CGI: sign up, in and out, CSRF, rate limit, API key, errors."""
import base64
import os
import re
import socket
import unittest

import harness

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


class WebAccounts(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.stack = harness.Stack()

    @classmethod
    def tearDownClass(cls):
        cls.stack.close()

    def assertStatus(self, response, status):
        self.assertEqual(response.status, status, "%r\n%s" % (response, self.stack.logs()[-3000:]))

    def signup(self, name, password="correct horse battery"):
        """A new browser signed up (and so signed in) as name."""
        client = self.stack.client()
        response = client.post_form("/signup", "/signup", {"username": name, "password": password})
        self.assertStatus(response, 303)
        self.assertEqual(response.header("Location"), "/")
        return client

    # ---- pages and headers ---------------------------------------------------

    def test_pages_for_visitors(self):
        client = self.stack.client()
        for path, needle in (("/", "Make an account"), ("/about", "About this server"),
                             ("/signup", 'name="password"'), ("/login", "Sign in")):
            response = client.get(path)
            self.assertStatus(response, 200)
            self.assertIn(needle, response.text)
            self.assertTrue(response.header("Content-Type").startswith("text/html"))
            csp = response.header("Content-Security-Policy")
            self.assertIn("default-src 'self'", csp)
            self.assertIn("img-src 'self' data:", csp)
            for name, value in SECURITY_HEADERS.items():
                self.assertEqual(response.header(name), value, (path, name))

    def test_head_has_no_body(self):
        response = self.stack.client().request("HEAD", "/about")
        self.assertStatus(response, 200)
        self.assertEqual(response.body, b"")

    def test_static_files_and_no_listing(self):
        client = self.stack.client()
        response = client.get("/static/sirius.css")
        self.assertStatus(response, 200)
        self.assertTrue(response.header("Content-Type").startswith("text/css"))
        self.assertIn("font", response.text)
        self.assertIn(client.get("/static/").status, (403, 404))
        self.assertIn(client.get("/static/../templates/layout.html").status, (400, 404))

    def test_unknown_route_is_a_404_page(self):
        response = self.stack.client().get("/no/such/page")
        self.assertStatus(response, 404)
        self.assertIn("404 Not Found", response.text)
        self.assertIn("There is no page at this address", response.text)
        self.assertIn('href="/static/sirius.css"', response.text)

    def test_api_paths_answer_json_errors(self):
        response = self.stack.client().get("/printkey/no-such-endpoint-here")
        self.assertStatus(response, 404)
        self.assertEqual(response.header("Content-Type"), "application/json")
        self.assertIn('"error"', response.text)

    def test_wrong_method_is_405_with_allow(self):
        response = self.stack.client().request("DELETE", "/login")
        self.assertStatus(response, 405)
        self.assertEqual(response.header("Allow"), "GET, HEAD, POST")
        response = self.stack.client().request("PUT", "/about", body=b"")
        self.assertStatus(response, 405)
        self.assertEqual(response.header("Allow"), "GET, HEAD")

    def test_oversized_body_is_413(self):
        client = self.stack.client()
        client.get("/login")
        body = b"username=a&password=" + b"x" * (200 * 1024)
        response = client.request("POST", "/login", body=body,
                                  headers={"Content-Type": "application/x-www-form-urlencoded"})
        self.assertStatus(response, 413)
        self.assertIn("larger than", response.text)

    def test_wrong_body_type_is_415(self):
        client = self.stack.client()
        client.get("/login")
        response = client.request("POST", "/login", body=b"hello", headers={"Content-Type": "text/plain"})
        self.assertStatus(response, 415)

    def test_malformed_form_is_400(self):
        client = self.stack.client()
        client.get("/login")
        response = client.request("POST", "/login", body=b"username=%zz&password=x",
                                  headers={"Content-Type": "application/x-www-form-urlencoded"})
        self.assertStatus(response, 400)
        self.assertIn("malformed", response.text)

    # ---- signing up, out and in ----------------------------------------------

    def test_signup_logout_login(self):
        client = self.signup("alice")
        session = client.cookies["sirius_session"]
        home = client.get("/")
        self.assertStatus(home, 200)
        self.assertIn("Hello, alice", home.text)
        self.assertIn("Your printers", home.text)
        self.assertIn('action="/logout"', home.text)

        response = client.post("/logout")
        self.assertStatus(response, 303)
        self.assertEqual(response.cookie("sirius_session")["max-age"], "0")
        self.assertNotIn("sirius_session", client.cookies)
        self.assertIn("Make an account", client.get("/").text)
        # The old token no longer signs anyone in.
        old = self.stack.client()
        old.cookies["sirius_session"] = session
        self.assertNotIn("Hello, alice", old.get("/").text)

        response = client.post_form("/login", "/login", {"username": "alice", "password": "correct horse battery"})
        self.assertStatus(response, 303)
        self.assertEqual(response.header("Location"), "/")
        self.assertNotEqual(client.cookies["sirius_session"], session)
        self.assertIn("Hello, alice", client.get("/").text)

    def test_session_cookie_flags(self):
        client = self.stack.client()
        response = client.post_form("/signup", "/signup", {"username": "cookie_jar", "password": "12345678"})
        self.assertStatus(response, 303)
        cookie = response.cookie("sirius_session")
        self.assertRegex(cookie["value"], r"^[0-9a-f]{64}$")
        self.assertIs(cookie.get("httponly"), True)
        self.assertEqual(cookie.get("samesite"), "Lax")
        self.assertEqual(cookie.get("path"), "/")
        self.assertNotIn("secure", cookie)  # plain http here
        self.assertGreater(int(cookie["max-age"]), 86400)
        # Over HTTPS (as the server sees it) the cookie is Secure.
        cgi = self.stack.cgi(harness.WEB, "GET", "/signup", env={"HTTPS": "on"})
        self.assertIs(cgi.cookie("sirius_csrf").get("secure"), True)

    def test_login_rotates_the_session(self):
        client = self.signup("rotor")
        first = client.cookies["sirius_session"]
        # Signed in, GET /login sends the user on; a POST signs in again with a new token.
        self.assertStatus(client.get("/login"), 303)
        client.get("/")
        response = client.post("/login", {"username": "rotor", "password": "correct horse battery"})
        self.assertStatus(response, 303)
        self.assertNotEqual(client.cookies["sirius_session"], first)
        stale = self.stack.client()
        stale.cookies["sirius_session"] = first
        self.assertNotIn("Hello, rotor", stale.get("/").text)

    def test_login_next_stays_on_the_site(self):
        self.signup("nextuser")
        client = self.stack.client()
        client.get("/login?next=/about")
        response = client.post("/login", {"username": "nextuser", "password": "correct horse battery",
                                          "next": "/about"})
        self.assertStatus(response, 303)
        self.assertEqual(response.header("Location"), "/about")
        evil = self.stack.client()
        evil.get("/login")
        response = evil.post("/login", {"username": "nextuser", "password": "correct horse battery",
                                        "next": "//evil.example/"})
        self.assertStatus(response, 400)
        self.assertIn("path on this site", response.text)

    def test_signup_refusals(self):
        self.signup("bob")
        client = self.stack.client()
        response = client.post_form("/signup", "/signup", {"username": "BOB", "password": "another password"})
        self.assertStatus(response, 409)
        self.assertIn("is taken", response.text)
        response = client.post_form("/signup", "/signup", {"username": "carol", "password": "short"})
        self.assertStatus(response, 400)
        self.assertIn("password must be 8", response.text)
        self.assertIn('value="carol"', response.text)
        response = client.post_form("/signup", "/signup", {"username": "no spaces", "password": "long enough"})
        self.assertStatus(response, 400)
        self.assertIn("user name must be", response.text)
        response = client.post_form("/signup", "/signup", {"password": "long enough"})
        self.assertStatus(response, 400)
        self.assertIn("user name is missing", response.text)

    def test_wrong_password_and_rate_limit(self):
        self.signup("dave")
        client = self.stack.client()
        client.get("/login")
        for _ in range(5):
            response = client.post("/login", {"username": "dave", "password": "wrong password"})
            self.assertStatus(response, 403)
            self.assertIn("is wrong", response.text)
            self.assertNotIn("sirius_session", client.cookies)
        response = client.post("/login", {"username": "dave", "password": "correct horse battery"})
        self.assertStatus(response, 429)
        self.assertEqual(response.header("Retry-After"), "900")
        self.assertNotIn("sirius_session", client.cookies)
        # Unknown names are limited the same way (nothing tells them apart).
        for _ in range(5):
            self.assertStatus(client.post("/login", {"username": "nobody_here", "password": "x"}), 403)
        self.assertStatus(client.post("/login", {"username": "nobody_here", "password": "x"}), 429)

    # ---- CSRF ------------------------------------------------------------------

    def test_csrf_missing_or_wrong_is_403(self):
        client = self.signup("erin")
        client.get("/")
        for fields in ({}, {"csrf_token": ""}, {"csrf_token": "0" * 32}, {"csrf_token": client.csrf_token + "0"}):
            response = client.post("/apikey", fields, csrf=False)
            self.assertStatus(response, 403)
            self.assertIn("expired or did not come from this site", response.text)
        # A visitor's token is no good for a signed-in session, nor another session's.
        other = self.signup("erin2")
        other.get("/")
        self.assertStatus(client.post("/apikey", {"csrf_token": other.csrf_token}, csrf=False), 403)
        self.assertStatus(client.post("/logout", {"csrf_token": other.csrf_token}, csrf=False), 403)
        self.assertIn("Hello, erin", client.get("/").text)
        # Visitors' forms: the token must match their own cookie.
        visitor = self.stack.client()
        visitor.get("/signup")
        response = visitor.post("/signup", {"username": "mallory", "password": "long enough",
                                            "csrf_token": "f" * 32}, csrf=False)
        self.assertStatus(response, 403)
        stranger = self.stack.client()
        response = stranger.post("/signup", {"username": "mallory", "password": "long enough",
                                             "csrf_token": visitor.csrf_token}, csrf=False)
        self.assertStatus(response, 403)

    # ---- API key ---------------------------------------------------------------

    def test_api_key(self):
        client = self.signup("frank")
        home = client.get("/")
        self.assertIn("You have no API key", home.text)
        response = client.post("/apikey")
        self.assertStatus(response, 303)
        self.assertEqual(response.header("Location"), "/#api-key")
        key = re.search(r'<code class="key">([a-z0-9]{32})</code>', client.get("/").text).group(1)
        self.assertStatus(client.post("/apikey"), 303)
        again = re.search(r'<code class="key">([a-z0-9]{32})</code>', client.get("/").text).group(1)
        self.assertNotEqual(key, again)

    def test_signed_out_pages(self):
        client = self.stack.client()
        client.get("/")
        response = client.post("/apikey")
        self.assertStatus(response, 401)
        self.assertIn("Sign in first", response.text)

    # ---- the relay behind lighttpd ---------------------------------------------

    def test_websocket_path_goes_to_the_relay(self):
        key = base64.b64encode(os.urandom(16)).decode()
        request = ("GET /api/v1/connection HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\n"
                   "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n"
                   % (self.stack.port, key))
        with socket.create_connection(("127.0.0.1", self.stack.port), timeout=10) as s:
            s.sendall(request.encode())
            answer = s.recv(4096).decode("latin-1")
        self.assertTrue(answer.startswith("HTTP/1.1 101"), answer + self.stack.logs()[-2000:])
        self.assertIn("sec-websocket-accept", answer.lower())

    # ---- plain CGI -------------------------------------------------------------

    def test_every_page_as_plain_cgi(self):
        for path, status in (("/", 200), ("/about", 200), ("/signup", 200), ("/login", 200),
                             ("/login?next=/about", 200), ("/nowhere", 404)):
            response = self.stack.cgi(harness.WEB, "GET", path)
            self.assertStatus(response, status)
            self.assertEqual(response.header("X-Frame-Options"), "DENY")
            self.assertEqual(int(response.header("Content-Length")), len(response.body))
        response = self.stack.cgi(harness.WEB, "POST", "/about", b"")
        self.assertStatus(response, 405)
        response = self.stack.cgi(harness.API, "GET", "/")
        self.assertStatus(response, 404)
        self.assertEqual(response.header("Content-Type"), "application/json")

    def test_signup_login_logout_as_plain_cgi(self):
        form = self.stack.cgi(harness.WEB, "GET", "/signup")
        token = form.cookie("sirius_csrf")["value"]
        self.assertEqual(form.csrf(), token)
        body = ("username=grace&password=cgi+password+1&csrf_token=%s" % token).encode()
        response = self.stack.cgi(harness.WEB, "POST", "/signup", body,
                                  "application/x-www-form-urlencoded", {"sirius_csrf": token})
        self.assertStatus(response, 303)
        session = response.cookie("sirius_session")["value"]
        home = self.stack.cgi(harness.WEB, "GET", "/", cookies={"sirius_session": session})
        self.assertIn("Hello, grace", home.text)
        # The same session works through lighttpd: one database.
        client = self.stack.client()
        client.cookies["sirius_session"] = session
        self.assertIn("Hello, grace", client.get("/").text)
        csrf = home.csrf()
        body = ("csrf_token=%s" % csrf).encode()
        response = self.stack.cgi(harness.WEB, "POST", "/logout", body, "application/x-www-form-urlencoded",
                                  {"sirius_session": session})
        self.assertStatus(response, 303)
        self.assertNotIn("Hello, grace", client.get("/").text)
        # Multipart forms are read the same way.
        form = self.stack.cgi(harness.WEB, "GET", "/login")
        token = form.cookie("sirius_csrf")["value"]
        body, ctype = harness.multipart([("username", "grace"), ("password", "cgi password 1"),
                                         ("csrf_token", token)])
        response = self.stack.cgi(harness.WEB, "POST", "/login", body, ctype, {"sirius_csrf": token})
        self.assertStatus(response, 415)  # /login takes urlencoded forms only

    def test_output_is_escaped(self):
        response = self.stack.cgi(harness.WEB, "GET", "/login?next=/%22%3E%3Cscript%3Ealert(1)%3C/script%3E")
        self.assertStatus(response, 200)
        self.assertNotIn("<script>", response.text)
        self.assertIn("&quot;&gt;&lt;script&gt;", response.text)

    def test_bad_requests_as_plain_cgi(self):
        self.assertStatus(self.stack.cgi(harness.WEB, "GET", "/%zz"), 400)
        self.assertStatus(self.stack.cgi(harness.WEB, "GET", "/a%00b"), 400)
        self.assertStatus(self.stack.cgi(harness.WEB, "GET", "/" + "a" * 5000), 414)
        self.assertStatus(self.stack.cgi(harness.WEB, "BREW", "/"), 501)
        response = self.stack.cgi(harness.WEB, "POST", "/login", b"short", "application/x-www-form-urlencoded",
                                  env={"CONTENT_LENGTH": "100"})
        self.assertStatus(response, 400)
        self.assertIn("ended after", response.text)


if __name__ == "__main__":
    unittest.main(verbosity=2)
