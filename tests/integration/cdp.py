"""cdp.py: headless Chromium driven through the Chrome DevTools Protocol (standard library only) for browser tests."""

import base64
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request

import wsclient

# Where Debian's package puts it; SIRIUS_CHROMIUM names another binary.
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")

PHONE = {"width": 390, "height": 844, "deviceScaleFactor": 1, "mobile": True}
DESKTOP = {"width": 1280, "height": 800, "deviceScaleFactor": 1, "mobile": False}


class BrowserError(AssertionError):
    """Chromium did not start, or a page did not do what a step expected; the message says what."""


def chromium_binary():
    """The Chromium program ($SIRIUS_CHROMIUM, then PATH, then /usr/bin), or None."""
    wanted = os.environ.get("SIRIUS_CHROMIUM")
    if wanted:
        return wanted if os.access(wanted, os.X_OK) else None
    for name in CHROMIUM_NAMES:
        found = shutil.which(name) or shutil.which(name, path="/usr/bin:/usr/local/bin:/snap/bin")
        if found:
            return found
    return None


def _js(value):
    """value as a JavaScript literal (JSON is one)."""
    return json.dumps(value)


class Browser:
    """
    One headless Chromium with a fresh profile and one page, driven over its
    DevTools websocket. Use as a context manager or call close(): the browser
    (its whole process group) is stopped and the profile removed, whatever
    happened. Every wait has a timeout and raises BrowserError when it runs out.
    """

    def __init__(self, binary=None, timeout=20.0):
        self.binary = binary or chromium_binary()
        if not self.binary:
            raise BrowserError("Chromium is not installed: apt-get install chromium "
                               "(deploy/debian-test.txt lists it; SIRIUS_CHROMIUM may name another binary)")
        self.profile = tempfile.mkdtemp(prefix="sirius-chromium-")
        self.log_path = os.path.join(self.profile, "chromium.log")
        self.proc = None
        self.ws = None
        self.next_id = 0
        self.events = []         # events read since forget_events, oldest first
        self.cursor = 0          # events before this index were matched by wait_event already
        self.console = []        # console messages and uncaught exceptions of the page, as text
        try:
            self._start(timeout)
        except BaseException:
            self.close()
            raise

    def _start(self, timeout):
        args = [self.binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--no-default-browser-check", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--disable-extensions", "--disable-dev-shm-usage", "--hide-scrollbars",
                "--mute-audio", "--password-store=basic", "--user-data-dir=%s" % self.profile,
                "--remote-debugging-port=0", "about:blank"]
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                         start_new_session=True)
        port_file = os.path.join(self.profile, "DevToolsActivePort")
        deadline = time.monotonic() + timeout
        port = None
        while port is None:
            if self.proc.poll() is not None:
                raise BrowserError("%s exited with %s at start:\n%s" % (self.binary, self.proc.returncode,
                                                                        self.log()[-3000:]))
            if time.monotonic() > deadline:
                raise BrowserError("%s wrote no DevToolsActivePort within %.0f s:\n%s"
                                   % (self.binary, timeout, self.log()[-3000:]))
            try:
                with open(port_file) as f:
                    first = f.readline().strip()
                if first.isdigit():
                    port = int(first)
            except OSError:
                pass
            if port is None:
                time.sleep(0.05)
        self.port = port
        target = None
        while target is None:
            try:
                with urllib.request.urlopen("http://127.0.0.1:%d/json/list" % port, timeout=5) as reply:
                    targets = json.load(reply)
                target = next((t for t in targets if t.get("type") == "page" and "webSocketDebuggerUrl" in t),
                              None)
            except OSError:
                pass
            if target is None:
                if time.monotonic() > deadline:
                    raise BrowserError("Chromium shows no page target within %.0f s:\n%s"
                                       % (timeout, self.log()[-3000:]))
                time.sleep(0.1)
        path = "/" + target["webSocketDebuggerUrl"].split("/", 3)[3]
        self.ws = wsclient.WebSocket("127.0.0.1", port, path=path, protocol=None, timeout=timeout)
        self.call("Page.enable")
        self.call("Runtime.enable")

    def log(self):
        """What Chromium wrote on stdout and stderr."""
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    # ---- the protocol ------------------------------------------------------------

    def _read(self, timeout):
        """The next protocol message (a dict), noting console output on the way."""
        try:
            op, data = self.ws.recv_message(timeout=timeout)
        except socket.timeout:
            return None
        message = json.loads(data.decode("utf-8"))
        method = message.get("method")
        if method == "Runtime.consoleAPICalled":
            params = message["params"]
            self.console.append("console.%s: %s" % (params.get("type"), " ".join(
                str(a.get("value", a.get("description", ""))) for a in params.get("args", []))))
        elif method == "Runtime.exceptionThrown":
            details = message["params"]["exceptionDetails"]
            self.console.append("exception: %s" % details.get("exception", {}).get("description",
                                                                                  details.get("text")))
        return message

    def call(self, method, params=None, timeout=15.0):
        """Sends a command and returns its result; BrowserError on a protocol error or after timeout."""
        self.next_id += 1
        ident = self.next_id
        self.ws.send_text(json.dumps({"id": ident, "method": method, "params": params or {}}))
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise BrowserError("no answer to %s within %.0f s" % (method, timeout))
            message = self._read(left)
            if message is None:
                continue
            if message.get("id") == ident:
                if "error" in message:
                    raise BrowserError("%s failed: %s" % (method, message["error"]))
                return message.get("result", {})
            if "method" in message:
                self.events.append(message)

    def forget_events(self):
        """Drops the events seen so far (before an action whose events are to be waited for)."""
        while True:
            message = self._read(0.01)
            if message is None:
                break
            if "method" in message:
                self.events.append(message)
        self.events = []
        self.cursor = 0

    def wait_event(self, method, timeout=15.0, what=None):
        """The params of the next event called method (since forget_events); BrowserError after timeout."""
        deadline = time.monotonic() + timeout
        while True:
            for i in range(self.cursor, len(self.events)):
                if self.events[i]["method"] == method:
                    self.cursor = i + 1
                    return self.events[i].get("params", {})
            left = deadline - time.monotonic()
            if left <= 0:
                raise BrowserError("no %s within %.0f s (%s)%s" % (method, timeout, what or "waiting",
                                                                   self._console_text()))
            message = self._read(min(left, 1.0))
            if message is not None and "method" in message:
                self.events.append(message)

    def _console_text(self):
        return ("\nthe page's console:\n" + "\n".join(self.console[-20:])) if self.console else ""

    # ---- pages ---------------------------------------------------------------------

    def evaluate(self, expression, timeout=15.0):
        """The value of a JavaScript expression in the page (promises awaited); BrowserError when it throws."""
        result = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                                 "awaitPromise": True, "userGesture": True}, timeout=timeout)
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            raise BrowserError("JavaScript failed: %s\nin: %s" % (
                details.get("exception", {}).get("description", details.get("text")), expression[:300]))
        return result.get("result", {}).get("value")

    def navigate(self, url, timeout=15.0):
        """Opens url and waits for its load event; returns the HTTP status of the document (or None)."""
        self.forget_events()
        self.call("Network.enable")
        result = self.call("Page.navigate", {"url": url}, timeout=timeout)
        if result.get("errorText"):
            raise BrowserError("opening %s failed: %s" % (url, result["errorText"]))
        self.wait_event("Page.loadEventFired", timeout, "loading %s" % url)
        return self._document_status()

    def _document_status(self):
        """The status of the last document response among the events read, or None."""
        status = None
        for event in self.events:
            if event["method"] == "Network.responseReceived" and event["params"].get("type") == "Document":
                status = event["params"]["response"]["status"]
        return status

    def url(self):
        return self.evaluate("location.href")

    def path(self):
        return self.evaluate("location.pathname + location.search")

    def text(self, selector="body"):
        """The visible text of the first element matching selector ('' when there is none)."""
        return self.evaluate("(function(){var e=document.querySelector(%s);return e?e.innerText:'';})()"
                             % _js(selector))

    def exists(self, selector):
        return self.evaluate("document.querySelector(%s) !== null" % _js(selector))

    def wait_for(self, expression, timeout=15.0, what=None):
        """Polls a JavaScript expression until it is truthy; returns its value; BrowserError after timeout."""
        deadline = time.monotonic() + timeout
        while True:
            value = self.evaluate(expression)
            if value:
                return value
            if time.monotonic() > deadline:
                raise BrowserError("%s: not true within %.0f s: %s%s" % (what or "waiting", timeout, expression,
                                                                         self._console_text()))
            time.sleep(0.1)

    def fill(self, selector, text):
        """Types text into the field matching selector as a person would: focus, clear, then insert (input events)."""
        found = self.evaluate(
            "(function(){var e=document.querySelector(%s);if(!e)return false;e.scrollIntoView({block:'center'});"
            "e.focus();e.value='';e.dispatchEvent(new Event('input',{bubbles:true}));"
            "return document.activeElement===e;})()" % _js(selector))
        if not found:
            raise BrowserError("no field %s to type into on %s" % (selector, self.url()))
        self.call("Input.insertText", {"text": text})
        value = self.evaluate("document.querySelector(%s).value" % _js(selector))
        if value != text:
            raise BrowserError("field %s holds %r after typing %r" % (selector, value, text))
        self.evaluate("document.querySelector(%s).dispatchEvent(new Event('change',{bubbles:true}))"
                      % _js(selector))

    def element_center(self, selector):
        """
        The viewport point (x, y) at the middle of the visible element matching
        selector, scrolled into view; BrowserError when there is none, it has
        no size, or something else covers its middle.
        """
        found = self.evaluate(
            "(function(){var e=document.querySelector(%s);if(!e)return 'missing';"
            "e.scrollIntoView({block:'center',inline:'center'});var r=e.getBoundingClientRect();"
            "if(r.width<1||r.height<1)return 'invisible';var x=r.left+r.width/2,y=r.top+r.height/2;"
            "var hit=document.elementFromPoint(x,y);if(!hit||!(hit===e||e.contains(hit)))"
            "return 'covered by '+(hit?hit.outerHTML.slice(0,120):'nothing');return [x,y];})()" % _js(selector))
        if isinstance(found, str):
            raise BrowserError("cannot click %s on %s: %s" % (selector, self.url(), found))
        return found

    def click(self, selector):
        """Clicks the middle of the element matching selector with the mouse, as a person would."""
        x, y = self.element_center(selector)
        for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
            params = {"type": kind, "x": x, "y": y}
            if kind != "mouseMoved":
                params.update({"button": "left", "clickCount": 1})
            self.call("Input.dispatchMouseEvent", params)

    def click_and_load(self, selector, timeout=15.0):
        """Clicks (a submit button or link) and waits for the page it leads to; returns that document's status."""
        self.forget_events()
        self.call("Network.enable")
        self.click(selector)
        self.wait_event("Page.loadEventFired", timeout, "the page after clicking %s" % selector)
        return self._document_status()

    # ---- how it looks --------------------------------------------------------------

    def viewport(self, metrics):
        """Emulates a screen: PHONE, DESKTOP or a dict of width, height, deviceScaleFactor, mobile."""
        self.call("Emulation.setDeviceMetricsOverride", dict(metrics))
        self.call("Emulation.setTouchEmulationEnabled", {"enabled": bool(metrics.get("mobile"))})
        self.evaluate("new Promise(function(r){requestAnimationFrame(function(){requestAnimationFrame(r);});})")

    def layout_problems(self):
        """
        What looks broken in the current layout, as sentences: the page wider
        than the screen (sideways scrolling), and elements that stick out of
        the screen on the right. Empty when none.
        """
        return self.evaluate(r"""(function(){
  var out=[], w=document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth > w + 1)
    out.push('the page is '+document.documentElement.scrollWidth+' px wide on a '+w+' px screen');
  var seen=0;
  document.querySelectorAll('body *').forEach(function(e){
    if (seen>=5) return;
    var r=e.getBoundingClientRect(), s=getComputedStyle(e);
    if (r.width>0 && r.right>w+1 && s.position!=='fixed' && s.visibility!=='hidden') {
      var p=e.parentElement, inner=false;
      while (p && p!==document.body) { var o=getComputedStyle(p).overflowX;
        if (o==='auto'||o==='scroll'||o==='hidden') { inner=true; break; } p=p.parentElement; }
      if (!inner) { seen++; out.push('<'+e.tagName.toLowerCase()+(e.className?' class="'+e.className+'"':'')
        +'> reaches '+Math.round(r.right)+' px'); }
    }
  });
  return out;
})()""")

    def screenshot(self, path, full_page=True, max_height=6000):
        """Saves a PNG of the page (all of it when full_page, up to max_height CSS pixels) to path."""
        params = {"format": "png"}
        if full_page:
            metrics = self.call("Page.getLayoutMetrics")
            size = metrics.get("cssContentSize") or metrics.get("contentSize")
            view = metrics.get("cssLayoutViewport") or metrics.get("layoutViewport")
            width = max(view["clientWidth"], 1)
            height = min(max(size["height"], view["clientHeight"]), max_height)
            params.update({"captureBeyondViewport": True,
                           "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1}})
        data = self.call("Page.captureScreenshot", params, timeout=30)["data"]
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))
        return path

    # ---- the end -------------------------------------------------------------------

    def close(self):
        if self.ws is not None:
            try:
                self.ws.sock.close()
            except OSError:
                pass
            self.ws = None
        if self.proc is not None:
            if self.proc.poll() is None:
                try:
                    os.killpg(self.proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
                try:
                    self.proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    try:
                        os.killpg(self.proc.pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                    self.proc.wait()
            # Renderers and helpers of the same group may outlive the main process by a moment.
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            self.proc = None
        shutil.rmtree(self.profile, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
