"""The classroom wargame in a real browser: the instructor's page and three team pages play three turns.

`escalation classroom` runs as a subprocess on 127.0.0.1; Playwright drives Debian's Chromium headless
(the skip and CI rules of tests/test_browser.py apply).
"""

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pandas as pd
import pytest

from tests.test_browser import FLAGS, _chromium, _free_port

ROLES = {"USA": "United States", "POL": "Poland", "EST": "Estonia"}


#: This checkout: the server runs in a temporary folder, where Python would import the installed
#: package, which may be another checkout's (an editable install shared by worktrees).
ROOT = Path(__file__).resolve().parents[1]


def start_classroom(tmp_path: Path, *extra: str) -> tuple[subprocess.Popen, dict[str, str]]:
    """Start `escalation classroom` (this checkout's code) on a free port; return the process and what it printed."""
    port = _free_port()
    log = tmp_path / "server.log"
    out = log.open("wb")
    path = os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])
    proc = subprocess.Popen(
        [sys.executable, "-m", "simulation.cli", "classroom", "--port", str(port), *extra],
        stdout=out,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": path},
    )
    deadline = time.monotonic() + 90
    base = f"http://127.0.0.1:{port}"
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(base + "/join", timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            time.sleep(0.3)
    else:
        os.killpg(proc.pid, signal.SIGKILL)
        pytest.fail(f"escalation classroom did not answer on {base}: {log.read_text()[:4000]}")
    text = log.read_text()
    info = {
        "base": base,
        "instructor": re.search(r"^instructor .*?: (http\S+)$", text, re.M).group(1),
        "join": re.search(r"^join: (http\S+)$", text, re.M).group(1),
        "code": re.search(r"^room code: (\S+)$", text, re.M).group(1),
    }
    return proc, info


def stop(proc: subprocess.Popen) -> None:
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)


@pytest.fixture(scope="module")
def classroom(tmp_path_factory):
    """One server for the module (the URL test only reads what it printed)."""
    pytest.importorskip("solara")
    tmp_path = tmp_path_factory.mktemp("classroom")
    proc, info = start_classroom(tmp_path, "--out", str(tmp_path / "room"), "--roles", ",".join(ROLES))
    yield info, tmp_path / "room"
    stop(proc)


def test_the_cli_prints_the_urls_and_the_room_code(classroom):
    info, _ = classroom
    assert info["instructor"].startswith("http://127.0.0.1:") and "/?key=" in info["instructor"]
    assert info["join"] == info["base"] + "/join"
    assert re.fullmatch(r"[A-Z2-9]{4}", info["code"])


def test_three_teams_play_three_turns(classroom, tmp_path):
    chromium = _chromium()
    sync_api = pytest.importorskip("playwright.sync_api")
    info, folder = classroom
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=FLAGS)
        inst = browser.new_page(viewport={"width": 1400, "height": 1400})
        inst.goto(info["instructor"])
        inst.get_by_role("button", name="Open turn 1").wait_for(timeout=60_000)

        # the projector without the secret shows no control
        guest = browser.new_page()
        guest.goto(info["base"] + "/")
        guest.get_by_text("Students: open /join").wait_for(timeout=60_000)
        assert guest.get_by_role("button", name="Open turn 1").count() == 0
        guest.close()

        teams = {}
        for code, name in ROLES.items():
            page = browser.new_page(viewport={"width": 800, "height": 1200})
            page.goto(info["join"])
            page.get_by_label("room code").fill(info["code"])
            page.get_by_role("button", name=f"Join as {name}").click()
            page.get_by_text("Waiting for the instructor").wait_for(timeout=30_000)
            assert "/team?t=" in page.url
            teams[code] = page
        inst.get_by_text("United States", exact=True).wait_for(timeout=30_000)  # joined: the chip lost its note

        for turn in (1, 2, 3):
            inst.get_by_role("button", name=f"Open turn {turn}").click()
            for code, page in teams.items():
                submit = page.get_by_role("button", name=f"Submit turn {turn}")
                submit.wait_for(timeout=30_000)
                if code == "POL" and turn == 1:  # Poland sends all of its weapons capacity
                    page.get_by_role("slider").first.focus()
                    page.keyboard.press("End")
                    page.get_by_text("Lethal aid (weapons, ammunition): 1.00").wait_for(timeout=10_000)
                if code == "EST" and turn == 2:
                    continue  # Estonia is silent this turn: the model decides for it
                submit.click()
                page.get_by_text("Submitted: you may revise").wait_for(timeout=30_000)
            submitted = 3 if turn != 2 else 2
            inst.locator(".team-chip.submitted").nth(submitted - 1).wait_for(timeout=30_000)
            assert inst.locator(".team-chip.submitted").count() == submitted, "the projector shows who, not what"
            inst.get_by_role("button", name="Close turn").click()
            for page in teams.values():
                page.get_by_text(f"turn {turn} · month {3 * turn}").wait_for(timeout=30_000)
                page.get_by_text("Waiting for the instructor").wait_for(timeout=30_000)
            inst.get_by_text(f"Turn {turn} · month {3 * turn} · turn closed").wait_for(timeout=30_000)
        (tmp_path / "projector.png").write_bytes(inst.screenshot(full_page=True))
        assert inst.locator(".vega-embed svg").count() >= 2, "the charts are drawn in the browser"

        debrief = browser.new_page(viewport={"width": 1400, "height": 1400})
        debrief.goto(info["instructor"].replace("/?key=", "/debrief?key="))
        debrief.get_by_text("Debrief: classroom, 3 turns").wait_for(timeout=60_000)
        debrief.wait_for_timeout(2000)
        (tmp_path / "debrief.png").write_bytes(debrief.screenshot(full_page=True))
        debrief.get_by_role("button", name="Export the session (Parquet and CSV)").click()
        debrief.get_by_text("decisions.parquet", exact=False).first.wait_for(timeout=30_000)
        browser.close()

    saved = json.loads((folder / "session.json").read_text())
    assert [t["turn"] for t in saved["turns"]] == [1, 2, 3]
    assert saved["turns"][0]["decisions"]["POL"]["lethal"] == 1.0
    assert "EST" not in saved["turns"][1]["decisions"], "the silent team fell back to the model"
    dec = pd.read_parquet(folder / "export" / "decisions.parquet")
    assert set(dec["role"]) == set(ROLES) and dec["turn"].max() == 3
