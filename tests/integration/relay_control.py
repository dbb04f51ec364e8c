"""relay_control.py: the relay's control socket (errors, limits, many clients) and the daemon's signals and socket file."""

import json
import os
import signal
import socket
import stat
import subprocess
import threading
import time

from relay_helpers import Relay, control_raw, heartbeat, power_on, run_tests, wait_for, RELAY

relay = None


def ask_raw(data):
    return json.loads(control_raw(relay.socket, data))


def test_socket_mode():
    assert stat.S_IMODE(os.stat(relay.socket).st_mode) == 0o660


def test_errors():
    cases = [
        (b"not json\n", "not valid JSON"),
        (b"[1, 2]\n", "JSON object"),
        (b"{\"op\": \"explode\"}\n", "unknown op"),
        (b"{\"no_op\": 1}\n", "missing field \"op\""),
        (b"{\"op\": \"deliver\", \"device\": \"000d6f000273ce0a\"}\n", "missing field"),
        (b"{\"op\": \"deliver\", \"device\": \"zz\", \"command_id\": 1, \"payload\": \"AA==\"}\n", "address"),
        (b"{\"op\": \"deliver\", \"device\": \"000d6f000273ce0a\", \"command_id\": 0, \"payload\": \"AA==\"}\n",
         "command_id"),
        (b"{\"op\": \"status\", \"devices\": 5}\n", "array"),
        (b"{\"op\": \"logs\", \"bridge\": \"000d6f000273ce0a\"}\n", "unknown bridge"),
        (b"\xff\xfe\n", "not valid JSON"),
    ]
    for data, part in cases:
        reply = ask_raw(data)
        assert reply["ok"] is False and part in reply["error"], (data, reply)
    assert relay.alive()


def test_counters_report_the_checkpoints():
    """The checkpointer thread copies the bridges' records from the log into the database; counters say so."""
    counters = relay.counters()
    for name in ("checkpoints", "checkpoint_frames", "checkpoint_restarts", "checkpoint_failures"):
        assert isinstance(counters[name], int) and counters[name] >= 0, (name, counters.get(name))
    ws = relay.ws()
    try:
        # a new bridge and printer: records written, which a checkpoint then copies (with any left before)
        ws.send_json(power_on("000d6f00000c4ec0"))
        ws.send_json(heartbeat("000d6f00000c4ec1", "000d6f00000c4ec0"))
        wait_for(lambda: relay.counters()["checkpoints"] > counters["checkpoints"], 120, what="a checkpoint")
        after = relay.counters()
        assert after["checkpoint_frames"] > counters["checkpoint_frames"]
        assert after["checkpoint_failures"] == 0
    finally:
        ws.close()


def test_pipelined_requests_on_one_connection():
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(5)
    s.connect(relay.socket)
    lines = [json.dumps({"op": "ping", "id": i}) for i in range(200)]
    s.sendall(("\n".join(lines) + "\r\n").encode())
    buf = b""
    while buf.count(b"\n") < 200:
        chunk = s.recv(65536)
        assert chunk, "connection closed early"
        buf += chunk
    ids = [json.loads(line)["id"] for line in buf.split(b"\n")[:200]]
    assert ids == list(range(200)), ids[:10]
    s.close()


def test_oversize_line():
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(10)
    s.connect(relay.socket)
    try:
        s.sendall(b"{\"op\": \"ping\", \"pad\": \"" + b"x" * (2 * 1024 * 1024))
    except OSError:
        pass  # the relay may close before reading all of it
    buf = b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            buf += chunk
    except ConnectionResetError:
        pass
    s.close()
    reply = json.loads(buf.split(b"\n")[0])
    assert reply["ok"] is False and "too long" in reply["error"], reply
    assert relay.control({"op": "ping"}) == {"ok": True}


def test_large_payload_within_limit():
    reply = relay.control({"op": "deliver", "device": "000d6f000273ce0a", "command_id": 9,
                           "payload": "QUJD" * (1000 * 1024 // 4)})
    assert reply == {"ok": True, "result": "offline"}, reply


def test_many_clients_at_once():
    errors = []

    def worker(n):
        try:
            for _ in range(20):
                reply = relay.control({"op": "status", "devices": ["000d6f000273ce0a"], "id": n})
                assert reply["ok"] and reply["id"] == n, reply
        except Exception as e:  # collected for the main thread
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors[:3]


def test_clients_that_vanish():
    for _ in range(20):
        s = socket.socket(socket.AF_UNIX)
        s.connect(relay.socket)
        s.sendall(b"{\"op\": \"coun")  # half a request, then gone
        s.close()
    s = socket.socket(socket.AF_UNIX)
    s.connect(relay.socket)
    s.sendall(b"{\"op\": \"counters\"}\n")
    s.close()  # gone before reading the reply
    assert relay.control({"op": "ping"}) == {"ok": True}


def test_sighup_reopens_log():
    rotated = relay.log + ".1"
    os.rename(relay.log, rotated)
    relay.proc.send_signal(signal.SIGHUP)
    wait_for(lambda: os.path.exists(relay.log), what="a new log file")
    relay.control({"op": "ping"})
    assert "log file reopened" in relay.read_log()
    assert relay.alive()


def test_second_relay_refused():
    p = subprocess.run([RELAY, "--listen", "127.0.0.1:1", "--socket", relay.socket], env=relay.env,
                       capture_output=True, text=True, timeout=20)
    assert p.returncode != 0
    # refused at its journal, before it could replay the running relay's records
    assert "another relay is using this database" in p.stderr, p.stderr
    assert relay.control({"op": "ping"}) == {"ok": True}


def test_bad_commit_delay_refused():
    for value in ("soon", "-1", "3601", "nan"):
        p = subprocess.run([RELAY, "--commit-delay", value], env=relay.env, capture_output=True, text=True,
                           timeout=20)
        assert p.returncode == 2, (value, p.returncode, p.stderr)
        assert "--commit-delay wants seconds" in p.stderr, p.stderr


def test_sigterm_and_stale_socket():
    assert relay.stop(signal.SIGTERM) == 0
    assert not os.path.exists(relay.socket), "the socket file is left behind"
    # a stale socket file (a relay that crashed) is removed at start
    s = socket.socket(socket.AF_UNIX)
    s.bind(relay.socket)
    s.close()
    relay.start()
    assert relay.control({"op": "ping"}) == {"ok": True}
    assert relay.stop(signal.SIGINT) == 0


def test_id_that_cannot_be_echoed_is_refused():
    """Regression: a huge number id was echoed as null, an id of invalid UTF-8 raw (invalid JSON)."""
    for data in [b'{"op":"ping","id":' + b"1" * 400 + b"}\n", b'{"op":"ping","id":"\xff\xfe"}\n']:
        line = control_raw(relay.socket, data)
        reply = json.loads(line.decode("utf-8"))  # strict: the reply is valid UTF-8 JSON
        assert reply["ok"] is False and "id" not in reply and '"id"' in reply["error"], reply


def test_error_reply_invalid_utf8_not_echoed():
    """Regression: an unknown op's invalid UTF-8 was echoed raw, which strict JSON clients reject."""
    for data in [b'{"op":"\xff\xfe"}\n', b'{"op":"caf\xc3"}\n', b'{"op":"\xed\xa0\x80"}\n']:
        line = control_raw(relay.socket, data)
        reply = json.loads(line.decode("utf-8"))  # strict: a UnicodeDecodeError fails the test
        assert reply["ok"] is False and "unknown op" in reply["error"], reply
        assert "\ufffd" in reply["error"], reply
    assert relay.alive()


def test_blank_lines_get_no_reply():
    """Blank lines (empty, or spaces, tabs and CR) are ignored: the first reply is the ping's."""
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(5)
    s.connect(relay.socket)
    s.sendall(b'\n\r\n  \t \r\n{"op":"ping","id":1}\n\n{"op":"ping","id":2}\r\n\n')
    buf = b""
    while buf.count(b"\n") < 2:
        chunk = s.recv(65536)
        assert chunk, "connection closed early"
        buf += chunk
    lines = buf.split(b"\n")
    assert [json.loads(line)["id"] for line in lines[:2]] == [1, 2], buf
    # nothing more comes: a third request's reply is the next line
    s.sendall(b'{"op":"ping","id":3}\n')
    while buf.count(b"\n") < 3:
        chunk = s.recv(65536)
        assert chunk, "connection closed early"
        buf += chunk
    assert json.loads(buf.split(b"\n")[2])["id"] == 3, buf
    s.close()


def test_throttled_client_stops_parsing():
    """Regression: a client that did not read its replies still got every request of a read chunk answered."""
    bridges = []
    for i in range(80):
        ws = relay.ws()
        ws.send_json(power_on("%016x" % (0xb0000 + i)))
        bridges.append(ws)
    wait_for(lambda: len(relay.control({"op": "bridges"})["bridges"]) >= 80, 60, what="80 bridges")
    reply_size = len(json.dumps(relay.control({"op": "bridges"}), separators=(",", ":"))) + 1
    lines = 4000
    before = relay.counters()["control_requests"]
    asked = [0]

    def answered():
        # the relay answers this request after the ones it has parsed; it counts itself too
        asked[0] += 1
        return relay.control({"op": "counters"}, timeout=60)["counters"]["control_requests"] - before - asked[0]

    s = socket.socket(socket.AF_UNIX)
    s.connect(relay.socket)
    s.sendall(b'{"op":"bridges"}\n' * lines)
    high = 16 * 1024 * 1024 // reply_size + 1
    # the first replies go straight into the socket, up to its send buffer, and are not queued
    with open("/proc/sys/net/core/wmem_default") as f:
        in_socket = int(f.read()) // reply_size + 1
    # the relay parses until the unread replies pass 16 MiB, however long that takes under load ...
    wait_for(lambda: answered() >= high - 2, 120, what="the client's replies to reach the high mark")
    # ... and then stops: other clients are still answered, the throttled one is not
    for _ in range(3):
        count = answered()
        assert high - 2 <= count <= high + 2 + in_socket, (count, high, in_socket)
    # reading the replies lets the relay go on where it stopped: every request is answered in order
    s.settimeout(60)
    got = 0
    buf = b""
    while got < lines:
        chunk = s.recv(1 << 20)
        assert chunk, "closed after %d replies" % got
        buf += chunk
        got += chunk.count(b"\n")
        buf = buf[buf.rfind(b"\n") + 1:]
    assert got == lines
    s.close()
    for ws in bridges:
        ws.close()


def main():
    global relay
    relay = Relay()
    try:
        run_tests([test_socket_mode, test_errors, test_pipelined_requests_on_one_connection, test_oversize_line,
                   test_large_payload_within_limit, test_many_clients_at_once, test_clients_that_vanish,
                   test_id_that_cannot_be_echoed_is_refused, test_error_reply_invalid_utf8_not_echoed,
                   test_blank_lines_get_no_reply, test_throttled_client_stops_parsing,
                   test_sighup_reopens_log, test_second_relay_refused, test_bad_commit_delay_refused,
                   test_sigterm_and_stale_socket])
    finally:
        relay.close()


if __name__ == "__main__":
    main()
