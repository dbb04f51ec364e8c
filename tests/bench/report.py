"""report.py: tests/bench/results.md from the outputs tests/bench/run.sh collected in one directory.

usage: python3 tests/bench/report.py DIR > tests/bench/results.md

Medians over the runs of each benchmark; ratios against the alternatives
measured in the same run; every target said met or MISSED.
"""

import glob
import json
import os
import platform
import re
import statistics
import subprocess
import sys


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def read(path):
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return ""


def loads(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def fmt(v, unit="ms", digits=None):
    if v is None:
        return "n/a"
    if digits is None:
        digits = 3 if v < 1 else 2 if v < 10 else 1 if v < 1000 else 0
    return "%.*f %s" % (digits, v, unit) if unit else "%.*f" % (digits, v)


def ratio(ours, theirs, higher_is_better=False):
    """How many times better ours is than theirs, as text."""
    if not ours or not theirs:
        return ""
    r = ours / theirs if higher_is_better else theirs / ours
    return ("%.0fx" if r >= 10 else "%.1fx") % r


def verdict(value, target, below=True):
    if value is None:
        return "not measured"
    ok = value < target if below else value >= target
    return "met" if ok else "**MISSED**"


def machine(d):
    cpu = ""
    for line in read("/proc/cpuinfo").splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem = next((line.split(":", 1)[1].strip() for line in read("/proc/meminfo").splitlines()
                if line.startswith("MemTotal")), "?")
    gib = int(mem.split()[0]) / 1024 / 1024 if mem.split()[0].isdigit() else 0
    return [
        "- CPU: %s, %d cores online" % (cpu or platform.processor() or "?", os.cpu_count() or 0),
        "- memory: %.1f GiB" % gib,
        "- kernel: Linux %s (%s)" % (platform.release(), platform.machine()),
        "- date: %s" % read(os.path.join(d, "date")).strip(),
        "- load average (1, 5, 15 min) at the start: %s; at the end: %s" % (
            read(os.path.join(d, "load-start")).strip(), read(os.path.join(d, "load-end")).strip()),
        "- runs of each benchmark: %s; benchmarks ran at nice %s" % (
            read(os.path.join(d, "runs")).strip(), read(os.path.join(d, "nice")).strip()),
    ]


def render_rows(d):
    """{case: {"native": [..], "wkhtml": [..]}} from the bench_render outputs."""
    cases = {}
    for path in sorted(glob.glob(os.path.join(d, "render-*.txt"))):
        for line in read(path).splitlines():
            m = re.match(r"^(.*?)\s+(native|wkhtml)\s+median\s+([\d.]+) ms", line)
            if m:
                cases.setdefault(m.group(1).strip(), {}).setdefault(m.group(2), []).append(float(m.group(3)))
    return cases


def codec_rows(d):
    """{(what, page): [median ms...]} from the bench_codec outputs."""
    rows = {}
    for path in sorted(glob.glob(os.path.join(d, "codec-*.txt"))):
        for line in read(path).splitlines():
            m = re.match(r"^(encode|decode|PNG read|PNG write|dither)\s+(text page|dither noise)\s+median\s+([\d.]+) ms",
                         line)
            if m:
                rows.setdefault((m.group(1), m.group(2)), []).append(float(m.group(3)))
    return rows


def main():
    d = sys.argv[1]
    out = ["# Benchmark results", "",
           "Written by `tests/bench/run.sh` (README, Benchmarks); medians over the runs. "
           "Ratios say how many times faster (or smaller) sirius-c is than the alternative measured "
           "in the same run.", "", "## Machine", ""]
    out += machine(d)

    # ---- codec
    out += ["", "## Printer codec (384 x 10,000 page, in process, CPU time)", ""]
    codec = codec_rows(d)
    refs = [loads(p) for p in sorted(glob.glob(os.path.join(d, "ref-*.json")))]
    refs = [r for r in refs if r]
    targets = {("encode", "text page"): 1, ("encode", "dither noise"): 4, ("PNG read", "text page"): 5,
               ("PNG write", "text page"): 5}
    keys = {"encode": "encode_ms", "decode": "decode_ms", "PNG read": "png_read_ms", "PNG write": "png_write_ms",
            "dither": "dither_ms"}
    has_original = any("original_encode_ms" in r.get("text page", {}) for r in refs)
    out.append("| operation | page | sirius-c | Python reference (Pillow, a loop per pixel for the code) | ratio |%s target |"
               % (" original encoder | ratio |" if has_original else ""))
    out.append("|---|---|---|---|---|%s---|" % ("---|---|" if has_original else ""))
    for what in ("encode", "decode", "PNG read", "PNG write", "dither"):
        for page in ("text page", "dither noise"):
            if what == "dither" and page == "text page":
                continue
            ours = median(codec.get((what, page), []))
            ref = median([r.get(page, {}).get(keys[what]) for r in refs])
            row = "| %s | %s | %s | %s | %s |" % (what, page, fmt(ours), fmt(ref), ratio(ours, ref))
            if has_original:
                orig = median([r.get(page, {}).get("original_encode_ms") for r in refs]) if what == "encode" else None
                row += " %s | %s |" % (fmt(orig), ratio(ours, orig))
            t = targets.get((what, page))
            row += " %s |" % ("under %d ms: %s" % (t, verdict(ours, t)) if t else "")
            out.append(row)
    if not codec:
        why = read(os.path.join(d, "codec-missing")) or "bench_codec gave no figures"
        out += ["", "%s: the sirius-c column is empty and the targets are not measured; the Python "
                "reference's figures stand alone." % why.strip()]

    # ---- rendering
    out += ["", "## Rendering the same message (384 dots wide)", ""]
    render = render_rows(d)
    rend = loads(os.path.join(d, "renderers.json")) or []
    out.append("| message | sirius-c per print | wkhtmltoimage per process | ratio | Chromium per print "
               "(running browser) | ratio | Chromium per process | ratio | sirius-codec per process |")
    out.append("|---|---|---|---|---|---|---|---|---|")
    for case in rend:
        name = case["name"]
        native = median(render.get(name, {}).get("native", []))
        wk = case.get("wkhtmltoimage", {}).get("per_process_ms")
        chp = case.get("chromium", {}).get("per_print_ms")
        chproc = case.get("chromium", {}).get("per_process_ms")
        ours_proc = case.get("sirius-codec", {}).get("per_process_ms")
        out.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            name, fmt(native), fmt(wk), ratio(native, wk), fmt(chp), ratio(native, chp), fmt(chproc),
            ratio(native, chproc), fmt(ours_proc)))
    out += ["", "Peak memory of one render in its own process (the summed RSS of the process tree):", "",
            "| message | sirius-codec render | wkhtmltoimage | ratio | Chromium | ratio |", "|---|---|---|---|---|---|"]
    for case in rend:
        ours = case.get("sirius-codec", {}).get("peak_kib")
        wk = case.get("wkhtmltoimage", {}).get("peak_kib")
        ch = case.get("chromium", {}).get("peak_kib")
        out.append("| %s | %s | %s | %s | %s | %s |" % (
            case["name"], fmt(ours and ours / 1024, "MiB", 1), fmt(wk and wk / 1024, "MiB", 1), ratio(ours, wk),
            fmt(ch and ch / 1024, "MiB", 0), ratio(ours, ch)))

    # ---- relay
    relays = [loads(p) for p in sorted(glob.glob(os.path.join(d, "relay-*.json")))]
    relays = [r for r in relays if r]
    out += ["", "## Relay under load (bench_relay: bridges heartbeating every %s s, loopback)" %
            (fmt(relays[0]["heartbeat_seconds"], "", 0) if relays else "?"), ""]
    if relays:
        n = relays[0]["bridges"]
        rss = median([r["rss_connected_kib"] / 1024 for r in relays])
        idle = median([r["rss_idle_kib"] / 1024 for r in relays])
        out += ["| measure | result | target |", "|---|---|---|",
                "| bridges connected | %s of %d (connecting took %s) | |" % (
                    fmt(median([r["bridges_open"] for r in relays]), "", 0), n,
                    fmt(median([r["connect_seconds"] for r in relays]), "s")),
                "| relay RSS with %d bridges | %s (%s idle; %s per bridge) | under 100 MB: %s |" % (
                    n, fmt(rss, "MiB", 1), fmt(idle, "MiB", 1), fmt((rss - idle) * 1024 / n, "KiB", 2),
                    verdict(rss * 1.048576, 100)),
                "| relay CPU per 1,000 heartbeats | %s | (reported) |" % fmt(
                    median([r["cpu_ms_per_1000_heartbeats"] for r in relays]))]
        targets = {100: 5, 1000: 20}
        for rate in sorted({x["rate"] for r in relays for x in r["rates"]}):
            rows = [x for r in relays for x in r["rates"] if x["rate"] == rate]
            p99 = median([x["p99_ms"] for x in rows])
            t = targets.get(int(rate))
            out.append("| print latency at %d prints/s (deliver request to frame at the bridge) | p50 %s, p99 %s, "
                       "max %s; %s of %s delivered | %s |" % (
                           rate, fmt(median([x["p50_ms"] for x in rows])), fmt(p99),
                           fmt(median([x["max_ms"] for x in rows])), fmt(median([x["received"] for x in rows]), "", 0),
                           fmt(median([x["prints"] for x in rows]), "", 0),
                           "p99 under %d ms: %s" % (t, verdict(p99, t)) if t else ""))
            per_print = []
            for r in relays:
                for x in r["rates"]:
                    if x["rate"] == rate and x.get("received") and "heartbeats" in x:
                        beats = x["heartbeats"] * r["cpu_ms_per_1000_heartbeats"] / 1000
                        per_print.append((x["relay_cpu_s"] * 1000 - beats) / x["received"])
            if per_print:
                out.append("| relay CPU per print at %d prints/s (the heartbeats' share taken out) | %s | "
                           "(reported) |" % (rate, fmt(median(per_print))))
    else:
        out.append("The relay benchmark did not run.")

    # ---- end to end
    e2e = loads(os.path.join(d, "e2e.json"))
    out += ["", "## End to end: device-key prints through lighttpd, sirius-api and the relay", ""]
    if e2e:
        out += ["%d claimed printers, each with a device key, connected by bench_relay as bridges through "
                "lighttpd; bench_http POSTs over keep-alive connections (loopback)." % e2e["printers"], "",
                "| load | prints/s | p50 | p99 | CPU per print (ms) | target |", "|---|---|---|---|---|---|"]
        # every answered request is a print the bridges must see: far fewer DeviceCommands means that most
        # requests were answered without printing (repeats of an earlier one), and the rates are no print rates
        answered = sum(r["ok"] for r in e2e["text"] + (e2e.get("photo") or []))
        commands = e2e.get("commands_at_bridges")
        printed = commands is None or commands >= 0.9 * answered
        for c in sorted({r["clients"] for r in e2e["text"]}):
            rows = [r for r in e2e["text"] if r["clients"] == c]
            rate = median([r["rate"] for r in rows])
            p99 = median([r["p99_ms"] for r in rows])
            cpu = {k: median([r["cpu_ms_per_request"].get(k) for r in rows]) for k in rows[0]["cpu_ms_per_request"]}
            out.append("| short text, %d client%s | %s | %s | %s | %s | 1,000/s: %s; p99 under 50 ms: %s |" % (
                c, "s" if c > 1 else "", fmt(rate, "", 0), fmt(median([r["p50_ms"] for r in rows])), fmt(p99),
                ", ".join("%s %.2f" % (k, v) for k, v in cpu.items() if v),
                verdict(rate, 1000, below=False) if printed else "not measured",
                verdict(p99, 50) if printed else "not measured"))
        rows = e2e.get("photo") or []
        if rows:
            cpu = {k: median([r["cpu_ms_per_request"].get(k) for r in rows]) for k in rows[0]["cpu_ms_per_request"]}
            out.append("| 1600x1200 JPEG photo (%d KiB), 2 clients | %s | %s | %s | %s | (reported) |" % (
                rows[0]["jpeg_bytes"] // 1024, fmt(median([r["rate"] for r in rows]), "", 1),
                fmt(median([r["p50_ms"] for r in rows])), fmt(median([r["p99_ms"] for r in rows])),
                ", ".join("%s %.2f" % (k, v) for k, v in cpu.items() if v)))
        measured = e2e["text"] + (e2e.get("photo") or [])
        bad = sum(r["not_ok"] for r in measured)
        queued = sum(r.get("queued", 0) for r in measured)
        out += ["", "Responses other than 200: %d%s. DeviceCommands that reached the bridges: %s." % (
            bad, " (%d of them 202 queued: stored, not sent at once)" % queued if queued else "",
            e2e.get("commands_at_bridges"))]
        if not printed:
            out += ["", "**Only %d DeviceCommands for %d answered requests**: most requests were answered "
                    "without printing (as repeats of an earlier one), so the rows above are not print rates and "
                    "the targets are not measured." % (commands, answered)]
    else:
        out.append("The end-to-end benchmark did not run.")

    notes = read(os.path.join(d, "notes.md")).strip()
    profile = read(os.path.join(d, "perf-top.txt")).rstrip()
    if notes or profile:
        out += ["", "## Where the time goes", ""]
        if notes:
            out += [notes, ""]
        if profile:
            out += ["CPU profile of the stack during a 16-client text run of its own, after the timed ones "
                    "(perf, share of all samples of sirius-api, the relay and lighttpd):", "", "```", profile, "```"]
    print("\n".join(out))


if __name__ == "__main__":
    main()
