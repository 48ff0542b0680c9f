"""The classroom dashboard: drive the escalation model live in a browser, readable from the back of a room.

    escalation demo [--scenario NAME] [--projector] [--port 8765] [--host 127.0.0.1]

Three pages: ``/`` drives one model (sliders for the policy levers, Step, Play, Reset); ``/compare``
runs two scenarios side by side from the same seed, stepping together (e.g. united vs divided);
``/history`` plays the war from February 2022 beside what happened.

The page is laid out here rather than by Mesa's SolaraViz, whose defaults suit developers, not lecture
halls (a "Page 0" tab, sliders without values, a fixed two-chart grid, no keyboard). Mesa still
provides the model and the redraw signal (``update_counter``/``force_update``).

- The sliders are generated from the parameter declarations (``simulation.parameters.LEVERS``):
  their ranges, units and one-sentence meanings (a help tooltip) are the declared ones, and they
  start where the opening scenario sets each lever, so there is no second list of defaults here.
  The sliders set the policy levers; the scenario select sets everything else (and moves the
  sliders to that scenario's levers).
- Keyboard (a lecturer's clicker): space plays or pauses, right arrow (or Page Down) steps, ``r``
  resets, ``p`` toggles projector mode.
- Projector mode (the toggle in the bar, or ``escalation demo --projector``): larger type, thicker
  lines, one chart per row and the narrative in large text.
- The charts are drawn in the browser (Vega-Lite specs of ``simulation.viz.web``, shown by
  ``simulation.viz.webview``): a spec is built once per run and mode and shared by every session;
  each month the server sends only the new rows, and the browser updates the charts in place.
- Every value a control sends over the websocket is checked on the server (``accept_lever``,
  ``accept_seed``, ``accept_choice``): a lever outside its declared range, an unknown scenario, key
  or speed is refused, so a changed page cannot put a model outside what ``parameters`` allows.
- Steps are counted, not dropped (``Stepper``): presses that arrive while a month is drawn are all
  stepped, and Play keeps its chosen speed (months fall due on a fixed schedule).
"""

from __future__ import annotations

import functools
import html
import itertools
import json
import os
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

import ipyvuetify as v
import reacton.ipyvuetify as rv
import solara
import traitlets
from mesa.visualization.utils import force_update, update_counter

from simulation import parameters
from simulation.analysis.observed import HISTORY_START, observed_events, observed_monthly, observed_strikes
from simulation.calendar import date_of, month_name
from simulation.ladder import DIRECT_CLASH, NUCLEAR_SIGNALLING
from simulation.model import EscalationModel
from simulation.scenario import load_scenario, shipped_scenarios
from simulation.viz import web
from simulation.viz.style import OKABE_ITO
from simulation.viz.webview import VegaWidget, spec_text

__all__ = [
    "DEFAULT_SCENARIO",
    "PROJECTOR",
    "SEED",
    "ClassroomModel",
    "ComparePage",
    "Dashboard",
    "Page",
    "accept_choice",
    "accept_lever",
    "accept_seed",
    "lever_text",
    "levers",
    "months_due",
    "new_model",
    "page_title",
    "routes",
    "warm",
]

#: The scenario the page opens with (``escalation demo --scenario`` sets it).
DEFAULT_SCENARIO = os.environ.get("ESCALATION_DEMO_SCENARIO", "classroom")
#: Whether the page opens in projector mode (``escalation demo --projector`` sets it).
PROJECTOR = os.environ.get("ESCALATION_DEMO_PROJECTOR", "") not in ("", "0")
#: Projector mode of the browser session (Solara keeps a module's reactive values per session).
PROJECTOR_MODE = solara.reactive(PROJECTOR)
SEED = 1
NARRATIVE_MONTHS = 6
PLAY_SPEED = 2.0  # months a second while playing (the speed box offers SPEEDS)
_INSTANCES = itertools.count()


class ClassroomModel(EscalationModel):
    """EscalationModel built from a shipped scenario's name, a seed (text from the seed box) and the levers.

    Mesa 3.5's SolaraViz Reset passes its own ``mesa.experimental.scenarios.Scenario`` object as
    ``scenario=``, which would collide with ours, so here the shipped scenario comes as ``preset`` and
    Mesa's object is accepted and left aside (it carries no parameter of this model).
    """

    def __init__(self, preset: str = DEFAULT_SCENARIO, rng: Any = SEED, scenario: Any = None, **levers: Any):
        """Build the model of a shipped scenario with the dashboard's levers and seed."""
        super().__init__(preset, rng=_seed(rng), **levers)
        self.instance = next(_INSTANCES)
        self.lock = threading.RLock()  # a month's rows are not read while the play loop steps it


def levers(scenario: str = DEFAULT_SCENARIO) -> dict[str, float]:
    """The scenario's value of each classroom lever (the sliders' starting positions)."""
    sc = load_scenario(scenario)
    return {key: float(sc.get(key)) for key in parameters.LEVERS}


def lever_text(key: str, value: float) -> str:
    """A slider's value with its unit, as the page shows it: ``0.70 (0-1)``, ``6 month``."""
    p = parameters.by_name(key)
    shown = f"{value:.0f}" if p.kind is int else f"{value:.2f}"
    if p.unit in ("1", "-"):
        return f"{shown} ({p.low:g}-{p.high:g})" if p.low is not None and p.high is not None else shown
    return f"{shown} {p.unit}"


def page_title(model: EscalationModel) -> str:
    """The scenario and when: ``classroom, month 12``; ``history, September 2022`` if the scenario has a start."""
    date = getattr(model, "date", None)  # "YYYY-MM" when the scenario has a start date, else None
    when = month_name(date) if date else f"month {model.steps}"
    return f"{model.config.name}, {when}"


def _seed(value: Any) -> Any:
    """The seed box holds text: parse it (falling back to SEED); any other seed passes through."""
    if not isinstance(value, str):
        return value
    try:
        return int(value.strip())
    except ValueError:
        return SEED


def new_model() -> ClassroomModel:
    """The model the page opens with: the opening scenario, the seed, the sliders' starting levers."""
    return ClassroomModel(DEFAULT_SCENARIO, rng=SEED, **levers())


# ---------------------------------------------------------------------------------------------------
# input from the browser: every value a control sends is checked here, on the server
# ---------------------------------------------------------------------------------------------------

#: What the lecturer's keys may ask for; anything else the browser sends is ignored.
KEY_ACTIONS = ("play", "step", "reset", "projector")
#: Play speeds (months a second) the speed box offers.
SPEEDS = (1.0, 2.0, 4.0)
#: Seeds the seed box accepts (numpy's SeedSequence takes any non-negative integer; this keeps it to 64 bits).
SEED_RANGE = (0, 2**63 - 1)


def accept_lever(key: str, value: Any) -> float | None:
    """A slider's value if ``key`` is a classroom lever and ``value`` a number in its declared range, else None.

    The browser can send anything over the page's websocket (a changed page, a script): the server
    takes only what ``simulation.parameters`` declares, so a refused value never reaches a model.
    """
    if key not in parameters.LEVERS or isinstance(value, bool) or not isinstance(value, int | float):
        return None
    p = parameters.by_name(key)
    x = float(value)
    if not (x == x and (p.low is None or x >= p.low) and (p.high is None or x <= p.high)):  # x == x: not NaN
        return None
    return x


def accept_seed(value: Any) -> int | None:
    """The seed box's text (or number) as a seed, if it is a whole number in ``SEED_RANGE``, else None."""
    if isinstance(value, bool):
        return None
    try:
        seed = int(value.strip()) if isinstance(value, str) else value if isinstance(value, int) else None
    except ValueError:
        return None
    return seed if seed is not None and SEED_RANGE[0] <= seed <= SEED_RANGE[1] else None


def accept_choice(value: Any, allowed: Sequence[Any]) -> Any:
    """``value`` if it is one of ``allowed`` (a shipped scenario's name, a play speed, a key), else None."""
    try:
        return value if value in allowed else None
    except TypeError:  # an unhashable or incomparable value
        return None


# ---------------------------------------------------------------------------------------------------
# charts: drawn in the browser from each month's rows (simulation.viz.web); specs shared by all sessions
# ---------------------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=64)
def _time_spec(kind: str, big: bool, names: tuple[str, ...]) -> str:
    if kind == "rung":
        return spec_text(web.spec(web.rung_chart(names, big)))
    return spec_text(web.spec({"threat": web.threat_chart, "alliance": web.alliance_chart}[kind](big)))


@functools.lru_cache(maxsize=16)
def _map_spec(big: bool, members: tuple[tuple[str, float, float, float], ...]) -> str:
    return spec_text(web.spec(web.member_map(members, big)))


def _chart_spec(kind: str, model: EscalationModel, big: bool) -> str:
    """The spec of the page's chart ``kind`` (``rung``, ``threat``, ``alliance`` or ``map``) for ``model``."""
    if kind == "map":
        return _map_spec(big, web.roster_of(model))
    return _time_spec(kind, big, tuple(model.ladder.names) if kind == "rung" else ())


@functools.lru_cache(maxsize=16)
def _history_spec(index: int, big: bool, horizon: int) -> str:
    return spec_text(web.spec(web.history_chart(web.HISTORY_SERIES[index], horizon, _observed_last(), big)))


@functools.cache
def _observed_last() -> int:
    return int(observed_monthly()["month"].max())


@functools.cache
def _history_observed() -> Any:
    """The observed series the History page draws: the monthly table and the strikes launched (full months)."""
    strikes = observed_strikes()[["month", "strikes"]]
    return observed_monthly().merge(strikes, on="month", how="left")


class Feed:
    """What a session shows each month, pushed straight to its widgets after a step.

    A month changes only a few properties (the charts' rows, the title, the gauge, the narrative); a
    render of the whole page to find them cost most of a month's server time, so after a step the
    ``Stepper`` calls :meth:`push`, and every live part (:func:`Live`) sets its widget's properties from
    the model. The page renders again only when something else changes (mode, reset, the horizon).
    """

    def __init__(self) -> None:
        self.sinks: dict[int, Callable[[EscalationModel], None]] = {}
        self.count = itertools.count()

    def add(self, sink: Callable[[EscalationModel], None]) -> Callable[[], None]:
        """Register a live part; returns what unregisters it."""
        key = next(self.count)
        self.sinks[key] = sink
        return lambda: self.sinks.pop(key, None)

    def push(self, model: EscalationModel) -> None:
        """Every live part of ``model`` shows its month (the parts of another model, on Compare, ignore it)."""
        with getattr(model, "lock", threading.RLock()):
            for sink in list(self.sinks.values()):
                sink(model)


def _set(widget: Any, props: dict[str, Any]) -> None:
    with widget.hold_sync():  # one message per widget
        for name, value in props.items():
            if getattr(widget, name) != value:
                setattr(widget, name, value)


@solara.component
def Live(
    widget: type,
    props_of: functools.partial,
    model: EscalationModel,
    feed: Feed | None = None,
    month: int = 0,
    **static: Any,
) -> None:
    """A widget whose month-dependent properties are ``props_of(model)``, kept current by ``feed`` if given.

    ``month`` is the model's month when the page renders: a render (a new mode) must not reuse the
    element of an earlier month (the feed changed the widget since, not the element).
    """
    element = widget.element(**static, **props_of(model))

    def attach() -> Callable[[], None] | None:
        if feed is None:
            return None
        w = solara.get_widget(element)
        return feed.add(lambda m: _set(w, props_of(m)) if m is model else None)

    solara.use_effect(attach, [feed, model, props_of.func, props_of.args])


_LIVE_VUE = """
<template><div v-html="html"></div></template>
<script>
module.exports = {
  mounted() { if (this.doc_title) document.title = this.doc_title; },
  watch: { doc_title(t) { if (t) document.title = t; } },
};
</script>
"""


class LiveHTML(v.VuetifyTemplate):
    """HTML the server rewrites each month (and, if ``doc_title`` is set, the browser tab's title)."""

    template = traitlets.Unicode(_LIVE_VUE).tag(sync=True)
    html = traitlets.Unicode("").tag(sync=True)
    doc_title = traitlets.Unicode("").tag(sync=True)


def _rows(model: EscalationModel) -> list[dict[str, Any]]:
    """The month's rows, computed once per month however many charts show them."""
    cached = getattr(model, "_month_rows", None)
    if cached is None or cached[0] != model.steps:
        cached = (model.steps, web.month_rows(model))
        model._month_rows = cached
    return cached[1]


def _time_props(kind: str, model: EscalationModel) -> dict[str, Any]:
    return _chart_props({"months": _rows(model)}, model.steps, web.time_signals(model.steps))


def _map_props(big: bool, model: EscalationModel) -> dict[str, Any]:
    return _chart_props({"members": web.member_rows(model, big), "labels": web.map_labels(model, big)}, model.steps)


def _history_props(model: EscalationModel) -> dict[str, Any]:
    return _chart_props({"history": web.history_rows(model, _history_observed())}, model.steps)


def _chart_props(data: dict[str, list], month: int, signals: dict | None = None) -> dict[str, Any]:
    return {"rows": json.dumps(data, separators=(",", ":")), "stamp": str(month), "signals": json.dumps(signals or {})}


@solara.component
def TimeChart(kind: str, model: EscalationModel, big: bool = False, feed: Feed | None = None, month: int = 0) -> None:
    """One time chart (``rung``, ``threat`` or ``alliance``) over the months so far."""
    spec = _chart_spec(kind, model, big)
    props = functools.partial(_time_props, kind)
    Live(VegaWidget, props, model, feed, month, spec=spec, chart_class=f"chart {kind}-chart")


@solara.component
def RungChart(model: EscalationModel, big: bool = False, feed: Feed | None = None, month: int = 0) -> None:
    """The escalation rung over time (rungs by number; the gauge beside names them)."""
    TimeChart("rung", model, big, feed, month)


@solara.component
def MemberMap(model: EscalationModel, big: bool = False, feed: Feed | None = None, month: int = 0) -> None:
    """The members on a map of Europe, filled by resolve, faded by public support, rimmed by stance."""
    spec = _chart_spec("map", model, big)
    props = functools.partial(_map_props, big)
    Live(VegaWidget, props, model, feed, month, spec=spec, chart_class="chart map-chart fit-box")


def gauge_html(model: EscalationModel) -> dict[str, str]:
    """The escalation ladder with the current rung lit (it names the rung chart's numbers), as HTML."""
    names = model.ladder.names
    now = model.russia.rung
    rows = []
    for k in range(len(names) - 1, -1, -1):
        lit = k == now
        colour = OKABE_ITO[1] if k >= DIRECT_CLASH else OKABE_ITO[4] if k >= NUCLEAR_SIGNALLING else OKABE_ITO[0]
        style = f"background:{colour};color:white;font-weight:bold;" if lit else f"border-left:6px solid {colour};"
        rows.append(
            f"<div style='padding:3px 8px;margin:2px 0;border-radius:3px;{style}'>{k}. {_esc(names[k])}"
            f"{' ◀ now' if lit else ''}</div>"
        )
    date = getattr(model, "date", None)
    head = f"Escalation ladder (month {model.steps}){' · ' + month_name(date) if date else ''}"
    return {"html": f"<h3>{head}</h3><div class='ladder-gauge'>{''.join(rows)}</div>"}


def _esc(text: str) -> str:
    return html.escape(str(text), quote=False)


def _list_html(title: str, lines: list[tuple[str, str]], empty: str) -> str:
    items = "".join(f"<li><strong>{_esc(head)}</strong> {_esc(text)}</li>" for head, text in lines)
    return f"<h3>{_esc(title)}</h3>" + (f"<ul>{items}</ul>" if lines else f"<p><em>{_esc(empty)}</em></p>")


def narrative_html(big: bool, model: EscalationModel) -> dict[str, str]:
    """What happened in the last months, in plain sentences (fewer on a projector), as HTML."""
    since = model.steps - NARRATIVE_MONTHS
    lines = [(f"Month {m}:", f"{text}.") for m, _, _, text in model.events if m > since]
    shown = lines[-5:] if big else lines[-12:]
    return {"html": _list_html(f"The last {NARRATIVE_MONTHS} months", shown, "Nothing new: press Step or ▶.")}


def title_html(model: EscalationModel, bar: bool = False) -> dict[str, str]:
    """The browser tab's title (or the bar's): the scenario and the month."""
    title = f"Escalation: {page_title(model)}"
    return {"html": _esc(title)} if bar else {"html": _esc(title), "doc_title": title}


@solara.component
def LadderGauge(model: EscalationModel, feed: Feed | None = None, month: int = 0) -> None:
    """The escalation ladder with the current rung lit (it names the rung chart's numbers)."""
    Live(LiveHTML, functools.partial(gauge_html), model, feed, month)


@solara.component
def Narrative(model: EscalationModel, big: bool = False, feed: Feed | None = None, month: int = 0) -> None:
    """What happened in the last months, in plain sentences (fewer, larger ones on a projector)."""
    with solara.Div(classes=["narrative"]):
        Live(LiveHTML, functools.partial(narrative_html, big), model, feed, month)


# ---------------------------------------------------------------------------------------------------
# controls: keyboard, sliders with value, unit and meaning
# ---------------------------------------------------------------------------------------------------

_KEYS_VUE = """
<template><span class="escalation-keys" style="display: none"></span></template>
<script>
module.exports = {
  mounted() {
    const own = { " ": "play", ArrowRight: "step", PageDown: "step", r: "reset", R: "reset", p: "projector" };
    this.onKeydown = (e) => {
      if (e.ctrlKey || e.altKey || e.metaKey || e.repeat) return;
      const action = own[e.key];
      const t = e.target;
      // typing in the seed box, moving a slider with the arrows, choosing a scenario: not ours
      const busy = "input, textarea, select, [contenteditable], [role=slider], .v-select, .v-menu__content";
      if (!action || (t && t.closest && t.closest(busy))) return;
      e.preventDefault();
      e.stopPropagation();
      this.held = e.key === " ";
      this.key(action);
    };
    this.onKeyup = (e) => { if (e.key === " " && this.held) { e.preventDefault(); this.held = false; } };
    window.addEventListener("keydown", this.onKeydown, true);
    window.addEventListener("keyup", this.onKeyup, true);
  },
  destroyed() {
    window.removeEventListener("keydown", this.onKeydown, true);
    window.removeEventListener("keyup", this.onKeyup, true);
  },
};
</script>
"""


class KeyboardWidget(v.VuetifyTemplate):
    """Listens for the lecturer's keys on the whole page and passes the action name to ``callback``."""

    template = traitlets.Unicode(_KEYS_VUE).tag(sync=True)
    callback = traitlets.Any(None)

    def vue_key(self, action: str) -> None:
        """Called from the browser with ``play``, ``step``, ``reset`` or ``projector``."""
        if self.callback is not None:
            self.callback(action)


@solara.component
def Keyboard(on_key: Callable[[str], None]) -> None:
    """Space, right arrow (Page Down), r and p anywhere on the page, except while typing or on a slider."""
    KeyboardWidget.element(callback=on_key)


@solara.component
def LeverSlider(key: str, value: float, on_value: Callable[[float], None]) -> None:
    """One lever: its name, its value and unit in large type, a help icon with its meaning, the slider."""
    p = parameters.by_name(key)
    label = key.replace("_", " ")
    with solara.Column(gap="0px", classes=["lever"]):
        with solara.Row(gap="6px", style={"align-items": "center"}):
            with solara.Tooltip(p.meaning):
                solara.Text(label, classes=["lever-name"])
            solara.Text(lever_text(key, value), classes=["lever-value"])
            with solara.Tooltip(p.meaning):
                solara.Button(icon_name="mdi-help-circle-outline", icon=True, small=True, classes=["lever-help"])
        # ipyvuetify's slider, not solara.SliderFloat: that one casts what the browser sends with float()
        # before any check, so a changed page could raise in the server; here on_value checks it first
        rv.Slider(label=label, v_model=value, min=p.low, max=p.high, step=0.05, thumb_label=False, on_v_model=on_value)


CSS = """
.ladder-gauge { font-size: 14px; }
.ladder-gauge > div { padding: 2px 8px !important; }
.lever { margin-top: 6px; }
.lever .v-input__slot > .v-label { display: none; }
.lever-name { font-size: 15px; }
.lever-value { font-size: 17px; font-weight: bold; }
.key-hint { font-size: 13px; color: #555; }
.escalation h3 { margin: 0 0 4px 0; }
.escalation .narrative p, .escalation .narrative ul { margin-bottom: 4px; }
.board { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 10px 16px; align-items: start; }
.board > * { min-width: 0; }
.board .wide { grid-column: 1 / -1; }
.rung-chart { height: 330px; }
.threat-chart, .map-chart { aspect-ratio: 56 / 50; max-height: calc(100vh - 90px); }
.alliance-chart { aspect-ratio: 56 / 36; max-height: calc(100vh - 90px); }
.history-chart { height: clamp(230px, calc(50vh - 90px), 420px); }
/* the history's charts and its events fill one two-column grid: three charts and the events make
   two full rows (a grid of the charts alone beside the events left an empty cell under the aid) */
.history-top { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 10px 16px;
  margin-bottom: 10px; }
.history-top > *, .history-charts > * { min-width: 0; }
.history-charts { display: contents; }
.history-events { height: clamp(230px, calc(50vh - 90px), 420px); overflow-y: auto; font-size: 13px; }
.compare-board .rung-chart { height: 300px; }
.escalation.projector .board { grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); }
.escalation.projector .ladder-gauge { font-size: 24px; line-height: 1.3; }
.escalation.projector h3 { font-size: 30px; }
.escalation.projector .narrative, .escalation.projector .narrative li { font-size: 28px; line-height: 1.4; }
.escalation.projector .rung-chart { height: calc(100vh - 130px); min-height: 420px; }
.escalation.projector .threat-chart, .escalation.projector .alliance-chart { aspect-ratio: auto;
  height: calc(100vh - 110px); min-height: 400px; max-height: none; }
.escalation.projector .map-chart { aspect-ratio: auto; height: calc(100vh - 110px); min-height: 400px; }
.escalation.projector .history-top { grid-template-columns: minmax(0, 1fr); }
.escalation.projector .history-chart { height: calc(100vh - 130px); min-height: 400px; max-height: none; }
.escalation.projector .history-events { height: auto; font-size: 24px; }
.controls.projector .lever-name { font-size: 20px; }
.controls.projector .lever-value { font-size: 24px; }
.controls.projector .key-hint { font-size: 17px; }
.controls.projector .v-btn { font-size: 18px; }
"""


@solara.component
def PageTitle(
    model: EscalationModel, projector: solara.Reactive[bool], feed: Feed | None = None, month: int = 0
) -> None:
    """The browser tab's and the bar's title (scenario and month), and the projector switch."""
    with solara.Div(style={"display": "none"}):  # the tab's title (the bar's part renders in the layout)
        Live(LiveHTML, functools.partial(title_html), model, feed, month)
    with solara.AppBar():
        with solara.AppBarTitle():
            Live(LiveHTML, functools.partial(title_html, bar=True), model, feed, month)
        solara.Switch(label="projector", value=projector, classes=["projector-toggle"])


def months_due(now: float, due: float, interval: float) -> tuple[int, float]:
    """Play's schedule: the months to step at ``now`` for a month due at ``due``, and when the next is due.

    Months fall due every ``interval`` seconds on a fixed schedule; a month that comes late (a slow
    redraw, a busy machine) is stepped together with the months that fell due meanwhile (one redraw),
    so the page keeps the chosen speed instead of drifting behind it.
    """
    late = max(0, int((now - due) / interval))
    return 1 + late, due + (1 + late) * interval


def speed_text(speed: float) -> str:
    """The speed box's words for a play speed: ``2 months a second``."""
    return f"{speed:g} month{'' if speed == 1 else 's'} a second"


class Stepper:
    """Steps one session's model, from the keys, the Step button and the play loop, one month at a time.

    Steps are counted, never dropped: a press that arrives while a month is being stepped or drawn
    is added to ``pending``, and whoever holds the turn steps every pending month before the page is
    drawn once (so a burst of presses coalesces into one redraw, and each press is one month).
    """

    def __init__(self) -> None:
        self.pending = 0
        self.count = threading.Lock()
        self.turn = threading.Lock()

    def request(self, months: int, model: EscalationModel, redraw: Callable[[], None]) -> None:
        """Ask for ``months`` more months; step them now unless another caller is stepping (it will)."""
        with self.count:
            self.pending += months
        while True:
            if not self.turn.acquire(blocking=False):
                return  # the caller that holds the turn takes these months too
            try:
                with self.count:
                    n, self.pending = self.pending, 0
                stepped = 0
                with getattr(model, "lock", threading.RLock()):
                    for _ in range(n):
                        if not model.running:
                            break
                        model.step()
                        stepped += 1
                if stepped:
                    redraw()
            finally:
                self.turn.release()
            with self.count:
                if self.pending == 0 or not model.running:
                    self.pending = 0
                    return


class DashboardState:
    """One session's dashboard: its model, the sidebar's values and what the buttons and keys do.

    Built once per page (``solara.use_memo``), so the sidebar's component gets the same object every
    month and is not rendered again (only the month's parts are). Every setter checks what it gets.
    """

    def __init__(self, model: solara.Reactive[EscalationModel], projector: solara.Reactive[bool]) -> None:
        self.model, self.projector = model, projector
        self.names = list(shipped_scenarios())
        first = model.value.config.name if model.value.config.name in self.names else DEFAULT_SCENARIO
        self.preset = solara.reactive(first)
        self.seed = solara.reactive(str(SEED))
        self.lever_values = solara.reactive(levers(first))
        self.playing = solara.reactive(False)
        self.speed = solara.reactive(PLAY_SPEED)
        self.stepper = Stepper()
        self.feed = Feed()

    def step(self, months: int = 1) -> None:
        """Step ``months`` more months (counted: see ``Stepper``); stop playing at the horizon."""
        m = self.model.value
        if m.running:
            self.stepper.request(months, m, lambda: self.feed.push(m))
        if not m.running:
            self.playing.set(False)
            force_update()  # the horizon: the buttons turn off

    def reset(self) -> None:
        """A new model from the chosen scenario, seed and levers."""
        self.playing.set(False)
        self.model.set(ClassroomModel(self.preset.value, rng=_seed(self.seed.value), **self.lever_values.value))

    def toggle_play(self) -> None:
        """Play or pause (a run at its horizon does not play)."""
        self.playing.set(not self.playing.value and self.model.value.running)

    def choose_scenario(self, name: Any) -> None:
        """A shipped scenario's name moves the sliders to its levers; anything else is refused."""
        if accept_choice(name, self.names) is None:
            return
        self.preset.set(name)
        self.lever_values.set(levers(name))

    def set_lever(self, key: str, value: Any) -> None:
        """A lever's new value, if it is one in the declared range."""
        x = accept_lever(key, value)
        if x is not None:
            self.lever_values.set({**self.lever_values.value, key: x})

    def set_seed(self, text: Any) -> None:
        """The seed box's text, if it is a seed."""
        if accept_seed(text) is not None:
            self.seed.set(str(text).strip())

    def set_speed(self, value: Any) -> None:
        """A play speed the speed box offers."""
        chosen = next((s for s in SPEEDS if speed_text(s) == value), None)
        if chosen is not None:
            self.speed.set(chosen)

    def on_key(self, action: Any) -> None:
        """A key the browser reports: space, right arrow, r, p; anything else is ignored."""
        action = accept_choice(action, KEY_ACTIONS)
        if action == "play":
            self.toggle_play()
        elif action == "step":
            self.step()
        elif action == "reset":
            self.reset()
        elif action == "projector":
            self.projector.set(not self.projector.value)


@solara.component
def Controls(state: DashboardState, running: bool, big: bool) -> None:
    """The sidebar: Reset, play/pause, Step, the play speed, the scenario, the seed and the levers."""
    with solara.Sidebar(), solara.Column(classes=["controls", *(["projector"] if big else [])]):
        with solara.Card("Controls"):
            with solara.Row(justify="space-between"):
                solara.Button("Reset", color="primary", on_click=state.reset)
                solara.Button(
                    "❚❚" if state.playing.value else "▶", color="primary", disabled=not running,
                    on_click=state.toggle_play,
                )  # fmt: skip
                solara.Button("Step", color="primary", on_click=state.step, disabled=not running)
            solara.Select(
                "play speed",
                value=speed_text(state.speed.value),
                values=[speed_text(s) for s in SPEEDS],
                on_value=state.set_speed,
            )
            solara.Text("Keys: space ▶/❚❚ · → step · r reset · p projector", classes=["key-hint"])
        with solara.Card("Policy levers"):
            solara.Select(
                "scenario (roster, timeline)",
                value=state.preset.value,
                values=state.names,
                on_value=state.choose_scenario,
            )
            solara.InputText("seed (Reset replays it)", value=state.seed.value, on_value=state.set_seed)
            for key, value in state.lever_values.value.items():
                LeverSlider(key, value, functools.partial(state.set_lever, key))
            solara.Text("Reset builds the model from these levers.", classes=["key-hint"])


@solara.component
def Dashboard(
    model: solara.Reactive[EscalationModel],
    projector: solara.Reactive[bool] | None = None,
    top: Callable[[EscalationModel, bool, Feed], None] | None = None,
) -> None:
    """The single-model page over a reactive model: controls in the sidebar, charts in the main area.

    ``top`` renders extra components above the charts (the History page's model-against-the-war panel).
    """
    projector = projector if projector is not None else PROJECTOR_MODE
    big = projector.value
    state = solara.use_memo(lambda: DashboardState(model, projector), [])
    playing, speed = state.playing.value, state.speed.value

    def play(cancel: threading.Event) -> None:
        interval = 1.0 / speed
        due = time.monotonic() + interval
        while state.playing.value and not cancel.wait(max(0.0, due - time.monotonic())):
            months, due = months_due(time.monotonic(), due, interval)
            state.step(months)

    solara.use_thread(play, dependencies=[playing, model.value, speed], intrusive_cancel=False)

    # A month does not render the page: the Stepper pushes it to the live parts (Feed). The page renders
    # when the model is replaced (Reset), the mode changes or the run reaches its horizon.
    update_counter.get()
    m = model.value
    feed = state.feed
    solara.Style(CSS)
    Keyboard(on_key=state.on_key)
    now = m.steps
    PageTitle(m, projector, feed, now)
    Controls(state, m.running, big)
    with solara.Column(classes=["escalation", *(["projector"] if big else [])]):
        if top is not None:
            top(m, big, feed)
        with solara.Div(classes=["board"]):
            RungChart(m, big, feed, now)
            with solara.Div():
                LadderGauge(m, feed, now)
                if big:  # the story in large text right under the ladder
                    Narrative(m, big, feed, now)
            with solara.Div(classes=["wide"] if big else []):
                TimeChart("threat", m, big, feed, now)
            with solara.Div(classes=["wide"] if big else []):
                MemberMap(m, big, feed, now)
            with solara.Div(classes=["wide"] if big else []):
                TimeChart("alliance", m, big, feed, now)
            if not big:
                Narrative(m, big, feed, now)


@solara.component
def Layout(children: list | None = None) -> Any:
    """Solara's app layout; in projector mode the sidebar starts closed (the keys drive the page; ☰ opens it)."""
    return solara.AppLayout(children=children or [], sidebar_open=not PROJECTOR_MODE.value)


@solara.component
def Page() -> None:
    """The single-model page, with one model per browser session."""
    model = solara.use_memo(lambda: solara.reactive(new_model()), [])
    Dashboard(model)


# ---------------------------------------------------------------------------------------------------
# compare mode
# ---------------------------------------------------------------------------------------------------


@solara.component
def ComparePage() -> None:
    """Two scenarios side by side from the same seed, stepping together."""
    names = list(shipped_scenarios())
    left_name = solara.use_reactive("high_aid_united" if "high_aid_united" in names else names[0])
    right_name = solara.use_reactive("high_aid_divided" if "high_aid_divided" in names else names[-1])
    seed = solara.use_reactive(SEED)
    first = solara.use_memo(
        lambda: (ClassroomModel(left_name.value, rng=SEED), ClassroomModel(right_name.value, rng=SEED)), []
    )
    models, set_models = solara.use_state(first)
    steppers = solara.use_memo(lambda: (Stepper(), Stepper()), [])
    feed = solara.use_memo(Feed, [])

    def reset() -> None:
        set_models((ClassroomModel(left_name.value, rng=seed.value), ClassroomModel(right_name.value, rng=seed.value)))

    def step(n: int = 1) -> None:
        for m, stepper in zip(models, steppers, strict=True):
            stepper.request(n, m, functools.partial(feed.push, m))

    def on_key(action: Any) -> None:
        action = accept_choice(action, KEY_ACTIONS)
        if action == "step":
            step(1)
        elif action == "play":
            step(12)
        elif action == "reset":
            reset()

    def choose(side: solara.Reactive[str]) -> Callable[[Any], None]:
        return lambda name: side.set(name) if accept_choice(name, names) is not None else None

    def set_seed(value: Any) -> None:
        if accept_seed(value) is not None:
            seed.set(int(value))

    update_counter.get()
    solara.Style(CSS)
    solara.Title("Escalation: compare two scenarios")
    Keyboard(on_key=on_key)
    with solara.AppBar():
        solara.AppBarTitle("Compare two scenarios (same seed)")
    with solara.Row(style={"align-items": "center"}):
        solara.Select("left", value=left_name.value, values=names, on_value=choose(left_name))
        solara.Select("right", value=right_name.value, values=names, on_value=choose(right_name))
        solara.InputInt("seed", value=seed.value, on_value=set_seed)
        solara.Button("Reset", on_click=reset, color="primary")
        solara.Button("Step", on_click=lambda: step(1), color="primary")
        solara.Button("Step 12", on_click=lambda: step(12), color="primary")
        solara.Text("Keys: → step · space 12 steps · r reset", classes=["key-hint"])
    with solara.Div(classes=["board", "compare-board"]):
        for m in models:
            with solara.Column(classes=["escalation"], style={"min-width": "0"}):
                solara.Markdown(f"## {m.config.name}\n{m.config.values.description}")
                RungChart(m, feed=feed, month=m.steps)
                LadderGauge(m, feed, m.steps)
                Narrative(m, feed=feed, month=m.steps)


# ---------------------------------------------------------------------------------------------------
# history: the war from February 2022, the model beside what happened
# ---------------------------------------------------------------------------------------------------


@solara.component
def HistoryCharts(model: EscalationModel, big: bool = False, feed: Feed | None = None, month: int = 0) -> None:
    """The model against the war: one panel per series of ``web.HISTORY_SERIES``, what happened only up to now.

    What happened after the current month stays hidden: the class predicts, then steps and compares.
    2024 has no observed line (it is held out: the model's 2024 is a forecast).
    """
    with solara.Div(classes=["history-charts"]):
        for i, series in enumerate(web.HISTORY_SERIES):
            spec = _history_spec(i, big, int(max(model.horizon, 12)))
            css = f"chart history-chart history-{series.key}"
            Live(VegaWidget, functools.partial(_history_props), model, feed, month, spec=spec, chart_class=css)


def events_html(big: bool, model: EscalationModel) -> dict[str, str]:
    """The real events as they pass, newest first (fewer on a projector), as HTML."""
    start = getattr(model, "start", None) or HISTORY_START
    ev = observed_events()
    ev = ev[ev["date"].str[:7] <= date_of(start, model.steps)]
    who = {"input": "alliance decision", "observed": "what Russia or the front did"}
    lines = [(d, f"({who.get(role, role)}): {text}") for d, role, text in
             zip(ev["date"], ev["role"], ev["description"], strict=True)][::-1]  # fmt: skip
    shown = lines[:4] if big else lines[:10]
    return {"html": _list_html("What really happened so far", shown, "Press Step or ▶ to start the war.")}


@solara.component
def RealEvents(model: EscalationModel, big: bool = False, feed: Feed | None = None, month: int = 0) -> None:
    """The real events as they pass (newest first; fewer, larger ones on a projector)."""
    with solara.Div(classes=["narrative", "history-events"]):
        Live(LiveHTML, functools.partial(events_html, big), model, feed, month)


def _history_panel(m: EscalationModel, big: bool, feed: Feed | None = None) -> None:
    with solara.Div(classes=["history-top"]):
        HistoryCharts(m, big, feed, m.steps)
        RealEvents(m, big, feed, m.steps)


@solara.component
def HistoryPage() -> None:
    """The war from February 2022: the history scenario, its model beside the real series and events.

    Students predict the next months, then step and compare; the alliance's decisions of 2022-2024 are
    the scenario's inputs, and 2024 has no observed line (it is held out).
    """
    model = solara.use_memo(lambda: solara.reactive(ClassroomModel("history", rng=SEED, **levers("history"))), [])
    Dashboard(model, top=_history_panel)


routes = [
    solara.Route(path="/", component=Page, label="Dashboard", layout=Layout),
    solara.Route(path="compare", component=ComparePage, label="Compare"),
    solara.Route(path="history", component=HistoryPage, label="History", layout=Layout),
]


def warm(big: bool = PROJECTOR) -> None:
    """Build the opening page's chart specs (shared by every session) before the first session asks.

    Altair takes about half a second to write the four specs; ``escalation demo`` calls this as the
    server starts, so the first person to open the page does not wait for it.
    """
    model = new_model()
    for kind in ("rung", "threat", "alliance", "map"):
        _chart_spec(kind, model, big)


# `escalation demo` names its scenario in the environment of the server it starts, and Solara imports
# this module as that server starts, before it listens: warm the specs then (an import elsewhere, by
# the tests or a notebook, builds nothing)
if "ESCALATION_DEMO_SCENARIO" in os.environ:
    warm()
