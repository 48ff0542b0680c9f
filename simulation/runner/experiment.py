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

    [record]                         # optional: what the store keeps (the runs table always)
    tables = ["runs", "steps"]       # any of runs, steps, members
    every = 12                       # steps: months 0, 12, 24, ... and the final month; 0: the final month only
    members_every = 12               # the members' period (default: every)

Record defaults (:data:`RECORD_DEFAULTS`): a grid or a list of scenarios keeps the steps every month
and the members every 12 months (what its figures draw); a sampled design (lhs, sobol, saltelli,
morris) keeps the runs table only, which is all that scenario discovery and sensitivity analysis read.

Seeds: ``SeedSequence(seed).spawn(2)`` gives one sequence for sampling the design and one for the
runs; the runs' sequence is spawned once per (design point, replicate), points in design order and
replicates within a point, and each child gives the run's integer seed. The seeds are fixed before
the batch starts and written into the output, so any executor gives the same results.

Designs are sized before they are built: a design of more runs than ``max_runs`` (default 10^6) is
refused at once with its size. The points themselves are built on demand (:class:`DesignPoints`): a
grid is its axes, a sampled design its matrix, and a point's scenario exists only while it is used,
so memory does not grow with the number of points.
"""

from __future__ import annotations

import hashlib
import json
import math
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, overload

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
    is_file,
    load_scenario,
    parse_assignment,
)

__all__ = [
    "DEFAULT_MAX_RUNS",
    "RECORD_DEFAULTS",
    "RECORD_TABLES",
    "DesignPoint",
    "DesignPoints",
    "Experiment",
    "ExperimentError",
    "Record",
    "load_experiment",
    "point_label",
    "shipped_experiments",
]

#: Largest batch built without ``--max-runs``: 10^6 runs is days of computing on a laptop.
DEFAULT_MAX_RUNS = 1_000_000
#: Seeds are spawned this many at a time, so that a large batch never holds all its SeedSequences.
_SEED_BLOCK = 4096

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


#: The tables a store can keep; ``runs`` (one summary row per run) is always kept.
RECORD_TABLES: tuple[str, ...] = ("runs", "steps", "members")


@dataclass(frozen=True)
class Record:
    """What a batch keeps: its tables (``runs`` always) and the recording period of each, in months.

    A period ``N >= 1`` keeps months 0, N, 2N, ... and the final month of each run; ``0`` keeps the final
    month only. ``every`` is the steps table's period, ``members_every`` the members table's. The per-run
    summary is computed from every month whatever is kept.
    """

    tables: tuple[str, ...] = RECORD_TABLES
    every: int = 1
    members_every: int = 1

    def to_dict(self) -> dict[str, Any]:
        """The record as the manifest and the commit records keep it."""
        return {"tables": list(self.tables), "every": self.every, "members_every": self.members_every}

    def period(self, table: str) -> int:
        """The recording period of ``table`` (``steps`` or ``members``)."""
        return self.members_every if table == "members" else self.every


#: The default record of each design kind: what its analyses and figures read. A grid or a list of
#: scenarios keeps the monthly steps (escalation curves, the spiral, ladder occupancy, the hindcast) and
#: the members yearly (the members figure: their aid share and their course; a monthly members table is
#: 85% of a full store); a sampled design keeps the runs only (sensitivity indices, scenario discovery).
RECORD_DEFAULTS: dict[str, Record] = {
    "grid": Record(members_every=12),
    "scenarios": Record(members_every=12),
    "lhs": Record(("runs",)),
    "sobol": Record(("runs",)),
    "saltelli": Record(("runs",)),
    "morris": Record(("runs",)),
}


class RecordSection(BaseModel):
    """The ``[record]`` table (a key not given: the design kind's default, :data:`RECORD_DEFAULTS`)."""

    model_config = _STRICT
    # None (not validated): not given
    tables: list[Literal["runs", "steps", "members"]] = Field(
        None, description="the tables kept: any of runs, steps, members (runs is always kept)"
    )
    every: int = Field(None, ge=0, le=100_000, description="record the steps every N months (0: the final month only)")
    members_every: int = Field(
        None, ge=0, le=100_000, description="record the members every N months (default: every; 0: the final month)"
    )


class ExperimentFile(BaseModel):
    """A whole experiment file."""

    model_config = _STRICT
    experiment: ExperimentSection = Field(default_factory=ExperimentSection)
    design: DesignSection = Field(default_factory=DesignSection)
    record: RecordSection = Field(default_factory=RecordSection)
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


class DesignPoints(Sequence[DesignPoint]):
    """The points of a design, built on demand (a point's scenario exists only while it is used).

    A grid keeps its axes, a sampled design its (points x parameters) matrix, a scenarios design its
    list; ``points[i]`` builds point ``i``. Iteration, ``len`` and negative indices work as on a tuple.
    """

    def __init__(
        self,
        n: int,
        values_of: Callable[[int], dict[str, Any]],
        scenario_of: Callable[[dict[str, Any]], Scenario],
        fixed: tuple[DesignPoint, ...] | None = None,
    ):
        """Points ``0 .. n-1``: ``values_of(i)`` gives the varied values, ``scenario_of`` the scenario."""
        self._n, self._values_of, self._scenario_of, self._fixed = n, values_of, scenario_of, fixed

    def __len__(self) -> int:
        return self._n

    @overload
    def __getitem__(self, i: int) -> DesignPoint: ...

    @overload
    def __getitem__(self, i: slice) -> list[DesignPoint]: ...

    def __getitem__(self, i: int | slice) -> DesignPoint | list[DesignPoint]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(self._n))]
        if i < 0:
            i += self._n
        if not 0 <= i < self._n:
            raise IndexError(f"design point {i} out of range (the design has {self._n})")
        if self._fixed is not None:
            return self._fixed[i]
        values = self._values_of(i)
        return DesignPoint(i, self._scenario_of(values), values)

    def __iter__(self) -> Iterator[DesignPoint]:
        for i in range(self._n):
            yield self[i]

    def values(self, i: int) -> dict[str, Any]:
        """The varied values of point ``i`` (without building its scenario)."""
        return self._fixed[i].values if self._fixed is not None else self._values_of(i)


@dataclass(frozen=True)
class Experiment:
    """A validated experiment: its design points, replications, horizon and seeds."""

    name: str
    description: str
    source: Path | None
    spec: ExperimentFile
    points: Sequence[DesignPoint]
    replications: int
    steps: int | None
    seed: int
    parameter_names: tuple[str, ...]
    base: Scenario | None = None
    common_seeds: bool = False
    bounds: tuple[tuple[float, float], ...] = ()  # sampling bounds of lhs, sobol, saltelli and morris designs
    sets: tuple[str, ...] = ()  # the command line's --set overrides, kept to name the command that repeats it
    design_matrix: Any = field(default=None, repr=False, compare=False)  # sampled designs: the typed matrix
    _fingerprint: str = field(default="", repr=False, compare=False)

    @property
    def record(self) -> Record:
        """What the batch keeps: the file's ``[record]``, else the design kind's default."""
        rec = self.spec.record
        default = RECORD_DEFAULTS[self.spec.design.kind]
        tables = default.tables if rec.tables is None else tuple(t for t in RECORD_TABLES if t in {"runs", *rec.tables})
        every = default.every if rec.every is None else rec.every
        if rec.members_every is not None:
            members = rec.members_every
        else:  # an explicit every sets both periods
            members = default.members_every if rec.every is None else rec.every
        return Record(tables, every, members)

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
        seeds = np.empty(n, dtype=np.int64)
        # Spawned a block at a time: successive spawn() calls continue the same children, so the seeds
        # are those of one spawn(n), without n SeedSequence objects alive at once.
        for start in range(0, n, _SEED_BLOCK):
            block = runs.spawn(min(_SEED_BLOCK, n - start))
            seeds[start : start + len(block)] = [int(c.generate_state(1, np.uint64)[0] >> np.uint64(1)) for c in block]
        return np.tile(seeds, len(self.points)) if self.common_seeds else seeds

    def matrix(self) -> np.ndarray:
        """The design as a (points x parameters) array, in design and parameter order."""
        if self.design_matrix is not None:
            return np.array(self.design_matrix, dtype=float)
        names = self.parameter_names
        return np.array([[v[k] for k in names] for v in map(self.point_values, range(len(self.points)))], dtype=float)

    def point_values(self, i: int) -> dict[str, Any]:
        """The varied values of design point ``i``, without building its scenario."""
        pts = self.points
        return pts.values(i) if isinstance(pts, DesignPoints) else pts[i].values

    def runs(self) -> Iterator[tuple[int, DesignPoint, int, int]]:
        """Every run as (run_id, point, replicate, seed), points in design order, replicates within.

        A generator: each point is built once, when its first run comes.
        """
        seeds = self.run_seeds()
        run_id = 0
        for point in self.points:
            for rep in range(self.replications):
                yield run_id, point, rep, int(seeds[run_id])
                run_id += 1

    def fingerprint(self) -> str:
        """Hash of everything that determines the results: resolved scenarios, design, seeds, horizon."""
        if self._fingerprint:
            return self._fingerprint
        return _fingerprint(self.points, self.replications, self.steps, self.seed, self.common_seeds)


def _fingerprint(points: Iterable[DesignPoint], replications: int, steps: int | None, seed: int, crn: bool) -> str:
    """SHA-256 of the experiment document, hashed point by point (memory flat in the number of points).

    The bytes hashed are exactly ``json.dumps(doc, sort_keys=True, default=str)`` of the whole document
    {common_seeds, points: [{scenario, values}, ...], replications, seed, steps}, as format-1 stores
    computed it at once: their fingerprints stay valid.
    """
    h = hashlib.sha256()
    h.update(('{"common_seeds": ' + json.dumps(crn) + ', "points": [').encode())
    for i, p in enumerate(points):
        doc = {"scenario": p.scenario.to_dict(), "values": p.values}
        h.update(((", " if i else "") + json.dumps(doc, sort_keys=True, default=str)).encode())
    tail = {"replications": replications, "seed": seed, "steps": steps}
    h.update(("], " + json.dumps(tail, sort_keys=True, default=str)[1:]).encode())
    return h.hexdigest()


def shipped_experiments() -> dict[str, Path]:
    """Shipped experiment names mapped to their files."""
    here = Path(__file__).resolve().parent.parent
    out: dict[str, Path] = {}
    for d in (here.parent / "experiments", here / "experiments"):
        if d.is_dir():
            out.update({p.stem: p for p in sorted(d.glob("*.toml"))})
    return out


def read_definition(path: str | Path, what: str, shipped: Callable[[], dict[str, Path]]) -> tuple[Path, dict[str, Any]]:
    """Find a definition file (a path, or a shipped one's name) and read its TOML (data only).

    Args:
        path: the file, or the name of a shipped one.
        what: what the file defines (``experiment``, ``calibration``), for the messages.
        shipped: the shipped files of that kind by name (called only when ``path`` is not a file).

    Raises:
        ExperimentError: no such file or shipped name (with a did-you-mean), or malformed TOML.
    """
    p = Path(path)
    if not is_file(p):
        names = shipped()
        if str(path) not in names:
            raise ExperimentError(
                None,
                what,
                f"no {what} file or shipped {what} named {str(path)!r}{_did_you_mean(str(path), names)}; "
                f"shipped: {', '.join(names) or 'none'}",
            )
        p = names[str(path)]
    p = p.resolve()
    try:
        return p, _read_toml(p)
    except ScenarioError as e:
        raise ExperimentError(e.file, e.key, e.detail, e.line) from None


def load_experiment(
    path: str | Path, sets: list[str] | dict[str, Any] | None = None, *, max_runs: int = DEFAULT_MAX_RUNS
) -> Experiment:
    """Load and validate an experiment file (or a shipped experiment's name).

    Args:
        path: the experiment file, or a shipped experiment's name (``"default"``).
        sets: ``key=value`` overrides: keys of the file (``experiment.replications=4``,
            ``design.samples=64``) or scenario parameters (``aid_level=0.3``), applied to every run.
        max_runs: refuse a design of more runs than this (sized before anything is built).

    Raises:
        ExperimentError: the file, a key, a value or a design is not acceptable, or the design is
            larger than ``max_runs``.
    """
    p, raw = read_definition(path, "experiment", shipped_experiments)
    overridden = _apply_sets(raw, sets or {}, p)
    tables = raw.get("record", {}).get("tables") if isinstance(raw.get("record"), dict) else None
    if isinstance(tables, str):  # --set record.tables=runs,steps
        raw["record"]["tables"] = [t.strip() for t in tables.split(",") if t.strip()]
    try:
        spec = ExperimentFile(**raw)
    except ValidationError as e:
        err = e.errors()[0]
        loc = tuple(str(x) for x in err["loc"])
        if loc[:2] == ("record", "tables"):
            loc = loc[:2]  # the list, not its n-th item
        key = ".".join(loc)
        line = None if key in overridden else _line_of(p, loc)
        if err["type"] == "extra_forbidden":
            sections = {"experiment": ExperimentSection, "design": DesignSection, "record": RecordSection}
            model = sections.get(loc[0]) if len(loc) > 1 else None
            options = sorted((model or ExperimentFile).model_fields)
            msg = f"unknown key{_did_you_mean(loc[-1], options)}; allowed here: {', '.join(options)}"
        else:
            msg = f"{err.get('input')!r} is not allowed: {err['msg'].lower()}"
        raise ExperimentError(None if key in overridden else p, key, msg, line) from None
    exp = _resolve(spec, p, overridden, max_runs)
    if isinstance(sets, list):
        object.__setattr__(exp, "sets", tuple(sets))
    elif sets:
        object.__setattr__(exp, "sets", tuple(f"{k}={json.dumps(v)}" for k, v in sets.items()))
    return exp


def _apply_sets(raw: dict[str, Any], sets: list[str] | dict[str, Any], path: Path) -> set[str]:
    pairs = dict(parse_assignment(s) for s in sets) if isinstance(sets, list) else dict(sets)
    done = set()
    for key, value in pairs.items():
        head = key.split(".", 1)[0]
        if head in ("experiment", "design", "record"):
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


def definition_error(
    path: Path | None, loc: tuple[str, ...], msg: str, overridden: set[str] = frozenset()
) -> ExperimentError:
    """An error at key ``loc`` of a definition file, or of the ``--set`` that overrode it (or a key around it)."""
    key = ".".join(loc)
    if key in overridden or any(key.startswith(o + ".") or o.startswith(key + ".") for o in overridden):
        return ExperimentError(None, key, msg)
    return ExperimentError(path, key, msg, _line_of(path, loc) if path else None)


def _resolve(spec: ExperimentFile, path: Path, overridden: set[str], max_runs: int) -> Experiment:
    ex, design = spec.experiment, spec.design
    base_overrides = dict(spec.overrides)
    for key in base_overrides:
        _declared(key, path, ("overrides", key), overridden)
    if ex.steps is not None:
        base_overrides["steps"] = ex.steps
    folder = path.parent

    def scenario(ref: str, extra: dict[str, Any], loc: tuple[str, ...]) -> Scenario:
        candidate = folder / ref
        target = candidate if is_file(candidate) or is_file(folder / f"{ref}.toml") else ref
        if target is candidate and not is_file(candidate):
            target = folder / f"{ref}.toml"
        try:
            return load_scenario(target, {**base_overrides, **extra})
        except ScenarioError as e:
            if e.file is None and (not e.key or e.key not in (extra or {})):
                raise definition_error(path, loc, str(e.detail), overridden) from None
            raise

    if design.all_parameters:
        if design.parameters:
            raise definition_error(
                path,
                ("design", "all_parameters"),
                "give either all_parameters = true or [design.parameters], not both",
                overridden,
            )
        design = design.model_copy(
            update={
                "parameters": {
                    p.key: {}
                    for p in params.PARAMETERS
                    if p.numeric and p.key != "steps" and p.group not in params.ANALYSIS_GROUPS
                }
            }
        )
    names = tuple(design.parameters)
    if design.kind == "scenarios":
        if not design.scenarios:
            raise definition_error(
                path,
                ("design", "scenarios"),
                "a 'scenarios' design needs a list of scenario files or names",
                overridden,
            )
        if design.parameters:
            raise definition_error(
                path,
                ("design", "parameters"),
                "a 'scenarios' design takes no parameters; use [overrides] for values common to every scenario",
                overridden,
            )
        _check_size(len(design.scenarios), ex.replications, max_runs, ("design", "scenarios"), path, overridden)
        fixed = tuple(
            DesignPoint(i, scenario(ref, {}, ("design", "scenarios")), {}) for i, ref in enumerate(design.scenarios)
        )
        points = DesignPoints(len(fixed), lambda i: {}, lambda v: fixed[0].scenario, fixed=fixed)
        base = None
        bounds = ()
        matrix = None
    else:
        if not design.parameters:
            raise definition_error(
                path, ("design", "parameters"), f"a {design.kind!r} design needs [design.parameters]", overridden
            )
        decls = [_declared(k, path, ("design", "parameters", k), overridden) for k in names]
        loc = ("design", "parameters") if design.kind == "grid" else ("design", "samples")
        _check_size(_design_size(design, decls, path, overridden), ex.replications, max_runs, loc, path, overridden)
        n_points, values_of, matrix = _sample(design, decls, ex.seed, path, overridden)
        if design.kind != "grid":
            bounds = tuple(
                _bounds(p, design.parameters[p.key], path, ("design", "parameters", p.key), overridden, need_n=False)[
                    :2
                ]
                for p in decls
            )
        base = scenario(ex.scenario, {}, ("experiment", "scenario"))
        points = DesignPoints(n_points, values_of, base.with_overrides)
    common = ex.common_random_numbers if ex.common_random_numbers is not None else design.kind in ("saltelli", "morris")
    # One pass over the points builds (so validates) every point's scenario before any run starts and
    # hashes it; nothing is kept, so memory does not grow with the design.
    fingerprint = _fingerprint(points, ex.replications, ex.steps, ex.seed, common)
    return Experiment(
        name=ex.name or path.stem,
        description=ex.description,
        source=path,
        spec=spec,
        points=points,
        replications=ex.replications,
        steps=ex.steps,
        seed=ex.seed,
        parameter_names=names,
        base=base,
        bounds=bounds if design.kind not in ("grid", "scenarios") else (),
        common_seeds=common,
        design_matrix=matrix,
        _fingerprint=fingerprint,
    )


def _design_size(design: DesignSection, decls: list[params.Param], path: Path, overridden: set[str]) -> int:
    """Number of points of a parameter design, from its description alone (nothing is built).

    For a grid of integer parameters it is an upper bound (a low/high/n axis of integers keeps its
    distinct values only), exact otherwise.
    """
    d = len(decls)
    if design.kind == "grid":
        n = 1
        for p in decls:
            value = design.parameters[p.key]
            if isinstance(value, list):
                n *= len(value)
                continue
            low, high, k = _bounds(p, value, path, ("design", "parameters", p.key), overridden, need_n=True)
            n *= min(k, round(high) - round(low) + 1) if p.kind is int else k
        return n
    if design.kind == "saltelli":
        return design.samples * (2 * d + 2 if design.second_order else d + 2)
    if design.kind == "morris":
        return design.samples * (d + 1)
    return design.samples


def _check_size(
    n_points: int, replications: int, max_runs: int, loc: tuple[str, ...], path: Path, overridden: set[str]
) -> None:
    """Refuse a design of more than ``max_runs`` runs, before anything is built."""
    n_runs = n_points * replications
    if n_runs > max_runs:
        raise definition_error(
            path,
            loc,
            f"the design has {n_points:,} points x {replications:,} replications = {n_runs:,} runs, above the "
            f"limit of {max_runs:,} runs; use fewer values, samples or replications, or raise the limit with "
            "--max-runs N",
            overridden,
        )


def _declared(key: str, path: Path, loc: tuple[str, ...], overridden: set[str]) -> params.Param:
    try:
        p = params.by_name(key)
    except KeyError:
        known = [q.key for q in params.PARAMETERS if q.numeric]
        raise definition_error(
            path, loc, f"unknown parameter{_did_you_mean(key, known)}; `escalation params` lists them", overridden
        ) from None
    if not p.numeric and loc[0] == "design":
        raise definition_error(path, loc, f"{key} is not numeric and cannot be a design parameter", overridden)
    return p


def _bounds(
    p: params.Param, value: Any, path: Path, loc: tuple[str, ...], overridden: set[str], need_n: bool
) -> tuple[float, float, int | None]:
    if not isinstance(value, dict):
        raise definition_error(
            path, loc, "must be a table {low = ..., high = ...}" + (", n = ..." if need_n else ""), overridden
        )
    allowed = {"low", "high", "n"} if need_n else {"low", "high"}
    extra = set(value) - allowed
    if extra:
        raise definition_error(
            path, loc, f"unknown key {sorted(extra)[0]!r}; allowed: {', '.join(sorted(allowed))}", overridden
        )
    low, high = value.get("low", p.low), value.get("high", p.high)
    for b in (low, high):
        if isinstance(b, bool) or not isinstance(b, int | float) or not (p.low <= b <= p.high):
            raise definition_error(
                path, loc, f"bound {b} is outside the declared range of {p.key}: {p.allowed()}", overridden
            )
    if low >= high:
        raise definition_error(path, loc, f"low ({low}) must be below high ({high})", overridden)
    n = value.get("n")
    if need_n and (isinstance(n, bool) or not isinstance(n, int) or n < 2):
        raise definition_error(
            path, loc, "n must be an integer >= 2 (number of grid values from low to high)", overridden
        )
    return float(low), float(high), n


def _typed(p: params.Param, v: float) -> Any:
    return round(v) if p.kind is int else float(v)


def _sample(
    design: DesignSection, decls: list[params.Param], seed: int, path: Path, overridden: set[str]
) -> tuple[int, Callable[[int], dict[str, Any]], np.ndarray | None]:
    """The design's points, lazily: (number of points, point i -> values, the matrix of a sampled design)."""
    keys = [p.key for p in decls]
    if design.kind == "grid":
        axes = [_grid_axis(p, design.parameters[p.key], path, overridden) for p in decls]
        sizes = [len(a) for a in axes]

        def grid_values(i: int) -> dict[str, Any]:
            # the i-th element of itertools.product(*axes): the last axis varies fastest
            picked = [None] * len(axes)
            for j in range(len(axes) - 1, -1, -1):
                i, r = divmod(i, sizes[j])
                picked[j] = axes[j][r]
            return dict(zip(keys, picked, strict=True))

        return math.prod(sizes), grid_values, None

    from scipy.stats import qmc

    bounds = [
        _bounds(p, design.parameters[p.key], path, ("design", "parameters", p.key), overridden, need_n=False)
        for p in decls
    ]
    design_ss, _ = np.random.SeedSequence(seed).spawn(2)
    rng = np.random.default_rng(design_ss)
    d = len(decls)
    if design.kind in ("saltelli", "morris"):
        scaled = _salib_sample(design, decls, bounds, rng, path, overridden)
    else:
        if design.kind == "lhs":
            unit = qmc.LatinHypercube(d=d, rng=rng).random(design.samples)
        else:
            m = _power_of_two(
                design.samples, "a Sobol' design needs a power of two to keep its balance", path, overridden
            )
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                unit = qmc.Sobol(d=d, scramble=True, rng=rng).random_base2(m)
        lows = np.array([b[0] for b in bounds])
        highs = np.array([b[1] for b in bounds])
        scaled = qmc.scale(unit, lows, highs) if d else unit
    matrix = np.asarray(scaled, dtype=float).copy()
    for j, p in enumerate(decls):
        if p.kind is int:  # the values the runs get (round half to even, as Python's round)
            matrix[:, j] = np.round(matrix[:, j])
    matrix.setflags(write=False)

    def sampled_values(i: int) -> dict[str, Any]:
        return {p.key: _typed(p, float(v)) for p, v in zip(decls, matrix[i], strict=True)}

    return len(matrix), sampled_values, matrix


def _grid_axis(p: params.Param, value: Any, path: Path, overridden: set[str]) -> list[Any]:
    """One grid axis: a list of allowed values, or low/high/n spread evenly (distinct values only)."""
    loc = ("design", "parameters", p.key)
    if isinstance(value, list):
        if not value:
            raise definition_error(path, loc, "an empty list of values", overridden)
        for v in value:
            bad = isinstance(v, bool) or not isinstance(v, int | float) or (p.kind is int and not isinstance(v, int))
            if bad or not (p.low <= v <= p.high):
                raise definition_error(path, loc, f"value {v!r} is not allowed: must be {p.allowed()}", overridden)
        return [_typed(p, v) for v in value]
    low, high, n = _bounds(p, value, path, loc, overridden, need_n=True)
    if p.kind is int and n > 2 * (high - low) + 2:
        # More points than integers: every integer from round(low) to round(high) is hit (spacing < 1),
        # which is what rounding the linspace would give, without allocating n floats.
        return list(range(round(low), round(high) + 1))
    return list(dict.fromkeys(_typed(p, v) for v in np.linspace(low, high, n)))


def _power_of_two(samples: int, why: str, path: Path, overridden: set[str]) -> int:
    """log2(samples), or the error saying which powers of two are near."""
    m = int(np.log2(samples))
    if 2**m != samples:
        raise definition_error(
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
) -> np.ndarray:
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
    return np.asarray(x, dtype=float)


def experiment_toml_text(path: Path | None) -> str:
    """The experiment file's text (for the results folder), or '' if it came from code."""
    return path.read_text("utf-8") if path and path.is_file() else ""


def file_sha256(path: Path | None) -> str | None:
    """SHA-256 of the experiment file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest() if path and path.is_file() else None
