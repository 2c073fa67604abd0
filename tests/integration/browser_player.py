"""Runs tests/browser/play.mjs (hls.js in the system's headless Chromium) and returns its report;
run_script() serves play_dash.mjs (dash.js) and play_shaka.mjs (Shaka Player) too. Shared by the browser tests and bench/hls_latency.py."""
import json
import os
import shutil
import signal
import subprocess

CHROMIUM = "/usr/bin/chromium"


def browser_dir(source_dir):
    return os.path.join(source_dir, "tests", "browser")


def missing_prerequisites(source_dir):
    """What the browser tests need and this machine lacks, as one message (None when all is there).
    scripts/setup.sh test installs all of it."""
    missing = []
    if not shutil.which("node"):
        missing.append("node")
    if not os.access(CHROMIUM, os.X_OK):
        missing.append(CHROMIUM)
    for pkg in ("playwright-core", "hls.js"):
        if not os.path.isdir(os.path.join(browser_dir(source_dir), "node_modules", pkg)):
            missing.append(f"tests/browser/node_modules/{pkg}")
    if not missing:
        return None
    return "missing " + ", ".join(missing) + " (run scripts/setup.sh test)"


def play(source_dir, url, log_path, seconds=10, low_latency=False, start_timeout=15, hls_config=None,
         sample_ms=100, startups=1):
    """Plays `url` for `seconds` once playback has started (`startups` times, one after the
    other, each a new page: the report is then {"startups": [...]}). Returns (exit status,
    report dict or None, stderr text). play.mjs bounds itself; this bounds it again and stops
    it by PID."""
    cmd = ["node", os.path.join(browser_dir(source_dir), "play.mjs"), "--url", url,
           "--seconds", str(seconds), "--low-latency", "on" if low_latency else "off",
           "--start-timeout", str(start_timeout), "--sample-ms", str(sample_ms),
           "--startups", str(startups), "--chromium", CHROMIUM]
    if hls_config:
        cmd += ["--hls-config", json.dumps(hls_config)]
    return run_script(source_dir, cmd, log_path, (seconds + start_timeout + 5) * startups + 40)


def run_script(source_dir, cmd, log_path, limit):
    """Runs a browser script (play.mjs, play_dash.mjs, play_shaka.mjs) bounded by `limit` seconds and stopped by
    PID; its last JSON line is the report. Returns (exit status, report dict or None, stderr)."""
    with open(log_path + ".stderr", "w") as err:
        proc = subprocess.Popen(cmd, cwd=browser_dir(source_dir), stdout=subprocess.PIPE, stderr=err,
                                stdin=subprocess.DEVNULL, text=True)
        try:
            out, _ = proc.communicate(timeout=limit)
        except subprocess.TimeoutExpired:
            # SIGTERM first: the script then kills its Chromium's process group.
            proc.send_signal(signal.SIGTERM)
            try:
                out, _ = proc.communicate(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                out, _ = proc.communicate(timeout=5)
    with open(log_path, "w") as f:
        f.write(out or "")
    with open(log_path + ".stderr", errors="replace") as f:
        stderr = f.read()
    report = None
    for line in reversed((out or "").splitlines()):
        if line.startswith("{"):
            try:
                report = json.loads(line)
            except ValueError:
                pass
            break
    return proc.returncode, report, stderr


def brief(report):
    """The report without its long lists, for assertion messages."""
    if not report:
        return "(no report)"
    skip = {"events", "current_time_samples", "console", "trace", "log"}
    short = {k: v for k, v in report.items() if k not in skip}
    short["errors"] = (report.get("errors") or [])[:5]
    short["console"] = (report.get("console") or [])[:5]
    # The player's load trace (hls.js) from 2 s before the first stall to 1 s after it.
    waits = [t for ev, t in report.get("events") or [] if ev == "waiting"]
    if report.get("trace") and waits:
        short["trace_near_first_stall"] = [" ".join(map(str, e)) for e in report["trace"] if waits[0] - 2 <= e[0] <= waits[0] + 1]
    return json.dumps(short, indent=1)
