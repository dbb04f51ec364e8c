#!/usr/bin/env python3
"""fake_end_to_end.py: sirius-relay with an emulated bridge: claim, key delivery, a print and its message row."""
import os
import re
import signal
import sqlite3
import time
import unittest

import fake_helpers as h


class EndToEnd(unittest.TestCase):
    def setUp(self):
        self.box = h.Sandbox()
        self.addCleanup(self.box.cleanup)
        self.port = h.free_port()
        self.relay = h.Program([h.RELAY, "--listen", "127.0.0.1:%d" % self.port, "--socket", self.box.socket,
                                "--db", self.box.db, "--device-timeout", "30"], self.box.env, cwd=self.box.dir)
        self.addCleanup(self.relay.stop)
        self.wait_for_socket()
        self.out = os.path.join(self.box.dir, "out")
        os.mkdir(self.out)

    def wait_for_socket(self, timeout=15):
        deadline = time.monotonic() + timeout
        while not os.path.exists(self.box.socket):
            if self.relay.proc.poll() is not None:
                self.fail("sirius-relay exited with %s:\n%s" % (self.relay.proc.returncode, self.relay.transcript()))
            if time.monotonic() > deadline:
                self.fail("sirius-relay made no control socket within %ss" % timeout)
            time.sleep(0.05)

    def query(self, sql, *args):
        with sqlite3.connect(self.box.db) as conn:
            return conn.execute(sql, args).fetchall()

    def wait_for_status(self, message_id, wanted, timeout=15):
        deadline = time.monotonic() + timeout
        while True:
            (status, return_code), = self.query("SELECT status, return_code FROM messages WHERE id = ?", message_id)
            if status == wanted:
                return return_code
            if time.monotonic() > deadline:
                self.fail("message %d is %s, not %s; relay log:\n%s" % (message_id, status, wanted,
                                                                       self.relay.transcript()))
            time.sleep(0.1)

    def fake(self, *args):
        run = self.box.fake(*args)
        self.assertEqual(run.returncode, 0, run.stdout + run.stderr)
        return run

    def test_claim_key_print(self):
        printer = h.parse_printer_file(self.fake("printer").stdout)
        address = printer["address"]
        printer_file = os.path.join(self.box.dir, address + ".printer")
        self.fake("user", "alice", "--password", "secret")

        emulator = h.Program([h.FAKE, "emulate", printer_file,
                              "ws://127.0.0.1:%d/api/v1/connection" % self.port, "--out", self.out,
                              "--key-interval", "1", "--heartbeat", "1"], self.box.env, cwd=self.box.dir)
        self.addCleanup(emulator.stop)
        emulator.wait_for(r"^connected as bridge ")
        # unclaimed: the relay sends no key however often the printer asks
        emulator.wait_for(r"^key requested for %s$" % address)
        emulator.wait_for(r"^key requested for %s$" % address, timeout=5)
        emulator.wait_for(r"^key requested for %s$" % address, timeout=5)
        self.assertFalse(any("key accepted" in line for _, line in emulator.history))

        # claimed: the next request gets the key of the claim code, which the emulator checks
        self.fake("claim", address, "alice", printer["claim code"], "Desk")
        emulator.wait_for(r"^key accepted$", timeout=15)
        self.assertFalse(any(tag == "err" for tag, _ in emulator.history), emulator.transcript())

        # a print goes through print_job and the relay to the emulator, which writes what was sent
        rows = h.pattern_rows(384, 60, seed=7)
        image = os.path.join(self.box.dir, "in.png")
        with open(image, "wb") as f:
            f.write(h.png_encode(rows))
        # sent, or queued when the relay has yet to read the emulator's answer to the key: it prints either way
        run = self.fake("print", address, image, "--from", "Tester")
        match = re.search(r"^message (\d+) (?:sent to|queued for) %s\b" % address, run.stdout, re.M)
        self.assertIsNotNone(match, run.stdout)
        message_id = int(match.group(1))
        printed = emulator.wait_for(r"^printed %d -> (.*) \(384x60\)$" % message_id)
        with open(printed.group(1), "rb") as f:
            self.assertEqual(h.png_decode(f.read()), rows)
        self.assertEqual(self.wait_for_status(message_id, "printed"), 0)
        (sender, command, payload, printer_id), = self.query(
            "SELECT sender, command, payload, printer_id FROM messages WHERE id = ?", message_id)
        self.assertEqual((sender, command, printer_id), ("Tester", 1, int(printer["DB id"])))
        # printed, the message keeps its payload as the record of the print
        self.assertEqual(h.payload_rows(payload), rows)

        # the emulator gone, the printer goes offline (its socket closed): the message fails as offline
        self.assertEqual(emulator.stop(signal.SIGTERM), 0)
        deadline = time.monotonic() + 15
        while True:
            run = self.fake("print", printer["DB id"], image)
            if "queued" in run.stdout or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        match = re.search(r"^message (\d+) queued for %s" % address, run.stdout, re.M)
        self.assertIsNotNone(match, run.stdout)
        self.assertEqual(self.query("SELECT status, failure FROM messages WHERE id = ?", int(match.group(1))),
                         [("queued", None)])

        # the relay gone: the print is stored queued all the same, for the relay to send when it is back
        self.assertEqual(self.relay.stop(signal.SIGTERM), 0)
        run = self.box.fake("print", address, image)
        self.assertEqual(run.returncode, 0, run.stdout + run.stderr)
        (last_id, status), = self.query("SELECT id, status FROM messages ORDER BY id DESC LIMIT 1")
        self.assertEqual(status, "queued")
        self.assertGreater(last_id, message_id)


if __name__ == "__main__":
    unittest.main()
