"""The dashboard in a real browser: escalation demo + Playwright driving Debian's Chromium headless.

Locally the test skips (with the reason) only when no Chromium exists and CI is unset; in CI a missing
Chromium is a failure (.ci/run installs Debian's chromium package).
"""

import io
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

CHROMIUM = next(
    (
        p
        for p in (shutil.which("chromium"), "/usr/bin/chromium", shutil.which("chromium-browser"))
        if p and os.path.exists(p)
    ),
    None,
)
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


def _chromium() -> str:
    if CHROMIUM:
        return CHROMIUM
    if os.environ.get("CI"):
        pytest.fail("CI needs Debian's chromium for the browser test (.ci/run installs it with apt-get)")
    pytest.skip("no Chromium on this machine (apt-get install chromium); the browser test needs it")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server():
    pytest.importorskip("solara")
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "simulation.cli", "demo", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            time.sleep(0.3)
    else:
        os.killpg(proc.pid, signal.SIGKILL)
        pytest.fail(f"escalation demo did not answer on {url}: {proc.stdout.read(4000)!r}")
    yield url
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)


def _changed_fraction(a: bytes, b: bytes) -> float:
    from PIL import Image, ImageChops

    ia, ib = Image.open(io.BytesIO(a)).convert("RGB"), Image.open(io.BytesIO(b)).convert("RGB")
    if ia.size != ib.size:
        return 1.0
    diff = ImageChops.difference(ia, ib).convert("L").point(lambda v: 255 if v > 16 else 0)
    return sum(diff.histogram()[255:]) / (ia.size[0] * ia.size[1])


def _month(page) -> int:
    text = page.get_by_text("Escalation ladder (month").first.inner_text()
    return int(text.split("month")[1].split(")")[0])


def test_dashboard_in_a_real_browser(server, tmp_path):
    chromium = _chromium()
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=FLAGS)
        page = browser.new_page(viewport={"width": 1500, "height": 1300})
        page.goto(server)
        page.get_by_text("Escalation ladder (month 0)").wait_for(timeout=60_000)
        page.get_by_role("button", name="Step").wait_for()
        page.wait_for_timeout(1500)  # let the first figures arrive
        before = page.screenshot(full_page=True)
        narrative_before = page.get_by_text("The last 6 months").locator("..").inner_text()

        for i in range(1, 7):
            page.get_by_role("button", name="Step", exact=True).click()
            page.get_by_text(f"Escalation ladder (month {i})").wait_for(timeout=30_000)

        # move the aid slider to the far right with the keyboard, then Reset and run a year with it
        slider = page.get_by_role("slider").nth(2)  # play interval, render interval, then the levers
        slider.focus()
        page.keyboard.press("End")
        page.get_by_role("button", name="Reset").click()
        page.get_by_text("Escalation ladder (month 0)").wait_for(timeout=30_000)
        for i in range(1, 13):
            page.get_by_role("button", name="Step", exact=True).click()
            page.get_by_text(f"Escalation ladder (month {i})").wait_for(timeout=30_000)
        page.wait_for_timeout(1500)
        after = page.screenshot(full_page=True)
        (tmp_path / "dashboard-final.png").write_bytes(after)
        narrative_after = page.get_by_text("The last 6 months").locator("..").inner_text()
        aid_value = slider.get_attribute("aria-valuenow")
        browser.close()

    assert _month_ok(narrative_after)
    assert float(aid_value) == 1.0, "the aid slider moved to its maximum"
    assert _changed_fraction(before, after) > 0.02, "the plots did not change"
    assert narrative_after != narrative_before and "Month" in narrative_after


def _month_ok(text: str) -> bool:
    return "Month 12" in text or "Month 11" in text or "Month 10" in text or "Nothing new" not in text
