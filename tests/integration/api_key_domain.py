#!/usr/bin/env python3
"""api_key_domain.py: regression for bare /KEY on DEVICE_KEY_DOMAIN answering 404 (the server passes REQUEST_URI as sent)."""
import json
import os
import shutil
import tempfile
import unittest

import api_helpers as a

KEY_DOMAIN = "keys.example.org"

# The README's lighttpd rule for a domain of its own for device keys.
LIGHTTPD_REWRITE = """
$HTTP["host"] == "%s" {
	url.rewrite-once = ( "^/([a-z0-9]{20})(\\?.*)?$" => "/printkey/$1$2" )
}
""" % KEY_DOMAIN


def lighttpd_conf_with_rewrite(directory):
    """A copy of deploy/lighttpd/sirius.conf with mod_rewrite and the README's rule; returns its path."""
    with open(a.harness.LIGHTTPD_CONF) as f:
        conf = f.read()
    modules = 'server.modules = ( "mod_alias",'
    if modules not in conf:
        raise AssertionError("deploy/lighttpd/sirius.conf's server.modules line changed")
    conf = conf.replace(modules, 'server.modules = ( "mod_rewrite", "mod_alias",', 1) + LIGHTTPD_REWRITE
    path = os.path.join(directory, "sirius-keydomain.conf")
    with open(path, "w") as f:
        f.write(conf)
    return path


class KeyDomainBarePath(a.ApiTestCase):
    @classmethod
    def setUpClass(cls):
        cls.confdir = tempfile.mkdtemp(prefix="sirius-keydomain-")
        saved = a.harness.LIGHTTPD_CONF
        a.harness.LIGHTTPD_CONF = lighttpd_conf_with_rewrite(cls.confdir)
        try:
            cls.world = a.ApiWorld()
        except BaseException:
            shutil.rmtree(cls.confdir, ignore_errors=True)
            raise
        finally:
            a.harness.LIGHTTPD_CONF = saved
        try:
            cls.world.user("alice")
            cls.desk = cls.world.printer("alice", "Desk")
        except BaseException:
            cls.world.close()
            shutil.rmtree(cls.confdir, ignore_errors=True)
            raise

    @classmethod
    def tearDownClass(cls):
        cls.world.close()
        shutil.rmtree(cls.confdir, ignore_errors=True)

    def setUp(self):
        self.key = self.world.device_key(self.desk)

    def cgi(self, method, path, body=b"", content_type=None, rewritten=None):
        """sirius-api as plain CGI on the key domain; rewritten is the path after the server's rewrite."""
        extra = {"HTTP_HOST": KEY_DOMAIN, "DEVICE_KEY_DOMAIN": KEY_DOMAIN}
        if rewritten:
            extra.update({"SCRIPT_NAME": rewritten, "PATH_INFO": ""})
        return self.world.stack.cgi(a.harness.API, method, path, body, content_type, env=extra)

    def test_key_domain_bare_path_cgi_get(self):
        want = self.assertJson(self.cgi("GET", "/printkey/" + self.key))
        for rewritten in (None, "/printkey/" + self.key):
            response = self.cgi("GET", "/" + self.key, rewritten=rewritten)
            self.assertStatus(response, 200, self.world)
            self.assertEqual(self.assertJson(response), want)
            self.assertEqual(want, {"name": "Desk", "owner": "alice", "status": "online"})
            self.assertEqual(response.header("Access-Control-Allow-Origin"), "*")

    def test_key_domain_bare_path_cgi_options_and_unknown(self):
        response = self.cgi("OPTIONS", "/" + self.key)
        self.assertStatus(response, 204, self.world)
        self.assertEqual(response.header("Access-Control-Allow-Origin"), "*")
        self.assertError404(self.cgi("GET", "/" + "z" * 20), "no device key")
        # not a key: no route, still a JSON 404
        for path in ("/", "/short", "/" + "A" * 20, "/" + "a" * 21, "/" + self.key + "/x"):
            response = self.cgi("GET", path)
            self.assertStatus(response, 404, self.world)
            self.assertJson(response)

    def assertError404(self, response, needle):
        self.assertStatus(response, 404, self.world)
        self.assertIn(needle, self.assertJson(response)["error"])

    def test_key_domain_bare_path_through_lighttpd_rewrite(self):
        client = self.world.stack.client()
        response = client.get("/" + self.key, headers={"Host": KEY_DOMAIN})
        self.assertStatus(response, 200, self.world)
        self.assertEqual(self.assertJson(response), {"name": "Desk", "owner": "alice", "status": "online"})
        response = client.request("POST", "/" + self.key + "?from=Phone", body=b"hello from the key domain",
                                  headers={"Host": KEY_DOMAIN, "Content-Type": "text/plain"})
        self.assertStatus(response, 200, self.world)
        self.assertEqual(self.assertJson(response)["status"], "sent")
        self.world.check_printed(self, self.desk, "text/plain", b"hello from the key domain", "Phone")
        # on any other host the bare path stays the web UI's
        self.assertEqual(client.get("/" + self.key).header("Content-Type").split(";")[0], "text/html")


if __name__ == "__main__":
    unittest.main(verbosity=2)
