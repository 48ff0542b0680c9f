"""Figures for lectures and papers, drawn from the tidy tables of a results store.

Every function takes results frames (``runs``, ``steps``, ``members``: see ``simulation.runner``) and
returns a matplotlib :class:`~matplotlib.figure.Figure`. They never run the model. They build figures
with the object-oriented API (no pyplot state), so they work headless, in a notebook and in the CLI.

Style: the Okabe-Ito palette (distinguishable with the common colour-vision deficiencies), large type
for a projector, titles and axis labels that say what and in which unit, and a caption line naming
the experiment, the seeds and the package version.
"""

from __future__ import annotations

import functools
import textwrap
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from simulation import parameters
from simulation.analysis.outcomes import OUTCOMES, outcomes_by
from simulation.errors import PlotError
from simulation.ladder import DIRECT_CLASH, NUCLEAR_SIGNALLING
from simulation.runner.store import atomic_path
from simulation.viz.style import OKABE_ITO, STYLE, TOL_MUTED, palette

__all__ = [
    "OKABE_ITO",
    "STEP_METRICS",
    "TOL_MUTED",
    "caption_text",
    "escalation_curves",
    "ladder_occupancy",
    "member_view",
    "palette",
    "phase_diagram",
    "save",
    "scenario_comparison",
    "threat_spiral",
]

RUNG_NAMES: tuple[str, ...] = tuple(parameters.by_name("ladder.names").default)

#: Step metrics with their axis labels (what and unit).
STEP_METRICS: dict[str, str] = {
    "escalation_rung": "escalation rung (0-9)",
    "escalation_intensity": "escalation intensity y (0-1)",
    "russia_threat_perception": "Russia's threat perception θ (0-1)",
    "alliance_effort": "alliance effort: mean resolve (0-1)",
    "alliance_cohesion": "alliance cohesion (0-1)",
    "alliance_threat_perception": "members' threat perception (0-1)",
    "deterrence_credibility": "deterrence credibility (0-1)",
    "deterrence_signal": "deterrence signal D (0-1)",
    "aid_total": "aid to Ukraine (EUR bn / month)",
    "aid_lethal": "lethal aid (EUR bn / month)",
    "aid_nonlethal": "non-lethal aid (EUR bn / month)",
    "aid_training": "training (EUR bn / month)",
    "ukraine_capacity": "Ukraine's capacity (0-1)",
    "territory_held": "territory held by Ukraine (share)",
    "spillover_incidents": "spillover incidents (cumulative)",
    "decision_delay": "decision delay (months)",
    "russia_force": "Russia's committed force (0-1)",
}

# ---------------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------------


def caption_text(manifest: dict[str, Any], *, subset: str = "") -> str:
    """One line of provenance: experiment, points x seeds, master seed, package version (and the subset shown)."""
    n_points = len(manifest["design"]["points"])
    return (
        f"Experiment '{manifest['experiment']['name']}': {n_points} design point(s) × "
        f"{manifest['replications']} seeds (master seed {manifest['seed']}), escalation-abm "
        f"{manifest['package_version']}" + (f"; shown: {subset}" if subset else "")
    )


def _styled(fn: Callable[..., Figure]) -> Callable[..., Figure]:
    """Draw the whole figure inside the projector style (rc settings apply when artists are made)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Figure:
        with mpl.rc_context(STYLE):
            return fn(*args, **kwargs)

    return wrapper


def _figure(width: float, height: float) -> Figure:
    return Figure(figsize=(width, height), layout="constrained")


def _caption(fig: Figure, caption: str) -> None:
    """A provenance line under the figure (save with bbox_inches="tight", as save() does)."""
    if caption:
        fig.text(0.01, -0.005, caption, ha="left", va="top", fontsize=10, color="#555555", gid="caption")


def save(fig: Figure, path: Any, fmt: str | None = None) -> None:
    """Save a figure with its caption inside the picture (atomically: a full disk leaves no half a figure)."""
    if not isinstance(path, str | Path):  # a file object (a notebook's buffer)
        fig.savefig(path, format=fmt, bbox_inches="tight", dpi=150)
        return
    with atomic_path(Path(path)) as tmp:
        fig.savefig(tmp, format=fmt or Path(path).suffix.lstrip(".") or "png", bbox_inches="tight", dpi=150)


def _groups(runs: pd.DataFrame, limit: int = 10) -> list[tuple[str, np.ndarray]]:
    if "label" not in runs:
        raise PlotError("runs need a 'label' column: use simulation.analysis.outcomes.labelled_runs(runs, manifest)")
    order = runs.drop_duplicates("label").sort_values("point_id")["label"].tolist()
    if len(order) > limit:
        raise PlotError(
            f"{len(order)} design points are too many for one figure (at most {limit}); draw a phase "
            'diagram, or a subset: --where "member_unity <= 0.2" or --points 0,3,5'
        )
    return [(lab, runs.loc[runs["label"] == lab, "run_id"].to_numpy()) for lab in order]


def _matrix(steps: pd.DataFrame, run_ids: np.ndarray, metric: str) -> tuple[np.ndarray, np.ndarray]:
    """Months and a (month x run) matrix of one metric."""
    sub = steps[steps["run_id"].isin(run_ids)]
    wide = sub.pivot(index="month", columns="run_id", values=metric).sort_index()
    return wide.index.to_numpy(), wide.to_numpy(dtype=float)


def _check_metric(metric: str, allowed: dict[str, str]) -> None:
    if metric not in allowed:
        raise PlotError(f"unknown metric {metric!r}; metrics: {', '.join(allowed)}")


def _bands(
    ax: Any, months: np.ndarray, values: np.ndarray, color: str, label: str, *, nines: bool = True, alpha: float = 0.28
) -> None:
    """Median line with a 50% band and (optionally) a 90% band across runs."""
    q = np.nanquantile(values, [0.05, 0.25, 0.5, 0.75, 0.95], axis=1)
    if nines:
        ax.fill_between(months, q[0], q[4], color=color, alpha=0.12, linewidth=0, gid="band90")
    ax.fill_between(months, q[1], q[3], color=color, alpha=alpha, linewidth=0, gid="band50")
    ax.plot(months, q[2], color=color, linewidth=2.4, label=label, gid="median")


# ---------------------------------------------------------------------------------------------------
# figures
# ---------------------------------------------------------------------------------------------------


#: Up to this many design points share one panel of escalation curves; more get a panel each.
MAX_OVERLAID = 4
#: At most this many panels (design points) in one figure of small multiples: 4 x 3 stays readable.
MAX_PANELS = 12


@_styled
def escalation_curves(
    steps: pd.DataFrame,
    runs: pd.DataFrame,
    *,
    names: Sequence[str] = RUNG_NAMES,
    thresholds: Sequence[float] | None = None,
    caption: str = "",
) -> Figure:
    """The escalation curve: rung and intensity over months, median across seeds with 50% and 90% bands.

    Up to :data:`MAX_OVERLAID` design points share the panels: rung (top) and intensity (bottom), the
    ladder's rung names on a secondary axis, Kahn's thresholds (nuclear signalling, direct clash) as
    labelled reference lines. More design points get small multiples instead (one rung panel each,
    the other points' medians in grey behind), since more than four overlapping bands are a blur.
    """
    groups = _groups(runs, limit=MAX_PANELS)
    if len(groups) > MAX_OVERLAID:
        return _curve_panels(steps, groups, names, caption)
    thresholds = list(thresholds or parameters.by_name("ladder.thresholds").default)
    fig = _figure(13.5, 9.5)
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=[3, 2])
    colors = palette(len(groups))
    for i, (label, ids) in enumerate(groups):
        months, rung = _matrix(steps, ids, "escalation_rung")
        _bands(top, months, rung, colors[i], label)
        months, y = _matrix(steps, ids, "escalation_intensity")
        _bands(bottom, months, y, colors[i], label)
    _kahn_lines(top, names)
    for rung in (NUCLEAR_SIGNALLING, DIRECT_CLASH):
        if rung < len(names):
            bottom.axhline(thresholds[rung - 1], color="#333333", linestyle="--", linewidth=1.0)
            bottom.text(
                0.995,
                thresholds[rung - 1] + 0.01,
                f"threshold of rung {rung}",
                ha="right",
                transform=bottom.get_yaxis_transform(),
                fontsize=10,
                color="#333333",
            )
    _rung_axis(top, names)
    top.set_ylabel("escalation rung")
    _legend_on_top(fig, top, len(groups), "Escalation curves: median across seeds, 50% and 90% bands")
    bottom.set_ylabel("intensity y (0-1)")
    bottom.set_xlabel("month")
    bottom.set_ylim(0, 1)
    _caption(fig, caption)
    return fig


def _curve_panels(
    steps: pd.DataFrame, groups: list[tuple[str, np.ndarray]], names: Sequence[str], caption: str
) -> Figure:
    """Small multiples of the escalation rung, one panel per design point, the others' medians in grey."""
    n = len(groups)
    cols = 3 if n > 4 else 2
    rows = -(-n // cols)
    fig = _figure(4.6 * cols + 3.0, 3.3 * rows + 1.2)
    axes = fig.subplots(rows, cols, sharex=True, sharey=True, squeeze=False)
    flat = axes.ravel()
    colors = palette(n)
    data = [_matrix(steps, ids, "escalation_rung") for _, ids in groups]
    medians = [np.nanmedian(rung, axis=1) for _, rung in data]
    for i, (ax, (label, _)) in enumerate(zip(flat, groups, strict=False)):
        months, rung = data[i]
        for j, (m, _) in enumerate(data):
            if j != i:
                ax.plot(m, medians[j], color="#b8b8b8", linewidth=1.0, zorder=1, gid="context")
        _bands(ax, months, rung, colors[i], label)
        _kahn_lines(ax, names, text=i == 0, fontsize=9)
        ax.set_title(label, fontsize=12)
        ax.set_ylim(-0.3, len(names) - 0.5)
        ax.set_yticks(range(len(names)))
    for ax in flat[n:]:
        ax.set_visible(False)
    for r in range(rows):
        axes[r, 0].set_ylabel("rung")
        last = min(cols, n - r * cols) - 1  # the row's rightmost panel carries the rung names
        _rung_axis(axes[r, last], names, fontsize=9)
    for c in range(cols):
        bottom = max(r for r in range(rows) if r * cols + c < n)  # the column's lowest visible panel
        axes[bottom, c].xaxis.set_tick_params(labelbottom=True)
        axes[bottom, c].set_xlabel("month")
    fig.suptitle(
        "Escalation curves: median across seeds with 50% and 90% bands, one panel per design point "
        "(grey: the other points' medians)",
        fontsize=14,
    )
    _caption(fig, caption)
    return fig


def _kahn_lines(ax: Any, names: Sequence[str], *, text: bool = True, fontsize: int = 11) -> None:
    """Kahn's thresholds as dashed reference lines, labelled (nuclear signalling, direct clash)."""
    for rung, what in ((NUCLEAR_SIGNALLING, "nuclear signalling"), (DIRECT_CLASH, "direct clash with a member")):
        if rung >= len(names):
            continue
        ax.axhline(rung, color="#333333", linestyle="--", linewidth=1.1, gid=f"threshold{rung}")
        if text:
            ax.text(
                0.01,
                rung + 0.12,
                f"Kahn: {what} (rung {rung})",
                transform=ax.get_yaxis_transform(),
                fontsize=fontsize,
                color="#333333",
            )


def _rung_axis(ax: Any, names: Sequence[str], *, fontsize: int = 10) -> Any:
    """The ladder's rung names, whole (wrapped, never cut), on a secondary axis at the right."""
    ax.set_ylim(-0.3, len(names) - 0.5)
    ax.set_yticks(range(len(names)))
    right = ax.twinx()
    right.set_ylim(ax.get_ylim())
    right.set_yticks(range(len(names)))
    right.set_yticklabels([wrap(n) for n in names], fontsize=fontsize, linespacing=0.95)
    right.grid(False)
    right.spines["right"].set_visible(True)
    return right


def _legend_on_top(fig: Figure, ax: Any, n: int, title: str) -> None:
    """The figure's title with the legend under it, above the panels: never over the data or the caption.

    One block, because constrained layout places an outside legend without regard to a suptitle.
    """
    handles, labels = ax.get_legend_handles_labels()
    fig.legend(
        handles,
        labels,
        loc="outside upper center",
        ncols=min(n, 3 if n > 4 else 4),
        frameon=False,
        title=title,
        title_fontproperties={"size": mpl.rcParams["axes.titlesize"]},
    )


def wrap(name: str, width: int = 26) -> str:
    """A long label on two (or more) lines instead of cut: nothing of a rung's name is lost."""
    return textwrap.fill(name, width=width, break_long_words=False)


@_styled
def threat_spiral(steps: pd.DataFrame, runs: pd.DataFrame, *, smooth: int = 6, caption: str = "") -> Figure:
    """The feedback cycle as a phase portrait: Russia's threat perception against alliance effort.

    For each design point, the median path across seeds, smoothed by a ``smooth``-month rolling mean
    (monthly medians of a few seeds zigzag), with arrows for the direction of time, a circle at
    month 0 and a square at the end.
    """
    fig = _figure(10.5, 8.5)
    ax = fig.subplots()
    groups = _groups(runs)
    colors = palette(len(groups))
    for i, (label, ids) in enumerate(groups):
        color = colors[i]
        months, x = _matrix(steps, ids, "alliance_effort")
        _, y = _matrix(steps, ids, "russia_threat_perception")
        window = max(1, min(smooth, len(months) // 4))
        mx = pd.Series(np.median(x, axis=1)).rolling(window, min_periods=1).mean().to_numpy()
        my = pd.Series(np.median(y, axis=1)).rolling(window, min_periods=1).mean().to_numpy()
        ax.plot(mx, my, color=color, linewidth=2.2, label=label, gid="path")
        step = max(1, len(months) // 12)
        for j in range(0, len(months) - step, step):
            ax.annotate(
                "",
                xy=(mx[j + step], my[j + step]),
                xytext=(mx[j], my[j]),
                arrowprops={"arrowstyle": "-|>", "color": color, "lw": 1.6, "mutation_scale": 16},
            )
        ax.plot(mx[0], my[0], "o", color=color, markersize=9, markeredgecolor="white")
        ax.plot(mx[-1], my[-1], "s", color=color, markersize=9, markeredgecolor="white")
    ax.set_xlabel("alliance effort: GDP-weighted mean resolve (0-1)")
    ax.set_ylabel("Russia's threat perception θ (0-1)")
    ax.set_title(f"The threat-perception spiral: median path, {smooth}-month mean (○ start, □ end)")
    ax.legend(loc="best", frameon=True, framealpha=0.85)
    _caption(fig, caption)
    return fig


@_styled
def ladder_occupancy(
    steps: pd.DataFrame, runs: pd.DataFrame, *, names: Sequence[str] = RUNG_NAMES, caption: str = ""
) -> Figure:
    """Share of runs on each rung over time (stacked areas), one panel per design point."""
    groups = _groups(runs, limit=9)
    n = len(groups)
    cols = min(3, n)
    rows = -(-n // cols)
    fig = _figure(5.2 * cols + 2.5, 4.2 * rows + 0.6)
    axes = np.atleast_1d(fig.subplots(rows, cols, sharex=True, sharey=True, squeeze=False)).ravel()
    # ColorBrewer's YlOrRd varies in lightness, so the order of the rungs survives colour-vision
    # deficiencies and greyscale: light for calm, dark red for the dangerous rungs.
    colors = mpl.colormaps["YlOrRd"](np.linspace(0.05, 1.0, len(names)))
    for ax, (label, ids) in zip(axes, groups, strict=False):
        months, rung = _matrix(steps, ids, "escalation_rung")
        shares = np.stack([(rung == k).mean(axis=1) for k in range(len(names))])
        ax.stackplot(
            months,
            shares,
            colors=colors,
            labels=[wrap(f"{k} {nm}", 30) for k, nm in enumerate(names)],
            gid="occupancy",
        )
        ax.set_title(label, fontsize=13)
        ax.set_ylim(0, 1)
        ax.set_xlim(months[0], months[-1])
        ax.grid(False)
    for ax in axes[n:]:
        ax.set_visible(False)
    for ax in axes[::cols][:rows]:
        ax.set_ylabel("share of runs")
    for ax in axes[-cols:]:
        ax.set_xlabel("month")
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles[::-1], labels[::-1], loc="outside right center", title="rung", frameon=False, fontsize=10)
    fig.suptitle("Ladder occupancy: where the runs stand each month")
    _caption(fig, caption)
    return fig


def phase_values(runs: pd.DataFrame, x: str, y: str, metric: str) -> pd.DataFrame:
    """An outcome (:data:`~simulation.analysis.outcomes.OUTCOMES`) per (x, y) grid point: rows y, columns x."""
    _check_metric(metric, {k: o.label for k, o in OUTCOMES.items()})
    v = outcomes_by(runs, [y, x], [metric])[metric]
    return v.unstack(x).sort_index().sort_index(axis=1)


def grid_axes(runs: pd.DataFrame, manifest: dict[str, Any]) -> tuple[str, str]:
    """The two varied parameters of a 2-D grid experiment, or PlotError saying why there are none."""
    design = manifest["design"]
    params = design.get("parameters", [])
    if design["kind"] != "grid" or len(params) != 2:
        raise PlotError(
            f"a phase diagram needs a 2-D grid experiment (kind = 'grid' with two parameters); this "
            f"one is kind = {design['kind']!r} with {len(params)} parameter(s)"
            + (f": {', '.join(params)}" if params else "")
        )
    return params[0], params[1]


@_styled
def phase_diagram(runs: pd.DataFrame, *, x: str, y: str, metric: str = "p_rung7", caption: str = "") -> Figure:
    """A heatmap of an outcome over a 2-D grid (e.g. aid level x member unity), with contour lines."""
    table = phase_values(runs, x, y, metric)
    if table.shape[0] < 2 or table.shape[1] < 2:
        raise PlotError(f"a phase diagram needs at least 2 values of {x} and of {y}")
    fig = _figure(10, 8.2)
    ax = fig.subplots()
    xs, ys, z = table.columns.to_numpy(float), table.index.to_numpy(float), table.to_numpy(float)
    outcome = OUTCOMES[metric]
    cmap = "cividis_r" if outcome.worse_when_high else "cividis"
    # a probability keeps its whole scale: 0 reads as "never", not as the middle of a fitted range
    vmin, vmax = outcome.bounds or (None, None)
    mesh = ax.pcolormesh(xs, ys, z, shading="nearest", cmap=cmap, vmin=vmin, vmax=vmax, gid="heatmap")
    fig.colorbar(mesh, ax=ax, label=outcome.label)
    if np.nanmax(z) > np.nanmin(z):
        from matplotlib import patheffects

        halo = [patheffects.withStroke(linewidth=3.5, foreground="white")]
        cs = ax.contour(xs, ys, z, levels=5, colors="#222222", linewidths=1.4)
        cs.set(path_effects=halo)
        for text in ax.clabel(cs, fontsize=11, fmt="%.2g"):
            text.set_path_effects(halo)
    ax.set_xticks(xs if len(xs) <= 11 else xs[:: -(-len(xs) // 11)])
    ax.set_yticks(ys if len(ys) <= 11 else ys[:: -(-len(ys) // 11)])
    ax.set_xlabel(_param_label(x))
    ax.set_ylabel(_param_label(y))
    ax.set_title(f"Phase diagram: {outcome.label}")
    ax.grid(False)
    _caption(fig, caption)
    return fig


def _param_label(key: str) -> str:
    try:
        p = parameters.by_name(key)
    except KeyError:
        return key
    return f"{key} ({p.unit})" if p.unit not in ("1", "-") else f"{key} (0-1)" if p.high == 1 else key


@_styled
def scenario_comparison(
    steps: pd.DataFrame,
    runs: pd.DataFrame,
    *,
    metrics: Sequence[str] = ("escalation_rung", "alliance_cohesion", "aid_total", "territory_held"),
    caption: str = "",
) -> Figure:
    """Small multiples of key metrics over months, one line per scenario (median and 50% band)."""
    for m in metrics:
        _check_metric(m, STEP_METRICS)
    n = len(metrics)
    cols = 2 if n > 1 else 1
    rows = -(-n // cols)
    fig = _figure(13, 4.3 * rows + 0.8)
    axes = np.atleast_1d(fig.subplots(rows, cols, sharex=True, squeeze=False)).ravel()
    groups = _groups(runs)
    colors = palette(len(groups))
    for ax, metric in zip(axes, metrics, strict=False):
        for i, (label, ids) in enumerate(groups):
            months, v = _matrix(steps, ids, metric)
            _bands(ax, months, v, colors[i], label, nines=False)
        ax.set_title(STEP_METRICS[metric], fontsize=13)
        if metric in ("escalation_rung", "spillover_incidents"):  # counts and rungs: whole numbers only
            ax.yaxis.set_major_locator(mpl.ticker.MaxNLocator(integer=True))
    for ax in axes[n:]:
        ax.set_visible(False)
    for ax in axes[-cols:]:
        ax.set_xlabel("month")
    _legend_on_top(fig, axes[0], len(groups), "Scenarios compared: median across seeds and 50% band")
    _caption(fig, caption)
    return fig


@_styled
def member_view(
    members: pd.DataFrame, *, names: dict[str, str] | None = None, caption: str = "", title: str = ""
) -> Figure:
    """Left: aid as a share of GDP by member (frontline members marked). Right: resolve over time.

    When the table has them (runs since issue 11), the public's support and the government's stance over
    time are drawn below resolve. Aid is the mean over runs and months (month 0 excluded); the lines are
    medians across runs.
    """
    if members.empty:
        raise PlotError("no member rows to plot")
    m = members[members["month"] > 0]
    share = m.groupby("iso3")["aid_share_gdp"].mean().sort_values(ascending=True) * 100
    frontline = m.groupby("iso3")["frontline"].first()
    politics = {"support", "government_stance"} <= set(m.columns)
    fig = _figure(14, max(6.5 * (1.4 if politics else 1.0), 0.28 * len(share) + 2))
    if politics:
        axes = fig.subplot_mosaic([["aid", "resolve"], ["aid", "support"], ["aid", "stance"]], width_ratios=[1, 1.3])
        left, right = axes["aid"], axes["resolve"]
    else:
        left, right = fig.subplots(1, 2, width_ratios=[1, 1.3])
    colors = [OKABE_ITO[1] if frontline[c] else OKABE_ITO[0] for c in share.index]
    bars = left.barh(range(len(share)), share.to_numpy(), color=colors, gid="aid_share")
    for bar, code in zip(bars, share.index, strict=True):
        if frontline[code]:
            bar.set_hatch("//")
            bar.set_edgecolor("white")
    left.set_yticks(range(len(share)))
    left.set_yticklabels([names.get(c, c) if names else c for c in share.index], fontsize=10)
    left.set_xlabel("aid to Ukraine (% of GDP per year)")
    left.set_title("Aid as a share of GDP")
    from matplotlib.patches import Patch

    left.legend(
        handles=[
            Patch(facecolor=OKABE_ITO[1], hatch="//", edgecolor="white", label="frontline member"),
            Patch(facecolor=OKABE_ITO[0], label="other members"),
        ],
        loc="lower right",
        frameon=True,
    )
    panels = [(right, "resolve", (0, 1), "resolve r (0-1), median across runs", "Resolve over time (solid: frontline)")]
    if politics:
        panels += [
            (axes["support"], "support", (0, 1), "public support (0-1)", "The public's support for aiding Ukraine"),
            (axes["stance"], "government_stance", (-1, 1), "stance (-1 to +1)", "Government stance (+1 hawkish)"),
        ]
    for ax, column, ylim, ylabel, panel_title in panels:
        series = m.groupby(["month", "iso3"])[column].median().unstack("iso3")
        for code in series.columns:
            front = bool(frontline[code])
            ax.plot(
                series.index,
                series[code],
                color=OKABE_ITO[1] if front else OKABE_ITO[0],
                linewidth=1.8 if front else 1.0,
                alpha=0.9 if front else 0.55,
                linestyle="-" if front else "--",
                gid=column,
            )
        ax.set_ylim(*ylim)
        ax.set_ylabel(ylabel)
        ax.set_title(panel_title)
    panels[-1][0].set_xlabel("month")
    if title:
        fig.suptitle(title)
    _caption(fig, caption)
    return fig


@_styled
def sensitivity_bars(indices: pd.DataFrame, outcome: str, *, label: str = "", caption: str = "") -> Figure:
    """Sobol' indices of one outcome: total (ST) and first-order (S1) per parameter, with 95% intervals."""
    sub = indices[indices["outcome"] == outcome].sort_values("ST")
    fig = _figure(10, max(4.5, 0.45 * len(sub) + 1.8))
    ax = fig.subplots()
    pos = np.arange(len(sub))
    for col, shift, color, legend in (
        ("ST", 0.2, OKABE_ITO[1], "total (ST)"),
        ("S1", -0.2, OKABE_ITO[0], "first order (S1)"),
    ):
        ax.barh(
            pos + shift, sub[col], height=0.4, xerr=sub[f"{col}_conf"], color=color, label=legend, gid=col, capsize=3
        )
    ax.set_yticks(pos)
    ax.set_yticklabels(sub["parameter"])
    ax.axvline(0, color="#333", linewidth=0.8)
    ax.set_xlabel("Sobol' index (share of output variance), 95% interval")
    ax.set_title(f"What drives {label or outcome}?")
    ax.legend(loc="lower right")
    _caption(fig, caption)
    return fig


@_styled
def morris_plot(
    indices: pd.DataFrame, outcome: str, *, label: str = "", caption: str = "", annotate: int = 12
) -> Figure:
    """Morris screening of one outcome: mu* (overall influence) against sigma (interactions, non-linearity)."""
    sub = indices[indices["outcome"] == outcome]
    fig = _figure(10, 8)
    ax = fig.subplots()
    ax.scatter(sub["mu_star"], sub["sigma"], s=40, color=OKABE_ITO[0], gid="morris")
    ax.errorbar(sub["mu_star"], sub["sigma"], xerr=sub["mu_star_conf"], fmt="none", ecolor="#999", elinewidth=1)
    for _, row in sub.sort_values("mu_star", ascending=False).head(annotate).iterrows():
        ax.annotate(
            row["parameter"], (row["mu_star"], row["sigma"]), xytext=(4, 3), textcoords="offset points", fontsize=10
        )
    top = float(max(sub["mu_star"].max(), sub["sigma"].max(), 1e-12))
    ax.plot([0, top], [0, top], color="#999", linestyle=":", linewidth=1)
    ax.set_xlabel("μ*: mean absolute elementary effect")
    ax.set_ylabel("σ: spread of elementary effects")
    ax.set_title(f"Morris screening of {label or outcome}")
    _caption(fig, caption)
    return fig


@_styled
def peeling_trajectory(trajectory: pd.DataFrame, chosen_step: int, *, outcome: str = "", caption: str = "") -> Figure:
    """PRIM's coverage/density trade-off along the peeling, coloured by the number of restricted parameters."""
    fig = _figure(9, 7)
    ax = fig.subplots()
    pts = ax.scatter(
        trajectory["coverage"],
        trajectory["density"],
        c=trajectory["n_restricted"],
        cmap="viridis",
        s=30,
        gid="trajectory",
    )
    fig.colorbar(pts, ax=ax, label="restricted parameters")
    row = trajectory.iloc[chosen_step]
    ax.scatter(
        [row["coverage"]],
        [row["density"]],
        s=250,
        facecolors="none",
        edgecolors=OKABE_ITO[1],
        linewidths=2.5,
        gid="chosen",
    )
    ax.set_xlabel("coverage: share of the outcome's runs inside the box")
    ax.set_ylabel("density: share of the box's runs with the outcome")
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, 1.02)
    ax.set_title(f"PRIM peeling trajectory{': ' + outcome if outcome else ''} (○ chosen box, before pasting)")
    _caption(fig, caption)
    return fig
