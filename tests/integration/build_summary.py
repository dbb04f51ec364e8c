#!/usr/bin/env python3
"""build_summary.py: test.sh's closing summary (summarize_tests of tools/build-lib.sh) over trees of test logs."""
import os
import shutil
import subprocess
import tempfile
import unittest

import harness

BUILD_LIB = os.path.join(harness.SOURCE, "tools", "build-lib.sh")


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def check_log(tree, name, checks, failures, errors):
    """A unit suite's log as Check writes it, with its automake result."""
    percent = 100 * (checks - failures - errors) // checks
    write(os.path.join(tree, "tests", "unit", name + ".log"),
          "Running suite(s): %s\n%d%%: Checks: %d, Failures: %d, Errors: %d\n" %
          (name, percent, checks, failures, errors))
    write(os.path.join(tree, "tests", "unit", name + ".trs"),
          ":test-result: %s\n" % ("PASS" if failures + errors == 0 else "FAIL"))


def script_log(tree, name, ran, result, footer):
    """An integration script's unittest log and its automake result."""
    write(os.path.join(tree, "tests", "integration", name + ".log"),
          "." * ran + "\n" + "-" * 70 + "\nRan %d tests in 1.234s\n\n%s\n" % (ran, footer))
    write(os.path.join(tree, "tests", "integration", name + ".trs"), ":test-result: %s\n" % result)


class Summary(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="sirius-summary-")
        self.addCleanup(shutil.rmtree, self.tmp, True)

    def summarize(self, *trees):
        run = subprocess.run(["bash", "-c", '. "$0"; summarize_tests "$@"', BUILD_LIB, *trees],
                             capture_output=True, text=True, timeout=60)
        self.assertEqual(run.returncode, 0, run.stderr)
        return run.stdout.splitlines()

    def test_counts_checks_tests_and_failures_across_trees(self):
        plain, asan = os.path.join(self.tmp, "build"), os.path.join(self.tmp, "build-asan")
        check_log(plain, "check_rle", 12, 0, 0)
        check_log(asan, "check_rle", 12, 1, 1)
        script_log(asan, "relay_print", 9, "PASS", "OK")
        script_log(asan, "web_pages", 7, "FAIL", "FAILED (failures=2, errors=1)")
        write(os.path.join(asan, "tests", "integration", "test-suite.log"), "Ran 99 tests in 1s\n")
        lines = self.summarize(plain, asan)
        self.assertIn("%s: check_rle: 100%%: Checks: 12, Failures: 0, Errors: 0" % plain, lines)
        self.assertIn("%s: check_rle: 83%%: Checks: 12, Failures: 1, Errors: 1" % asan, lines)
        self.assertIn("%s: relay_print: 9 tests, 0 failed" % asan, lines)
        self.assertIn("%s: web_pages: 7 tests, 3 failed" % asan, lines)
        # 12 + 10 + 9 + 4 passed; 2 + 3 failed; the tree's test-suite.log is not a test
        self.assertEqual(lines[-1], "35 passed, 5 failed")
        self.assertEqual(len(lines), 5)

    def test_a_script_that_died_counts_as_failed(self):
        # no unittest footer (a crash before it), or a log without any count
        script_log(self.tmp, "delivery", 4, "FAIL", "Traceback (most recent call last):")
        write(os.path.join(self.tmp, "tests", "fuzz", "replay_http.log"), "Segmentation fault\n")
        write(os.path.join(self.tmp, "tests", "fuzz", "replay_http.trs"), ":test-result: FAIL\n")
        write(os.path.join(self.tmp, "tests", "fuzz", "replay_image.log"), "replayed 40 inputs\n")
        write(os.path.join(self.tmp, "tests", "fuzz", "replay_image.trs"), ":test-result: PASS\n")
        lines = self.summarize(self.tmp)
        self.assertIn("%s: delivery: 4 tests, 1 failed" % self.tmp, lines)
        self.assertIn("%s: replay_http: FAILED" % self.tmp, lines)
        self.assertIn("%s: replay_image: passed" % self.tmp, lines)
        self.assertEqual(lines[-1], "4 passed, 2 failed")

    def test_no_logs_no_tests(self):
        self.assertEqual(self.summarize(os.path.join(self.tmp, "never-built")), ["0 passed, 0 failed"])


if __name__ == "__main__":
    unittest.main()
