"""The hindcast: the history scenario over many seeds against the real war, month by month.

``escalation hindcast`` runs ``scenarios/history.toml`` (month 0 = February 2022) through the batch
runner and scores the model's ensemble against the observed series of the calibration window
(:mod:`simulation.analysis.observed`), per series:

- **coverage**: the share of months whose observed value lies inside the model's central 90% band
  (the 5% and 95% quantiles across seeds);
- **median error**: the mean absolute difference between the ensemble's median and the observation;
- **CRPS**: the continuous ranked probability score of the ensemble, averaged over months (the
  empirical form ``E|X - y| - E|X - X'| / 2``; in the series' unit, lower is better; it rewards a
  band that is both right and narrow);
- **band width**: the mean width of the 90% band.

And the patterns the issue names as tests (pattern-oriented modelling, Grimm et al. 2005): the
alliance's aid over the window against the observed total, the share of runs with no direct clash
(rung >= 7) in the window, and the share of runs with a nuclear-signalling episode (a climb to rung
>= 6) within two months of September 2022.

Beside these criteria, the hindcast is scored as forecasters are scored
(:mod:`simulation.analysis.forecast`): every observed series (territory, aid, strikes, hybrid attacks,
signalling, the last three through the observation model), proper scores against persistence and
climatology, and a rolling-origin backtest from December 2022 and June 2023 (runs restarted at the
origin from the observed territory, :func:`restart_runs`). :func:`record_hindcast` writes them as
``bands.csv`` and ``scores.csv``.

Only the calibration window is scored. The months after it (2024) are a forecast, drawn but never
compared with anything here: 2024 outcomes are held out.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simulation.analysis import scores
from simulation.analysis.forecast import Forecast, evaluate
from simulation.analysis.observation import ObservationParams, fit_observation
from simulation.analysis.observed import CALIBRATION_WINDOW, HISTORY_START, OBSERVED_SERIES, observed_monthly
from simulation.calendar import date_of, month_between
from simulation.errors import AnalysisError
from simulation.ladder import DIRECT_CLASH, NUCLEAR_SIGNALLING
from simulation.runner.store import write_text

__all__ = [
    "BAND",
    "HindcastResult",
    "HindcastScore",
    "SeriesScore",
    "bands",
    "crps_ensemble",
    "fit_store",
    "forecast_store",
    "record_hindcast",
    "restart_runs",
    "run_hindcast",
    "run_specs",
    "score_hindcast",
    "scoring_window",
    "signal_onsets",
]

#: The central band the coverage is measured on (5% to 95% across seeds).
BAND = (0.05, 0.95)
#: "Within two months of September 2022": an episode starting in July to November 2022.
SIGNAL_MONTH = month_between(HISTORY_START, "2022-09")
SIGNAL_TOLERANCE = 2


@dataclass(frozen=True)
class SeriesScore:
    """The fit of one observed series over the scored months."""

    series: str
    column: str
    months: int
    coverage: float
    median_error: float
    crps: float
    band_width: float
    observed_total: float
    model_total: float


@dataclass(frozen=True)
class HindcastScore:
    """Every score of a hindcast (over the calibration window unless stated)."""

    runs: int
    window: tuple[str, str]
    series: dict[str, SeriesScore]
    p_no_clash: float
    p_signal_sep_2022: float
    aid_ratio: float  # model median total aid / observed total, over the window
    notes: list[str] = field(default_factory=list)

    def table(self) -> pd.DataFrame:
        """One row per series: coverage, median error, CRPS, band width."""
        return pd.DataFrame([vars(s) for s in self.series.values()])


def bands(steps: pd.DataFrame, column: str, q: tuple[float, ...] = (0.05, 0.25, 0.5, 0.75, 0.95)) -> pd.DataFrame:
    """Quantiles of a step column across runs, one row per month (columns named by quantile)."""
    wide = steps.pivot(index="month", columns="run_id", values=column).sort_index()
    out = pd.DataFrame(np.nanquantile(wide.to_numpy(dtype=float), q, axis=1).T, index=wide.index, columns=list(q))
    out.index.name = "month"
    return out


def crps_ensemble(samples: np.ndarray, y: float) -> float:
    """CRPS of an ensemble forecast for one observation: ``E|X - y| - E|X - X'| / 2`` (:func:`scores.crps`)."""
    return float(scores.crps(np.asarray(samples, dtype=float), y)[0])


def signal_onsets(steps: pd.DataFrame) -> pd.Series:
    """Per run, the months at which Russia climbs to nuclear signalling (rung >= 6) from below."""
    s = steps.sort_values(["run_id", "month"])
    at = (s["escalation_rung"] >= NUCLEAR_SIGNALLING).to_numpy()
    prev = np.r_[True, at[:-1]]
    new_run = np.r_[True, s["run_id"].to_numpy()[1:] != s["run_id"].to_numpy()[:-1]]
    onset = at & ~prev & ~new_run
    return s.loc[onset].groupby("run_id")["month"].apply(list)


def score_hindcast(steps: pd.DataFrame, window: tuple[str, str] = CALIBRATION_WINDOW) -> HindcastScore:
    """Score an ensemble of history runs (a steps table with ``run_id`` and ``month``) against the data.

    Territory is scored from the first month after month 0 (month 0 is the observed initial state);
    aid from month 1 too (month 0 carries no flow). The window's last month bounds everything.
    """
    first, last = (month_between(HISTORY_START, d) for d in window)
    first = max(first, 1)
    obs = observed_monthly()
    obs = obs[(obs["month"] >= first) & (obs["month"] <= last)]
    inside = steps[(steps["month"] >= first) & (steps["month"] <= last)]
    runs = int(inside["run_id"].nunique())
    series = {}
    for name, column in OBSERVED_SERIES.items():
        wide = inside.pivot(index="month", columns="run_id", values=column).reindex(obs["month"])
        x = wide.to_numpy(dtype=float)
        y = obs[name].to_numpy(dtype=float)
        lo, hi = np.nanquantile(x, BAND, axis=1)
        med = np.nanmedian(x, axis=1)
        series[name] = SeriesScore(
            series=name,
            column=column,
            months=len(y),
            coverage=float(((y >= lo) & (y <= hi)).mean()),
            median_error=float(np.abs(med - y).mean()),
            crps=float(np.mean([crps_ensemble(x[k], y[k]) for k in range(len(y))])),
            band_width=float((hi - lo).mean()),
            observed_total=float(y.sum()),
            model_total=float(np.median(x.sum(axis=0))),
        )
    aid = series["alliance_military_eur_bn"]
    peak = inside.groupby("run_id")["escalation_rung"].max()
    onsets = signal_onsets(inside)
    lo, hi = SIGNAL_MONTH - SIGNAL_TOLERANCE, SIGNAL_MONTH + SIGNAL_TOLERANCE
    hit = onsets.apply(lambda ms: any(lo <= m <= hi for m in ms)) if len(onsets) else pd.Series(dtype=bool)
    return HindcastScore(
        runs=runs,
        window=(obs["date"].iloc[0], obs["date"].iloc[-1]),
        series=series,
        p_no_clash=float((peak < DIRECT_CLASH).mean()),
        p_signal_sep_2022=float(hit.reindex(peak.index, fill_value=False).mean()),
        aid_ratio=aid.model_total / aid.observed_total,
    )


@dataclass(frozen=True)
class HindcastResult:
    """A hindcast run: its results store, its score and where its files are."""

    folder: Path
    results: Any
    score: HindcastScore
    start: str
    forecast: Forecast | None = None

    @property
    def figure(self) -> Path:
        """Where the CLI draws ``hindcast.png``."""
        return self.folder / "hindcast.png"


def run_hindcast(
    *,
    seeds: int = 50,
    scenario: str = "history",
    out: str | Path | None = None,
    start: str | None = None,
    end: str | None = None,
    overrides: list[str] | None = None,
    workers: int | None = None,
    dask: str | None = None,
    force: bool = False,
    progress: bool = True,
    prepare: Any = None,
) -> HindcastResult:
    """Run a dated scenario over ``seeds`` seeds through the batch runner and score it.

    Args:
        seeds: replications of the scenario (each seed from the experiment's SeedSequence).
        scenario: the dated scenario (``history``, or a branch of it); its start must be February 2022.
        out: the results folder (default ``results/hindcast``); rerunning resumes it.
        start: first month scored (``YYYY-MM``, default March 2022); it must lie inside the
            calibration window.
        end: last month scored (default December 2023), inside the calibration window too.
        overrides: ``key=value`` overrides of the experiment file or of scenario parameters.
        workers: worker processes, as for :func:`simulation.runner.run_experiment`.
        dask: a Dask scheduler address or ``"local"``.
        force: replace another experiment's results in the folder.
        progress: show a progress bar.
        prepare: called with the loaded experiment before any run, returns the folder (the CLI's checks).

    Raises:
        AnalysisError: the scenario is not dated from February 2022, or the window leaves the
            calibration window.
    """
    from simulation.runner import load_experiment, run_experiment
    from simulation.scenario import load_scenario

    sc = load_scenario(scenario)
    if sc.values.start != HISTORY_START:
        raise AnalysisError(
            f"scenario {scenario!r} starts at {sc.values.start or '(no start)'}: a hindcast needs a scenario "
            f'dated from {HISTORY_START} (start = "{HISTORY_START}"), such as history or a branch of it'
        )
    window = scoring_window(start, end)
    sets = [f"experiment.replications={seeds}", f'design.scenarios=["{sc.source or scenario}"]', *(overrides or [])]
    exp = load_experiment("hindcast", sets)
    folder = Path(prepare(exp)) if prepare is not None else Path(out or Path("results") / exp.name)
    results = run_experiment(exp, folder, workers=workers, dask=dask, force=force, progress=progress)
    return record_hindcast(results, folder, start=sc.values.start, label=scenario, window=window)


def record_hindcast(
    results: Any, folder: Path, *, start: str, label: str, window: tuple[str, str] = CALIBRATION_WINDOW
) -> HindcastResult:
    """Score an ensemble of history runs (a results store) and write ``hindcast.json`` into ``folder``.

    The one place a hindcast is scored and recorded, whether its runs come from seeds of a scenario
    (:func:`run_hindcast`) or from draws of a posterior (``escalation hindcast --posterior``).
    """
    score = score_hindcast(results.steps, window)
    forecast = forecast_store(results, window)
    write_text(forecast.bands.to_csv(index=False), folder / "bands.csv")
    write_text(forecast.scores.to_csv(index=False), folder / "scores.csv")
    record = {**_as_json(score, label), **_forecast_json(forecast)}
    write_text(json.dumps(record, indent=2) + "\n", folder / "hindcast.json")
    return HindcastResult(folder=folder, results=results, score=score, start=start, forecast=forecast)


def run_specs(results: Any) -> list[tuple[int, Any, int]]:
    """Each complete run of a results store as (run_id, its scenario, its seed), to run it again.

    The scenario is the resolved one kept in the store (``scenarios/NAME.toml``) with the run's design
    point's values (a posterior's particle, a sweep's point) set on it.
    """
    from simulation.scenario import load_scenario

    runs = results.runs
    runs = runs[runs["status"] == "complete"]
    points = {int(p["point_id"]): p for p in results.manifest["design"]["points"]}
    built: dict[int, Any] = {}
    out = []
    for row in runs.itertuples(index=False):
        pid = int(row.point_id)
        if pid not in built:
            point = points[pid]
            built[pid] = load_scenario(results.path / "scenarios" / f"{point['scenario']}.toml", dict(point["values"]))
        out.append((int(row.run_id), built[pid], int(row.seed)))
    return out


def restart_runs(specs: list[tuple[int, Any, int]], origin: int, territory: float) -> pd.DataFrame:
    """The runs again, restarted at month ``origin`` from the observed territory: their steps (with run_id).

    Each run replays with its own scenario and seed to the origin (bit for bit the run it was), then
    Ukraine's territory is set to ``territory`` (the observation assimilated, as a forecaster would
    start from the state known at the origin) and the run goes on with the same generator. The
    month-``origin`` row keeps the model's own value; the months after it follow from the observed one.
    """
    from simulation.model import EscalationModel

    frames = []
    for run_id, sc, seed in specs:
        model = EscalationModel(sc, rng=seed)
        while model.running and model.steps < origin:
            model.step()
        uk = model.ukraine
        uk.territory = float(territory)
        uk.history[-1] = uk.territory  # next month's gain is counted from the observed front
        while model.running:
            model.step()
        df = pd.DataFrame(model.step_table())
        df.insert(0, "run_id", run_id)
        frames.append(df)
    return pd.concat(frames, ignore_index=True)


def _scored_specs(results: Any) -> list[tuple[int, Any, int]]:
    specs = run_specs(results)
    if not specs:
        raise AnalysisError(f"{results.path}: no complete run to score")
    return specs


def forecast_store(results: Any, window: tuple[str, str] = CALIBRATION_WINDOW) -> Forecast:
    """Score a store of history runs as a forecast of every observed series, with the restarted backtests.

    The observation parameters are the ``[observation]`` table of the runs' (first design point's) scenario.
    """
    specs = _scored_specs(results)
    first = max(month_between(HISTORY_START, window[0]), 1)  # month 0 is the observed initial state
    return evaluate(
        results.steps,
        params=ObservationParams.from_scenario(specs[0][1]),
        seeds={rid: seed for rid, _, seed in specs},
        restart=lambda origin, territory: restart_runs(specs, origin, territory),
        window=(date_of(HISTORY_START, first), window[1]),
    )


def fit_store(results: Any, end: str = CALIBRATION_WINDOW[1]) -> tuple[ObservationParams, dict[str, str]]:
    """Fit the observation parameters to a store of history runs (``escalation hindcast --fit-observation``)."""
    return fit_observation(results.steps, end=end, base=ObservationParams.from_scenario(_scored_specs(results)[0][1]))


def _forecast_json(forecast: Forecast) -> dict[str, Any]:
    table = forecast.skill_table()
    skill = {
        f"{r['series']}/{r['period']}": {
            k: (None if pd.isna(v) else float(v)) for k, v in r.items() if k not in ("series", "period")
        }
        for r in table.to_dict("records")
    }
    return {
        "skill": skill,
        "observation": {period: vars(p) for period, p in forecast.params.items()},
        "notes": forecast.notes,
        "files": ["bands.csv", "scores.csv"],
    }


def scoring_window(start: str | None, end: str | None) -> tuple[str, str]:
    """The months scored (``--start``/``--end``, default the calibration window); AnalysisError outside it."""
    lo, hi = CALIBRATION_WINDOW
    a, b = start or lo, end or hi
    for key, d in (("--start", a), ("--end", b)):
        try:
            k = month_between(lo, d)
        except ValueError as e:
            raise AnalysisError(f"{key}: {e}") from None
        if k < 0 or month_between(d, hi) < 0:
            raise AnalysisError(
                f"{key}: {d} is outside the calibration window {lo} to {hi}: only those months are observed "
                "here (2024 is held out: the model's 2024 is a forecast, drawn but never scored)"
            )
    if month_between(a, b) < 0:
        raise AnalysisError(f"--start {a} is after --end {b}")
    return a, b


def _as_json(score: HindcastScore, scenario: str) -> dict[str, Any]:
    return {
        "scenario": scenario,
        "runs": score.runs,
        "window": list(score.window),
        "series": {k: vars(v) for k, v in score.series.items()},
        "p_no_clash": score.p_no_clash,
        "p_signal_sep_2022": score.p_signal_sep_2022,
        "aid_ratio": score.aid_ratio,
        "data": "simulation/data/history_2022_2023.csv (Kiel Ukraine Support Tracker; liveuamap-derived territory), "
        "history_strikes_monthly.csv (Ukrainian Air Force launch reports), history_hybrid_annual.csv (CSIS), "
        "history_events.csv",
    }
