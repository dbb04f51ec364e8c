"""harness.py: the web stack for integration tests: sirius-relay and lighttpd on free loopback ports, a cookie-keeping client, plain CGI runs."""

import http.client
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.parse

BUILD = os.environ.get("SIRIUS_BUILD_DIR", os.path.join(os.path.dirname(__file__), "..", "..", "build"))
SOURCE = os.environ.get("SIRIUS_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
RELAY = os.path.join(BUILD, "relay", "sirius-relay")
WEB = os.path.join(BUILD, "cgi", "sirius-web")
API = os.path.join(BUILD, "cgi", "sirius-api")
WWW = os.path.join(SOURCE, "www")
LIGHTTPD_CONF = os.path.join(SOURCE, "deploy", "lighttpd", "sirius.conf")


def lighttpd_binary():
    """The lighttpd program (PATH, then /usr/sbin), or None."""
    return shutil.which("lighttpd") or shutil.which("lighttpd", path="/usr/sbin:/usr/local/sbin")


def free_port():
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, proc, log, timeout=15.0):
    """Waits until something accepts on 127.0.0.1:port; raises (with the log) when proc dies or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("%s exited with %s:\n%s" % (proc.args[0], proc.returncode, read_text(log)))
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("nothing listens on port %d after %.0f s:\n%s" % (port, timeout, read_text(log)))


def read_text(path):
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except OSError:
        return ""


CSRF_RE = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')


class Response:
    """An HTTP (or CGI) response: status, headers (list of (name, value)), body bytes."""

    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")

    def header(self, name):
        """The first header called name (ignoring case), or None."""
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None

    def all(self, name):
        return [value for key, value in self.headers if key.lower() == name.lower()]

    def cookie(self, name):
        """The attributes of the Set-Cookie for name as a dict ('value' and lower-case attribute names), or None."""
        for line in self.all("Set-Cookie"):
            parts = [p.strip() for p in line.split(";")]
            key, _, value = parts[0].partition("=")
            if key == name:
                attrs = {"value": value}
                for part in parts[1:]:
                    k, _, v = part.partition("=")
                    attrs[k.lower()] = v if v else True
                return attrs
        return None

    def csrf(self):
        """The csrf_token of the first form on the page, or None."""
        match = CSRF_RE.search(self.text)
        return match.group(1) if match else None

    def __repr__(self):
        return "<Response %d %s>" % (self.status, self.text[:200])


class Client:
    """An HTTP client for one browser: keeps cookies (name -> value) and the last CSRF token it saw."""

    def __init__(self, port, host="127.0.0.1", source=None):
        self.host = host
        self.port = port
        self.source = source  # the local address to connect from (any of 127.0.0.0/8 reaches loopback)
        self.cookies = {}
        self.csrf_token = None

    def _store(self, response):
        for line in response.all("Set-Cookie"):
            parts = [p.strip() for p in line.split(";")]
            name, _, value = parts[0].partition("=")
            attrs = {p.split("=", 1)[0].lower(): (p.split("=", 1)[1] if "=" in p else "") for p in parts[1:]}
            if attrs.get("max-age") == "0" or value == "":
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        token = response.csrf()
        if token:
            self.csrf_token = token

    def request(self, method, path, body=None, headers=None, keep=True, timeout=30):
        """Sends one request (no redirects followed), waiting at most timeout seconds; returns a Response."""
        conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout,
                                          source_address=(self.source, 0) if self.source else None)
        all_headers = dict(headers or {})
        if self.cookies and "Cookie" not in all_headers:
            all_headers["Cookie"] = "; ".join("%s=%s" % kv for kv in self.cookies.items())
        try:
            conn.request(method, path, body=body, headers=all_headers)
            raw = conn.getresponse()
            response = Response(raw.status, raw.getheaders(), raw.read())
        finally:
            conn.close()
        if keep:
            self._store(response)
        return response

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, fields=None, csrf=True, **kw):
        """POSTs fields (dict or list of pairs) form-encoded, adding the last csrf_token seen unless csrf is False."""
        pairs = list(fields.items()) if isinstance(fields, dict) else list(fields or [])
        if csrf and self.csrf_token and not any(k == "csrf_token" for k, _ in pairs):
            pairs.append(("csrf_token", self.csrf_token))
        body = urllib.parse.urlencode(pairs).encode()
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        headers.update(kw.pop("headers", {}))
        return self.request("POST", path, body=body, headers=headers, **kw)

    def post_form(self, form_path, action, fields):
        """GETs the page with the form (for its CSRF token), then POSTs fields to action."""
        self.get(form_path)
        return self.post(action, fields)


def multipart(fields, files=(), boundary="----siriusTestBoundary7MA4YWxkTrZu0gW"):
    """A multipart/form-data body and its Content-Type: fields (name, value), files (name, filename, type, bytes)."""
    out = b""
    for name, value in fields:
        out += ("--%s\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n" % (boundary, name)).encode()
        out += value.encode() if isinstance(value, str) else value
        out += b"\r\n"
    for name, filename, ctype, data in files:
        out += ("--%s\r\nContent-Disposition: form-data; name=\"%s\"; filename=\"%s\"\r\n"
                "Content-Type: %s\r\n\r\n" % (boundary, name, filename, ctype)).encode()
        out += data + b"\r\n"
    out += ("--%s--\r\n" % boundary).encode()
    return out, "multipart/form-data; boundary=%s" % boundary


def parse_cgi(output):
    """Splits a CGI program's output into a Response (Status header -> status)."""
    head, sep, body = output.partition(b"\r\n\r\n")
    if not sep:
        raise ValueError("no end of headers in CGI output: %r" % output[:300])
    status, headers = 200, []
    for line in head.decode("latin-1").split("\r\n"):
        name, _, value = line.partition(":")
        value = value.strip()
        if name.lower() == "status":
            status = int(value.split()[0])
        else:
            headers.append((name, value))
    return Response(status, headers, body)


class Stack:
    """
    sirius-relay and lighttpd (deploy/lighttpd/sirius.conf) with a fresh
    SIRIUS_VAR in a temporary directory, on free loopback ports. Use as a
    context manager or call close(); everything started is stopped and the
    directory removed, whatever happened.
    """

    def __init__(self, relay=True, extra_env=None):
        self.tmp = tempfile.mkdtemp(prefix="sirius-web-")
        self.var = self.tmp
        self.db = os.path.join(self.var, "sirius.db")
        self.socket = os.path.join(self.var, "relay.sock")
        self.port = free_port()
        self.relay_port = free_port()
        self.procs = []
        self.env = dict(os.environ)
        self.env.update({
            "SIRIUS_VAR": self.var,
            "SIRIUS_DB": self.db,
            "SIRIUS_RELAY_SOCKET": self.socket,
            "SIRIUS_WWW": WWW,
            "SIRIUS_BUILD_DIR": os.path.abspath(BUILD),
            "SIRIUS_PASSWORD_COST": "minimum",
            "SIRIUS_LIMIT_FACTOR": "100",
            "SIRIUS_RENDER_SECONDS": "600",  # renders are slow under the sanitizers on a busy machine
            # One sirius-api process, not five: a sanitized process costs a tenth
            # of a second of CPU to start and to check for leaks at exit, for
            # every stack.
            "SIRIUS_API_PROCESSES": "1",
            "SIRIUS_HTTP_BIND": "127.0.0.1",
            "SIRIUS_HTTP_PORT": str(self.port),
            "SIRIUS_RELAY_HOST": "127.0.0.1",
            "SIRIUS_RELAY_PORT": str(self.relay_port),
        })
        self.env.pop("SIRIUS_BASE_URL", None)
        self.env.update(extra_env or {})
        self.relay_log = os.path.join(self.var, "relay.log")
        self.lighttpd_log = os.path.join(self.var, "lighttpd.log")
        try:
            if relay:
                self._start([RELAY, "--listen", "127.0.0.1:%d" % self.relay_port, "--socket", self.socket,
                             "--db", self.db], self.relay_log, self.relay_port)
            lighttpd = lighttpd_binary()
            if not lighttpd:
                raise RuntimeError("lighttpd is not installed (apt-get install lighttpd)")
            self._start([lighttpd, "-D", "-f", LIGHTTPD_CONF], self.lighttpd_log, self.port)
        except BaseException:
            self.close()
            raise

    def _start(self, argv, log, port):
        with open(log, "ab") as out:
            proc = subprocess.Popen(argv, env=self.env, stdout=out, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL)
        self.procs.append(proc)
        wait_port(port, proc, log)

    def client(self):
        """A new browser (no cookies) talking to lighttpd."""
        return Client(self.port)

    def url(self, path):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def logs(self):
        """The relay's and lighttpd's logs (the programs' stderr is in lighttpd's), for failure messages."""
        return "--- relay\n%s\n--- lighttpd\n%s" % (read_text(self.relay_log), read_text(self.lighttpd_log))

    def wait_relay_log(self, line, timeout=60):
        """Waits until the relay's log has line."""
        deadline = time.monotonic() + timeout
        while line not in read_text(self.relay_log):
            if time.monotonic() > deadline:
                raise AssertionError("the relay never logged %r:\n%s" % (line, self.logs()[-3000:]))
            time.sleep(0.02)

    def wait_key_accepted(self, address):
        """
        Waits until the relay has the printer's answer to its key. An emulator
        logs "key accepted" before that answer reaches the relay, and until
        then a print is queued behind the key (202), not sent (200).
        """
        self.wait_relay_log("device %s: its key was accepted" % address)

    def cgi(self, program, method="GET", path="/", body=b"", content_type=None, cookies=None, env=None):
        """Runs program (WEB or API) as plain CGI on this stack's database; returns a Response."""
        return run_cgi(program, method, path, body, content_type, cookies, self.env, env)

    def close(self):
        for proc in reversed(self.procs):
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
        self.procs = []
        shutil.rmtree(self.tmp, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def run_cgi(program, method="GET", path="/", body=b"", content_type=None, cookies=None, env=None, extra=None):
    """
    Runs a program as plain CGI (one request: FCGI_Accept returns once) with
    the CGI variables of method and path (with its query), body on stdin and
    cookies (dict) in HTTP_COOKIE, in env (default os.environ); extra
    overrides any variable last (CONTENT_LENGTH, HTTPS, ...). Returns the
    parsed Response.
    """
    path_only, _, query = path.partition("?")
    cgi_env = dict(env if env is not None else os.environ)
    cgi_env.update({
        "GATEWAY_INTERFACE": "CGI/1.1",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "REQUEST_METHOD": method,
        "REQUEST_URI": path,
        "SCRIPT_NAME": "",
        "PATH_INFO": urllib.parse.unquote(path_only).replace("\0", ""),
        "QUERY_STRING": query,
        "REMOTE_ADDR": "127.0.0.1",
        "CONTENT_LENGTH": str(len(body)),
    })
    if content_type:
        cgi_env["CONTENT_TYPE"] = content_type
    if cookies:
        cgi_env["HTTP_COOKIE"] = "; ".join("%s=%s" % kv for kv in cookies.items())
    cgi_env.update(extra or {})
    run = subprocess.run([program], input=body, env=cgi_env, capture_output=True, timeout=60)
    if run.returncode != 0:
        raise RuntimeError("%s exited with %d: %s" % (program, run.returncode, run.stderr.decode(errors="replace")))
    response = parse_cgi(run.stdout)
    response.stderr = run.stderr.decode(errors="replace")
    return response
