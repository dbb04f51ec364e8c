#!/usr/bin/env python3
"""admin_cli.py: sirius-admin from the shell: accounts, administrators, passwords, disabling, and backup with restore while the server runs."""
import os
import pty
import select
import shutil
import sqlite3
import subprocess
import tempfile
import unittest

import fake_helpers as h
import harness

ADMIN = os.path.join(harness.BUILD, "tools", "sirius-admin")
PASSWORD = "correct horse battery"


class AdminCli(unittest.TestCase):
    def setUp(self):
        self.stack = harness.Stack()
        self.addCleanup(self.stack.close)

    def admin(self, *args, stdin=None, status=0):
        run = subprocess.run([ADMIN, *args], env=self.stack.env, cwd=self.stack.var, capture_output=True, text=True,
                             input=stdin, timeout=60)
        self.assertEqual(run.returncode, status, "sirius-admin %s: %s%s" % (" ".join(args), run.stdout, run.stderr))
        return run

    def fake_user(self, name):
        run = subprocess.run([h.FAKE, "user", name, "--password", PASSWORD], env=self.stack.env,
                             cwd=self.stack.var, capture_output=True, text=True, timeout=60)
        self.assertEqual(run.returncode, 0, run.stdout + run.stderr)
        return run.stdout

    def login(self, name, password=PASSWORD):
        client = self.stack.client()
        return client, client.post_form("/login", "/login", {"username": name, "password": password})

    def test_help(self):
        run = self.admin("--help")
        for command in ("users", "admin NAME", "unadmin NAME", "password NAME", "disable NAME", "enable NAME",
                        "backup FILE"):
            self.assertIn("sirius-admin " + command, run.stdout)
        self.admin(status=2)
        self.admin("frobnicate", status=2)
        self.admin("admin", status=2)

    def test_first_account_from_sirius_fake_is_an_administrator(self):
        self.assertIn("created administrator alice", self.fake_user("alice"))
        self.assertIn("created user bob", self.fake_user("bob"))
        client, response = self.login("alice")
        self.assertEqual(response.status, 303)
        self.assertEqual(client.get("/admin").status, 200)

    def test_users_admin_unadmin(self):
        self.fake_user("alice")
        self.fake_user("bob")
        listing = self.admin("users").stdout.splitlines()
        self.assertEqual(listing[0].split(), ["id", "name", "admin", "disabled", "made", "printers"])
        self.assertEqual([line.split()[1:4] for line in listing[1:]], [["alice", "yes", "no"], ["bob", "no", "no"]])
        refused = self.admin("unadmin", "alice", status=1)
        self.assertIn("last enabled administrator", refused.stderr)
        self.assertIn("no account named carol", self.admin("admin", "carol", status=1).stderr)
        self.admin("admin", "bob")
        client, response = self.login("bob")
        self.assertEqual(client.get("/admin").status, 200)
        self.admin("unadmin", "alice")
        self.assertEqual(self.login("alice")[0].get("/admin").status, 403)

    def test_password_from_stdin_and_option(self):
        self.fake_user("alice")
        client, response = self.login("alice")
        self.assertEqual(response.status, 303)
        self.admin("password", "alice", stdin="a brand new passphrase\n")
        self.assertNotIn("Hello, alice", client.get("/").text)  # its sessions ended
        self.assertEqual(self.login("alice")[1].status, 403)
        self.assertEqual(self.login("alice", "a brand new passphrase")[1].status, 303)
        self.admin("password", "alice", "--password", "another passphrase")
        self.assertEqual(self.login("alice", "another passphrase")[1].status, 303)
        self.assertIn("8 to", self.admin("password", "alice", stdin="short\n", status=1).stderr)
        self.assertIn("no password", self.admin("password", "alice", stdin="", status=1).stderr)

    def test_password_asked_on_the_terminal_without_echo(self):
        self.fake_user("alice")
        master, slave = pty.openpty()
        proc = subprocess.Popen([ADMIN, "password", "alice"], env=self.stack.env, cwd=self.stack.var, stdin=slave,
                                stdout=subprocess.PIPE, stderr=slave, close_fds=True)
        os.close(slave)
        seen = b""

        def read_more():
            ready, _, _ = select.select([master], [], [], 30)
            self.assertTrue(ready, "sirius-admin password said nothing more after %r" % seen)
            try:
                return os.read(master, 1024)
            except OSError:  # the other end closed
                return b""

        for answer in (b"typed on a terminal\n", b"typed on a terminal\n"):
            while not seen.rstrip().endswith(b":"):
                chunk = read_more()
                self.assertTrue(chunk, seen)
                seen += chunk
            os.write(master, answer)
            seen += b"|"
        out, _ = proc.communicate(timeout=60)
        while True:
            chunk = read_more()
            if not chunk:
                break
            seen += chunk
        os.close(master)
        self.assertEqual(proc.returncode, 0, seen)
        self.assertIn(b"the password of alice is changed", out)
        self.assertIn(b"New password:", seen)
        self.assertIn(b"The same again:", seen)
        self.assertNotIn(b"typed on a terminal", seen)  # not echoed
        self.assertEqual(self.login("alice", "typed on a terminal")[1].status, 303)

    def test_disable_and_enable(self):
        self.fake_user("alice")
        self.fake_user("bob")
        client, _ = self.login("bob")
        self.assertIn("last enabled administrator", self.admin("disable", "alice", status=1).stderr)
        self.admin("disable", "bob")
        self.assertNotIn("Hello, bob", client.get("/").text)
        _, response = self.login("bob")
        self.assertEqual(response.status, 403)
        self.assertIn("disabled", response.text)
        self.assertEqual(self.admin("users").stdout.splitlines()[2].split()[1:4], ["bob", "no", "yes"])
        self.admin("enable", "bob")
        self.assertEqual(self.login("bob")[1].status, 303)

    def test_backup_and_restore(self):
        self.fake_user("alice")
        backup = os.path.join(self.stack.var, "backup.db")
        # a reader holding a transaction open (as the relay and web programs do) does not stop the copy
        reader = sqlite3.connect(self.stack.db)
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM users").fetchone()
        self.assertIn("copied", self.admin("backup", backup).stdout)
        reader.rollback()
        reader.close()
        self.assertIn("exists", self.admin("backup", backup, status=1).stderr)
        self.fake_user("bob")
        self.admin("backup", backup, "--force")
        self.fake_user("carol")  # after the backup: gone once it is restored
        with sqlite3.connect(backup) as conn:
            self.assertEqual(conn.execute("PRAGMA integrity_check").fetchone()[0], "ok")
            self.assertEqual(conn.execute("PRAGMA journal_mode").fetchone()[0], "delete")
        # restore as the README says: stop the programs, copy the backup over the database, start them again
        kept = os.path.join(tempfile.mkdtemp(prefix="sirius-backup-"), "backup.db")
        self.addCleanup(shutil.rmtree, os.path.dirname(kept), True)
        shutil.copyfile(backup, kept)
        self.stack.close()
        # lighttpd alone: its programs open the database at their first request, after the copy
        self.stack = harness.Stack(relay=False)
        self.addCleanup(self.stack.close)
        self.assertFalse(os.path.exists(self.stack.db))
        shutil.copyfile(kept, self.stack.db)
        names = [line.split()[1] for line in self.admin("users").stdout.splitlines()[1:]]
        self.assertEqual(names, ["alice", "bob"])
        self.assertEqual(self.login("bob")[1].status, 303)


if __name__ == "__main__":
    unittest.main(verbosity=2)
