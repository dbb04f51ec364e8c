"""relay_print.py: prints through the control socket to a bridge, responses settling them, time-outs, restarts."""

import base64
import os
import re
import sqlite3
import time

from relay_helpers import (Relay, device_response, did_print, heartbeat, power_on, run_tests, wait_for,
                           fresh_address, BRIDGE, FAKE, SOURCE)

relay = None
IMAGE = os.path.join(SOURCE, "tests", "vectors", "real", "device_command_pork_chops.png")


def message_state(command_id):
    with relay.db() as db:
        row = db.execute("SELECT status, return_code FROM messages WHERE id = ?", (command_id,)).fetchone()
    return row


def print_via_fake(address):
    """Prints the vector image with sirius-fake (which stores the message and asks the relay); returns its id."""
    out = relay.run(FAKE, "print", address, IMAGE, "--from", "test")
    m = re.search(r"message (\d+) (sent|queued|failed)", out)
    assert m, out
    return int(m.group(1)), m.group(2)


def online_printer():
    address = fresh_address()
    ws = relay.ws()
    ws.send_json(power_on())
    ws.send_json(heartbeat(address))
    wait_for(lambda: relay.status(address)["online"], what="the printer online")
    return address, ws


def expect_command(ws, address, command_id=None):
    cmd = ws.recv_json()
    assert cmd["type"] == "DeviceCommand", cmd
    assert cmd["bridge_address"] == BRIDGE and cmd["device_address"] == address, cmd
    if command_id is not None:
        assert cmd["command_id"] == command_id, cmd
    base64.b64decode(cmd["binary_payload"], validate=True)
    return cmd


def test_deliver_raw():
    address, ws = online_printer()
    reply = relay.control({"op": "deliver", "device": address, "command_id": 4000000000, "payload": "AQIDBA=="})
    assert reply == {"ok": True, "result": "sent"}, reply
    cmd = expect_command(ws, address, 4000000000)
    assert cmd["binary_payload"] == "AQIDBA==" and cmd["timestamp"] == "0", cmd
    reply = relay.control({"op": "deliver", "device": fresh_address(), "command_id": 5, "payload": "AQIDBA=="})
    assert reply == {"ok": True, "result": "offline"}, reply
    ws.close()


def test_print_delivered_and_printed():
    address, ws = online_printer()
    command_id, how = print_via_fake(address)
    assert how == "sent"
    cmd = expect_command(ws, address, command_id)
    payload = base64.b64decode(cmd["binary_payload"])
    assert payload[0] == 1 and int.from_bytes(payload[4:8], "little") == command_id
    wait_for(lambda: message_state(command_id)[0] == "sent", what="marked sent once written")
    ws.send_json(device_response(address, command_id, 0))
    wait_for(lambda: message_state(command_id)[0] == "delivered", what="delivered")
    ws.send_json(did_print(address, command_id))
    wait_for(lambda: message_state(command_id)[0] == "printed", what="printed")
    ws.close()


def test_print_failed_with_code():
    address, ws = online_printer()
    command_id, _ = print_via_fake(address)
    expect_command(ws, address, command_id)
    ws.send_json(device_response(address, command_id, 0x80))
    wait_for(lambda: message_state(command_id) == ("failed", 0x80), what="failed with invalid size")
    ws.close()


def test_bridge_queue_full_is_sent_again():
    """Regression: 0xe0 ("queue full, send again later") was taken as a final failure."""
    address, ws = online_printer()
    command_id, _ = print_via_fake(address)
    expect_command(ws, address, command_id)
    ws.send_json(device_response(address, command_id, 0xe0))
    wait_for(lambda: relay.counters()["commands_requeued"] >= 1, what="the command requeued")
    assert message_state(command_id)[0] != "failed", message_state(command_id)
    expect_command(ws, address, command_id)  # after the back-off
    ws.send_json(device_response(address, command_id, 0))
    wait_for(lambda: message_state(command_id)[0] == "delivered", what="delivered after the resend")
    ws.close()


def test_response_of_another_device_settles_nothing():
    """Regression: any bridge socket could settle or mark printed any message by its command id."""
    address, ws = online_printer()
    command_id, _ = print_via_fake(address)
    expect_command(ws, address, command_id)
    other_bridge = fresh_address()
    intruder = relay.ws()
    intruder.send_json(power_on(other_bridge))
    intruder.send_json(device_response(fresh_address(), command_id, 0x01, bridge=other_bridge))
    intruder.send_json(did_print(fresh_address(), command_id, bridge=other_bridge))
    ws.send_json(device_response(fresh_address(), command_id, 0x02))  # the right bridge, another device
    # read, and whatever the relay made of them committed (its records wait a few milliseconds in its journal)
    wait_for(lambda: relay.counters()["responses_failed"] >= 2 and relay.counters()["printed"] >= 1
             and relay.counters()["store_pending"] == 0, what="the forged answers read")
    assert message_state(command_id)[0] == "sent", message_state(command_id)
    ws.send_json(device_response(address, command_id, 0))
    wait_for(lambda: message_state(command_id)[0] == "delivered", what="settled by its own device")
    intruder.close()
    ws.close()


def test_db_lock_does_not_freeze_the_relay():
    """Regression: another process holding the database's write lock stopped the relay's event loop for seconds."""
    address, ws = online_printer()
    command_id, _ = print_via_fake(address)
    expect_command(ws, address, command_id)
    newcomers = [fresh_address() for _ in range(3)]
    lock = sqlite3.connect(os.path.join(relay.var, "sirius.db"), timeout=1, isolation_level=None)
    lock.execute("BEGIN IMMEDIATE")
    try:
        for d in newcomers:
            ws.send_json(heartbeat(d))
        ws.send_json(device_response(address, command_id, 0))
        wait_for(lambda: relay.counters()["store_pending"] >= 4, what="the writes deferred")
        started = time.monotonic()
        for _ in range(5):
            assert relay.control({"op": "ping"}) == {"ok": True}
        assert time.monotonic() - started < 1.0, "control requests waited for the lock"
        assert all(relay.status(d)["online"] for d in newcomers)
    finally:
        lock.execute("ROLLBACK")
        lock.close()
    wait_for(lambda: relay.counters()["store_pending"] == 0, what="the deferred writes done")
    assert message_state(command_id)[0] == "delivered", message_state(command_id)
    with relay.db() as db:
        known = {row[0] for row in db.execute("SELECT address FROM printers")}
    assert set(newcomers) <= known
    ws.close()


def test_print_to_offline_printer_waits_for_it():
    address, ws = online_printer()
    ws.close()
    wait_for(lambda: not relay.status(address)["online"], what="offline")
    first, how = print_via_fake(address)
    assert how == "queued", how
    second, how = print_via_fake(address)
    assert how == "queued", how
    assert message_state(first)[0] == "queued" and message_state(second)[0] == "queued"
    # back online: the queue goes out in order, one at a time through a bridge that answers
    ws = relay.ws()
    ws.send_json(power_on())
    ws.send_json(heartbeat(address))
    expect_command(ws, address, first)
    ws.send_json(device_response(address, first, 0))
    expect_command(ws, address, second)
    ws.send_json(device_response(address, second, 0))
    wait_for(lambda: message_state(second)[0] == "delivered", what="the second delivered")
    assert message_state(first)[0] == "delivered"
    ws.close()


def test_unanswered_print_is_sent_again_then_fails():
    address, ws = online_printer()
    command_id, _ = print_via_fake(address)
    expect_command(ws, address, command_id)
    # the bridge has answered before (earlier tests): it gets the same command again, twice, then it fails
    expect_command(ws, address, command_id)
    expect_command(ws, address, command_id)
    wait_for(lambda: message_state(command_id)[0] == "failed", timeout=20, what="failed without an answer")
    with relay.db() as db:
        failure, attempts = db.execute("SELECT failure, attempts FROM messages WHERE id = ?", (command_id,)).fetchone()
    assert (failure, attempts) == ("no_response", 3), (failure, attempts)
    ws.close()


def test_restart_with_messages_in_flight():
    address, ws = online_printer()
    answered, _ = print_via_fake(address)
    expect_command(ws, address, answered)
    # the bridge answers commands: the next one waits in the outbox for the first to be answered
    waiting, how = print_via_fake(address)
    assert how == "queued", how
    relay.restart()
    ws.expect_closed()
    # the bridge reconnects and answers the first message late; the waiting one goes out once the printer reports
    ws = relay.ws()
    ws.send_json(device_response(address, answered, 0))
    ws.send_json(power_on())
    wait_for(lambda: message_state(answered)[0] == "delivered", what="a late response settling")
    assert message_state(waiting)[0] == "queued", message_state(waiting)
    ws.send_json(heartbeat(address))
    expect_command(ws, address, waiting)
    ws.send_json(device_response(address, waiting, 0))
    wait_for(lambda: message_state(waiting)[0] == "delivered", what="the waiting one delivered after the restart")
    lost = waiting
    # command ids keep growing across the restart
    wait_for(lambda: relay.status(address)["online"], what="online again")
    newer, _ = print_via_fake(address)
    assert newer > lost
    expect_command(ws, address, newer)
    ws.close()


def main():
    global relay
    # one bridge names a new printer in every test: more than a real bridge does in a minute
    relay = Relay("--message-timeout", "2", "--new-printers", "1000")
    try:
        run_tests([test_deliver_raw, test_print_delivered_and_printed, test_print_failed_with_code,
                   test_bridge_queue_full_is_sent_again, test_response_of_another_device_settles_nothing,
                   test_db_lock_does_not_freeze_the_relay,
                   test_print_to_offline_printer_waits_for_it, test_unanswered_print_is_sent_again_then_fails,
                   test_restart_with_messages_in_flight])
    finally:
        assert relay.close() == 0, relay.read_log()[-3000:]


if __name__ == "__main__":
    main()
