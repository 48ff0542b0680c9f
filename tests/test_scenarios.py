"""Checks every shipped scenario must pass (parametrized over scenarios/*.toml)."""

import numpy as np
import pytest
from conftest import SCENARIO_FILES

from simulation import load_scenario, run_scenario
from simulation.metrics import MEMBER_COLUMNS, STEP_COLUMNS, SUMMARY_COLUMNS
from simulation.scenario import to_toml

UNIT = [
    "escalation_intensity",
    "russia_threat_perception",
    "alliance_effort",
    "alliance_cohesion",
    "deterrence_credibility",
    "deterrence_signal",
    "ukraine_capacity",
    "territory_held",
    "alliance_threat_perception",
    "russia_force",
]
MEMBER_UNIT = ["resolve", "threat_perception", "stockpile", "posture", "fatigue"]


def test_every_required_scenario_is_shipped(shipped):
    required = {
        "baseline",
        "high_aid_united",
        "high_aid_divided",
        "low_aid_united",
        "low_aid_divided",
        "aid_fatigue",
        "hair_trigger",
        "diplomacy_first",
        "expansion",
        "classroom",
        "richardson",
    }
    assert required <= set(shipped)


@pytest.mark.parametrize("path", SCENARIO_FILES, ids=lambda p: p.stem)
@pytest.mark.parametrize("seed", [11, 12])
def test_scenario_runs_24_months_within_bounds(path, seed):
    sc = load_scenario(path)
    assert sc.values.description, "every shipped scenario has a one-line description"
    r = run_scenario(sc, seed=seed, steps=24)
    s = r.steps
    dated = ["month", "date", *STEP_COLUMNS[1:]]  # a scenario with a start has a date column after month
    assert list(s.columns) == (dated if sc.values.start else list(STEP_COLUMNS))
    assert s["month"].tolist() == list(range(25))
    for c in UNIT:
        assert s[c].between(0, 1).all(), c
    top = len(sc.values.ladder.thresholds)
    assert s["escalation_rung"].between(0, top).all()
    assert (s["aid_total"] >= 0).all() and (s[["aid_lethal", "aid_nonlethal", "aid_training"]] >= 0).all().all()
    np.testing.assert_allclose(s["aid_total"], s["aid_lethal"] + s["aid_nonlethal"] + s["aid_training"])
    assert s["spillover_incidents"].is_monotonic_increasing
    assert not (s["negotiating"] & s["ceasefire"]).any()
    m = r.members
    assert list(m.columns) == list(MEMBER_COLUMNS)
    for c in MEMBER_UNIT:
        assert m[c].between(0, 1).all(), c
    # one row per donor and month: the members, and partners (donors not yet members) on top
    rows = m.groupby("month").size()
    members = s.set_index("month")["member_count"]
    assert (rows >= members).all() and len(m) == members.sum() + len(sc.partners) * 25 - _joined_partner_months(r, sc)
    assert set(SUMMARY_COLUMNS) <= set(r.summary)
    assert list(r.events.columns) == ["month", "actor", "kind", "description"]
    assert r.events["month"].between(1, 24).all()


def _joined_partner_months(r, sc) -> int:
    """Rows a partner stops adding once it joins (it is counted in member_count from then on)."""
    partners = {x.iso3 for x in sc.partners}
    joins = [(e.month, e.member) for e in sc.values.events if e.kind == "accession" and e.member in partners]
    return sum(25 - month for month, _ in joins if month <= 24)


@pytest.mark.parametrize("path", SCENARIO_FILES, ids=lambda p: p.stem)
def test_resolved_scenario_round_trips(path, write):
    sc = load_scenario(path)
    again = load_scenario(write(to_toml(sc)))
    assert again.to_dict() == sc.to_dict()
    assert [m.iso3 for m in again.members] == [m.iso3 for m in sc.members]
