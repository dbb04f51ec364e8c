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
