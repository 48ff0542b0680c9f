"""Integrity of the member tables: interests, elections, neighbour network (simulation/member_data.py)."""

import csv
import math
import re
from importlib import resources
from pathlib import Path

import numpy as np
import pytest

from simulation import member_data as md
from simulation.roster import nato_2024

DATA = Path(__file__).resolve().parents[1] / "simulation" / "data"
ROSTER = list(nato_2024())
MEMBER_FILES = ("member_interests.csv", "member_elections.csv", "member_network.csv")
#: The held-out rule: no aid data may feed a member parameter (word-boundary match, case-insensitive).
AID_WORDS = re.compile(r"\b(aid|aids|kiel|ukraine support tracker|donat\w*|pledg\w*|assistance)\b", re.I)


def rows(name):
    with open(DATA / name, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_every_roster_member_has_one_interests_row():
    codes = [r["iso3"] for r in rows("member_interests.csv")]
    assert sorted(codes) == sorted(ROSTER)
    assert len(codes) == len(set(codes)) == 32
    assert list(md.member_interests()) == ROSTER  # same order as the roster


def test_interests_values_are_in_range_and_typed():
    for m in md.member_interests().values():
        for x in (m.gas_import_share_russia, m.oil_import_share_russia, m.public_sanctions_support_2022):
            assert isinstance(x, float) and 0.0 <= x <= 1.0 and not math.isnan(x)
        assert m.pew_russia_unfavourable_2022 is None or 0.0 <= m.pew_russia_unfavourable_2022 <= 1.0
        assert m.government_stance_2022 in md.STANCES
        assert m.stance_note and m.stance_source
        # history flags nest: a Soviet republic or Warsaw Pact state had a communist regime
        if m.soviet_republic_former or m.warsaw_pact_former:
            assert m.communist_regime_former


def test_only_flagged_cells_are_imputed_and_no_cell_is_empty():
    for r in rows("member_interests.csv"):
        for col, value in r.items():
            if col != "pew_russia_unfavourable_2022":  # secondary measure: blank where Pew did not poll
                assert value != "", (r["iso3"], col)
        for field in ("gas", "oil", "public"):
            imputed = r[f"{field}_imputed"] == "1"
            assert imputed == r[f"{field}_source"].startswith("imputed:"), (r["iso3"], field)


def test_imputed_fields_property_matches_the_flags():
    m = md.member_interests()
    assert m["HUN"].imputed_fields == ("public_sanctions_support_2022",)
    assert m["POL"].imputed_fields == ()
    n_imputed = sum(len(x.imputed_fields) for x in m.values())
    assert 0 < n_imputed < 3 * 32


def test_stances_that_must_hold():
    """Hungary and Turkey were sourced with care; the Baltic states were hawkish before the invasion."""
    m = md.member_interests()
    assert m["HUN"].government_stance_2022 == -1
    assert m["TUR"].government_stance_2022 == 0
    assert all(m[c].government_stance_2022 == 1 for c in ("EST", "LVA", "LTU", "POL"))


def test_history_flags():
    m = md.member_interests()
    assert {c for c, x in m.items() if x.soviet_republic_former} == {"EST", "LVA", "LTU"}
    assert {c for c, x in m.items() if x.warsaw_pact_former} == {"ALB", "BGR", "CZE", "HUN", "POL", "ROU", "SVK"}
    assert not m["DEU"].warsaw_pact_former  # the GDR is not counted; documented in SOURCES.md


def test_elections_cover_every_member_and_parse():
    e = md.elections()
    assert sorted(e) == sorted(ROSTER)
    for code, specs in e.items():
        assert specs, code
        assert list(specs) == sorted(specs, key=lambda s: (s.year, s.month, s.kind))
        for s in specs:
            assert 2022 <= s.year <= 2027 and 1 <= s.month <= 12
            assert s.kind in md.ELECTION_KINDS and s.status in md.ELECTION_STATUSES
            assert re.fullmatch(r"\d{4}-\d{2}", s.date)
    raw = rows("member_elections.csv")
    keys = [(r["iso3"], r["date"], r["kind"]) for r in raw]
    assert len(keys) == len(set(keys)), "an election listed twice"


def test_election_status_fits_the_date():
    """A held election took place by 2025; a scheduled or expected one lies in 2026-2027."""
    for specs in md.elections().values():
        for s in specs:
            if s.status == "held":
                assert (s.year, s.month) <= (2025, 12)
            else:
                assert (s.year, s.month) >= (2026, 1)


def test_election_helpers():
    e = md.elections()["USA"][0]
    assert e.date == "2022-11" and e.months_after("2022-02") == 9
    window = md.elections_between("2022-02", "2023-12")
    assert window and all((2022, 2) <= (s.year, s.month) <= (2023, 12) for s in window)
    assert [(s.year, s.month) for s in window] == sorted((s.year, s.month) for s in window)


def test_known_election_dates():
    assert md.elections()["HUN"][0].date == "2022-04"  # first in date order
    assert md.elections()["HUN"][-1].date == "2026-04"
    dates = {s.date for s in md.elections()["USA"]}
    assert {"2022-11", "2024-11", "2026-11"} <= dates
    assert "2022-04" in {s.date for s in md.elections()["FRA"] if s.kind == "presidential"}


def test_network_is_undirected_unique_and_known():
    edges = md.neighbour_edges()
    assert edges
    known = set(ROSTER)
    seen = set()
    for a, b, kind in edges:
        assert a in known and b in known and a < b, (a, b)
        assert kind in md.EDGE_KINDS or re.fullmatch(r"group:[a-z_]+", kind), kind
        assert (a, b, kind) not in seen
        seen.add((a, b, kind))


def test_land_edges_match_the_roster_frontline_geography():
    land = {(a, b) for a, b, k in md.neighbour_edges() if k == "land"}
    for pair in [("DEU", "POL"), ("CAN", "USA"), ("EST", "LVA"), ("HUN", "ROU"), ("BGR", "TUR"), ("ESP", "PRT")]:
        assert pair in land
    assert not any("ISL" in p or "GBR" in p for p in land)  # islands with no member land border


def test_groups_have_their_sourced_members():
    def members(group):
        return {c for e in md.neighbour_edges() if e[2] == f"group:{group}" for c in e[:2]}

    assert members("visegrad_four") == {"CZE", "HUN", "POL", "SVK"}
    assert members("weimar_triangle") == {"DEU", "FRA", "POL"}
    assert members("bucharest_nine") == {"BGR", "CZE", "EST", "HUN", "LVA", "LTU", "POL", "ROU", "SVK"}
    assert members("nordic_baltic_eight") == {"DNK", "EST", "FIN", "ISL", "LVA", "LTU", "NOR", "SWE"}


def test_every_member_has_a_neighbour_and_adjacency_is_symmetric():
    a = md.adjacency(ROSTER)
    assert a.shape == (32, 32)
    assert np.array_equal(a, a.T) and not a.diagonal().any()
    assert (a.sum(axis=1) > 0).all()
    geo = md.adjacency(ROSTER, kinds=("land", "sea"))
    assert (geo <= a).all() and geo.sum() < a.sum()
    assert md.neighbours("LTU", kinds=("land",)) == {"LVA", "POL"}
    assert "HUN" in md.neighbours("POL", kinds=("group",))


def test_interest_array_follows_the_order():
    order = ["USA", "HUN", "EST"]
    stance = md.interest_array("government_stance_2022", order)
    assert stance.tolist() == [1.0, -1.0, 1.0]
    pew = md.interest_array("pew_russia_unfavourable_2022", order)
    assert pew[0] == pytest.approx(0.92) and np.isnan(pew[1])
    assert md.interest_array("soviet_republic_former", order).tolist() == [0.0, 0.0, 1.0]
    with pytest.raises(ValueError):
        md.interest_array("stance_note", order)
    with pytest.raises(KeyError):
        md.interest_array("gas_import_share_russia", ["XXX"])


def test_no_column_or_source_mentions_aid():
    """Guard for the held-out rule: no aid figure, name or source feeds these tables."""
    for name in MEMBER_FILES:
        text = (DATA / name).read_text("utf-8")
        header = text.splitlines()[0]
        assert not AID_WORDS.search(header), (name, header)
        for r in rows(name):
            for col in ("gas_source", "oil_source", "public_source", "stance_source", "stance_note", "detail", "note"):
                if col in r:
                    assert not AID_WORDS.search(r[col]), (name, r.get("iso3") or r.get("a"), col, r[col])
    for word in ("Kiel", "Support Tracker"):
        assert word not in member_sources(), word


def member_sources():
    """The SOURCES.md sections about the member tables (from the first to the next other section)."""
    text = (DATA / "SOURCES.md").read_text("utf-8")
    start = text.index("# SOURCES — member_interests.csv")
    out = []
    for block in re.split(r"(?m)^(?=# SOURCES — )", text[start:]):
        if not block:
            continue
        if not any(block.startswith(f"# SOURCES — {n}") for n in MEMBER_FILES):
            break
        out.append(block)
    return "".join(out)


def test_every_source_key_is_documented():
    text = member_sources()
    keys = set()
    for r in rows("member_interests.csv"):
        keys |= {r["gas_source"], r["oil_source"], r["public_source"], r["stance_source"]}
    missing = sorted(k for k in keys if f"`{k}`" not in text)
    assert not missing, missing


def test_loader_reads_package_resources():
    text = resources.files("simulation").joinpath("data/member_interests.csv").read_text("utf-8")
    assert text.startswith("iso3,")
    assert md.member_interests() is md.member_interests()  # cached


@pytest.mark.parametrize("name", MEMBER_FILES)
def test_tables_have_no_trailing_whitespace_or_blank_lines(name):
    for line in (DATA / name).read_text("utf-8").splitlines():
        assert line and line == line.strip()
