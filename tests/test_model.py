"""Model internals that the tables rely on."""

import numpy as np

from simulation import EscalationModel, run_scenario


def test_member_history_is_a_snapshot():
    """The member table keeps references to each month's arrays; no later month may change them."""
    model = EscalationModel("hair_trigger", rng=4)
    live = []
    for _ in range(60):
        model.step()
        live.append([(a.resolve, a.threat_perception, a.stockpile, a.aid_lethal) for a in model.member_agents])
    assert model.spillover_incidents > 0, "the check needs spillover incidents (in-place risk)"
    table = model.member_table()
    for month in (1, 30, 60):
        rows = table["month"] == month
        got = np.column_stack([table[c][rows] for c in ("resolve", "threat_perception", "stockpile", "aid_lethal")])
        np.testing.assert_array_equal(got, np.array(live[month - 1]))


def test_accession_adds_an_agent_and_a_column():
    model = EscalationModel("expansion", rng=1)
    n0 = len(model.member_agents)
    for _ in range(12):  # Finland joins at the end of month 12
        model.step()
    assert len(model.member_agents) == n0 + 1 == len(model.m.gdp)
    assert model.member_agents[-1].iso3 == "FIN"
    assert model.member_agents[-1].resolve == model.params.members.initial_resolve


def test_summary_matches_the_step_table():
    r = run_scenario("hair_trigger", seed=3, steps=60)
    s = r.steps[r.steps["month"] > 0]
    assert r.summary["peak_rung"] == s["escalation_rung"].max()
    assert r.summary["months_at_or_above_rung_6"] == (s["escalation_rung"] >= 6).sum()
    hit = s.loc[s["escalation_rung"] >= 5, "month"]
    assert r.summary["first_month_at_rung_5"] == (hit.iloc[0] if len(hit) else None)
    assert r.summary["cumulative_aid"] == s["aid_total"].sum()
