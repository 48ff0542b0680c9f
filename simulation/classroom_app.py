"""The classroom wargame's pages: the instructor's projector view, /join, the team page and the debrief (issue 21).

    escalation classroom [--scenario NAME] [--host H] [--port P] [--turn-months N] [--seed N] [--resume DIR]

starts ``solara run simulation.classroom_app`` with the room's configuration in its environment. Every
browser connection gets its own Solara session; the room they share is one server-side
:class:`simulation.runner.classroom.Session` (:func:`room`), thread-safe, whose changes each page waits
for in a thread of its own (:func:`use_room`): a page redraws when the room changes, not on a timer.

- ``/?key=SECRET`` the instructor: the roles, the turn's controls, the projector view (who has
  submitted, not what; the ladder, the map, the narrative). Without the secret the page shows no control.
- ``/join``: a team enters the room code and picks its role; it is sent to ``/team?t=TOKEN``.
- ``/team?t=TOKEN``: what that government knows and its decisions for the turn.
- ``/debrief?key=SECRET``: the class's run beside the model alone (same seed) and, for the history
  scenario, what happened; each team's decisions over time; the export (Parquet and CSV).

Charts are Vega-Lite specs drawn in the browser (plain dicts: Altair's objects cost more to build than a
page); Solara serves the Vega scripts from its own assets, so nothing is fetched at run time.
"""

from __future__ import annotations

import contextlib
import datetime
import functools
import json
import os
import textwrap
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pandas as pd
import solara
import solara.widgets
import traitlets

from simulation.analysis.observed import HISTORY_START, observed_monthly
from simulation.directives import AID_CATEGORIES, INTENSITY_RANGE, RANGES
from simulation.runner.classroom import ClassroomError, Session

__all__ = ["DebriefPage", "InstructorPage", "JoinPage", "Layout", "TeamPage", "room", "routes", "start_timer"]

#: Where the command line puts the room's configuration for this server process.
ENV = "ESCALATION_CLASSROOM_"
#: How often the timer thread looks at the turn's deadline (seconds).
TICK = 0.5
#: A page's watcher wakes at least this often to notice that its page has closed (seconds).
WAKE = 5.0
LABELS = {
    "lethal": "Lethal aid (weapons, ammunition)",
    "nonlethal": "Non-lethal aid (vehicles, fuel, medical)",
    "training": "Training of Ukrainian forces",
    "posture": "Force posture on the alliance's eastern flank",
    "signal": "Ambiguity of your signal to Russia (0 clear red lines, 1 deliberately vague)",
    "intensity": "Russia's escalation intensity against the alliance (0 none, 1 all-out)",
}
HELP = {
    "lethal": "Share of what your government can give to weapons this month (0 nothing, 1 all of it).",
    "nonlethal": "Share of what your government can give to non-lethal aid.",
    "training": "Share of what your government can give to training.",
    "posture": "0: standing forces only, 1: full mobilisation of your forces.",
    "signal": "Clear red lines make deterrence more credible, and leave Russia less room to save face.",
    "intensity": "The rung of the ladder follows it (with hysteresis); your committed force follows it too.",
}

ROOM: Session | None = None
_ROOM_LOCK = threading.Lock()


def room() -> Session:
    """The server's room: built once from the command line's environment (a new room, or a resumed one)."""
    global ROOM
    with _ROOM_LOCK:
        if ROOM is None:
            folder = Path(os.environ.get(ENV + "DIR", "classroom"))
            if os.environ.get(ENV + "RESUME"):
                ROOM = Session.resume(folder)
            else:
                ROOM = Session(
                    os.environ.get(ENV + "SCENARIO", "classroom"),
                    folder,
                    seed=int(os.environ.get(ENV + "SEED", "1")),
                    turn_months=int(os.environ.get(ENV + "TURN_MONTHS", "3")),
                    code=os.environ.get(ENV + "CODE") or None,
                )
                ROOM.save()
            if os.environ.get(ENV + "SECRET"):
                ROOM.secret = os.environ[ENV + "SECRET"]
            roles = [r.strip().upper() for r in os.environ.get(ENV + "ROLES", "").split(",") if r.strip()]
            if roles and ROOM.phase == "setup":
                ROOM.choose_roles(ROOM.secret, roles)
            start_timer(ROOM)
        return ROOM


def start_timer(session: Session) -> threading.Thread:
    """A daemon thread that closes a turn when its timer runs out (a silent team never stalls the turn)."""

    def loop() -> None:
        while True:
            with contextlib.suppress(Exception):  # a failed close is retried at the next tick; the thread lives on
                session.tick()
            time.sleep(TICK)

    t = threading.Thread(target=loop, name="classroom-timer", daemon=True)
    t.start()
    return t


def use_room(what: str = "version") -> tuple[Session, int]:
    """The room and its ``version`` (or ``epoch``: a team's page ignores other teams' submissions).

    The calling page redraws whenever that changes: a thread of its own waits for the room's change.
    """
    r = room()
    version, set_version = solara.use_state(getattr(r, what))

    def watch(cancel: threading.Event) -> None:
        seen = getattr(r, what)
        set_version(seen)
        while not cancel.is_set():
            now = r.wait(seen, WAKE, what)
            if now != seen:
                seen = now
                set_version(now)

    solara.use_thread(watch, dependencies=[], intrusive_cancel=False)
    return r, version


def _query(name: str) -> str:
    """A query parameter of the page's URL (empty if absent)."""
    search = solara.use_router().search or ""
    values = parse_qs(search).get(name) or [""]
    return values[0]


def _client() -> str:
    try:
        return solara.get_session_id()
    except Exception:  # outside a browser session (headless tests): one shared client
        return "local"


CSS = """
.classroom { font-size: 18px; }
.classroom h1 { font-size: 2.2em; }
.room-code { font-size: 3em; font-weight: bold; letter-spacing: 0.2em; }
.team-chip { display: inline-block; padding: 6px 14px; margin: 4px; border-radius: 16px; border: 2px solid #0072B2; }
.team-chip.submitted { background: #009E73; color: white; border-color: #009E73; }
.team-chip.absent { border-style: dashed; color: #777; }
.error-line { color: #b00020; font-weight: bold; }
"""

#: The classes of the element Solara's Markdown draws into (its styles come with them).
MARKDOWN_CLASSES = ["solara-markdown", "rendered_html", "jp-RenderedHTMLCommon"]
_MARKDOWN_LOCK = threading.Lock()  # a Markdown converter is not thread-safe, and every page has a thread


@functools.cache
def _markdown_converter() -> Any:
    """A converter with the extensions of Solara's Markdown (the same HTML for the same text)."""
    import markdown
    import pymdownx.emoji
    import pymdownx.superfences

    return markdown.Markdown(
        extensions=["pymdownx.highlight", "pymdownx.superfences", "pymdownx.emoji", "toc", "tables"],
        extension_configs={
            "pymdownx.emoji": {"emoji_index": pymdownx.emoji.emojione},
            "pymdownx.superfences": {
                "custom_fences": [
                    {"name": "mermaid", "class": "mermaid", "format": pymdownx.superfences.fence_div_format}
                ]
            },
        },
    )


@functools.lru_cache(maxsize=1024)
def markdown_html(text: str) -> str:
    """The HTML Solara's Markdown shows for ``text`` (converted once per text: thirty pages show the same)."""
    with _MARKDOWN_LOCK:
        converter = _markdown_converter()
        converter.reset()
        return converter.convert(textwrap.dedent(text))


@solara.component
def LiveMarkdown(text: str) -> None:
    """Markdown that a new render updates in place: the same HTML, in the same classes, as Solara's Markdown.

    Solara's Markdown makes a new widget whenever its text changes: its whole template (some 7 kB with
    the scripts it loads, for KaTeX, Mermaid and links) over the websocket, and a new Vue component in
    the browser. At a turn's close thirty team pages made four each (120 widgets, 0.8 MB); this element
    sends only its new HTML, which about halved the server's CPU time for a close (after the first one;
    benchmarks/classroom_scale.py).
    For the texts that change with the turn, which hold no link, no formula, no diagram (what those
    scripts act on) and no ``{{ }}`` (which a template would evaluate).
    """
    solara.HTML(tag="div", unsafe_innerHTML=markdown_html(text), classes=MARKDOWN_CLASSES)


# ---------------------------------------------------------------------------------------------------
# charts (Vega-Lite, drawn in the browser; small data)
# ---------------------------------------------------------------------------------------------------


def _bundled(name: str, default: str) -> str:
    """The folder of a script Solara serves from its own assets (``vega@5.21.0``), never fetched from a CDN."""
    from solara.server import settings

    found = sorted(p.name for p in Path(settings.assets.proxy_cache_dir).glob(f"{name}@*") if p.is_dir())
    return found[-1] if found else default


@functools.cache
def _vega_template() -> str:
    """Solara's Vega-Lite template, its scripts pointed at the exact versions solara-assets bundles.

    Solara 1.58 asks its CDN path for ``vega@5``; only ``vega@5.21.0`` (etc.) is bundled, and nothing may be
    fetched at run time, so the page names the bundled folders.
    """
    text = Path(solara.widgets.VegaLite.template_file).read_text("utf-8")
    for name, major in (("vega-lite", "5"), ("vega-embed", "6"), ("vega", "5")):
        text = text.replace(f"/{name}@{major}/", f"/{_bundled(name, f'{name}@{major}')}/")
    return text


class VegaChart(solara.widgets.VegaLite):
    """A Vega-Lite chart drawn in the browser from the scripts bundled with Solara."""

    template_file = None
    template = traitlets.Unicode().tag(sync=True)

    @traitlets.default("template")
    def _template(self) -> str:
        return _vega_template()


@solara.component
def Chart(spec: dict[str, Any]) -> None:
    """A Vega-Lite 5 chart (a plain spec: building and validating an Altair chart costs more than the page)."""
    VegaChart.element(spec={"$schema": "https://vega.github.io/schema/vega-lite/v5.json", **spec})


def _values(df: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows for a Vega-Lite ``data.values`` (NaN as null, so that a gap stays a gap)."""
    return json.loads(df.to_json(orient="records"))


def _line_chart(df: pd.DataFrame, y: str, title: str, *, last: int = 12, step: bool = False, height: int = 180) -> dict:
    """Lines of ``y`` over ``month`` (to ``last``), one per ``run`` (the class, the model alone, what happened)."""
    return {
        "data": {"values": _values(df[["month", y, "run"]])},
        "mark": {"type": "line", "point": True, "interpolate": "step-after" if step else "linear"},
        "encoding": {
            "x": {
                "field": "month",
                "type": "quantitative",
                "scale": {"domain": [0, max(last, int(df["month"].max()))]},
            },
            "y": {"field": y, "type": "quantitative", "title": title},
            "color": {"field": "run", "type": "nominal", "title": None, "legend": {"orient": "top"}},
        },
        "width": "container",
        "height": height,
        "title": title,
    }


def rung_frame(session: Session) -> pd.DataFrame:
    """The class's rung by month (and the model alone's, for the debrief)."""
    steps = session.model.step_table()
    return pd.DataFrame({"month": steps["month"], "rung": steps["escalation_rung"], "run": "the class"})


def member_frame(session: Session) -> pd.DataFrame:
    """Members at their capitals (schematic map): resolve, aid, who plays them."""
    m, model = session.model.m, session.model
    played = {c: session.roles[k].name for k in session.played for c in session.roles[k].members}
    rows = []
    for a in model.member_agents:
        lon = a.spec.capital_lon
        rows.append(
            {
                "member": a.spec.name,
                "x": lon if lon > -30 else -26 + (lon + 77) * 0.15,  # North America just across the Atlantic
                "y": a.spec.capital_lat,
                "resolve": round(float(m.resolve[a.index]), 2),
                "aid": round(float(m.aid_total[a.index]), 2),
                "played by": "a team" if a.iso3 in played else "the model",
            }
        )
    return pd.DataFrame(rows)


def map_chart(session: Session) -> dict:
    """The members on a schematic map: colour = resolve, size = this month's aid, ring = played by a team."""
    xy = {
        "x": {"field": "x", "type": "quantitative", "axis": None, "scale": {"zero": False}},
        "y": {"field": "y", "type": "quantitative", "axis": None, "scale": {"zero": False}},
    }
    dots = {
        "mark": {"type": "circle", "opacity": 0.9},
        "encoding": {
            **xy,
            "color": {"field": "resolve", "type": "quantitative", "scale": {"domain": [0, 1], "scheme": "blues"}},
            "size": {"field": "aid", "type": "quantitative", "legend": None, "scale": {"range": [60, 900]}},
            "tooltip": [{"field": f} for f in ("member", "resolve", "aid", "played by")],
        },
    }
    rings = {
        "transform": [{"filter": "datum['played by'] == 'a team'"}],
        "mark": {"type": "point", "size": 500, "color": "#D55E00", "strokeWidth": 3},
        "encoding": xy,
    }
    labels = {"mark": {"type": "text", "dy": -14, "fontSize": 12}, "encoding": {**xy, "text": {"field": "member"}}}
    return {
        "data": {"values": _values(member_frame(session))},
        "layer": [dots, rings, labels],
        "width": "container",
        "height": 260,
        "title": "The alliance (ring: a team)",
    }


# ---------------------------------------------------------------------------------------------------
# the instructor's page (the projector view)
# ---------------------------------------------------------------------------------------------------


@solara.component
def Projector(session: Session, version: int) -> None:
    """Who has submitted (not what), the ladder, the map and the narrative."""
    s = session.status()
    when = s["date"] or f"month {s['month']}"
    phase = {"setup": "getting ready", "open": "decisions open", "closed": "turn closed", "over": "the war is over"}
    LiveMarkdown(f"# Turn {s['turn']} · {when} · {phase[s['phase']]}")
    if s["phase"] == "open" and s["seconds_left"] is not None:
        at = datetime.datetime.now() + datetime.timedelta(seconds=s["seconds_left"])
        LiveMarkdown(f"**The turn closes at {at:%H:%M:%S}.**")
    chips = []
    for r in s["roles"]:
        cls = "submitted" if r["submitted"] else "" if r["joined"] else "absent"
        mark = " ✓" if r["submitted"] else "" if r["joined"] else " (not joined)"
        chips.append(f"<span class='team-chip {cls}' data-role='{r['key']}'>{r['name']}{mark}</span>")
    solara.HTML(tag="div", unsafe_innerHTML="".join(chips), classes=["submissions"])
    with solara.Columns([1, 2]):
        with solara.Column():
            _ladder(session)
        with solara.Column():
            Chart(_line_chart(rung_frame(session), "rung", "Escalation rung", last=session.model.horizon, step=True))
            Chart(map_chart(session))
    _narrative(session)


def _ladder(session: Session) -> None:
    names, now = session.model.ladder.names, session.model.russia.rung
    rows = [
        f"<div class='rung{' now' if k == now else ''}' style='padding:3px 8px;margin:2px 0;border-radius:3px;"
        + ("background:#D55E00;color:white;font-weight:bold" if k == now else "border-left:6px solid #0072B2")
        + f"'>{k}. {names[k]}{' ◀ now' if k == now else ''}</div>"
        for k in range(len(names) - 1, -1, -1)
    ]
    solara.Markdown("### Escalation ladder")
    solara.HTML(tag="div", unsafe_innerHTML="".join(rows), classes=["ladder-gauge"])


def _narrative(session: Session) -> None:
    model = session.model
    since = session.turns[-1]["first_month"] if session.turns else 0
    lines = [f"- **Month {m}:** {text}." for m, _, _, text in model.events if m >= since][-10:]
    with solara.Div(classes=["narrative"]):
        LiveMarkdown("### What happened in the last turn\n" + ("\n".join(lines) if lines else "_Nothing yet._"))


@solara.component
def Controls(session: Session, secret: str, version: int) -> None:
    """The instructor's controls: roles (before turn 1), open and close a turn, its timer, free a role.

    ``version`` is the room's: a new one redraws the controls (the session object itself stays the same).
    """
    s = session.status()
    error, set_error = solara.use_state("")
    minutes = solara.use_reactive(0.0)
    auto = solara.use_reactive(s["auto_close"])
    chosen = solara.use_reactive(list(session.played) or [k for k in session.roles if k in ("USA", "DEU", "POL")])

    def act(fn: Any, *args: Any) -> None:
        try:
            fn(secret, *args)
            set_error("")
        except ClassroomError as e:
            set_error(str(e))

    solara.Markdown(f"Room code: <span class='room-code'>{session.code}</span> · students open **/join**")
    if s["phase"] == "setup":
        solara.Markdown("**Roles played by teams** (everyone else follows the model):")
        solara.SelectMultiple("roles", values=chosen, all_values=list(session.roles))
        solara.Button("Set roles", on_click=lambda: act(session.choose_roles, list(chosen.value)), color="primary")
    with solara.Row(style={"align-items": "center"}):
        solara.InputFloat("timer (minutes, 0: none)", value=minutes)
        solara.Checkbox(label="close when every team has submitted", value=auto)
        solara.Button(
            f"Open turn {s['turn'] + 1}",
            on_click=lambda: act(session.open_turn, minutes.value * 60.0 if minutes.value > 0 else None, auto.value),
            color="primary",
            disabled=s["phase"] in ("open", "over"),
        )
        solara.Button(
            "Close turn", on_click=lambda: act(session.close_turn), color="primary", disabled=s["phase"] != "open"
        )
    joined = sorted(session.joined())
    if joined:
        with solara.Row():
            solara.Text("Free a role (a team's device died):")
            for k in joined:
                solara.Button(k, on_click=lambda k=k: act(session.release, k), text=True)
    solara.Markdown(f"[Debrief and export](/debrief?key={secret})")
    if error:
        solara.Text(error, classes=["error-line"])


@solara.component
def InstructorPage() -> None:
    """The projector view; the controls only with the instructor's secret in the URL (``?key=``)."""
    session, version = use_room()
    secret = _query("key")
    solara.Style(CSS)
    solara.Title(f"Escalation classroom: turn {session.turn}")
    with solara.Column(classes=["classroom"]):
        if session.is_instructor(secret):
            Controls(session, secret, version)
        else:
            solara.Markdown("This is the projector's page. **Students: open /join** to play your government.")
        Projector(session, version)


# ---------------------------------------------------------------------------------------------------
# students: /join and the team page
# ---------------------------------------------------------------------------------------------------


@solara.component
def JoinPage() -> None:
    """A team enters the room code and picks its role."""
    session, _ = use_room()
    code = solara.use_reactive("")
    free = [k for k in session.played if k not in session.joined()]
    error, set_error = solara.use_state("")
    router = solara.use_router()

    def join(role: str) -> None:
        try:
            token = session.join(code.value, role, _client())
        except ClassroomError as e:
            set_error(str(e))
            return
        router.push(f"/team?t={token}")

    solara.Style(CSS)
    solara.Title("Escalation classroom: join")
    with solara.Column(classes=["classroom"], style={"max-width": "560px"}):
        solara.Markdown("# Join the room")
        solara.InputText("room code", value=code)
        if free:
            solara.Markdown("Then pick your government:")
            for k in free:
                solara.Button(f"Join as {session.roles[k].name}", on_click=lambda k=k: join(k), color="primary")
        else:
            solara.Markdown("_Every role has joined, or the instructor has not chosen the roles yet._")
        if error:
            solara.Text(error, classes=["error-line"])


def decisions_to_submit(shown: dict[str, Any], opening: dict[str, Any], form_turn: int, turn: int) -> dict[str, Any]:
    """What a Submit sends: the form's values, or this turn's opening values if the form still holds an earlier turn's.

    A press that reaches the server in the instant after a turn opens, before the form has moved its
    sliders to the new turn's opening values, would otherwise submit last turn's decisions while the
    page goes on to show the new ones.
    """
    return shown if form_turn == turn else opening


@solara.component
def DecisionForm(session: Session, token: str, view: dict[str, Any]) -> None:
    """The turn's decisions, starting from the last submission or the model's own rule.

    The form stays on the page between turns (disabled while no turn is open): a new turn moves its
    sliders to the new starting values instead of building new widgets, which is what keeps thirty
    pages quick when a turn opens or closes.
    """
    start = view["submitted"] or view["advice"]
    russia = view["role"] == "RUS"
    keys = ("intensity",) if russia else (*AID_CATEGORIES, "posture", "signal")
    # the values the form opens the turn with (the sliders' and, for a member, the package box's)
    opening = {k: float(start[k]) for k in keys} | ({} if russia else {"back": bool(start.get("back", False))})
    values = {k: solara.use_reactive(opening[k]) for k in keys}
    back = solara.use_reactive(opening.get("back", False))
    # The last submission's outcome and the turn it was for: a new turn hides it. Not cleared by the
    # effect below: a press that reaches the server between the render that enables the button and
    # that effect would have its confirmation wiped out.
    said, set_said = solara.use_state(("", 0))
    is_open = view["phase"] == "open"
    # the turn the sliders were last moved to starting values for (by the effect below, after a render)
    form_turn = solara.use_ref(view["turn"])

    def new_turn() -> None:
        for k, v in values.items():
            v.set(opening[k])
        back.set(opening.get("back", False))
        form_turn.current = view["turn"]

    solara.use_effect(new_turn, [view["turn"]])

    def submit() -> None:
        shown = {k: v.value for k, v in values.items()} | ({} if russia else {"back": back.value})
        raw = decisions_to_submit(shown, opening, form_turn.current, view["turn"])
        try:
            session.submit(token, view["turn"], raw)
            set_said(("Submitted: you may revise until the turn closes.", view["turn"]))
        except ClassroomError as e:
            set_said((f"Not submitted: {e}", view["turn"]))

    for k, v in values.items():
        low, high = INTENSITY_RANGE if russia else RANGES[k]
        solara.SliderFloat(f"{LABELS[k]}: {v.value:.2f}", value=v, min=low, max=high, step=0.05, disabled=not is_open)
        solara.Text(HELP[k], style={"color": "#555", "font-size": "0.85em"})
    if not russia:
        solara.Checkbox(
            label="Back the package of advanced systems, if one is pending", value=back, disabled=not is_open
        )
    solara.Button(f"Submit turn {view['turn']}", on_click=submit, color="primary", disabled=not is_open)
    solara.Text(said[0] if said[1] == view["turn"] else "", classes=["submit-message"])


@solara.component
def TeamPage() -> None:
    """What one government knows, and its decisions for the turn."""
    session, _version = use_room("epoch")
    token = _query("t")
    solara.Style(CSS)
    try:
        view = session.team_view(token)
    except ClassroomError as e:
        solara.Markdown(f"**{e}.** [Join the room](/join)")
        return
    solara.Title(f"Escalation: {view['name']}, turn {view['turn']}")
    when = view["date"] or f"month {view['month']}"
    with solara.Column(classes=["classroom"], style={"max-width": "760px"}):
        LiveMarkdown(f"# {view['name']} · turn {view['turn']} · {when}")
        if view["role"] == "RUS":
            r = view["russia"]
            LiveMarkdown(
                f"Threat you perceive from the alliance: **{r['threat']:.2f}** · your escalation intensity "
                f"**{r['intensity']:.2f}** · committed force **{r['force']:.2f}** · last month's losses "
                f"**{r['losses']:.3f}** · the alliance's posture **{r['alliance_posture']:.2f}** · its aid to "
                f"Ukraine last month **EUR {r['aid_last_month']:.1f} bn**"
            )
        rows = "\n".join(
            f"| {o['name']} | {o['resolve']:.2f} | {o['support']:.0%} | {o['threat']:.2f} | {o['stockpile']:.0%} | "
            f"{sum(o['aid'].values()):.2f} |"
            for o in view["members"]
        )
        if rows:
            LiveMarkdown(
                "| your government | resolve | public support | threat you perceive | stockpile | aid last month "
                "(EUR bn) |\n|---|---|---|---|---|---|\n" + rows
            )
        LiveMarkdown(
            f"**Russia** is on rung {view['russia_rung']} ({view['russia_rung_name']}); Ukraine holds "
            f"{view['territory']:.0%} of its territory.\n\n"
            f"**The alliance's last package:** {view['last_package'] or 'none yet'}.\n\n"
            "**Russia's moves in the last turn:**\n"
            + ("\n".join(f"- {t}" for t in view["russia_moves"][-6:]) or "- none seen")
        )
        waiting = {
            "open": "Decide together, then submit: you may revise until the turn closes.",
            "over": "**The war is over.** Your instructor will open the debrief.",
        }
        LiveMarkdown(waiting.get(view["phase"], "_Waiting for the instructor to open the next turn._"))
        if view["phase"] != "over":
            DecisionForm(session, token, view)


# ---------------------------------------------------------------------------------------------------
# the debrief
# ---------------------------------------------------------------------------------------------------


def comparison_frame(session: Session) -> pd.DataFrame:
    """Rung, territory and aid by month: the class, the model alone (same seed), and what happened (history)."""
    cols = ["month", "escalation_rung", "territory_held", "aid_total"]
    frames = [
        pd.DataFrame(session.model.step_table())[cols].assign(run="the class"),
        pd.DataFrame(session.model_alone().step_table())[cols].assign(run="the model alone"),
    ]
    if session.config.values.start == HISTORY_START:  # the history scenarios (and the branches that share their start)
        obs = observed_monthly()
        obs = obs[obs["month"] <= session.model.steps]
        frames.append(
            pd.DataFrame(
                {
                    "month": obs["month"],
                    "territory_held": obs["ukraine_held_share"],
                    "aid_total": obs["alliance_military_eur_bn"],
                    "run": "what happened",
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


@solara.component
def DebriefPage() -> None:
    """The class's run beside the model alone and history; each team's decisions; the export."""
    session, _version = use_room("epoch")
    secret = _query("key")
    written, set_written = solara.use_state([])
    solara.Style(CSS)
    solara.Title("Escalation classroom: debrief")
    if not session.is_instructor(secret):
        solara.Markdown("The debrief is opened by the instructor (it needs the instructor's link).")
        return
    df = comparison_frame(session)
    with solara.Column(classes=["classroom"]):
        solara.Markdown(f"# Debrief: {session.scenario_name}, {len(session.turns)} turns")
        with solara.Columns([1, 1, 1]):
            Chart(_line_chart(df.dropna(subset=["escalation_rung"]), "escalation_rung", "Escalation rung", step=True))
            Chart(_line_chart(df, "territory_held", "Territory held by Ukraine"))
            Chart(_line_chart(df, "aid_total", "Aid to Ukraine, EUR bn a month"))
        tables = session.tables()
        dec = tables["decisions"]
        team = dec[dec["source"] == "team"].drop_duplicates(["turn", "role", "field"])
        if len(team):
            Chart(
                {
                    "data": {"values": _values(team[["turn", "role", "field", "value"]])},
                    "mark": {"type": "line", "point": True},
                    "encoding": {
                        "x": {"field": "turn", "type": "ordinal"},
                        "y": {"field": "value", "type": "quantitative", "scale": {"domain": [0, 1]}},
                        "color": {"field": "field", "type": "nominal", "legend": {"orient": "top"}},
                        "facet": {"field": "role", "type": "nominal", "columns": 3},
                    },
                    "width": 220,
                    "height": 140,
                    "title": "Each team's decisions, turn by turn",
                }
            )
        wide = team.pivot_table(index=["turn", "role"], columns="field", values="value").reset_index()
        solara.DataFrame(wide, items_per_page=20)

        def export() -> None:
            set_written([str(p) for p in session.export()])

        solara.Button("Export the session (Parquet and CSV)", on_click=export, color="primary")
        for p in written:
            solara.Text(p)
        solara.FileDownload(
            lambda: tables["decisions"].to_csv(index=False).encode(), filename="decisions.csv", label="decisions.csv"
        )
        solara.FileDownload(
            lambda: tables["steps"].to_csv(index=False).encode(), filename="steps.csv", label="steps.csv"
        )


@solara.component
def Layout(children: list | None = None) -> Any:
    """A plain page: no tabs between the routes (a student's page links nowhere it should not)."""
    return solara.Column(children=children or [], style={"padding": "12px"})


routes = [
    solara.Route(path="/", component=InstructorPage, label="Instructor", layout=Layout),
    solara.Route(path="join", component=JoinPage, label="Join"),
    solara.Route(path="team", component=TeamPage, label="Team"),
    solara.Route(path="debrief", component=DebriefPage, label="Debrief"),
]
