"""From a results folder to figures: which figures exist and how each is drawn from the store.

Light on purpose (no matplotlib import until a figure is drawn), so the CLI stays quick.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from simulation.errors import PlotError, StoreError
from simulation.runner.store import Results, load_results

__all__ = ["FIGURE_KINDS", "PlotData", "PlotError", "draw", "load_for_plots"]

FIGURE_KINDS: tuple[str, ...] = ("curves", "spiral", "ladder", "phase", "compare", "members")


@dataclass
class PlotData:
    """What the figures read: labelled runs, steps, members, the manifest and a caption line."""

    results: Results
    runs: pd.DataFrame
    caption: str

    @property
    def manifest(self) -> dict[str, Any]:
        """The store's manifest."""
        return self.results.manifest

    @property
    def steps(self) -> pd.DataFrame:
        """Per-step rows (PlotError naming the ``[record]`` setting if the store did not keep them)."""
        return self._kept("steps")

    @property
    def members(self) -> pd.DataFrame:
        """Per-step-and-member rows (PlotError naming the ``[record]`` setting if the store did not keep them)."""
        return self._kept("members")

    def _kept(self, table: str) -> pd.DataFrame:
        try:
            self.results.require(table)
        except StoreError as e:  # a figure that cannot be drawn from this store, not a damaged store
            raise PlotError(str(e)) from None
        return getattr(self.results, table)


def load_for_plots(path: str | Path, *, where: Sequence[str] = (), points: Sequence[int] | None = None) -> PlotData:
    """Open a results folder for plotting (StoreError if it is not one), or a subset of its design points.

    Args:
        path: the results folder.
        where: conditions on design parameters the points must meet, e.g. ``"member_unity <= 0.2"``.
        points: the design point ids to draw (None: all).
    """
    from simulation.analysis.outcomes import labelled_runs, select_points
    from simulation.viz.plots import caption_text

    results = load_results(path)
    runs = labelled_runs(results.runs, results.manifest)
    if runs.empty:
        raise PlotError(f"{path} has no complete runs to plot")
    subset = ""
    if where or points is not None:
        runs = select_points(runs, results.manifest, where=where, points=points)
        chosen = [*where, *([f"points {','.join(map(str, points))}"] if points is not None else [])]
        subset = f"{runs['point_id'].nunique()} point(s) where {' and '.join(chosen)}"
    return PlotData(results=results, runs=runs, caption=caption_text(results.manifest, subset=subset))


def draw(data: PlotData, kind: str, *, metric: str | None = None) -> Any:
    """Draw one kind of figure (``FIGURE_KINDS``) from a results folder; return the Figure."""
    from simulation.viz import plots

    if kind not in FIGURE_KINDS:
        raise PlotError(f"unknown figure kind {kind!r}; kinds: {', '.join(FIGURE_KINDS)}")
    cap = data.caption
    if kind == "phase":
        x, y = plots.grid_axes(data.runs, data.manifest)
        return plots.phase_diagram(data.runs, x=x, y=y, metric=metric or "p_rung7", caption=cap)
    if kind == "curves":
        return plots.escalation_curves(data.steps, data.runs, caption=cap)
    if kind == "spiral":
        return plots.threat_spiral(data.steps, data.runs, caption=cap)
    if kind == "ladder":
        return plots.ladder_occupancy(data.steps, data.runs, caption=cap)
    if kind == "compare":
        metrics = (metric,) if metric else ("escalation_rung", "alliance_cohesion", "aid_total", "territory_held")
        return plots.scenario_comparison(data.steps, data.runs, metrics=metrics, caption=cap)
    first = data.runs.sort_values("point_id")
    label = first["label"].iloc[0]
    ids = first.loc[first["label"] == label, "run_id"]
    members = data.members[data.members["run_id"].isin(ids)]
    return plots.member_view(members, caption=cap, title=f"Members in {label}")
