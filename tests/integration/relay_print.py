"""relay_print.py: prints through the control socket to a bridge, responses settling them, time-outs, restarts."""

import base64
import os
import re

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
    m = re.search(r"message (\d+) (sent|failed)", out)
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
    assert message_state(command_id)[0] == "sending"
    ws.send_json(device_response(address, command_id, 0))
    wait_for(lambda: message_state(command_id)[0] == "delivered", what="delivered")
    ws.send_json(did_print(address, command_id))
    wait_for(lambda: message_state(command_id)[0] == "printed", what="printed")
    ws.close()


def test_print_failed_with_code():
    address, ws = online_printer()
    command_id, _ = print_via_fake(address)
    expect_command(ws, address, command_id)
    ws.send_json(device_response(address, command_id, 0xe0))
    wait_for(lambda: message_state(command_id) == ("failed", 0xe0), what="failed with bridge_queue_full")
    ws.close()


def test_print_to_offline_printer():
    address, ws = online_printer()
    ws.close()
    wait_for(lambda: not relay.status(address)["online"], what="offline")
    command_id, how = print_via_fake(address)
    assert how == "failed", how
    assert message_state(command_id)[0] == "failed"


def test_unanswered_print_times_out():
    address, ws = online_printer()
    command_id, _ = print_via_fake(address)
    expect_command(ws, address, command_id)
    wait_for(lambda: message_state(command_id)[0] == "timed_out", timeout=10, what="timed out")
    ws.close()


def test_restart_with_messages_in_flight():
    address, ws = online_printer()
    answered, _ = print_via_fake(address)
    expect_command(ws, address, answered)
    lost, _ = print_via_fake(address)
    expect_command(ws, address, lost)
    relay.restart()
    ws.expect_closed()
    # the bridge reconnects and answers the first message late; the other one times out
    ws = relay.ws()
    ws.send_json(device_response(address, answered, 0))
    ws.send_json(power_on())
    wait_for(lambda: message_state(answered)[0] == "delivered", what="a late response settling")
    wait_for(lambda: message_state(lost)[0] == "timed_out", timeout=10, what="the lost message timing out")
    # command ids keep growing across the restart
    ws.send_json(heartbeat(address))
    wait_for(lambda: relay.status(address)["online"], what="online again")
    newer, _ = print_via_fake(address)
    assert newer > lost
    expect_command(ws, address, newer)
    ws.close()


def main():
    global relay
    relay = Relay("--message-timeout", "2")
    try:
        run_tests([test_deliver_raw, test_print_delivered_and_printed, test_print_failed_with_code,
                   test_print_to_offline_printer, test_unanswered_print_times_out,
                   test_restart_with_messages_in_flight])
    finally:
        assert relay.close() == 0, relay.read_log()[-3000:]


if __name__ == "__main__":
    main()
