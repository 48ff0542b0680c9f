"""Seeded regression values: a change that moves any of these is a change to the model's behaviour.

If the change is intended (a recalibration, a new mechanism), update the values in the same commit
and say why in its message. Tolerances allow only floating-point noise across platforms.
"""

import pytest

from simulation import run_scenario

PINNED = {
    ("baseline", 1): dict(
        peak_rung=4,
        final_rung=0,
        final_territory=1.0,
        cumulative_aid=180.38239892284201,
        mean_cohesion=0.9599780454441666,
        peak_threat_perception=0.4914652865440177,
        ceasefire_month=14,
        spillover_incidents=0,
    ),
    ("hair_trigger", 2): dict(
        peak_rung=7,
        final_rung=3,
        final_territory=0.5474683063471601,
        cumulative_aid=327.781354721087,
        mean_cohesion=0.9057966068899412,
        peak_threat_perception=0.5645046891425434,
        ceasefire_month=None,
        spillover_incidents=29,
    ),
    ("expansion", 3): dict(
        peak_rung=7,
        final_rung=4,
        final_territory=0.26657319333444124,
        cumulative_aid=368.7475548192638,
        mean_cohesion=0.8944274608656272,
        peak_threat_perception=0.9412325051210637,
        ceasefire_month=None,
        spillover_incidents=38,
    ),
    ("classroom", 4): dict(
        peak_rung=4,
        final_rung=2,
        final_territory=0.8649614840743484,
        cumulative_aid=82.66725678876806,
        mean_cohesion=0.9411372245010637,
        peak_threat_perception=0.4802233665647151,
        ceasefire_month=None,
        spillover_incidents=0,
    ),
}


@pytest.mark.parametrize("case", list(PINNED), ids=lambda c: f"{c[0]}-seed{c[1]}")
def test_seeded_summary_values(case):
    got = run_scenario(case[0], seed=case[1]).summary
    for key, want in PINNED[case].items():
        if isinstance(want, float):
            assert got[key] == pytest.approx(want, rel=1e-9, abs=1e-12), key
        else:
            assert got[key] == want, key
