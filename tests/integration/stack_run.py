#!/usr/bin/env python3
"""stack_run.py: the whole server as run.sh starts it (relay, lighttpd, FastCGI programs): flows, bridges, a second run.sh, SIGTERM."""
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest

import harness
import stack_helpers as sh

RUN_SH = os.path.join(sh.SOURCE, "run.sh")
# The banner's last line: run.sh has printed all of it once this is in its output.
BANNER_END = "every print it receives is written as a PNG in prints/"
# Deadlines: generous, for a machine busy with other builds and tests; a
# healthy run meets each in a fraction of it.
START_DEADLINE = 120
STOP_DEADLINE = 60


def session_processes(sid):
    """The (pid, state, command) of every process of session sid but zombies."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as f:
                stat = f.read()
            with open("/proc/%s/cmdline" % entry, "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode(errors="replace").strip()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if int(fields[3]) == sid and fields[0] != "Z":
            found.append((int(entry), fields[0], cmd))
    return found


class RunSh:
    """run.sh --no-build on free ports with a temporary SIRIUS_VAR, in a session of its own."""

    def __init__(self, var, port, relay_port, extra_env=None, args=None):
        self.var = var
        self.port = port
        self.relay_port = relay_port
        self.env = dict(os.environ)
        for name in list(self.env):
            if name.startswith("SIRIUS_") and name not in ("SIRIUS_BUILD_DIR", "SIRIUS_SOURCE_DIR"):
                del self.env[name]
        self.env.update({
            "SIRIUS_VAR": var,
            "SIRIUS_HTTP_PORT": str(port),
            "SIRIUS_RELAY_PORT": str(relay_port),
            "SIRIUS_LISTEN": "127.0.0.1",
            "SIRIUS_PASSWORD_COST": "minimum",
            "SIRIUS_LIMIT_FACTOR": "100",
            "SIRIUS_RENDER_SECONDS": "600",  # renders are slow under the sanitizers on a busy machine
        })
        self.env.update(extra_env or {})
        self.log = os.path.join(os.path.dirname(var), os.path.basename(var) + ".log")
        self.out = open(self.log, "wb")
        self.proc = subprocess.Popen([RUN_SH, *(args or ["--no-build", "--build-dir", sh.BUILD])], env=self.env,
                                     stdout=self.out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                     start_new_session=True)

    def wait_ready(self, timeout=START_DEADLINE):
        """Returns once run.sh has printed its whole banner (its last line); fails when it exits first."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if BANNER_END in self.output():
                return
            if self.proc.poll() is not None:
                raise AssertionError("run.sh exited with %s:\n%s" % (self.proc.returncode, self.output()))
            time.sleep(0.1)
        raise AssertionError("run.sh did not print its banner within %ss:\n%s" % (timeout, self.output()))

    def wait_exit(self, timeout=START_DEADLINE):
        """run.sh's exit status, once it has exited by itself (a refusal); its output is then complete."""
        status = self.proc.wait(timeout=timeout)
        self.out.close()
        return status

    def output(self):
        return harness.read_text(self.log)

    def stop(self, sig=signal.SIGTERM, timeout=STOP_DEADLINE):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            status = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            status = self.proc.wait()
        self.out.close()
        return status


class StackRun(sh.StackFlows, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="sirius-run-")
        var = os.path.join(cls.tmp, "var")
        cls.port = harness.free_port()
        cls.server = RunSh(var, cls.port, harness.free_port())
        try:
            cls.server.wait_ready()
        except BaseException:
            cls.server.stop()
            shutil.rmtree(cls.tmp, ignore_errors=True)
            raise
        cls.db = os.path.join(var, "sirius.db")
        cls.env = dict(cls.server.env, SIRIUS_DB=cls.db, SIRIUS_RELAY_SOCKET=os.path.join(var, "relay.sock"))

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def logs(self):
        return self.server.output()

    def test_banner_names_the_urls_and_next_steps(self):
        # setUpClass waited for the banner's last line: all of it is in the output
        text = self.server.output()
        self.assertIn(BANNER_END, text)
        self.assertIn("http://127.0.0.1:%d/" % self.port, text)
        self.assertIn("ws://127.0.0.1:%d/api/v1/connection" % self.port, text)
        for step in ("sirius-fake user NAME --password", "sirius-fake printer"):
            self.assertIn(step, text)
        # the emulator's line is the README's, --out included
        self.assertRegex(text, r"sirius-fake emulate ADDRESS\.printer ws://127\.0\.0\.1:%d/api/v1/connection --out prints/\n"
                         % self.port)
        # nothing but the banner after "sirius is running": stopping comes later
        self.assertNotIn("No such file", text)

    def test_second_run_is_refused_before_building(self):
        # a run that would install and build first: it looks at the pid file before
        # either (its build directory has no configure beside it, so a build would fail at once)
        build = os.path.join(self.tmp, "unbuilt", "build")
        second = RunSh(self.server.var, harness.free_port(), harness.free_port(), args=["--build-dir", build])
        status = second.wait_exit()
        self.assertEqual(status, 1, second.output())
        self.assertIn("already running from %s (run.sh, pid %d)" % (self.server.var, self.server.proc.pid),
                      second.output())
        self.assertNotIn("Debian packages", second.output())
        self.assertFalse(os.path.exists(build))

    def test_unknown_subprotocol_gets_400_through_lighttpd(self):
        """Regression: a handshake offering only an unknown subprotocol got 500 from lighttpd."""
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=10)
        try:
            sock.sendall(b"GET /api/v1/connection HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                         b"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                         b"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: little-printer-v1\r\n\r\n")
            reply = b""
            while b"bergcloud-bridge-v1" not in reply:
                chunk = sock.recv(4096)
                if not chunk:
                    break
                reply += chunk
        finally:
            sock.close()
        self.assertRegex(reply, rb"^HTTP/1\.[01] 400 ")
        self.assertIn(b"bergcloud-bridge-v1", reply, "the reason names the subprotocol to offer")

    def test_database_made_at_start(self):
        tables = {name for (name,) in sh.sqlite_query(self.db, "SELECT name FROM sqlite_master WHERE type = 'table'")}
        self.assertTrue({"users", "printers", "messages"} <= tables, tables)

    def test_second_run_is_refused(self):
        second = RunSh(self.server.var, harness.free_port(), harness.free_port())
        status = second.wait_exit()
        self.assertEqual(status, 1, second.output())
        self.assertIn("already running", second.output())
        self.assertIn(str(self.server.proc.pid), second.output())
        # the first one is untouched
        self.assertEqual(self.client().get("/about").status, 200)


class StackLifecycle(unittest.TestCase):
    """Start-up and shut-down on their own: SIGTERM, a stale pid file, a taken port."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="sirius-run-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.var = os.path.join(self.tmp, "var")

    def test_sigterm_stops_everything(self):
        run = RunSh(self.var, harness.free_port(), harness.free_port(), {"SIRIUS_API_PROCESSES": "3"})
        self.addCleanup(run.stop)
        run.wait_ready()
        # the FastCGI programs start on the first request
        self.assertEqual(harness.Client(run.port).get("/about").status, 200)
        commands = [cmd.split()[0] for _, _, cmd in session_processes(run.proc.pid) if cmd]
        names = " ".join(commands)
        for program in ("sirius-relay", "lighttpd", "sirius-web"):
            self.assertIn(program, names)
        # as many sirius-api processes as the setting asks for (lighttpd starts up to four at once)
        self.assertEqual(sum(cmd.endswith("/sirius-api") for cmd in commands), 3, names)
        self.assertEqual(run.stop(signal.SIGTERM), 0, run.output())
        # stack_group_alive reads /proc of processes that may end meanwhile: quietly
        self.assertNotIn("No such file or directory", run.output())
        deadline = time.monotonic() + STOP_DEADLINE
        while session_processes(run.proc.pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        self.assertEqual(session_processes(run.proc.pid), [], run.output())
        self.assertFalse(os.path.exists(os.path.join(self.var, "run.pid")))
        self.assertFalse(os.path.exists(os.path.join(self.var, "relay.sock")))
        self.assertTrue(os.path.exists(os.path.join(self.var, "sirius.db")))

    def test_stale_pid_file_and_socket_are_cleaned_up(self):
        os.makedirs(self.var)
        dead = subprocess.Popen(["true"])
        dead.wait()
        with open(os.path.join(self.var, "run.pid"), "w") as f:
            f.write("%d\n" % dead.pid)
        with open(os.path.join(self.var, "relay.sock"), "w") as f:
            f.write("")
        run = RunSh(self.var, harness.free_port(), harness.free_port())
        self.addCleanup(run.stop)
        run.wait_ready()
        self.assertIn("did not stop cleanly", run.output())
        self.assertEqual(harness.Client(run.port).get("/about").status, 200)

    def test_port_in_use_is_named(self):
        with socket.socket() as busy:
            busy.bind(("127.0.0.1", 0))
            busy.listen(1)
            port = busy.getsockname()[1]
            run = RunSh(self.var, port, harness.free_port())
            status = run.wait_exit()
        self.assertEqual(status, 1, run.output())
        self.assertIn("port %d is in use" % port, run.output())
        self.assertFalse(os.path.exists(os.path.join(self.var, "run.pid")))

    def test_bad_setting_is_named(self):
        run = RunSh(self.var, harness.free_port(), harness.free_port(), {"SIRIUS_KEY_RATE": "lots"})
        status = run.wait_exit()
        self.assertNotEqual(status, 0)
        self.assertIn("SIRIUS_KEY_RATE", run.output())


if __name__ == "__main__":
    unittest.main()
