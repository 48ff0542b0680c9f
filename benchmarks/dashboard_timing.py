"""How long the classroom dashboard takes to first render and to advance one month, in a real browser.

Starts ``escalation demo --scenario baseline`` (32 members) on a free port and drives Debian's
Chromium with Playwright: time from navigation until the ladder shows month 0 (first render), then
the mean time from a click on Step until the page shows the next month.

    python benchmarks/dashboard_timing.py [--scenario baseline] [--steps 12]
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", default="baseline")
    ap.add_argument("--steps", type=int, default=12)
    a = ap.parse_args()
    from playwright.sync_api import sync_playwright

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "simulation.cli", "demo", "--scenario", a.scenario, "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(url, timeout=2)
                break
            except OSError:
                time.sleep(0.2)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)
            page = browser.new_page(viewport={"width": 1500, "height": 1300})
            t0 = time.perf_counter()
            page.goto(url)
            page.get_by_text("Escalation ladder (month 0)").wait_for(timeout=120_000)
            page.locator("img").nth(3).wait_for(timeout=120_000)
            first = time.perf_counter() - t0
            times = []
            for i in range(1, a.steps + 1):
                t = time.perf_counter()
                page.get_by_role("button", name="Step", exact=True).click()
                page.get_by_text(f"Escalation ladder (month {i})").wait_for(timeout=60_000)
                times.append(time.perf_counter() - t)
            browser.close()
        print(
            f"{a.scenario}: first render {first:.2f} s; one month {statistics.mean(times) * 1000:.0f} ms mean, "
            f"{max(times) * 1000:.0f} ms worst over {a.steps} Steps"
        )
    finally:
        os.killpg(proc.pid, signal.SIGTERM)


if __name__ == "__main__":
    main()
