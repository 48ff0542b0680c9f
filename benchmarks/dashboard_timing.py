"""How long the classroom dashboard takes to first render and to advance one month, in a real browser.

Starts ``escalation demo --scenario baseline`` (32 members) on a free port and drives Debian's
Chromium with Playwright: time from navigation until the ladder shows month 0 and the four charts
have drawn it (first render), then the mean time from a click on Step until the page shows the next
month and every chart has drawn its rows (each chart marks the month it drew in ``data-stamp``).

    python benchmarks/dashboard_timing.py [--scenario baseline] [--steps 12] [--projector] [--repeat 3]

With ``--screenshots DIR`` it instead writes the README's pictures of the classroom scenario after
18 months: ``dashboard.png`` (the page), ``dashboard-projector.png`` (projector mode) and
``compare.png`` (united vs divided after 36 months, as in the README's lesson).
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
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

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
CHROMIUM = "/usr/bin/chromium"


@contextmanager
def demo(scenario: str, *, projector: bool = False) -> Iterator[str]:
    """``escalation demo`` on a free port for the duration of the block; yields its URL."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cmd = [sys.executable, "-m", "simulation.cli", "demo", "--scenario", scenario, "--port", str(port)]
    proc = subprocess.Popen(
        cmd + (["--projector"] if projector else []),
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
        yield url
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)


def charts_at(page, month: int, count: int = 4) -> None:
    """Wait until ``count`` browser charts have drawn the rows of ``month``."""
    page.wait_for_function(
        f"document.querySelectorAll('.vega-chart[data-stamp=\"{month}\"]').length >= {count}", timeout=60_000
    )


def step_to(page, month: int, *, key: bool = False) -> None:
    """Click Step (or press the right arrow: projector mode folds the sidebar away); wait for ``month``."""
    if key:
        page.keyboard.press("ArrowRight")
    else:
        page.get_by_role("button", name="Step", exact=True).click()
    page.get_by_text(f"Escalation ladder (month {month})").wait_for(timeout=60_000)
    charts_at(page, month)


def timing(browser, url: str, steps: int, *, key: bool = False) -> tuple[float, list[float]]:
    """First render and the time of each Step, in seconds."""
    page = browser.new_page(viewport={"width": 1500, "height": 1300})
    t0 = time.perf_counter()
    page.goto(url)
    page.get_by_text("Escalation ladder (month 0)").wait_for(timeout=120_000)
    charts_at(page, 0)
    first = time.perf_counter() - t0
    times = []
    for i in range(1, steps + 1):
        t = time.perf_counter()
        step_to(page, i, key=key)
        times.append(time.perf_counter() - t)
    page.close()
    return first, times


def screenshots(browser, out: Path) -> None:
    """The README's pictures (classroom scenario): the page, projector mode, compare mode."""
    out.mkdir(parents=True, exist_ok=True)
    with demo("classroom") as url:
        page = browser.new_page(viewport={"width": 1500, "height": 1250})
        page.goto(url)
        page.get_by_text("Escalation ladder (month 0)").wait_for(timeout=120_000)
        for i in range(1, 19):
            step_to(page, i)
        page.wait_for_timeout(1500)
        page.screenshot(path=str(out / "dashboard.png"))
        page.keyboard.press("p")  # projector mode, as a lecturer would switch to it
        page.locator(".escalation.projector").wait_for(timeout=30_000)
        page.wait_for_timeout(2500)
        page.set_viewport_size({"width": 1280, "height": 960})
        page.wait_for_timeout(1000)
        page.screenshot(path=str(out / "dashboard-projector.png"))
        page.goto(url + "/compare")
        for year in (12, 24, 36):  # the lesson's three presses: the branches part in month 23 (January 2024)
            page.get_by_role("button", name="Step 12").click()
            page.get_by_text(f"Escalation ladder (month {year})").first.wait_for(timeout=60_000)
        page.set_viewport_size({"width": 1500, "height": 1250})
        page.wait_for_timeout(2500)
        page.screenshot(path=str(out / "compare.png"))
    print(f"wrote {', '.join(sorted(p.name for p in out.glob('*.png')))} to {out}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", default="baseline")
    ap.add_argument("--steps", type=int, default=12)
    ap.add_argument("--repeat", type=int, default=1, help="measure this many times (the machine may be shared)")
    ap.add_argument("--projector", action="store_true", help="measure the page in projector mode")
    ap.add_argument("--screenshots", type=Path, metavar="DIR", help="write the README's screenshots to DIR instead")
    a = ap.parse_args()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        if a.screenshots:
            screenshots(browser, a.screenshots)
            return
        mode = " (projector)" if a.projector else ""
        for _ in range(a.repeat):
            with demo(a.scenario, projector=a.projector) as url:
                first, times = timing(browser, url, a.steps, key=a.projector)
            print(
                f"{a.scenario}{mode}: first render {first:.2f} s; one month {statistics.mean(times) * 1000:.0f} ms "
                f"mean, {max(times) * 1000:.0f} ms worst over {a.steps} Steps",
                flush=True,
            )
        browser.close()


if __name__ == "__main__":
    main()
