"""Seeded regression values: a change that moves any of these is a change to the model's behaviour.

If the change is intended (a recalibration, a new mechanism), update the values in the same commit
and say why in its message. Tolerances allow only floating-point noise across platforms.
"""

import pytest

from simulation import run_scenario

PINNED = {
    ("baseline", 1): dict(
        peak_rung=5,
        final_rung=3,
        final_territory=0.4645547771965582,
        cumulative_aid=342.8374732408277,
        mean_cohesion=0.9025341028297974,
        peak_threat_perception=0.5308584222857528,
        ceasefire_month=None,
        spillover_incidents=14,
    ),
    ("hair_trigger", 2): dict(
        peak_rung=9,
        final_rung=6,
        final_territory=0.8125823285788244,
        cumulative_aid=308.2087555022901,
        mean_cohesion=0.9442869820198414,
        peak_threat_perception=0.9998862806518791,
        ceasefire_month=None,
        spillover_incidents=59,
    ),
    ("expansion", 3): dict(
        peak_rung=6,
        final_rung=4,
        final_territory=0.5185583676261164,
        cumulative_aid=312.8043063183251,
        mean_cohesion=0.9047970079581442,
        peak_threat_perception=0.9127152582252034,
        ceasefire_month=16,
        spillover_incidents=25,
    ),
    ("classroom", 4): dict(
        peak_rung=5,
        final_rung=2,
        final_territory=0.8059439082857222,
        cumulative_aid=85.60919200602396,
        mean_cohesion=0.9400730706853404,
        peak_threat_perception=0.5744663475174768,
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
