"""Scenario discovery with PRIM: boxes in parameter space where an outcome is likely.

PRIM (Friedman and Fisher 1999, "Bump hunting in high-dimensional data"): start from the box holding
every run; repeatedly peel off the ``alpha`` share of the remaining runs from the one face (a low or
high end of one parameter) whose removal raises the share of runs with the outcome (the density)
most, until the box holds fewer than ``min_support`` of the runs. The boxes along the way trade
coverage (the share of all runs with the outcome that the box holds) for density. A chosen box is
then pasted: each face is widened again while that keeps raising the density.

``escalation discover DIR --outcome "peak_rung >= 7"`` runs it on a results folder's runs (each run's
design values and outcome), prints the chosen box as rules and plots the peeling trajectory.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from simulation.errors import AnalysisError

__all__ = ["Box", "PrimResult", "condition_mask", "parse_condition", "prim"]

_OPS = {
    ">=": np.greater_equal,
    "<=": np.less_equal,
    ">": np.greater,
    "<": np.less,
    # a design value written as 0.2 is 0.1 * 2 in a grid built by linspace: equal up to rounding
    "==": lambda a, b: np.isclose(a, b, rtol=1e-9, atol=1e-12),
}


def parse_condition(
    expr: str, columns: list[str] | pd.Index, *, what: str = "outcome column"
) -> tuple[str, str, float]:
    """Parse ``"peak_rung >= 7"`` into (column, operator, value); never evaluates code.

    The one grammar for conditions on a column: ``--outcome`` of ``escalation discover`` and
    ``--where`` of ``escalation plot`` (``"member_unity <= 0.2"``). ``what`` names the columns in
    the message when the column is not one of ``columns``.
    """
    m = re.fullmatch(r"\s*([A-Za-z_][A-Za-z0-9_.]*)\s*(>=|<=|==|>|<)\s*(-?\d+(?:\.\d*)?(?:[eE]-?\d+)?)\s*", expr)
    if not m:
        raise AnalysisError(
            f'cannot read the condition {expr!r}: write COLUMN OP NUMBER, e.g. "peak_rung >= 7" '
            f"(OP one of >=, <=, >, <, ==)"
        )
    col, op, val = m.group(1), m.group(2), float(m.group(3))
    if col not in columns:
        raise AnalysisError(f"unknown {what} {col!r}; {what}s: {', '.join(map(str, columns))}")
    return col, op, val


def condition_mask(
    frame: pd.DataFrame, expr: str, columns: list[str] | None = None, *, what: str = "outcome column"
) -> np.ndarray:
    """Which rows of ``frame`` satisfy ``expr`` (``"peak_rung >= 7"``); a missing value never does.

    ``columns`` limits the columns a condition may name (default: all of ``frame``'s).
    """
    col, op, val = parse_condition(expr, frame.columns if columns is None else columns, what=what)
    values = pd.to_numeric(frame[col], errors="coerce").astype(float).to_numpy()
    return _OPS[op](values, val) & ~np.isnan(values)


@dataclass
class Box:
    """Limits per parameter (only the restricted ones differ from the data's range)."""

    limits: dict[str, tuple[float, float]]
    coverage: float
    density: float
    support: float
    restricted: list[str] = field(default_factory=list)

    def contains(self, x: pd.DataFrame) -> np.ndarray:
        """Which rows of ``x`` fall in the box."""
        inside = np.ones(len(x), dtype=bool)
        for name, (lo, hi) in self.limits.items():
            v = x[name].to_numpy()
            inside &= (v >= lo) & (v <= hi)
        return inside

    def rules(self, outcome: str, ranges: dict[str, tuple[float, float]]) -> str:
        """The box as readable rules, e.g. ``member_unity < 0.35 and aid_level > 0.6: 71% ...``."""
        parts = []
        for name in self.restricted:
            lo, hi = self.limits[name]
            dlo, dhi = ranges[name]
            if lo > dlo and hi < dhi:
                parts.append(f"{lo:.3g} <= {name} <= {hi:.3g}")
            elif lo > dlo:
                parts.append(f"{name} >= {lo:.3g}")
            else:
                parts.append(f"{name} <= {hi:.3g}")
        cond = " and ".join(parts) if parts else "anywhere"
        return (
            f"{cond}: {self.density:.0%} of runs reach {outcome}, covering {self.coverage:.0%} of such runs "
            f"({self.support:.0%} of all runs)"
        )


@dataclass
class PrimResult:
    """The peeling trajectory and the chosen (pasted) box."""

    trajectory: pd.DataFrame  # step, coverage, density, support, n_restricted
    boxes: list[Box]
    chosen: Box
    chosen_step: int
    ranges: dict[str, tuple[float, float]]


def _box_stats(inside: np.ndarray, y: np.ndarray, total_pos: int) -> tuple[float, float, float]:
    n = inside.sum()
    pos = y[inside].sum()
    return (pos / total_pos if total_pos else 0.0), (pos / n if n else 0.0), n / len(y)


def prim(
    x: pd.DataFrame, y: np.ndarray, *, alpha: float = 0.05, min_support: float = 0.05, min_coverage: float = 0.5
) -> PrimResult:
    """Peel, choose and paste a box where ``y`` (boolean, one per row of ``x``) is likely.

    The chosen box is the densest one on the peeling trajectory whose coverage is at least
    ``min_coverage`` (the coverage/density trade-off; the trajectory shows the alternatives).
    """
    # Peeling half the box or more per step is no longer peeling; shares outside [0, 1] mean nothing.
    for name, value, ok, allowed in (
        ("alpha", alpha, 0 < alpha < 0.5, "in (0, 0.5)"),
        ("min_support", min_support, 0 < min_support < 1, "in (0, 1)"),
        ("min_coverage", min_coverage, 0 <= min_coverage <= 1, "in [0, 1]"),
    ):
        if not ok:
            raise AnalysisError(f"{name} = {value:g} is not allowed: PRIM needs a share {allowed}")
    y = np.asarray(y, dtype=bool)
    names = list(x.columns)
    data = x.to_numpy(dtype=float)
    ranges = {n: (float(data[:, j].min()), float(data[:, j].max())) for j, n in enumerate(names)}
    total_pos = int(y.sum())
    if total_pos == 0:
        raise AnalysisError("no run has the outcome: there is nothing to find")
    limits = {n: list(ranges[n]) for n in names}
    inside = np.ones(len(y), dtype=bool)
    boxes = [_make_box(limits, inside, y, total_pos, ranges)]
    while inside.mean() > min_support:
        best = None
        for j in range(len(names)):
            v = data[inside, j]
            if np.ptp(v) == 0:
                continue
            for side in ("low", "high"):
                cut = np.quantile(
                    v, alpha if side == "low" else 1 - alpha, method="lower" if side == "low" else "higher"
                )
                keep = (data[:, j] > cut) if side == "low" else (data[:, j] < cut)
                new = inside & keep
                if new.sum() == inside.sum() or new.sum() == 0:
                    # quantile ties (discrete values): remove the extreme value itself
                    keep = (data[:, j] > v.min()) if side == "low" else (data[:, j] < v.max())
                    new = inside & keep
                    cut = v.min() if side == "low" else v.max()
                if new.sum() == 0 or new.sum() == inside.sum():
                    continue
                density = y[new].mean()
                if best is None or density > best[0]:
                    best = (density, j, side, new)
        if best is None:
            break
        _, j, side, new = best
        n = names[j]
        vals = data[new, j]
        limits[n] = [float(vals.min()), limits[n][1]] if side == "low" else [limits[n][0], float(vals.max())]
        inside = new
        boxes.append(_make_box(limits, inside, y, total_pos, ranges))
    traj = pd.DataFrame(
        [
            {
                "step": i,
                "coverage": b.coverage,
                "density": b.density,
                "support": b.support,
                "n_restricted": len(b.restricted),
            }
            for i, b in enumerate(boxes)
        ]
    )
    eligible = traj[traj["coverage"] >= min_coverage]
    step = int(eligible.sort_values(["density", "coverage"], ascending=False)["step"].iloc[0]) if len(eligible) else 0
    chosen = _paste(boxes[step], data, names, y, total_pos, ranges, alpha)
    return PrimResult(trajectory=traj, boxes=boxes, chosen=chosen, chosen_step=step, ranges=ranges)


def _make_box(
    limits: dict[str, list[float]],
    inside: np.ndarray,
    y: np.ndarray,
    total_pos: int,
    ranges: dict[str, tuple[float, float]],
) -> Box:
    cov, dens, sup = _box_stats(inside, y, total_pos)
    restricted = [n for n, (lo, hi) in limits.items() if lo > ranges[n][0] or hi < ranges[n][1]]
    return Box({n: (lo, hi) for n, (lo, hi) in limits.items()}, cov, dens, sup, restricted)


def _paste(
    box: Box,
    data: np.ndarray,
    names: list[str],
    y: np.ndarray,
    total_pos: int,
    ranges: dict[str, tuple[float, float]],
    alpha: float,
) -> Box:
    """Widen faces one at a time while the density rises (Friedman and Fisher's pasting)."""
    limits = {n: list(v) for n, v in box.limits.items()}

    def inside_of(lims: dict[str, list[float]]) -> np.ndarray:
        m = np.ones(len(y), dtype=bool)
        for j, n in enumerate(names):
            m &= (data[:, j] >= lims[n][0]) & (data[:, j] <= lims[n][1])
        return m

    current = inside_of(limits)
    improved = True
    while improved:
        improved = False
        best = None
        n_add = max(1, int(alpha * current.sum()))
        for j, n in enumerate(names):
            for side in ("low", "high"):
                lo, hi = limits[n]
                outside = data[:, j] < lo if side == "low" else data[:, j] > hi
                cand_vals = np.sort(data[outside & _others_inside(data, limits, names, j), j])
                if cand_vals.size == 0:
                    continue
                edge = (
                    cand_vals[-min(n_add, cand_vals.size)]
                    if side == "low"
                    else cand_vals[min(n_add, cand_vals.size) - 1]
                )
                trial = {k: list(v) for k, v in limits.items()}
                trial[n] = [edge, hi] if side == "low" else [lo, edge]
                m = inside_of(trial)
                d = y[m].mean()
                if d > y[current].mean() and (best is None or d > best[0]):
                    best = (d, trial, m)
        if best is not None:
            _, limits, current = best
            improved = True
    return _make_box(limits, current, y, total_pos, ranges)


def _others_inside(data: np.ndarray, limits: dict[str, list[float]], names: list[str], skip: int) -> np.ndarray:
    m = np.ones(len(data), dtype=bool)
    for j, n in enumerate(names):
        if j != skip:
            m &= (data[:, j] >= limits[n][0]) & (data[:, j] <= limits[n][1])
    return m
