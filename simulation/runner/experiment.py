"""Experiment files: the base scenario(s), replications, horizon, master seed and a design.

    [experiment]
    name = "aid-unity-grid"
    scenario = "baseline"            # name or path of the base scenario
    replications = 20
    steps = 120
    seed = 20261126

    [design]
    kind = "grid"                    # grid | lhs | sobol | scenarios
    samples = 256                    # lhs and sobol only
    scenarios = ["high_aid_united"]  # scenarios only
    [design.parameters]
    aid_level = [0.0, 0.5, 1.0]                      # grid: a list ...
    member_unity = {low = 0.0, high = 1.0, n = 11}   # ... or low/high/n; lhs/sobol: low/high

    [overrides]                      # optional: fixed scenario parameters for every run
    misperception = 0.3

Seeds: ``SeedSequence(seed).spawn(2)`` gives one sequence for sampling the design and one for the
runs; the runs' sequence is spawned once per (design point, replicate), points in design order and
replicates within a point, and each child gives the run's integer seed. The seeds are fixed before
the batch starts and written into the output, so any executor gives the same results.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from simulation import parameters as params
from simulation.errors import ExperimentError
from simulation.scenario import (
    Scenario,
    ScenarioError,
    _did_you_mean,
    _line_of,
    _read_toml,
    load_scenario,
    parse_assignment,
)

__all__ = ["DesignPoint", "Experiment", "ExperimentError", "load_experiment", "point_label", "shipped_experiments"]

_STRICT = ConfigDict(extra="forbid", strict=True, frozen=True)


class ExperimentSection(BaseModel):
    """The ``[experiment]`` table."""

    model_config = _STRICT
    name: str = ""
    description: str = ""
    scenario: str = "baseline"
    replications: int = Field(1, ge=1, le=1_000_000)
    steps: int | None = Field(None, ge=1, le=100_000)
    seed: int = Field(20261126, ge=0)
    chunk_size: int = Field(0, ge=0, le=100_000, description="runs per chunk; 0: chosen from the batch size")
    common_random_numbers: bool | None = Field(
        None,
        description="replicate k of every design point uses the same seed (default: on for saltelli and "
        "morris designs, whose estimators compare points, off otherwise)",
    )


class DesignSection(BaseModel):
    """The ``[design]`` table."""

    model_config = _STRICT
    kind: Literal["grid", "lhs", "sobol", "scenarios", "saltelli", "morris"] = "grid"
    samples: int = Field(16, ge=1, le=10_000_000)
    scenarios: list[str] = Field(default_factory=list)
    parameters: dict[str, Any] = Field(default_factory=dict)
    all_parameters: bool = Field(False, description="every declared numeric parameter over its declared range")
    second_order: bool = Field(True, description="saltelli: sample for second-order indices too")
    levels: int = Field(4, ge=2, le=100, description="morris: number of grid levels")


class ExperimentFile(BaseModel):
    """A whole experiment file."""

    model_config = _STRICT
    experiment: ExperimentSection = Field(default_factory=ExperimentSection)
    design: DesignSection = Field(default_factory=DesignSection)
    overrides: dict[str, Any] = Field(default_factory=dict)


@dataclass(frozen=True)
class DesignPoint:
    """One point of the design: a scenario and the parameter values that vary."""

    point_id: int
    scenario: Scenario
    values: dict[str, Any]

    @property
    def label(self) -> str:
        """Short readable label: the varied values, or the scenario's name (:func:`point_label`)."""
        return point_label(self.scenario.name, self.values)


def point_label(scenario: str, values: dict[str, Any]) -> str:
    """A design point's label, the one spelling everywhere: ``aid_level=0.5, member_unity=0`` or the scenario."""
    vals = ", ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}" for k, v in values.items())
    return vals or scenario


@dataclass(frozen=True)
class Experiment:
    """A validated experiment: its design points, replications, horizon and seeds."""

    name: str
    description: str
    source: Path | None
    spec: ExperimentFile
    points: tuple[DesignPoint, ...]
    replications: int
    steps: int | None
    seed: int
    parameter_names: tuple[str, ...]
    base: Scenario | None = None
    common_seeds: bool = False
    bounds: tuple[tuple[float, float], ...] = ()  # sampling bounds of lhs, sobol, saltelli and morris designs

    def scenarios(self) -> dict[str, Scenario]:
        """The resolved scenarios worth keeping with the results: the base, or each listed scenario."""
        if self.base is not None:
            return {self.base.name: self.base}
        return {p.scenario.name: p.scenario for p in self.points}

    @property
    def n_runs(self) -> int:
        """Number of runs: design points x replications."""
        return len(self.points) * self.replications

    def run_seeds(self) -> np.ndarray:
        """The integer seed of every run (run_id order), from the experiment's SeedSequence.

        With common random numbers, replicate k of every point gets the k-th seed.
        """
        _, runs = np.random.SeedSequence(self.seed).spawn(2)
        n = self.replications if self.common_seeds else self.n_runs
        seeds = np.array(
            [int(c.generate_state(1, np.uint64)[0] >> np.uint64(1)) for c in runs.spawn(n)], dtype=np.int64
        )
        return np.tile(seeds, len(self.points)) if self.common_seeds else seeds

    def matrix(self) -> np.ndarray:
        """The design as a (points x parameters) array, in design and parameter order."""
        return np.array([[p.values[k] for k in self.parameter_names] for p in self.points], dtype=float)

    def runs(self) -> list[tuple[int, DesignPoint, int, int]]:
        """Every run as (run_id, point, replicate, seed), points in design order, replicates within."""
        seeds = self.run_seeds()
        out = []
        for run_id, (point, rep) in enumerate(itertools.product(self.points, range(self.replications))):
            out.append((run_id, point, rep, int(seeds[run_id])))
        return out

    def fingerprint(self) -> str:
        """Hash of everything that determines the results: resolved scenarios, design, seeds, horizon."""
        doc = {
            "points": [{"scenario": p.scenario.to_dict(), "values": p.values} for p in self.points],
            "replications": self.replications,
            "steps": self.steps,
            "seed": self.seed,
            "common_seeds": self.common_seeds,
        }
        return hashlib.sha256(json.dumps(doc, sort_keys=True, default=str).encode()).hexdigest()


def shipped_experiments() -> dict[str, Path]:
    """Shipped experiment names mapped to their files."""
    here = Path(__file__).resolve().parent.parent
    out: dict[str, Path] = {}
    for d in (here.parent / "experiments", here / "experiments"):
        if d.is_dir():
            out.update({p.stem: p for p in sorted(d.glob("*.toml"))})
    return out


def load_experiment(path: str | Path, sets: list[str] | dict[str, Any] | None = None) -> Experiment:
    """Load and validate an experiment file (or a shipped experiment's name).

    Args:
        path: the experiment file, or a shipped experiment's name (``"default"``).
        sets: ``key=value`` overrides: keys of the file (``experiment.replications=4``,
            ``design.samples=64``) or scenario parameters (``aid_level=0.3``), applied to every run.

    Raises:
        ExperimentError: the file, a key, a value or a design is not acceptable.
    """
    p = Path(path)
    if not p.is_file():
        shipped = shipped_experiments()
        if str(path) not in shipped:
            raise ExperimentError(
                None,
                "experiment",
                f"no experiment file or shipped experiment named "
                f"{str(path)!r}{_did_you_mean(str(path), shipped)}; shipped: {', '.join(shipped)}",
            )
        p = shipped[str(path)]
    p = p.resolve()
    try:
        raw = _read_toml(p)
    except ScenarioError as e:
        raise ExperimentError(e.file, e.key, e.detail, e.line) from None
    overridden = _apply_sets(raw, sets or {}, p)
    try:
        spec = ExperimentFile(**raw)
    except ValidationError as e:
        err = e.errors()[0]
        loc = tuple(str(x) for x in err["loc"])
        key = ".".join(loc)
        line = None if key in overridden else _line_of(p, loc)
        if err["type"] == "extra_forbidden":
            model = {"experiment": ExperimentSection, "design": DesignSection}.get(loc[0]) if len(loc) > 1 else None
            options = sorted((model or ExperimentFile).model_fields)
            msg = f"unknown key{_did_you_mean(loc[-1], options)}; allowed here: {', '.join(options)}"
        else:
            msg = f"{err.get('input')!r} is not allowed: {err['msg'].lower()}"
        raise ExperimentError(None if key in overridden else p, key, msg, line) from None
    return _resolve(spec, p, overridden)


def _apply_sets(raw: dict[str, Any], sets: list[str] | dict[str, Any], path: Path) -> set[str]:
    pairs = dict(parse_assignment(s) for s in sets) if isinstance(sets, list) else dict(sets)
    done = set()
    for key, value in pairs.items():
        head = key.split(".", 1)[0]
        if head in ("experiment", "design"):
            target = raw
            parts = key.split(".")
            for part in parts[:-1]:
                target = target.setdefault(part, {})
            target[parts[-1]] = value
            done.add(key)
        else:
            raw.setdefault("overrides", {})[key] = value
            done.add(f"overrides.{key}")
    return done


def _fail(path: Path | None, loc: tuple[str, ...], msg: str, overridden: set[str] = frozenset()) -> ExperimentError:
    key = ".".join(loc)
    if key in overridden:
        return ExperimentError(None, key, msg)
    return ExperimentError(path, key, msg, _line_of(path, loc) if path else None)


def _resolve(spec: ExperimentFile, path: Path, overridden: set[str]) -> Experiment:
    ex, design = spec.experiment, spec.design
    base_overrides = dict(spec.overrides)
    for key in base_overrides:
        _declared(key, path, ("overrides", key), overridden)
    if ex.steps is not None:
        base_overrides["steps"] = ex.steps
    folder = path.parent

    def scenario(ref: str, extra: dict[str, Any], loc: tuple[str, ...]) -> Scenario:
        candidate = folder / ref
        target = candidate if candidate.is_file() or (folder / f"{ref}.toml").is_file() else ref
        if target is candidate and not candidate.is_file():
            target = folder / f"{ref}.toml"
        try:
            return load_scenario(target, {**base_overrides, **extra})
        except ScenarioError as e:
            if e.file is None and e.key and e.key not in (extra or {}):
                raise _fail(path, loc, str(e.detail), overridden) from None
            raise

    if design.all_parameters:
        if design.parameters:
            raise _fail(
                path,
                ("design", "all_parameters"),
                "give either all_parameters = true or [design.parameters], not both",
                overridden,
            )
        design = design.model_copy(
            update={"parameters": {p.key: {} for p in params.PARAMETERS if p.numeric and p.key != "steps"}}
        )
    names = tuple(design.parameters)
    if design.kind == "scenarios":
        if not design.scenarios:
            raise _fail(
                path,
                ("design", "scenarios"),
                "a 'scenarios' design needs a list of scenario files or names",
                overridden,
            )
        if design.parameters:
            raise _fail(
                path,
                ("design", "parameters"),
                "a 'scenarios' design takes no parameters; use [overrides] for values common to every scenario",
                overridden,
            )
        points = [
            DesignPoint(i, scenario(ref, {}, ("design", "scenarios")), {}) for i, ref in enumerate(design.scenarios)
        ]
        base = None
        bounds = ()
    else:
        if not design.parameters:
            raise _fail(
                path, ("design", "parameters"), f"a {design.kind!r} design needs [design.parameters]", overridden
            )
        decls = [_declared(k, path, ("design", "parameters", k), overridden) for k in names]
        rows = _sample(design, decls, ex.seed, path, overridden)
        if design.kind != "grid":
            bounds = tuple(
                _bounds(p, design.parameters[p.key], path, ("design", "parameters", p.key), overridden, need_n=False)[
                    :2
                ]
                for p in decls
            )
        base = scenario(ex.scenario, {}, ("experiment", "scenario"))
        points = [DesignPoint(i, base.with_overrides(row), row) for i, row in enumerate(rows)]
    return Experiment(
        name=ex.name or path.stem,
        description=ex.description,
        source=path,
        spec=spec,
        points=tuple(points),
        replications=ex.replications,
        steps=ex.steps,
        seed=ex.seed,
        parameter_names=names,
        base=base,
        bounds=bounds if design.kind not in ("grid", "scenarios") else (),
        common_seeds=ex.common_random_numbers
        if ex.common_random_numbers is not None
        else design.kind in ("saltelli", "morris"),
    )


def _declared(key: str, path: Path, loc: tuple[str, ...], overridden: set[str]) -> params.Param:
    try:
        p = params.by_name(key)
    except KeyError:
        known = [q.key for q in params.PARAMETERS if q.numeric]
        raise _fail(
            path, loc, f"unknown parameter{_did_you_mean(key, known)}; `escalation params` lists them", overridden
        ) from None
    if not p.numeric and loc[0] == "design":
        raise _fail(path, loc, f"{key} is not numeric and cannot be a design parameter", overridden)
    return p


def _bounds(
    p: params.Param, value: Any, path: Path, loc: tuple[str, ...], overridden: set[str], need_n: bool
) -> tuple[float, float, int | None]:
    if not isinstance(value, dict):
        raise _fail(path, loc, "must be a table {low = ..., high = ...}" + (", n = ..." if need_n else ""), overridden)
    allowed = {"low", "high", "n"} if need_n else {"low", "high"}
    extra = set(value) - allowed
    if extra:
        raise _fail(path, loc, f"unknown key {sorted(extra)[0]!r}; allowed: {', '.join(sorted(allowed))}", overridden)
    low, high = value.get("low", p.low), value.get("high", p.high)
    for b in (low, high):
        if isinstance(b, bool) or not isinstance(b, int | float) or not (p.low <= b <= p.high):
            raise _fail(path, loc, f"bound {b} is outside the declared range of {p.key}: {p.allowed()}", overridden)
    if low >= high:
        raise _fail(path, loc, f"low ({low}) must be below high ({high})", overridden)
    n = value.get("n")
    if need_n and (isinstance(n, bool) or not isinstance(n, int) or n < 2):
        raise _fail(path, loc, "n must be an integer >= 2 (number of grid values from low to high)", overridden)
    return float(low), float(high), n


def _typed(p: params.Param, v: float) -> Any:
    return round(v) if p.kind is int else float(v)


def _sample(
    design: DesignSection, decls: list[params.Param], seed: int, path: Path, overridden: set[str]
) -> list[dict[str, Any]]:
    if design.kind == "grid":
        axes = []
        for p in decls:
            loc = ("design", "parameters", p.key)
            value = design.parameters[p.key]
            if isinstance(value, list):
                if not value:
                    raise _fail(path, loc, "an empty list of values", overridden)
                for v in value:
                    bad = (
                        isinstance(v, bool)
                        or not isinstance(v, int | float)
                        or (p.kind is int and not isinstance(v, int))
                    )
                    if bad or not (p.low <= v <= p.high):
                        raise _fail(path, loc, f"value {v!r} is not allowed: must be {p.allowed()}", overridden)
                axes.append([_typed(p, v) for v in value])
            else:
                low, high, n = _bounds(p, value, path, loc, overridden, need_n=True)
                axes.append(list(dict.fromkeys(_typed(p, v) for v in np.linspace(low, high, n))))
        return [dict(zip([p.key for p in decls], combo, strict=True)) for combo in itertools.product(*axes)]

    from scipy.stats import qmc

    bounds = [
        _bounds(p, design.parameters[p.key], path, ("design", "parameters", p.key), overridden, need_n=False)
        for p in decls
    ]
    design_ss, _ = np.random.SeedSequence(seed).spawn(2)
    rng = np.random.default_rng(design_ss)
    d = len(decls)
    if design.kind in ("saltelli", "morris"):
        return _salib_sample(design, decls, bounds, rng, path, overridden)
    if design.kind == "lhs":
        unit = qmc.LatinHypercube(d=d, rng=rng).random(design.samples)
    else:
        m = _power_of_two(design.samples, "a Sobol' design needs a power of two to keep its balance", path, overridden)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            unit = qmc.Sobol(d=d, scramble=True, rng=rng).random_base2(m)
    lows = np.array([b[0] for b in bounds])
    highs = np.array([b[1] for b in bounds])
    scaled = qmc.scale(unit, lows, highs) if d else unit
    return [{p.key: _typed(p, float(v)) for p, v in zip(decls, row, strict=True)} for row in scaled]


def _power_of_two(samples: int, why: str, path: Path, overridden: set[str]) -> int:
    """log2(samples), or the error saying which powers of two are near."""
    m = int(np.log2(samples))
    if 2**m != samples:
        raise _fail(
            path, ("design", "samples"), f"{samples} is not allowed: {why} (e.g. {2**m} or {2 ** (m + 1)})", overridden
        )
    return m


def salib_problem(names: list[str] | tuple[str, ...], bounds: list[tuple[float, float]]) -> dict[str, Any]:
    """The SALib problem dict for these parameters and bounds."""
    return {"num_vars": len(names), "names": list(names), "bounds": [[lo, hi] for lo, hi in bounds]}


def _salib_sample(
    design: DesignSection,
    decls: list[params.Param],
    bounds: list[tuple[float, float, Any]],
    rng: np.random.Generator,
    path: Path,
    overridden: set[str],
) -> list[dict[str, Any]]:
    """Saltelli's scheme (for Sobol' indices) or Morris trajectories, from SALib, seeded by the design stream."""
    from SALib.sample import morris as morris_sample
    from SALib.sample import sobol as sobol_sample

    problem = salib_problem([p.key for p in decls], [(b[0], b[1]) for b in bounds])
    seed = int(rng.integers(2**31 - 1))
    if design.kind == "saltelli":
        _power_of_two(design.samples, "Saltelli's scheme needs a power of two base samples", path, overridden)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            x = sobol_sample.sample(problem, design.samples, calc_second_order=design.second_order, seed=seed)
    else:
        x = morris_sample.sample(problem, design.samples, num_levels=design.levels, seed=seed)
    return [{p.key: _typed(p, float(v)) for p, v in zip(decls, row, strict=True)} for row in x]


def experiment_toml_text(path: Path | None) -> str:
    """The experiment file's text (for the results folder), or '' if it came from code."""
    return path.read_text("utf-8") if path and path.is_file() else ""


def file_sha256(path: Path | None) -> str | None:
    """SHA-256 of the experiment file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest() if path and path.is_file() else None
