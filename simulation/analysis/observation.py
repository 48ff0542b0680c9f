"""The observation model: what a month of the model at a given state would show in the data.

A state variable of the model is not a count. This module maps a run's steps table (columns read by
name) and the ``[observation]`` parameters of its scenario to the observed series of
:mod:`simulation.analysis.observed` (docs/ODD.md section 10.2):

- **strikes** (missiles plus strike drones launched in a month): expected count
  ``mu = strikes_per_launch * x`` with ``x`` the month's strike driver (the model's strike launches,
  in month-0 production), and a count drawn from a negative binomial of mean ``mu`` and size
  ``k = strikes_dispersion`` (variance ``mu + mu^2 / k``);
- **hybrid_attacks** (sabotage attacks and plots on members in a calendar year): expected count
  ``hybrid_per_incident`` times the year's sum of the monthly driver (the model's hybrid attacks on
  members, ``hybrid_attacks``), drawn from a Poisson;
- **signalling** (a month with an observed nuclear-signalling announcement): probability
  ``announce_when_signalling * s + announce_base * (1 - s)`` with ``s`` the month's signalling driver
  (today 1 on the nuclear-signalling rung or above, else 0): holding the rung is not an announcement
  every month.

Each series' driver is read by ONE small function, registered in :data:`READERS` by series name: to
read another engine column (``strike_launches``, a ``hybrid_attacks`` count, a ``signalling``
indicator), edit that function only. Everything else (expected values, draws, the fit) goes through
the registry.

Count draws are seeded from each run's recorded seed (a stream of its own, independent of the
model's), so the same runs give the same draws and the same scores. The engine never imports this
module.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

import numpy as np
import pandas as pd

from simulation.analysis.observed import (
    CALIBRATION_WINDOW,
    HISTORY_START,
    observed_hybrid,
    observed_signalling,
    observed_strikes,
)
from simulation.calendar import date_of, month_between
from simulation.errors import AnalysisError
from simulation.ladder import NUCLEAR_SIGNALLING
from simulation.parameters import by_name

__all__ = [
    "COUNT_SERIES",
    "READERS",
    "ObservationParams",
    "draw_counts",
    "driver",
    "expected",
    "fit_observation",
    "reader",
    "signalling_probability",
]

#: The group of the parameters in a scenario (``[observation]``).
GROUP = "observation"
#: The series with a count draw, and the period they are counted over.
COUNT_SERIES: dict[str, str] = {"strikes": "month", "hybrid_attacks": "year"}
#: Spawn key of the observation noise: a stream of each run's seed that the model never uses.
_STREAM = 17
_SERIES_KEY = {"strikes": 0, "hybrid_attacks": 1, "signalling": 2}

Reader = Callable[[pd.DataFrame], pd.Series]
#: Series name -> the function that reads its driver from a steps table (one value per row).
READERS: dict[str, Reader] = {}


def reader(series: str) -> Callable[[Reader], Reader]:
    """Register the driver of a series: ``fn(steps) -> Series`` aligned with the steps' rows."""

    def register(fn: Reader) -> Reader:
        READERS[series] = fn
        return fn

    return register


# --- the readers: one small function per series (swap a column here, nowhere else) -----------------


@reader("strikes")
def read_strikes(steps: pd.DataFrame) -> pd.Series:
    """The strike driver: the missiles and drones Russia fires in the month (``strike_launches``, docs/ODD.md 7.4)."""
    return steps["strike_launches"].astype(float)


@reader("hybrid_attacks")
def read_hybrid_attacks(steps: pd.DataFrame) -> pd.Series:
    """The hybrid driver: the month's attacks on members (``hybrid_attacks``: campaign and spillover rung)."""
    return steps["hybrid_attacks"].astype(float)


@reader("signalling")
def read_signalling(steps: pd.DataFrame) -> pd.Series:
    """The signalling driver: 1 on the nuclear-signalling rung or above, else 0."""
    return (steps["escalation_rung"] >= NUCLEAR_SIGNALLING).astype(float)


# --- parameters ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ObservationParams:
    """The ``[observation]`` parameters (declared in :mod:`simulation.parameters`)."""

    strikes_per_launch: float
    strikes_dispersion: float
    hybrid_per_incident: float
    announce_when_signalling: float
    announce_base: float

    @classmethod
    def from_scenario(cls, scenario: Any) -> ObservationParams:
        """The values of a validated scenario (its ``[observation]`` table, defaults where absent)."""
        group = getattr(scenario.values, GROUP)
        return cls(**{f.name: float(getattr(group, f.name)) for f in fields(cls)})

    @classmethod
    def defaults(cls) -> ObservationParams:
        """The declared defaults."""
        return cls(**{f.name: float(by_name(f"{GROUP}.{f.name}").default) for f in fields(cls)})

    def clipped(self) -> ObservationParams:
        """The values clipped into their declared ranges."""
        out = {}
        for f in fields(self):
            p = by_name(f"{GROUP}.{f.name}")
            out[f.name] = float(np.clip(getattr(self, f.name), p.low, p.high))
        return ObservationParams(**out)

    def toml(self) -> str:
        """The ``[observation]`` table, to paste into a scenario file."""
        rows = [f"{f.name} = {_round(getattr(self, f.name))}" for f in fields(self)]
        return "[observation]\n" + "\n".join(rows) + "\n"


def _round(x: float) -> str:
    return f"{float(f'{x:.4g}'):g}"


# --- the model's side of each series --------------------------------------------------------------------


def driver(steps: pd.DataFrame, series: str) -> pd.DataFrame:
    """The driver of ``series`` per run and month: columns run_id, month, x."""
    if series not in READERS:
        raise AnalysisError(f"no observation reader for {series!r}; readers: {', '.join(READERS)}")
    x = READERS[series](steps).to_numpy(dtype=float)
    return pd.DataFrame({"run_id": steps["run_id"].to_numpy(), "month": steps["month"].to_numpy(), "x": x})


def _year(months: pd.Series) -> np.ndarray:
    return np.array([int(date_of(HISTORY_START, int(m))[:4]) for m in months])


def expected(steps: pd.DataFrame, series: str, params: ObservationParams) -> pd.DataFrame:
    """Expected observed count per run and period: columns run_id, period (month or year), mu.

    Strikes per month; hybrid attacks per calendar year (a year's months in the run; 2022 starts in
    February, month 0, as the run does).
    """
    d = driver(steps, series)
    if series == "strikes":
        return pd.DataFrame({"run_id": d["run_id"], "period": d["month"], "mu": params.strikes_per_launch * d["x"]})
    if series == "hybrid_attacks":
        d["period"] = _year(d["month"])
        out = d.groupby(["run_id", "period"], as_index=False)["x"].sum()
        return out.assign(mu=params.hybrid_per_incident * out.pop("x"))
    raise AnalysisError(f"{series!r} is not a count series; count series: {', '.join(COUNT_SERIES)}")


def signalling_probability(steps: pd.DataFrame, params: ObservationParams) -> pd.DataFrame:
    """Probability of an observed announcement per run and month: columns run_id, period (month), p."""
    d = driver(steps, "signalling")
    s = d["x"].clip(0.0, 1.0)
    p = params.announce_when_signalling * s + params.announce_base * (1.0 - s)
    return pd.DataFrame({"run_id": d["run_id"], "period": d["month"], "p": p})


def draw_counts(
    mu: pd.DataFrame, series: str, params: ObservationParams, seeds: Mapping[int, int] | None = None, n: int = 1
) -> pd.DataFrame:
    """Observed counts drawn around ``expected``: index period, one column per run and draw (``n`` per run).

    Strikes are negative binomial (mean mu, size ``strikes_dispersion``), hybrid attacks Poisson. A run's
    draws come from its recorded seed (``seeds[run_id]``; the run_id itself if ``seeds`` is None) on a
    stream of its own: the same seed gives the same counts, whatever the other runs.
    """
    wide = mu.pivot(index="period", columns="run_id", values="mu").sort_index()
    cols = {}
    for rid in wide.columns:
        seed = int(seeds[rid]) if seeds is not None else int(rid)
        rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(_STREAM, _SERIES_KEY[series])))
        m = np.maximum(wide[rid].to_numpy(dtype=float), 0.0)[:, None] * np.ones(n)
        k = params.strikes_dispersion
        if series == "strikes" and k < by_name(f"{GROUP}.strikes_dispersion").high:
            x = rng.negative_binomial(k, k / (k + m))
        else:  # hybrid attacks, and strikes at the Poisson bound
            x = rng.poisson(m)
        for j in range(n):
            cols[(rid, j)] = x[:, j].astype(float)
    out = pd.DataFrame(cols, index=wide.index)
    out.columns = pd.MultiIndex.from_tuples(out.columns, names=["run_id", "draw"])
    return out


# --- the fit ----------------------------------------------------------------------------------------------


def fit_observation(
    steps: pd.DataFrame, *, end: str = CALIBRATION_WINDOW[1], base: ObservationParams | None = None
) -> tuple[ObservationParams, dict[str, str]]:
    """Fit the observation parameters to the observations up to ``end`` (inclusive), by moments.

    ``steps`` is an ensemble of history runs (its months 0.. are February 2022 on). Returns the fitted
    parameters (clipped into their declared ranges) and one line per parameter saying how:

    - ``strikes_per_launch``: the observed mean of the full months up to ``end`` over the ensemble's
      mean strike driver in the same months;
    - ``strikes_dispersion``: from the observed variance v and mean m of those months,
      ``v = m + (m^2 + V) / k + V`` with V the variance of the model's expected counts over runs and
      months (the spread the model itself brings); the Poisson bound where the model's spread and
      the Poisson noise already reach v;
    - ``hybrid_per_incident``: the observed attacks of the complete years up to ``end`` over the
      ensemble's mean hybrid driver summed over the same years;
    - ``announce_when_signalling``: the share of observed announcement months among the model's
      signalling months (March 2022 to ``end``, weighted by the runs' drivers);
    - ``announce_base`` is declared, not fitted (kept from ``base``).
    """
    base = base or ObservationParams.defaults()
    last = month_between(HISTORY_START, end)
    how: dict[str, str] = {}
    # strikes
    obs = observed_strikes()
    obs = obs[obs["month"] <= last]
    if len(obs) < 2:
        raise AnalysisError(f"fit_observation: fewer than two full months of strikes up to {end}")
    d = driver(steps, "strikes")
    x = d[d["month"].isin(obs["month"])]["x"].to_numpy()
    m, v = float(obs["strikes"].mean()), float(obs["strikes"].var(ddof=1))
    if x.mean() <= 0:
        raise AnalysisError(
            f"fit_observation: the model's strike driver is zero in every run, {obs['date'].iloc[0]}-{end}"
        )
    scale = m / float(x.mean())
    var_mu = float((scale * x).var())
    spare = v - m - var_mu
    k = (m * m + var_mu) / spare if spare > 0 else np.inf
    how["strikes_per_launch"] = (
        f"observed mean {m:.0f} launches/month ({obs['date'].iloc[0]} to {obs['date'].iloc[-1]}, {len(obs)} months) "
        f"/ model mean strike launches {x.mean():.3f}"
    )
    how["strikes_dispersion"] = (
        f"observed variance {v:.0f}, mean {m:.0f}, variance of the model's expected counts {var_mu:.0f}"
        + ("" if spare > 0 else ": no room for extra noise, the Poisson bound")
    )
    # hybrid attacks
    last_year = int(end[:4]) - (0 if end[5:7] == "12" else 1)  # the last calendar year complete at ``end``
    hyb = observed_hybrid()
    hyb = hyb[hyb["year"] <= last_year]
    if hyb.empty:
        h, how["hybrid_per_incident"] = base.hybrid_per_incident, f"no complete observed year up to {end}: kept"
    else:
        mu = expected(steps, "hybrid_attacks", replace(base, hybrid_per_incident=1.0))
        model_total = float(mu[mu["period"].isin(hyb["year"])].groupby("period")["mu"].mean().sum())
        h = float(hyb["hybrid_attacks"].sum()) / model_total if model_total > 0 else np.inf  # inf: clipped
        how["hybrid_per_incident"] = (
            f"observed {hyb['hybrid_attacks'].sum():.0f} attacks in {', '.join(map(str, hyb['year']))} / model "
            f"mean {model_total:.2f} incidents in the same years"
        )
    # signalling
    sig = observed_signalling()
    sig = sig[(sig["month"] >= 1) & (sig["month"] <= last)].set_index("month")["signalling"]
    s = driver(steps, "signalling")
    s = s[s["month"].isin(sig.index)]
    on = float(s["x"].sum())
    q1 = float((s["x"] * s["month"].map(sig)).sum()) / on if on > 0 else base.announce_when_signalling
    how["announce_when_signalling"] = (
        f"{int(sig.sum())} announcement months of {len(sig)} ({date_of(HISTORY_START, 1)} to {end}); the model "
        f"signals in {on / len(s):.0%} of run-months"
    )
    how["announce_base"] = "declared, not fitted"
    fitted = replace(
        base, strikes_per_launch=scale, strikes_dispersion=k, hybrid_per_incident=h, announce_when_signalling=q1
    )
    return fitted.clipped(), how
