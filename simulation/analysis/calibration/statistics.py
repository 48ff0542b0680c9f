"""The summary statistics (observed and simulated), the model a candidate runs, and the scaled distance."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np

from simulation.analysis.observation import ObservationParams
from simulation.analysis.observed import (
    CALIBRATION_WINDOW,
    HISTORY_START,
    observed_events,
    observed_hybrid,
    observed_monthly,
    observed_signalling,
    observed_strikes,
)
from simulation.calendar import date_of, month_between
from simulation.errors import EscalationError
from simulation.ladder import DIRECT_CLASH, NUCLEAR_SIGNALLING
from simulation.run import simulate
from simulation.scenario import Scenario

#: The statistics a calibration may fit, with their default scale and what the error measures.
STATISTICS: dict[str, tuple[float | str, str]] = {
    "territory": (0.02, "RMS error of the territory held (share of Ukraine), month by month"),
    "aid": ("std", "RMS error of the alliance's monthly aid (aid_total), month by month"),
    "nuclear_signal": (6.0, "months between the first rung >= 6 and the first observed nuclear signal"),
    "no_direct_clash": (1.0, "1 if the run reaches rung >= 7 (direct clash) in the window, else 0"),
    "strikes": (
        0.5,
        "RMS error of log expected strikes launched (observation model) against log observed, full months",
    ),
    "hybrid_attacks": (0.7, "RMS error of log((expected attacks + 1) / (observed + 1)) per complete calendar year"),
    "signalling": (0.15, "Brier score of the announcement probability (observation model) against observed months"),
}
#: Statistics read through the observation model (simulation.analysis.observation; docs/ODD.md 10.2).
_OBSERVED_ESCALATION = ("strikes", "hybrid_attacks", "signalling")
_SERIES = {"territory": ("territory_held", "ukraine_held_share"), "aid": ("aid_total", "alliance_military_eur_bn")}


def observed_statistics(
    window: tuple[str, str] = CALIBRATION_WINDOW, *, start: str = HISTORY_START, signal: str | None = None
) -> dict[str, Any]:
    """The observed summary statistics over ``window`` (months ``YYYY-MM``, inside the calibration window).

    Args:
        window: the first and last month fitted.
        start: month 0 of the scenario: its initial state is set, not simulated, so the series
            start the month after it.
        signal: the month of the nuclear-signalling episode to match (default: the first
            ``nuclear_signal`` event after the window's first month).
    """
    df = observed_monthly()
    w0, w1 = window
    a, b = month_between(HISTORY_START, w0), month_between(HISTORY_START, w1)
    first = max(a, month_between(HISTORY_START, start) + 1)
    rows = df.set_index("month").reindex(range(first, b + 1))
    if signal is None:
        ev = observed_events()
        months = ev[(ev["kind"] == "nuclear_signal") & (ev["month"] > a) & (ev["month"] <= b)]["month"]
        onset = int(months.min()) if len(months) else b + 1
    else:
        onset = month_between(HISTORY_START, signal)
    strikes = observed_strikes().set_index("month")["strikes"].reindex(range(first, b + 1))
    signalling = observed_signalling().set_index("month")["signalling"].reindex(range(first, b + 1))
    hyb = observed_hybrid()
    years = [y for y in _complete_years(first, b) if y in set(hyb["year"])]
    return {
        "territory": rows["ukraine_held_share"].to_numpy(float),
        "aid": rows["alliance_military_eur_bn"].to_numpy(float),
        "nuclear_signal": float(onset - a),
        "no_direct_clash": 0.0,
        "strikes": strikes.to_numpy(float),
        "hybrid_attacks": hyb.set_index("year")["hybrid_attacks"].reindex(years).to_numpy(float),
        "signalling": signalling.to_numpy(float),
    }


@cache
def _calendar_years(n: int) -> np.ndarray:
    """The calendar year of months 0 .. n - 1 of the history (computed once: every candidate of the ABC reads it)."""
    return np.array([int(date_of(HISTORY_START, k)[:4]) for k in range(n)])


@cache
def _complete_years(first: int, last: int) -> tuple[int, ...]:
    """The calendar years whose months up to December lie in months ``first .. last``.

    A year's first month in the window may be later than January: 2022 starts in March after month 0.
    """
    span = range(int(date_of(HISTORY_START, first)[:4]), int(date_of(HISTORY_START, last)[:4]) + 1)
    return tuple(y for y in span if month_between(HISTORY_START, f"{y}-12") <= last)


def statistics_of(
    steps: dict[str, np.ndarray], m0: int, m1: int, obs: ObservationParams | None = None
) -> dict[str, Any]:
    """The summary statistics of one run's step columns over months ``m0 .. m1``.

    The series leave out month 0 (the initial state, set rather than simulated). ``nuclear_signal``
    is the first onset after ``m0`` (a climb to rung >= 6 from below), in months since ``m0``, or
    ``m1 - m0 + 1`` if none; ``no_direct_clash`` is 1 if rung >= 7 is reached in the window.
    """
    month = np.asarray(steps["month"])
    series = (month >= max(m0, 1)) & (month <= m1)
    rung = np.asarray(steps["escalation_rung"])
    at = rung >= NUCLEAR_SIGNALLING
    onset = np.flatnonzero(at[1:] & ~at[:-1]) + 1
    onset = onset[(month[onset] > m0) & (month[onset] <= m1)]
    inside = (month >= m0) & (month <= m1)
    out = {
        "territory": np.asarray(steps["territory_held"], dtype=float)[series],
        "aid": np.asarray(steps["aid_total"], dtype=float)[series],
        "nuclear_signal": float(month[onset[0]] - m0) if onset.size else float(m1 - m0 + 1),
        "no_direct_clash": float((rung[inside] >= DIRECT_CLASH).any()),
    }
    if obs is not None:  # the observation model's expected values (simulation.analysis.observation)
        out["strikes"] = obs.strikes_per_launch * np.asarray(steps["strike_launches"], dtype=float)[series]
        attacks = np.asarray(steps["hybrid_attacks"], dtype=float)
        years = _complete_years(max(m0, 1), m1)
        year_of = _calendar_years(len(month))[month]
        out["hybrid_attacks"] = np.array(
            [obs.hybrid_per_incident * attacks[(year_of == y) & (month >= 1)].sum() for y in years]
        )
        on = (rung >= NUCLEAR_SIGNALLING).astype(float)[series]
        out["signalling"] = obs.announce_when_signalling * on + obs.announce_base * (1.0 - on)
    return out


def _nan_statistics(n: int) -> dict[str, Any]:
    return {
        "territory": np.full(n, np.nan),
        "aid": np.full(n, np.nan),
        "nuclear_signal": np.nan,
        "no_direct_clash": 1.0,
        "strikes": np.full(n, np.nan),
        "hybrid_attacks": np.array([np.nan]),
        "signalling": np.full(n, np.nan),
    }


@dataclass(frozen=True)
class HistoryModel:
    """Parameters -> summary statistics of one run, seeded by the candidate's seed (see abc_sampler)."""

    scenario: Scenario
    names: tuple[str, ...]
    m0: int
    m1: int

    def __call__(self, pars: Any) -> dict[str, Any]:
        """Run the scenario with these parameter values; a run that cannot be made gives NaN (rejected)."""
        from simulation.analysis.abc_sampler import current_run_seed

        try:
            sc = self.scenario.with_overrides({k: float(pars[k]) for k in self.names})
            _, steps, _ = simulate(sc, current_run_seed())
        except EscalationError:
            return _nan_statistics(self.m1 - max(self.m0, 1) + 1)
        return statistics_of(steps, self.m0, self.m1, ObservationParams.from_scenario(sc))


@dataclass(frozen=True)
class ScaledDistance:
    """d = (sum_i w_i (e_i / s_i)^p)^(1/p) over the statistics used (module docstring)."""

    weights: dict[str, float]
    scales: dict[str, float]
    p: float = 2.0

    def errors(self, x: dict[str, Any], x0: dict[str, Any]) -> dict[str, float]:
        """The scaled error e_i / s_i of every statistic used."""
        out = {}
        for k, s in self.scales.items():
            if k in _SERIES:
                sim, obs = np.asarray(x[k], dtype=float), np.asarray(x0[k], dtype=float)
                ok = np.isfinite(obs)
                e = float(np.sqrt(np.mean((sim[ok] - obs[ok]) ** 2)))
            elif k in _OBSERVED_ESCALATION:
                sim, obs = np.asarray(x[k], dtype=float), np.asarray(x0[k], dtype=float)
                ok = np.isfinite(obs)
                if k == "strikes":  # log ratio: a month of 100 launches matters as much as one of 800
                    d = np.log(np.maximum(sim[ok], 1.0)) - np.log(obs[ok])
                elif k == "hybrid_attacks":
                    d = np.log((sim[ok] + 1.0) / (obs[ok] + 1.0))
                else:  # signalling: the Brier score's root
                    d = sim[ok] - obs[ok]
                e = float(np.sqrt(np.mean(d**2))) if ok.any() else math.nan
            elif k == "nuclear_signal":
                e = abs(float(x[k]) - float(x0[k]))
            else:
                e = float(x[k])
            out[k] = e / s
        return out

    def __call__(self, x: dict[str, Any], x0: dict[str, Any]) -> float:
        """The distance between simulated and observed statistics (inf for a run that failed)."""
        e = self.errors(x, x0)
        if not all(math.isfinite(v) for v in e.values()):
            return math.inf
        return float(sum(self.weights[k] * v**self.p for k, v in e.items()) ** (1.0 / self.p))
