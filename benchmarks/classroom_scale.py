"""Thirty teams and the projector on this machine: from a submission to every page showing the next turn.

Starts ``escalation classroom --scenario baseline --roles <30 members>`` on 127.0.0.1 (never another
address), opens the instructor's page (the projector) and 30 team pages in one headless Chromium, and
plays ``--turns`` turns with "close when every team has submitted" on: the last team's submission closes
the turn, the model advances, and every page redraws. A sample is one (turn, page) pair: the time from
the last submission's click until that page shows the next month. The goal (issue 21): p95 <= 500 ms.

    python benchmarks/classroom_scale.py [--teams 30] [--turns 3] [--time-limit 600] [--server]

``--server`` measures only the server's share, without a browser: the Python work of redrawing 30 team
pages and the projector (Solara's render, headless) when a turn opens and closes.

Bounded: at most ``--teams`` pages, ``--turns`` turns and ``--time-limit`` seconds (it stops by itself).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.test_browser import FLAGS
from tests.test_classroom_browser import start_classroom, stop

GOAL_MS = 500.0


def server_only(teams: int, turns: int) -> list[float]:
    """Milliseconds of server work per turn close: the room's close and every page's redraw (headless)."""
    import solara

    from simulation import classroom_app as ca
    from simulation.model import EscalationModel
    from simulation.runner.classroom import Session

    codes = [a.iso3 for a in EscalationModel("baseline", rng=1).member_agents][:teams]
    with tempfile.TemporaryDirectory() as tmp:
        room = Session("baseline", Path(tmp), turn_months=1)
        room.choose_roles(room.secret, codes)
        tokens = [room.join(room.code, c, c) for c in codes]
        ca.ROOM = room

        @solara.component
        def Team(token: str, epoch: int) -> None:  # noqa: N802 - a Solara component
            view = room.team_view(token)
            solara.Markdown(f"# {view['name']} · turn {view['turn']} · month {view['month']}")
            ca.DecisionForm(room, token, view)

        @solara.component
        def Projector(version: int) -> None:  # noqa: N802 - a Solara component
            ca.Projector(room, version)

        pages = [solara.render(Team(t, room.epoch), handle_error=False)[1] for t in tokens]
        projector = solara.render(Projector(room.version), handle_error=False)[1]
        out = []
        for turn in range(1, turns + 1):
            room.open_turn(room.secret)
            for rc, t in zip(pages, tokens, strict=True):
                rc.render(Team(t, room.epoch))
            for t in tokens:
                room.submit(t, turn, {"lethal": 0.5})
            t0 = time.perf_counter()
            room.close_turn(room.secret)
            for rc, t in zip(pages, tokens, strict=True):
                rc.render(Team(t, room.epoch))
            projector.render(Projector(room.version))
            out.append((time.perf_counter() - t0) * 1000.0)
            print(f"turn {turn}: close + {teams} team pages + projector redrawn in {out[-1]:.0f} ms", flush=True)
        return out


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; print the samples' p50, p95 and max, and the ratio of p95 to the goal."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--teams", type=int, default=30)
    ap.add_argument("--turns", type=int, default=3)
    ap.add_argument("--time-limit", type=float, default=600.0)
    ap.add_argument("--server", action="store_true", help="the server's share only (no browser)")
    args = ap.parse_args(argv)
    if args.server:
        work = sorted(server_only(args.teams, args.turns))
        print(
            f"server work per turn close: median {statistics.median(work):.0f} ms, max {work[-1]:.0f} ms; "
            f"max / goal ({GOAL_MS:.0f} ms) = {work[-1] / GOAL_MS:.2f}"
        )
        return 0
    from playwright.sync_api import sync_playwright

    from simulation.model import EscalationModel

    codes = [a.iso3 for a in EscalationModel("baseline", rng=1).member_agents][: args.teams]
    started = time.monotonic()
    samples: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        proc, info = start_classroom(
            Path(tmp),
            "--scenario",
            "baseline",
            "--turn-months",
            "1",
            "--out",
            f"{tmp}/room",
            "--roles",
            ",".join(codes),
        )
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)
                inst = browser.new_page(viewport={"width": 1400, "height": 1400})
                inst.goto(info["instructor"])
                inst.get_by_role("button", name="Open turn 1").wait_for(timeout=120_000)
                inst.get_by_text("close when every team has submitted").click()
                teams = []
                for _code in codes:
                    page = browser.new_page(viewport={"width": 700, "height": 900})
                    page.goto(info["join"])
                    page.get_by_label("room code").fill(info["code"])
                    page.locator("button", has_text="Join as").first.click()
                    page.get_by_text("Waiting for the instructor").wait_for(timeout=60_000)
                    teams.append(page)
                print(f"{len(teams)} teams joined in {time.monotonic() - started:.0f} s", flush=True)
                for turn in range(1, args.turns + 1):
                    if time.monotonic() - started > args.time_limit:
                        print("time limit reached", flush=True)
                        break
                    inst.get_by_role("button", name=f"Open turn {turn}").click()
                    buttons = [p.get_by_role("button", name=f"Submit turn {turn}") for p in teams]
                    for b in buttons:
                        b.wait_for(timeout=60_000)
                    for b in buttons[:-1]:
                        b.click()
                    for p in teams[:-1]:
                        p.get_by_text("Submitted: you may revise").wait_for(timeout=60_000)
                    t0 = time.perf_counter()
                    buttons[-1].click()  # the last submission closes the turn
                    pending = [(inst, f"Turn {turn} · month {turn} · turn closed")] + [
                        (p, f"turn {turn} · month {turn}") for p in teams
                    ]
                    for page, text in pending:
                        page.get_by_text(text, exact=False).first.wait_for(timeout=60_000)
                        samples.append((time.perf_counter() - t0) * 1000.0)
                    print(f"turn {turn}: every page shows month {turn} after {samples[-1]:.0f} ms", flush=True)
                browser.close()
        finally:
            stop(proc)
    if not samples:
        print("no samples")
        return 1
    ordered = sorted(samples)
    p95 = ordered[max(0, round(0.95 * len(ordered)) - 1)]
    print(
        f"{len(samples)} samples ({args.teams} teams + projector, {args.turns} turns): "
        f"p50 {statistics.median(ordered):.0f} ms, p95 {p95:.0f} ms, max {ordered[-1]:.0f} ms; "
        f"p95 / goal ({GOAL_MS:.0f} ms) = {p95 / GOAL_MS:.2f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
