#!/usr/bin/env python3
"""fake_button.py: the button of sirius-fake emulate, against the websocket server of fake_emulate.py playing the relay."""
import base64
import os
import signal
import struct
import subprocess
import unittest

import fake_emulate as fe
import fake_helpers as h

CODEC = os.path.join(h.BUILD, "tools", "sirius-codec")
FACES = os.path.join(h.SOURCE, "www", "static", "faces")


class Button(unittest.TestCase):
    # the emulator and the key exchange, as fake_emulate.py drives them
    setUp = fe.Emulate.setUp
    emulate = fe.Emulate.emulate
    give_key = fe.Emulate.give_key
    connect_and_key = fe.Emulate.connect_and_key

    def send_command(self, command, command_id, *images):
        payload = subprocess.run([CODEC, "payload", command, str(command_id), *images], env=self.box.env,
                                 capture_output=True, text=True, timeout=60, check=True).stdout.strip()
        self.relay.current.send({"type": "DeviceCommand", "bridge_address": self.bridge, "device_address": fe.ADDRESS,
                                 "command_id": command_id, "timestamp": "0", "binary_payload": payload})
        response = self.relay.expect(lambda m: m.get("type") == "DeviceCommandResponse", "DeviceCommandResponse")
        self.assertEqual((response["command_id"], response["return_code"]), (command_id, 0))

    def expect_did_print(self):
        """The next did_print: (print_type, print_id)."""
        event = self.relay.expect(fe.device_event(2), "did_print")
        code, command_id, length, print_type, print_id = struct.unpack("<HIIBI", base64.b64decode(event["binary_payload"]))
        self.assertEqual((code, command_id, length), (2, 0, 5))
        return print_type, print_id

    def no_did_print_until_a_heartbeat(self):
        """Fails when a did_print comes before the next two heartbeats (a second apart)."""
        for _ in range(2):
            beat = self.relay.expect(lambda m: self.assertNotEqual(fe.event_code(m), 2, m) or fe.event_code(m) == 1,
                                     "a heartbeat", 5)
            self.assertEqual(fe.event_code(beat), 1)

    def press(self, program):
        program.proc.send_signal(signal.SIGUSR1)

    def test_deliveries_wait_for_the_button(self):
        program = self.emulate()
        self.connect_and_key(program)
        # pressed with nothing held: 0x10
        self.press(program)
        program.wait_for(r"^button pressed: nothing to print$")
        self.assertEqual(self.expect_did_print(), (0x10, 0))
        # two deliveries are held, not printed
        face = os.path.join(FACES, "classic", "face.png")
        self.send_command("set_delivery", 501, face)
        self.send_command("set_delivery_no_face", 502, face)
        program.wait_for(r"^button: holding delivery 502 \(2 held\)$")
        # the same command again (a resend) is answered, and still waits for the button
        self.send_command("set_delivery", 501, face)
        program.wait_for(r"^command 501 again: already printed$")
        self.no_did_print_until_a_heartbeat()
        # each press prints the oldest
        self.press(program)
        program.wait_for(r"^button pressed: printed held delivery 501 \(1 still held\)$")
        self.assertEqual(self.expect_did_print(), (0x01, 501))
        self.press(program)
        self.assertEqual(self.expect_did_print(), (0x01, 502))
        self.press(program)
        self.assertEqual(self.expect_did_print(), (0x10, 0))
        # a delivery printed at once is not held
        self.send_command("set_delivery_and_print", 503, face)
        self.assertEqual(self.expect_did_print(), (0x01, 503))
        self.press(program)
        self.assertEqual(self.expect_did_print(), (0x10, 0))

    def test_press_after_and_quips(self):
        program = self.emulate("--press-button-after", "1", "--quip-when-empty")
        self.connect_and_key(program)
        quips = [os.path.join(FACES, name, "face.png") for name in ("classic", "sleepy", "robot")]
        self.send_command("set_quip", 601, *quips)
        program.wait_for(r"^command 601: saved .*quip-3\.png$")
        for i, path in enumerate(quips):
            with open(os.path.join(self.out, "quip-%d.png" % (i + 1)), "rb") as f, open(path, "rb") as g:
                self.assertEqual(h.png_decode(f.read()), h.png_decode(g.read()))
        # nothing held: a press prints the quips in turn
        self.press(program)
        self.assertEqual(self.expect_did_print(), (0x11, 0))
        program.wait_for(r"^button pressed: printed quip 1$")
        self.press(program)
        self.assertEqual(self.expect_did_print(), (0x11, 0))
        program.wait_for(r"^button pressed: printed quip 2$")
        with open(os.path.join(self.out, "quip-printed.png"), "rb") as f, open(quips[1], "rb") as g:
            self.assertEqual(h.png_decode(f.read()), h.png_decode(g.read()))
        # a held delivery is pressed for by itself a second later
        self.send_command("set_delivery", 602, quips[0])
        self.assertEqual(self.expect_did_print(), (0x01, 602))
        program.wait_for(r"^button pressed: printed held delivery 602 \(0 still held\)$")

    def test_personality_saved(self):
        program = self.emulate()
        self.connect_and_key(program)
        names = ("face", "nothing", "no-bridge", "no-internet")
        images = [os.path.join(FACES, "robot", name + ".png") for name in names]
        self.send_command("set_personality", 701, *images)
        program.wait_for(r"^command 701: saved .*personality-no-internet\.png$")
        for name, path in zip(names, images):
            with open(os.path.join(self.out, "personality-%s.png" % name), "rb") as f, open(path, "rb") as g:
                self.assertEqual(h.png_decode(f.read()), h.png_decode(g.read()))

    def test_bad_options(self):
        for args in (("--press-button-after", "0"), ("--press-button-after", "x"), ("--press-button-after",)):
            run = self.box.fake("emulate", fe.PRINTER_FILE, "ws://127.0.0.1:1/", *args)
            self.assertEqual(run.returncode, 2, run.stdout + run.stderr)
            self.assertIn("press-button-after", run.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
