"""Outcomes per design point, each defined once: its name, its label and how it is computed.

A run's summary (``runs.parquet``: peak rung, final territory, ceasefire month, ...) is per run; the
questions a lecture or a paper asks are per design point, over its seeds: how likely is a direct
clash (``p_rung7``), how far does escalation go on average (``peak_rung``), how often does a
ceasefire come (``ceasefire_share``)? Every consumer reads this registry: the summary table
(``escalation batch`` and ``summarize``), the HTML report, the phase diagram's ``--metric`` and the
sensitivity analysis's ``--outcomes``. The labels say what and in which unit, so an axis, a table
note and a figure title never disagree.

The design point's label (``aid_level=0.5, member_unity=0``, or the scenario's name) comes from
:func:`simulation.runner.experiment.point_label`, the one place that spells it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from simulation.errors import AnalysisError
from simulation.ladder import DIRECT_CLASH, NUCLEAR_SIGNALLING, NUCLEAR_USE
from simulation.runner.experiment import point_label
from simulation.runner.store import Results

__all__ = [
    "OUTCOMES",
    "SENSITIVITY_OUTCOMES",
    "SUMMARY_OUTCOMES",
    "Outcome",
    "check_outcomes",
    "complete_runs",
    "format_summary",
    "labelled_runs",
    "outcomes_by",
    "outcomes_by_point",
    "point_labels",
    "select_points",
    "summary_table",
    "tail_risks",
]

#: The tail outcomes whose binomial uncertainty over seeds the main job reports, with the rung each counts
#: (rung 7 and above: a direct clash; rung 9: nuclear use).
TAIL_OUTCOMES: dict[str, int] = {f"p_rung{DIRECT_CLASH}": DIRECT_CLASH, f"p_rung{NUCLEAR_USE}": NUCLEAR_USE}
#: Confidence of the interval around a share of seeds (Wilson score interval).
TAIL_CONFIDENCE = 0.95


@dataclass(frozen=True)
class Outcome:
    """One outcome of a design point, computed from the runs' summary column over its seeds.

    Attributes:
        name: the outcome's name in tables, on the command line and in files (``p_rung7``).
        label: what it is, with its unit, for axes, titles and table notes.
        column: the per-run summary column it reads (``runs.parquet``).
        statistic: the reduction over a point's complete runs (a Series of ``column``) to one number.
        fmt: how the summary table prints it.
        worse_when_high: True if a larger value means more danger (figures colour it so).
        bounds: the range the value can take when it is a probability or a share ((0, 1)), so that
            figures of it share one colour scale; None lets a figure fit the scale to the data.
    """

    name: str
    label: str
    column: str
    statistic: Callable[[pd.Series], float]
    fmt: str = "{:.2f}"
    worse_when_high: bool = False
    bounds: tuple[float, float] | None = None


def _mean(s: pd.Series) -> float:
    return float(s.astype(float).mean())


def _quantile(q: float) -> Callable[[pd.Series], float]:
    def stat(s: pd.Series) -> float:
        return float(s.astype(float).quantile(q))

    return stat


def _share_at_or_above(rung: int) -> Callable[[pd.Series], float]:
    def stat(s: pd.Series) -> float:
        return float((s.astype(float) >= rung).mean())

    return stat


def _share_present(s: pd.Series) -> float:
    # ceasefire_month is missing for a run that never reached a ceasefire
    return float(s.notna().mean())


OUTCOMES: dict[str, Outcome] = {
    o.name: o
    for o in (
        Outcome("peak_rung", "mean peak rung (0-9)", "peak_rung", _mean, worse_when_high=True),
        Outcome("peak_rung_5%", "peak rung, 5% quantile across seeds", "peak_rung", _quantile(0.05), "{:.0f}", True),
        Outcome("peak_rung_95%", "peak rung, 95% quantile across seeds", "peak_rung", _quantile(0.95), "{:.0f}", True),
        Outcome(
            f"p_rung{NUCLEAR_SIGNALLING}",
            f"P(peak rung ≥ {NUCLEAR_SIGNALLING}): nuclear signalling",
            "peak_rung",
            _share_at_or_above(NUCLEAR_SIGNALLING),
            worse_when_high=True,
            bounds=(0.0, 1.0),
        ),
        Outcome(
            f"p_rung{DIRECT_CLASH}",
            f"P(peak rung ≥ {DIRECT_CLASH}): direct clash with a member",
            "peak_rung",
            _share_at_or_above(DIRECT_CLASH),
            worse_when_high=True,
            bounds=(0.0, 1.0),
        ),
        Outcome(
            f"p_rung{NUCLEAR_USE}",
            f"P(peak rung = {NUCLEAR_USE}): nuclear use",
            "peak_rung",
            _share_at_or_above(NUCLEAR_USE),
            worse_when_high=True,
            bounds=(0.0, 1.0),
        ),
        Outcome("final_territory", "mean final territory held by Ukraine (share)", "final_territory", _mean),
        Outcome(
            "ceasefire_share",
            "share of runs reaching a ceasefire",
            "ceasefire_month",
            _share_present,
            bounds=(0.0, 1.0),
        ),
        Outcome("mean_cohesion", "mean alliance cohesion (0-1)", "mean_cohesion", _mean),
    )
}

#: The columns of the summary table, in order (after the point's label and its run counts).
SUMMARY_OUTCOMES: tuple[str, ...] = (
    "peak_rung",
    "peak_rung_5%",
    "peak_rung_95%",
    "p_rung6",
    "p_rung7",
    "final_territory",
    "ceasefire_share",
)

#: What ``escalation sensitivity`` analyses unless told otherwise.
SENSITIVITY_OUTCOMES: tuple[str, ...] = ("peak_rung", "p_rung7", "final_territory", "ceasefire_share")


def check_outcomes(names: Iterable[str]) -> list[str]:
    """The names as a list, or AnalysisError naming the first unknown one and the known ones."""
    names = list(names)
    for n in names:
        if n not in OUTCOMES:
            raise AnalysisError(f"unknown outcome {n!r}; outcomes: {', '.join(OUTCOMES)}")
    return names


def complete_runs(runs: pd.DataFrame) -> pd.DataFrame:
    """The runs that completed: none for a store interrupted before its first chunk (no columns yet)."""
    if "status" not in runs:
        return runs.iloc[0:0]
    return runs[runs["status"] == "complete"]


def outcomes_by(runs: pd.DataFrame, by: str | list[str], outcomes: Iterable[str]) -> pd.DataFrame:
    """Outcomes of the complete runs grouped by ``by`` (index: the groups, sorted; one column per outcome)."""
    names = check_outcomes(outcomes)
    ok = runs[runs["status"] == "complete"] if "status" in runs else runs
    g = ok.groupby(by, sort=True)
    return pd.DataFrame({n: g[OUTCOMES[n].column].agg(OUTCOMES[n].statistic).astype(float) for n in names})


def outcomes_by_point(runs: pd.DataFrame, outcomes: Iterable[str] = SENSITIVITY_OUTCOMES) -> pd.DataFrame:
    """One row per design point with a complete run (index point_id, sorted), one column per outcome."""
    return outcomes_by(runs, "point_id", outcomes)


def point_labels(manifest: dict[str, Any]) -> dict[int, str]:
    """The label of every design point of a results store, by point_id."""
    return {int(p["point_id"]): point_label(p["scenario"], p["values"]) for p in manifest["design"]["points"]}


def labelled_runs(runs: pd.DataFrame, manifest: dict[str, Any]) -> pd.DataFrame:
    """Complete runs with a ``label`` column naming their design point (scenario, or the varied values)."""
    labels = point_labels(manifest)
    out = complete_runs(runs).copy()
    out["label"] = [labels[int(p)] for p in out["point_id"]] if len(out) else []
    return out


def select_points(
    runs: pd.DataFrame, manifest: dict[str, Any], *, where: Sequence[str] = (), points: Sequence[int] | None = None
) -> pd.DataFrame:
    """The runs of the design points in ``points`` that satisfy every condition in ``where``.

    Args:
        runs: runs with a ``point_id`` column and the design's parameter columns.
        manifest: the store's manifest (its design says which parameters vary).
        where: conditions on design parameters, e.g. ``"member_unity <= 0.2"`` (parsed, never
            evaluated: :func:`simulation.analysis.discovery.parse_condition`); all must hold.
        points: design point ids to keep (None: every point).

    Raises:
        AnalysisError: an unknown point or parameter, a condition that cannot be read, or no point left.
    """
    from simulation.analysis.discovery import condition_mask

    design = manifest["design"]
    keep = np.ones(len(runs), dtype=bool)
    if points is not None:
        known = sorted(int(p["point_id"]) for p in design["points"])
        unknown = [p for p in points if p not in known]
        if unknown:
            raise AnalysisError(
                f"unknown design point {unknown[0]}; this experiment has points {known[0]} to {known[-1]}"
            )
        keep &= runs["point_id"].isin(list(points)).to_numpy()
    parameters = list(design.get("parameters", []))
    if where and not parameters:
        raise AnalysisError(
            f"--where needs a design that varied parameters; this one is kind {design['kind']!r}: "
            "choose design points with --points instead"
        )
    for cond in where:
        keep &= condition_mask(runs, cond, parameters, what="design parameter")
    if not keep.any():
        shown = ", ".join(
            f"{p} in {', '.join(f'{v:g}' for v in sorted(runs[p].dropna().unique()))}" for p in parameters
        )
        raise AnalysisError(
            "no design point is left after "
            + " and ".join([*where, *([f"--points {','.join(map(str, points))}"] if points is not None else [])])
            + (f" ({shown})" if shown else "")
        )
    return runs[keep]


def summary_table(results: Results) -> pd.DataFrame:
    """Key outcomes by design point: its label, its complete runs and errors, then ``SUMMARY_OUTCOMES``.

    A point whose runs all raised keeps its row (its outcomes are missing), so errors stay visible.
    """
    runs = results.runs
    if "point_id" not in runs:  # interrupted before the first chunk: no run yet
        return pd.DataFrame(columns=["point", "runs", "errors", *SUMMARY_OUTCOMES])
    labels = point_labels(results.manifest)
    every = runs.groupby("point_id", sort=True)["status"]
    table = pd.DataFrame(
        {
            "point": [labels[int(p)] for p in every.size().index],
            "runs": every.agg(lambda s: int((s == "complete").sum())).to_numpy(),
            "errors": every.agg(lambda s: int((s == "error").sum())).to_numpy(),
        },
        index=every.size().index,
    )
    table = table.join(outcomes_by_point(runs, SUMMARY_OUTCOMES))
    return table.reset_index(drop=True)


def format_summary(table: pd.DataFrame, limit: int = 40) -> str:
    """The summary table as text for the terminal (the first ``limit`` points)."""
    if table.empty:
        return "no complete runs"
    fmt = {n: OUTCOMES[n].fmt.format for n in table.columns if n in OUTCOMES}
    text = table.head(limit).to_string(index=False, formatters=fmt)
    if len(table) > limit:
        text += f"\n... {len(table) - limit} more design points (see runs.parquet)"
    return text


def tail_risks(results: Results) -> pd.DataFrame:
    """The tail probabilities of each design point with their binomial uncertainty over seeds.

    For rung 7 and above (a direct clash) and rung 9 (nuclear use) over each run: the share of the
    point's complete runs, their count, and the 95% Wilson score interval (``scipy.stats.binomtest``),
    which stays inside [0, 1] and is honest at 0 of n, where a tail probability usually sits.
    Columns: point, runs, then per outcome ``<name>``, ``<name>_k``, ``<name>_lo``, ``<name>_hi``.
    """
    from scipy.stats import binomtest

    runs = complete_runs(results.runs)
    labels = point_labels(results.manifest)
    rows = []
    for pid, group in runs.groupby("point_id", sort=True):
        row: dict[str, Any] = {"point": labels[int(pid)], "runs": len(group)}
        for name, rung in TAIL_OUTCOMES.items():
            k = int((group["peak_rung"].astype(float) >= rung).sum())
            ci = binomtest(k, len(group)).proportion_ci(confidence_level=TAIL_CONFIDENCE, method="wilson")
            row |= {name: k / len(group), f"{name}_k": k, f"{name}_lo": ci.low, f"{name}_hi": ci.high}
        rows.append(row)
    return pd.DataFrame(rows)
