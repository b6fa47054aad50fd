#!/usr/bin/env python3
"""The console's page in a real browser: Debian's chromium, headless.

Runs console_demo (a runtime with known named tasks and its console on a free port), loads the
page with `chromium --headless --dump-dom` twice, a second apart, and checks:
  - the task table has a row for each of the demo's named tasks;
  - the page received the updates it asked for (`?stop_after=N` closes the event stream after N
    snapshots: a page with an open stream never finishes loading, so a headless browser's
    virtual time would never run out);
  - the values move: within one load the total poll count grew from the first snapshot to the
    last, and the second load shows more polls than the first;
then saves a screenshot (--screenshot, e.g. build/console.png) for people to look at.

Exit 77 (ctest: skipped) when no chromium is installed; scripts/test.sh installs it.
Usage: browser_test.py --demo PATH/console_demo --screenshot PATH/console.png
"""

import argparse
import html
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

TASKS = ["demo-ticker", "demo-cruncher-0", "demo-cruncher-1", "demo-cruncher-2",
         "demo-waiter", "demo-sleeper", "demo-staller", "weft-console"]
UPDATES = 4


def find_chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def start_demo(demo):
    proc = subprocess.Popen([demo, "127.0.0.1:0", "300"], stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 60
    while time.time() < deadline:
        line = proc.stderr.readline()
        if not line:
            break
        m = re.search(r"weft console: (http://\S+/)", line)
        if m:
            return proc, m.group(1)
    proc.kill()
    raise SystemExit("console_demo did not print its console address")


def chromium(browser, profile, url, *extra):
    cmd = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
           "--no-first-run", "--user-data-dir=" + profile, "--virtual-time-budget=20000",
           *extra, url]
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                       timeout=120)
    if r.returncode != 0:
        sys.stderr.write(r.stderr[-3000:])
        raise SystemExit(f"chromium exited with {r.returncode}")
    return r.stdout


def text_of(dom, elem_id):
    m = re.search(r'id="' + elem_id + r'"[^>]*>([^<]*)<', dom)
    return html.unescape(m.group(1)) if m else None


def check_dom(dom, label):
    problems = []
    names = [html.unescape(n) for n in re.findall(r'<td class="name">([^<]*)</td>', dom)]
    for t in TASKS:
        if t not in names:
            problems.append(f"{label}: no row for task {t!r} (rows: {names})")
    updates = text_of(dom, "updates")
    if updates != str(UPDATES):
        problems.append(f"{label}: {updates!r} updates, expected {UPDATES}")
    total = text_of(dom, "total-polls")
    first = re.search(r'data-first-polls="(\d+)"', dom)
    if total is None or not total.isdigit() or first is None:
        problems.append(f"{label}: no poll counts in the page")
        return problems, 0
    if int(total) <= int(first.group(1)):
        problems.append(f"{label}: the poll count did not grow ({first.group(1)} -> {total})")
    return problems, int(total)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--demo", required=True)
    ap.add_argument("--screenshot", required=True)
    args = ap.parse_args()
    browser = find_chromium()
    if browser is None:
        print("SKIP: chromium is not installed (Debian: apt-get install chromium); "
              "scripts/test.sh installs it")
        return 77
    proc, base = start_demo(args.demo)
    profile = tempfile.mkdtemp(prefix="weft_console_chromium_")
    try:
        url = base + "?stop_after=" + str(UPDATES)
        first = chromium(browser, profile, url, "--dump-dom")
        time.sleep(1)
        second = chromium(browser, profile, url, "--dump-dom")
        p1, polls1 = check_dom(first, "first load")
        p2, polls2 = check_dom(second, "second load")
        problems = p1 + p2
        if not problems and polls2 <= polls1:
            problems.append(f"the second load shows no more polls than the first "
                            f"({polls1} -> {polls2})")
        os.makedirs(os.path.dirname(os.path.abspath(args.screenshot)), exist_ok=True)
        if os.path.exists(args.screenshot):
            os.remove(args.screenshot)
        chromium(browser, profile, base + "?stop_after=12", "--screenshot=" +
                 os.path.abspath(args.screenshot), "--window-size=1280,900",
                 "--hide-scrollbars")
        with open(args.screenshot, "rb") as f:
            if f.read(8) != b"\x89PNG\r\n\x1a\n":
                problems.append("the screenshot is not a PNG")
        for p in problems:
            print("FAIL: " + p)
        if problems:
            sys.stdout.write(first[-4000:] + "\n")
            return 1
        print(f"ok: {len(TASKS)} named tasks in the table, {UPDATES} updates per load, polls "
              f"{polls1} -> {polls2}; screenshot: {args.screenshot}")
        return 0
    finally:
        proc.kill()
        proc.wait()
        shutil.rmtree(profile, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
