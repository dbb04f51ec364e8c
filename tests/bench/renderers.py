"""renderers.py: the same messages rendered by sirius-codec, wkhtmltoimage and headless Chromium: time and peak memory.

usage: python3 tests/bench/renderers.py --build build --cases DIR [--runs 3] [--json FILE]

DIR holds the cases `bench_render --write-cases DIR` writes (N.body, N.html,
N.type, N.name): sirius-codec renders the body as its type, the browsers the
HTML of the same content, 384 pixels wide. Per process: one program start per
print (what a CGI-style external renderer costs), wall time and the peak of
the summed RSS of the program's process tree, sampled every 5 ms. Per print:
a Chromium kept running renders each case again over DevTools (navigate and
screenshot); the native per-print time is bench_render's. Figures only.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run",
                  "--disable-component-update", "--disable-sync", "--hide-scrollbars"]


def tree_rss_kib(root):
    """Summed VmRSS of root and its descendants (KiB)."""
    children = {}
    rss = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            with open("/proc/%s/status" % entry) as f:
                kib = next((int(line.split()[1]) for line in f if line.startswith("VmRSS:")), 0)
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(entry))
        rss[int(entry)] = kib
    total, pending = 0, [root]
    while pending:
        pid = pending.pop()
        total += rss.get(pid, 0)
        pending.extend(children.get(pid, []))
    return total


def run_measured(argv, timeout=120):
    """Runs argv; returns (wall ms, peak tree RSS KiB, exit status)."""
    t0 = time.monotonic()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
                            start_new_session=True)
    peak = 0
    done = threading.Event()

    def sample():
        nonlocal peak
        while not done.is_set():
            peak = max(peak, tree_rss_kib(proc.pid))
            done.wait(0.005)

    sampler = threading.Thread(target=sample)
    sampler.start()
    try:
        status = proc.wait(timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, 9)
        status = proc.wait()
    wall = (time.monotonic() - t0) * 1000
    done.set()
    sampler.join()
    return wall, peak, status


def png_height(path):
    with open(path, "rb") as f:
        head = f.read(24)
    return int.from_bytes(head[20:24], "big") if head[:8] == b"\x89PNG\r\n\x1a\n" else 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", required=True)
    ap.add_argument("--cases", required=True)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--json")
    args = ap.parse_args()
    runs = max(1, min(args.runs, 10))
    codec = os.path.join(args.build, "tools", "sirius-codec")
    wk = shutil.which("wkhtmltoimage")
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    tmp = tempfile.mkdtemp(prefix="bench-renderers-")
    results = []
    try:
        n = 0
        while os.path.exists(os.path.join(args.cases, "%d.name" % n)):
            def part(ext):
                with open(os.path.join(args.cases, "%d.%s" % (n, ext)), "rb") as f:
                    return f.read()
            name = part("name").decode()
            mime = part("type").decode()
            body = os.path.join(args.cases, "%d.body" % n)
            html = os.path.join(tmp, "%d.html" % n)
            with open(html, "wb") as f:
                f.write(part("html"))
            out = os.path.join(tmp, "out.png")
            case = {"name": name}
            programs = {
                "sirius-codec": [codec, "render", "--type", mime, body, "-o", out],
            }
            # the browsers get a page as tall as ours, so that none renders a longer one
            wall, peak, status = run_measured(programs["sirius-codec"])
            height = png_height(out) if status == 0 else 1200
            if wk:
                programs["wkhtmltoimage"] = [wk, "--quiet", "--width", "384", "--disable-javascript", "--format",
                                             "png", html, out]
            if chromium:
                profile = os.path.join(tmp, "profile")
                programs["chromium"] = [chromium] + CHROMIUM_FLAGS + [
                    "--user-data-dir=%s" % profile, "--window-size=384,%d" % max(height, 100),
                    "--screenshot=%s" % out, "file://" + html]
            for program, argv in programs.items():
                walls, peaks = [], []
                for _ in range(runs):
                    if program == "chromium":
                        shutil.rmtree(os.path.join(tmp, "profile"), ignore_errors=True)
                    wall, peak, status = run_measured(argv)
                    if status != 0:
                        break
                    walls.append(wall)
                    peaks.append(peak)
                if walls:
                    case[program] = {"per_process_ms": statistics.median(walls), "peak_kib": max(peaks)}
                    print("%-34s %-14s per process %8.1f ms, peak memory %7.1f MiB"
                          % (name, program, case[program]["per_process_ms"], case[program]["peak_kib"] / 1024))
                else:
                    print("%-34s %-14s failed (exit status %s)" % (name, program, status))
            case["height"] = height
            results.append(case)
            n += 1
        if chromium and results:
            per_print_chromium(args.cases, tmp, results, runs)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)


def per_print_chromium(cases, tmp, results, runs):
    """Renders every case again in one running Chromium (DevTools): navigate, then a full-page screenshot."""
    from cdp import Browser, BrowserError
    try:
        with Browser() as browser:
            for n, case in enumerate(results):
                html = os.path.join(cases, "%d.html" % n)
                page = os.path.join(tmp, "page-%d.html" % n)
                shutil.copy(html, page)
                browser.viewport({"width": 384, "height": max(case["height"], 100), "deviceScaleFactor": 1,
                                  "mobile": False})
                times = []
                for _ in range(runs + 1):
                    t0 = time.monotonic()
                    browser.navigate("file://" + page)
                    browser.screenshot(os.path.join(tmp, "shot.png"), max_height=10000)
                    times.append((time.monotonic() - t0) * 1000)
                # the first one warms the browser up
                case.setdefault("chromium", {})["per_print_ms"] = statistics.median(times[1:])
                case["chromium"]["browser_kib"] = tree_rss_kib(browser.proc.pid)
                print("%-34s %-14s per print   %8.1f ms in a running browser (%.0f MiB)"
                      % (case["name"], "chromium", case["chromium"]["per_print_ms"],
                         case["chromium"]["browser_kib"] / 1024))
    except BrowserError as e:
        print("chromium per print: %s" % str(e).splitlines()[0])


if __name__ == "__main__":
    main()
