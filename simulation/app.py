"""The classroom dashboard: drive the escalation model live in a browser, readable from the back of a room.

    escalation demo [--scenario NAME] [--projector] [--port 8765] [--host 127.0.0.1]

Two pages: ``/`` drives one model (sliders for the policy levers, Step, Play, Reset); ``/compare``
runs two scenarios side by side from the same seed, stepping together (e.g. united vs divided).

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
"""

from __future__ import annotations

import functools
import io
import itertools
import os
import threading
from collections.abc import Callable
from typing import Any

import ipyvuetify as v
import matplotlib as mpl
import numpy as np
import solara
import traitlets
from matplotlib import patheffects
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from matplotlib.transforms import Bbox
from mesa.visualization.utils import force_update, update_counter

from simulation import parameters
from simulation.analysis.observed import HISTORY_START, observed_events, observed_monthly
from simulation.calendar import date_of, month_name
from simulation.ladder import DIRECT_CLASH, NUCLEAR_SIGNALLING
from simulation.model import EscalationModel
from simulation.scenario import load_scenario, shipped_scenarios
from simulation.viz.plots import STEP_METRICS
from simulation.viz.style import OKABE_ITO

__all__ = [
    "DEFAULT_SCENARIO",
    "PROJECTOR",
    "SEED",
    "ClassroomModel",
    "ComparePage",
    "Dashboard",
    "Page",
    "lever_text",
    "levers",
    "new_model",
    "page_title",
    "routes",
    "text_collisions",
]

#: The scenario the page opens with (``escalation demo --scenario`` sets it).
DEFAULT_SCENARIO = os.environ.get("ESCALATION_DEMO_SCENARIO", "classroom")
#: Whether the page opens in projector mode (``escalation demo --projector`` sets it).
PROJECTOR = os.environ.get("ESCALATION_DEMO_PROJECTOR", "") not in ("", "0")
#: Projector mode of the browser session (Solara keeps a module's reactive values per session).
PROJECTOR_MODE = solara.reactive(PROJECTOR)
SEED = 1
KYIV = (50.4501, 30.5234)
MOSCOW = (55.7558, 37.6173)
NARRATIVE_MONTHS = 6
PLAY_INTERVAL = 0.4  # seconds between months while playing
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
        self.instance = next(_INSTANCES)  # figures are cached per (instance, month)
        self.lock = threading.RLock()  # a month is not drawn while the play loop steps it


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
# figures: drawn once per model, month and mode; fixed margins (a tight bounding box costs ~40% more)
# ---------------------------------------------------------------------------------------------------


def _look(big: bool) -> dict[str, Any]:
    """The matplotlib rc for the page (normal) or for a projector (larger type, thicker lines)."""
    size = 17 if big else 11
    return {
        "font.size": size,
        "axes.titlesize": size + 2,
        "axes.labelsize": size,
        "xtick.labelsize": size - 1,
        "ytick.labelsize": size - 1,
        "legend.fontsize": size - 1,
        "axes.linewidth": 1.6 if big else 1.0,
        "xtick.major.width": 1.6 if big else 1.0,
        "ytick.major.width": 1.6 if big else 1.0,
        "axes.spines.top": False,
        "axes.spines.right": False,
    }


LINE = {False: 2.2, True: 4.0}
#: Opacity of a member with no public support left (full support: opaque).
SUPPORT_ALPHA_FLOOR = 0.25
DPI = 80


def _drawn(draw: Callable[[EscalationModel, bool], Figure]) -> Callable[..., Figure]:
    """Draw inside the page's look (rc settings apply to text made while drawing, so wrap it all)."""

    def wrapper(model: EscalationModel, big: bool = False) -> Figure:
        with mpl.rc_context(_look(big)):
            return draw(model, big)

    wrapper.__name__, wrapper.__doc__ = draw.__name__, draw.__doc__
    return wrapper


def _fig(size: tuple[float, float], projector: tuple[float, float], big: bool) -> Figure:
    """A figure of ``size`` inches on the page, or of ``projector`` inches in projector mode (at 80 dpi)."""
    fig = Figure(figsize=projector if big else size, dpi=DPI)
    FigureCanvasAgg(fig)
    return fig


def _time_axis(ax: Any, last: float) -> None:
    """Months on the x axis, whole numbers only, at least a year wide."""
    ax.set_xlim(0, last)
    ax.set_xlabel("month")
    ax.xaxis.set_major_locator(MaxNLocator(nbins="auto", integer=True))


def _png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, pil_kwargs={"compress_level": 1})  # fast beats small on a LAN
    return buf.getvalue()


def _series(model: EscalationModel, name: str) -> np.ndarray:
    return np.asarray(model.datacollector.model_vars[name], dtype=float)


def _months(model: EscalationModel) -> tuple[np.ndarray, float]:
    months = _series(model, "month")
    return months, max(12.0, float(months[-1]))


@_drawn
def draw_rung_chart(model: EscalationModel, big: bool = False) -> Figure:
    """The escalation rung over time: rungs by number (the gauge beside names them), Kahn's thresholds marked."""
    fig = _fig((6.4, 3.6), (9.2, 5.6), big)  # beside the gauge, also on a projector
    ax = fig.subplots()
    fig.subplots_adjust(left=0.09, right=0.82, bottom=0.16, top=0.88)
    months, last = _months(model)
    rung = _series(model, "escalation_rung")
    ax.step(months, rung, where="post", color=OKABE_ITO[1], linewidth=LINE[big], marker="o", markersize=LINE[big] + 1)
    for k, label, va in ((NUCLEAR_SIGNALLING, "nuclear\nsignalling", "top"), (DIRECT_CLASH, "direct\nclash", "bottom")):
        ax.axhline(k, color="#444", linestyle="--", linewidth=LINE[big] / 2)
        # in the right margin, outside the plotted area (no line runs through it): the upper label
        # above its line, the lower one below, so that the two neighbouring thresholds never meet
        ax.text(1.02, k, label, transform=ax.get_yaxis_transform(), va=va, color="#444", clip_on=False)
    n = len(model.ladder.names)
    ax.set_yticks(range(n))
    ax.set_ylim(-0.4, n - 0.6)
    _time_axis(ax, last)
    ax.set_ylabel("rung")
    ax.set_title("Escalation ladder over time")
    return fig


@_drawn
def draw_threat_chart(model: EscalationModel, big: bool = False) -> Figure:
    """Russia's and the members' threat perception over time."""
    fig = _fig((6.4, 3.4), (11, 5.6), big)
    ax = fig.subplots()
    fig.subplots_adjust(left=0.12, right=0.97, bottom=0.16, top=0.76)
    months, last = _months(model)
    lw = LINE[big]
    ax.plot(months, _series(model, "russia_threat_perception"), color=OKABE_ITO[1], lw=lw, label="Russia (θ)")
    ax.plot(months, _series(model, "alliance_threat_perception"), color=OKABE_ITO[0], lw=lw, label="members (mean T)")
    ax.set_ylim(0, 1)
    _time_axis(ax, last)
    ax.set_ylabel("threat perception (0-1)")
    _title_and_legend(ax, "Threat perception on both sides", ncols=2)
    return fig


def _title_and_legend(ax: Any, title: str, *, ncols: int, handles: list | None = None) -> None:
    """The legend in a row between the title and the plotted area, where it covers no data."""
    ax.set_title(title, pad=ax.figure.dpi * 0.36 * (ax.figure.get_figwidth() / 6.4))
    kw = {"handles": handles} if handles else {}
    ax.legend(loc="lower left", bbox_to_anchor=(0, 1.0), ncols=ncols, frameon=False, borderaxespad=0.2, **kw)


@_drawn
def draw_alliance_chart(model: EscalationModel, big: bool = False) -> Figure:
    """Alliance cohesion and territory held (shares), and aid to Ukraine (bars, its own axis) over time."""
    fig = _fig((6.4, 3.4), (11, 5.6), big)
    ax = fig.subplots()
    fig.subplots_adjust(left=0.12, right=0.86, bottom=0.16, top=0.76)
    months, last = _months(model)
    lw = LINE[big]
    aid = ax.twinx()
    given = _series(model, "aid_total")
    # one filled step outline instead of a bar per month: the same picture at a fraction of the cost
    bars = aid.stairs(given, np.append(months - 0.5, months[-1] + 0.5), fill=True, color=OKABE_ITO[0], alpha=0.35,
                      label="aid")  # fmt: skip
    aid.set_ylim(0, max(1.0, float(np.max(given, initial=0.0)) * 1.05))
    aid.set_ylabel(STEP_METRICS["aid_total"].replace("aid to Ukraine ", "aid "))  # the unit as plots declare it
    aid.spines["right"].set_visible(True)
    (coh,) = ax.plot(months, _series(model, "alliance_cohesion"), color=OKABE_ITO[2], lw=lw, label="cohesion")
    (ter,) = ax.plot(months, _series(model, "territory_held"), color=OKABE_ITO[4], lw=lw, label="territory held")
    ax.set_zorder(aid.get_zorder() + 1)
    ax.patch.set_visible(False)
    ax.set_ylim(0, 1.02)
    _time_axis(ax, last)
    ax.set_xlim(-0.6, last + 0.6)  # each month's aid is a step a month wide: room for the first and the last
    ax.set_ylabel("share (0-1)")
    _title_and_legend(ax, "Alliance cohesion, aid and territory", ncols=3, handles=[coh, ter, bars])
    return fig


def _map_xy(lat: float, lon: float) -> tuple[float, float]:
    """Schematic map position: North America is drawn just across the Atlantic, not to scale."""
    return (lon if lon > -30 else -26 + (lon + 77) * 0.15), lat


def _inside(box: Bbox, frame: Bbox) -> bool:
    return box.x0 >= frame.x0 and box.x1 <= frame.x1 and box.y0 >= frame.y0 and box.y1 <= frame.y1


@_drawn
def draw_member_map(model: EscalationModel, big: bool = False) -> Figure:
    """Members at their capitals: colour = resolve, size = GDP; Russia and Ukraine marked; incidents ringed.

    A member's rim shows its government's stance (white hawkish, dark red accommodating) and its fill
    fades with its public's support for aiding Ukraine. The colour
    bar has its own row under the map, and a member's name is written only where it
    covers no other label and no other member (the largest economies are placed first).
    """
    fig = _fig((6.4, 4.8), (11, 8.2), big)
    ax = fig.add_axes((0.02, 0.26, 0.96, 0.64))
    cax = fig.add_axes((0.3, 0.18, 0.4, 0.03))
    specs = [a.spec for a in model.member_agents]
    xy = np.array([_map_xy(s.capital_lat, s.capital_lon) for s in specs])
    gdp = model.m.gdp
    grow = 11 / 6.4 if big else 1.0
    sizes = (40 + 900 * np.sqrt(gdp / gdp.max())) * grow**2
    # the rim shows the government's stance (issue 11): white when hawkish (+1), dark red when accommodating (-1)
    rims = mpl.colormaps["Reds"]((1.0 - model.m.stance) / 2.0)
    # the fill fades with the public's support (issue 11): a member whose public has turned away is pale
    support = np.clip(getattr(model.m, "support", np.ones_like(gdp)), 0.0, 1.0)
    pts = ax.scatter(
        xy[:, 0], xy[:, 1], s=sizes, c=model.m.resolve, cmap="viridis", vmin=0, vmax=1,
        alpha=SUPPORT_ALPHA_FLOOR + (1.0 - SUPPORT_ALPHA_FLOOR) * support,
        edgecolors=rims, linewidths=1.6 * grow, zorder=3, gid="members",
    )  # fmt: skip
    legend = "resolve (0-1); pale: low public support;\nred rim: government not hawkish"
    fig.colorbar(pts, cax=cax, orientation="horizontal", label=legend)
    for i in getattr(model, "struck", ()):
        ax.scatter(
            [xy[i, 0]], [xy[i, 1]], s=sizes[i] * 3, facecolors="none", edgecolors=OKABE_ITO[1],
            linewidths=LINE[big] + 1, zorder=4, gid="incident",
        )  # fmt: skip
    mx, my = _map_xy(*MOSCOW)
    kx, ky = _map_xy(*KYIV)
    ax.scatter([mx], [my], marker="*", s=500 * grow**2, color=OKABE_ITO[1], zorder=4)
    ax.scatter(
        [kx], [ky], marker="D", s=160 * grow**2, color=OKABE_ITO[4], edgecolors=OKABE_ITO[0], linewidths=2, zorder=4
    )
    ax.set_xlim(-32, 52)
    ax.set_ylim(30, 68)
    ax.set_aspect(1.4)
    ax.set_axis_off()
    title = "The alliance: colour = resolve, size = GDP"
    if getattr(model, "struck", ()):
        title += "  ⚠ spillover!"
    ax.set_title(title)
    halo = [patheffects.withStroke(linewidth=3, foreground="white")]
    bold = {"weight": "bold", "zorder": 5, "textcoords": "offset points", "ha": "center", "path_effects": halo}
    placed = [
        ax.annotate(f"Russia (rung {model.russia.rung})", (mx, my), xytext=(0, 10 * grow), va="bottom",
                    color=OKABE_ITO[1], **bold),
        ax.annotate(f"Ukraine ({model.ukraine.territory:.0%} held)", (kx, ky), xytext=(0, -9 * grow), va="top",
                    color=OKABE_ITO[0], **bold),
        ax.text(0.01, 0.02, "North America (not to scale)", transform=ax.transAxes, fontsize="small", color="#666"),
    ]  # fmt: skip
    ax.apply_aspect()
    renderer = fig.canvas.get_renderer()
    frame = ax.get_window_extent(renderer)
    boxes = [t.get_window_extent(renderer) for t in placed]
    centres = ax.transData.transform(xy)
    radii = np.sqrt(sizes) / 2 * fig.dpi / 72  # marker area is in points squared; radii in pixels
    discs = [Bbox.from_extents(x - r, y - r, x + r, y + r) for (x, y), r in zip(centres, radii, strict=True)]
    # Each name's box is computed from its measured size (cached: the same names every month), and a
    # Text is made only where the box covers nothing.
    size = mpl.rcParams["font.size"] * (0.833 if big else 0.694)  # "small" / "x-small"
    px = fig.dpi / 72
    taken = np.array([[b.x0, b.y0, b.x1, b.y1] for b in (*boxes, *discs)])  # labels so far, then the members
    n_labels = len(boxes)
    for i in np.argsort(-gdp, kind="stable"):
        w, h = _text_size(specs[i].iso3, size, fig.dpi)
        (x, y), r = centres[i], radii[i] + px
        others = np.ones(len(taken), dtype=bool)
        others[n_labels + i] = False  # a member's own disc does not block its name
        # below, above, right, left of the marker: the first place that covers nothing is taken
        for x0, y0, ha, va, off in ((x - w / 2, y - r - h, "center", "top", (0, -r)),
                                    (x - w / 2, y + r, "center", "bottom", (0, r)),
                                    (x + r, y - h / 2, "left", "center", (r, 0)),
                                    (x - r - w, y - h / 2, "right", "center", (-r, 0))):  # fmt: skip
            x1, y1 = x0 + w, y0 + h
            hit = (x0 < taken[:, 2]) & (x1 > taken[:, 0]) & (y0 < taken[:, 3]) & (y1 > taken[:, 1]) & others
            if frame.x0 <= x0 and x1 <= frame.x1 and frame.y0 <= y0 and y1 <= frame.y1 and not hit.any():
                taken = np.insert(taken, n_labels, (x0, y0, x1, y1), axis=0)
                n_labels += 1
                ax.annotate(specs[i].iso3, tuple(xy[i]), xytext=(off[0] / px, off[1] / px), textcoords="offset points",
                            ha=ha, va=va, fontsize=size)  # fmt: skip
                break
        # a name that would cover another label or member is left out rather than drawn unreadable
    return fig


@functools.lru_cache(maxsize=1024)
def _text_size(text: str, size: float, dpi: float) -> tuple[float, float]:
    """Width and height in pixels of the box matplotlib draws a one-line text in (default font)."""
    fig = Figure(dpi=dpi)
    renderer = FigureCanvasAgg(fig).get_renderer()
    box = fig.text(0, 0, text, fontsize=size).get_window_extent(renderer)
    return box.width + 1, box.height + 1


def text_collisions(fig: Figure) -> list[tuple[str, str]]:
    """Pairs of drawn texts of a figure whose boxes overlap, and texts that leave the figure.

    A text over a colour bar counts as a collision (``"<colour bar>"``), a text cut off by the edge as
    ``"<edge>"``. Tick labels of ticks outside the axis' view are not drawn and not counted. The tests
    run it on every figure of the page; it is empty for a readable figure.
    """
    renderer = fig.canvas.get_renderer()
    fig.draw_without_rendering()
    undrawn = set()
    for a in fig.axes:
        for axis, (lo, hi) in ((a.xaxis, sorted(a.get_xlim())), (a.yaxis, sorted(a.get_ylim()))):
            for tick in axis.get_major_ticks() + axis.get_minor_ticks():
                if not lo - 1e-9 <= tick.get_loc() <= hi + 1e-9:
                    undrawn |= {id(tick.label1), id(tick.label2)}
    texts = [
        t
        for t in fig.findobj(mpl.text.Text)
        if t.get_visible() and t.get_text().strip() and id(t) not in undrawn and t.get_figure() is not None
    ]
    boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in texts]
    bars = [a for a in fig.axes if getattr(a, "_colorbar", None) is not None]
    out = []
    for i, (a, box) in enumerate(boxes):
        if not _inside(box.shrunk(0.98, 0.98), fig.bbox.padded(1)):
            out.append((a, "<edge>"))
        out += [(a, b) for b, other in boxes[i + 1 :] if box.overlaps(other)]
        for cbar in bars:
            own = {id(t) for t in cbar.findobj(mpl.text.Text)}
            if id(texts[i]) not in own and box.overlaps(cbar.get_window_extent(renderer)):
                out.append((a, "<colour bar>"))
    return out


@solara.component
def FigureView(draw: Any, model: EscalationModel, big: bool = False, month: int = 0) -> None:
    """A figure drawn once per model, month and mode, however often the page re-renders.

    The page renders once per month (it follows ``update_counter``) and passes the month down as a
    property: a component whose properties are unchanged is not rendered again.
    """

    def render() -> bytes:
        with getattr(model, "lock", threading.RLock()):
            return _png(draw(model, big))

    png = solara.use_memo(render, [draw, getattr(model, "instance", id(model)), month, big])
    solara.Image(png, format="png", classes=["escalation-figure"])


@solara.component
def RungChart(model: EscalationModel, big: bool = False, month: int = 0) -> None:
    """The escalation rung over time."""
    FigureView(draw_rung_chart, model, big, month)


@solara.component
def ThreatChart(model: EscalationModel, big: bool = False, month: int = 0) -> None:
    """Russia's and the members' threat perception over time."""
    FigureView(draw_threat_chart, model, big, month)


@solara.component
def AllianceChart(model: EscalationModel, big: bool = False, month: int = 0) -> None:
    """Alliance cohesion, aid to Ukraine and territory over time."""
    FigureView(draw_alliance_chart, model, big, month)


@solara.component
def MemberMap(model: EscalationModel, big: bool = False, month: int = 0) -> None:
    """The members on a schematic map."""
    FigureView(draw_member_map, model, big, month)


@solara.component
def LadderGauge(model: EscalationModel, month: int = 0) -> None:
    """The escalation ladder with the current rung lit (it names the rung chart's numbers)."""
    names = model.ladder.names
    now = model.russia.rung
    rows = []
    for k in range(len(names) - 1, -1, -1):
        lit = k == now
        colour = OKABE_ITO[1] if k >= DIRECT_CLASH else OKABE_ITO[4] if k >= NUCLEAR_SIGNALLING else OKABE_ITO[0]
        style = f"background:{colour};color:white;font-weight:bold;" if lit else f"border-left:6px solid {colour};"
        rows.append(
            f"<div style='padding:3px 8px;margin:2px 0;border-radius:3px;{style}'>{k}. {names[k]}"
            f"{' ◀ now' if lit else ''}</div>"
        )
    date = getattr(model, "date", None)
    solara.Markdown(f"### Escalation ladder (month {model.steps}){' · ' + month_name(date) if date else ''}")
    solara.HTML(tag="div", unsafe_innerHTML="".join(rows), classes=["ladder-gauge"])


@solara.component
def Narrative(model: EscalationModel, big: bool = False, month: int = 0) -> None:
    """What happened in the last months, in plain sentences (fewer, larger ones on a projector)."""
    since = model.steps - NARRATIVE_MONTHS
    lines = [f"- **Month {m}:** {text}." for m, _, _, text in model.events if m > since]
    shown = lines[-5:] if big else lines[-12:]
    with solara.Div(classes=["narrative"]):
        solara.Markdown(
            f"### The last {NARRATIVE_MONTHS} months\n"
            + ("\n".join(shown) if shown else "_Nothing new: press Step or ▶._")
        )


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
        solara.SliderFloat(label, value=value, min=p.low, max=p.high, step=0.05, on_value=on_value, thumb_label=False)


CSS = """
.escalation-figure { max-width: 100%; height: auto; }
.ladder-gauge { font-size: 14px; }
.lever { margin-top: 6px; }
.lever .v-input__slot > .v-label { display: none; }
.lever-name { font-size: 15px; }
.lever-value { font-size: 17px; font-weight: bold; }
.key-hint { font-size: 13px; color: #555; }
.escalation.projector .ladder-gauge { font-size: 24px; line-height: 1.35; }
.escalation.projector h3 { font-size: 30px; }
.escalation.projector .narrative, .escalation.projector .narrative li { font-size: 28px; line-height: 1.4; }
.controls.projector .lever-name { font-size: 20px; }
.controls.projector .lever-value { font-size: 24px; }
.controls.projector .key-hint { font-size: 17px; }
.controls.projector .v-btn { font-size: 18px; }
"""


@solara.component
def PageTitle(model: EscalationModel, projector: solara.Reactive[bool], month: int = 0) -> None:
    """The browser tab's and the bar's title (scenario and month), and the projector switch."""
    title = f"Escalation: {page_title(model)}"
    solara.Title(title)
    with solara.AppBar():
        solara.AppBarTitle(title)
        solara.Switch(label="projector", value=projector, classes=["projector-toggle"])


@solara.component
def Buttons(
    model: EscalationModel, playing: solara.Reactive[bool], step: Callable, reset: Callable, month: int = 0
) -> None:
    """Reset, play/pause and Step; play and Step are off once the run has reached its horizon."""
    with solara.Row(justify="space-between"):
        solara.Button("Reset", color="primary", on_click=reset)
        solara.Button(
            "❚❚" if playing.value else "▶",
            color="primary",
            disabled=not model.running,
            on_click=lambda: playing.set(not playing.value),
        )
        solara.Button("Step", color="primary", on_click=step, disabled=playing.value or not model.running)


@solara.component
def Dashboard(
    model: solara.Reactive[EscalationModel],
    projector: solara.Reactive[bool] | None = None,
    top: Callable[[EscalationModel, bool], None] | None = None,
) -> None:
    """The single-model page over a reactive model: controls in the sidebar, charts in the main area.

    ``top`` renders extra components above the charts (the History page's model-against-the-war panel).
    """
    projector = projector if projector is not None else PROJECTOR_MODE
    big = projector.value
    names = solara.use_memo(lambda: list(shipped_scenarios()), [])
    first = solara.use_memo(
        lambda: model.value.config.name if model.value.config.name in names else DEFAULT_SCENARIO, []
    )
    start = solara.use_memo(lambda: levers(first), [])
    preset = solara.use_reactive(first)
    seed = solara.use_reactive(str(SEED))
    lever_values = solara.use_reactive(start)
    playing = solara.use_reactive(False)

    def step() -> None:
        m = model.value
        if m.running:
            with getattr(m, "lock", threading.RLock()):
                m.step()
            force_update()
        if not m.running:
            playing.set(False)

    def reset() -> None:
        playing.set(False)
        model.set(ClassroomModel(preset.value, rng=seed.value, **lever_values.value))

    def choose_scenario(name: str) -> None:
        preset.set(name)
        lever_values.set(levers(name))  # the sliders move to the chosen scenario's levers

    def on_key(action: str) -> None:
        if action == "play":
            playing.set(not playing.value and model.value.running)
        elif action == "step" and not playing.value:
            step()
        elif action == "reset":
            reset()
        elif action == "projector":
            projector.set(not projector.value)

    def play(cancel: threading.Event) -> None:
        while playing.value and not cancel.wait(PLAY_INTERVAL):
            step()

    solara.use_thread(play, dependencies=[playing.value, model.value], intrusive_cancel=False)

    # One render per month: the page follows update_counter (force_update after a step), and the parts
    # that show the month read it from the model. Components that each followed it would cost one
    # pass over the whole page per component.
    update_counter.get()
    m = model.value
    solara.Style(CSS)
    Keyboard(on_key=on_key)
    PageTitle(m, projector, m.steps)
    with solara.Sidebar(), solara.Column(classes=["controls", *(["projector"] if big else [])]):
        with solara.Card("Controls"):
            Buttons(m, playing, step, reset, m.steps)
            solara.Text("Keys: space ▶/❚❚ · → step · r reset · p projector", classes=["key-hint"])
        with solara.Card("Policy levers"):
            solara.Select(
                "scenario (roster, timeline)",
                value=preset.value,
                values=names,
                on_value=choose_scenario,
            )
            solara.InputText("seed (Reset replays it)", value=seed)
            for key, value in lever_values.value.items():
                LeverSlider(key, value, lambda x, key=key: lever_values.set({**lever_values.value, key: x}))
            solara.Text("Reset builds the model from these levers.", classes=["key-hint"])

    with solara.Column(classes=["escalation", *(["projector"] if big else [])]):
        if top is not None:
            top(m, big)
        with solara.Columns([3, 2] if big else [1, 1]):
            RungChart(m, big, m.steps)
            LadderGauge(m, m.steps)
        if big:  # one chart per row; the story in large text right under the ladder
            Narrative(m, big, m.steps)
            ThreatChart(m, big, m.steps)
            MemberMap(m, big, m.steps)
            AllianceChart(m, big, m.steps)
        else:
            with solara.Columns([1, 1]):
                ThreatChart(m, month=m.steps)
                MemberMap(m, month=m.steps)
            with solara.Columns([1, 1]):
                AllianceChart(m, month=m.steps)
                Narrative(m, month=m.steps)


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

    def reset() -> None:
        set_models((ClassroomModel(left_name.value, rng=seed.value), ClassroomModel(right_name.value, rng=seed.value)))

    def step(n: int = 1) -> None:
        for _ in range(n):
            for m in models:
                if m.running:
                    m.step()
        force_update()  # the models changed in place: redraw their components

    def on_key(action: str) -> None:
        if action == "step":
            step(1)
        elif action == "play":
            step(12)
        elif action == "reset":
            reset()

    update_counter.get()
    solara.Style(CSS)
    solara.Title("Escalation: compare two scenarios")
    Keyboard(on_key=on_key)
    with solara.AppBar():
        solara.AppBarTitle("Compare two scenarios (same seed)")
    with solara.Row(style={"align-items": "center"}):
        solara.Select("left", value=left_name, values=names)
        solara.Select("right", value=right_name, values=names)
        solara.InputInt("seed", value=seed)
        solara.Button("Reset", on_click=reset, color="primary")
        solara.Button("Step", on_click=lambda: step(1), color="primary")
        solara.Button("Step 12", on_click=lambda: step(12), color="primary")
        solara.Text("Keys: → step · space 12 steps · r reset", classes=["key-hint"])
    with solara.Columns([1, 1]):
        for m in models:
            with solara.Column(classes=["escalation"]):
                solara.Markdown(f"## {m.config.name}\n{m.config.values.description}")
                RungChart(m, month=m.steps)
                LadderGauge(m, m.steps)
                Narrative(m, month=m.steps)


# ---------------------------------------------------------------------------------------------------
# history: the war from February 2022, the model beside what happened
# ---------------------------------------------------------------------------------------------------


@_drawn
def draw_history_chart(model: EscalationModel, big: bool = False) -> Figure:
    """The model's territory and aid so far beside the observed ones up to the same month (2022-2023).

    What happened after the current month stays hidden: the class predicts, then steps and compares.
    2024 has no observed line (it is held out: the model's 2024 is a forecast).
    """
    fig = _fig((12.8, 3.6), (18, 5.6), big)
    ax_t, ax_a = fig.subplots(1, 2)
    fig.subplots_adjust(left=0.06, right=0.98, bottom=0.17, top=0.74, wspace=0.22)
    months, _ = _months(model)
    last = float(max(model.horizon, 12))
    obs = observed_monthly()
    seen = obs[obs["month"] <= model.steps]
    lw = LINE[big]
    for ax, column, observed, label in (
        (ax_t, "territory_held", "ukraine_held_share", "territory held by Ukraine (share)"),
        (ax_a, "aid_total", "alliance_military_eur_bn", STEP_METRICS["aid_total"].replace("aid to Ukraine ", "aid ")),
    ):
        ax.plot(months, _series(model, column), color=OKABE_ITO[0], lw=lw, label="model (this run)")
        ax.plot(seen["month"], seen[observed], "o-", color="black", lw=lw / 2, markersize=lw + 1, label="what happened")
        ax.set_xlim(-0.5, last + 0.5)
        ax.set_ylabel(label)
        ax.set_xlabel("month (0 = February 2022)")
        ax.axvspan(obs["month"].max() + 0.5, last + 0.5, color="#eeeeee", zorder=0)  # 2024: held out
    lo = min(float(obs["ukraine_held_share"].min()), float(_series(model, "territory_held").min())) - 0.02
    ax_t.set_ylim(lo, max(0.9, float(_series(model, "territory_held").max()) + 0.02))
    ax_a.set_ylim(0, max(10.0, float(_series(model, "aid_total").max()) * 1.1))
    ax_t.text(obs["month"].max() + 1, ax_t.get_ylim()[1], "2024: not observed here", va="top", color="#555")
    for ax, title in ((ax_t, "The front"), (ax_a, "Alliance military aid")):
        ax.set_title(title, pad=LINE[big] * 12)
        ax.legend(loc="lower left", bbox_to_anchor=(0, 1.0), ncols=2, frameon=False, borderaxespad=0.2)
    return fig


@solara.component
def HistoryChart(model: EscalationModel, big: bool = False, month: int = 0) -> None:
    """The model against the war, drawn once per month."""
    FigureView(draw_history_chart, model, big, month)


def real_events(model: EscalationModel) -> list[str]:
    """The real events up to the model's current month, newest first, as the page lists them."""
    start = getattr(model, "start", None) or HISTORY_START
    ev = observed_events()
    ev = ev[ev["date"].str[:7] <= date_of(start, model.steps)]
    who = {"input": "alliance decision", "observed": "what Russia or the front did"}
    return [f"- **{d}** ({who.get(role, role)}): {text}" for d, role, text in
            zip(ev["date"], ev["role"], ev["description"], strict=True)][::-1]  # fmt: skip


@solara.component
def RealEvents(model: EscalationModel, big: bool = False, month: int = 0) -> None:
    """The real events as they pass (newest first; fewer, larger ones on a projector)."""
    lines = real_events(model)
    shown = lines[:4] if big else lines[:10]
    with solara.Div(classes=["narrative"]):
        solara.Markdown(
            "### What really happened so far\n" + ("\n".join(shown) if shown else "_Press Step or ▶ to start the war._")
        )


def _history_panel(m: EscalationModel, big: bool) -> None:
    with solara.Columns([1] if big else [3, 1]):
        HistoryChart(m, big, m.steps)
        if not big:
            RealEvents(m, big, m.steps)
    if big:
        RealEvents(m, big, m.steps)


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
