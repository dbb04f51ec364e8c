"""delivery.py: the outbox end to end: prints queued while a printer is away, relays and FastCGI programs killed or stopped mid-delivery, and every print on paper exactly once, in order."""
import collections
import json
import os
import signal
import subprocess
import threading
import time
import unittest

import api_helpers as a
import fake_helpers as h
import harness
import relay_helpers

# What a test waits for at most (a slow shared machine included); nothing is timed.
DEADLINE = 60


class Delivery(a.ApiTestCase):
    def setUp(self):
        self.world = a.ApiWorld()
        self.addCleanup(self.world.close)
        self.world.user("alice")
        self.printer = self.world.printer("alice", "Desk")
        self.key = self.world.device_key(self.printer)
        self.printed = collections.Counter()  # message id -> times the emulator printed it
        self.order = []                       # message ids in the order they were printed

    def post(self, text, client=None, **headers):
        return (client or self.world.stack.client()).request(
            "POST", "/printkey/" + self.key, body=text.encode(), headers=dict({"Content-Type": "text/plain"},
                                                                              **headers))

    def relay_process(self):
        return self.world.stack.procs[0]

    def restart_relay(self, *options):
        """Starts the relay again as the stack first did (after it was killed or stopped), with options added."""
        stack = self.world.stack
        stack.procs.remove(self.relay_process())
        with open(stack.relay_log, "ab") as out:
            proc = subprocess.Popen([harness.RELAY, "--listen", "127.0.0.1:%d" % stack.relay_port, "--socket",
                                     stack.socket, "--db", stack.db] + list(options), env=stack.env, stdout=out,
                                    stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        stack.procs.insert(0, proc)
        harness.wait_port(stack.relay_port, proc, stack.relay_log)

    def wait_printed(self, ids, emulator=None):
        """Waits until the emulator has printed every id of ids, recording each print it reports."""
        emulator = emulator or self.printer.emulator
        deadline = time.monotonic() + DEADLINE
        while not set(ids) <= set(self.printed):
            left = deadline - time.monotonic()
            self.assertGreater(left, 0, "not printed: %s" % sorted(set(ids) - set(self.printed)))
            match = emulator.wait_for(r"^printed (\d+) -> ", timeout=left)
            message_id = int(match.group(1))
            self.printed[message_id] += 1
            self.order.append(message_id)

    def states(self, ids):
        rows = self.world.query("SELECT id, status FROM messages WHERE id IN (%s)" % ",".join("?" * len(ids)), *ids)
        return dict(rows)

    def assertOnPaperOnce(self, ids):
        """Every id printed once, and the database says the printer has it (printed, or delivered when the
        printer's did_print was lost with a killed relay)."""
        for message_id in ids:
            self.assertEqual(self.printed[message_id], 1, "message %d printed %d times"
                             % (message_id, self.printed[message_id]))
        deadline = time.monotonic() + DEADLINE
        while time.monotonic() < deadline:
            states = self.states(ids)
            if all(states.get(i) in ("printed", "delivered") for i in ids):
                return
            time.sleep(0.2)
        self.fail("states: %s\n%s" % (self.states(ids), self.world.stack.logs()[-3000:]))

    def test_printer_away_then_back_prints_the_queue_in_order_once(self):
        emulator = self.printer.emulator
        emulator.stop()
        self.world.programs.remove(emulator)
        # the relay notices the socket closing: the printer is offline
        deadline = time.monotonic() + DEADLINE
        while "offline" not in self.world.stack.client().get("/printkey/" + self.key).text:
            self.assertLess(time.monotonic(), deadline, "the printer never went offline")
            time.sleep(0.2)
        ids = []
        for n in range(5):
            response = self.post("while you were out %d" % n)
            self.assertStatus(response, 202, self.world)
            ids.append(self.assertJson(response)["id"])
        self.assertEqual(set(self.states(ids).values()), {"queued"})
        # back: everything queued prints, oldest first, once
        back = h.Program([h.FAKE, "emulate", os.path.join(self.world.stack.tmp, self.printer.address + ".printer"),
                          "ws://127.0.0.1:%d/api/v1/connection" % self.world.stack.relay_port, "--out",
                          self.world.out, "--heartbeat", "1"], self.world.stack.env, cwd=self.world.stack.tmp)
        self.world.programs.append(back)
        self.wait_printed(ids, back)
        self.assertEqual(self.order, ids)
        self.assertOnPaperOnce(ids)

    def test_relay_killed_mid_delivery_loses_nothing_and_prints_nothing_twice(self):
        ids = []
        for n in range(6):
            response = self.post("before the crash %d" % n)
            self.assertIn(response.status, (200, 202), response)
            ids.append(self.assertJson(response)["id"])
            if n == 2:
                self.relay_process().send_signal(signal.SIGKILL)
                self.relay_process().wait(timeout=DEADLINE)
        # prints made while the relay is dead are kept in the outbox
        self.assertIn("queued", set(self.states(ids).values()))
        self.restart_relay()
        self.wait_printed(ids)
        self.assertOnPaperOnce(ids)

    def test_relay_stopped_during_a_post_then_continued(self):
        relay = self.relay_process()
        relay.send_signal(signal.SIGSTOP)
        try:
            response = self.post("stopped relay")
            # answered without waiting for the relay: the print is stored, the relay sends it when it can
            self.assertStatus(response, 202, self.world)
            message_id = self.assertJson(response)["id"]
            self.assertEqual(self.states([message_id]), {message_id: "queued"})
        finally:
            relay.send_signal(signal.SIGCONT)
        # the wake was lost with the stopped relay's socket backlog or arrives late: either way it prints, once
        self.post("after the pause")
        self.wait_printed([message_id])
        self.assertOnPaperOnce([message_id])

    def journal_lines(self):
        """The relay's journal (beside the database): one line per write, "seq kind device bridge ip id code at"."""
        with open(self.world.stack.db + "-relay-journal") as f:
            return [line.split() for line in f.read().splitlines()]

    def journaled(self, kind, message_id):
        return any(len(f) == 8 and f[1] == kind and f[5] == str(message_id) for f in self.journal_lines())

    def relay_counters(self):
        reply = relay_helpers.control_raw(self.world.stack.socket, b'{"op": "counters"}\n')
        return json.loads(reply)["counters"]

    def test_relay_killed_before_its_commit_loses_no_record(self):
        """The relay's records of deliveries wait in its journal for their commit: a relay killed before it
        does them at its next start, so what was printed and answered is not sent again."""
        relay = self.relay_process()
        relay.send_signal(signal.SIGTERM)
        relay.wait(timeout=DEADLINE)
        # nothing the relay records is committed for an hour: only its journal holds it
        self.restart_relay("--commit-delay", "3600")
        ids = []
        for n in range(3):
            response = self.post("before the crash %d" % n)
            self.assertIn(response.status, (200, 202), response)
            ids.append(self.assertJson(response)["id"])
        self.wait_printed(ids)
        # the relay has journaled each did_print (sirius-fake sends it after the answer), none committed
        deadline = time.monotonic() + DEADLINE
        while not all(self.journaled("printed", i) for i in ids):
            self.assertLess(time.monotonic(), deadline, self.journal_lines())
            time.sleep(0.1)
        self.assertGreater(self.relay_counters()["store_pending"], 0)
        self.assertFalse(set(self.states(ids).values()) & {"delivered", "printed"}, self.states(ids))
        self.relay_process().send_signal(signal.SIGKILL)
        self.relay_process().wait(timeout=DEADLINE)
        self.restart_relay()
        self.assertEqual(set(self.states(ids).values()), {"printed"}, self.world.stack.logs()[-4000:])
        # the printer comes back to a relay with nothing to send it again
        self.post("after the crash")
        self.wait_printed([self.assertJson(self.post("and again"))["id"]])
        self.assertOnPaperOnce(ids)

    def test_fastcgi_program_killed_mid_request_leaves_no_half_print(self):
        answers = []

        def send(n):
            try:
                answers.append(self.post("in a crowd %d" % n))
            except OSError:
                pass  # the connection the killed program had is gone: that request has no answer

        threads = [threading.Thread(target=send, args=(n,)) for n in range(8)]
        for t in threads:
            t.start()
        # only this stack's sirius-api programs: lighttpd's children (other tests may run beside this one)
        lighttpd = self.world.stack.procs[-1].pid
        killed = subprocess.run(["pkill", "-KILL", "-P", str(lighttpd), "-f", "sirius-api"], check=False)
        self.assertEqual(killed.returncode, 0, "no sirius-api of this stack to kill")
        for t in threads:
            t.join(timeout=DEADLINE)
        # lighttpd starts the programs again; prints go on
        deadline = time.monotonic() + DEADLINE
        while True:
            response = self.post("after the kill")
            if response.status in (200, 202) or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        self.assertIn(response.status, (200, 202), response)
        answers.append(response)
        answered = [self.assertJson(r)["id"] for r in answers if r.status in (200, 202)]
        # every message stored, answered or not, reaches paper exactly once
        stored = [row[0] for row in self.world.query("SELECT id FROM messages WHERE printer_id = ?", self.printer.id)]
        self.assertLessEqual(set(answered), set(stored))
        self.wait_printed(stored)
        self.assertOnPaperOnce(stored)


if __name__ == "__main__":
    unittest.main()
