#!/usr/bin/env python3
"""stack_apache.py: Debian's apache2 with deploy/apache/sirius.conf in front of the relay and the FastCGI programs: flows, bridges, TLS."""
import http.client
import os
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
import unittest

import harness
import stack_helpers as sh

APACHE_CONF = os.path.join(sh.SOURCE, "deploy", "apache", "sirius.conf")
MODULES = "/usr/lib/apache2/modules"
# The modules the site needs, and what Apache itself needs to run it.
LOAD = ["mpm_event", "authz_core", "alias", "mime", "proxy", "proxy_fcgi", "proxy_http", "proxy_wstunnel",
        "ssl", "headers"]


def apache_binary():
    """Debian's apache2 program, or None."""
    return shutil.which("apache2") or shutil.which("apache2", path="/usr/sbin:/usr/local/sbin")


def fastcgi_server(program, path, env, log):
    """
    Starts program as a FastCGI server the way systemd's socket units
    (deploy/systemd/sirius-*.socket) and spawn-fcgi do: a listening Unix
    socket at path as its standard input. Returns the Popen.
    """
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(16)
    os.chmod(path, 0o666)
    with open(log, "ab") as out:
        proc = subprocess.Popen([program], stdin=listener.fileno(), stdout=out, stderr=subprocess.STDOUT, env=env)
    listener.close()
    return proc


@unittest.skipUnless(apache_binary(), "apache2 is not installed (apt-get install apache2)")
class StackApache(sh.StackFlows, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="sirius-apache-")
        # Apache's children run as www-data and must reach the sockets here.
        os.chmod(cls.tmp, 0o755)
        cls.procs = []
        try:
            cls._start()
        except BaseException:
            cls._stop()
            raise

    @classmethod
    def _start(cls):
        tmp = cls.tmp
        cls.db = os.path.join(tmp, "sirius.db")
        cls.port = harness.free_port()
        cls.tls_port = harness.free_port()
        relay_port = harness.free_port()
        cls.env = dict(os.environ)
        cls.env.pop("SIRIUS_BASE_URL", None)
        cls.env.update({
            "SIRIUS_VAR": tmp,
            "SIRIUS_DB": cls.db,
            "SIRIUS_RELAY_SOCKET": os.path.join(tmp, "relay.sock"),
            "SIRIUS_WWW": os.path.join(sh.SOURCE, "www"),
            "SIRIUS_PASSWORD_COST": "minimum",
            "SIRIUS_LIMIT_FACTOR": "100",
            "SIRIUS_RENDER_SECONDS": "600",  # renders are slow under the sanitizers on a busy machine
        })
        cls.relay_log = os.path.join(tmp, "relay.log")
        cls.fcgi_log = os.path.join(tmp, "fastcgi.log")
        cls.error_log = os.path.join(tmp, "error.log")

        with open(cls.relay_log, "ab") as out:
            relay = subprocess.Popen([harness.RELAY, "--listen", "127.0.0.1:%d" % relay_port, "--socket",
                                      cls.env["SIRIUS_RELAY_SOCKET"], "--db", cls.db], env=cls.env,
                                     stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        cls.procs.append(relay)
        harness.wait_port(relay_port, relay, cls.relay_log)
        for program, name in ((harness.WEB, "web"), (harness.API, "api")):
            cls.procs.append(fastcgi_server(program, os.path.join(tmp, name + ".sock"), cls.env, cls.fcgi_log))

        cert, key = os.path.join(tmp, "cert.pem"), os.path.join(tmp, "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                        "-days", "2", "-subj", "/CN=127.0.0.1"], check=True, capture_output=True)
        os.chmod(key, 0o644)

        lines = ["ServerRoot %s" % tmp,
                 "PidFile %s/httpd.pid" % tmp,
                 "ErrorLog %s" % cls.error_log,
                 "LogLevel warn",
                 "Mutex file:%s default" % tmp,
                 "DefaultRuntimeDir %s" % tmp,
                 "ServerName 127.0.0.1",
                 "Listen 127.0.0.1:%d" % cls.port,
                 "Listen 127.0.0.1:%d" % cls.tls_port]
        lines += ["LoadModule %s_module %s/mod_%s.so" % (m, MODULES, m) for m in LOAD]
        if os.geteuid() == 0:
            lines += ["User www-data", "Group www-data"]
        if os.path.exists("/etc/mime.types"):
            lines.append("TypesConfig /etc/mime.types")
        else:
            lines.append("AddType text/css .css")
        lines += ["Define SIRIUS_HTTP_PORT %d" % cls.port,
                  "Define SIRIUS_RELAY 127.0.0.1:%d" % relay_port,
                  "Define SIRIUS_WEB_SOCKET %s/web.sock" % tmp,
                  "Define SIRIUS_API_SOCKET %s/api.sock" % tmp,
                  "Define SIRIUS_STATIC %s/www/static" % sh.SOURCE,
                  "Define SIRIUS_TLS_CERT %s" % cert,
                  "Define SIRIUS_TLS_KEY %s" % key,
                  "Define SIRIUS_HTTPS_PORT %d" % cls.tls_port,
                  "Include %s" % APACHE_CONF]
        conf = os.path.join(tmp, "apache2.conf")
        with open(conf, "w") as f:
            f.write("\n".join(lines) + "\n")
        check = subprocess.run([apache_binary(), "-f", conf, "-t"], capture_output=True, text=True)
        if check.returncode != 0:
            raise AssertionError("apache2 -t refuses the configuration:\n%s%s" % (check.stdout, check.stderr))
        apache = subprocess.Popen([apache_binary(), "-f", conf, "-DFOREGROUND"], stdin=subprocess.DEVNULL,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        cls.procs.append(apache)
        harness.wait_port(cls.port, apache, cls.error_log)
        harness.wait_port(cls.tls_port, apache, cls.error_log)

    @classmethod
    def _stop(cls):
        for proc in reversed(cls.procs):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
        cls.procs = []
        shutil.rmtree(cls.tmp, ignore_errors=True)

    @classmethod
    def tearDownClass(cls):
        cls._stop()

    def logs(self):
        return "--- apache\n%s\n--- relay\n%s\n--- fastcgi\n%s" % (
            harness.read_text(self.error_log), harness.read_text(self.relay_log), harness.read_text(self.fcgi_log))

    def https(self, method, path, body=None, headers=None):
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        conn = http.client.HTTPSConnection("127.0.0.1", self.tls_port, timeout=30, context=context)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            raw = conn.getresponse()
            return harness.Response(raw.status, raw.getheaders(), raw.read())
        finally:
            conn.close()

    def test_tls_host_serves_browsers(self):
        about = self.https("GET", "/about")
        self.assertEqual(about.status, 200, "%r\n%s" % (about, self.logs()[-3000:]))
        self.assertIn("About this server", about.text)
        css = self.https("GET", "/static/sirius.css")
        self.assertEqual(css.status, 200, css)
        self.assertEqual(self.https("GET", "/printkey/no-such-endpoint-here").status, 404)

    def test_apache_passes_the_bearer_key_to_the_api(self):
        # Apache keeps Authorization from FastCGI programs unless CGIPassAuth is on: the key must arrive
        # (a wrong one is "not valid"; without the header the answer would ask for a key).
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request("POST", "/ext_api/v1/printer/1/print_html", body=b'{"message": "<p>x</p>", "face": "default"}',
                         headers={"Content-Type": "application/json", "Authorization": "Bearer " + "a" * 32})
            raw = conn.getresponse()
            response = harness.Response(raw.status, raw.getheaders(), raw.read())
        finally:
            conn.close()
        self.assertEqual(response.status, 401, "%r\n%s" % (response, self.logs()[-3000:]))
        self.assertIn("This API key is not valid", response.text)

    def test_apache_keeps_the_relays_single_connection_header(self):
        # Apache 2.4's tunnel (mod_proxy_wstunnel or mod_proxy_http's upgrade)
        # answers with exactly the one "Connection: Upgrade" ws4py needs.
        sock, key, raw = sh.raw_handshake(self.port, connection="keep-alive, Upgrade")
        sock.close()
        sh.check_bridge_reply(self, key, raw)
        self.assertNotIn(b"keep-alive", raw.lower())


if __name__ == "__main__":
    unittest.main()
