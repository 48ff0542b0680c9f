"""The dashboard's charts, drawn in the browser: Vega-Lite specs (built with Altair) and the rows they show.

Two kinds of pure function, neither of which touches a browser or a widget:

- **rows**: from a model (or an observed table) to plain lists of dicts, the data a chart shows this
  month (:func:`month_rows`, :func:`member_rows`, :func:`map_labels`, :func:`history_rows`);
- **charts**: from sizes, names and the static facts of a run (horizon, rung names, thresholds) to an
  Altair chart whose data are *named* sources (``months``, ``members``, ``labels``, ``history``)
  (:func:`rung_chart`, :func:`threat_chart`, :func:`alliance_chart`, :func:`member_map`,
  :func:`history_chart`).

A chart's spec is built once per run and mode; each month only its rows change, and the browser
updates the drawn chart in place (``simulation.viz.webview``). :func:`spec` turns a chart into the
Vega-Lite 5 JSON the bundled front end (Vega 5.21, Vega-Lite 5.2, shipped by ``solara-assets``) reads.

The member map is drawn from ``simulation/data/europe_110m.geojson`` (Natural Earth 1:110m, public
domain; ``scripts/europe_outlines.py`` extracts it): outlines are projected here (Lambert azimuthal
equal-area, centred on Europe) into the map's own pixels, so the names can be placed where they cover
nothing (:func:`label_collisions` checks it) and the browser draws them as they are.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

import altair as alt
import numpy as np

from simulation.ladder import DIRECT_CLASH, NUCLEAR_SIGNALLING
from simulation.viz.plots import STEP_METRICS
from simulation.viz.style import OKABE_ITO

__all__ = [
    "HISTORY_SERIES",
    "MAP_SIZE",
    "SUPPORT_ALPHA_FLOOR",
    "HistorySeries",
    "Look",
    "alliance_chart",
    "history_chart",
    "history_rows",
    "label_collisions",
    "look",
    "map_labels",
    "member_map",
    "member_rows",
    "month_rows",
    "roster_of",
    "rung_chart",
    "spec",
    "threat_chart",
    "time_signals",
]

#: Opacity of a member with no public support left (full support: opaque).
SUPPORT_ALPHA_FLOOR = 0.25
#: The map's drawing size in pixels (page, projector); the browser scales it to its box.
MAP_SIZE = {False: (560, 450), True: (840, 675)}  # one shape: members' places scale with it
#: The Vega-Lite version of the bundled front end (solara-assets ships vega-lite 5.2.0).
VEGA_LITE_SCHEMA = "https://vega.github.io/schema/vega-lite/v5.2.0.json"
KYIV = (50.4501, 30.5234)
MOSCOW = (55.7558, 37.6173)
GREY = "#444444"


@dataclass(frozen=True)
class Look:
    """Type and line sizes of one mode (the page or a projector)."""

    font: int
    line: float

    @property
    def title(self) -> int:
        """Chart titles."""
        return self.font + 3

    @property
    def small(self) -> int:
        """Tick labels and map names."""
        return self.font - 1


def look(big: bool) -> Look:
    """The page's type and lines, or a projector's (larger type, thicker lines)."""
    return Look(font=20, line=4.0) if big else Look(font=13, line=2.2)


def spec(chart: alt.TopLevelMixin) -> dict[str, Any]:
    """The Vega-Lite JSON of a chart, for the bundled Vega-Lite 5.2 (Altair writes a v6 schema)."""
    out = chart.to_dict(validate=False)
    out["$schema"] = VEGA_LITE_SCHEMA
    return out


def _config(chart: alt.TopLevelMixin, big: bool) -> alt.TopLevelMixin:
    lk = look(big)
    return chart.configure(font="sans-serif", padding=4).configure_view(stroke=None).configure_axis(
        labelFontSize=lk.small, titleFontSize=lk.font, labelColor="#222", titleColor="#222", grid=True,
        gridOpacity=0.35, domainWidth=1.6 if big else 1.0, tickWidth=1.6 if big else 1.0,
    ).configure_title(fontSize=lk.title, anchor="start", offset=6).configure_legend(
        labelFontSize=lk.small, titleFontSize=lk.small, symbolStrokeWidth=lk.line, orient="top", direction="horizontal",
        title=None, symbolSize=120 if big else 60, labelLimit=400,
    )  # fmt: skip


# ---------------------------------------------------------------------------------------------------
# rows: what the charts show this month
# ---------------------------------------------------------------------------------------------------

#: The step columns the time charts read, by the short name their rows use.
MONTH_COLUMNS = {
    "rung": "escalation_rung",
    "threat_russia": "russia_threat_perception",
    "threat_members": "alliance_threat_perception",
    "cohesion": "alliance_cohesion",
    "territory": "territory_held",
    "aid": "aid_total",
}


def month_rows(model: Any) -> list[dict[str, Any]]:
    """One row per month so far: the month, its date (for a dated scenario) and the time charts' series."""
    mv = model.datacollector.model_vars
    months = [int(m) for m in mv["month"]]
    cols = {short: mv[name] for short, name in MONTH_COLUMNS.items()}
    start = getattr(model, "start", None)
    if start:
        from simulation.calendar import date_of

        dates = [date_of(start, m) for m in months]
    else:
        dates = [None] * len(months)
    return [
        {"month": m, "date": d, **{k: round(float(v[i]), 4) for k, v in cols.items()}}
        for i, (m, d) in enumerate(zip(months, dates, strict=True))
    ]


def _rims(stance: np.ndarray) -> list[str]:
    """A member's rim: white when its government is hawkish (+1), dark red when accommodating (-1)."""
    import matplotlib as mpl
    from matplotlib.colors import to_hex

    return [to_hex(c) for c in mpl.colormaps["Reds"]((1.0 - np.asarray(stance, dtype=float)) / 2.0)]


def member_rows(model: Any, big: bool = False) -> list[dict[str, Any]]:
    """One row per member this month: resolve (fill), public support (opacity), stance (rim), struck, place.

    ``px``/``py`` are the capital's place on the map of the mode (North America's members are drawn
    across the Atlantic); the outline is added in the browser from the spec (``member_map``).
    """
    specs = [a.spec for a in model.member_agents]
    m = model.m
    support = np.clip(getattr(m, "support", np.ones(len(specs))), 0.0, 1.0)
    stance = np.asarray(getattr(m, "stance", np.ones(len(specs))), dtype=float)
    struck = set(getattr(model, "struck", ()))
    rims = _rims(stance)
    proj = _projection(big)
    out = []
    for i, s in enumerate(specs):
        x, y = proj(*NORTH_AMERICA.get(s.iso3, (s.capital_lat, s.capital_lon)))
        out.append(
            {
                "iso3": s.iso3,
                "name": s.name,
                "resolve": round(float(m.resolve[i]), 3),
                "support": round(float(support[i]), 3),
                "opacity": round(SUPPORT_ALPHA_FLOOR + (1.0 - SUPPORT_ALPHA_FLOOR) * float(support[i]), 3),
                "stance": round(float(stance[i]), 3),
                "rim": rims[i],
                "struck": i in struck,
                "gdp": round(float(s.gdp_usd_bn)),
                "px": x,
                "py": y,
            }
        )
    return out


def roster_of(model: Any) -> tuple[tuple[str, float, float, float], ...]:
    """(iso3, capital lat, capital lon, GDP) of each member: what the map's spec and names are built from."""
    return tuple((a.spec.iso3, a.spec.capital_lat, a.spec.capital_lon, a.spec.gdp_usd_bn) for a in model.member_agents)


def map_labels(model: Any, big: bool = False) -> list[dict[str, Any]]:
    """Every word on the map this month, placed: members' codes, Russia's rung, Ukraine's territory, a warning.

    ``x``/``y`` are the centre of the word's box; the places are fixed per roster and mode
    (``_static_labels``), only the texts of Russia, Ukraine and the spillover warning change.
    """
    texts = {
        "russia": f"Russia (rung {model.russia.rung})",
        "ukraine": f"Ukraine ({model.ukraine.territory:.0%} held)",
        "warning": "⚠ spillover!" if getattr(model, "struck", ()) else "",
    }
    out = []
    for o in _static_labels(big, roster_of(model)):
        text = texts.get(o["key"], o.get("text", ""))
        if text:
            x0, y0, x1, y1 = _text_box(text, o["size"], o["x"], o["y"], o["align"], o["baseline"])
            out.append({"key": o["key"], "text": text, "x": round((x0 + x1) / 2, 1), "y": round((y0 + y1) / 2, 1),
                        "size": o["size"], "colour": o["colour"], "bold": o["bold"]})  # fmt: skip
    return out


@dataclass(frozen=True)
class HistorySeries:
    """One observed-versus-model panel of the History page.

    Attributes:
        key: the series' short name in the rows (``territory``).
        title: the panel's title.
        model_column: the model's step column (``territory_held``).
        observed_column: the observed table's column (``ukraine_held_share``).
        axis: the y axis' title (what and unit).
        zero: whether the y axis starts at zero.
        scale_key: a scenario parameter that turns the model's column into the observed unit (the
            observation model's ``observation.strikes_per_launch``: launches per unit of the strike
            track); empty: the column is in the observed unit already.
    """

    key: str
    title: str
    model_column: str
    observed_column: str
    axis: str
    zero: bool = False
    scale_key: str = ""


#: The History page's panels; one more observed-versus-model series is one more entry (and its column).
HISTORY_SERIES: tuple[HistorySeries, ...] = (
    HistorySeries("territory", "The front", "territory_held", "ukraine_held_share", STEP_METRICS["territory_held"]),
    HistorySeries(
        "aid",
        "Alliance military aid",
        "aid_total",
        "alliance_military_eur_bn",
        STEP_METRICS["aid_total"].replace("aid to Ukraine ", "aid "),
        zero=True,
    ),
    HistorySeries(
        "strikes",
        "Missiles and strike drones launched (model: expected)",
        "strike_launches",
        "strikes",
        # short: a vertical title longer than the chart's height pushes the chart's own title out of its box
        "launched a month",
        zero=True,
        scale_key="observation.strikes_per_launch",
    ),
)

MODEL_LINE = "model (this run)"
OBSERVED_LINE = "what happened"


def history_rows(model: Any, observed: Any, series: Sequence[HistorySeries] = HISTORY_SERIES) -> list[dict[str, Any]]:
    """The model's series so far and the observed ones up to the same month (nothing after it is shown).

    ``observed`` is a table with a ``month`` column and each series' ``observed_column``.
    """
    mv = model.datacollector.model_vars
    months = [int(m) for m in mv["month"]]
    seen = observed[observed["month"] <= model.steps]
    out = []
    for s in series:
        k = float(model.config.get(s.scale_key)) if s.scale_key else 1.0
        out += [{"series": s.key, "source": MODEL_LINE, "month": m, "value": round(k * float(v), 4)}
                for m, v in zip(months, mv[s.model_column], strict=True)]  # fmt: skip
        if s.observed_column in seen:
            out += [{"series": s.key, "source": OBSERVED_LINE, "month": int(m), "value": round(float(v), 4)}
                    for m, v in zip(seen["month"], seen[s.observed_column], strict=True) if v == v]  # fmt: skip
    return out


# ---------------------------------------------------------------------------------------------------
# time charts
# ---------------------------------------------------------------------------------------------------


#: The signal that ends the time charts' month axis: the months so far, at least a year (``time_signals``).
XMAX = "xmax"


def time_signals(month: int) -> dict[str, float]:
    """The time charts' signals this month: the month axis is the months so far, at least a year wide."""
    return {XMAX: max(12, int(month))}


def _x(title: str = "month") -> alt.X:
    """Months on the x axis, whole numbers, from 0 to the ``xmax`` signal (set each month in the browser)."""
    return alt.X(
        "month:Q",
        scale=alt.Scale(domain=[0, {"expr": XMAX}], nice=False),
        axis=alt.Axis(title=title, tickMinStep=1, format="d"),
    )


def _with_xmax(chart: alt.TopLevelMixin) -> alt.TopLevelMixin:
    chart.params = [alt.VariableParameter(name=XMAX, value=12)]
    return chart


def _tooltip(*fields: tuple[str, str]) -> list[alt.Tooltip]:
    return [alt.Tooltip("month:Q", title="month"), alt.Tooltip("date:N", title="date"),
            *(alt.Tooltip(f, title=t, format=".2f") for f, t in fields)]  # fmt: skip


def rung_chart(names: Sequence[str], big: bool = False, height: int | str = "container") -> alt.LayerChart:
    """The escalation rung over time: rungs by number (the gauge beside names them), Kahn's thresholds marked.

    Data: ``months`` (:func:`month_rows`). The threshold labels sit in the right margin, outside the
    plotted area, the upper one above its line and the lower one below, so that they never meet.
    """
    lk = look(big)
    n = len(names)
    base = alt.Chart(alt.Data(name="months"))
    line = base.mark_line(
        interpolate="step-after", color=OKABE_ITO[1], strokeWidth=lk.line,
        point=alt.OverlayMarkDef(filled=True, size=(lk.line + 2) ** 2 * 3, color=OKABE_ITO[1]),
    ).encode(
        x=_x(),
        y=alt.Y("rung:Q", scale=alt.Scale(domain=[-0.4, n - 0.6], nice=False, zero=False),
                axis=alt.Axis(title="rung", values=list(range(n)), format="d", labelOverlap=False, tickCount=n)),
        tooltip=[alt.Tooltip("month:Q"), alt.Tooltip("date:N"), alt.Tooltip("rung:Q")],
    )  # fmt: skip
    marks = alt.Data(
        values=[
            {"rung": DIRECT_CLASH, "label": "direct\nclash", "baseline": "bottom"},
            {"rung": NUCLEAR_SIGNALLING, "label": "nuclear\nsignalling", "baseline": "top"},
        ]
    )
    rules = alt.Chart(marks).mark_rule(color=GREY, strokeDash=[6, 4], strokeWidth=lk.line / 2).encode(y="rung:Q")
    top = alt.Chart(marks).transform_filter("datum.baseline == 'bottom'")
    bottom = alt.Chart(marks).transform_filter("datum.baseline == 'top'")
    text = {"align": "left", "dx": 6, "color": GREY, "fontSize": lk.small, "lineBreak": "\n"}
    labels = [
        part.mark_text(baseline=b, **text).encode(x=alt.value("width"), y="rung:Q", text="label:N")
        for part, b in ((top, "bottom"), (bottom, "top"))
    ]
    chart = alt.layer(line, rules, *labels).properties(
        title="Escalation ladder over time", width="container", height=height
    )
    return _config(_with_xmax(chart), big)


def threat_chart(big: bool = False, height: int | str = "container") -> alt.Chart:
    """Russia's and the members' threat perception over time (data: ``months``)."""
    lk = look(big)
    who = {"threat_russia": "Russia (θ)", "threat_members": "members (mean T)"}
    chart = (
        alt.Chart(alt.Data(name="months"))
        .transform_fold(list(who), as_=["series", "value"])
        .transform_calculate(who=f"{json.dumps(who)}[datum.series]")
        .mark_line(strokeWidth=lk.line)
        .encode(
            x=_x(),
            y=alt.Y("value:Q", scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(title="threat perception (0-1)")),
            color=alt.Color("who:N", scale=alt.Scale(domain=list(who.values()), range=[OKABE_ITO[1], OKABE_ITO[0]])),
            tooltip=[alt.Tooltip("month:Q"), alt.Tooltip("who:N"), alt.Tooltip("value:Q", format=".2f")],
        )
        .properties(title="Threat perception on both sides", width="container", height=height)
    )
    return _config(_with_xmax(chart), big)


def alliance_chart(big: bool = False, height: int | str = "container") -> alt.LayerChart:
    """Alliance cohesion and territory held (shares), and aid to Ukraine (steps, its own axis) over time."""
    lk = look(big)
    names = {"cohesion": "cohesion", "territory": "territory held"}
    colours = alt.Scale(domain=[*names.values(), "aid"], range=[OKABE_ITO[2], OKABE_ITO[4], OKABE_ITO[0]])
    base = alt.Chart(alt.Data(name="months"))
    aid = base.mark_area(interpolate="step", opacity=0.35).encode(
        x=_x(),
        y=alt.Y("aid:Q", scale=alt.Scale(zero=True, nice=True),
                axis=alt.Axis(title=STEP_METRICS["aid_total"].replace("aid to Ukraine ", "aid "), orient="right",
                              grid=False)),
        color=alt.Color(datum="aid", scale=colours),
        tooltip=[alt.Tooltip("month:Q"), alt.Tooltip("aid:Q", format=".1f", title="aid (EUR bn)")],
    )  # fmt: skip
    shares = (
        base.transform_fold(list(names), as_=["series", "value"])
        .transform_calculate(who=f"{json.dumps(names)}[datum.series]")
        .mark_line(strokeWidth=lk.line)
        .encode(
            x=_x(),
            y=alt.Y("value:Q", scale=alt.Scale(domain=[0, 1.02], nice=False), axis=alt.Axis(title="share (0-1)")),
            color=alt.Color("who:N", scale=colours),
            tooltip=[alt.Tooltip("month:Q"), alt.Tooltip("who:N"), alt.Tooltip("value:Q", format=".2f")],
        )
    )
    chart = (
        alt.layer(aid, shares)
        .resolve_scale(y="independent")
        .properties(title="Alliance cohesion, aid and territory", width="container", height=height)
    )
    return _config(_with_xmax(chart), big)


def history_chart(
    series: HistorySeries, horizon: int, observed_last: int, big: bool = False, height: int | str = "container"
) -> alt.LayerChart:
    """One History panel: the model's line so far beside what happened up to the same month (data: ``history``).

    After ``observed_last`` (December 2023) the panel is shaded: 2024 is held out, the model's 2024 a forecast.
    """
    lk = look(big)
    held_out = alt.Data(values=[{"from": observed_last + 0.5, "to": max(12, int(horizon)) + 0.5,
                                 "text": "2024: not observed here"}])  # fmt: skip
    shade = alt.Chart(held_out).mark_rect(color="#eeeeee").encode(x="from:Q", x2="to:Q")
    note = alt.Chart(held_out).mark_text(align="left", baseline="top", dx=4, dy=4, color="#555", fontSize=lk.small)
    note = note.encode(x="from:Q", y=alt.value(0), text="text:N")
    lines = (
        alt.Chart(alt.Data(name="history"))
        .transform_filter(alt.datum.series == series.key)
        .mark_line(point=alt.OverlayMarkDef(size=(lk.line + 1) ** 2 * 2))
        .encode(
            x=alt.X("month:Q", scale=alt.Scale(domain=[-0.5, max(12, int(horizon)) + 0.5], nice=False),
                    axis=alt.Axis(title="month (0 = February 2022)", tickMinStep=1, format="d")),
            y=alt.Y("value:Q", scale=alt.Scale(zero=series.zero, nice=True), axis=alt.Axis(title=series.axis)),
            color=alt.Color("source:N", scale=alt.Scale(domain=[MODEL_LINE, OBSERVED_LINE],
                                                        range=[OKABE_ITO[0], "#000000"])),
            strokeWidth=alt.StrokeWidth("source:N", legend=None,
                                        scale=alt.Scale(domain=[MODEL_LINE, OBSERVED_LINE],
                                                        range=[lk.line, lk.line / 2])),
            tooltip=[alt.Tooltip("month:Q"), alt.Tooltip("source:N"), alt.Tooltip("value:Q", format=".2f")],
        )
    )  # fmt: skip
    chart = alt.layer(shade, note, lines).properties(title=series.title, width="container", height=height)
    return _config(chart, big)


# ---------------------------------------------------------------------------------------------------
# the member map
# ---------------------------------------------------------------------------------------------------


@functools.cache
def _outlines() -> dict[str, Any]:
    text = resources.files("simulation").joinpath("data/europe_110m.geojson").read_text("utf-8")
    return json.loads(text)


#: Centre of the map's projection (Lambert azimuthal equal-area, as Eurostat's EPSG:3035).
CENTRE = (52.0, 15.0)
#: What the map frames: the members' Europe, Ukraine and Moscow (lon west, lat south, lon east, lat north).
FRAME = (-24.5, 35.0, 44.0, 71.0)
#: Where North America's members are drawn, across the Atlantic and not to scale (lat, lon).
NORTH_AMERICA = {"CAN": (50.0, -21.0), "USA": (44.0, -21.0)}


def _laea(lat: float, lon: float) -> tuple[float, float]:
    p0, l0 = math.radians(CENTRE[0]), math.radians(CENTRE[1])
    p, dl = math.radians(lat), math.radians(lon) - l0
    k = math.sqrt(2.0 / (1.0 + math.sin(p0) * math.sin(p) + math.cos(p0) * math.cos(p) * math.cos(dl)))
    return k * math.cos(p) * math.sin(dl), k * (math.cos(p0) * math.sin(p) - math.sin(p0) * math.cos(p) * math.cos(dl))


@functools.cache
def _projection(big: bool) -> Any:
    """(lat, lon) -> map pixels (y down), fitting the frame into the map's drawing size."""
    w, h = MAP_SIZE[big]
    west, south, east, north = FRAME
    edge = [(lat, lon) for lat in np.linspace(south, north, 9) for lon in (west, east)]
    edge += [(lat, lon) for lon in np.linspace(west, east, 9) for lat in (south, north)]
    xs, ys = zip(*(_laea(*p) for p in edge), strict=True)
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    scale = min(w / (x1 - x0), h / (y1 - y0))
    ox, oy = (w - scale * (x1 - x0)) / 2, (h - scale * (y1 - y0)) / 2

    def project(lat: float, lon: float) -> tuple[float, float]:
        x, y = _laea(lat, lon)
        return round(ox + scale * (x - x0), 1), round(oy + scale * (y1 - y), 1)

    return project


@functools.cache
def _projected(big: bool) -> tuple[dict[str, Any], ...]:
    """The outlines in the map's pixels (static: projected once per mode)."""
    proj = _projection(big)
    out = []
    for f in _outlines()["features"]:
        polys = [
            [[list(proj(lat, lon)) for lon, lat in ring] for ring in poly] for poly in f["geometry"]["coordinates"]
        ]
        out.append({"type": "Feature", "id": f["id"], "properties": f["properties"],
                    "geometry": {"type": "MultiPolygon", "coordinates": polys}})  # fmt: skip
    return tuple(out)


def _text_box(text: str, size: float, x: float, y: float, align: str, baseline: str) -> tuple[float, ...]:
    """An estimate of the box a one-line text takes (sans-serif; capitals and bold are wider than 0.6 em)."""
    w = max(len(line) for line in text.split("\n")) * size * 0.68
    h = size * 1.25 * (text.count("\n") + 1)
    x0 = x - w / 2 if align == "center" else x - w if align == "right" else x
    y0 = y - h / 2 if baseline == "middle" else y - h if baseline == "bottom" else y
    return x0, y0, x0 + w, y0 + h


def _overlaps(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return a[0] < b[2] and a[2] > b[0] and a[1] < b[3] and a[3] > b[1]


@functools.cache
def _static_labels(big: bool, members: tuple[tuple[str, float, float, float], ...]) -> tuple[dict[str, Any], ...]:
    """Where every word of the map goes: Russia, Ukraine, North America, then members' codes where there is room.

    ``members`` is (iso3, lat, lon, gdp) of each member. The largest economies are placed first, each at
    its capital or just below, above, right or left of it: the first place that covers no other label,
    symbol or the map's edge; a name that would cover another is left out rather than drawn unreadable.
    """
    lk = look(big)
    w, h = MAP_SIZE[big]
    proj = _projection(big)
    bold = lk.font + 1
    mx, my = proj(*MOSCOW)
    kx, ky = proj(*KYIV)
    r = 7 if big else 5
    out = [
        {"key": "russia", "x": mx, "y": my - 2 * r, "align": "center", "baseline": "bottom", "size": bold,
         "colour": OKABE_ITO[1], "bold": True, "reserve": "Russia (rung 9)"},
        {"key": "ukraine", "x": kx, "y": ky + 2 * r, "align": "center", "baseline": "top", "size": bold,
         "colour": OKABE_ITO[0], "bold": True, "reserve": "Ukraine (100% held)"},
        {"key": "warning", "x": w - 4, "y": 4, "align": "right", "baseline": "top", "size": lk.font,
         "colour": OKABE_ITO[1], "bold": True, "reserve": "⚠ spillover!"},
    ]  # fmt: skip
    na_lat, na_lon = min(p[0] for p in NORTH_AMERICA.values()), NORTH_AMERICA["USA"][1]
    nx, ny = proj(na_lat - 3.5, na_lon)
    out.append({"key": "north_america", "x": max(4, nx - 40), "y": ny, "align": "left", "baseline": "top",
                "size": lk.small - 1, "colour": "#666", "bold": False,
                "text": "North America\n(not to scale)"})  # fmt: skip
    taken = [_text_box(o.get("reserve", o.get("text", "")), o["size"], o["x"], o["y"], o["align"], o["baseline"])
             for o in out]  # fmt: skip
    taken += [(mx - 2 * r, my - 2 * r, mx + 2 * r, my + 2 * r), (kx - 2 * r, ky - 2 * r, kx + 2 * r, ky + 2 * r)]
    frame = (0, 0, w, h)
    size = lk.font
    for iso3, lat, lon, _gdp in sorted(members, key=lambda m: -m[3]):
        lat, lon = NORTH_AMERICA.get(iso3, (lat, lon))
        x, y = proj(lat, lon)
        gap = r + 2 if iso3 in NORTH_AMERICA else 2
        for dx, dy, align, baseline in ((0, 0, "center", "middle"), (0, gap, "center", "top"),
                                        (0, -gap, "center", "bottom"), (gap, 0, "left", "middle"),
                                        (-gap, 0, "right", "middle")):  # fmt: skip
            box = _text_box(iso3, size, x + dx, y + dy, align, baseline)
            if iso3 in NORTH_AMERICA and (dx, dy) == (0, 0):
                continue  # the circle takes the centre
            inside = box[0] >= frame[0] and box[1] >= frame[1] and box[2] <= frame[2] and box[3] <= frame[3]
            if inside and not any(_overlaps(box, t) for t in taken):
                taken.append(box)
                out.append({"key": iso3, "text": iso3, "x": x + dx, "y": y + dy, "align": align,
                            "baseline": baseline, "size": size, "colour": "#111", "bold": False})  # fmt: skip
                break
    return tuple(out)


def label_collisions(labels: Sequence[dict[str, Any]]) -> list[tuple[str, str]]:
    """Pairs of map labels whose estimated boxes overlap (a label without align/baseline is centred on x, y)."""
    boxes = [(o["key"], _text_box(o.get("reserve") or o.get("text", ""), o["size"], o["x"], o["y"],
                                  o.get("align", "center"), o.get("baseline", "middle"))) for o in labels]  # fmt: skip
    return [(a, b) for i, (a, ba) in enumerate(boxes) for b, bb in boxes[i + 1 :] if _overlaps(ba, bb)]


def member_map(members: Sequence[tuple[str, float, float, float]], big: bool = False) -> alt.LayerChart:
    """The members on a map of Europe: fill = resolve, pale = low public support, red rim = not hawkish.

    ``members`` is (iso3, capital lat, capital lon, GDP) of each member (static for a run). Data:
    ``members`` (:func:`member_rows`) and ``labels`` (:func:`map_labels`). Members without an outline in
    the file (the United States and Canada) are discs across the Atlantic; a member struck by a spillover
    incident is ringed in vermilion; Russia and Ukraine are drawn in their own colours.
    """
    lk = look(big)
    w, h = MAP_SIZE[big]
    feats = _projected(big)
    member_codes = {m[0] for m in members}
    others = [f for f in feats if f["id"] not in member_codes | {"RUS", "UKR"}]
    own = {"RUS": "#f6d5c3", "UKR": "#fbe3a6"}
    base = alt.Chart(alt.Data(values=others)).mark_geoshape(fill="#e9e9e9", stroke="white", strokeWidth=0.6)
    # one layer per side with a fixed fill (a fill field without a scale beside the members' resolve
    # scale does not compile in Vega-Lite 5.2)
    sides = [alt.Chart(alt.Data(values=[f for f in feats if f["id"] == code]))
             .mark_geoshape(fill=colour, stroke="white", strokeWidth=0.6) for code, colour in own.items()]  # fmt: skip
    # the members' outlines travel once, in the spec (usermeta): the browser adds each member's outline to
    # its row of ``members`` (simulation.viz.webview), so a month sends only the numbers. (Vega-Lite
    # 5.2 cannot compile a lookup from inline data inside a layer.)
    shapes_by_member = {f["id"]: f["geometry"] for f in feats if f["id"] in member_codes}
    fill = alt.Fill("resolve:Q", scale=alt.Scale(scheme="viridis", domain=[0, 1]),
                    legend=alt.Legend(title="resolve (0-1)", orient="bottom-left", direction="horizontal",
                                      gradientLength=110 if not big else 180, titleFontSize=lk.small,
                                      labelFontSize=lk.small - 1, offset=2))  # fmt: skip
    tooltip = [alt.Tooltip("name:N"), alt.Tooltip("resolve:Q", format=".2f"),
               alt.Tooltip("support:Q", title="public support", format=".2f"),
               alt.Tooltip("stance:Q", title="government stance"),
               alt.Tooltip("gdp:Q", title="GDP (USD bn)")]  # fmt: skip
    shapes = (
        alt.Chart(alt.Data(name="members"))
        .transform_filter("isValid(datum.geometry)")
        .mark_geoshape(strokeWidth=1.6 if big else 1.1)
        .encode(fill=fill, fillOpacity=alt.FillOpacity("opacity:Q", scale=None),
                stroke=alt.Stroke("rim:N", scale=None), tooltip=tooltip)
    )  # fmt: skip
    px = alt.X("px:Q", scale=None, axis=None)
    py = alt.Y("py:Q", scale=None, axis=None)
    placed = alt.Chart(alt.Data(name="members"))
    discs = placed.transform_filter(alt.FieldOneOfPredicate(field="iso3", oneOf=list(NORTH_AMERICA)))
    # the discs share the outlines' fill scale (a colour channel with its own scale beside the words'
    # unscaled colours does not compile in Vega-Lite 5.2)
    discs = discs.mark_circle(size=(340 if big else 160), strokeWidth=1.6).encode(
        x=px, y=py, fill=fill, fillOpacity=alt.FillOpacity("opacity:Q", scale=None),
        stroke=alt.Stroke("rim:N", scale=None), tooltip=tooltip,
    )  # fmt: skip
    rings = (
        placed.transform_filter("datum.struck")
        .mark_point(
            shape="circle", filled=False, size=(1600 if big else 700), strokeWidth=lk.line + 1, color=OKABE_ITO[1]
        )
        .encode(x=px, y=py)
    )
    proj = _projection(big)
    (mx, my), (kx, ky) = proj(*MOSCOW), proj(*KYIV)
    size = 260 if big else 130
    star = "M0,-1L0.24,-0.31L0.95,-0.31L0.38,0.12L0.59,0.81L0,0.4L-0.59,0.81L-0.38,0.12L-0.95,-0.31L-0.24,-0.31Z"
    symbols = [
        alt.Chart(alt.Data(values=[{"px": x, "py": y}]))
        .mark_point(filled=True, size=size, opacity=1, shape=shape, fill=colour, stroke=OKABE_ITO[0], strokeWidth=1)
        .encode(x=px, y=py)
        for x, y, shape, colour in ((mx, my, star, OKABE_ITO[1]), (kx, ky, "diamond", OKABE_ITO[4]))
    ]
    words = alt.Chart(alt.Data(name="labels")).encode(
        x=alt.X("x:Q", scale=None, axis=None), y=alt.Y("y:Q", scale=None, axis=None), text="text:N",
        color=alt.Color("colour:N", scale=None), size=alt.Size("size:Q", scale=None),
    )  # fmt: skip
    text = {"align": "center", "baseline": "middle", "lineBreak": "\n"}
    words = [
        words.transform_filter("datum.bold").mark_text(fontWeight="bold", stroke="white", strokeWidth=3,
                                                        strokeOpacity=0.85, **text),  # a white halo under
        words.transform_filter("datum.bold").mark_text(fontWeight="bold", **text),
        words.transform_filter("!datum.bold").mark_text(**text),
    ]  # fmt: skip
    layers = [
        base,
        *sides,
        shapes,
        discs,
        rings,
        *symbols,
        *words,
    ]
    chart = alt.layer(*layers).project(type="identity", scale=1, translate=[0, 0]).properties(
        width=w, height=h, title=alt.Title("The alliance: colour = resolve", subtitle=(
            "pale: low public support · red rim: government not hawkish · ring: spillover incident"),
            subtitleFontSize=lk.small, subtitleColor="#444"),
    )  # fmt: skip
    chart = _config(chart, big).configure_view(clip=True, stroke=None)
    chart.usermeta = {"join": {"members": {"key": "iso3", "geometry": shapes_by_member}}}
    return chart
