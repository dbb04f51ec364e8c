"""relay_timers.py: the registry's timers fire through the real event loop, also when armed after a later one."""

import os
import re

from relay_helpers import (Relay, device_response, heartbeat, power_on, run_tests, wait_for, fresh_address, BRIDGE,
                           FAKE, SOURCE)

IMAGE = os.path.join(SOURCE, "tests", "vectors", "real", "device_command_pork_chops.png")
# Longer than any test here waits: a timer armed for this long must not hold back the short ones.
LONG = "3600"


def print_via_fake(relay, address):
    """Prints the vector image with sirius-fake (which stores the message and asks the relay); returns its id."""
    out = relay.run(FAKE, "print", address, IMAGE, "--from", "test")
    m = re.search(r"message (\d+) (sent|queued|failed)", out)
    assert m, out
    return int(m.group(1))


def expect_command(ws, address, command_id):
    # generous for a timer due after 1 s, and still short of lws's 30-second housekeeping (see below)
    cmd = ws.recv_json(timeout=15)
    assert cmd["type"] == "DeviceCommand", cmd
    assert cmd["bridge_address"] == BRIDGE and cmd["device_address"] == address, cmd
    assert cmd["command_id"] == command_id, cmd


def test_name_timeout_armed_after_a_longer_timer():
    """Regression: in lws 4.1's libev loop a timer due earlier than the one lws had armed waited for that one, at
    worst lws's own 30-second housekeeping after the start: a socket naming no bridge stayed open that long."""
    relay = Relay("--name-timeout", "1", "--device-timeout", LONG, "--message-timeout", LONG)
    try:
        named = relay.ws()
        named.send_json(power_on())
        named.send_json(heartbeat(fresh_address()))
        wait_for(lambda: relay.control({"op": "bridges"})["bridges"], what="the bridge named")
        quiet = relay.ws()
        quiet.expect_closed(timeout=15)
        wait_for(lambda: relay.counters()["unnamed_closed"] == 1, timeout=15, what="the unnamed socket counted")
        assert relay.control({"op": "bridges"})["bridges"][0]["online"]
        named.close()
    finally:
        assert relay.close() == 0, relay.read_log()[-3000:]


def test_resend_armed_after_a_longer_timer():
    """Regression: in lws 4.1's libev loop an unanswered command was sent again only at lws's next 30-second
    housekeeping, not after the message timeout."""
    relay = Relay("--message-timeout", "1", "--name-timeout", LONG, "--device-timeout", LONG)
    try:
        idle = relay.ws()  # names nothing: its timer is due in an hour
        address = fresh_address()
        ws = relay.ws()
        ws.send_json(power_on())
        ws.send_json(heartbeat(address))
        wait_for(lambda: relay.status(address)["online"], what="the printer online")
        # an answered command makes the bridge one that confirms, whose silence is then resent
        answered = print_via_fake(relay, address)
        expect_command(ws, address, answered)
        ws.send_json(device_response(address, answered, 0))
        unanswered = print_via_fake(relay, address)
        expect_command(ws, address, unanswered)
        expect_command(ws, address, unanswered)
        ws.close()
        idle.close()
    finally:
        assert relay.close() == 0, relay.read_log()[-3000:]


def main():
    run_tests([test_name_timeout_armed_after_a_longer_timer, test_resend_armed_after_a_longer_timer])


if __name__ == "__main__":
    main()
