"""The prior and posterior predictive: runs through the batch runner, bands, scores and the 2024 forecast."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simulation.analysis.calibration.files import _write_parquet
from simulation.analysis.calibration.posterior import read_posterior, weighted_quantile
from simulation.analysis.calibration.schema import Calibration, CalibrationFile, _resolve
from simulation.analysis.calibration.statistics import _SERIES
from simulation.analysis.observed import (
    HISTORY_START,
    observed_monthly,
)
from simulation.calendar import date_of, month_between
from simulation.errors import AnalysisError
from simulation.ladder import DIRECT_CLASH, NUCLEAR_SIGNALLING
from simulation.runner.executors import Executor, make_executor
from simulation.runner.experiment import DesignPoint, Experiment, ExperimentFile, ExperimentSection, RecordSection
from simulation.runner.store import Results
from simulation.scenario import load_scenario


def _child_seed(seed: int, key: tuple[int, ...]) -> int:
    return int(np.random.SeedSequence(seed, spawn_key=key).generate_state(1, np.uint64)[0] >> np.uint64(1))


def _predictive_experiment(
    cal: Calibration, values: pd.DataFrame, name: str, seed: int, replications: int
) -> Experiment:
    base = cal.full_scenario
    points = tuple(
        DesignPoint(i, base.with_overrides(row), row)
        for i, row in enumerate({k: float(v) for k, v in r.items()} for r in values[list(cal.names)].to_dict("records"))
    )
    spec = ExperimentFile(
        experiment=ExperimentSection(name=name, scenario=base.name, replications=replications, seed=seed),
        # the predictive bands and the hindcast read the monthly series, never the members
        record=RecordSection(tables=["runs", "steps"], every=1),
    )
    return Experiment(
        name=name,
        description=f"{name} of calibration {cal.name!r}",
        source=None,
        spec=spec,
        points=points,
        replications=replications,
        steps=None,
        seed=seed,
        parameter_names=cal.names,
        base=base,
    )


def _run_predictive(
    cal: Calibration, values: pd.DataFrame, weights: np.ndarray, out: Path, kind: str, executor: Executor
) -> pd.DataFrame:
    from simulation.runner.batch import run_experiment

    reps = cal.settings.predictive_replications
    seed = _child_seed(cal.seed, (1,) if kind == "posterior" else (3,))
    exp = _predictive_experiment(cal, values, f"{kind}-predictive", seed, reps)
    res = run_experiment(exp, out, executor=executor, progress=False, force=True)
    w = np.asarray(weights, dtype=float) / float(np.sum(weights))
    return predictive_bands(cal, res, w)


def prior_draws(cal: Calibration, n: int) -> pd.DataFrame:
    """``n`` parameter draws from the priors (seeded from the master seed)."""
    rng = np.random.default_rng(np.random.SeedSequence(cal.seed, spawn_key=(2,)))
    return pd.DataFrame({p.key: p.frozen().rvs(size=n, random_state=rng) for p in cal.priors})


def predictive_bands(cal: Calibration, results: Results, point_weights: np.ndarray) -> pd.DataFrame:
    """Weighted 5/25/50/75/95% bands of territory and aid by month, with the observed values.

    Args:
        cal: the calibration (window, start, observed data).
        results: a predictive results store (one design point per particle).
        point_weights: the weight of every design point (summing to 1).
    """
    runs = results.runs[results.runs["status"] == "complete"][["run_id", "point_id"]]
    steps = results.steps[["run_id", "month", "territory_held", "aid_total", "escalation_rung"]].merge(runs, "inner")
    reps = steps.groupby("point_id")["run_id"].transform("nunique")
    steps["w"] = np.asarray(point_weights)[steps["point_id"].to_numpy()] / reps
    obs = observed_monthly()
    offset = month_between(HISTORY_START, cal.start)
    rows = []
    for series, (col, obs_col) in _SERIES.items():
        observed = dict(zip(obs["month"] - offset, obs[obs_col], strict=True))
        for month, g in steps.groupby("month", sort=True):
            q = weighted_quantile(g[col].to_numpy(), g["w"].to_numpy(), [0.05, 0.25, 0.5, 0.75, 0.95])
            rows.append(
                {
                    "series": series,
                    "month": int(month),
                    "date": date_of(cal.start, int(month)),
                    "q05": q[0],
                    "q25": q[1],
                    "q50": q[2],
                    "q75": q[3],
                    "q95": q[4],
                    "observed": observed.get(int(month), np.nan),
                    "in_window": max(cal.m0, 1) <= int(month) <= cal.m1,  # the months fitted (month 0 is set)
                }
            )
    return pd.DataFrame(rows)


def _scores(bands: pd.DataFrame) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for series, g in bands[bands["in_window"]].groupby("series"):
        g = g[g["observed"].notna()]
        inside = (g["observed"] >= g["q05"]) & (g["observed"] <= g["q95"])
        out[series] = {
            "coverage_90": float(inside.mean()) if len(g) else None,
            "mean_width_90": float((g["q95"] - g["q05"]).mean()),
            "median_abs_error": float((g["q50"] - g["observed"]).abs().median()) if len(g) else None,
        }
    return out


def _forecast(cal: Calibration, results: Results, point_weights: np.ndarray) -> dict[str, Any]:
    """After the window: P(rung >= 6), P(rung >= 7) and the territory held at the horizon."""
    runs = results.runs[results.runs["status"] == "complete"][["run_id", "point_id"]]
    steps = results.steps.merge(runs, "inner")
    after = steps[steps["month"] > cal.m1]
    if after.empty:
        return {}
    per_run = after.groupby("run_id").agg(
        point_id=("point_id", "first"), peak=("escalation_rung", "max"), month=("month", "max")
    )
    last = after.sort_values("month").groupby("run_id").tail(1).set_index("run_id")["territory_held"]
    reps = per_run.groupby("point_id")["point_id"].transform("size")
    w = np.asarray(point_weights)[per_run["point_id"].to_numpy()] / reps.to_numpy()
    w = w / w.sum()
    terr = weighted_quantile(last.loc[per_run.index].to_numpy(), w, [0.05, 0.5, 0.95])
    horizon = int(after["month"].max())
    return {
        "from": date_of(cal.start, cal.m1 + 1),
        "to": date_of(cal.start, horizon),
        "p_nuclear_signalling": float(np.sum(w * (per_run["peak"].to_numpy() >= NUCLEAR_SIGNALLING))),
        "p_direct_clash": float(np.sum(w * (per_run["peak"].to_numpy() >= DIRECT_CLASH))),
        "territory_at_horizon": {"q05": terr[0], "q50": terr[1], "q95": terr[2]},
    }


def _predictive(cal: Calibration, out: Path, posterior: pd.DataFrame, executor: Executor) -> dict[str, Any]:
    last = posterior[posterior["generation"] == posterior["generation"].max()].reset_index(drop=True)
    w = last["weight"].to_numpy()
    post_bands = _run_predictive(cal, last, w, out / "predictive" / "posterior", "posterior", executor)
    prior = prior_draws(cal, len(last))
    prior_bands = _run_predictive(cal, prior, np.ones(len(prior)), out / "predictive" / "prior", "prior", executor)
    bands = pd.concat([post_bands.assign(kind="posterior"), prior_bands.assign(kind="prior")], ignore_index=True)
    bands.insert(0, "kind", bands.pop("kind"))
    _write_parquet(bands, out / "predictive.parquet")
    post_res = Results(out / "predictive" / "posterior")
    return {
        "posterior": _scores(post_bands),
        "prior": _scores(prior_bands),
        "forecast": _forecast(cal, post_res, w / w.sum()),
        "runs": {"posterior": len(post_res.runs), "prior": len(Results(out / "predictive" / "prior").runs)},
    }


def open_calibration(folder: str | Path) -> Calibration:
    """The Calibration of a calibration folder (from its calibration.json and resolved scenario.toml)."""
    folder = Path(folder)
    cj = folder / "calibration.json"
    if not cj.is_file():
        raise AnalysisError(f"{folder} is not a calibration folder (no calibration.json); make one with "
                            "`escalation calibrate`")  # fmt: skip
    record = json.loads(cj.read_text("utf-8"))
    spec = CalibrationFile(**record["spec"])
    scenario = load_scenario(folder / "scenario.toml")
    src = record["calibration"].get("file") or None
    return _resolve(spec, Path(src) if src else None, set(), tuple(record["calibration"].get("sets", [])), scenario)


def posterior_predictive(
    folder: str | Path,
    *,
    replications: int | None = None,
    draws: int | None = None,
    out: str | Path | None = None,
    workers: int | None = None,
    dask: str | None = None,
    executor: Executor | None = None,
) -> tuple[Results, pd.DataFrame]:
    """The posterior predictive of a calibration: a run per particle of the last generation, weighted.

    The runs cover the scenario's whole horizon, so the months past the calibration window are the
    forecast (2024 and beyond for the history scenario). By default every particle runs
    ``replications`` times and its runs carry its weight; with ``draws``, that many particles are
    drawn by weight (multinomially, seeded from the master seed) and each runs once, so the runs
    are an equally weighted sample of the posterior predictive that any ensemble score (such as
    ``simulation.analysis.hindcast.score_hindcast``) reads as it is.

    Args:
        folder: a calibration folder.
        replications: runs per particle (default: the file's ``predictive_replications``).
        draws: draw this many particles by weight instead, one run each.
        out: the results store to write (default: ``folder/predictive/posterior``).
        workers: worker processes (default: the CPU count; 1: serial).
        dask: ``"local"`` or a Dask scheduler address.
        executor: an executor to use instead of building one.

    Returns:
        The results store and the weighted bands (``predictive_bands``).
    """
    cal = open_calibration(folder)
    if replications is not None:
        spec = cal.spec.model_copy(
            update={"calibration": cal.settings.model_copy(update={"predictive_replications": int(replications)})}
        )
        cal = _resolve(spec, cal.source, set(), cal.sets, cal.full_scenario)
    posterior = read_posterior(folder)
    last = posterior[posterior["generation"] == posterior["generation"].max()].reset_index(drop=True)
    weights = last["weight"].to_numpy()
    if draws is not None:
        if draws < 1:
            raise AnalysisError(f"draws = {draws} is not allowed: draw at least one particle")
        rng = np.random.default_rng(np.random.SeedSequence(cal.seed, spawn_key=(4,)))
        pick = rng.choice(len(last), size=int(draws), replace=True, p=weights / weights.sum())
        last, weights = last.iloc[pick].reset_index(drop=True), np.ones(int(draws))
        if replications is None:
            spec = cal.spec.model_copy(
                update={"calibration": cal.settings.model_copy(update={"predictive_replications": 1})}
            )
            cal = _resolve(spec, cal.source, set(), cal.sets, cal.full_scenario)
    target = Path(out) if out is not None else Path(folder) / "predictive" / "posterior"
    own = executor is None
    ex = executor if executor is not None else make_executor(workers, dask)
    try:
        bands = _run_predictive(cal, last, weights, target, "posterior", ex)
    finally:
        if own:
            ex.close()
    return Results(target), bands
