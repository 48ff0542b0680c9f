"""Sourced, non-aid facts about each member: interests, election calendar and neighbour network.

Three small tables in ``simulation/data/`` (sources, rules and caveats in ``simulation/data/SOURCES.md``):

- ``member_interests.csv``: one row per roster member: pre-war dependence on Russian gas and oil,
  the public's support for sanctions on Russia in spring 2022, Soviet-bloc history flags and the
  government's stance at the start of 2022 (-1 accommodating, 0 mixed, +1 hawkish);
- ``member_elections.csv``: the national elections that decide the government, 2022-2027 (dates and
  kinds only, never results);
- ``member_network.csv``: undirected edges between members: land borders, sea neighbours and regional
  groups (``group:<name>``).

No figure here comes from aid data: which members give most is a held-out test of the member rules.
Every numeric cell is filled; a cell that is not a sourced figure is flagged (``*_imputed``) and its
``*_source`` starts with ``imputed:`` and names the rule. This module is in the engine layer: it
reads the CSVs with the standard library and builds arrays with numpy only.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources

import numpy as np

from simulation.calendar import parse_month

__all__ = [
    "EDGE_KINDS",
    "ELECTION_KINDS",
    "ELECTION_STATUSES",
    "STANCES",
    "ElectionSpec",
    "Interests",
    "adjacency",
    "elections",
    "elections_between",
    "interest_array",
    "member_interests",
    "neighbour_edges",
    "neighbours",
]

#: Government stance at the start of 2022: accommodating toward Russia, mixed/neutral, hawkish.
STANCES = (-1, 0, 1)
#: Kinds of election that decide the government (``congressional`` is the US House and Senate vote).
ELECTION_KINDS = ("parliamentary", "presidential", "congressional")
#: ``held`` took place; ``scheduled`` has a fixed or legally bounded date; ``expected`` has an assumed month.
ELECTION_STATUSES = ("held", "scheduled", "expected")
#: Geographic edge kinds; the other kinds are ``group:<name>`` (see :func:`neighbour_edges`).
EDGE_KINDS = ("land", "sea")
#: First and last year an election may fall in.
ELECTION_YEARS = (2022, 2027)


def _rows(name: str) -> list[dict[str, str]]:
    text = resources.files("simulation").joinpath(f"data/{name}").read_text("utf-8")
    return list(csv.DictReader(text.splitlines()))


def _flag(value: str) -> bool:
    if value not in ("0", "1"):
        raise ValueError(f"expected a 0/1 flag, got {value!r}")
    return value == "1"


def _share(value: str) -> float:
    x = float(value)
    if not 0.0 <= x <= 1.0:  # also rejects NaN
        raise ValueError(f"expected a share in [0, 1], got {value!r}")
    return x


@dataclass(frozen=True)
class Interests:
    """One member's sourced, non-aid disposition data (one row of ``member_interests.csv``).

    Shares are in [0, 1]. Each ``*_source`` is a short key explained in SOURCES.md; a key that starts
    with ``imputed:`` names the imputation rule, and the matching ``*_imputed`` flag is True.

    Attributes:
        iso3: ISO 3166-1 alpha-3 code, as in the roster.
        eu_member_2022: member of the European Union in 2022.
        gas_import_share_russia: Russia's share of the member's natural gas imports or supply before the
            war (2020-2021 vintages; see SOURCES.md), 0 for members that import none.
        gas_source: source key of the gas figure.
        gas_imputed: the gas figure is imputed, not sourced.
        oil_import_share_russia: Russia's share of the member's oil imports before the war (2020-2021).
        oil_source: source key of the oil figure.
        oil_imputed: the oil figure is imputed, not sourced.
        public_sanctions_support_2022: share of the public approving economic sanctions on Russia,
            Eurobarometer, April-May 2022 (primary measure; other rows imputed by the stated rules).
        public_source: source key of the public-opinion figure.
        public_imputed: the public-opinion figure is imputed, not measured for this member in spring 2022.
        pew_russia_unfavourable_2022: share with an unfavourable view of Russia, Pew Research Center
            spring 2022 (secondary measure; None where Pew did not poll).
        warsaw_pact_former: a former Warsaw Pact state (Germany's former GDR is not counted).
        soviet_republic_former: a former Soviet republic (the Baltic states, occupied 1940-1991).
        communist_regime_former: any former communist regime (the above, former Yugoslavia, Albania).
        government_stance_2022: the government's stance toward Russia in January-February 2022: -1
            accommodating, 0 mixed or neutral, +1 hawkish.
        stance_source: source key of the stance.
        stance_note: one-line justification of the stance.
    """

    iso3: str
    eu_member_2022: bool
    gas_import_share_russia: float
    gas_source: str
    gas_imputed: bool
    oil_import_share_russia: float
    oil_source: str
    oil_imputed: bool
    public_sanctions_support_2022: float
    public_source: str
    public_imputed: bool
    pew_russia_unfavourable_2022: float | None
    warsaw_pact_former: bool
    soviet_republic_former: bool
    communist_regime_former: bool
    government_stance_2022: int
    stance_source: str
    stance_note: str

    @property
    def imputed_fields(self) -> tuple[str, ...]:
        """Names of the numeric fields of this row that are imputed rather than sourced."""
        flags = (
            ("gas_import_share_russia", self.gas_imputed),
            ("oil_import_share_russia", self.oil_imputed),
            ("public_sanctions_support_2022", self.public_imputed),
        )
        return tuple(name for name, imputed in flags if imputed)


@dataclass(frozen=True)
class ElectionSpec:
    """One national election that decides the government (one row of ``member_elections.csv``).

    Attributes:
        iso3: the member.
        year: calendar year.
        month: calendar month (1-12) of the vote (of its first round when there are two).
        kind: one of :data:`ELECTION_KINDS`.
        status: one of :data:`ELECTION_STATUSES`.
        note: exact day(s) and context; never the result.
    """

    iso3: str
    year: int
    month: int
    kind: str
    status: str
    note: str

    @property
    def date(self) -> str:
        """The election month as ``YYYY-MM``."""
        return f"{self.year:04d}-{self.month:02d}"

    def months_after(self, start: str) -> int:
        """Months from ``start`` (``YYYY-MM``) to this election, e.g. 7 for ``2022-09`` after ``2022-02``."""
        y0, m0 = parse_month(start)
        return (self.year - y0) * 12 + (self.month - m0)


@cache
def member_interests() -> dict[str, Interests]:
    """The 32 members' interest data, keyed by ISO3 in roster order (see SOURCES.md).

    Returns:
        A dict ISO3 -> :class:`Interests`; every numeric field is filled (imputed ones are flagged).

    Raises:
        ValueError: if a cell is malformed (a share outside [0, 1], a bad flag or stance).
    """
    out: dict[str, Interests] = {}
    for row in _rows("member_interests.csv"):
        stance = int(row["government_stance_2022"])
        if stance not in STANCES:
            raise ValueError(f"{row['iso3']}: stance {stance} not in {STANCES}")
        pew = row["pew_russia_unfavourable_2022"]
        out[row["iso3"]] = Interests(
            iso3=row["iso3"],
            eu_member_2022=_flag(row["eu_member_2022"]),
            gas_import_share_russia=_share(row["gas_import_share_russia"]),
            gas_source=row["gas_source"],
            gas_imputed=_flag(row["gas_imputed"]),
            oil_import_share_russia=_share(row["oil_import_share_russia"]),
            oil_source=row["oil_source"],
            oil_imputed=_flag(row["oil_imputed"]),
            public_sanctions_support_2022=_share(row["public_sanctions_support_2022"]),
            public_source=row["public_source"],
            public_imputed=_flag(row["public_imputed"]),
            pew_russia_unfavourable_2022=_share(pew) if pew else None,
            warsaw_pact_former=_flag(row["warsaw_pact_former"]),
            soviet_republic_former=_flag(row["soviet_republic_former"]),
            communist_regime_former=_flag(row["communist_regime_former"]),
            government_stance_2022=stance,
            stance_source=row["stance_source"],
            stance_note=row["stance_note"],
        )
    return out


def interest_array(field: str, order: Sequence[str]) -> np.ndarray:
    """One numeric field of :class:`Interests` as a float array over ``order`` (e.g. the donor order).

    Args:
        field: a numeric or boolean field name, e.g. ``"gas_import_share_russia"`` or
            ``"government_stance_2022"``; booleans become 0.0/1.0.
        order: ISO3 codes; each must be a member.

    Returns:
        A float array of ``len(order)`` values (NaN for a missing secondary measure, e.g. Pew).

    Raises:
        KeyError: if a code is not a member.
        ValueError: if ``field`` is not a numeric or boolean field.
    """
    rows = member_interests()
    values = []
    for code in order:
        v = getattr(rows[code], field, "")
        if isinstance(v, str):
            raise ValueError(f"{field!r} is not a numeric field of Interests")
        values.append(np.nan if v is None else float(v))
    return np.asarray(values, dtype=float)


@cache
def elections() -> dict[str, tuple[ElectionSpec, ...]]:
    """Each member's national elections 2022-2027, in date order, keyed by ISO3.

    Every member has at least one entry. Dates are inputs: the model draws the outcome.

    Raises:
        ValueError: if a date, kind or status is malformed or a year is outside 2022-2027.
    """
    found: dict[str, list[ElectionSpec]] = {}
    for row in _rows("member_elections.csv"):
        year, month = parse_month(row["date"])
        if not ELECTION_YEARS[0] <= year <= ELECTION_YEARS[1]:
            raise ValueError(f"{row['iso3']} {row['date']}: outside {ELECTION_YEARS}")
        if row["kind"] not in ELECTION_KINDS or row["status"] not in ELECTION_STATUSES:
            raise ValueError(f"{row['iso3']} {row['date']}: bad kind {row['kind']!r} or status {row['status']!r}")
        spec = ElectionSpec(row["iso3"], year, month, row["kind"], row["status"], row["note"])
        found.setdefault(spec.iso3, []).append(spec)
    return {k: tuple(sorted(v, key=lambda e: (e.year, e.month, e.kind))) for k, v in found.items()}


def elections_between(start: str, end: str) -> tuple[ElectionSpec, ...]:
    """All members' elections from ``start`` to ``end`` (``YYYY-MM``, inclusive), in date order."""
    lo, hi = parse_month(start), parse_month(end)
    every = (e for specs in elections().values() for e in specs)
    return tuple(sorted((e for e in every if lo <= (e.year, e.month) <= hi), key=lambda e: (e.year, e.month, e.iso3)))


@cache
def neighbour_edges() -> tuple[tuple[str, str, str], ...]:
    """Undirected member edges ``(a, b, kind)`` with ``a < b``, each pair once per kind.

    ``kind`` is ``land`` (shared land border), ``sea`` (coast on the same sea, rule in SOURCES.md) or
    ``group:<name>`` (both in a regional group, e.g. ``group:bucharest_nine``).
    """
    return tuple((r["a"], r["b"], r["kind"]) for r in _rows("member_network.csv"))


def _selected(kinds: Iterable[str] | None) -> list[tuple[str, str, str]]:
    edges = neighbour_edges()
    if kinds is None:
        return list(edges)
    wanted = set(kinds)
    return [e for e in edges if e[2] in wanted or ("group" in wanted and e[2].startswith("group:"))]


def neighbours(iso3: str, kinds: Iterable[str] | None = None) -> frozenset[str]:
    """The members linked to ``iso3`` by an edge of one of ``kinds`` (all kinds if None).

    ``kinds`` may name ``land``, ``sea``, a ``group:<name>``, or ``group`` for every group.
    """
    out = set()
    for a, b, _ in _selected(kinds):
        if a == iso3:
            out.add(b)
        elif b == iso3:
            out.add(a)
    return frozenset(out)


def adjacency(order: Sequence[str], kinds: Iterable[str] | None = None) -> np.ndarray:
    """Symmetric 0/1 matrix over ``order`` (e.g. the model's donor order): 1 where an edge of ``kinds`` links two.

    Args:
        order: ISO3 codes giving the rows and columns; codes without edges get empty rows.
        kinds: as in :func:`neighbours` (None means every kind).

    Returns:
        A float array of shape ``(len(order), len(order))`` with a zero diagonal.
    """
    index = {c: i for i, c in enumerate(order)}
    a = np.zeros((len(order), len(order)))
    for x, y, _ in _selected(kinds):
        if x in index and y in index:
            a[index[x], index[y]] = a[index[y], index[x]] = 1.0
    return a
