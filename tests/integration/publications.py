#!/usr/bin/env python3
"""publications.py: subscribing a printer to a publication through the web form, deliveries by sirius-scheduler on a fake clock, failures shown on the printer page, the push API."""
import datetime
import html
import os
import signal
import subprocess
import time
import unittest

import api_helpers as a
import harness
import publication_server

# The stack may fetch from this machine's loopback address only: 10.x stays private.
os.environ["SIRIUS_FETCH_PRIVATE"] = "127.0.0.1"

SCHEDULER = os.path.join(harness.BUILD, "tools", "sirius-scheduler")


class Publications(a.ApiTestCase):
    @classmethod
    def setUpClass(cls):
        cls.pub = publication_server.Publication()
        cls.world = a.ApiWorld()
        try:
            cls.world.user("alice")
            cls.desk = cls.world.printer("alice", "Desk")
            cls.web = cls.world.stack.client()
            response = cls.web.post_form("/login", "/login", {"username": "alice", "password": "password1"})
            assert response.status == 303, response
            cls.clock = os.path.join(cls.world.stack.tmp, "clock")
        except BaseException:
            cls.world.close()
            cls.pub.close()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.world.close()
        cls.pub.close()

    # ---- helpers ---------------------------------------------------------------

    def page(self):
        response = self.web.get("/printer/%d" % self.desk.id)
        self.assertStatus(response, 200, self.world)
        return html.unescape(response.text)

    def scheduler(self, now, *extra):
        """Runs one pass of sirius-scheduler with the clock at now; returns its output."""
        with open(self.clock, "w") as f:
            f.write("%d\n" % now)
        run = subprocess.run([SCHEDULER, "--once", "--clock-file", self.clock, "--prefetch", "0",
                              "--fetch-timeout", "2", *extra], env=self.world.stack.env, capture_output=True,
                             text=True, timeout=120)
        self.assertEqual(run.returncode, 0, run.stderr)
        return run.stderr

    def subscription(self, sid):
        rows = self.world.query("SELECT next_due, coalesce(retry_at, 0), coalesce(last_state, ''),"
                                " coalesce(last_message, ''), delivery_count FROM subscriptions WHERE id = ?", sid)
        return rows[0]

    def messages(self):
        (n,), = self.world.query("SELECT count(*) FROM messages WHERE printer_id = ?", self.desk.id)
        return n

    def subscribe(self, fields):
        self.web.get("/printer/%d/subscriptions/new?url=%s" % (self.desk.id, self.pub.base))
        return self.web.post("/printer/%d/subscriptions" % self.desk.id, fields)

    def set_utc(self):
        self.web.get("/printer/%d" % self.desk.id)
        response = self.web.post("/printer/%d/timezone" % self.desk.id, {"timezone": "UTC"})
        self.assertStatus(response, 303, self.world)

    # ---- tests -----------------------------------------------------------------

    def test_1_form_shows_publication_and_its_errors(self):
        response = self.web.get("/printer/%d/subscriptions/new?url=%smeta.json" % (self.desk.id, self.pub.base))
        self.assertStatus(response, 200, self.world)
        text = html.unescape(response.text)
        self.assertIn("Test Daily", text)
        self.assertIn("A publication of the integration tests", text)
        self.assertIn("Your city", text)
        self.assertIn('name="config_size"', text)
        self.assertIn('alt="A sample edition"', text)
        # The publication's own validation errors, shown to the owner; nothing stored.
        response = self.subscribe({"url": self.pub.base, "delivery_time": "08:00", "config_city": "Atlantis",
                                   "config_size": "s"})
        self.assertStatus(response, 422, self.world)
        self.assertIn("Atlantis is not a city we can find.", html.unescape(response.text))
        response = self.subscribe({"url": self.pub.base, "delivery_time": "25:00", "config_city": "Leeds"})
        self.assertStatus(response, 400, self.world)
        self.assertIn("HH:MM", response.text)
        response = self.subscribe({"url": "http://127.0.0.1:9/nothing/", "delivery_time": "08:00"})
        self.assertStatus(response, 422, self.world)
        self.assertIn("could not be fetched", response.text)
        self.assertEqual(self.world.query("SELECT count(*) FROM subscriptions")[0][0], 0)
        # Bad time zones are refused.
        response = self.web.post("/printer/%d/timezone" % self.desk.id, {"timezone": "Mars/Olympus"})
        self.assertStatus(response, 400, self.world)

    def test_2_delivery_at_its_time_once(self):
        self.set_utc()
        now = int(time.time())
        due = (now // 60 + 2) * 60
        hhmm = datetime.datetime.fromtimestamp(due, datetime.timezone.utc).strftime("%H:%M")
        response = self.subscribe({"url": self.pub.base, "delivery_time": hhmm, "mode": "print",
                                   "config_city": "Leeds", "config_size": "l"})
        self.assertStatus(response, 303, self.world)
        (sid, next_due), = self.world.query("SELECT id, next_due FROM subscriptions WHERE printer_id = ?",
                                             self.desk.id)
        self.assertEqual(next_due, due)
        self.assertIn("Test Daily", self.page())
        before = self.messages()
        # A minute early: nothing.
        self.scheduler(due - 60)
        self.assertEqual(self.messages(), before)
        # At its time: fetched with the subscription's parameters and printed.
        self.pub.etag = '"first"'
        self.scheduler(due)
        self.assertEqual(self.messages(), before + 1)
        query = self.pub.requests[-1]
        self.assertEqual(query["city"], "Leeds")
        self.assertEqual(query["size"], "l")
        self.assertEqual(query["delivery_count"], "0")
        self.assertEqual(query["local_delivery_time"],
                         datetime.datetime.fromtimestamp(due, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S+00:00"))
        (message_id,), = self.world.query("SELECT max(id) FROM messages WHERE printer_id = ?", self.desk.id)
        self.desk.emulator.wait_for(r"^printed %d -> " % message_id, timeout=30)
        state = self.subscription(sid)
        self.assertEqual(state[2], "delivered")
        self.assertEqual(state[0], due + 86400)
        self.assertIn("sent to the printer", self.page())
        # Again at the same time, and after the scheduler was down for days: never twice.
        self.scheduler(due + 30)
        self.assertEqual(self.messages(), before + 1)
        self.pub.etag = '"second"'
        self.scheduler(due + 3 * 86400 + 60)
        self.assertEqual(self.messages(), before + 2)
        self.scheduler(due + 3 * 86400 + 90)
        self.assertEqual(self.messages(), before + 2)
        self.assertEqual(self.subscription(sid)[0], due + 4 * 86400)
        self.assertEqual(self.pub.requests[-1]["delivery_count"], "1")

    def test_3_failures_are_shown_and_print_nothing(self):
        (sid,), = self.world.query("SELECT id FROM subscriptions WHERE printer_id = ?", self.desk.id)
        cases = [
            ("500", "answered 500"),
            ("slow", "no answer within"),
            ("redirect-private", "private or reserved address"),
            ("huge", "larger than"),
        ]
        before = self.messages()
        for mode, words in cases:
            with self.subTest(mode=mode):
                self.pub.edition_mode = mode
                next_due, retry_at, _, _, _ = self.subscription(sid)
                self.scheduler(retry_at or next_due)
                state = self.subscription(sid)
                self.assertEqual(state[2], "retrying", state)
                self.assertIn(words, state[3])
                self.assertIn(words, self.page())
                self.assertEqual(self.messages(), before)
        # After the last try the edition is given up until the next day.
        self.pub.edition_mode = "500"
        for _ in range(10):
            next_due, retry_at, state, _, _ = self.subscription(sid)
            if state == "failed":
                break
            self.scheduler(retry_at or next_due)
        self.assertEqual(self.subscription(sid)[2], "failed")
        self.assertEqual(self.messages(), before)
        # Nothing today is a state too.
        self.pub.edition_mode = "nothing"
        self.scheduler(self.subscription(sid)[0])
        self.assertEqual(self.subscription(sid)[2], "nothing")
        self.assertEqual(self.messages(), before)
        self.pub.edition_mode = "ok"

    def test_4_deliver_now_pause_and_push(self):
        (sid, token), = self.world.query("SELECT id, push_token FROM subscriptions WHERE printer_id = ?",
                                          self.desk.id)
        before = self.messages()
        self.pub.etag = None
        self.page()
        response = self.web.post("/printer/%d/subscriptions/%d/deliver" % (self.desk.id, sid))
        self.assertStatus(response, 303, self.world)
        self.assertEqual(self.messages(), before + 1)
        # answered before the push below, which says "delivered" only when its print is sent at once
        (now_id,), = self.world.query("SELECT max(id) FROM messages WHERE printer_id = ?", self.desk.id)
        self.world.wait_answered(now_id)
        # The push token is shown to the owner.
        self.assertIn(token, self.page())
        path = "/api/v1/subscriptions/%d/publish" % sid
        client = self.world.stack.client()
        response = client.request("POST", path, body=b"<p>pushed</p>",
                                  headers={"Content-Type": "text/html", "Authorization": "Bearer " + "x" * 32})
        self.assertStatus(response, 401, self.world)
        self.assertEqual(self.messages(), before + 1)
        response = client.request("POST", path, body=b"<p>pushed</p>", headers={"Content-Type": "text/html"})
        self.assertStatus(response, 401, self.world)
        response = client.request("POST", path, body=b'{"text": "pushed"}',
                                  headers={"Content-Type": "application/json", "Authorization": "Bearer " + token})
        self.assertStatus(response, 200, self.world)
        body = self.assertJson(response)
        self.assertEqual(body["status"], "delivered")
        self.desk.emulator.wait_for(r"^printed %d -> " % body["message_id"], timeout=30)
        self.assertEqual(self.messages(), before + 2)
        # Paused: the scheduler leaves it; removed: gone from the page.
        self.page()
        self.assertStatus(self.web.post("/printer/%d/subscriptions/%d/pause" % (self.desk.id, sid)), 303)
        next_due = self.world.query("SELECT next_due FROM subscriptions WHERE id = ?", sid)[0][0]
        self.assertIsNone(next_due)
        self.scheduler(int(time.time()) + 10 * 86400)
        self.assertEqual(self.messages(), before + 2)
        self.assertStatus(self.web.post("/printer/%d/subscriptions/%d/resume" % (self.desk.id, sid)), 303)
        self.assertIsNotNone(self.world.query("SELECT next_due FROM subscriptions WHERE id = ?", sid)[0][0])
        self.assertStatus(self.web.post("/printer/%d/subscriptions/%d/delete" % (self.desk.id, sid)), 303)
        self.assertIn("This printer subscribes to no publication.", self.page())
        self.assertEqual(self.world.query("SELECT count(*) FROM subscriptions")[0][0], 0)


class SchedulerDaemon(a.ApiTestCase):
    """sirius-scheduler as run.sh runs it: a loop that notices the clock reach a delivery time, stopped by SIGTERM."""

    def test_daemon_delivers_when_the_clock_gets_there(self):
        pub = publication_server.Publication()
        world = a.ApiWorld()
        daemon = None
        try:
            world.user("carol")
            desk = world.printer("carol", "Hall")
            web = world.stack.client()
            self.assertEqual(web.post_form("/login", "/login", {"username": "carol", "password": "password1"}).status,
                             303)
            web.get("/printer/%d/subscriptions/new?url=%s" % (desk.id, pub.base))
            response = web.post("/printer/%d/subscriptions" % desk.id,
                                {"url": pub.base, "delivery_time": "05:45", "mode": "print", "config_city": "York"})
            self.assertStatus(response, 303, world)
            (due,), = world.query("SELECT next_due FROM subscriptions")
            clock = os.path.join(world.stack.tmp, "clock")
            with open(clock, "w") as f:
                f.write("%d\n" % (due - 3600))
            daemon = subprocess.Popen([SCHEDULER, "--clock-file", clock, "--prefetch", "0", "--interval", "1"],
                                      env=world.stack.env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                      text=True)
            with open(clock, "w") as f:
                f.write("%d\n" % due)
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                if world.query("SELECT count(*) FROM messages WHERE printer_id = ?", desk.id)[0][0] == 1:
                    break
                self.assertIsNone(daemon.poll(), "the scheduler stopped")
                time.sleep(0.2)
            self.assertEqual(world.query("SELECT count(*) FROM messages WHERE printer_id = ?", desk.id)[0][0], 1)
            (message_id,), = world.query("SELECT max(id) FROM messages WHERE printer_id = ?", desk.id)
            desk.emulator.wait_for(r"^printed %d -> " % message_id, timeout=30)
            daemon.send_signal(subprocess.signal.SIGTERM)
            _, errors = daemon.communicate(timeout=30)
            self.assertEqual(daemon.returncode, 0, errors)
            self.assertIn("delivered", errors)
            daemon = None
        finally:
            if daemon:
                daemon.kill()
                daemon.wait()
            world.close()
            pub.close()


class BuiltinPublications(a.ApiTestCase):
    """The server's own publications, subscribed to through the same form and fetched through the same client."""

    @classmethod
    def setUpClass(cls):
        cls.pub = publication_server.Publication()
        vectors = os.path.join(harness.SOURCE, "tests", "vectors", "publications")
        for name, path, content_type in (("feed.atom", "/feeds/atom.xml", "application/atom+xml"),
                                         ("feed.rss", "/feeds/rss.xml", "application/rss+xml"),
                                         ("calendar.ics", "/calendar.ics", "text/calendar")):
            with open(os.path.join(vectors, name), "rb") as f:
                cls.pub.files[path] = (content_type, f.read())
        cls.world = a.ApiWorld()
        try:
            cls.world.user("bob")
            cls.desk = cls.world.printer("bob", "Kitchen")
            cls.web = cls.world.stack.client()
            response = cls.web.post_form("/login", "/login", {"username": "bob", "password": "password1"})
            assert response.status == 303, response
            cls.clock = os.path.join(cls.world.stack.tmp, "clock")
        except BaseException:
            cls.world.close()
            cls.pub.close()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.world.close()
        cls.pub.close()

    def messages(self):
        (n,), = self.world.query("SELECT count(*) FROM messages WHERE printer_id = ?", self.desk.id)
        return n

    def scheduler(self, now):
        with open(self.clock, "w") as f:
            f.write("%d\n" % now)
        run = subprocess.run([SCHEDULER, "--once", "--clock-file", self.clock, "--prefetch", "0"],
                             env=self.world.stack.env, capture_output=True, text=True, timeout=120)
        self.assertEqual(run.returncode, 0, run.stderr)
        return run.stderr

    def subscribe_feed(self, feed_path):
        base = self.world.stack.url("/publications/feed/")
        response = self.web.get("/printer/%d/subscriptions/new?url=%s" % (self.desk.id, base))
        self.assertStatus(response, 200, self.world)
        self.assertIn("News feed", response.text)
        response = self.web.post("/printer/%d/subscriptions" % self.desk.id,
                                 {"url": base, "delivery_time": "07:00", "mode": "print",
                                  "config_url": self.pub.url(feed_path), "config_items": "5"})
        self.assertStatus(response, 303, self.world)
        (sid, next_due), = self.world.query("SELECT id, next_due FROM subscriptions ORDER BY id DESC LIMIT 1")
        return sid, next_due

    def test_feed_over_atom_and_rss(self):
        for path, titles in (("/feeds/atom.xml", ["Newest entry &amp; more", "Middle entry", "Older entry"]),
                             ("/feeds/rss.xml", ["Rain later", "Yesterday"])):
            with self.subTest(feed=path):
                # The edition as the publication serves it.
                response = self.world.stack.client().get("/publications/feed/edition?url=%s&items=5"
                                                         % self.pub.url(path))
                self.assertStatus(response, 200, self.world)
                for title in titles:
                    self.assertIn(title, response.text)
                etag = response.header("ETag")
                self.assertTrue(etag and etag.startswith('"feed-'), etag)
                # Nothing newer than the last edition: nothing today.
                again = self.world.stack.client().request(
                    "GET", "/publications/feed/edition?url=%s" % self.pub.url(path), headers={"If-None-Match": etag})
                self.assertEqual(again.status, 304)
                # Subscribed through the form, delivered by the scheduler, once.
                sid, due = self.subscribe_feed(path)
                before = self.messages()
                self.scheduler(due)
                (state, message), = self.world.query(
                    "SELECT last_state, last_message FROM subscriptions WHERE id = ?", sid)
                self.assertEqual(state, "delivered", message)
                self.assertEqual(self.messages(), before + 1)
                (message_id,), = self.world.query("SELECT max(id) FROM messages WHERE printer_id = ?", self.desk.id)
                self.desk.emulator.wait_for(r"^printed %d -> " % message_id, timeout=30)
                self.scheduler(due + 86400)
                (state,), = self.world.query("SELECT last_state FROM subscriptions WHERE id = ?", sid)
                self.assertEqual(state, "nothing")
                self.assertEqual(self.messages(), before + 1)

    def test_good_morning_with_calendar(self):
        response = self.world.stack.client().get(
            "/publications/good-morning/edition?local_delivery_time=2024-05-01T07:00:00%%2B01:00&name=Bob&calendar=%s"
            % self.pub.url("/calendar.ics"))
        self.assertStatus(response, 200, self.world)
        text = response.text
        self.assertIn("Good morning, Bob", text)
        self.assertIn("Wednesday 1 May 2024", text)
        self.assertIn("<b>10:00</b> Dentist", text)
        self.assertNotIn("Lunch tomorrow", text)
        response = self.world.stack.client().post(
            "/publications/good-morning/validate_config", {"config": '{"calendar": "file:///etc/passwd"}'},
            csrf=False)
        self.assertStatus(response, 200, self.world)
        body = self.assertJson(response)
        self.assertFalse(body["valid"])
        self.assertIn("http", body["errors"][0])
        # Subscribed for the button: delivered now, it waits in the printer for a press (set_delivery).
        base = self.world.stack.url("/publications/good-morning/")
        self.web.get("/printer/%d/subscriptions/new?url=%s" % (self.desk.id, base))
        response = self.web.post("/printer/%d/subscriptions" % self.desk.id,
                                 {"url": base, "delivery_time": "06:30", "mode": "button", "config_name": "Bob",
                                  "config_calendar": self.pub.url("/calendar.ics")})
        self.assertStatus(response, 303, self.world)
        (sid,), = self.world.query("SELECT id FROM subscriptions WHERE url = ? ORDER BY id DESC LIMIT 1", base)
        self.web.get("/printer/%d" % self.desk.id)
        self.assertStatus(self.web.post("/printer/%d/subscriptions/%d/deliver" % (self.desk.id, sid)), 303)
        (message_id, command), = self.world.query(
            "SELECT id, command FROM messages WHERE printer_id = ? ORDER BY id DESC LIMIT 1", self.desk.id)
        self.assertEqual(command, 2)
        self.desk.emulator.wait_for(r"^command %d stored \(prints when the button is pressed\)" % message_id,
                                    timeout=30)
        # A press prints it, and the server hears so.
        self.desk.emulator.proc.send_signal(signal.SIGUSR1)
        self.desk.emulator.wait_for(r"button pressed: printed held delivery %d" % message_id, timeout=30)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            (status,), = self.world.query("SELECT status FROM messages WHERE id = ?", message_id)
            if status == "printed":
                break
            time.sleep(0.2)
        self.assertEqual(status, "printed")
        meta = self.assertJson(self.world.stack.client().get("/publications/good-morning/meta.json"))
        self.assertEqual(meta["name"], "Good morning")
        self.assertEqual(self.world.stack.client().get("/publications/nothing/meta.json").status, 404)


if __name__ == "__main__":
    unittest.main()
