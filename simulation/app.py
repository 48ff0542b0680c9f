"""The classroom dashboard: drive the escalation model live in a browser (Mesa's SolaraViz).

    escalation demo [--scenario NAME] [--port 8765] [--host 127.0.0.1]

Two pages: ``/`` drives one model (sliders for the policy levers, Step, Play, Reset); ``/compare``
runs two scenarios side by side from the same seed, stepping together (e.g. united vs divided).

The sliders are generated from the parameter declarations (``simulation.parameters.CLASSROOM``): their
ranges and starting values are the declared ones, so there is no second list of defaults here. The
sliders set the policy levers; the scenario select sets everything else (roster, timeline, tables).
"""

from __future__ import annotations

import io
import itertools
import os
from typing import Any

import matplotlib as mpl
import numpy as np
import solara
from matplotlib.figure import Figure
from mesa.visualization import SolaraViz
from mesa.visualization.utils import force_update, update_counter

from simulation import parameters
from simulation.ladder import DIRECT_CLASH, NUCLEAR_SIGNALLING
from simulation.model import EscalationModel
from simulation.scenario import load_scenario, shipped_scenarios
from simulation.viz.style import OKABE_ITO

__all__ = [
    "DEFAULT_SCENARIO",
    "SEED",
    "ClassroomModel",
    "ComparePage",
    "Dashboard",
    "Page",
    "levers",
    "model_params",
    "new_model",
    "routes",
]

#: The scenario the page opens with (``escalation demo --scenario`` sets it).
DEFAULT_SCENARIO = os.environ.get("ESCALATION_DEMO_SCENARIO", "classroom")
SEED = 1
KYIV = (50.4501, 30.5234)
MOSCOW = (55.7558, 37.6173)
NARRATIVE_MONTHS = 6
_INSTANCES = itertools.count()


class ClassroomModel(EscalationModel):
    """EscalationModel as SolaraViz's Reset builds it.

    Mesa 3.5's Reset passes its own ``mesa.experimental.scenarios.Scenario`` object as ``scenario=``,
    which would collide with ours, so here the shipped scenario comes as ``preset`` and Mesa's object
    is accepted and left aside (it carries no parameter of this model).
    """

    def __init__(self, preset: str = DEFAULT_SCENARIO, rng: Any = SEED, scenario: Any = None, **levers: Any):
        """Build the model of a shipped scenario with the dashboard's levers and seed (text from the seed box)."""
        super().__init__(preset, rng=_seed(rng), **levers)
        self.instance = next(_INSTANCES)  # figures are cached per (instance, month)


def levers(scenario: str = DEFAULT_SCENARIO) -> dict[str, float]:
    """The opening scenario's value of each classroom lever (the sliders' starting positions)."""
    sc = load_scenario(scenario)
    return {key: float(sc.get(key)) for key in parameters.CLASSROOM}


def model_params(scenario: str = DEFAULT_SCENARIO) -> dict[str, Any]:
    """SolaraViz controls: scenario, seed, and one slider per declared classroom lever.

    Ranges and labels come from the declarations; each slider starts where the opening scenario sets
    the lever, so the first model and a Reset with untouched sliders are the same model.
    """
    out: dict[str, Any] = {
        "preset": {
            "type": "Select",
            "value": scenario,
            "values": list(shipped_scenarios()),
            "label": "scenario (roster, timeline)",
        },
        "rng": {"type": "InputText", "value": str(SEED), "label": "seed (Reset replays it)"},
    }
    for key, value in levers(scenario).items():
        p = parameters.by_name(key)
        out[key] = {
            "type": "SliderFloat",
            "value": value,
            "min": p.low,
            "max": p.high,
            "step": 0.05,
            "label": key.replace("_", " "),
        }
    return out


def _seed(value: Any) -> Any:
    """The seed box holds text: parse it (falling back to SEED); any other seed passes through."""
    if not isinstance(value, str):
        return value
    try:
        return int(value.strip())
    except ValueError:
        return SEED


# ---------------------------------------------------------------------------------------------------
# components (each reads the model; update_counter makes them redraw after every step)
# ---------------------------------------------------------------------------------------------------


def _fig(w: float, h: float) -> Figure:
    with mpl.rc_context({"font.size": 11, "axes.spines.top": False, "axes.spines.right": False}):
        return Figure(figsize=(w, h), dpi=80)


def _png(fig: Figure) -> bytes:
    # Fixed margins (set in each draw function), not bbox_inches="tight": that second layout pass
    # costs about 40% of the drawing time, and the page redraws every month.
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=80)
    return buf.getvalue()


@solara.component
def FigureView(draw: Any, model: EscalationModel) -> None:
    """A figure drawn once per model and month, however often the page re-renders."""
    update_counter.get()
    png = solara.use_memo(lambda: _png(draw(model)), [draw, getattr(model, "instance", id(model)), model.steps])
    solara.Image(png, format="png")


def _series(model: EscalationModel, name: str) -> np.ndarray:
    return np.asarray(model.datacollector.model_vars[name], dtype=float)


def _short(name: str, n: int = 28) -> str:
    return name if len(name) <= n else name[: n - 1] + "…"


@solara.component
def RungChart(model: EscalationModel) -> None:
    """The escalation rung over time, with the ladder's names and Kahn's thresholds."""
    FigureView(draw_rung_chart, model)


def draw_rung_chart(model: EscalationModel) -> Figure:
    """The escalation rung over time, with the ladder's names and Kahn's thresholds."""
    fig = _fig(6.4, 3.6)
    ax = fig.subplots()
    fig.subplots_adjust(left=0.33, right=0.97, bottom=0.15, top=0.9)
    months, rung = _series(model, "month"), _series(model, "escalation_rung")
    ax.step(months, rung, where="post", color=OKABE_ITO[1], linewidth=2.4, marker="o", markersize=3)
    for k, label in ((NUCLEAR_SIGNALLING, "nuclear signalling"), (DIRECT_CLASH, "direct clash")):
        ax.axhline(k, color="#444", linestyle="--", linewidth=1)
        ax.text(0.01, k + 0.15, label, transform=ax.get_yaxis_transform(), fontsize=9, color="#444")
    names = model.ladder.names
    ax.set_yticks(range(len(names)))
    ax.set_yticklabels([f"{k} {_short(n, 22)}" for k, n in enumerate(names)], fontsize=8)
    ax.set_ylim(-0.3, len(names) - 0.5)
    ax.set_xlim(0, max(12, months[-1]))
    ax.set_xlabel("month")
    ax.set_title("Escalation ladder over time")
    return fig


@solara.component
def ThreatChart(model: EscalationModel) -> None:
    """Russia's and the members' threat perception over time."""
    FigureView(draw_threat_chart, model)


def draw_threat_chart(model: EscalationModel) -> Figure:
    """Russia's and the members' threat perception over time."""
    fig = _fig(6.4, 3.2)
    ax = fig.subplots()
    fig.subplots_adjust(left=0.12, right=0.97, bottom=0.17, top=0.88)
    months = _series(model, "month")
    ax.plot(months, _series(model, "russia_threat_perception"), color=OKABE_ITO[1], lw=2.2, label="Russia (θ)")
    ax.plot(
        months,
        _series(model, "alliance_threat_perception"),
        color=OKABE_ITO[0],
        lw=2.2,
        label="alliance members (mean T)",
    )
    ax.set_ylim(0, 1)
    ax.set_xlim(0, max(12, months[-1]))
    ax.set_xlabel("month")
    ax.set_ylabel("threat perception (0-1)")
    ax.set_title("Threat perception on both sides")
    ax.legend(loc="upper left", fontsize=9)
    return fig


@solara.component
def AllianceChart(model: EscalationModel) -> None:
    """Alliance cohesion and aid to Ukraine over time, and territory held."""
    FigureView(draw_alliance_chart, model)


def draw_alliance_chart(model: EscalationModel) -> Figure:
    """Alliance cohesion and aid to Ukraine over time, and territory held."""
    fig = _fig(6.4, 3.2)
    ax = fig.subplots()
    fig.subplots_adjust(left=0.12, right=0.86, bottom=0.17, top=0.88)
    months = _series(model, "month")
    ax.plot(months, _series(model, "alliance_cohesion"), color=OKABE_ITO[2], lw=2.2, label="cohesion")
    ax.plot(months, _series(model, "territory_held"), color=OKABE_ITO[4], lw=2.2, label="territory held by Ukraine")
    ax.set_ylim(0, 1.02)
    ax.set_xlim(0, max(12, months[-1]))
    ax.set_xlabel("month")
    ax.set_ylabel("share (0-1)")
    aid = ax.twinx()
    aid.bar(months, _series(model, "aid_total"), color=OKABE_ITO[0], alpha=0.35, width=0.8, label="aid")
    aid.set_ylabel("aid to Ukraine (USD bn / month)")
    aid.spines["right"].set_visible(True)
    ax.set_zorder(aid.get_zorder() + 1)
    ax.patch.set_visible(False)
    ax.set_title("Alliance cohesion, aid and territory")
    ax.legend(loc="lower left", fontsize=9)
    return fig


def _map_xy(lat: float, lon: float) -> tuple[float, float]:
    """Schematic map position: North America is drawn just across the Atlantic, not to scale."""
    return (lon if lon > -30 else -26 + (lon + 77) * 0.15), lat


@solara.component
def MemberMap(model: EscalationModel) -> None:
    """Members at their capitals: colour = resolve, size = GDP; Russia and Ukraine marked; incidents flashed."""
    FigureView(draw_member_map, model)


def draw_member_map(model: EscalationModel) -> Figure:
    """Members at their capitals: colour = resolve, size = GDP; Russia and Ukraine marked; incidents flashed."""
    fig = _fig(6.4, 4.6)
    ax = fig.subplots()
    fig.subplots_adjust(left=0.02, right=0.98, bottom=0.03, top=0.92)
    specs = [a.spec for a in model.member_agents]
    xy = np.array([_map_xy(s.capital_lat, s.capital_lon) for s in specs])
    gdp = model.m.gdp
    sizes = 40 + 900 * np.sqrt(gdp / gdp.max())
    pts = ax.scatter(
        xy[:, 0],
        xy[:, 1],
        s=sizes,
        c=model.m.resolve,
        cmap="viridis",
        vmin=0,
        vmax=1,
        edgecolors="white",
        linewidths=0.8,
        zorder=3,
        gid="members",
    )
    fig.colorbar(pts, ax=ax, label="resolve (0-1)", shrink=0.8)
    for s, (x, y) in zip(specs, xy, strict=True):
        ax.annotate(s.iso3, (x, y), xytext=(0, -11), textcoords="offset points", ha="center", fontsize=7)
    for i in getattr(model, "struck", ()):
        ax.scatter(
            [xy[i, 0]],
            [xy[i, 1]],
            s=sizes[i] * 3,
            facecolors="none",
            edgecolors="#D55E00",
            linewidths=3,
            zorder=4,
            gid="incident",
        )
    mx, my = _map_xy(*MOSCOW)
    ax.scatter([mx], [my], marker="*", s=500, color="#D55E00", zorder=4)
    ax.annotate(
        f"Russia (rung {model.russia.rung})",
        (mx, my),
        xytext=(8, 6),
        textcoords="offset points",
        fontsize=10,
        color="#D55E00",
        weight="bold",
    )
    kx, ky = _map_xy(*KYIV)
    ax.scatter([kx], [ky], marker="D", s=160, color="#E69F00", edgecolors="#0072B2", linewidths=2, zorder=4)
    ax.annotate(
        f"Ukraine ({model.ukraine.territory:.0%} held)",
        (kx, ky),
        xytext=(8, -14),
        textcoords="offset points",
        fontsize=10,
        color="#0072B2",
        weight="bold",
    )
    ax.set_xlim(-32, 45)
    ax.set_ylim(30, 68)
    ax.set_aspect(1.4)
    ax.set_xticks([])
    ax.set_yticks([])
    title = "The alliance: colour = resolve, size = GDP"
    if getattr(model, "struck", ()):
        title += "  ⚠ spillover incident!"
    ax.set_title(title)
    ax.text(-31, 31, "North America (not to scale)", fontsize=8, color="#666")
    return fig


@solara.component
def LadderGauge(model: EscalationModel) -> None:
    """The escalation ladder with the current rung lit."""
    update_counter.get()
    names = model.ladder.names
    now = model.russia.rung
    rows = []
    for k in range(len(names) - 1, -1, -1):
        lit = k == now
        colour = "#D55E00" if k >= DIRECT_CLASH else "#E69F00" if k >= NUCLEAR_SIGNALLING else "#0072B2"
        style = f"background:{colour};color:white;font-weight:bold;" if lit else f"border-left:6px solid {colour};"
        rows.append(
            f"<div style='padding:3px 8px;margin:2px 0;border-radius:3px;{style}'>{k}. {names[k]}"
            f"{' ◀ now' if lit else ''}</div>"
        )
    solara.Markdown(f"### Escalation ladder (month {model.steps})")
    solara.HTML(tag="div", unsafe_innerHTML="".join(rows), classes=["ladder-gauge"])


@solara.component
def Narrative(model: EscalationModel) -> None:
    """What happened in the last months, in plain sentences."""
    update_counter.get()
    since = model.steps - NARRATIVE_MONTHS
    lines = [f"- **Month {m}:** {text}." for m, _, _, text in model.events if m > since]
    solara.Markdown(
        f"### The last {NARRATIVE_MONTHS} months\n"
        + ("\n".join(lines[-12:]) if lines else "_Nothing new: press Step or ▶._")
    )


COMPONENTS = [RungChart, LadderGauge, ThreatChart, MemberMap, AllianceChart, Narrative]


def new_model() -> ClassroomModel:
    """The model the page opens with: the opening scenario, the seed, the sliders' starting levers."""
    return ClassroomModel(DEFAULT_SCENARIO, rng=SEED, **levers())


@solara.component
def Dashboard(model: solara.Reactive[EscalationModel]) -> None:
    """The single-model page over a reactive model (SolaraViz's Reset replaces its value)."""
    solara.Style(".ladder-gauge { font-size: 14px; }")
    with solara.Row():
        solara.Button("Compare two scenarios →", href="/compare", text=True)
    SolaraViz(
        model,
        components=COMPONENTS,
        model_params=model_params(),
        name="Escalation: alliance, Ukraine, Russia",
        play_interval=400,
    )


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
        force_update()  # the models changed in place: redraw their components, as SolaraViz does

    with solara.AppBar():
        solara.AppBarTitle("Compare two scenarios (same seed)")
    with solara.Row():
        solara.Button("← single model", href="/", text=True)
        solara.Select("left", value=left_name, values=names)
        solara.Select("right", value=right_name, values=names)
        solara.InputInt("seed", value=seed)
        solara.Button("Reset", on_click=reset, color="primary")
        solara.Button("Step", on_click=lambda: step(1), color="primary")
        solara.Button("Step 12", on_click=lambda: step(12), color="primary")
    with solara.Columns([1, 1]):
        for m in models:
            with solara.Column():
                solara.Markdown(f"## {m.config.name}\n{m.config.values.description}")
                RungChart(m)
                LadderGauge(m)
                Narrative(m)


routes = [
    solara.Route(path="/", component=Page, label="Dashboard"),
    solara.Route(path="compare", component=ComparePage, label="Compare"),
]
