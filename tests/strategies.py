"""Hypothesis builders shared by the property tests (STYLE.md: one module, known cases pinned)."""

import math

from hypothesis import strategies as st

from simulation import parameters

#: Every declared numeric parameter a scenario may set (the horizon is the test's to choose).
NUMERIC = [p for p in parameters.PARAMETERS if p.numeric and p.key != "steps"]


def value_of(p: parameters.Param) -> st.SearchStrategy:
    """A value in the declared range, with the bounds themselves drawn often (corners find bugs)."""
    if p.kind is int:
        return st.one_of(st.sampled_from([int(p.low), int(p.high)]), st.integers(int(p.low), int(p.high)))
    return st.one_of(
        st.sampled_from([float(p.low), float(p.high)]), st.floats(float(p.low), float(p.high), allow_nan=False)
    )


@st.composite
def overrides(draw: st.DrawFn, max_size: int = 12) -> dict:
    """A dict of dotted-key overrides: a random handful of declared parameters at random legal values."""
    chosen = draw(st.lists(st.sampled_from(NUMERIC), min_size=1, max_size=max_size, unique_by=lambda p: p.key))
    return {p.key: draw(value_of(p)) for p in chosen}


# ---------------------------------------------------------------------------------------------------
# Hostile definition files: random keys, types, nesting, NaN and infinities, huge numbers, long
# strings and unicode, broken TOML. Built as Python documents, written as TOML by ``toml_text``.
# ---------------------------------------------------------------------------------------------------

#: Keys a scenario file knows (so that generated files reach deep into validation, not only the first key).
SCENARIO_KEYS = sorted(
    {p.name for p in parameters.PARAMETERS if not p.group}
    | set(parameters.GROUPS)
    | {"extends", "events", "roster", "inherit_events", "name", "start", "description"}
)
GROUP_KEYS = {g: sorted(p.name for p in parameters.PARAMETERS if p.group == g) for g in parameters.GROUPS}
EVENT_KEYS = ["month", "date", "kind", "member", "size", "key", "value", "note"]
ROSTER_KEYS = ["data", "members", "as_of", "custom", "partners"]
EXPERIMENT_KEYS = {
    "experiment": [
        "name",
        "description",
        "scenario",
        "replications",
        "steps",
        "seed",
        "chunk_size",
        "common_random_numbers",
    ],
    "design": ["kind", "samples", "scenarios", "parameters", "all_parameters", "second_order", "levels"],
}
CALIBRATION_KEYS = {
    "calibration": [
        "name",
        "description",
        "scenario",
        "seed",
        "population",
        "generations",
        "min_epsilon",
        "min_acceptance",
        "max_simulations",
        "epsilon_quantile",
        "distance_p",
        "window",
        "chunk_size",
        "predictive_replications",
    ],
    "statistics": ["territory", "aid", "nuclear_signal", "no_direct_clash"],
}
NAMES = ["baseline", "classroom", "history", "nope", "", "../../etc/passwd", "a" * 300]

#: Text that is hard on a message: unicode of every plane, control characters, long runs.
hostile_text = st.one_of(
    st.text(max_size=12),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=40),
    st.sampled_from(["\n", "line\nbreak", "\x00", "\u202e", "💥", "名前", "a" * 5000, "%s%n{0}", "'\"\\"]),
)

#: Numbers a validator must refuse or survive: NaN, infinities, the largest floats and integers past 64 bits.
hostile_number = st.one_of(
    st.sampled_from(
        [
            math.nan,
            math.inf,
            -math.inf,
            1e308,
            -1e308,
            5e-324,
            0.0,
            -0.0,
            2**63 - 1,
            -(2**63),
            2**70,
            10**30,
            0,
            -1,
            1,
            10**9,
        ]
    ),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
)

hostile_scalar = st.one_of(hostile_number, hostile_text, st.booleans())


def hostile_value(depth: int = 3) -> st.SearchStrategy:
    """A scalar, or arrays and tables of them nested up to ``depth`` levels."""
    if depth <= 0:
        return hostile_scalar
    inner = hostile_value(depth - 1)
    return st.one_of(
        hostile_scalar,
        st.lists(inner, max_size=4),
        st.dictionaries(st.one_of(hostile_text, st.sampled_from(SCENARIO_KEYS)), inner, max_size=3),
    )


# Strategies are built once, at import: building them inside a draw costs hypothesis a validation each time.
_VALUE_1, _VALUE_2 = hostile_value(1), hostile_value(2)


def _table(keys: list[str], legal: dict[str, st.SearchStrategy] | None = None) -> st.SearchStrategy:
    """A table whose keys are mostly known ones, with hostile or (sometimes) legal values."""
    legal = legal or {}

    @st.composite
    def build(draw: st.DrawFn) -> dict:
        chosen = draw(st.lists(st.one_of(st.sampled_from(keys), hostile_text), max_size=6, unique=True))
        out = {}
        for k in chosen:
            if k in legal and draw(st.booleans()):
                out[k] = draw(legal[k])
            else:
                out[k] = draw(_VALUE_2)
        return out

    return build()


_TOP_TABLE = _table(
    SCENARIO_KEYS, {**{p.name: value_of(p) for p in NUMERIC if not p.group}, "extends": st.sampled_from(NAMES)}
)
_GROUP_TABLES = {
    g: _table(GROUP_KEYS[g] or ["x"], {p.name: value_of(p) for p in NUMERIC if p.group == g}) for g in GROUP_KEYS
}
_EVENTS = st.lists(
    _table(
        EVENT_KEYS,
        {
            "kind": st.sampled_from(["accession", "aid_package", "talks", "set", "government", "x"]),
            "month": st.integers(-5, 10**6),
            "member": st.sampled_from(["FIN", "SWE", "USA", "XXX"]),
        },
    ),
    max_size=3,
)
_ROSTER = _table(ROSTER_KEYS, {"members": st.lists(st.sampled_from(["USA", "FRA", "GER"]))})


@st.composite
def scenario_documents(draw: st.DrawFn) -> dict:
    """A scenario file's content: known and unknown keys, legal and hostile values, tables and events."""
    doc = draw(_TOP_TABLE)
    for group in draw(st.lists(st.sampled_from(sorted(GROUP_KEYS)), max_size=2, unique=True)):
        doc[group] = draw(_GROUP_TABLES[group])
    if draw(st.booleans()):
        doc["events"] = draw(_EVENTS)
    if draw(st.booleans()):
        doc["roster"] = draw(_ROSTER)
    return doc


def _definition(sections: dict[str, list[str]], legal: dict[str, dict[str, st.SearchStrategy]]) -> st.SearchStrategy:
    names = [*sections, "overrides", "parameters"]
    tables = {name: _table(sections.get(name, SCENARIO_KEYS), legal.get(name)) for name in names}

    @st.composite
    def build(draw: st.DrawFn) -> dict:
        doc = {}
        for name in draw(st.lists(st.sampled_from(names), max_size=4, unique=True)):
            doc[name] = draw(tables[name])
        if draw(st.booleans()):  # a stray top-level key
            doc[draw(hostile_text)] = draw(_VALUE_1)
        return doc

    return build()


#: Sizes a design may ask for: small, at the limits, far past them.
huge_count = st.sampled_from([0, 1, 2, 3, 16, 1000, 10**6, 10**7, 10**12, 2**63 - 1, -1])

experiment_documents = _definition(
    EXPERIMENT_KEYS,
    {
        "experiment": {
            "scenario": st.sampled_from(NAMES),
            "replications": huge_count,
            "steps": huge_count,
            "seed": hostile_number,
        },
        "design": {
            "kind": st.sampled_from(["grid", "lhs", "sobol", "scenarios", "saltelli", "morris", "x"]),
            "samples": huge_count,
            "parameters": st.dictionaries(
                st.sampled_from(["aid_level", "misperception", "bogus"]), hostile_value(2), max_size=2
            ),
        },
    },
)

calibration_documents = _definition(
    CALIBRATION_KEYS,
    {
        "calibration": {
            "scenario": st.sampled_from(NAMES),
            "population": huge_count,
            "generations": huge_count,
            "window": st.lists(st.sampled_from(["2022-02", "2023-12", "2024-06", "x", "2022-13"]), max_size=3),
        },
        "parameters": {
            "misperception": st.just({}),
            "russia_intent": st.dictionaries(
                st.sampled_from(["low", "high", "dist", "mean", "sd", "a", "b"]), hostile_scalar, max_size=3
            ),
        },
    },
)


def _toml_string(text: str) -> str:
    out = []
    for c in text:
        if c in '"\\':
            out.append("\\" + c)
        elif c.isprintable() and c not in "\u2028\u2029":
            out.append(c)
        else:
            out.append(f"\\u{ord(c):04x}" if ord(c) < 0x10000 else f"\\U{ord(c):08x}")
    return '"' + "".join(out) + '"'


def _toml_scalar(v: object) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf") if math.isinf(v) else repr(v)
    if isinstance(v, str):
        return _toml_string(v)
    if isinstance(v, list):
        return "[" + ", ".join(_toml_scalar(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{_toml_string(str(k))} = {_toml_scalar(x)}" for k, x in v.items()) + "}"
    raise TypeError(type(v))


def toml_text(doc: dict) -> str:
    """A document as TOML: top-level tables as [sections], arrays of tables as [[sections]], the rest inline."""
    lines = []
    tables = {k: v for k, v in doc.items() if isinstance(v, dict)}
    arrays = {k: v for k, v in doc.items() if isinstance(v, list) and v and all(isinstance(x, dict) for x in v)}
    for k, v in doc.items():
        if k not in tables and k not in arrays:
            lines.append(f"{_toml_string(k)} = {_toml_scalar(v)}")
    for k, v in tables.items():
        lines.append(f"[{_toml_string(k)}]")
        lines += [f"{_toml_string(str(kk))} = {_toml_scalar(vv)}" for kk, vv in v.items()]
    for k, items in arrays.items():
        for item in items:
            lines.append(f"[[{_toml_string(k)}]]")
            lines += [f"{_toml_string(str(kk))} = {_toml_scalar(vv)}" for kk, vv in item.items()]
    return "\n".join(lines) + "\n"


@st.composite
def broken(draw: st.DrawFn, text: str) -> str:
    """The text of a TOML file damaged: cut short, a byte flipped, junk inserted, a key repeated, nesting too deep."""
    how = draw(st.sampled_from(["cut", "insert", "repeat", "deep_array", "deep_table", "bytes"]))
    if how == "cut" and text:
        return text[: draw(st.integers(0, len(text) - 1))]
    if how == "insert":
        at = draw(st.integers(0, len(text)))
        return text[:at] + draw(st.sampled_from(["=", "[", "]]", '"', "\\", "\x00", "{", "\n[[", "= ="])) + text[at:]
    if how == "repeat":
        return text + text
    if how == "deep_array":
        n = draw(st.sampled_from([50, 500, 5000]))
        return f"aid_level = {'[' * n}1{']' * n}\n" + text
    if how == "deep_table":
        n = draw(st.sampled_from([50, 500, 5000]))
        return "x = " + "{a = " * n + "1" + "}" * n + "\n" + text
    return text + "\n" + draw(st.binary(max_size=20)).decode("latin-1")
