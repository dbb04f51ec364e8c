#!/usr/bin/env python3
"""
browser_flow.py: a person in headless Chromium signs up, claims an emulated
printer, previews and prints a message, and finds it in the printer's history.

The stack (sirius-relay and lighttpd, harness.py) and a printer emulator
(sirius-fake emulate, connected through lighttpd as a bridge would) run on
free loopback ports; Chromium is driven over the DevTools protocol (cdp.py).
After every step the page is saved as a phone-sized (390x844) and a desktop
(1280x800) PNG under $SIRIUS_BUILD_DIR/tests/integration/screenshots/
(NN-step-phone.png, NN-step-desktop.png, and what the emulated printer
printed as NN-printed-by-the-emulator.png), whose paths are printed, for a
person to look at; what looks broken in the phone layout (sideways
scrolling, elements past the screen's edge) is printed as "layout:" lines.
Chromium missing is a failure, not a skip: CI installs it from
deploy/debian-test.txt.
"""
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import unittest

import cdp
import fake_helpers as h
import harness

SCREENSHOTS = os.path.join(harness.BUILD, "tests", "integration", "screenshots")

# The whole test must end within this many seconds, whatever hangs.
DEADLINE_S = 90

USER = "alice_b"
PASSWORD = "correct horse battery"
PRINTER_NAME = "Kitchen printer"
MESSAGE = "Hello from the browser test!\nMilk, eggs, bread."


def _alarm(signum, frame):
    raise TimeoutError("browser_flow.py took more than %d s" % DEADLINE_S)


class BrowserFlow(unittest.TestCase):
    def setUp(self):
        signal.signal(signal.SIGALRM, _alarm)
        signal.alarm(DEADLINE_S)
        self.addCleanup(signal.alarm, 0)
        if not cdp.chromium_binary():
            self.fail("Chromium is not installed, so the browser test cannot run: apt-get install chromium "
                      "(deploy/debian-test.txt lists it for CI; SIRIUS_CHROMIUM may name another binary)")
        self.started = time.monotonic()
        os.makedirs(SCREENSHOTS, exist_ok=True)
        for name in os.listdir(SCREENSHOTS):
            if re.match(r"^\d\d-.*\.png$", name):
                os.remove(os.path.join(SCREENSHOTS, name))
        self.step_number = 0
        self.layout_notes = []

        self.stack = harness.Stack()
        self.addCleanup(self.stack.close)
        self.out = os.path.join(self.stack.tmp, "printed")
        os.mkdir(self.out)
        run = subprocess.run([h.FAKE, "printer"], cwd=self.stack.tmp, env=self.stack.env, capture_output=True,
                           text=True, timeout=30)
        self.assertEqual(run.returncode, 0, run.stdout + run.stderr)
        self.printer = h.parse_printer_file(run.stdout)
        printer_file = os.path.join(self.stack.tmp, self.printer["address"] + ".printer")
        self.emulator = h.Program([h.FAKE, "emulate", printer_file,
                                   "ws://127.0.0.1:%d/api/v1/connection" % self.stack.port, "--out", self.out,
                                   "--key-interval", "1", "--heartbeat", "1"], self.stack.env, cwd=self.stack.tmp)
        self.addCleanup(self.emulator.stop)
        self.emulator.wait_for(r"^connected as bridge ", timeout=15)

        self.browser = cdp.Browser()
        self.addCleanup(self.browser.close)
        self.browser.viewport(cdp.PHONE)
        # Cleanups run last first: the alarm is off before anything is stopped.
        self.addCleanup(signal.alarm, 0)

    # ---- helpers -------------------------------------------------------------------

    def explain(self):
        """What helps to understand a failure: where the browser is, its console, the emulator and the stack."""
        try:
            where = "%s\n%s" % (self.browser.url(), self.browser.text()[:1500])
        except Exception as e:  # the browser itself may be what failed
            where = "(no page: %s)" % e
        return "\n--- page\n%s\n--- console\n%s\n--- emulator\n%s\n%s" % (
            where, "\n".join(self.browser.console[-20:]), self.emulator.transcript()[-2000:],
            self.stack.logs()[-3000:])

    def check(self, condition, message):
        if not condition:
            self.fail("%s%s" % (message, self.explain()))

    def step(self, name):
        """Saves the page as it is, phone-sized and desktop-sized, and notes what looks broken on the phone."""
        self.step_number += 1
        base = os.path.join(SCREENSHOTS, "%02d-%s" % (self.step_number, name))
        for label, metrics in (("phone", cdp.PHONE), ("desktop", cdp.DESKTOP)):
            self.browser.viewport(metrics)
            if label == "phone":
                for problem in self.browser.layout_problems():
                    note = "layout: %02d-%s (phone, %s): %s" % (self.step_number, name, self.browser.path(),
                                                                problem)
                    self.layout_notes.append(note)
                    print(note, flush=True)
            path = self.browser.screenshot("%s-%s.png" % (base, label))
            print("screenshot: %s" % path, flush=True)
        self.browser.viewport(cdp.PHONE)

    def load(self, status, what, wanted=200):
        self.check(status == wanted, "%s: HTTP status %s, not %s" % (what, status, wanted))

    # ---- the flow ----------------------------------------------------------------------

    def test_sign_up_claim_preview_print(self):
        try:
            self.flow()
        except cdp.BrowserError as e:
            self.fail("%s%s" % (e, self.explain()))

    def flow(self):
        b = self.browser

        # A visitor arrives and follows the link to sign up.
        self.load(b.navigate(self.stack.url("/")), "the landing page")
        self.step("landing")
        self.load(b.click_and_load('header a[href="/signup"]'), "the sign-up page")
        self.check(b.path() == "/signup", "the sign-up link led to %s" % b.path())
        b.fill("#username", USER)
        b.fill("#password", PASSWORD)
        self.step("signup-filled")
        self.load(b.click_and_load('form[action="/signup"] button[type="submit"]'), "signing up")
        self.check(b.path() == "/", "signing up led to %s, not the overview" % b.path())
        self.check("Hello, %s" % USER in b.text(), "the overview does not greet %s" % USER)
        self.step("overview-new")

        # Claiming the printer with the code it printed.
        self.load(b.click_and_load('a[href="/claim"]'), "the claim page")
        self.check(b.path() == "/claim", "the claim link led to %s" % b.path())
        b.fill("#claim_code", self.printer["claim code"])
        b.fill("#printer_name", PRINTER_NAME)
        self.step("claim-filled")
        self.load(b.click_and_load('form[action="/claim"] button[type="submit"]'), "claiming")
        self.check(b.path() == "/", "claiming led to %s, not the overview" % b.path())
        self.emulator.wait_for(r"^key accepted$", timeout=15)
        self.stack.wait_key_accepted(self.printer["address"])
        link = 'ul.printers a.name[href^="/printer/"]'
        self.check(b.exists(link) and PRINTER_NAME in b.text(link),
                   "the overview does not list %r after the claim" % PRINTER_NAME)
        self.step("overview-claimed")

        # The printer's page, online.
        self.load(b.click_and_load(link), "the printer page")
        match = re.match(r"^/printer/(\d+)$", b.path())
        self.check(match, "the printer link led to %s" % b.path())
        printer_id = match.group(1)
        self.check(printer_id == self.printer["DB id"], "printer %s on the web, %s in the database"
                   % (printer_id, self.printer["DB id"]))
        self.check(b.exists("h1 .status.online"),
                   "the printer page does not show the printer online: %r" % b.text("h1"))
        self.check(PRINTER_NAME in b.text("h1"), "the printer page's title is %r" % b.text("h1"))
        self.check("Nothing has been printed here yet" in b.text("#messages"),
                   "a new printer's history is not empty: %r" % b.text("#messages"))
        self.step("printer")

        # Back to the overview and on to its print form.
        self.load(b.click_and_load('.crumbs a[href="/"]'), "the overview from the crumbs")
        self.load(b.click_and_load('a[href="/printer/%s/print"]' % printer_id), "the print form")
        self.check(b.path() == "/printer/%s/print" % printer_id, "the Print link led to %s" % b.path())
        self.step("print-form")

        # Typing shows the preview (print.js posts the form to /printer/ID/preview).
        form = 'form.print-form'
        b.forget_events()
        b.fill("#message", MESSAGE)
        b.wait_for("(function(){var i=document.querySelector('%s .preview img.paper');"
                   "return i && i.src.indexOf('data:image/png')===0 && i.complete && i.naturalWidth>0;})()" % form,
                   timeout=10, what="the preview drawn while typing")
        size = b.evaluate("(function(){var i=document.querySelector('%s .preview img.paper');"
                          "return [i.naturalWidth, i.naturalHeight];})()" % form)
        self.check(size[0] == 384 and size[1] > 20, "the preview is %dx%d, not 384 pixels wide" % tuple(size))
        previews = [e["params"]["response"]["status"] for e in b.events
                    if e["method"] == "Network.responseReceived"
                    and e["params"]["response"]["url"].endswith("/printer/%s/preview" % printer_id)]
        self.check(previews and previews[-1] == 200, "POST /printer/%s/preview answered %r" % (printer_id, previews))
        self.check(b.text(form + " .preview-status") == "", "the preview says %r" % b.text(form + " .preview-status"))
        self.step("preview-live")

        # The Preview button (what works without JavaScript) draws it in the page it answers.
        self.load(b.click_and_load(form + ' button[name="action"][value="preview"]'), "the Preview button")
        self.check(b.evaluate("document.querySelector('#message').value") == MESSAGE,
                   "the message was not kept after the preview")
        self.check(b.evaluate("(function(){var i=document.querySelector('%s .preview img.paper');"
                              "return !!i && i.getAttribute('src').indexOf('data:image/png')===0"
                              " && i.naturalWidth===384;"
                              "})()" % form), "the Preview button's page shows no 384-pixel preview")
        self.step("preview-button")

        # Printing it.
        self.load(b.click_and_load(form + ' button[name="action"][value="send"]'), "the Print button")
        notice = b.text(".notice")
        self.check("Sent to %s" % PRINTER_NAME in notice, "no 'Sent to %s' notice after printing, got %r"
                   % (PRINTER_NAME, notice))
        self.check(b.evaluate("document.querySelector('#message').value") == "",
                   "the message is still in the form after it was sent")
        self.step("printed")

        # The emulated printer printed it, and wrote what it printed.
        printed = self.emulator.wait_for(r"^printed (\d+) -> (.*) \((\d+)x(\d+)\)$", timeout=15)
        path, width, height = printed.group(2), int(printed.group(3)), int(printed.group(4))
        self.check(os.path.isfile(path), "the emulator says it wrote %s, which is not there" % path)
        with open(path, "rb") as f:
            printed_png = f.read()
        rows = h.png_decode(printed_png)
        self.check(width == 384 and len(rows) == height and len(rows[0]) == 384,
                   "the printed PNG is %dx%d" % (len(rows[0]), len(rows)))
        black = sum(map(sum, rows))
        self.check(black > 100, "the printed PNG is nearly blank (%d black pixels)" % black)
        self.step_number += 1
        kept = os.path.join(SCREENSHOTS, "%02d-printed-by-the-emulator.png" % self.step_number)
        shutil.copyfile(path, kept)
        print("printed: %s (%dx%d)" % (kept, width, height), flush=True)

        # The printer page's history shows the message, printed, with the bitmap that was printed.
        deadline = time.monotonic() + 15
        while True:
            self.load(b.navigate(self.stack.url("/printer/%s" % printer_id)), "the printer page")
            if b.exists("#messages li.message.printed") or time.monotonic() > deadline:
                break
            time.sleep(0.3)
        self.check(b.exists("#messages li.message.printed"),
                   "the history shows no printed message: %r" % b.text("#messages"))
        entry = b.text("#messages li.message")
        self.check(USER in entry, "the history's message is not from %s: %r" % (USER, entry))
        thumb = "#messages li.message img.thumb"
        self.check(b.exists(thumb), "the history's message has no picture")
        b.evaluate("document.querySelector('%s').scrollIntoView()" % thumb)
        b.wait_for("(function(){var i=document.querySelector('%s');return i.complete && i.naturalWidth>0;})()"
                   % thumb, timeout=10, what="the history's picture loaded")
        history_png = b.evaluate(
            "fetch(document.querySelector('%s').src,{credentials:'same-origin'}).then(function(r){"
            "if(!r.ok)throw new Error('HTTP '+r.status);return r.arrayBuffer();}).then(function(a){"
            "return Array.from(new Uint8Array(a));})" % thumb)
        self.check(h.png_decode(bytes(history_png)) == rows,
                   "the history's picture is not the bitmap the printer printed")
        self.step("history")

        thrown = [line for line in b.console if line.startswith("exception")]
        self.assertEqual(thrown, [], "the pages threw:\n%s" % "\n".join(b.console))
        print("browser flow took %.1f s; %d layout note(s)" % (time.monotonic() - self.started,
                                                               len(self.layout_notes)), flush=True)


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
