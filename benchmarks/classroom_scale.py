"""Thirty teams and the projector on a 2-core laptop: from a submission to every page showing the next turn.

Starts ``escalation classroom --scenario baseline --roles <30 members> --turn-months 1`` on 127.0.0.1
(never another address) and plays ``--turns`` turns with "close when every team has submitted" on: the
last team's submission closes the turn, the model advances a month, and every page redraws. A sample is
one (turn, page) pair: the time from sending the last team's submission until that page shows the next
month. The goal (issue 21): p95 <= 500 ms. The line printed is (one line)

    93 samples (30 teams + projector, 3 turns): p50 N ms, p95 N ms, max N ms; p95 / goal (500 ms) = R;
    server peak memory N MB

By default the measurement is the class's situation: the laptop runs the server and the projector,
each team's page runs on the team's own device. The projector is a real page (headless Chromium on
this machine), whose instructor controls open the turns; the 30 teams are websocket clients that speak
the page's own protocol (the Jupyter widget messages Solara's front end sends, as
``benchmarks/dashboard_load.py`` does): each loads ``/join``, types the room code (the text field's
``v_model`` and its ``focusout``), presses "Join as ..." and, each turn, "Submit turn N" (ipyvue
``click`` events). A team's sample ends when the server's message that shows "turn N · month N" reaches
it (the client draws nothing, as a team's own device would draw it on its own cores); the projector's
when the text is in its page (a MutationObserver's clock). The clients share this machine with the
server: their own CPU time is printed after the line, and each turn's line gives the server's CPU time
from the last submission until every page showed the turn (a latency alone does not say whose it is).

    python benchmarks/classroom_scale.py [--teams 30] [--turns 3] [--time-limit 600] [--browser | --server]

``--browser`` opens the 30 team pages in the same headless Chromium as the projector (Playwright clicks):
31 renderers share the laptop's 2 cores, which is not the goal's situation (a team's page draws on the
team's device), so its p95 is the laptop's rendering, not the server's latency.

``--server`` measures only the server's Python share, without a browser or a websocket: the work of
closing a turn and redrawing 30 team pages and the projector (Solara's render, headless).

Bounded: at most ``--teams`` clients (at most 100), ``--turns`` turns and ``--time-limit`` seconds (it
stops by itself); the server's process group is killed at the end, on an error too.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.dashboard_load import _decode, _message, _sampler
from tests.test_browser import CHROMIUM, FLAGS
from tests.test_classroom_browser import start_classroom, stop

GOAL_MS = 500.0
MAX_TEAMS = 100
#: Seconds any one step (a page load, a join, a redraw) may take before the run gives up.
STEP_TIMEOUT = 120.0
#: Records, in the projector's page, when a watched text first appears (Date.now(), ms since the epoch):
#: the sample's end is the page's own clock, not the time Playwright's next poll happens to look.
WATCHER = """() => {
  window.__seen = {};
  new MutationObserver(() => {
    for (const t in window.__seen)
      if (window.__seen[t] === null && document.body.textContent.includes(t)) window.__seen[t] = Date.now();
  }).observe(document.body, {subtree: true, childList: true, characterData: true, attributes: true});
}"""


def _start(tmp: str, roles: list[str]) -> tuple[Any, dict[str, str]]:
    """``escalation classroom`` on 127.0.0.1 for ``roles`` (this checkout's code); (process, its URLs)."""
    args = ("--scenario", "baseline", "--turn-months", "1", "--out", f"{tmp}/room", "--roles", ",".join(roles))
    return start_classroom(Path(tmp), *args)


def _members(teams: int) -> dict[str, str]:
    """The first ``teams`` members of the baseline scenario: ISO3 code -> the name its Join button shows."""
    from simulation.model import EscalationModel

    return {a.iso3: a.spec.name for a in EscalationModel("baseline", rng=1).member_agents[:teams]}


def _strings(state: dict[str, Any]) -> Iterator[str]:
    """The texts of a widget's state: its string traits and string children (a Markdown's HTML, a label)."""
    for value in state.values():
        if isinstance(value, str):
            yield value
        elif isinstance(value, list):
            yield from (v for v in value if isinstance(v, str))


class Team:
    """One team's device: a websocket client that loads /join, joins its role and submits each turn.

    It keeps every widget's state as the server sends it (``comm_open``, then ``update``) and, for the
    texts in ``watch``, the arrival time of the message that first showed each one.
    """

    def __init__(self, base: str, role: str, name: str) -> None:
        self.base, self.role, self.name = base, role, name
        self.session = uuid.uuid4().hex
        self.widgets: dict[str, dict[str, Any]] = {}
        self.watch: dict[str, float | None] = {}
        self.changed = asyncio.Event()
        self.finished = asyncio.Event()
        self.ws: Any = None
        self.listener: asyncio.Task | None = None

    async def listen(self) -> None:
        """Apply what the server sends to the widgets' states; stamp the watched texts as they appear."""
        async for raw in self.ws:
            at = time.perf_counter()  # before decoding: the client's own parsing is not the server's latency
            msg = _decode(raw)
            kind, content = msg.get("msg_type") or msg["header"]["msg_type"], msg.get("content", {})
            state: dict[str, Any] | None = None
            if kind == "comm_open":
                state = dict(content.get("data", {}).get("state", {}))
                self.widgets[content["comm_id"]] = state
            elif kind == "comm_msg":
                data = content.get("data", {})
                if data.get("method") == "finished":
                    self.finished.set()
                state = data.get("state") if data.get("method") == "update" else None
                if state is not None:
                    self.widgets.setdefault(content["comm_id"], {}).update(state)
            elif kind == "comm_close":
                self.widgets.pop(content.get("comm_id"), None)
            for text, seen in self.watch.items():
                if seen is None and state is not None and any(text in s for s in _strings(state)):
                    self.watch[text] = at
            self.changed.set()

    async def until(self, test: Callable[[], Any], timeout: float = STEP_TIMEOUT) -> Any:
        """Wait until ``test()`` is truthy on the widgets' states (re-checked on every message); its value."""
        try:
            async with asyncio.timeout(timeout):
                while not (value := test()):
                    self.changed.clear()  # no other task runs between test() and clear(): no message is missed
                    await self.changed.wait()
                    if self.listener is not None and self.listener.done():
                        self.listener.result()  # the connection closed or failed: say why
                return value
        except TimeoutError:  # a stuck page, not the run's time limit
            said = sorted({s for w in self.widgets.values() for s in _strings(w) if "urn" in s and len(s) < 120})
            raise RuntimeError(
                f"team {self.role}: the page did not change as expected in {timeout:.0f} s: {said}"
            ) from None

    def shows(self, text: str) -> bool:
        """Whether a widget of the page holds ``text``."""
        return any(text in s for w in self.widgets.values() for s in _strings(w))

    def widget(self, model: str, test: Callable[[dict[str, Any]], bool]) -> str | None:
        """The comm id of a widget of Vue model ``model`` whose state passes ``test`` (None if none)."""
        return next((c for c, w in self.widgets.items() if w.get("_model_name") == model and test(w)), None)

    def button(self, label: str, enabled: bool = True) -> str | None:
        """The comm id of the button that reads ``label`` (and is enabled, unless ``enabled=False``)."""
        return self.widget("BtnModel", lambda w: w.get("children") == [label] and not (enabled and w.get("disabled")))

    async def send(self, comm_id: str, data: dict[str, Any]) -> None:
        """A ``comm_msg`` to a widget, as the page's front end sends it."""
        await self.ws.send(_message("comm_msg", {"comm_id": comm_id, "data": data}, self.session))

    async def event(self, comm_id: str, name: str) -> None:
        """An ipyvue event (``click``, ``focusout``); the browser's event details are not read by the handlers."""
        await self.send(comm_id, {"method": "custom", "content": {"event": name, "data": {}}})

    async def load(self, path: str) -> None:
        """Load a page as a browser does: GET it (the session cookie), open the kernel's websocket, run the app."""
        import websockets

        def get() -> str:
            with urllib.request.urlopen(self.base + path, timeout=STEP_TIMEOUT) as r:
                return "; ".join(c.split(";", 1)[0] for c in r.headers.get_all("Set-Cookie") or [])

        cookie = await asyncio.to_thread(get)  # its own cookie: the join rate limit is per browser
        host = self.base.split("://", 1)[1]
        url = f"ws://{host}/jupyter/api/kernels/{uuid.uuid4()}/channels?session_id={uuid.uuid4()}"
        self.ws = await websockets.connect(url, additional_headers={"Cookie": cookie}, max_size=2**26)
        self.listener = asyncio.create_task(self.listen())
        control = uuid.uuid4().hex
        opened = {"comm_id": control, "target_name": "solara.control", "data": {}}
        await self.ws.send(_message("comm_open", opened, self.session))
        run = {"method": "run", "args": {"path": path, "dark": False, "themes": {}, "appName": None}}
        await self.send(control, run)
        await self.until(self.finished.is_set)

    async def join(self, code: str) -> None:
        """Type the room code, press "Join as <name>", and wait for the team page."""
        field = await self.until(lambda: self.widget("TextFieldModel", lambda w: w.get("label") == "room code"))
        join = await self.until(lambda: self.button(f"Join as {self.name}"))
        await self.send(field, {"method": "update", "state": {"v_model": code}, "buffer_paths": []})
        await self.event(field, "focusout")  # the field hands its value to the page on focusout, as in a browser
        await self.event(join, "click")
        await self.until(lambda: self.shows("Waiting for the instructor"))

    async def submit(self, turn: int) -> None:
        """Press "Submit turn N" (once it is enabled) and wait for the page's confirmation."""
        button = await self.until(lambda: self.button(f"Submit turn {turn}"))
        self.watch["Submitted: you may revise"] = None  # a new confirmation, not the last turn's
        await self.event(button, "click")
        await self.until(lambda: self.watch["Submitted: you may revise"] is not None)

    async def close(self) -> None:
        """Close the websocket (the server frees the page's kernel)."""
        if self.listener is not None:
            self.listener.cancel()
        if self.ws is not None:
            await self.ws.close()


def _tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) used so far by a process and its descendants (Linux /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    parent: dict[int, int] = {}
    used: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            parent[int(entry.name)] = int(fields[1])
            used[int(entry.name)] = (int(fields[11]) + int(fields[12])) / tick  # utime, stime
    total, todo = 0.0, [pid]
    while todo:
        p = todo.pop()
        total += used.get(p, 0.0)
        todo += [c for c, pp in parent.items() if pp == p]
    return total


async def _play(info: dict[str, str], members: dict[str, str], turns: int, samples: list[float], server: int) -> None:
    """The projector in Chromium, the teams over websockets; ``samples`` gets each turn's (ms) as it closes.

    ``server`` is the server's process id: its CPU time from the last submission until every page shows
    the turn is printed with the turn (a latency alone does not say whether the server or the machine's
    other work took the time).
    """
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM or "/usr/bin/chromium", args=FLAGS)
        teams: list[Team] = []
        try:
            inst = await browser.new_page(viewport={"width": 1400, "height": 1400})
            await inst.goto(info["instructor"])
            await inst.get_by_role("button", name="Open turn 1").wait_for(timeout=STEP_TIMEOUT * 1000)
            await inst.get_by_text("close when every team has submitted").click()
            await inst.evaluate(WATCHER)
            started = time.monotonic()
            for role, name in members.items():  # one after another: the Join buttons relabel as roles are taken
                team = Team(info["base"], role, name)
                teams.append(team)
                await team.load("/join")
                await team.join(info["code"])
            print(f"{len(teams)} teams joined over websockets in {time.monotonic() - started:.0f} s", flush=True)
            for turn in range(1, turns + 1):
                await inst.get_by_role("button", name=f"Open turn {turn}").click()
                await asyncio.gather(*(t.submit(turn) for t in teams[:-1]))
                if len(teams) > 1:  # the projector's chips: the server has every submission but the last
                    chip = inst.locator(".team-chip.submitted").nth(len(teams) - 2)
                    await chip.wait_for(timeout=STEP_TIMEOUT * 1000)
                shown, headline = f"turn {turn} · month {turn}", f"Turn {turn} · month {turn} · turn closed"
                await inst.evaluate("t => { window.__seen[t] = null; }", headline)
                for t in teams:
                    t.watch[shown] = None
                last = teams[-1]
                button = await last.until(lambda: last.button(f"Submit turn {turn}"))  # noqa: B023 - awaited here
                cpu0, t0, wall0 = _tree_cpu(server), time.perf_counter(), time.time()
                await last.event(button, "click")  # the last submission closes the turn
                ends = await asyncio.gather(*(t.until(lambda t=t: t.watch[shown]) for t in teams))  # noqa: B023
                seen = await inst.wait_for_function("t => window.__seen[t]", arg=headline, timeout=STEP_TIMEOUT * 1000)
                turn_samples = [(e - t0) * 1000.0 for e in ends] + [await seen.json_value() - wall0 * 1000.0]
                cpu = (_tree_cpu(server) - cpu0) * 1000.0
                samples += turn_samples
                print(
                    f"turn {turn}: every page shows month {turn} after {max(turn_samples):.0f} ms "
                    f"(the server's CPU meanwhile: {cpu:.0f} ms)",
                    flush=True,
                )
        finally:
            await asyncio.gather(*(t.close() for t in teams), return_exceptions=True)
            await browser.close()


def websocket_room(teams: int, turns: int, time_limit: float) -> tuple[list[float], int]:
    """Play ``turns`` turns with ``teams`` websocket teams and the projector in Chromium.

    Returns:
        The samples in milliseconds (per turn: each team, then the projector) and the server's peak
        resident memory in bytes. A run cut by ``time_limit`` returns the turns it completed.
    """
    if not 1 <= teams <= MAX_TEAMS:
        raise ValueError(f"teams: {teams} is not allowed; 1 to {MAX_TEAMS}")
    members = _members(teams)
    samples: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        proc, info = _start(tmp, list(members))
        peak, done = _sampler(proc.pid)
        try:
            asyncio.run(asyncio.wait_for(_play(info, members, turns, samples, proc.pid), time_limit))
        except TimeoutError:
            print("time limit reached", flush=True)
        finally:
            done.set()
            stop(proc)
    return samples, peak[0]


def browser_room(teams: int, turns: int, time_limit: float) -> tuple[list[float], int]:
    """The projector and ``teams`` team pages in one headless Chromium (Playwright clicks); samples in ms, peak bytes.

    Not the goal's situation: the 31 pages' rendering shares this machine's cores.
    """
    from playwright.sync_api import sync_playwright

    codes = list(_members(teams))
    started = time.monotonic()
    samples: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        proc, info = _start(tmp, codes)
        peak, done = _sampler(proc.pid)
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM or "/usr/bin/chromium", args=FLAGS)
                inst = browser.new_page(viewport={"width": 1400, "height": 1400})
                inst.goto(info["instructor"])
                inst.get_by_role("button", name="Open turn 1").wait_for(timeout=120_000)
                inst.get_by_text("close when every team has submitted").click()
                pages = []
                for _code in codes:
                    page = browser.new_page(viewport={"width": 700, "height": 900})
                    page.goto(info["join"])
                    page.get_by_label("room code").fill(info["code"])
                    page.locator("button", has_text="Join as").first.click()
                    page.get_by_text("Waiting for the instructor").wait_for(timeout=60_000)
                    pages.append(page)
                print(f"{len(pages)} teams joined in {time.monotonic() - started:.0f} s", flush=True)
                for turn in range(1, turns + 1):
                    if time.monotonic() - started > time_limit:
                        print("time limit reached", flush=True)
                        break
                    inst.get_by_role("button", name=f"Open turn {turn}").click()
                    buttons = [p.get_by_role("button", name=f"Submit turn {turn}") for p in pages]
                    for b in buttons:
                        b.wait_for(timeout=60_000)
                    for b in buttons[:-1]:
                        b.click()
                    for p in pages[:-1]:
                        p.get_by_text("Submitted: you may revise").wait_for(timeout=60_000)
                    t0 = time.perf_counter()
                    buttons[-1].click()  # the last submission closes the turn
                    pending = [(inst, f"Turn {turn} · month {turn} · turn closed")] + [
                        (p, f"turn {turn} · month {turn}") for p in pages
                    ]
                    for page, text in pending:
                        page.get_by_text(text, exact=False).first.wait_for(timeout=60_000)
                        samples.append((time.perf_counter() - t0) * 1000.0)
                    print(f"turn {turn}: every page shows month {turn} after {samples[-1]:.0f} ms", flush=True)
                browser.close()
        finally:
            done.set()
            stop(proc)
    return samples, peak[0]


def server_only(teams: int, turns: int) -> list[float]:
    """Milliseconds of server work per turn close: the room's close and every page's redraw (headless).

    A team page is a stand-in for TeamPage: its heading and its form (TeamPage itself would redraw in a
    thread of its own, use_room's, out of this loop's timing).
    """
    import solara

    from simulation import classroom_app as ca
    from simulation.runner.classroom import Session

    codes = list(_members(teams))
    with tempfile.TemporaryDirectory() as tmp:
        room = Session("baseline", Path(tmp), turn_months=1)
        room.choose_roles(room.secret, codes)
        tokens = [room.join(room.code, c, c) for c in codes]
        ca.ROOM = room

        @solara.component
        def Team(token: str, epoch: int) -> None:  # noqa: N802 - a Solara component
            view = room.team_view(token)
            ca.LiveMarkdown(f"# {view['name']} · turn {view['turn']} · month {view['month']}")  # as TeamPage
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


def summary(samples: list[float], teams: int, turns: int, peak: int | None = None) -> str:
    """The benchmark's line: the samples' p50, p95 (nearest rank) and max, p95 against the goal, the peak memory."""
    ordered = sorted(samples)
    p95 = ordered[max(0, round(0.95 * len(ordered)) - 1)]
    line = (
        f"{len(samples)} samples ({teams} teams + projector, {turns} turns): "
        f"p50 {statistics.median(ordered):.0f} ms, p95 {p95:.0f} ms, max {ordered[-1]:.0f} ms; "
        f"p95 / goal ({GOAL_MS:.0f} ms) = {p95 / GOAL_MS:.2f}"
    )
    return line if peak is None else f"{line}; server peak memory {peak / 2**20:.0f} MB"


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; print the samples' p50, p95 and max, and the ratio of p95 to the goal."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--teams", type=int, default=30)
    ap.add_argument("--turns", type=int, default=3)
    ap.add_argument("--time-limit", type=float, default=600.0, help="stop after this many seconds (default 600)")
    mode = ap.add_mutually_exclusive_group()
    mode.add_argument("--browser", action="store_true", help="the team pages in this machine's Chromium too")
    mode.add_argument("--server", action="store_true", help="the server's Python share only (no browser)")
    args = ap.parse_args(argv)
    if not 1 <= args.teams <= MAX_TEAMS:
        ap.error(f"--teams: 1 to {MAX_TEAMS}")
    if args.turns < 1:
        ap.error("--turns: at least 1")
    if args.server:
        work = sorted(server_only(args.teams, args.turns))
        print(
            f"server work per turn close: median {statistics.median(work):.0f} ms, max {work[-1]:.0f} ms; "
            f"max / goal ({GOAL_MS:.0f} ms) = {work[-1] / GOAL_MS:.2f}"
        )
        return 0
    cpu, wall = time.process_time(), time.monotonic()
    room = browser_room if args.browser else websocket_room
    samples, peak = room(args.teams, args.turns, args.time_limit)
    if not samples:
        print("no samples")
        return 1
    print(summary(samples, args.teams, len(samples) // (args.teams + 1), peak))
    if not args.browser:
        print(
            f"(the {args.teams} clients and Playwright's side, in this process: {time.process_time() - cpu:.1f} s "
            f"of CPU in {time.monotonic() - wall:.0f} s)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
