"""relay_keys.py: link keys for claimed printers, claimed before and after they first call home (PROTOCOL.md 5)."""

import json
import os

from relay_helpers import (Relay, bridge_event, heartbeat, power_on, run_tests, wait_for, fresh_address,
                           BRIDGE, CODEC, FAKE)

relay = None


def new_code(address):
    """A claim code for address with a random secret, and the key sirius-codec says it gives."""
    xor = relay.run(CODEC, "xor", address).strip()
    secret = os.urandom(5).hex()
    code = relay.run(CODEC, "claim", "encode", xor, secret).strip()
    decoded = json.loads(relay.run(CODEC, "claim", "decode", code))
    return code, decoded["encryption_key"]


def expect_key(ws, address, key):
    cmd = ws.recv_json()
    assert cmd["type"] == "BridgeCommand", cmd
    assert cmd["bridge_address"] == BRIDGE, cmd
    assert cmd["json_payload"]["name"] == "add_device_encryption_key", cmd
    params = cmd["json_payload"]["params"]
    assert params == {"device_address": address, "encryption_key": key}, params
    assert isinstance(cmd["command_id"], int) and cmd["command_id"] > 0, cmd
    return cmd["command_id"]


def test_claim_before_first_contact():
    address = fresh_address()
    code, key = new_code(address)
    relay.run(FAKE, "claim", address, "alice", code, "Kitchen")
    ws = relay.ws()
    ws.send_json(power_on())
    ws.send_json(bridge_event("encryption_key_required", address))
    first = expect_key(ws, address, key)
    # the bridge repeats the request; every answer gets a new command id
    ws.send_json(bridge_event("encryption_key_required", address))
    second = expect_key(ws, address, key)
    assert second > first, (first, second)
    ws.close()


def test_claim_after_first_contact():
    address = fresh_address()
    ws = relay.ws()
    ws.send_json(power_on())
    ws.send_json(bridge_event("encryption_key_required", address))
    ws.expect_nothing(0.5)  # unclaimed: nothing is sent
    wait_for(lambda: relay.status(address)["online"], what="the printer online")
    assert relay.control({"op": "push_key", "device": address})["result"] == "unclaimed"
    code, key = new_code(address)
    relay.run(FAKE, "claim", address, "alice", code, "Desk")
    reply = relay.control({"op": "push_key", "device": address})
    assert reply == {"ok": True, "result": "sent"}, reply
    expect_key(ws, address, key)
    ws.send_json(bridge_event("encryption_key_required", address))
    expect_key(ws, address, key)
    ws.close()
    wait_for(lambda: not relay.status(address)["online"], what="offline")
    assert relay.control({"op": "push_key", "device": address})["result"] == "offline"


def test_vector_printer_key():
    # the printer of tests/vectors/real: its code's key is the one in the captured command
    address = "11cc0f6aaeb07dad"
    relay.run(FAKE, "claim", address, "alice", "jwm0-6xd9-jeqd-p7x2", "Vector")
    ws = relay.ws()
    ws.send_json(power_on())
    ws.send_json(heartbeat(address))
    ws.send_json(bridge_event("encryption_key_required", address))
    expect_key(ws, address, "d0M4Ab2eyBNdnNl0NoSLGQ==")
    ws.close()


def main():
    global relay
    relay = Relay()
    try:
        relay.run(FAKE, "user", "alice", "--password", "correct horse battery staple")
        run_tests([test_claim_before_first_contact, test_claim_after_first_contact, test_vector_printer_key])
    finally:
        assert relay.close() == 0, relay.read_log()[-3000:]


if __name__ == "__main__":
    main()
