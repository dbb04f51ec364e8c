#!/usr/bin/env python3
"""codec_cli.py: sirius-codec against the protocol vectors, as an admin or a script would run it."""
import base64
import json
import os
import subprocess
import sys
import tempfile
import unittest

BUILD = os.environ.get("SIRIUS_BUILD_DIR", os.path.join(os.path.dirname(__file__), "..", "..", "build"))
SOURCE = os.environ.get("SIRIUS_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
CODEC = os.path.join(BUILD, "tools", "sirius-codec")
VECTORS = os.path.join(SOURCE, "tests", "vectors")


def vector(*parts):
    return os.path.join(VECTORS, *parts)


def load(*parts):
    with open(vector(*parts)) as f:
        return json.load(f)


def spread(entries, count=6):
    """
    Up to count entries spread over the list, the first and the last among
    them. The library meets every vector in tests/unit; here the command
    line's arguments and output meet a spread of them, because each run of
    a sanitizer build costs a fifth of a second of CPU.
    """
    if len(entries) <= count:
        return list(entries)
    step = (len(entries) - 1) / (count - 1)
    return [entries[round(i * step)] for i in range(count)]


def codec(*args, stdin=None):
    return subprocess.run([CODEC, *args], input=stdin, capture_output=True, text=True, timeout=60)


class ClaimCodes(unittest.TestCase):
    def test_decode_generated_codes_typed_and_canonical(self):
        for entry in spread(load("generated", "claim_codes.json")):
            for text in (entry["claim_code"], entry["typed"]):
                run = codec("claim", "decode", text)
                self.assertEqual(run.returncode, 0, run.stderr)
                out = json.loads(run.stdout)
                self.assertEqual(out["hardware_xor"], entry["hardware_xor"])
                self.assertEqual(out["secret"], entry["secret"])
                self.assertEqual(out["encryption_key"], entry["encryption_key"])

    def test_invalid_codes_exit_1_with_one_line(self):
        for entry in spread(load("generated", "claim_codes_invalid.json")):
            run = codec("claim", "decode", entry["claim_code"])
            self.assertEqual(run.returncode, 1, entry)
            self.assertEqual(run.stdout, "")
            self.assertEqual(len(run.stderr.strip().splitlines()), 1, run.stderr)

    def test_encode_decimal_and_hex_xor(self):
        for entry in spread(load("seed", "claim_codes.json")["claim_codes"]):
            for xor in (str(entry["hardware_xor"]), hex(entry["hardware_xor"])):
                run = codec("claim", "encode", xor, entry["secret"])
                self.assertEqual(run.returncode, 0, run.stderr)
                self.assertEqual(run.stdout.strip(), entry["claim_code"])

    def test_encode_refuses_out_of_range(self):
        self.assertEqual(codec("claim", "encode", "16777216", "00").returncode, 1)
        self.assertEqual(codec("claim", "encode", "1", "10000000000").returncode, 1)
        self.assertEqual(codec("claim", "encode", "-1", "00").returncode, 1)

    def test_xor(self):
        for entry in spread(load("generated", "hardware_xor.json")):
            run = codec("xor", entry["device_address"])
            self.assertEqual(run.returncode, 0, run.stderr)
            self.assertEqual(int(run.stdout), entry["hardware_xor"])
        self.assertEqual(codec("xor", "not-an-address").returncode, 1)


class Payloads(unittest.TestCase):
    def test_payload_matches_generated_vectors(self):
        for entry in load("generated", "payloads.json"):
            images = [vector("generated", "images", name) for name in entry["images"]]
            run = codec("payload", entry["command"], str(entry["print_id"]), *images)
            self.assertEqual(run.returncode, 0, run.stderr)
            self.assertEqual(run.stdout.strip(), entry["binary_payload"], entry["command"])

    def test_real_capture_round_trips_through_unpack_and_payload(self):
        for name in ("device_command_pork_chops", "device_command_long_image"):
            message = load("real", name + ".json")
            with tempfile.TemporaryDirectory() as out:
                run = codec("unpack", "-", "--out", out, stdin=message["binary_payload"] + "\n")
                self.assertEqual(run.returncode, 0, run.stderr)
                header = json.loads(run.stdout)
                self.assertEqual(header["device_type"], 1)
                self.assertEqual(header["block_count"], 1)
                self.assertEqual(header["print_id"], message["command_id"])
                png = header["blocks"][0]["file"]
                self.assertEqual(header["blocks"][0]["width"], 384)
                # Re-encoding the unpacked bitmap must give the captured bytes back.
                again = codec("payload", header["command"], str(header["print_id"]), png)
                self.assertEqual(again.returncode, 0, again.stderr)
                self.assertEqual(again.stdout.strip(), message["binary_payload"])
                # And the unpacked bitmap is the captured picture.
                same = codec("payload", header["command"], str(header["print_id"]), vector("real", name + ".png"))
                self.assertEqual(same.stdout.strip(), message["binary_payload"])

    def test_errors(self):
        self.assertEqual(codec("payload", "no_such_command", "1", vector("generated", "images", "img_000_0.png")).returncode, 2)
        self.assertEqual(codec("payload", "set_quip", "1", vector("generated", "images", "img_000_0.png")).returncode, 2)
        self.assertEqual(codec("payload", "set_delivery", "0", vector("generated", "images", "img_000_0.png")).returncode, 2)
        self.assertEqual(codec("payload", "set_delivery", "1", "/nonexistent.png").returncode, 1)
        self.assertEqual(codec("unpack", "!!!notbase64").returncode, 1)
        self.assertEqual(codec("unpack", base64.b64encode(b"\x01\x00\x01\x00short").decode()).returncode, 1)
        self.assertEqual(codec("frobnicate").returncode, 2)


class Events(unittest.TestCase):
    def test_seed_messages(self):
        with open(vector("seed", "bridge_messages.jsonl")) as f:
            for line in f:
                case = json.loads(line)
                run = codec("event", stdin=json.dumps(case["message"]))
                self.assertEqual(run.returncode, 0, run.stderr)
                out = json.loads(run.stdout)
                for key, value in case["expect"].items():
                    self.assertEqual(out.get(key), value, (key, out))

    def test_malformed_message_says_why(self):
        run = codec("event", stdin='{"type": "DeviceEvent", "bridge_address": "000d6f0002ff7a91"}')
        self.assertEqual(run.returncode, 1)
        out = json.loads(run.stdout)
        self.assertEqual(out["kind"], "malformed")
        self.assertTrue(out["reason"])
        run = codec("event", stdin="not json at all")
        self.assertEqual(json.loads(run.stdout)["kind"], "malformed")


if __name__ == "__main__":
    unittest.main(verbosity=2)
