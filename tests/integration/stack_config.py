#!/usr/bin/env python3
"""stack_config.py: sirius-config and the configuration files as programs see them; the README and the example list every setting."""
import os
import re
import shutil
import subprocess
import tempfile
import unittest

import stack_helpers as sh


def documented_names():
    """The setting names of `sirius-config doc`, in order."""
    doc = subprocess.run([sh.CONFIG, "doc"], capture_output=True, text=True, check=True).stdout
    return re.findall(r"^- `([A-Z_]+)` \(default: ", doc, re.M), doc


class StackConfig(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="sirius-config-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("SIRIUS_") and k != "DEVICE_KEY_DOMAIN"}

    def config(self, *args, env=None):
        return subprocess.run([sh.CONFIG, *args], env=dict(self.env, **(env or {})), capture_output=True, text=True)

    def test_readme_lists_every_setting(self):
        names, doc = documented_names()
        self.assertIn("SIRIUS_VAR", names)
        with open(os.path.join(sh.SOURCE, "README")) as f:
            readme = f.read()
        # the Configuration section is the output of `sirius-config doc`, word for word
        self.assertIn(doc.strip(), readme, "README's Configuration section differs from `sirius-config doc`")

    def test_example_file_mentions_every_setting(self):
        names, _ = documented_names()
        with open(os.path.join(sh.SOURCE, "deploy", "sirius.conf.example")) as f:
            example = f.read()
        for name in names:
            if name != "SIRIUS_CONF":
                self.assertRegex(example, r"(?m)^#%s=" % name)
        # uncommented, the example is a valid configuration file
        conf = os.path.join(self.tmp, "sirius.conf")
        with open(conf, "w") as f:
            f.write(re.sub(r"(?m)^#([A-Z_]+=)", r"\1", example))
        run = self.config("check", env={"SIRIUS_CONF": conf})
        self.assertEqual(run.returncode, 0, run.stderr)

    def test_file_values_and_precedence(self):
        conf = os.path.join(self.tmp, "sirius.conf")
        with open(conf, "w") as f:
            f.write("# test\nSIRIUS_HTTP_PORT=9123\nSIRIUS_TIMEZONE='Europe/London'\nSIRIUS_LISTEN=0.0.0.0\n")
        run = self.config("env", env={"SIRIUS_CONF": conf, "SIRIUS_LISTEN": "127.0.0.2"})
        self.assertEqual(run.returncode, 0, run.stderr)
        self.assertIn("SIRIUS_HTTP_PORT='9123'", run.stdout)
        self.assertIn("SIRIUS_TIMEZONE='Europe/London'", run.stdout)
        self.assertIn("SIRIUS_LISTEN='127.0.0.2'", run.stdout)
        self.assertNotIn("SIRIUS_CONF", run.stdout)
        run = self.config("get", "SIRIUS_BASE_URL", env={"SIRIUS_CONF": conf})
        self.assertEqual(run.stdout.strip(), "http://127.0.0.1:9123/")
        run = self.config("env", "SIRIUS_RELAY_LISTEN", "SIRIUS_DB", env={"SIRIUS_CONF": conf, "SIRIUS_VAR": "/srv/x"})
        self.assertEqual(run.stdout, "SIRIUS_RELAY_LISTEN='127.0.0.1:8081'\nSIRIUS_DB='/srv/x/sirius.db'\n")

    def test_bad_line_is_named(self):
        conf = os.path.join(self.tmp, "sirius.conf")
        with open(conf, "w") as f:
            f.write("SIRIUS_HTTP_PORT=9123\n\nSIRIUS_HTTP_PROT=9124\n")
        run = self.config("check", env={"SIRIUS_CONF": conf})
        self.assertEqual(run.returncode, 1)
        self.assertIn("%s:3: unknown setting SIRIUS_HTTP_PROT" % conf, run.stderr)

    def test_missing_named_file_is_an_error(self):
        run = self.config("check", env={"SIRIUS_CONF": os.path.join(self.tmp, "nope.conf")})
        self.assertEqual(run.returncode, 1)
        self.assertIn("nope.conf", run.stderr)

    def test_check_names_the_files_read(self):
        conf = os.path.join(self.tmp, "sirius.conf")
        with open(conf, "w") as f:
            f.write("SIRIUS_HTTP_PORT=9123\nSIRIUS_KEY_RATE=5\n")
        run = self.config("check", env={"SIRIUS_CONF": conf, "SIRIUS_KEY_RATE": "7"})
        self.assertEqual(run.returncode, 0, run.stderr)
        # the environment's SIRIUS_KEY_RATE wins: one setting taken from the file
        self.assertIn("read %s (1 setting taken from it)\n" % conf, run.stdout)
        self.assertTrue(run.stdout.endswith("configuration ok\n"), run.stdout)
        self.assertNotIn("(file ", run.stdout)
        # without SIRIUS_CONF, the checkout's files: a missing one is said not to be read
        run = self.config("check")
        self.assertEqual(run.returncode, 0, run.stderr)
        for name in (".env", "sirius.conf"):
            path = os.path.join(sh.SOURCE, name)
            if os.path.exists(path):
                self.assertIn("read %s (" % path, run.stdout)
            else:
                self.assertIn("not read: %s does not exist\n" % path, run.stdout)

    def test_check_refuses_a_time_zone_not_in_the_database(self):
        conf = os.path.join(self.tmp, "sirius.conf")
        with open(conf, "w") as f:
            f.write("SIRIUS_HTTP_PORT=9123\nSIRIUS_TIMEZONE=Mars/Olympus\n")
        run = self.config("check", env={"SIRIUS_CONF": conf})
        self.assertEqual(run.returncode, 1, run.stdout)
        self.assertIn("%s:2: SIRIUS_TIMEZONE: Mars/Olympus is not a time zone of the zone database" % conf,
                      run.stderr)
        for name in ("../../etc/passwd", "/etc/localtime"):
            run = self.config("check", env={"SIRIUS_TIMEZONE": name})
            self.assertEqual(run.returncode, 1, run.stdout)
            self.assertIn("SIRIUS_TIMEZONE: \"%s\" is not a time zone name" % name, run.stderr)
        run = self.config("check", env={"SIRIUS_TIMEZONE": "Europe/London"})
        self.assertEqual(run.returncode, 0, run.stderr)
        self.assertIn("SIRIUS_TIMEZONE Europe/London is /usr/share/zoneinfo/Europe/London\n", run.stdout)

    def test_check_resolves_the_listen_addresses(self):
        # localhost is resolved: the address the server binds is one of this machine's loopback ones
        run = self.config("check", env={"SIRIUS_LISTEN": "localhost"})
        self.assertEqual(run.returncode, 0, run.stderr)
        self.assertRegex(run.stdout, r"(?m)^SIRIUS_LISTEN binds (127\.0\.0\.1|::1) \(localhost resolves to [0-9a-f.:, ]+\)$")
        bind = self.config("bind", "SIRIUS_LISTEN", env={"SIRIUS_LISTEN": "localhost"})
        self.assertEqual(bind.returncode, 0, bind.stderr)
        self.assertIn("SIRIUS_LISTEN binds %s " % bind.stdout.strip(), run.stdout)
        self.assertIn("SIRIUS_RELAY_LISTEN binds 127.0.0.1:8081\n", run.stdout)
        bind = self.config("bind", "SIRIUS_RELAY_LISTEN", env={"SIRIUS_RELAY_LISTEN": "[::1]:9000"})
        if bind.returncode == 0:  # a machine without IPv6 cannot bind ::1
            self.assertEqual(bind.stdout, "[::1]:9000\n")
        # an address of another machine, a name that does not resolve: refused, and said why
        for value, why in (("192.0.2.1", "192.0.2.1 resolves to 192.0.2.1, which is not an address of this machine"),
                           ("nowhere.invalid", "nowhere.invalid does not resolve: ")):
            run = self.config("check", env={"SIRIUS_LISTEN": value})
            self.assertEqual(run.returncode, 1, run.stdout)
            self.assertIn("SIRIUS_LISTEN: " + why, run.stderr)
        run = self.config("check", env={"SIRIUS_RELAY_LISTEN": "192.0.2.1:8081"})
        self.assertEqual(run.returncode, 1, run.stdout)
        self.assertIn("SIRIUS_RELAY_LISTEN: 192.0.2.1 resolves to", run.stderr)
        run = self.config("bind", "SIRIUS_HTTP_PORT")
        self.assertEqual(run.returncode, 1)

    def test_quoting_for_the_shell(self):
        conf = os.path.join(self.tmp, "sirius.conf")
        with open(conf, "w") as f:
            f.write("SIRIUS_HTML_RENDERER=\"render --title 'it''s' -\"\n")
        run = self.config("env", env={"SIRIUS_CONF": conf})
        out = subprocess.run(["bash", "-c", run.stdout + 'printf %s "$SIRIUS_HTML_RENDERER"'], capture_output=True,
                             text=True)
        self.assertEqual(out.stdout, "render --title 'it''s' -")


if __name__ == "__main__":
    unittest.main()
