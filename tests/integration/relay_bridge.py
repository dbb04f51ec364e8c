"""relay_bridge.py: bridges and devices through real websockets: online/offline, reconnects, timeouts, bad traffic."""

import json
import time

from relay_helpers import (Relay, bridge_event, bridge_log, heartbeat, power_on, run_tests, wait_for,
                           fresh_address, BRIDGE)
from wsclient import OP_BINARY, OP_CONT, OP_TEXT

relay = None


def online(device):
    return relay.status(device)["online"]


def test_devices_online_and_recorded():
    d1, d2 = fresh_address(), fresh_address()
    ws = relay.ws()
    ws.send_json(power_on())
    ws.send_json(bridge_event("device_connect", d1))
    ws.send_json(heartbeat(d2))
    wait_for(lambda: online(d1) and online(d2), what="two devices online")
    st = relay.status(d1)
    assert st["bridge"] == BRIDGE and st["last_seen"] > time.time() - 10, st
    with relay.db() as db:
        rows = db.execute("SELECT address FROM printers WHERE address IN (?, ?)", (d1, d2)).fetchall()
    assert len(rows) == 2, rows
    ws.send_json(bridge_event("device_disconnect", d1))
    wait_for(lambda: not online(d1), what="device_disconnect")
    assert online(d2)
    ws.close()
    wait_for(lambda: not online(d2), what="offline when the bridge closes")


def test_reconnect_newest_wins():
    d = fresh_address()
    old = relay.ws()
    old.send_json(power_on())
    old.send_json(heartbeat(d))
    wait_for(lambda: online(d), what="device online")
    new = relay.ws()
    new.send_json(heartbeat(d))  # a re-sent message comes before power_on
    new.send_json(power_on())
    wait_for(lambda: relay.counters()["takeovers"] >= 1, what="the takeover")
    old.close()  # the stale socket closing must not take the device offline
    time.sleep(0.3)
    assert online(d)
    bridges = [b for b in relay.control({"op": "bridges"})["bridges"] if b["address"] == BRIDGE]
    assert bridges and bridges[0]["online"], bridges
    # a replayed power_on on the new socket is ignored
    replays = relay.counters()["power_on_replays"]
    new.send_json(power_on())
    wait_for(lambda: relay.counters()["power_on_replays"] == replays + 1, what="the replay counted")
    new.close()
    wait_for(lambda: not online(d), what="offline after the newest socket closed")


def test_device_timeout():
    d = fresh_address()
    ws = relay.ws()
    ws.send_json(power_on())
    ws.send_json(heartbeat(d))
    wait_for(lambda: online(d), what="device online")
    # heartbeats every second keep it online past the 2 s timeout
    for _ in range(3):
        time.sleep(1)
        ws.send_json(heartbeat(d))
    assert online(d)
    start = time.monotonic()
    wait_for(lambda: not online(d), timeout=5, what="the device timeout")
    assert time.monotonic() - start >= 1.0
    assert online(d) is False
    ws.send_json(heartbeat(d))
    wait_for(lambda: online(d), what="back online")
    ws.close()


def test_bad_traffic_counted_not_fatal():
    d = fresh_address()
    ws = relay.ws()
    ws.send_text("this is not json")
    ws.send_text("{}")
    ws.send_json(power_on())
    before = relay.counters()
    ws.send_text("{\"type\": \"BridgeEvent\"")
    ws.send_json({"type": "Mystery", "bridge_address": BRIDGE})
    ws.send_json(bridge_event("self_destruct", d))
    ws.send_json({"type": "DeviceEvent", "bridge_address": BRIDGE, "device_address": d,
                  "binary_payload": "AAAA"})
    ws.send_frame(OP_BINARY, b"\x00\x01\x02")
    ws.send_json(heartbeat(d))
    wait_for(lambda: online(d), what="the connection to survive bad traffic")
    after = relay.counters()
    assert after["malformed"] >= before["malformed"] + 3, after
    assert after["unknown"] >= before["unknown"] + 2, after
    ws.close()


def test_fragmented_message():
    d = fresh_address()
    ws = relay.ws()
    ws.send_json(power_on())
    text = json.dumps(heartbeat(d))
    ws.send_frame(OP_TEXT, text[:10], fin=False)
    ws.send_frame(OP_CONT, text[10:30], fin=False)
    ws.send_frame(OP_CONT, text[30:], fin=True)
    wait_for(lambda: online(d), what="a fragmented heartbeat")
    ws.close()


def test_oversized_frame_closes_only_that_connection():
    d = fresh_address()
    good = relay.ws()
    good.send_json(power_on())
    good.send_json(heartbeat(d))
    wait_for(lambda: online(d), what="device online")
    big = relay.ws()
    big.send_frame(OP_TEXT, b"x" * (300 * 1024))
    big.expect_closed()
    # a header that claims 2^40 bytes is refused as soon as the limit is passed
    liar = relay.ws()
    try:
        liar.send_frame(OP_TEXT, b"y" * (260 * 1024), claimed_length=1 << 40)
    except OSError:
        pass
    liar.expect_closed()
    assert relay.counters()["oversize"] >= 2
    assert relay.alive() and online(d)
    good.send_json(heartbeat(d))
    good.close()


def test_logs_ring():
    ws = relay.ws()
    ws.send_json(power_on())
    ws.send_json(bridge_log(["record %d" % i for i in range(10)]))
    wait_for(lambda: len(relay.control({"op": "logs", "bridge": BRIDGE}).get("records", [])) >= 10,
             what="log records")
    records = relay.control({"op": "logs", "bridge": BRIDGE})["records"]
    assert records[-1]["message"] == "record 9" and records[-1]["levelname"] == "INFO", records[-1]
    ws.close()


def test_flood():
    d = fresh_address()
    ws = relay.ws()
    ws.send_json(power_on())
    payload = json.dumps(heartbeat(d))
    for _ in range(2000):
        ws.send_text(payload)
    wait_for(lambda: online(d), what="the flood to be read")
    wait_for(lambda: relay.counters()["by_kind"]["heartbeat"] >= 2000, what="every heartbeat")
    ws.close()


def test_old_socket_cannot_bring_devices_online_through_an_offline_bridge():
    """Regression: after the newest socket of a bridge closed, an older one made devices online through an offline bridge."""
    d, other = fresh_address(), fresh_address()
    old = relay.ws()
    old.send_json(power_on())
    old.send_json(heartbeat(d))
    wait_for(lambda: online(d), what="device online")
    new = relay.ws()
    new.send_json(power_on())
    new.send_json(heartbeat(d))
    wait_for(lambda: relay.counters()["takeovers"] >= 1, what="the takeover")
    stale = relay.counters()["stale_events"]
    old.send_json(heartbeat(other))  # the old socket does not own the bridge: ignored
    wait_for(lambda: relay.counters()["stale_events"] == stale + 1, what="the stale report counted")
    assert not online(other)
    new.close()
    wait_for(lambda: not online(d), what="offline with its bridge")
    reclaims = relay.counters()["reclaims"]
    old.send_json(heartbeat(d))  # the bridge has no socket: the old one takes it back
    wait_for(lambda: online(d), what="online again through the old socket")
    assert relay.counters()["reclaims"] == reclaims + 1
    bridges = [b for b in relay.control({"op": "bridges"})["bridges"] if b["address"] == BRIDGE]
    assert bridges and bridges[0]["online"], bridges
    reply = relay.control({"op": "deliver", "device": d, "command_id": 77, "payload": "AQIDBA=="})
    assert reply == {"ok": True, "result": "sent"}, reply
    assert old.recv_json()["command_id"] == 77
    old.close()
    wait_for(lambda: not online(d), what="offline once the old socket closed too")


def test_socket_naming_no_bridge_is_closed():
    """Regression: websockets that never named a bridge were kept open for ever."""
    r = Relay("--name-timeout", "1")
    try:
        quiet = r.ws()
        chatty = r.ws()
        chatty.send_text("{}")  # no bridge address in it
        named = r.ws()
        named.send_json(power_on())
        quiet.expect_closed(timeout=5)
        chatty.expect_closed(timeout=5)
        assert r.counters()["unnamed_closed"] == 2
        named.send_json(heartbeat(fresh_address()))
        time.sleep(0.3)
        assert r.control({"op": "bridges"})["bridges"][0]["online"]
        named.close()
    finally:
        assert r.close() == 0, r.read_log()[-3000:]


def main():
    global relay
    relay = Relay("--device-timeout", "2")
    try:
        run_tests([test_devices_online_and_recorded, test_reconnect_newest_wins, test_device_timeout,
                   test_bad_traffic_counted_not_fatal, test_fragmented_message,
                   test_oversized_frame_closes_only_that_connection, test_logs_ring, test_flood,
                   test_old_socket_cannot_bring_devices_online_through_an_offline_bridge,
                   test_socket_naming_no_bridge_is_closed])
    finally:
        assert relay.close() == 0, relay.read_log()[-3000:]


if __name__ == "__main__":
    main()
