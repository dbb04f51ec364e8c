#!/usr/bin/env python3
"""fake_cli.py: sirius-fake printer, user, claim and print against a fresh database, without a relay."""
import os
import re
import shutil
import signal
import sqlite3
import unittest

import fake_helpers as h


class FakeCli(unittest.TestCase):
    def setUp(self):
        self.box = h.Sandbox()
        self.addCleanup(self.box.cleanup)

    def query(self, sql, *args):
        with sqlite3.connect(self.box.db) as conn:
            return conn.execute(sql, args).fetchall()

    def new_printer(self):
        run = self.box.fake("printer")
        self.assertEqual(run.returncode, 0, run.stderr)
        return h.parse_printer_file(run.stdout), run.stdout

    def new_user(self, name, *args):
        run = self.box.fake("user", name, *args)
        self.assertEqual(run.returncode, 0, run.stderr)
        return run

    # ---- printer ------------------------------------------------------------------

    def test_printer_prints_and_writes_the_original_layout(self):
        fields, text = self.new_printer()
        address = fields["address"]
        self.assertRegex(address, r"^[0-9a-f]{16}$")
        with open(os.path.join(self.box.dir, address + ".printer")) as f:
            self.assertEqual(f.read(), text)
        self.assertRegex(fields["secret"], r"^[0-9a-f]{10}$")
        self.assertEqual(int(fields["xor"]), h.hardware_xor(address))
        self.assertRegex(fields["claim code"], r"^[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4}$")
        self.assertEqual(h.claim_code_decode(fields["claim code"]), (int(fields["xor"]), int(fields["secret"], 16)))

    def test_printer_row_is_unclaimed(self):
        fields, _ = self.new_printer()
        rows = self.query("SELECT address, hardware_xor, owner_id, name, claim_code_id FROM printers WHERE id = ?",
                          int(fields["DB id"]))
        self.assertEqual(rows, [(fields["address"], int(fields["xor"]), None, None, None)])

    def test_printers_differ(self):
        a, _ = self.new_printer()
        b, _ = self.new_printer()
        self.assertNotEqual(a["address"], b["address"])
        self.assertNotEqual(a["secret"], b["secret"])
        self.assertNotEqual(a["DB id"], b["DB id"])

    def test_printer_takes_no_arguments(self):
        self.assertEqual(self.box.fake("printer", "extra").returncode, 2)

    def test_emulate_reads_the_original_printer_file(self):
        original = os.path.join(h.VECTORS, "real", "11cc0f6aaeb07dad.printer")
        program = h.Program([h.FAKE, "emulate", original, "ws://127.0.0.1:%d/api/v1/connection" % h.free_port()],
                            self.box.env, cwd=self.box.dir)
        try:
            program.wait_for(r"^printer 11cc0f6aaeb07dad \(claim code jwm0-6xd9-jeqd-p7x2\) behind bridge 000d6f[0-9a-f]{10}$")
            program.wait_for(r"reconnecting in 1 s")
        finally:
            self.assertEqual(program.stop(signal.SIGINT), 0)

    def test_emulate_refuses_an_inconsistent_printer_file(self):
        path = os.path.join(self.box.dir, "bad.printer")
        with open(os.path.join(h.VECTORS, "real", "11cc0f6aaeb07dad.printer")) as f:
            text = f.read()
        with open(path, "w") as f:
            f.write(text.replace("13311906", "13311907"))
        run = self.box.fake("emulate", path, "ws://127.0.0.1:1/")
        self.assertNotEqual(run.returncode, 0)
        self.assertIn("xor", run.stderr)
        shutil.copy(os.path.join(h.VECTORS, "real", "11cc0f6aaeb07dad.printer"), path)
        run = self.box.fake("emulate", path, "http://127.0.0.1:1/")
        self.assertEqual(run.returncode, 2, run.stderr)

    # ---- user ---------------------------------------------------------------------

    def test_user_with_password_can_log_in(self):
        run = self.new_user("alice", "--password", "correct horse")
        self.assertNotIn("password:", run.stdout)
        rows = self.query("SELECT name, password_hash, is_admin FROM users")
        self.assertEqual(len(rows), 1)
        name, password_hash, is_admin = rows[0]
        self.assertEqual((name, is_admin), ("alice", 1))  # the first account is an administrator, however made
        self.assertIn("created administrator alice", run.stdout)
        self.assertIn("created user bob", self.new_user("bob", "--password", "another horse").stdout)
        self.assertEqual(self.query("SELECT is_admin FROM users WHERE name = 'bob'"), [(0,)])
        self.assertTrue(password_hash.startswith("$argon2id$"), password_hash)
        self.assertTrue(h.sodium_verify(password_hash, "correct horse"))
        self.assertFalse(h.sodium_verify(password_hash, "wrong horse"))

    def test_admin_with_generated_password(self):
        run = self.new_user("root", "--admin")
        match = re.search(r"^password: ([a-z0-9]{19})$", run.stdout, re.M)
        self.assertIsNotNone(match, run.stdout)
        (password_hash, is_admin), = self.query("SELECT password_hash, is_admin FROM users WHERE name = 'root'")
        self.assertEqual(is_admin, 1)
        self.assertTrue(h.sodium_verify(password_hash, match.group(1)))

    def test_user_refusals(self):
        self.new_user("alice", "--password", "x")
        taken = self.box.fake("user", "ALICE", "--password", "y")
        self.assertEqual(taken.returncode, 1)
        self.assertIn("already exists", taken.stderr)
        self.assertEqual(self.box.fake("user", "no spaces", "--password", "y").returncode, 1)
        self.assertEqual(self.box.fake("user", "x" * 33, "--password", "y").returncode, 1)
        self.assertEqual(self.box.fake("user", "empty", "--password", "").returncode, 1)
        self.assertEqual(self.box.fake("user").returncode, 2)
        self.assertEqual(self.box.fake("user", "bob", "--bogus").returncode, 2)
        self.assertEqual(self.query("SELECT count(*) FROM users"), [(1,)])

    # ---- claim --------------------------------------------------------------------

    def test_claim_then_refusals(self):
        printer, _ = self.new_printer()
        address, code = printer["address"], printer["claim code"]
        self.new_user("alice", "--password", "a")
        self.new_user("bob", "--password", "b")

        run = self.box.fake("claim", address, "alice", code, "Kitchen")
        self.assertEqual(run.returncode, 0, run.stderr)
        self.assertIn("claimed printer %s" % address, run.stdout)
        self.assertEqual(self.query("SELECT u.name, p.name FROM printers p JOIN users u ON u.id = p.owner_id"),
                         [("alice", "Kitchen")])

        # the same code for another account: in use
        run = self.box.fake("claim", address, "bob", code, "Mine")
        self.assertEqual(run.returncode, 1)
        self.assertIn("refused", run.stderr)
        # another valid code for the same printer (same xor): cannot change owner
        other = h.claim_code_encode(int(printer["xor"]), (int(printer["secret"], 16) + 1) % 2 ** 40)
        run = self.box.fake("claim", address, "bob", other, "Mine")
        self.assertEqual(run.returncode, 1)
        self.assertIn("refused", run.stderr)
        self.assertEqual(self.query("SELECT u.name FROM printers p JOIN users u ON u.id = p.owner_id"),
                         [("alice",)])

        # the owner may enter the code again to rename
        run = self.box.fake("claim", address, "alice", code.upper().replace("-", ""), "Hall")
        self.assertEqual(run.returncode, 0, run.stderr)
        self.assertEqual(self.query("SELECT name FROM printers"), [("Hall",)])

    def test_claim_invalid_input(self):
        printer, _ = self.new_printer()
        other, _ = self.new_printer()
        address, code = printer["address"], printer["claim code"]
        self.new_user("alice", "--password", "a")
        cases = [
            (address, "nobody", code, "Kitchen", "no user"),
            (address, "alice", code[:-1] + ("0" if code[-1] != "0" else "1"), "Kitchen", "refused"),
            (address, "alice", "aaaa-aaaa-aaaa-aaaa", "Kitchen", "refused"),
            (address, "alice", "abc", "Kitchen", "refused"),
            (address, "alice", code, "", "refused"),
            (other["address"], "alice", code, "Kitchen", "not printer"),
            ("NOT-AN-ADDRESS", "alice", code, "Kitchen", "not a device address"),
        ]
        for case in cases:
            run = self.box.fake("claim", *case[:4])
            self.assertEqual(run.returncode, 1, case)
            self.assertIn(case[4], run.stderr, case)
            self.assertEqual(len(run.stderr.strip().splitlines()), 1, run.stderr)
        self.assertEqual(self.query("SELECT count(*) FROM printers WHERE owner_id IS NOT NULL"), [(0,)])
        self.assertEqual(self.box.fake("claim", address, "alice", code).returncode, 2)

    def test_claim_before_the_printer_calls_home(self):
        self.new_user("alice", "--password", "a")
        address = "000d6f0012345678"
        code = h.claim_code_encode(h.hardware_xor(address), 0x1234567890)
        run = self.box.fake("claim", address, "alice", code, "Later")
        self.assertEqual(run.returncode, 0, run.stderr)
        self.assertIn("when it calls home", run.stdout)
        self.assertEqual(self.query("SELECT printer_name, hardware_xor FROM claim_codes"),
                         [("Later", h.hardware_xor(address))])
        self.assertEqual(self.query("SELECT count(*) FROM printers"), [(0,)])

    # ---- print without a relay ----------------------------------------------------

    def write_png(self, name, rows):
        path = os.path.join(self.box.dir, name)
        with open(path, "wb") as f:
            f.write(h.png_encode(rows))
        return path

    def test_print_without_relay_stays_queued(self):
        printer, _ = self.new_printer()
        image = self.write_png("in.png", h.pattern_rows(384, 20))
        run = self.box.fake("print", printer["address"], image, "--from", "Tester")
        self.assertEqual(run.returncode, 0, run.stdout + run.stderr)
        rows = self.query("SELECT id, printer_id, sender, command, status, payload FROM messages")
        self.assertEqual(len(rows), 1)
        message_id, printer_id, sender, command, status, payload = rows[0]
        self.assertIn("message %d queued for %s" % (message_id, printer["address"]), run.stdout)
        self.assertEqual((printer_id, sender, command, status), (int(printer["DB id"]), "Tester", 1, "queued"))
        self.assertEqual(h.payload_rows(payload), h.pattern_rows(384, 20))

        # by DB id too; ids are never reused
        run = self.box.fake("print", printer["DB id"], image)
        self.assertEqual(run.returncode, 0)
        ids = [row[0] for row in self.query("SELECT id FROM messages ORDER BY id")]
        self.assertEqual(len(ids), 2)
        self.assertLess(ids[0], ids[1])
        self.assertEqual(self.query("SELECT sender FROM messages WHERE id = ?", ids[1]), [("sirius-fake",)])

    def test_print_refusals_store_nothing(self):
        printer, _ = self.new_printer()
        narrow = self.write_png("narrow.png", h.pattern_rows(100, 20))
        wide = self.write_png("wide.png", h.pattern_rows(384, 20))
        run = self.box.fake("print", printer["address"], narrow)
        self.assertEqual(run.returncode, 1)
        self.assertIn("384", run.stderr)
        self.assertEqual(self.box.fake("print", "000d6f00ffffffff", wide).returncode, 1)
        self.assertEqual(self.box.fake("print", "9999", wide).returncode, 1)
        self.assertEqual(self.box.fake("print", "bogus", wide).returncode, 1)
        self.assertNotEqual(self.box.fake("print", printer["address"], os.path.join(self.box.dir, "none.png")).returncode, 0)
        self.assertEqual(self.box.fake("print", printer["address"]).returncode, 2)
        self.assertEqual(self.query("SELECT count(*) FROM messages"), [(0,)])


if __name__ == "__main__":
    unittest.main()
