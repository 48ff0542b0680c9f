"""Calibration to history: ABC-SMC (pyabc) over the project's executors, and the posterior predictive.

A calibration file names the scenario, the parameters to fit with their priors, the observed
summary statistics and the distance, the population size, the stopping rules and the master seed::

    [calibration]
    name = "history-abc"
    scenario = "history"             # name or path (relative to this file) of the scenario
    seed = 20261126                  # master seed: same seed, same posterior
    population = 200                 # particles per generation
    generations = 8                  # at most this many generations ...
    min_epsilon = 0.0                # ... or stop once the threshold is at or below this (0: off)
    min_acceptance = 0.0             # ... or once a generation's acceptance rate would fall below this
    max_simulations = 0              # ... or once this many model runs are spent (0: no limit)
    epsilon_quantile = 0.5           # each threshold: this weighted quantile of the last distances
    distance_p = 2                   # the p of the distance's p-norm
    window = ["2022-02", "2023-12"]  # months fitted (inside the calibration window only)
    chunk_size = 16                  # candidates per executor task (speed only)
    predictive_replications = 1      # predictive runs per particle

    [parameters]                     # the parameters fitted, with their priors
    russia_intent = {}                                         # uniform over the declared range
    misperception = {low = 0.05, high = 0.6}                   # uniform on a sub-range
    "ukraine.aid_effect" = {dist = "truncnorm", mean = 0.5, sd = 0.2}   # normal, cut to [low, high]
    "members.capacity_share" = {dist = "beta", a = 2, b = 2, low = 0.1, high = 0.9}

    [statistics.territory]           # which statistics enter the distance, with weight and scale
    weight = 1.0
    scale = 0.02
    [statistics.aid]
    scale = "std"
    [statistics.nuclear_signal]
    scale = 6.0
    observed = "2022-09"             # optional: the episode's month (default: from the events table)
    [statistics.no_direct_clash]

    [overrides]                      # fixed scenario parameters for every run (optional)

**Statistics** (``observed_statistics``; observed data from ``simulation.analysis.observed``, the
calibration window only):

- ``territory``: the share of Ukraine's territory held, month by month; error = root mean square
  of (simulated - observed) over the window's months after the scenario's month 0 (the initial
  state is set, not simulated); default scale 0.02 (two per cent of Ukraine).
- ``aid``: the alliance's monthly military aid (``aid_total``, EUR bn a month in the history
  scenario), the same months; error = root mean square difference; default scale ``"std"``: the
  observed series' standard deviation over those months.
- ``nuclear_signal``: the month (counted from the window's first) of the first nuclear-signalling
  episode after the window's first month: in a run, the first climb to rung >= 6 from below; observed,
  the first ``nuclear_signal`` event after the window's first month, or the month given as
  ``observed = "YYYY-MM"``. A run with none counts as the month after the window; error =
  |simulated - observed| months; default scale 6.
- ``no_direct_clash``: 1 if the run reaches rung >= 7 (a direct clash with a member) in the window,
  else 0 (observed: 0); error = that indicator; scale 1.

**Distance**: d = (sum_i w_i (e_i / s_i)^p)^(1/p) over the statistics listed, with weights w_i,
scales s_i and ``distance_p`` p. Fixed (not adaptive), so a resumed calibration needs no state of it.

**Seeds**: candidate k of generation t uses ``SeedSequence(seed, spawn_key=(0, t + 1, k))``
(:mod:`simulation.analysis.abc_sampler`); the posterior predictive's runs use ``spawn_key=(1,)`` and
the prior predictive's ``(2,)`` (draws) and ``(3,)`` (runs).

**Output folder**::

    DIR/calibration.json      file, hash, versions, data used, generations (epsilon, acceptance, ESS,
                              wall time), parameters (prior and posterior intervals), predictive scores
    DIR/calibration.toml      the calibration file as it was run
    DIR/scenario.toml         the resolved scenario (full horizon)
    DIR/abc.db                pyabc's SQLite history: every finished generation (resume reads it)
    DIR/posterior.parquet     one row per particle: generation, particle, weight, distance, parameters
    DIR/predictive.parquet    prior and posterior predictive bands by series and month, observed values
    DIR/predictive/posterior/ a results store: one run per particle (x replications), full horizon
    DIR/predictive/prior/     a results store: as many runs from the prior
    DIR/figures/              marginals, pair plot, predictive bands (``escalation calibrate`` draws them)

A calibration killed at any instant resumes by running the same command again: pyabc's history
holds every finished generation, and each generation starts from the history alone (also when the
run is not interrupted), so the resumed posterior is the uninterrupted one.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import shutil
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from simulation import __version__
from simulation import parameters as params
from simulation.analysis.observed import CALIBRATION_WINDOW, HISTORY_START, observed_events, observed_monthly
from simulation.calendar import date_of, month_between, parse_month
from simulation.errors import AnalysisError, EscalationError, ExperimentError, ScenarioError
from simulation.ladder import DIRECT_CLASH, NUCLEAR_SIGNALLING
from simulation.run import simulate
from simulation.runner.executors import Executor, make_executor
from simulation.runner.experiment import (
    DesignPoint,
    Experiment,
    ExperimentFile,
    ExperimentSection,
    RecordSection,
    definition_error,
)
from simulation.runner.store import Results, Store
from simulation.scenario import Scenario, _did_you_mean, load_scenario, parse_assignment, to_toml

__all__ = [
    "CALIBRATE_HINT",
    "STATISTICS",
    "Calibration",
    "Prior",
    "ScaledDistance",
    "calibrate",
    "identification",
    "load_calibration",
    "observed_statistics",
    "open_calibration",
    "posterior_predictive",
    "predictive_bands",
    "read_posterior",
    "statistics_of",
]

CALIBRATE_HINT = 'calibration needs pyabc, the "calibrate" extra: pip install -e ".[calibrate]" (or "pyabc>=0.13")'

#: The statistics a calibration may fit, with their default scale and what the error measures.
STATISTICS: dict[str, tuple[float | str, str]] = {
    "territory": (0.02, "RMS error of the territory held (share of Ukraine), month by month"),
    "aid": ("std", "RMS error of the alliance's monthly aid (aid_total), month by month"),
    "nuclear_signal": (6.0, "months between the first rung >= 6 and the first observed nuclear signal"),
    "no_direct_clash": (1.0, "1 if the run reaches rung >= 7 (direct clash) in the window, else 0"),
}
#: Posterior 90% interval narrower than this share of the prior's: the data identify the parameter.
IDENTIFIED_RATIO = 0.5
_SERIES = {"territory": ("territory_held", "ukraine_held_share"), "aid": ("aid_total", "alliance_military_eur_bn")}
_STRICT = ConfigDict(extra="forbid", strict=True, frozen=True)
_FILES = ("calibration.json", "calibration.toml", "scenario.toml", "abc.db", "posterior.parquet", "predictive.parquet")


# ---------------------------------------------------------------------------------------------------
# The calibration file
# ---------------------------------------------------------------------------------------------------


class CalibrationSection(BaseModel):
    """The ``[calibration]`` table."""

    model_config = _STRICT
    name: str = ""
    description: str = ""
    scenario: str = "history"
    seed: int = Field(20261126, ge=0)
    population: int = Field(200, ge=2, le=100_000)
    generations: int = Field(8, ge=1, le=1000)
    min_epsilon: float = Field(0.0, ge=0)
    min_acceptance: float = Field(0.0, ge=0, le=1)
    max_simulations: int = Field(0, ge=0)
    epsilon_quantile: float = Field(0.5, gt=0, le=1)
    distance_p: float = Field(2.0, ge=1, le=100)
    window: list[str] = Field(default_factory=lambda: list(CALIBRATION_WINDOW), min_length=2, max_length=2)
    chunk_size: int = Field(16, ge=1, le=10_000)
    predictive_replications: int = Field(1, ge=1, le=1000)


class StatisticSpec(BaseModel):
    """One statistic of the distance: its weight, its scale and (nuclear_signal only) the observed month."""

    model_config = _STRICT
    weight: float = Field(1.0, ge=0)
    scale: float | Literal["std"] | None = None
    observed: str | None = None


class StatisticsSection(BaseModel):
    """The ``[statistics]`` table: the statistics that enter the distance."""

    model_config = _STRICT
    territory: StatisticSpec | None = None
    aid: StatisticSpec | None = None
    nuclear_signal: StatisticSpec | None = None
    no_direct_clash: StatisticSpec | None = None


class CalibrationFile(BaseModel):
    """A whole calibration file."""

    model_config = _STRICT
    calibration: CalibrationSection = Field(default_factory=CalibrationSection)
    parameters: dict[str, Any] = Field(default_factory=dict)
    statistics: StatisticsSection | None = None
    overrides: dict[str, Any] = Field(default_factory=dict)


_PRIOR_FORMS = (
    "must be a table: {} (uniform over the declared range), {low = ..., high = ...}, "
    '{dist = "truncnorm", mean = ..., sd = ...} or {dist = "beta", a = ..., b = ...}'
)
_PRIOR_KEYS = {
    "uniform": {"dist", "low", "high"},
    "truncnorm": {"dist", "low", "high", "mean", "sd"},
    "beta": {"dist", "low", "high", "a", "b"},
}


@dataclass(frozen=True)
class Prior:
    """A fitted parameter's prior.

    ``uniform`` on [low, high], ``truncnorm`` (mean, sd, cut to [low, high]) or ``beta`` (a, b, scaled
    to [low, high]).
    """

    key: str
    dist: str
    low: float
    high: float
    mean: float | None = None
    sd: float | None = None
    a: float | None = None
    b: float | None = None

    def scipy_args(self) -> tuple[str, tuple[float, ...], dict[str, float]]:
        """The scipy.stats name, positional and keyword arguments of this prior."""
        width = self.high - self.low
        if self.dist == "uniform":
            return "uniform", (), {"loc": self.low, "scale": width}
        if self.dist == "truncnorm":
            assert self.mean is not None and self.sd is not None
            lo, hi = (self.low - self.mean) / self.sd, (self.high - self.mean) / self.sd
            return "truncnorm", (lo, hi), {"loc": self.mean, "scale": self.sd}
        return "beta", (float(self.a or 1), float(self.b or 1)), {"loc": self.low, "scale": width}

    def frozen(self) -> Any:
        """The scipy.stats frozen distribution."""
        from scipy import stats

        name, args, kwargs = self.scipy_args()
        return getattr(stats, name)(*args, **kwargs)

    def describe(self) -> str:
        """``uniform(0.1, 0.9)``, ``truncnorm(mean 0.5, sd 0.2) on [0, 1]``, ``beta(2, 2) on [0.1, 0.9]``."""
        if self.dist == "uniform":
            return f"uniform({self.low:g}, {self.high:g})"
        if self.dist == "truncnorm":
            return f"truncnorm(mean {self.mean:g}, sd {self.sd:g}) on [{self.low:g}, {self.high:g}]"
        return f"beta({self.a:g}, {self.b:g}) on [{self.low:g}, {self.high:g}]"

    def to_dict(self) -> dict[str, Any]:
        """Plain dict (for calibration.json)."""
        return {k: v for k, v in self.__dict__.items() if v is not None}


@dataclass(frozen=True)
class Calibration:
    """A validated calibration: scenario, priors, observed statistics, distance, sizes and seed.

    Attributes:
        scenario: the scenario the calibration runs are made of (horizon: the window's last month).
        full_scenario: the same scenario over its own horizon (for the predictive runs).
        m0, m1: the window's first and last month in the scenario's months.
        observed: the observed summary statistics (pyabc's x_0).
        scales: the resolved scale of every statistic used.
        weights: the weight of every statistic used.
    """

    name: str
    description: str
    source: Path | None
    spec: CalibrationFile
    sets: tuple[str, ...]
    scenario: Scenario
    full_scenario: Scenario
    priors: tuple[Prior, ...]
    window: tuple[str, str]
    m0: int
    m1: int
    start: str
    observed: dict[str, Any]
    weights: dict[str, float]
    scales: dict[str, float]

    @property
    def seed(self) -> int:
        """The master seed."""
        return self.spec.calibration.seed

    @property
    def names(self) -> tuple[str, ...]:
        """The fitted parameters' dotted names."""
        return tuple(p.key for p in self.priors)

    @property
    def settings(self) -> CalibrationSection:
        """The ``[calibration]`` table."""
        return self.spec.calibration

    def distance(self) -> ScaledDistance:
        """The distance of this calibration."""
        return ScaledDistance(self.weights, self.scales, self.settings.distance_p)

    def model(self) -> HistoryModel:
        """The model pyabc calls: parameters -> summary statistics of one seeded run."""
        return HistoryModel(self.scenario, self.names, self.m0, self.m1)

    def fingerprint(self) -> str:
        """Hash of everything that determines the generations (not the stopping rules or speed settings)."""
        s = self.settings
        doc = {
            "scenario": self.scenario.to_dict(),
            "priors": [p.to_dict() for p in self.priors],
            "window": self.window,
            "observed": _jsonable(self.observed),
            "weights": self.weights,
            "scales": self.scales,
            "seed": s.seed,
            "population": s.population,
            "epsilon_quantile": s.epsilon_quantile,
            "distance_p": s.distance_p,
        }
        return hashlib.sha256(json.dumps(doc, sort_keys=True, default=str).encode()).hexdigest()


def load_calibration(path: str | Path, sets: list[str] | dict[str, Any] | None = None) -> Calibration:
    """Load and validate a calibration file (or a shipped one's name, e.g. ``history_abc``).

    Args:
        path: the file, or the name of a file in ``experiments/``.
        sets: ``key=value`` overrides: keys of the file (``calibration.population=20``,
            ``statistics.aid.weight=0``, ``parameters.misperception.high=0.5``) or scenario
            parameters (``aid_level=0.3``), applied to every run.

    Raises:
        ExperimentError: the file, a key or a value is not acceptable; the message names the file,
            the key and what is allowed.
    """
    from simulation.runner.experiment import read_definition, shipped_experiments

    def shipped() -> dict[str, Path]:
        return {k: v for k, v in shipped_experiments().items() if "[calibration]" in v.read_text("utf-8")}

    p, raw = read_definition(path, "calibration", shipped)
    set_list = [f"{k}={v}" for k, v in sets.items()] if isinstance(sets, dict) else list(sets or [])
    overridden = _apply_sets(raw, sets or {})
    try:
        spec = CalibrationFile(**raw)
    except ValidationError as e:
        err = e.errors()[0]
        loc = tuple(str(x) for x in err["loc"])
        if err["type"] == "extra_forbidden":
            models = {"calibration": CalibrationSection, "statistics": StatisticsSection}
            model = (
                StatisticSpec
                if len(loc) > 2 and loc[0] == "statistics"
                else (models.get(loc[0]) if len(loc) > 1 else None)
            )
            options = sorted((model or CalibrationFile).model_fields)
            msg = f"unknown key{_did_you_mean(loc[-1], options)}; allowed here: {', '.join(options)}"
        else:
            msg = f"{err.get('input')!r} is not allowed: {err['msg'].lower()}"
        raise definition_error(p, loc, msg, overridden) from None
    return _resolve(spec, p, overridden, tuple(set_list))


def _apply_sets(raw: dict[str, Any], sets: list[str] | dict[str, Any]) -> set[str]:
    pairs = dict(parse_assignment(s) for s in sets) if isinstance(sets, list) else dict(sets)
    done = set()
    for key, value in pairs.items():
        head = key.split(".", 1)[0]
        if head in ("calibration", "statistics", "parameters"):
            parts = key.split(".")
            if head == "parameters" and len(parts) > 2:  # parameters.<dotted parameter>.<prior key>
                parts = ["parameters", ".".join(parts[1:-1]), parts[-1]]
            target = raw
            for part in parts[:-1]:
                target = target.setdefault(part, {})
            target[parts[-1]] = value
            done.add(".".join(parts))
        else:
            raw.setdefault("overrides", {})[key] = value
            done.add(f"overrides.{key}")
    return done


def _prior(key: str, value: Any, path: Path | None, overridden: set[str]) -> Prior:
    loc = ("parameters", key)
    try:
        p = params.by_name(key)
    except KeyError:
        known = [q.key for q in params.PARAMETERS if q.kind is float]
        raise definition_error(
            path, loc, f"unknown parameter{_did_you_mean(key, known)}; `escalation params` lists them", overridden
        ) from None
    if p.kind is not float:
        raise definition_error(path, loc, f"{key} is not a real-valued parameter and cannot be fitted", overridden)
    if not isinstance(value, dict):
        raise definition_error(path, loc, _PRIOR_FORMS, overridden)
    dist = value.get("dist", "uniform")
    if dist not in _PRIOR_KEYS:
        raise definition_error(
            path, loc, f"dist {dist!r} is not allowed; allowed: {', '.join(_PRIOR_KEYS)}", overridden
        )
    extra = set(value) - _PRIOR_KEYS[dist]
    if extra:
        allowed = ", ".join(sorted(_PRIOR_KEYS[dist]))
        raise definition_error(
            path, loc, f"unknown key {sorted(extra)[0]!r} for a {dist} prior; allowed: {allowed}", overridden
        )
    nums = {}
    for k in _PRIOR_KEYS[dist] - {"dist"}:
        v = value.get(k, {"low": p.low, "high": p.high}.get(k))
        if v is None:
            raise definition_error(path, loc, f"a {dist} prior needs {k}", overridden)
        if isinstance(v, bool) or not isinstance(v, int | float):
            raise definition_error(path, loc, f"{k} = {v!r} is not allowed: must be a number", overridden)
        nums[k] = float(v)
    low, high = nums["low"], nums["high"]
    if not (p.low <= low < high <= p.high):
        raise definition_error(
            path,
            loc,
            f"[{low:g}, {high:g}] is not allowed: low < high, both inside the declared range {p.allowed()}",
            overridden,
        )
    for k in ("sd", "a", "b"):
        if k in nums and nums[k] <= 0:
            raise definition_error(path, loc, f"{k} = {nums[k]:g} is not allowed: must be positive", overridden)
    return Prior(key=key, dist=dist, **nums)


def _resolve(
    spec: CalibrationFile,
    path: Path | None,
    overridden: set[str],
    sets: tuple[str, ...],
    scenario: Scenario | None = None,
) -> Calibration:
    s = spec.calibration
    if not spec.parameters:
        raise definition_error(
            path, ("parameters",), "a calibration needs [parameters]: the parameters to fit", overridden
        )
    priors = tuple(_prior(k, v, path, overridden) for k, v in spec.parameters.items())
    try:
        for k in s.window:
            parse_month(k)
    except ValueError as e:
        raise definition_error(path, ("calibration", "window"), str(e), overridden) from None
    lo, hi = CALIBRATION_WINDOW
    w0, w1 = s.window
    if not (month_between(lo, w0) >= 0 and month_between(w0, w1) >= 0 and month_between(w1, hi) >= 0):
        raise definition_error(
            path,
            ("calibration", "window"),
            f"{s.window} is not allowed: two months in order inside the calibration window {lo} .. {hi} "
            "(later outcomes are held out and not in the project)",
            overridden,
        )
    for key in spec.overrides:
        try:
            params.by_name(key)
        except KeyError:
            raise definition_error(
                path, ("overrides", key), "unknown parameter; `escalation params` lists them", overridden
            ) from None
    if scenario is None:
        folder = path.parent if path else Path.cwd()
        ref = s.scenario
        target: str | Path = ref
        for cand in (folder / ref, folder / f"{ref}.toml"):
            if cand.is_file():
                target = cand
                break
        try:
            scenario = load_scenario(target, dict(spec.overrides))
        except ScenarioError as e:
            if e.file is None and e.key and e.key not in spec.overrides:
                raise definition_error(path, ("calibration", "scenario"), str(e.detail), overridden) from None
            raise
    start = str(getattr(scenario.values, "start", None) or HISTORY_START)
    m0, m1 = month_between(start, w0), month_between(start, w1)
    if m0 < 0:
        raise definition_error(
            path, ("calibration", "window"), f"starts before the scenario's month 0 ({start})", overridden
        )
    if scenario.values.steps < m1:
        raise definition_error(
            path,
            ("calibration", "scenario"),
            f"{scenario.name!r} runs {scenario.values.steps} months from {start}; the window needs {m1}",
            overridden,
        )
    for p in priors:  # every prior's support must give a legal scenario
        scenario.with_overrides({p.key: p.low}).with_overrides({p.key: p.high})
    stats = spec.statistics or StatisticsSection(**{k: StatisticSpec() for k in STATISTICS})
    used = {k: v for k, v in stats.model_dump().items() if v is not None}
    if not used:
        raise definition_error(
            path, ("statistics",), f"name at least one statistic: {', '.join(STATISTICS)}", overridden
        )
    signal = used.get("nuclear_signal", {}).get("observed")
    for k, v in used.items():
        if v.get("observed") is not None and k != "nuclear_signal":
            raise definition_error(
                path, ("statistics", k, "observed"), "only nuclear_signal takes an observed month", overridden
            )
    if signal is not None:
        try:
            k = month_between(w0, signal)
        except ValueError as e:
            raise definition_error(path, ("statistics", "nuclear_signal", "observed"), str(e), overridden) from None
        if not 0 < k <= month_between(w0, w1):
            raise definition_error(
                path,
                ("statistics", "nuclear_signal", "observed"),
                f"{signal} is not allowed: a month after the window's first ({w0}) and not after its last ({w1})",
                overridden,
            )
    observed = observed_statistics((w0, w1), start=start, signal=signal)
    weights, scales = {}, {}
    for k, v in used.items():
        scale = v["scale"] if v["scale"] is not None else STATISTICS[k][0]
        if k == "no_direct_clash":
            scale = 1.0 if v["scale"] is None else scale
        if scale == "std":
            if k not in _SERIES:
                raise definition_error(
                    path, ("statistics", k, "scale"), '"std" is for the series territory and aid', overridden
                )
            scale = float(np.nanstd(observed[k]))
        if not scale > 0:
            raise definition_error(
                path, ("statistics", k, "scale"), f"{scale!r} is not allowed: must be positive", overridden
            )
        weights[k], scales[k] = float(v["weight"]), float(scale)
    return Calibration(
        name=s.name or (path.stem if path else "calibration"),
        description=s.description,
        source=path,
        spec=spec,
        sets=sets,
        scenario=scenario.with_overrides({"steps": m1}),
        full_scenario=scenario,
        priors=priors,
        window=(w0, w1),
        m0=m0,
        m1=m1,
        start=start,
        observed={k: observed[k] for k in used},
        weights=weights,
        scales=scales,
    )


# ---------------------------------------------------------------------------------------------------
# Statistics, model and distance
# ---------------------------------------------------------------------------------------------------


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
    return {
        "territory": rows["ukraine_held_share"].to_numpy(float),
        "aid": rows["alliance_military_eur_bn"].to_numpy(float),
        "nuclear_signal": float(onset - a),
        "no_direct_clash": 0.0,
    }


def statistics_of(steps: dict[str, np.ndarray], m0: int, m1: int) -> dict[str, Any]:
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
    return {
        "territory": np.asarray(steps["territory_held"], dtype=float)[series],
        "aid": np.asarray(steps["aid_total"], dtype=float)[series],
        "nuclear_signal": float(month[onset[0]] - m0) if onset.size else float(m1 - m0 + 1),
        "no_direct_clash": float((rung[inside] >= DIRECT_CLASH).any()),
    }


def _nan_statistics(n: int) -> dict[str, Any]:
    return {
        "territory": np.full(n, np.nan),
        "aid": np.full(n, np.nan),
        "nuclear_signal": np.nan,
        "no_direct_clash": 1.0,
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
        return statistics_of(steps, self.m0, self.m1)


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


# ---------------------------------------------------------------------------------------------------
# Running
# ---------------------------------------------------------------------------------------------------


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, np.ndarray):
        return [None if not np.isfinite(v) else float(v) for v in obj]
    if isinstance(obj, np.floating | np.integer):
        return obj.item()
    return obj


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _sha256(path: Path | None) -> str | None:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path and path.is_file() else None


def _write_json(doc: dict[str, Any], path: Path) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(doc, indent=1, default=str), "utf-8")
    os.replace(tmp, path)


def _require_pyabc() -> Any:
    try:
        import pyabc
    except ImportError:
        raise AnalysisError(CALIBRATE_HINT) from None
    import logging

    for name in ("ABC", "pyabc", "History", "Epsilon", "Distance", "Sampler", "Acceptor"):
        logging.getLogger(name).setLevel(logging.WARNING)
    return pyabc


def _abcsmc(cal: Calibration, sampler: Any) -> Any:
    import pyabc

    prior = pyabc.Distribution(
        **{p.key: pyabc.RV(p.scipy_args()[0], *p.scipy_args()[1], **p.scipy_args()[2]) for p in cal.priors}
    )
    return pyabc.ABCSMC(
        cal.model(),
        prior,
        cal.distance(),
        population_size=cal.settings.population,
        eps=pyabc.QuantileEpsilon(alpha=cal.settings.epsilon_quantile),
        sampler=sampler,
    )


def _open_folder(out: Path, cal: Calibration, force: bool, resume: bool) -> dict[str, Any] | None:
    """The calibration.json of a calibration to continue, or None for a new one (folder prepared)."""
    Store.check_writable(out)
    cj = out / "calibration.json"
    if cj.is_file():
        old = json.loads(cj.read_text("utf-8"))
        if old.get("fingerprint") == cal.fingerprint():
            return old
        if not force:
            raise ExperimentError(
                None,
                "--out",
                f"{out} holds another calibration ({old.get('calibration', {}).get('name')!r}: a different "
                "scenario, priors, data, distance, population or seed); choose another --out, or add --force to "
                "delete it and start again",
            )
    elif resume:
        raise ExperimentError(None, "--resume", f"{out} holds no calibration to resume (no calibration.json)")
    elif out.is_dir() and any(out.iterdir()) and not force:
        raise ExperimentError(
            None, "--out", f"{out} is not empty and is not a calibration folder; choose a new folder, or add --force"
        )
    for name in _FILES:
        (out / name).unlink(missing_ok=True)
    for name in ("predictive", "figures"):
        shutil.rmtree(out / name, ignore_errors=True)
    (out / "report.html").unlink(missing_ok=True)
    return None


def _generations(db: Path) -> pd.DataFrame:
    """Finished generations in pyabc's history: t, epsilon, simulations, particles, wall time."""
    import sqlite3

    if not db.is_file():
        return pd.DataFrame(columns=["t", "epsilon", "simulations", "wall_time"])
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as con:
        try:
            df = pd.read_sql_query(
                "SELECT t, epsilon, nr_samples AS simulations, wall_time FROM populations WHERE t >= 0 ORDER BY t", con
            )
        except pd.errors.DatabaseError:
            return pd.DataFrame(columns=["t", "epsilon", "simulations", "wall_time"])
    return df


def _has_run(db: Path) -> bool:
    import sqlite3

    if not db.is_file():
        return False
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as con:
            return con.execute("SELECT COUNT(*) FROM abc_smc").fetchone()[0] > 0
    except sqlite3.DatabaseError:
        return False


@dataclass
class CalibrationResult:
    """What :func:`calibrate` returns: the folder, the posterior and the record."""

    folder: Path
    posterior: pd.DataFrame
    record: dict[str, Any]

    @property
    def final(self) -> pd.DataFrame:
        """The last generation's particles."""
        return self.posterior[self.posterior["generation"] == self.posterior["generation"].max()]


def calibrate(
    calibration: Calibration | str | Path,
    out: str | Path,
    *,
    workers: int | None = None,
    dask: str | None = None,
    executor: Executor | None = None,
    sets: list[str] | dict[str, Any] | None = None,
    force: bool = False,
    resume: bool = False,
    predictive: bool = True,
    log: Any = None,
) -> CalibrationResult:
    """Run (or resume) an ABC-SMC calibration into the folder ``out``.

    Args:
        calibration: a Calibration, a calibration file or a shipped calibration's name.
        out: the output folder; a folder holding the same calibration is resumed (finished
            generations are kept), one holding another is refused unless ``force``.
        workers: worker processes (default: the CPU count; 1 runs serially in this process).
        dask: ``"local"`` for a Dask LocalCluster, or a scheduler address.
        executor: an executor to use instead of building one.
        sets: ``key=value`` overrides of the file's keys or of scenario parameters.
        force: delete another calibration (or other files) found in ``out``.
        resume: insist on continuing a calibration found in ``out`` (an error if there is none).
        predictive: also run the prior and posterior predictive and score them.
        log: called with a line of text after each generation (None: silent).

    Returns:
        The folder, the posterior (every generation) and the content of calibration.json.
    """
    cal = calibration if isinstance(calibration, Calibration) else load_calibration(calibration, sets)
    _require_pyabc()
    from simulation.analysis.abc_sampler import ExecutorSampler

    out = Path(out)
    old = _open_folder(out, cal, force, resume)
    out.mkdir(parents=True, exist_ok=True)
    db = out / "abc.db"
    record = old or _record(cal)
    record["status"] = "running"
    if old:
        record["resumed"] = [*old.get("resumed", []), _now()]
    (out / "calibration.toml").write_text(cal.source.read_text("utf-8") if cal.source else "", "utf-8")
    (out / "scenario.toml").write_text(to_toml(cal.full_scenario), "utf-8")
    _write_json(record, out / "calibration.json")
    s = cal.settings
    own = executor is None
    ex = executor if executor is not None else make_executor(workers, dask)
    sampler = ExecutorSampler(ex, cal.seed, s.chunk_size)
    stopped = "generations"
    try:
        while True:
            gens = _generations(db)
            done = len(gens)
            if done >= s.generations:
                break
            if done and s.min_epsilon > 0 and float(gens["epsilon"].iloc[-1]) <= s.min_epsilon:
                stopped = "min_epsilon"
                break
            if s.max_simulations and done and int(gens["simulations"].sum()) >= s.max_simulations:
                stopped = "max_simulations"
                break
            abc = _abcsmc(cal, sampler)
            if _has_run(db):
                abc.load(f"sqlite:///{db}", 1, observed_sum_stat=cal.observed)
            else:
                db.unlink(missing_ok=True)
                abc.new(f"sqlite:///{db}", cal.observed)
            t0 = time.perf_counter()
            abc.run(max_nr_populations=1, min_acceptance_rate=s.min_acceptance)
            elapsed = time.perf_counter() - t0
            after = _generations(db)
            if len(after) == done:
                stopped = "min_acceptance"
                break
            record["generations"] = _generation_rows(db, after, record.get("generations", []), elapsed)
            _write_json(record, out / "calibration.json")
            if log is not None:
                g = record["generations"][-1]
                log(
                    f"generation {g['t']}: epsilon {g['epsilon']:.4g}, {g['particles']} accepted of "
                    f"{g['simulations']} runs ({g['acceptance']:.1%}), ESS {g['ess']:.0f}, {g['wall_time_s']:.1f} s"
                )
        posterior = read_posterior_db(db, cal.names)
        posterior.to_parquet(out / "posterior.parquet", index=False)
        record.update(
            status="complete",
            finished=_now(),
            stopped_because=stopped,
            parameters=identification(cal, posterior),
            simulations=int(sum(g["simulations"] for g in record["generations"])),
            evaluated_this_session=sampler.evaluated_total,
        )
        record["wall_time_s"] = float(sum(g["wall_time_s"] for g in record["generations"]))
        record["runs_per_second"] = record["simulations"] / max(record["wall_time_s"], 1e-9)
        _write_json(record, out / "calibration.json")
        if predictive:
            t0 = time.perf_counter()
            record["predictive"] = _predictive(cal, out, posterior, ex)
            record["predictive"]["wall_time_s"] = time.perf_counter() - t0
            _write_json(record, out / "calibration.json")
    except BaseException:
        record["status"] = "interrupted"
        _write_json(record, out / "calibration.json")
        raise
    finally:
        if own:
            ex.close()
    return CalibrationResult(out, posterior, record)


def _record(cal: Calibration) -> dict[str, Any]:
    from importlib import resources

    import pyabc

    data = resources.files("simulation.data")
    return {
        "format": 1,
        "calibration": {
            "name": cal.name,
            "description": cal.description,
            "file": str(cal.source or ""),
            "sha256": _sha256(cal.source),
            "sets": list(cal.sets),
        },
        "fingerprint": cal.fingerprint(),
        "package_version": __version__,
        "pyabc_version": pyabc.__version__,
        "scenario": cal.full_scenario.name,
        "spec": cal.spec.model_dump(),
        "data": {
            "window": list(cal.window),
            "months": [cal.m0, cal.m1],
            "start": cal.start,
            "files": {
                name: hashlib.sha256(data.joinpath(name).read_bytes()).hexdigest()
                for name in ("history_2022_2023.csv", "history_events.csv")
            },
            "statistics": {k: STATISTICS[k][1] for k in cal.observed},
            "observed": _jsonable(cal.observed),
        },
        "distance": {
            "formula": "d = (sum_i w_i (e_i / s_i)^p)^(1/p)",
            "p": cal.settings.distance_p,
            "weights": cal.weights,
            "scales": cal.scales,
        },
        "priors": [p.to_dict() | {"describe": p.describe()} for p in cal.priors],
        "seed": cal.seed,
        "seed_scheme": "candidate k of generation t: SeedSequence(seed, spawn_key=(0, t + 1, k)).spawn(2) -> "
        "(proposal: numpy global + random, run seed: generate_state(1, uint64) >> 1); posterior predictive "
        "spawn_key (1,), prior predictive draws (2,) and runs (3,)",
        "population": cal.settings.population,
        "algorithm": f"ABC-SMC (pyabc {pyabc.__version__}): QuantileEpsilon(alpha={cal.settings.epsilon_quantile}), "
        "MultivariateNormalTransition, constant population size",
        "started": _now(),
        "finished": None,
        "status": "running",
        "generations": [],
    }


def _ess(w: np.ndarray) -> float:
    w = np.asarray(w, dtype=float)
    return float(w.sum() ** 2 / (w**2).sum()) if w.size else 0.0


def _generation_rows(db: Path, gens: pd.DataFrame, known: list[dict[str, Any]], elapsed: float) -> list[dict[str, Any]]:
    post = read_posterior_db(db, None)
    by_t = {g["t"]: g for g in known}
    rows = []
    for _, r in gens.iterrows():
        t = int(r["t"])
        w = post.loc[post["generation"] == t, "weight"].to_numpy()
        row = {
            "t": t,
            "epsilon": float(r["epsilon"]),
            "particles": len(w),
            "simulations": int(r["simulations"]),
            "acceptance": len(w) / max(int(r["simulations"]), 1),
            "ess": _ess(w),
            "wall_time_s": float(r["wall_time"]) if pd.notna(r["wall_time"]) else None,
        }
        if t in by_t:
            row["wall_time_s"] = by_t[t].get("wall_time_s", row["wall_time_s"])
        elif t == int(gens["t"].max()):
            row["wall_time_s"] = elapsed
        rows.append(row)
    return rows


def read_posterior_db(db: Path, names: tuple[str, ...] | None) -> pd.DataFrame:
    """Every particle of every finished generation in pyabc's history, one row each (posterior.parquet)."""
    import sqlite3

    q = (
        "SELECT p.t AS generation, pa.id AS pid, pa.w AS weight, s.distance AS distance, par.name AS name, "
        "par.value AS value FROM populations p JOIN models m ON m.population_id = p.id "
        "JOIN particles pa ON pa.model_id = m.id JOIN parameters par ON par.particle_id = pa.id "
        "JOIN samples s ON s.particle_id = pa.id WHERE p.t >= 0"
    )
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as con:
        long = pd.read_sql_query(q, con)
    if long.empty:
        return pd.DataFrame(columns=["generation", "particle", "weight", "distance", *(names or ())])
    wide = long.pivot_table(index=["generation", "pid", "weight", "distance"], columns="name", values="value")
    wide = wide.reset_index().sort_values(["generation", "pid"]).reset_index(drop=True)
    wide.columns.name = None
    wide.insert(1, "particle", wide.groupby("generation").cumcount().astype("int64"))
    wide["weight"] = wide["weight"] / wide.groupby("generation")["weight"].transform("sum")
    cols = ["generation", "particle", "weight", "distance", *(names or [c for c in wide.columns if c not in (
        "generation", "particle", "weight", "distance", "pid")])]  # fmt: skip
    return wide[cols].astype({"generation": "int64"})


def read_posterior(folder: str | Path) -> pd.DataFrame:
    """posterior.parquet of a calibration folder (every generation)."""
    f = Path(folder) / "posterior.parquet"
    if not f.is_file():
        raise AnalysisError(f"{folder} holds no posterior.parquet; run `escalation calibrate` into it first")
    return pd.read_parquet(f)


def weighted_quantile(x: np.ndarray, w: np.ndarray, q: Any) -> np.ndarray:
    """Quantiles of a weighted sample (the inverse of the weighted empirical CDF, midpoint rule)."""
    x, w = np.asarray(x, dtype=float), np.asarray(w, dtype=float)
    order = np.argsort(x, kind="stable")
    x, w = x[order], w[order]
    c = (np.cumsum(w) - 0.5 * w) / w.sum()
    return np.interp(q, c, x)


def identification(cal: Calibration, posterior: pd.DataFrame) -> list[dict[str, Any]]:
    """Prior and posterior of every fitted parameter: median, 90% interval, width ratio, identified?"""
    last = posterior[posterior["generation"] == posterior["generation"].max()]
    w = last["weight"].to_numpy()
    rows = []
    for p in cal.priors:
        x = last[p.key].to_numpy()
        q05, q50, q95 = weighted_quantile(x, w, [0.05, 0.5, 0.95])
        pr = p.frozen()
        p05, p50, p95 = (float(v) for v in pr.ppf([0.05, 0.5, 0.95]))
        ratio = float((q95 - q05) / (p95 - p05))
        rows.append(
            {
                "parameter": p.key,
                "prior": p.describe(),
                "prior_median": p50,
                "prior_q05": p05,
                "prior_q95": p95,
                "posterior_mean": float(np.average(x, weights=w)),
                "posterior_median": float(q50),
                "posterior_map": _kde_mode(last[list(cal.names)].to_numpy(), w)[cal.names.index(p.key)],
                "posterior_q05": float(q05),
                "posterior_q95": float(q95),
                "width_ratio": ratio,
                "identified": ratio < IDENTIFIED_RATIO,
            }
        )
    return rows


def _kde_mode(x: np.ndarray, w: np.ndarray) -> list[float]:
    """The particle with the highest weighted-KDE density (a rough MAP; reported, not used)."""
    from scipy.stats import gaussian_kde

    try:
        kde = gaussian_kde(x.T, weights=w)
        return [float(v) for v in x[int(np.argmax(kde(x.T)))]]
    except (np.linalg.LinAlgError, ValueError):
        return [float(v) for v in x[int(np.argmax(w))]]


# ---------------------------------------------------------------------------------------------------
# Predictive
# ---------------------------------------------------------------------------------------------------


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
    bands.to_parquet(out / "predictive.parquet", index=False)
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
