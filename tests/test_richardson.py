"""The Richardson limit (docs/MODEL.md section 5): the model's two state variables follow the Euler scheme
of x' = k*y - a*x + g, y' = l*x - b*y + h exactly."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulation import run_scenario


def params(k, l_, a, b, g, h, dt=1.0, **extra):
    return {
        "richardson.fear_alliance": k,
        "richardson.fear_russia": l_,
        "richardson.restraint_alliance": a,
        "richardson.restraint_russia": b,
        "richardson.grievance_alliance": g,
        "richardson.grievance_russia": h,
        "richardson.response": dt,
        **extra,
    }


def equilibrium(k, l_, a, b, g, h):
    det = a * b - k * l_
    return (b * g + k * h) / det, (a * h + l_ * g) / det


def euler(k, l_, a, b, g, h, dt, x0, y0, n):
    x, y = x0, y0
    out = [(x, y)]
    for _ in range(n):
        x, y = x + dt * (k * y - a * x + g), y + dt * (l_ * x - b * y + h)
        out.append((x, y))
    return np.array(out)


STABLE = [
    (0.2, 0.3, 0.5, 0.4, 0.08, 0.04, 1.0),  # the shipped scenario
    (0.1, 0.5, 0.3, 0.6, 0.05, 0.10, 1.0),  # a != b, k != l
    (0.4, 0.1, 0.9, 0.2, 0.02, 0.05, 0.5),  # strongly asymmetric, smaller dt
    (0.3, 0.3, 0.35, 0.35, 0.03, 0.03, 0.2),  # near the stability edge
]


@pytest.mark.parametrize("k,l_,a,b,g,h,dt", STABLE)
def test_stable_race_converges_to_richardson_equilibrium(k, l_, a, b, g, h, dt):
    assert a * b > k * l_
    xs, ys = equilibrium(k, l_, a, b, g, h)
    assert 0 < xs < 1 and 0 < ys < 1
    r = run_scenario("richardson", seed=1, steps=4000, overrides=params(k, l_, a, b, g, h, dt))
    x, y = r.steps["alliance_effort"].iloc[-1], r.steps["escalation_intensity"].iloc[-1]
    assert abs(x - xs) < 1e-6 and abs(y - ys) < 1e-6


@pytest.mark.parametrize("k,l_,a,b,g,h,dt", STABLE[:2])
def test_every_step_is_the_euler_step(k, l_, a, b, g, h, dt):
    r = run_scenario("richardson", seed=1, steps=50, overrides=params(k, l_, a, b, g, h, dt))
    ref = euler(k, l_, a, b, g, h, dt, 0.1, 0.2, 50)
    np.testing.assert_allclose(r.steps["alliance_effort"], ref[:, 0], atol=1e-12)
    np.testing.assert_allclose(r.steps["escalation_intensity"], ref[:, 1], atol=1e-12)


RUNAWAY = [
    (0.6, 0.5, 0.2, 0.3, 0.05, 0.05),
    (0.9, 0.2, 0.1, 0.5, 0.02, 0.01),  # a != b
    (0.3, 0.8, 0.4, 0.2, 0.0, 0.02),
]


@pytest.mark.parametrize("k,l_,a,b,g,h", RUNAWAY)
def test_unstable_race_runs_away_to_the_bound(k, l_, a, b, g, h):
    assert a * b < k * l_
    r = run_scenario("richardson", seed=1, steps=300, overrides=params(k, l_, a, b, g, h))
    x, y = r.steps["alliance_effort"].iloc[-1], r.steps["escalation_intensity"].iloc[-1]
    # The race pins at least one side to the bound; the other settles where its own equation puts
    # it given that bound (x = 1 gives y = min(1, (l + h)/b), and symmetrically).
    assert x == 1.0 or y == 1.0
    if x == 1.0:
        assert y == pytest.approx(min(1.0, (l_ + h) / b), abs=1e-9)
    else:
        assert x == pytest.approx(min(1.0, (k + g) / a), abs=1e-9)
    assert max(x, y) > max(equilibrium(k, l_, a, b, g, h))


@pytest.mark.parametrize("k,l_,a,b,g,h", RUNAWAY)
def test_unstable_race_unbounded_passes_any_level(k, l_, a, b, g, h):
    r = run_scenario("richardson", seed=1, steps=400, overrides=params(k, l_, a, b, g, h, bounded=False))
    x, y = r.steps["alliance_effort"].to_numpy(), r.steps["escalation_intensity"].to_numpy()
    assert x[-1] > 1e6 and y[-1] > 1e6
    assert (np.diff(x[-50:]) > 0).all() and (np.diff(y[-50:]) > 0).all()
    ref = euler(k, l_, a, b, g, h, 1.0, 0.1, 0.2, 400)
    np.testing.assert_allclose(x, ref[:, 0], rtol=1e-9)


@settings(max_examples=25, deadline=None)
@given(
    k=st.floats(0.0, 0.5),
    l_=st.floats(0.0, 0.5),
    a=st.floats(0.3, 0.9),
    b=st.floats(0.3, 0.9),
    g=st.floats(0.0, 0.1),
    h=st.floats(0.0, 0.1),
)
def test_fixed_point_matches_theory_whenever_stable(k, l_, a, b, g, h):
    if a * b - k * l_ < 0.05:
        return
    xs, ys = equilibrium(k, l_, a, b, g, h)
    if not (xs < 0.95 and ys < 0.95):
        return
    r = run_scenario("richardson", seed=1, steps=600, overrides=params(k, l_, a, b, g, h))
    assert abs(r.steps["alliance_effort"].iloc[-1] - xs) < 1e-6
    assert abs(r.steps["escalation_intensity"].iloc[-1] - ys) < 1e-6
