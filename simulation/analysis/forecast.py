"""The hindcast scored as a forecast: every observed series, against naive baselines, from rolling origins.

For each observed series (:data:`SERIES`) the model's ensemble is turned into a forecast of what the
data show: territory and aid are read from the steps; strikes, hybrid attacks and signalling go
through the observation model (:mod:`simulation.analysis.observation`). Each forecast is scored
(:mod:`simulation.analysis.scores`: CRPS, the 90% interval score, coverage, width; Brier for
signalling) over three periods (:data:`PERIODS`), and against persistence and climatology built from
the observations known at the period's origin (:mod:`simulation.analysis.baselines`):

- ``window``: March 2022 to December 2023 from the origin February 2022 (month 0, the observed
  initial state), the ensemble as it ran; the observation parameters of the scenario (fitted on the
  whole window, so this period is in-sample);
- ``backtest-2022-12`` and ``backtest-2023-06``: the months after the origin to December 2023, from
  runs restarted at the origin with Ukraine's territory set to its observed value there (same seed,
  the same run up to the origin), and the observation parameters refitted on the data up to the
  origin. The model's own parameters were fitted on the whole window: the backtests are out of
  sample for the state and the observation model only (said in :attr:`Forecast.notes`).

A series without an observation at a period's origin takes as the baselines' origin its first observed
period, and is scored from the period after it (strikes in the window: from November 2022, October
2022 the baselines' origin; hybrid attacks: 2023 from 2022). Signalling's climatology is the base rate
of announcement months known at the origin; at February 2022 only that month is known, so the
window's base rate is the window's own (in-sample: a reference no forecaster had).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from simulation.analysis import baselines as bl
from simulation.analysis import scores as sc
from simulation.analysis.observation import (
    ObservationParams,
    draw_counts,
    expected,
    fit_observation,
    signalling_probability,
)
from simulation.analysis.observed import (
    CALIBRATION_WINDOW,
    HISTORY_START,
    observed_hybrid,
    observed_monthly,
    observed_signalling,
    observed_strikes,
)
from simulation.calendar import date_of, month_between

__all__ = [
    "BANDS_COLUMNS",
    "METRICS",
    "OBS_DRAWS",
    "ORIGINS",
    "PERIODS",
    "SCORES_COLUMNS",
    "SERIES",
    "Forecast",
    "bands_table",
    "ensembles",
    "evaluate",
    "observed_series",
    "score_period",
]

#: The observed series, in the order of the output tables; hybrid attacks are per calendar year.
SERIES: tuple[str, ...] = ("territory", "aid", "strikes", "hybrid_attacks", "signalling")
ANNUAL = {"hybrid_attacks"}
#: The model's step column of the series read straight from the steps.
STEP_COLUMN = {"territory": "territory_held", "aid": "aid_total"}
#: The rolling origins of the backtest (inside the calibration window).
ORIGINS: tuple[str, ...] = ("2022-12", "2023-06")
PERIODS: tuple[str, ...] = ("window", *(f"backtest-{o}" for o in ORIGINS))
#: Count draws per run and period for the observed counts (strikes, hybrid attacks).
OBS_DRAWS = 20
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
BANDS_COLUMNS = ("series", "date", "q05", "q25", "q50", "q75", "q95", "observed")
SCORES_COLUMNS = ("series", "period", "metric", "value")
METRICS: tuple[str, ...] = (
    "n",
    "crps",
    "interval90",
    "coverage90",
    "width90",
    "crps_persistence",
    "crps_climatology",
    "crpss_persistence",
    "crpss_climatology",
)
SIGNALLING_METRICS = ("brier", "brier_persistence", "brier_climatology", "brier_skill")


@dataclass(frozen=True)
class Forecast:
    """The scored forecast: the contract's two tables and the notes that qualify them."""

    bands: pd.DataFrame
    scores: pd.DataFrame
    params: dict[str, ObservationParams]  # period -> the observation parameters used
    notes: list[str] = field(default_factory=list)

    def value(self, series: str, period: str, metric: str) -> float:
        """One score."""
        s = self.scores
        hit = s[(s["series"] == series) & (s["period"] == period) & (s["metric"] == metric)]["value"]
        return float(hit.iloc[0]) if len(hit) else float("nan")

    def skill_table(self) -> pd.DataFrame:
        """One row per series and period: n, CRPS, coverage, CRPSS against both baselines, Brier skill."""
        wide = self.scores.pivot_table(index=["series", "period"], columns="metric", values="value", sort=False)
        cols = ["n", "crps", "coverage90", "width90", "crpss_persistence", "crpss_climatology", "brier_skill"]
        return wide.reindex(columns=cols).reset_index()


def observed_series() -> dict[str, pd.Series]:
    """Every observed series indexed by period (month since February 2022; year for hybrid attacks)."""
    m = observed_monthly().set_index("month")
    return {
        "territory": m["ukraine_held_share"].astype(float),
        "aid": m["alliance_military_eur_bn"].astype(float),
        "strikes": observed_strikes().set_index("month")["strikes"],
        "hybrid_attacks": observed_hybrid().set_index("year")["hybrid_attacks"],
        "signalling": observed_signalling().set_index("month")["signalling"],
    }


def ensembles(
    steps: pd.DataFrame, params: ObservationParams, seeds: Mapping[int, int] | None = None, draws: int = OBS_DRAWS
) -> dict[str, pd.DataFrame]:
    """The model's forecast of each series: index period, one column per member.

    Territory and aid: a member per run. Strikes and hybrid attacks: ``draws`` observed counts per run
    (the observation model's noise, from each run's seed). Signalling: each run's probability of an
    announcement (the forecast is their mean).
    """
    out = {k: steps.pivot(index="month", columns="run_id", values=c).sort_index() for k, c in STEP_COLUMN.items()}
    for series in ("strikes", "hybrid_attacks"):
        out[series] = draw_counts(expected(steps, series, params), series, params, seeds, n=draws)
    out["signalling"] = signalling_probability(steps, params).pivot(index="period", columns="run_id", values="p")
    return out


def _label(series: str, period: int) -> str:
    return str(period) if series in ANNUAL else date_of(HISTORY_START, int(period))


def bands_table(ens: dict[str, pd.DataFrame], observed: dict[str, pd.Series]) -> pd.DataFrame:
    """The contract's bands.csv: quantiles of each series per period, and the observation where there is one.

    Signalling holds its probability in every quantile column (a probability, not a band).
    """
    frames = []
    for series in SERIES:
        e = ens[series]
        x = e.to_numpy(dtype=float)
        if series == "signalling":
            q = np.repeat(x.mean(axis=1, keepdims=True), len(QUANTILES), axis=1)
        else:
            q = np.nanquantile(x, QUANTILES, axis=1).T
        df = pd.DataFrame(q, columns=["q05", "q25", "q50", "q75", "q95"])
        df.insert(0, "date", [_label(series, p) for p in e.index])
        df.insert(0, "series", series)
        df["observed"] = observed[series].reindex(e.index).to_numpy(dtype=float)
        frames.append(df)
    return pd.concat(frames, ignore_index=True)[list(BANDS_COLUMNS)]


def _origin(series: str, month: int) -> int:
    """A period origin (a month) in the series' periods: for an annual series, the last year complete at it."""
    if series not in ANNUAL:
        return month
    year = int(date_of(HISTORY_START, month)[:4])
    return year if date_of(HISTORY_START, month)[5:] == "12" else year - 1


def score_period(
    series: str, ens: pd.DataFrame, observed: pd.Series, origin: int, first: int, last: int
) -> tuple[list[tuple[str, float]], str]:
    """The metrics of one series over one period (months ``first``..``last``, origin month ``origin``).

    Returns (metric, value) pairs and a note on the baselines (which origin, how many observations).
    """
    o = _origin(series, origin)
    lo, hi = (_origin(series, first - 1) + 1, _origin(series, last)) if series in ANNUAL else (first, last)
    obs = observed.dropna()
    note = ""
    if obs[obs.index <= o].empty:  # no observation at the origin: the series' first observed period instead
        o = int(obs.index.min())
        note = f"no observation at the origin: the baselines start from {_label(series, o)}; "
    targets = [int(t) for t in obs.index if max(lo, o + 1) <= t <= hi]
    if not targets:
        return [("n", 0.0)], note + "nothing observed to score"
    y = obs.reindex(targets).to_numpy(dtype=float)
    base = bl.baselines(series, observed, o, targets) if series != "signalling" else None
    x = ens.reindex(targets).to_numpy(dtype=float)
    rows: list[tuple[str, float]] = [("n", float(len(targets)))]
    if series == "signalling":
        rows += _signalling_scores(x.mean(axis=1), y, observed, o)
        return rows, note + f"scored {_label(series, targets[0])} to {_label(series, targets[-1])}"
    mean = {
        "crps": sc.crps(x, y).mean(),
        "interval90": sc.interval90(x, y).mean(),
        "coverage90": sc.coverage(x, y).mean(),
        "width90": sc.width(x).mean(),
        "crps_persistence": sc.crps(base.persistence, y).mean(),
        "crps_climatology": sc.crps(base.climatology, y).mean(),
    }
    mean["crpss_persistence"] = sc.skill(mean["crps"], mean["crps_persistence"])
    mean["crpss_climatology"] = sc.skill(mean["crps"], mean["crps_climatology"])
    rows += [(k, float(v)) for k, v in mean.items()]
    span = f"scored {_label(series, targets[0])} to {_label(series, targets[-1])}"
    return rows, note + f"{span}; climatology: {base.note}"


def _signalling_scores(p: np.ndarray, y: np.ndarray, observed: pd.Series, origin: int) -> list[tuple[str, float]]:
    """Brier scores of the announcement probability against persistence and the base rate (see the module doc)."""
    known = observed[observed.index <= origin].dropna()
    persistence = float(known.iloc[-1])
    rate = float(y.mean()) if len(known) == 1 else float(known.mean())
    b = float(sc.brier(p, y).mean())
    b_pers = float(sc.brier(np.full(len(y), persistence), y).mean())
    b_clim = float(sc.brier(np.full(len(y), rate), y).mean())
    # a Bernoulli forecast: its CRPS is its Brier score; its 90% interval is {0}, {1} or [0, 1]
    lo, hi = (p > 1 - sc.ALPHA / 2).astype(float), (p > sc.ALPHA / 2).astype(float)
    inside = (y >= lo) & (y <= hi)
    interval = (hi - lo) + (2 / sc.ALPHA) * ((lo - y) * (y < lo) + (y - hi) * (y > hi))
    return [
        ("crps", b),
        ("interval90", float(interval.mean())),
        ("coverage90", float(inside.mean())),
        ("width90", float((hi - lo).mean())),
        ("crps_persistence", b_pers),
        ("crps_climatology", b_clim),
        ("crpss_persistence", sc.skill(b, b_pers)),
        ("crpss_climatology", sc.skill(b, b_clim)),
        ("brier", b),
        ("brier_persistence", b_pers),
        ("brier_climatology", b_clim),
        ("brier_skill", sc.skill(b, b_clim)),
        ("base_rate", rate),
    ]


def evaluate(
    steps: pd.DataFrame,
    *,
    params: ObservationParams,
    seeds: Mapping[int, int] | None = None,
    restart: Callable[[int, float], pd.DataFrame] | None = None,
    window: tuple[str, str] = ("2022-03", CALIBRATION_WINDOW[1]),
) -> Forecast:
    """Score an ensemble of history runs as a forecast of every observed series, over every period.

    Args:
        steps: the runs' steps (run_id, month and the step columns the readers use).
        params: the observation parameters of the ``window`` period (the scenario's).
        seeds: each run's recorded seed (run_id -> seed) for the observation noise; None: the run_id.
        restart: ``restart(origin_month, territory)`` returns the same runs restarted at the origin with
            Ukraine's territory set to ``territory``; None scores the backtests on the runs as they ran
            (said in the notes).
        window: the first and last month of the ``window`` period.
    """
    observed = observed_series()
    notes = [
        "model parameters: the scenario's, fitted on the whole calibration window (February 2022 to December "
        "2023), so every backtest uses values fitted with data after its origin",
        f"observation parameters, window: the scenario's [observation] ({_params_text(params)})",
    ]
    ens = ensembles(steps, params, seeds)
    first, last = (month_between(HISTORY_START, d) for d in window)
    rows: list[tuple[str, str, str, float]] = []
    used = {"window": params}
    plan = [("window", 0, first, last, ens)]
    for origin in ORIGINS:
        o = month_between(HISTORY_START, origin)
        period = f"backtest-{origin}"
        fitted, _ = fit_observation(steps, end=origin, base=params)
        used[period] = fitted
        notes.append(f"observation parameters, {period}: refitted on the data up to {origin} ({_params_text(fitted)})")
        if restart is not None:
            territory = float(observed["territory"].loc[o])
            run = restart(o, territory)
            notes.append(f"{period}: runs restarted at {origin} with the observed territory {territory:.4f}")
        else:
            run = steps
            notes.append(f"{period}: no restart; the runs as they ran (nothing observed after {origin} is read)")
        plan.append(
            (period, o, o + 1, month_between(HISTORY_START, CALIBRATION_WINDOW[1]), ensembles(run, fitted, seeds))
        )
    for period, o, a, b, e in plan:
        for series in SERIES:
            metrics, note = score_period(series, e[series], observed[series], o, a, b)
            rows += [(series, period, k, v) for k, v in metrics]
            notes.append(f"{series}, {period}: {note}")
    scores = pd.DataFrame(rows, columns=list(SCORES_COLUMNS))
    return Forecast(bands=bands_table(ens, observed), scores=scores, params=used, notes=notes)


def _params_text(p: ObservationParams) -> str:
    return ", ".join(f"{k} {v:.4g}" for k, v in vars(p).items())
