"""The calibration file: its schema, the priors, and the resolved :class:`Calibration` (``load_calibration``)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from simulation import parameters as params
from simulation.analysis.calibration.files import _jsonable
from simulation.analysis.calibration.statistics import (
    _SERIES,
    STATISTICS,
    HistoryModel,
    ScaledDistance,
    observed_statistics,
)
from simulation.analysis.observed import (
    CALIBRATION_WINDOW,
    HISTORY_START,
)
from simulation.calendar import month_between, parse_month
from simulation.errors import ScenarioError
from simulation.runner.experiment import definition_error
from simulation.scenario import Scenario, _did_you_mean, is_file, load_scenario, parse_assignment

_STRICT = ConfigDict(extra="forbid", strict=True, frozen=True, allow_inf_nan=False)


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
    strikes: StatisticSpec | None = None
    hybrid_attacks: StatisticSpec | None = None
    signalling: StatisticSpec | None = None


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
            if is_file(cand):
                target = cand
                break
        try:
            scenario = load_scenario(target, dict(spec.overrides))
        except ScenarioError as e:
            if e.file is None and (not e.key or e.key not in spec.overrides):  # the scenario named: blame the file
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
