"""No input can hang or crash a run: every key an event may set, at its bounds, mid-run.

Events may set only the policy levers (``parameters.LEVERS``) and, on one member, its own lever
(``parameters.MEMBER_LEVERS``): nothing that shapes the run itself (the horizon, the bounds) can change
once it has started. A ``set`` event on ``steps`` used to overwrite Mesa's step counter and hang the run.
"""

import numpy as np
import pytest

from simulation import load_scenario, parameters, run_scenario
from simulation.errors import ScenarioError

CASES = [(key, bound) for key in parameters.LEVERS for bound in ("low", "high")]


@pytest.mark.parametrize("key, bound", CASES, ids=[f"{k}-{b}" for k, b in CASES])
def test_every_lever_can_be_set_mid_run_and_the_run_ends(write, key, bound):
    value = getattr(parameters.by_name(key), bound)
    path = write(
        f'extends = "baseline"\nsteps = 12\n[[events]]\nmonth = 6\nkind = "set"\nkey = "{key}"\nvalue = {value}\n'
    )
    r = run_scenario(path, seed=5)
    assert r.steps["month"].tolist() == list(range(13))  # every month, no more, no fewer
    numeric = r.steps.select_dtypes("number")
    assert np.isfinite(numeric.to_numpy(dtype=float)).all()
    assert np.isfinite(r.members.select_dtypes("number").to_numpy(dtype=float)).all()


@pytest.mark.parametrize("value", [0.0, 1.0])
def test_a_member_lever_can_be_set_mid_run(write, value):
    path = write(
        'extends = "baseline"\nsteps = 12\n[[events]]\nmonth = 6\nkind = "set"\nmember = "DEU"\n'
        f'key = "aid_level"\nvalue = {value}\n'
    )
    r = run_scenario(path, seed=5)
    deu = r.members[r.members["iso3"] == "DEU"].set_index("month")["aid_total"]
    assert len(r.steps) == 13
    assert (deu.loc[7:] == 0).all() if value == 0.0 else (deu.loc[7:] > 0).all()


@pytest.mark.parametrize("key", ["steps", "bounded", "name", "start", "russia.noise", "richardson.response"])
def test_nothing_else_can_be_set_mid_run(write, key):
    path = write(f'extends = "baseline"\nsteps = 12\n[[events]]\nmonth = 6\nkind = "set"\nkey = "{key}"\nvalue = 2\n')
    with pytest.raises(ScenarioError, match="cannot be set mid-run"):
        load_scenario(path)
