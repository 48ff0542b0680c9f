"""Properties over the whole declared parameter space: any legal scenario runs and stays in bounds."""

import numpy as np
from hypothesis import HealthCheck, example, given, settings
from strategies import overrides

from simulation import run_scenario


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ov=overrides())
@example(ov={"members.capacity_share": 0.0})  # no aid capacity at all: was a division by zero
@example(ov={"members.edge_group": 5e-324})  # 1 / (a denormal degree) overflowed: the neighbours' mean was NaN
@example(ov={"richardson.response": 0.001, "richardson.restraint_russia": 5.0, "richardson.restraint_alliance": 5.0})
@example(ov={"members.lethal_base": 0.9, "members.lethal_hawk": 0.9, "members.training_share": 0.5})
def test_any_legal_scenario_runs_and_stays_in_bounds(ov):
    r = run_scenario("classroom", seed=3, steps=24, overrides=ov)
    s = r.steps
    for c in (
        "escalation_intensity",
        "russia_threat_perception",
        "alliance_effort",
        "alliance_cohesion",
        "territory_held",
        "ukraine_capacity",
        "deterrence_signal",
    ):
        assert s[c].between(0, 1).all(), c
    assert np.isfinite(s.select_dtypes("number").to_numpy(dtype=float)).all()
    m = r.members
    assert (m[["aid_lethal", "aid_nonlethal", "aid_training"]] >= -1e-12).all().all()
    assert m["stockpile"].between(0, 1).all() and m["resolve"].between(0, 1).all()
