"""relay_handshake.py: the websocket handshake as the real bridge's strict client needs it (PROTOCOL.md section 1)."""

import base64
import json
import re
import os
import shutil
import socket
import ssl
import subprocess
import tempfile

from relay_helpers import Relay, fresh_address, free_port, heartbeat, power_on, run_tests, wait_for, BRIDGE
from wsclient import OP_CONT, OP_PING, OP_PONG, OP_TEXT, WebSocket, encode_frame

relay = None


def raw_handshake(host_header, protocol="bergcloud-bridge-v1", path="/api/v1/connection"):
    """Sends a handshake by hand and returns the reply head as bytes."""
    s = socket.create_connection(("127.0.0.1", relay.port), timeout=5)
    key = base64.b64encode(os.urandom(16)).decode()
    head = ("GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n" % (path, host_header, key))
    if protocol:
        head += "Sec-WebSocket-Protocol: %s\r\n" % protocol
    s.sendall((head + "\r\n").encode())
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
    s.close()
    return data


def check_strict_reply(data, protocol):
    """What ws4py 0.3.3 checks: status line, Upgrade, Connection exactly 'upgrade', the protocol."""
    lines = data.decode("latin-1").split("\r\n")
    assert lines[0].startswith("HTTP/1.1 101 "), lines[0]
    headers = {}
    for line in lines[1:]:
        if line:
            name, _, value = line.partition(":")
            assert name.lower() not in headers, "header %s twice" % name
            headers[name.lower()] = value.strip()
    assert headers["upgrade"].lower() == "websocket", headers
    assert headers["connection"].lower() == "upgrade", headers
    if protocol:
        assert headers["sec-websocket-protocol"] == protocol, headers
    else:
        assert "sec-websocket-protocol" not in headers, headers


def test_status_line_and_headers():
    check_strict_reply(raw_handshake("127.0.0.1:%d" % relay.port), "bergcloud-bridge-v1")


def test_missing_subprotocol_accepted():
    check_strict_reply(raw_handshake("127.0.0.1:%d" % relay.port, protocol=None), None)
    ws = relay.ws(protocol=None)
    ws.send_json(power_on())
    wait_for(lambda: relay.control({"op": "bridges"})["bridges"], what="the bridge to register")
    ws.close()


def test_any_host_header():
    for host in ("192.168.1.50", "192.168.1.50:8081", "example.org", "[::1]:99"):
        check_strict_reply(raw_handshake(host), "bergcloud-bridge-v1")


def test_accept_key():
    ws = relay.ws()  # WebSocket checks Sec-WebSocket-Accept itself
    ws.close()


def test_wrong_path_refused():
    data = raw_handshake("127.0.0.1", path="/other")
    assert not data.startswith(b"HTTP/1.1 101"), data


def test_plain_http_gets_404():
    s = socket.create_connection(("127.0.0.1", relay.port), timeout=5)
    s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    data = s.recv(4096)
    s.close()
    assert data.startswith(b"HTTP/1.1 404"), data


def test_unsolicited_pongs_accepted():
    ws = relay.ws()
    ws.send_json(power_on())
    for _ in range(5):
        ws.send_pong(b"")
    ws.send_pong(b"keepalive")
    ws.send_frame(OP_PING, b"hello")  # the relay answers pings; recv skips the pong
    ws.expect_nothing(0.3)
    bridges = relay.control({"op": "bridges"})["bridges"]
    assert any(b["address"] == BRIDGE and b["online"] for b in bridges), bridges
    assert relay.counters()["malformed"] == 0
    ws.close()


def test_unknown_subprotocol_gets_400():
    """Regression: a handshake offering only an unknown subprotocol was hung up on with no HTTP answer."""
    for offered in ("little-printer-v1", "chat, superchat"):
        data = raw_handshake("127.0.0.1:%d" % relay.port, protocol=offered)
        assert re.match(rb"HTTP/1\.[01] 400 ", data), data
        assert b"bergcloud-bridge-v1" in data, data  # the reason names what to offer
    wait_for(lambda: "subprotocol \"little-printer-v1\" offered" in relay.read_log(), what="the refusal in the log")
    # a list that includes ours is accepted, and the reply names ours alone
    check_strict_reply(raw_handshake("127.0.0.1:%d" % relay.port, protocol="little-printer-v1, bergcloud-bridge-v1"),
                       "bergcloud-bridge-v1")
    assert relay.alive()


def test_invalid_utf8_text_frame_closed_1007():
    """Regression: a text frame that is not UTF-8 was accepted; RFC 6455 says fail the connection with 1007."""
    ws = relay.ws()
    ws.send_json(power_on())
    wait_for(lambda: relay.control({"op": "bridges"})["bridges"], what="the bridge to register")
    ws.send_frame(OP_TEXT, b'{"type": "BridgeLog", "records": [{"message": "\xff\xfe"}]}')
    assert ws.expect_closed() == 1007
    # a character split across two fragments is still UTF-8
    ws = relay.ws()
    ws.send_frame(OP_TEXT, b'{"type": "BridgeLog", "bridge_address": "' + BRIDGE.encode() + b'", "records": [{"message": "caf\xc3',
                  fin=False)
    ws.send_frame(OP_CONT, b'\xa9"}]}')
    ws.send_frame(OP_PING, b"still there?")
    fin, op, payload = ws.recv_frame()
    assert op == OP_PONG and payload == b"still there?", (op, payload)
    ws.close()
    assert relay.alive()


def known_bridges():
    return {b["address"] for b in relay.control({"op": "bridges"})["bridges"]}


def test_unmasked_frame_is_closed_with_1002():
    """Regression: frames a bridge sent unmasked were processed; RFC 6455 5.1 says fail the connection with 1002."""
    before, after = fresh_address(), fresh_address()
    ws = relay.ws()
    ws.send_json(power_on())
    ws.send_json(heartbeat(before))
    wait_for(lambda: relay.status(before)["online"], what="the masked heartbeat to be processed")
    messages = relay.counters()["messages"]
    # in one write: a masked pong, then an unmasked heartbeat, then a masked one that comes too late
    ws.sock.sendall(encode_frame(OP_PONG, b"") +
                    encode_frame(OP_TEXT, json.dumps(heartbeat(after)), mask=False) +
                    encode_frame(OP_TEXT, json.dumps(heartbeat(after))))
    assert ws.expect_closed() == 1002
    wait_for(lambda: "unmasked frame, closing the connection (1002)" in relay.read_log(), what="the log line")
    assert not relay.status(after)["online"]
    assert relay.counters()["messages"] == messages
    ws.sock.close()

    # an unmasked frame in the same write as the handshake, its header split from its payload or not
    for early in (encode_frame(OP_TEXT, json.dumps(power_on("00aa00aa00aa00aa")), mask=False),
                  encode_frame(OP_PONG, b"", mask=False),
                  encode_frame(OP_TEXT, b"x" * 70000, mask=False)[:3]):
        ws = relay.ws(early=early)
        if len(early) == 3:
            ws.sock.sendall(b"\x01" * 100)
        assert ws.expect_closed() == 1002
        ws.sock.close()
    assert "00aa00aa00aa00aa" not in known_bridges()
    assert relay.read_log().count("unmasked frame, closing the connection (1002)") == 4  # once per connection

    # masked frames in the same write as the handshake, one with a 64-bit length, are read as before
    ws = relay.ws(early=encode_frame(OP_PONG, b"x" * 125) + encode_frame(OP_TEXT, json.dumps(power_on("00bb00bb00bb00bb"))))
    wait_for(lambda: "00bb00bb00bb00bb" in known_bridges(), what="the masked power_on sent with the handshake")
    ws.send_frame(OP_TEXT, json.dumps(heartbeat(after, bridge="00bb00bb00bb00bb", uptime=1)).encode()
                  + b" " * 70000)
    wait_for(lambda: relay.status(after)["online"], what="a masked heartbeat with a 64-bit length")
    ws.close()
    assert relay.alive()


def test_tls_listener():
    if not shutil.which("openssl"):
        print("   (no openssl program: TLS not tested)")
        return
    d = tempfile.mkdtemp(prefix="relay-tls-")
    cert, key = os.path.join(d, "cert.pem"), os.path.join(d, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                    "-days", "1", "-subj", "/CN=localhost"], check=True, capture_output=True)
    port = free_port()
    tls_relay = Relay("--tls-cert", cert, "--tls-key", key, "--tls-listen", "127.0.0.1:%d" % port)
    try:
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=5))
        s.sendall(("GET /api/v1/connection HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n"
                   "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n"
                   % base64.b64encode(os.urandom(16)).decode()).encode())
        data = s.recv(4096)
        s.close()
        check_strict_reply(data, None)
        # frames over TLS are checked for their mask too
        ws = WebSocket("127.0.0.1", port, tls=ctx)
        ws.send_json(power_on())
        wait_for(lambda: BRIDGE in {b["address"] for b in tls_relay.control({"op": "bridges"})["bridges"]},
                 what="the masked power_on over TLS")
        device = fresh_address()
        ws.sock.sendall(encode_frame(OP_PONG, b"") + encode_frame(OP_TEXT, json.dumps(heartbeat(device)), mask=False))
        assert ws.expect_closed() == 1002
        assert not tls_relay.status(device)["online"]
        ws.sock.close()
        wait_for(lambda: "unmasked frame, closing the connection (1002)" in tls_relay.read_log(), what="the log line")
        # over TLS the request cannot be read line by line: frames sent before the handshake's answer (which
        # RFC 6455 4.1 forbids) are refused whole, masked or not, without libwebsockets seeing them
        ws = WebSocket("127.0.0.1", port, tls=ctx, early=encode_frame(OP_PING, b"hi", mask=False))
        assert ws.expect_closed() == 1002
        ws.sock.close()
        wait_for(lambda: "bytes after its handshake the relay cannot check" in tls_relay.read_log(),
                 what="the log line")
        ws = WebSocket("127.0.0.1", port, tls=ctx, early=encode_frame(OP_TEXT, json.dumps(power_on("00cc00cc00cc00cc"))))
        assert ws.expect_closed() == 1002
        ws.sock.close()
        assert "00cc00cc00cc00cc" not in {b["address"] for b in tls_relay.control({"op": "bridges"})["bridges"]}
        assert tls_relay.read_log().count("unmasked frame, closing the connection (1002)") == 1  # once per connection
        # plain ws keeps working beside it
        tls_relay.ws().close()
    finally:
        assert tls_relay.close() == 0
        shutil.rmtree(d, ignore_errors=True)


def main():
    global relay
    relay = Relay()
    try:
        run_tests([test_status_line_and_headers, test_missing_subprotocol_accepted, test_any_host_header,
                   test_accept_key, test_wrong_path_refused, test_plain_http_gets_404,
                   test_unsolicited_pongs_accepted, test_unknown_subprotocol_gets_400,
                   test_invalid_utf8_text_frame_closed_1007, test_unmasked_frame_is_closed_with_1002,
                   test_tls_listener])
    finally:
        assert relay.close() == 0


if __name__ == "__main__":
    main()
