"""Scenario files: parse, inherit (``extends``), override, validate, write back.

A scenario is a TOML file (data only: TOML cannot run code) whose keys are the declarations of
``simulation.parameters``, plus a ``[roster]`` table, an ``[[events]]`` timeline and ``extends``.
A child's events come after its parent's (a branch of the history keeps the history's timeline);
``inherit_events = false`` starts the child from an empty timeline. With ``start = "YYYY-MM"`` an
event may give a ``date`` instead of a ``month``.
Every problem stops with one :class:`ScenarioError` that names the file, the key, the line where it
can be found and what is allowed, before any run starts.
"""

from __future__ import annotations

import copy
import difflib
import itertools
import math
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model

from simulation import parameters as params
from simulation.calendar import month_between, parse_month
from simulation.errors import ScenarioError
from simulation.roster import MemberSpec, nato_2024

__all__ = [
    "EVENT_KINDS",
    "Scenario",
    "ScenarioError",
    "load_scenario",
    "parse_assignment",
    "scenario_dirs",
    "shipped_scenarios",
    "to_toml",
]

EVENT_KINDS = ("accession", "aid_package", "talks", "set", "government")
#: A ``government`` event's stance: -1 accommodating toward Russia, 0 mixed, +1 hawkish (and between).
STANCE_RANGE = (-1.0, 1.0)

_STRICT = ConfigDict(extra="forbid", strict=True, frozen=True)


# ---------------------------------------------------------------------------------------------------
# The schema, generated from the declarations
# ---------------------------------------------------------------------------------------------------


def _field(p: params.Param) -> tuple[Any, Any]:
    if p.kind is list:
        inner = str if all(isinstance(v, str) for v in p.default) else float
        return list[inner], Field(default_factory=lambda d=p.default: list(d), description=p.meaning)
    extra = {"ge": p.low, "le": p.high} if p.numeric else {}
    return p.kind, Field(p.default, description=p.meaning, **extra)


def _group_model(group: str) -> type[BaseModel]:
    fields = {p.name: _field(p) for p in params.PARAMETERS if p.group == group}
    return create_model(f"{group.title()}Params", __config__=_STRICT, **fields)


GROUP_MODELS: dict[str, type[BaseModel]] = {g: _group_model(g) for g in params.GROUPS}
# Module attributes, so that scenarios pickle (worker processes, mesa.batch_run, Dask).
globals().update({m.__name__: m for m in GROUP_MODELS.values()})


class CustomMember(BaseModel):
    """A hand-written member (``[[roster.custom]]``)."""

    model_config = _STRICT
    iso3: str = Field(pattern=r"^[A-Z0-9]{2,5}$")
    name: str
    gdp_usd_bn: float = Field(gt=0)
    defence_pct_gdp: float = Field(ge=0, le=20)
    borders_russia: bool = False
    borders_belarus: bool = False
    borders_ukraine: bool = False
    capital_lat: float = Field(50.0, ge=-90, le=90)
    capital_lon: float = Field(10.0, ge=-180, le=180)
    joined: int = 1949


class Roster(BaseModel):
    """Which members the alliance has at month 0."""

    model_config = _STRICT
    data: Literal["nato_2024", "none"] = "nato_2024"
    members: list[str] = Field(default_factory=list, description="subset of ISO3 codes; empty: all")
    as_of: int = Field(0, ge=0, description="leave out members that joined after this year; 0: none")
    custom: list[CustomMember] = Field(default_factory=list)
    partners: list[str] = Field(
        default_factory=list,
        description="ISO3 codes of donors that give aid and read the threat from month 0 but are not (yet) "
        "members: outside deterrence and the package quorum until an accession event",
    )


class Event(BaseModel):
    """One scheduled event of the timeline (``[[events]]``)."""

    model_config = _STRICT
    month: int | None = Field(None, ge=1)
    date: str | None = Field(None, description="YYYY-MM, instead of month, in a scenario with a start")
    kind: Literal[EVENT_KINDS]
    member: str | None = None
    size: float | None = Field(None, ge=0, le=12)
    key: str | None = None
    value: float | int | bool | None = None
    note: str = ""


_top = {p.name: _field(p) for p in params.PARAMETERS if not p.group}
_groups = {g: (m, Field(default_factory=m)) for g, m in GROUP_MODELS.items()}
ScenarioValues = create_model(
    "ScenarioValues",
    __config__=_STRICT,
    extends=(str | None, None),
    roster=(Roster, Field(default_factory=Roster)),
    events=(list[Event], Field(default_factory=list)),
    **_top,
    **_groups,
)


@dataclass(frozen=True)
class Scenario:
    """A validated scenario, ready to build a model from.

    Attributes:
        values: the validated parameter values (``values.aid_level``, ``values.russia.opportunity``).
        members: the members at month 0, in roster order.
        pool: every member an accession event may add, keyed by ISO3.
        partners: donors present at month 0 that are not (yet) members (``roster.partners``).
        source: the file the scenario came from (None if built in code).
    """

    values: Any
    members: tuple[MemberSpec, ...]
    pool: dict[str, MemberSpec] = field(repr=False)
    source: Path | None = None
    partners: tuple[MemberSpec, ...] = ()

    @property
    def name(self) -> str:
        """The scenario's name."""
        return self.values.name

    def get(self, key: str) -> Any:
        """Value of a dotted key (``aid_level``, ``russia.opportunity``)."""
        obj = self.values
        for part in key.split("."):
            obj = getattr(obj, part)
        return obj

    def to_dict(self) -> dict[str, Any]:
        """Plain nested dict of the resolved scenario (no ``extends``), loadable again."""
        d = self.values.model_dump(exclude_none=True)
        d.pop("extends", None)
        # a dated event keeps its date (its month follows from start), so it reloads the same way
        d["events"] = [
            {k: v for k, v in e.items() if v not in (None, "") and not (k == "month" and e.get("date"))}
            for e in d["events"]
        ]
        return d

    def with_overrides(self, overrides: dict[str, Any]) -> Scenario:
        """A new scenario with dotted-key overrides applied and validated."""
        if not overrides:
            return self
        raw = self.to_dict()
        _apply_overrides(raw, overrides)
        return _build(raw, self.source, [self.source] if self.source else [], overridden=set(overrides))


# ---------------------------------------------------------------------------------------------------
# Finding files
# ---------------------------------------------------------------------------------------------------


def scenario_dirs() -> list[Path]:
    """Folders searched for shipped scenarios: the installed copy, then the source tree's."""
    here = Path(__file__).resolve().parent
    return [d for d in (here / "scenarios", here.parent / "scenarios") if d.is_dir()]


def shipped_scenarios() -> dict[str, Path]:
    """Shipped scenario names mapped to their files."""
    out: dict[str, Path] = {}
    for d in reversed(scenario_dirs()):
        out.update({p.stem: p for p in sorted(d.glob("*.toml"))})
    return dict(sorted(out.items()))


def is_file(path: Path) -> bool:
    """``path.is_file()``, False for a name the file system refuses (too long, a NUL byte) instead of an error."""
    try:
        return path.is_file()
    except (OSError, ValueError):
        return False


def _resolve_path(ref: str | Path, relative_to: Path | None, referrer: Path | None, key: str) -> Path:
    ref_s = str(ref)
    candidates = []
    if relative_to is not None:
        candidates.append(relative_to / ref_s)
        if not ref_s.endswith(".toml"):
            candidates.append(relative_to / f"{ref_s}.toml")
    candidates.append(Path(ref_s))
    for c in candidates:
        if is_file(c):
            return c.resolve()
    shipped = shipped_scenarios()
    if ref_s in shipped:
        return shipped[ref_s]
    hint = _did_you_mean(ref_s, shipped)
    raise ScenarioError(
        referrer,
        key if referrer else None,  # from the command line or Python: the message names the argument
        f"no scenario file or shipped scenario named {ref_s!r}{hint}; shipped: " + ", ".join(shipped),
        _line_of(referrer, (key,)) if referrer else None,
    )


# ---------------------------------------------------------------------------------------------------
# Loading
# ---------------------------------------------------------------------------------------------------


def load_scenario(path_or_name: str | Path | Scenario, overrides: dict[str, Any] | None = None) -> Scenario:
    """Load, inherit, override and validate a scenario.

    Args:
        path_or_name: a file path, a shipped scenario's name (``"baseline"``) or a Scenario.
        overrides: dotted keys to values, applied after ``extends`` (``{"russia.noise": 0.1}``).

    Returns:
        The validated scenario.

    Raises:
        ScenarioError: the file, a key or a value is not acceptable; the message says which and why.
    """
    if isinstance(path_or_name, Scenario):
        return path_or_name.with_overrides(overrides or {})
    path = _resolve_path(path_or_name, Path.cwd(), None, "scenario")
    raw, chain = _read_chain(path, [])
    raw.setdefault("name", path.stem)
    if overrides:
        _apply_overrides(raw, overrides)
    return _build(raw, path, chain, overridden=set(overrides or ()))


#: Deepest nesting of arrays and tables a definition file may have (the deepest shipped one has 3).
MAX_NESTING = 32
#: Longest ``extends`` chain (the shipped scenarios use 3).
MAX_EXTENDS = 64


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        doc = tomllib.loads(path.read_text("utf-8"))
    except tomllib.TOMLDecodeError as e:
        m = re.search(r"line (\d+)", str(e))
        raise ScenarioError(path, None, f"malformed TOML: {e}", int(m.group(1)) if m else None) from None
    except RecursionError:
        raise ScenarioError(path, None, f"arrays or tables nested too deeply (at most {MAX_NESTING} levels)") from None
    except UnicodeDecodeError as e:
        raise ScenarioError(path, None, f"not a text file in UTF-8 (byte {e.start}): {e.reason}") from None
    except OSError as e:
        raise ScenarioError(path, None, f"cannot read the file: {e.strerror}") from None
    _check_nesting(doc, path)
    return doc


def _check_nesting(doc: dict[str, Any], path: Path) -> None:
    """Refuse arrays and tables nested deeper than MAX_NESTING (validators and copies recurse on them)."""
    stack: list[tuple[Any, int]] = [(doc, 0)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_NESTING:
            raise ScenarioError(path, None, f"arrays or tables nested too deeply (at most {MAX_NESTING} levels)")
        if isinstance(value, dict):
            stack += [(v, depth + 1) for v in value.values()]
        elif isinstance(value, list):
            stack += [(v, depth + 1) for v in value]


def _read_chain(path: Path, stack: list[Path]) -> tuple[dict[str, Any], list[Path]]:
    """Read a file and its ``extends`` ancestors; child keys override, tables merge."""
    if path in stack:
        cycle = " -> ".join(p.name for p in [*stack, path])
        raise ScenarioError(stack[-1], "extends", f"extends cycle: {cycle}", _line_of(stack[-1], ("extends",)))
    if len(stack) >= MAX_EXTENDS:
        raise ScenarioError(
            stack[0],
            "extends",
            f"the extends chain is longer than {MAX_EXTENDS} files (from {stack[0].name} to {path.name})",
            _line_of(stack[0], ("extends",)),
        )
    raw = _read_toml(path)
    parent_ref = raw.pop("extends", None)
    inherit = raw.pop("inherit_events", True)
    if not isinstance(inherit, bool):
        raise ScenarioError(path, "inherit_events", "must be true or false", _line_of(path, ("inherit_events",)))
    if parent_ref is None:
        return raw, [path]
    if not isinstance(parent_ref, str):
        raise ScenarioError(
            path, "extends", "must be a string: a file or a shipped scenario name", _line_of(path, ("extends",))
        )
    parent_path = _resolve_path(parent_ref, path.parent, path, "extends")
    parent, chain = _read_chain(parent_path, [*stack, path])
    parent.pop("name", None)
    parent.pop("description", None)
    merged = _merge(parent, raw)
    if inherit and isinstance(parent.get("events"), list) and isinstance(raw.get("events"), list):
        merged["events"] = copy.deepcopy(parent["events"]) + copy.deepcopy(raw["events"])
    elif not inherit:
        merged["events"] = copy.deepcopy(raw.get("events", []))
    return merged, [path, *chain]


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = _merge(out[k], v)
        else:
            out[k] = copy.deepcopy(v)
    return out


def parse_assignment(text: str) -> tuple[str, Any]:
    """Parse ``key=value`` from the command line; the value is read as TOML, else as a string."""
    if "=" not in text:
        raise ScenarioError(None, text, "expected key=value, e.g. aid_level=0.8 or russia.noise=0.1")
    key, value = (s.strip() for s in text.split("=", 1))
    try:
        return key, tomllib.loads(f"v = {value}")["v"]
    except tomllib.TOMLDecodeError:
        return key, value


def _apply_overrides(raw: dict[str, Any], overrides: dict[str, Any]) -> None:
    for key, value in overrides.items():
        try:
            params.by_name(key)
        except KeyError:
            known = [p.key for p in params.PARAMETERS]
            raise ScenarioError(None, key, f"unknown parameter{_did_you_mean(key, known)}") from None
        parts = key.split(".")
        target = raw
        for part in parts[:-1]:
            target = target.setdefault(part, {})
        target[parts[-1]] = value


def _did_you_mean(word: str, options: Any) -> str:
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


# ---------------------------------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------------------------------


def _build(raw: dict[str, Any], path: Path | None, chain: list[Path], *, overridden: set[str]) -> Scenario:
    try:
        values = ScenarioValues(**raw)
    except ValidationError as e:
        err = e.errors()[0]
        raise _explain(err, chain, overridden) from None
    values = _date_events(values, chain)
    if "steps" in overridden:
        # A shorter run of a scenario (--steps, run_scenario(steps=...)) leaves out the events that
        # fall past it; a file whose own events fall past its own horizon is still an error.
        values = values.model_copy(update={"events": [e for e in values.events if e.month <= values.steps]})
    members, pool, partners = _resolve_roster(values, chain)
    _check_cross_fields(values, members, pool, partners, chain)
    return Scenario(values=values, members=members, pool=pool, source=path, partners=partners)


def _date_events(values: Any, chain: list[Path]) -> Any:
    """Check ``start`` and give every dated event its month (month 0 is ``start``)."""

    def fail(loc: tuple[Any, ...], key: str, msg: str) -> None:
        file, line = _where(loc, chain)
        raise ScenarioError(file, key, msg, line)

    if values.start:
        try:
            parse_month(values.start)
        except ValueError as e:
            fail(("start",), "start", str(e))
    events = []
    for i, ev in enumerate(values.events):
        if ev.date is None and ev.month is None:
            fail(("events", i, "kind"), f"events[{i}]", "needs a month (1, 2, ...) or, with a start, a date (YYYY-MM)")
        if ev.date is None:
            events.append(ev)
            continue
        if ev.month is not None:
            fail(("events", i, "date"), f"events[{i}]", "give a month or a date, not both")
        if not values.start:
            fail(
                ("events", i, "date"),
                f"events[{i}].date",
                'a dated event needs the scenario\'s start (start = "YYYY-MM")',
            )
        try:
            month = month_between(values.start, ev.date)
        except ValueError as e:
            fail(("events", i, "date"), f"events[{i}].date", str(e))
        if month < 1:
            fail(
                ("events", i, "date"),
                f"events[{i}].date",
                f"{ev.date} is not after the start {values.start}: events fire from month 1 on",
            )
        events.append(ev.model_copy(update={"month": month}))
    return values.model_copy(update={"events": events})


def _where(loc: tuple[Any, ...], chain: list[Path]) -> tuple[Path | None, int | None]:
    """The first file of the chain (child first) that sets this key, and its line."""
    for p in chain:
        if _sets(p, loc):
            return p, _line_of(p, loc)
    for p in chain:  # a key no file sets itself (a cross-field check): the first file that mentions it
        line = _line_of(p, loc)
        if line:
            return p, line
    return (chain[0] if chain else None), None


def _sets(path: Path, loc: tuple[Any, ...]) -> bool:
    """Whether the file itself (not a parent) holds the key ``loc`` (an index matches any element)."""
    try:
        nodes: list[Any] = [tomllib.loads(path.read_text("utf-8"))]
    except (OSError, ValueError, RecursionError):
        return False
    for part in loc:
        if isinstance(part, int):
            nodes = [x for n in nodes if isinstance(n, list) for x in n]
        else:
            nodes = [n[part] for n in nodes if isinstance(n, dict) and part in n]
    return bool(nodes)


def _explain(err: dict[str, Any], chain: list[Path], overridden: set[str]) -> ScenarioError:
    loc = tuple(err["loc"])
    key = ".".join(str(x) if not isinstance(x, int) else f"[{x}]" for x in loc).replace(".[", "[")
    file, line = (None, None) if key in overridden else _where(loc, chain)
    decl = _declaration(loc)
    typ = err["type"]
    if typ == "extra_forbidden":
        options = _allowed_keys(loc[:-1])
        msg = f"unknown key{_did_you_mean(str(loc[-1]), options)}; allowed here: {', '.join(options)}"
    elif decl is not None:
        msg = f"{_show(err.get('input'))} is not allowed: must be {decl.allowed()} ({decl.unit})"
    else:
        msg = f"{_show(err.get('input'))} is not allowed: {err['msg'].lower()}"
    return ScenarioError(file, key, msg, line)


def _show(v: Any) -> str:
    if isinstance(v, dict):
        return "a table"
    return repr(v) if isinstance(v, str) else str(v).lower() if isinstance(v, bool) else str(v)


def _declaration(loc: tuple[Any, ...]) -> params.Param | None:
    key = ".".join(str(x) for x in loc)
    try:
        return params.by_name(key)
    except KeyError:
        return None


def _allowed_keys(loc: tuple[Any, ...]) -> list[str]:
    if not loc:
        return sorted(ScenarioValues.model_fields)
    if len(loc) == 1 and loc[0] in GROUP_MODELS:
        return sorted(GROUP_MODELS[loc[0]].model_fields)
    if loc[0] == "roster":
        return sorted(CustomMember.model_fields if len(loc) > 1 else Roster.model_fields)
    if loc[0] == "events":
        return sorted(Event.model_fields)
    return []


def _line_of(path: Path | None, loc: tuple[Any, ...]) -> int | None:
    """Best-effort line number of a key in a TOML file (tomllib does not report it)."""
    if path is None or not is_file(path):
        return None
    lines = path.read_text("utf-8").splitlines()
    names = [x for x in loc if not isinstance(x, int)]
    index = next((x for x in loc if isinstance(x, int)), None)
    if not names:
        return None
    key = names[-1]
    tables = names[:-1]
    header = ".".join(tables)
    section = ""
    seen = -1
    for n, text in enumerate(lines, 1):
        s = text.strip()
        m = re.match(r"^\[\[?\s*([^\]]+?)\s*\]\]?", s)
        if m:
            section = re.sub(r"\s*\.\s*", ".", m.group(1).replace('"', "").replace("'", ""))  # ["russia"], [ a . b ]
            if section == header and s.startswith("[["):
                seen += 1
            continue
        in_place = section == header and (index is None or seen == index)
        if in_place and re.match(rf"^[\"']?{re.escape(str(key))}[\"']?\s*=", s):
            return n
        if not header and not section and re.match(rf"^{re.escape(str(key))}\s*=", s):
            return n
        # dotted keys written inline: russia.noise = 0.1 or [russia] with noise, or events table lists
        if header and not section and re.match(rf"^{re.escape(header + '.' + str(key))}\s*=", s):
            return n
    if tables and index is None:
        for n, text in enumerate(lines, 1):
            if re.match(rf"^\[\s*{re.escape(header)}\s*\]", text.strip()):
                return n
    return None


def _resolve_roster(
    values: Any, chain: list[Path]
) -> tuple[tuple[MemberSpec, ...], dict[str, MemberSpec], tuple[MemberSpec, ...]]:
    r = values.roster
    data = dict(nato_2024()) if r.data == "nato_2024" else {}
    custom = {c.iso3: MemberSpec(**c.model_dump()) for c in r.custom}
    pool = {**data, **custom}
    for i, code in enumerate(r.members):
        if code not in pool:
            file, line = _where(("roster", "members"), chain)
            raise ScenarioError(
                file,
                f"roster.members[{i}]",
                f"unknown member code {code!r}{_did_you_mean(code, pool)}; known: {', '.join(sorted(pool))}",
                line,
            )
    chosen = [pool[c] for c in r.members] if r.members else [*data.values(), *custom.values()]
    if r.as_of:
        chosen = [m for m in chosen if m.joined <= r.as_of]
    if not chosen:
        file, line = _where(("roster",), chain)
        raise ScenarioError(
            file,
            "roster",
            "the roster has no members at month 0; name some in roster.members or add [[roster.custom]] entries",
            line,
        )
    codes = {m.iso3 for m in chosen}
    partners = []
    for i, code in enumerate(r.partners):
        file, line = _where(("roster", "partners"), chain)
        if code not in pool:
            raise ScenarioError(
                file,
                f"roster.partners[{i}]",
                f"unknown member code {code!r}{_did_you_mean(code, pool)}; known: {', '.join(sorted(pool))}",
                line,
            )
        if code in codes:
            raise ScenarioError(
                file,
                f"roster.partners[{i}]",
                f"{code} is already a member at month 0 (leave it out with roster.as_of or roster.members)",
                line,
            )
        partners.append(pool[code])
    return tuple(chosen), pool, tuple(partners)


def _check_cross_fields(
    values: Any,
    members: tuple[MemberSpec, ...],
    pool: dict[str, MemberSpec],
    partners: tuple[MemberSpec, ...],
    chain: list[Path],
) -> None:
    def fail(loc: tuple[Any, ...], key: str, msg: str) -> None:
        file, line = _where(loc, chain)
        raise ScenarioError(file, key, msg, line)

    lad = values.ladder
    if len(lad.names) != len(lad.thresholds) + 1:
        fail(
            ("ladder", "names"),
            "ladder.names",
            f"needs one name more than ladder.thresholds ({len(lad.thresholds) + 1}), has {len(lad.names)}",
        )
    t = lad.thresholds
    if not t or any(not (0 < x <= 1) for x in t) or any(b <= a for a, b in itertools.pairwise(t)):
        fail(
            ("ladder", "thresholds"),
            "ladder.thresholds",
            f"{t} is not allowed: must be strictly increasing numbers in (0, 1]",
        )
    if values.spillover.from_rung > len(t):
        fail(
            ("spillover", "from_rung"),
            "spillover.from_rung",
            f"{values.spillover.from_rung} is past the top rung {len(t)}",
        )
    present = {x.iso3 for x in members}
    donors = present | {x.iso3 for x in partners}
    for i, ev in sorted(enumerate(values.events), key=lambda t: t[1].month):
        loc = ("events", i, "month")
        if ev.month > values.steps:
            fail(
                loc,
                f"events[{i}].month",
                f"{ev.month} is past the horizon: must be in [1, {values.steps}] (steps = {values.steps})",
            )
        if ev.kind == "accession":
            if ev.member is None:
                fail(("events", i, "kind"), f"events[{i}].member", "an accession needs member = ISO3")
            if ev.member not in pool:
                fail(
                    ("events", i, "member"),
                    f"events[{i}].member",
                    f"unknown member code "
                    f"{ev.member!r}{_did_you_mean(ev.member, pool)}; known: {', '.join(sorted(pool))}",
                )
            if ev.member in present:
                fail(
                    ("events", i, "member"),
                    f"events[{i}].member",
                    f"{ev.member} is already a member at month 0 (use roster.as_of or roster.members to leave it out)",
                )
            present.add(ev.member)
            donors.add(ev.member)
        if ev.kind == "set":
            _check_set_event(ev, i, fail, donors)
        if ev.kind == "government":
            _check_government_event(ev, i, fail, donors)


def _check_government_event(ev: Event, i: int, fail: Any, donors: set[str]) -> None:
    """A government event gives one member or partner a new government: ``member`` and a stance ``value``."""
    if ev.member is None or ev.member not in donors:
        got = "no member" if ev.member is None else f"{ev.member!r}"
        fail(
            ("events", i, "member"),
            f"events[{i}].member",
            f"a government event needs member = ISO3 of a member or partner at that month; got {got}"
            f"{_did_you_mean(str(ev.member), donors) if ev.member else ''}; present: {', '.join(sorted(donors))}",
        )
    v, (lo, hi) = ev.value, STANCE_RANGE
    if isinstance(v, bool) or not isinstance(v, int | float) or not (lo <= v <= hi):
        fail(
            ("events", i, "value"),
            f"events[{i}].value",
            f"{v} is not allowed: a government's stance must be a number in [{lo:g}, {hi:g}] "
            "(-1 accommodating toward Russia, 0 mixed, +1 hawkish)",
        )
    if ev.key is not None:
        fail(("events", i, "key"), f"events[{i}].key", "a government event takes member and value, not key")


def _check_set_event(ev: Event, i: int, fail: Any, donors: set[str]) -> None:
    """A set event changes a policy lever (``parameters.LEVERS``) or a member's own lever; nothing else."""
    settable = params.MEMBER_LEVERS if ev.member is not None else params.LEVERS
    if ev.member is not None and ev.member not in donors:
        fail(
            ("events", i, "member"),
            f"events[{i}].member",
            f"{ev.member!r} is not a member or partner at that month{_did_you_mean(ev.member, donors)}; "
            f"present: {', '.join(sorted(donors))}",
        )
    if ev.key not in settable:
        what = f"on a member ({ev.member})" if ev.member is not None else "mid-run"
        fail(
            ("events", i, "key"),
            f"events[{i}].key",
            f"{ev.key!r} cannot be set {what}{_did_you_mean(str(ev.key), settable)}; allowed: {', '.join(settable)}",
        )
    p = params.by_name(ev.key)
    v = ev.value
    if isinstance(v, bool) or not isinstance(v, int | float) or not (p.low <= v <= p.high):
        fail(("events", i, "value"), f"events[{i}].value", f"{v} is not allowed: must be {p.allowed()}")


# ---------------------------------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------------------------------


def to_toml(scenario: Scenario) -> str:
    """The resolved scenario as a TOML document that loads back to the same scenario."""
    d = scenario.to_dict()
    lines = [f"# Resolved scenario {scenario.name!r}: every parameter, no extends."]
    tables = {k: v for k, v in d.items() if isinstance(v, dict)}
    arrays = {k: v for k, v in d.items() if isinstance(v, list) and v and isinstance(v[0], dict)}
    for k, v in d.items():
        if k not in tables and k not in arrays and not (isinstance(v, list) and not v):
            lines.append(f"{k} = {_toml_value(v)}")
    for name, table in tables.items():
        sub_arrays = {k: v for k, v in table.items() if isinstance(v, list) and v and isinstance(v[0], dict)}
        lines += ["", f"[{name}]"]
        lines += [f"{k} = {_toml_value(v)}" for k, v in table.items() if k not in sub_arrays]
        for k, items in sub_arrays.items():
            for item in items:
                lines += ["", f"[[{name}.{k}]]"] + [f"{kk} = {_toml_value(vv)}" for kk, vv in item.items()]
    for name, items in arrays.items():
        for item in items:
            lines += ["", f"[[{name}]]"] + [f"{k} = {_toml_value(v)}" for k, v in item.items()]
    return "\n".join(lines) + "\n"


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isinf(v) or math.isnan(v):
            raise ValueError("TOML scenario values must be finite")
        return repr(v)
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(v, list):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    raise TypeError(f"cannot write {type(v).__name__} to TOML")
