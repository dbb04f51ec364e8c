#!/usr/bin/env python3
"""stack_install.py: `make install DESTDIR=...` of the build tree: programs, www/, schema, configurations, systemd units; then uninstall."""
import filecmp
import os
import shutil
import subprocess
import tempfile
import unittest

import stack_helpers as sh

PROGRAMS = ["sirius-relay", "sirius-web", "sirius-api", "sirius-fake", "sirius-codec", "sirius-config", "sirius-import",
            "sirius-admin", "sirius-scheduler"]
UNITS = ["sirius-relay.service", "sirius-web.socket", "sirius-web.service", "sirius-api.socket", "sirius-api.service",
         "sirius-scheduler.service"]
HARDENING = ["ProtectSystem=strict", "ProtectHome=yes", "PrivateTmp=yes", "NoNewPrivileges=yes",
             "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6", "CapabilityBoundingSet=\n",
             "SystemCallFilter=@system-service", "Restart=on-failure", "StateDirectory=sirius", "RuntimeDirectory=sirius"]


def make_env():
    """The environment for a make of its own (not the jobserver of the make running this test)."""
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES")}
    env["LC_ALL"] = "C"
    return env


class StackInstall(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="sirius-install-")
        cls.dest = os.path.join(cls.tmp, "root")
        run = subprocess.run(["make", "-s", "--no-print-directory", "stack-print-dirs"], cwd=sh.BUILD,
                             env=make_env(), capture_output=True, text=True)
        if run.returncode != 0:
            raise AssertionError("make stack-print-dirs: %s" % run.stderr)
        cls.dirs = dict(line.split("=", 1) for line in run.stdout.splitlines() if "=" in line)
        cls.install = subprocess.run(["make", "install", "DESTDIR=" + cls.dest], cwd=sh.BUILD, env=make_env(),
                                     capture_output=True, text=True)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def path(self, dirname, *rest):
        """A path in the installed tree: the build's directory dirname under DESTDIR."""
        return os.path.join(self.dest + self.dirs[dirname], *rest)

    def read(self, dirname, *rest):
        with open(self.path(dirname, *rest)) as f:
            return f.read()

    def test_a_install_succeeds(self):
        self.assertEqual(self.install.returncode, 0, self.install.stdout[-3000:] + self.install.stderr[-3000:])

    def test_programs(self):
        for program in PROGRAMS:
            path = self.path("bindir", program)
            self.assertTrue(os.access(path, os.X_OK), path)
        run = subprocess.run([self.path("bindir", "sirius-config"), "get", "SIRIUS_VAR"], capture_output=True,
                             text=True, env={k: v for k, v in os.environ.items() if not k.startswith("SIRIUS_")})
        # an installed program keeps its state in localstatedir, not in the checkout
        self.assertEqual(run.stdout.strip(), self.dirs["localstatedir"] + "/lib/sirius")

    def test_data(self):
        self.assertTrue(filecmp.cmp(self.path("pkgdatadir", "schema.sql"), os.path.join(sh.SOURCE, "schema.sql"),
                                    shallow=False))
        www = os.path.join(sh.SOURCE, "www")
        count = 0
        for top, _, files in os.walk(www):
            for name in files:
                source = os.path.join(top, name)
                installed = self.path("pkgdatadir", "www", os.path.relpath(source, www))
                self.assertTrue(filecmp.cmp(source, installed, shallow=False), installed)
                count += 1
        self.assertGreater(count, 0)
        self.assertIn("SIRIUS_HTTP_PORT", self.read("sysconfdir", "sirius", "sirius.conf.example"))
        self.assertIn("mod_proxy_fcgi", self.read("exampledir", "apache", "sirius.conf"))
        self.assertIn("fastcgi.server", self.read("exampledir", "lighttpd", "sirius.conf"))
        self.assertTrue(filecmp.cmp(self.path("docdir", "README"), os.path.join(sh.SOURCE, "README"), shallow=False))
        self.assertIn("u sirius", self.read("sysusersdir", "sirius-user.conf"))
        for name in ("PROTOCOL.md", "bridges.md", "raspberry-pi.md", "operating.md"):
            self.assertTrue(filecmp.cmp(self.path("docdir", name), os.path.join(sh.SOURCE, "docs", name),
                                        shallow=False), name)

    def test_logrotate(self):
        text = self.read("logrotatedir", "sirius-c")
        self.assertNotRegex(text, r"@[a-z_]+@")
        # the directory the relay's unit makes (LogsDirectory=sirius), rotated as the sirius user
        self.assertIn("%s/log/sirius/*.log {" % self.dirs["localstatedir"], text)
        self.assertIn("su sirius sirius", text)
        self.assertIn("systemctl reload sirius-relay.service", text)
        self.assertIn("LogsDirectory=sirius\n", self.read("systemdsystemunitdir", "sirius-relay.service"))
        self.assertIn("ExecReload=/bin/kill -HUP $MAINPID\n", self.read("systemdsystemunitdir", "sirius-relay.service"))

    def test_units(self):
        for unit in UNITS:
            text = self.read("systemdsystemunitdir", unit)
            self.assertNotRegex(text, r"@[a-z_]+@", unit)
            self.assertNotIn("${prefix}", text, unit)
            if unit.endswith(".service"):
                for directive in HARDENING:
                    self.assertIn(directive, text, "%s lacks %s" % (unit, directive.strip()))
                self.assertIn("EnvironmentFile=-%s/sirius/sirius.conf\n" % self.dirs["sysconfdir"], text)
        relay = self.read("systemdsystemunitdir", "sirius-relay.service")
        self.assertIn("ExecStart=%s/sirius-relay\n" % self.dirs["bindir"], relay)
        for prog in ("web", "api"):
            service = self.read("systemdsystemunitdir", "sirius-%s.service" % prog)
            self.assertIn("ExecStart=%s/sirius-%s\n" % (self.dirs["fcgidir"], prog), service)
            self.assertIn("StandardInput=socket\n", service)
            self.assertIn("StandardOutput=journal\n", service)
            self.assertIn("SIRIUS_WWW=%s/www\n" % self.dirs["pkgdatadir"], service)
            socket_unit = self.read("systemdsystemunitdir", "sirius-%s.socket" % prog)
            self.assertIn("ListenStream=/run/sirius/%s.sock\n" % prog, socket_unit)
            # the Apache site talks to the same sockets
            self.assertIn("/run/sirius/%s.sock" % prog, self.read("exampledir", "apache", "sirius.conf"))

    def test_units_verify(self):
        analyze = shutil.which("systemd-analyze")
        if not analyze:
            self.skipTest("systemd-analyze is not installed")
        # systemd checks that ExecStart exists: point the copies at the installed tree
        units = os.path.join(self.tmp, "units")
        os.makedirs(units, exist_ok=True)
        for unit in UNITS:
            text = self.read("systemdsystemunitdir", unit)
            text = text.replace("ExecStart=" + self.dirs["bindir"], "ExecStart=" + self.path("bindir"))
            text = text.replace("ExecStart=" + self.dirs["fcgidir"], "ExecStart=" + self.path("fcgidir"))
            with open(os.path.join(units, unit), "w") as f:
                f.write(text)
        run = subprocess.run([analyze, "verify", *[os.path.join(units, u) for u in UNITS]], capture_output=True,
                             text=True)
        complaints = [line for line in (run.stdout + run.stderr).splitlines()
                      if line.strip() and "sockets.target" not in line and "multi-user.target" not in line]
        self.assertEqual(complaints, [], run.stdout + run.stderr)

    def test_z_uninstall_removes_everything(self):
        run = subprocess.run(["make", "uninstall", "DESTDIR=" + self.dest], cwd=sh.BUILD, env=make_env(),
                             capture_output=True, text=True)
        self.assertEqual(run.returncode, 0, run.stderr[-3000:])
        left = [os.path.join(top, name) for top, _, files in os.walk(self.dest) for name in files]
        self.assertEqual(left, [])


if __name__ == "__main__":
    unittest.main()
