"""The member rules compiled (issue 19): the compiled loops are the Python written, and the equations documented.

The month's member rules are loops over the donors compiled by numba (``simulation.members.kernel``).
Two things could go wrong that no behavioural test would see at once:

- the compiler could compute something other than the Python it was given (fast-math reassociation,
  fused multiply-add): the first tests run every kernel compiled and as plain Python (``py_func``) on
  the state of running models, and whole runs with ``NUMBA_DISABLE_JIT=1`` (every kernel, nested calls
  included, as Python), and ask for the same bits;
- the rewrite could have changed the order of an element-wise step: with every sum over the donors
  switched off, the rules equal the whole-array numpy of before, in its order, to the bit;
- a loop could transcribe a rule wrongly: the second set evaluates each rule's documented equation as
  whole-array numpy operations (the form the rules had before they were compiled) on random states and
  asks for agreement to 1e-12 (a sum's order differs between a loop and numpy's pairwise sums, so
  reductions agree to rounding, not to the bit; every element-wise step is the same IEEE operation).
"""

import os
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulation import EscalationModel, agents, members
from simulation import model as model_module


def _state(scenario: str, months: int, seed: int = 3, **overrides) -> EscalationModel:
    model = EscalationModel(scenario, rng=seed, **overrides)
    for _ in range(months):
        model.step()
    return model


def _calls(model: EscalationModel) -> list[tuple[object, tuple]]:
    """Every kernel with the arguments the month gives it (the model's own wrappers build the same)."""
    m, p = model.m, model.params
    mp, ra = p.members, p.richardson
    y = model.russia.intensity
    aid = m.aid_total
    return [
        (members._perceive, (m.threat, m.threat_mult, y, model.bounded, mp.perception_rate, 0.4, m.nb_src,
                             m.nb_dst, m.nb_share, m.nb_has)),
        (members._politics, (m.support, m.support0, m.fatigue, m.threat, m.threat_seen * 0.9, m.stance,
                             mp.support_rate, 0.01, 0.3, mp.stance_slope, 0.5, mp.stance_rate)),
        (members._relative_terms, (aid, m.w, m.inv_w, 0.2, 0.3)),
        (members._resolve_and_aid, (m.threat, m.resolve, m.fear_mult, m.risk_mult, m.fatigue, m.aid_lethal,
                                    m.aid_nonlethal, m.aid_training, m.w, m.inv_w, m.aid_policy, m.stockpile,
                                    m.willing_per_stance, m.stance, m.lethal_share, ra.fear_alliance,
                                    ra.restraint_alliance, ra.grievance_alliance, 0.7, 0.05, 0.1, 0.2, 0.3,
                                    mp.consensus_pull, ra.response, 0.4, model.bounded, mp.stance_weight,
                                    mp.training_share)),
        (members._stocks_and_posture, (m.stockpile, m.fatigue, m.resolve * 0.5, m.resolve * 1.3, m.threat * 1.2,
                                       m.floor, mp.depletion, mp.replenish, mp.fatigue_growth, mp.posture_gain,
                                       model.bounded)),
        (members._incidents, (np.linspace(0, 0.2, m.exposure.size), m.exposure, 0.1, 0.2, m.aid_lethal,
                              m.aid_nonlethal, m.aid_training, m.gdp, 0.5)),
        (agents.weighted_moments, (m.aw, m.resolve, m.posture)),
        (agents._backers, (m.resolve, 0.5, m.may_back)),
        (agents._share, (m.aw, m.resolve > 0.5)),
        (members._targets, (m.exposure, m.aid_lethal, m.aid_nonlethal, m.aid_training, m.gdp, 0.6)),
        (members.total_of, (m.gdp,)),
        (members._public_stance, (float(m.support[0]), mp.stance_slope, mp.stance_slope * mp.stance_pivot)),
        (members._stance_factor, (float(m.stance[-1]), mp.stance_weight, 1.0 - mp.stance_weight)),
        (model_module._totals, (m.aid_lethal, m.aid_nonlethal, m.aid_training)),
    ]  # fmt: skip


def _bits(x) -> list:
    if isinstance(x, tuple):
        return [b for v in x for b in _bits(v)]
    return [np.asarray(x).tobytes(), np.asarray(x).dtype.str]


@pytest.mark.parametrize(
    "scenario,months,overrides",
    [("baseline", 40, {}), ("history", 30, {}), ("expansion", 60, {"bounded": False}), ("classroom", 12, {})],
)
def test_compiled_rules_are_the_python_written(scenario, months, overrides):
    """Compiled and plain Python give the same bits (no reassociation or fused multiply-add by the compiler).

    Could fail: numba with fast-math, or an LLVM that contracts a*b + c into one rounding, would differ
    in the last bits from Python's separate IEEE operations.
    """
    model = _state(scenario, months, **overrides)
    for fn, args in _calls(model):
        assert _bits(fn(*args)) == _bits(fn.py_func(*args)), fn.__name__


# --- the documented equations as whole-array numpy operations --------------------------------------------


def _clip(x, lo=0.0, hi=1.0):
    return np.minimum(np.maximum(x, lo), hi)


N = st.integers(1, 40)


def _arrays(rng, n):
    return {k: rng.random(n) for k in "abcdefghijklmnop"}


@settings(max_examples=60, deadline=None)
@given(n=N, seed=st.integers(0, 2**32 - 1), bounded=st.booleans(), pull=st.sampled_from([0.0, 0.3]))
def test_perceive_is_its_equation(n, seed, bounded, pull):
    """T <- (1-mu) T + mu clip(y x threat_mult); T <- T + pull (weighted mean of neighbours' T - T)."""
    rng = np.random.default_rng(seed)
    a = _arrays(rng, n)
    k = rng.integers(0, 3 * n + 1)
    src, dst = rng.integers(0, n, k), rng.integers(0, n, k)
    wt = rng.random(k)
    deg = np.bincount(src, weights=wt, minlength=n)
    has = (deg > 0).astype(float)
    inv = np.divide(1.0, deg, out=np.zeros(n), where=deg > 0)
    y, mu = 1.5 * rng.random(), rng.random()
    got = members._perceive(a["a"], 2 * a["b"], y, bounded, mu, pull, src, dst, wt / deg[src], has)
    reading = y * 2 * a["b"]
    t = (1 - mu) * a["a"] + mu * (_clip(reading) if bounded else reading)
    if pull > 0 and k:
        near = np.bincount(src, weights=wt * t[dst], minlength=n) * inv
        t = t + pull * (near - has * t)
    np.testing.assert_allclose(got, t, rtol=1e-12, atol=1e-15)


@settings(max_examples=60, deadline=None)
@given(n=N, seed=st.integers(0, 2**32 - 1), cost_on=st.sampled_from([0, 1]), rally_on=st.sampled_from([0, 1]))
def test_politics_is_its_equation(n, seed, cost_on, rally_on):
    """S <- clip(S + a (S0 (1 - cost f) - S) + rally max(0, rise)); G <- G + rate (clip(slope (S - pivot)) - G)."""
    rng = np.random.default_rng(seed)
    a = _arrays(rng, n)
    rate, cost, rally, slope, pivot, sr = rng.random(6) * [1, cost_on, rally_on, 1, 1, 1]
    s, public, g = members._politics(a["a"], a["b"], a["c"], a["d"], a["e"], 2 * a["f"] - 1, rate, cost, rally,
                                     4 * slope, 4 * slope * pivot, sr)  # fmt: skip
    want_s = _clip(
        a["a"] + rate * (a["b"] * (1 - cost / rate * a["c"]) - a["a"]) + rally * np.maximum(a["d"] - a["e"], 0)
    )
    want_p = _clip(4 * slope * (want_s - pivot), -1, 1)
    np.testing.assert_allclose(s, want_s, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(public, want_p, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(g, (2 * a["f"] - 1) * (1 - sr) + sr * want_p, rtol=1e-12, atol=1e-12)


@settings(max_examples=60, deadline=None)
@given(
    n=N,
    seed=st.integers(0, 2**32 - 1),
    bounded=st.booleans(),
    own=st.booleans(),
    burden=st.sampled_from([(1, 1), (0, 1), (1, 0), (0, 0)]),
    no_aid=st.booleans(),
)
def test_resolve_and_aid_are_their_equations(n, seed, bounded, own, burden, no_aid):
    """members.decide's drive, consensus, resolve and aid split, as in its docstring, over whole arrays."""
    rng = np.random.default_rng(seed)
    a = _arrays(rng, n)
    w = a["i"] / a["i"].sum()
    policy = np.where(rng.random(n) < 0.5, rng.random(n), np.nan) if own else np.full(n, np.nan)
    k, ra, g, level, sd, fc, fr, rec, cp, resp, u, sw, ts = rng.random(13) * [
        1,
        1,
        1,
        1,
        0.3,
        0.3,
        1,
        1,
        1,
        1,
        1,
        1,
        0.3,
    ]
    resolve = 1.4 * a["b"] - 0.2
    lethal, nonlethal, training = a["f"], a["g"], a["h"]
    got = members._resolve_and_aid(a["a"], resolve, a["c"], a["d"], a["e"], lethal, nonlethal, training, w, 1 / w,
                                   policy, a["j"], a["k"], 2 * a["l"] - 1, a["m"], k, ra, g, level, sd, fc, fr, rec,
                                   cp, resp, u, bounded, sw, ts)  # fmt: skip
    aid = lethal + nonlethal + training
    burden = fr * (aid - w @ aid)
    if rec > 0 and aid.sum() > 0:
        lag = np.maximum(0.0, 1 - (aid / aid.sum()) / w)
        burden = burden + rec * (lag - w @ lag)
    drive = k * a["c"] * a["a"] - ra * resolve + g * a["c"] * level - sd * a["d"] - fc * a["e"] + burden
    r = resolve + resp * ((1 - u) * drive + u * (w @ drive + cp * (w @ resolve - resolve)))
    r = _clip(r) if bounded else r
    frac = np.where(np.isnan(policy), level, policy) * _clip(r) * a["j"]
    willing = a["k"] * np.maximum(0.0, 1 - sw * (1 - (2 * a["l"] - 1)))
    given_ = frac * willing
    want = (r, frac, willing, given_ * a["m"], given_ * (1 - a["m"] - ts), given_ * ts)
    for name, x, y in zip(("r", "frac", "willing", "lethal", "nonlethal", "training"), got, want, strict=True):
        np.testing.assert_allclose(x, y, rtol=1e-9, atol=1e-12, err_msg=name)


@settings(max_examples=60, deadline=None)
@given(n=N, seed=st.integers(0, 2**32 - 1), bounded=st.booleans())
def test_stocks_and_posture_are_their_equations(n, seed, bounded):
    """s <- clip(s - depletion frac + replenish (1 - s)); f <- f + growth frac (1 - f); posture from drivers."""
    rng = np.random.default_rng(seed)
    a = _arrays(rng, n)
    dep, rep, gr, gain = rng.random(4)
    r, t = 1.4 * a["d"], 1.4 * a["e"]
    s, f, p = members._stocks_and_posture(a["a"], a["b"], a["c"], r, t, a["f"], dep, rep, gr, gain, bounded)
    np.testing.assert_allclose(s, _clip(a["a"] - dep * a["c"] + rep * (1 - a["a"])), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(f, a["b"] + gr * a["c"] * (1 - a["b"]), rtol=1e-12, atol=1e-15)
    drivers = 0.5 * ((r if bounded else np.minimum(r, 1)) + np.minimum(t, 1))
    np.testing.assert_allclose(p, a["f"] + (1 - a["f"]) * gain * drivers, rtol=1e-12, atol=1e-15)


@settings(max_examples=60, deadline=None)
@given(
    n=N,
    seed=st.integers(0, 2**32 - 1),
    targeting=st.sampled_from([0.0, 0.6]),
    campaign_on=st.booleans(),
    no_aid=st.booleans(),
)
def test_incidents_are_their_equation(n, seed, targeting, campaign_on, no_aid):
    """A donor is struck when its draw < rate x exposure + campaign x exposure ((1-a) + a x relative aid)."""
    rng = np.random.default_rng(seed)
    a = _arrays(rng, n)
    rate, campaign = rng.random(2) * [1, campaign_on]
    if no_aid:
        a["c"], a["d"], a["e"] = np.zeros(n), np.zeros(n), np.zeros(n)
    aid = a["c"] + a["d"] + a["e"]
    rel = aid / a["f"] * (a["f"].sum() / aid.sum()) if aid.sum() > 0 else np.zeros(n)
    p = rate * a["b"] + campaign * a["b"] * ((1 - targeting) + targeting * rel)
    draws = rng.random(n)
    far = np.abs(draws - p) > 1e-9  # a draw within rounding of its probability may fall either way
    got = members._incidents(draws, a["b"], rate, campaign, a["c"], a["d"], a["e"], a["f"], targeting)
    hit = np.zeros(n, dtype=bool)
    hit[got] = True
    assert (hit == (draws < p))[far].all()


def test_the_model_runs_where_no_compiled_rule_can_be_cached():
    """A read-only install (no writable ``__pycache__``, no user cache) compiles in the process instead.

    numba refuses ``cache=True`` at decoration when it finds no cache location; without the fallback of
    ``simulation.members.kernel`` the import would fail. ``NUMBA_CACHE_LOCATOR_CLASSES`` set to a locator
    that never applies (IPython cells only) gives numba no location, as on such an install.
    """
    code = "from simulation import run_scenario; print(run_scenario('classroom', seed=4, steps=6).summary['peak_rung'])"
    env = {**os.environ, "NUMBA_CACHE_LOCATOR_CLASSES": "IPythonCacheLocator"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().isdigit()


_RUN_HASH = """
import hashlib, sys
from simulation import EscalationModel
from simulation.directives import Directive
out = []
for scenario, seed in (("baseline", 1), ("history", 2), ("classroom", 3)):
    model = EscalationModel(scenario, rng=seed)
    for month in range(24):
        if scenario == "classroom" and month == 6:  # players' decisions: the directives' paths too
            code = next(iter(model.donor_index))
            model.set_directives({code: Directive(lethal=0.9, posture=0.5, back=True, signal=0.2)}, russia=0.4)
        model.step()
    tables = {**model.step_table(), **{"m_" + k: v for k, v in model.member_table().items()}}
    digest = hashlib.sha256()
    for k in sorted(tables):
        data = tables[k].tobytes() if tables[k].dtype != object else str(list(tables[k])).encode()
        digest.update(k.encode() + data)
    out.append(digest.hexdigest())
print(" ".join(out))
"""


def test_whole_runs_compiled_equal_the_plain_python_to_the_bit():
    """24 months of three scenarios (players' decisions included) with and without the compiler: the same bits.

    ``py_func`` above still calls the compiled versions of nested kernels; ``NUMBA_DISABLE_JIT=1`` runs
    every kernel as Python. Could fail as the test above could, and also through a nested kernel.
    """
    runs = {}
    for jit in ("0", "1"):
        env = {**os.environ, "NUMBA_DISABLE_JIT": jit}
        out = subprocess.run([sys.executable, "-c", _RUN_HASH], env=env, capture_output=True, text=True, timeout=300)
        assert out.returncode == 0, out.stderr
        runs[jit] = out.stdout.split()
    assert len(runs["0"]) == 3
    assert runs["0"] == runs["1"]


@settings(max_examples=40, deadline=None)
@given(n=N, seed=st.integers(0, 2**32 - 1), bounded=st.booleans(), own=st.booleans())
def test_element_wise_steps_are_the_numpy_of_before_to_the_bit(n, seed, bounded, own):
    """With no sum over the donors (no neighbour pull, burden-sharing or unity), the rules equal the old numpy.

    The expressions below are the whole-array numpy of the rules before they were compiled, in their
    order of operations. Could fail: a regrouped product or sum in a loop, (a*b)*c for a*(b*c), rounds
    differently in the last bit, which a tolerance would accept.
    """
    rng = np.random.default_rng(seed)
    a = _arrays(rng, n)
    w = a["i"] / a["i"].sum()
    y, mu = 1.5 * rng.random(), rng.random()
    t = members._perceive(a["a"], 2 * a["b"], y, bounded, mu, 0.0, np.zeros(0, np.int64), np.zeros(0, np.int64),
                          np.zeros(0), np.zeros(n))  # fmt: skip
    reading = y * (2 * a["b"])
    if bounded:
        reading = np.minimum(np.maximum(reading, 0.0), 1.0)
    np.testing.assert_array_equal(t, (1.0 - mu) * a["a"] + mu * reading)

    rate, cost, rally, slope, pivot, sr = rng.random(6)
    s, public, g = members._politics(a["a"], a["b"], a["c"], a["d"], a["e"], 2 * a["f"] - 1, rate, cost, rally,
                                     4 * slope, 4 * slope * pivot, sr)  # fmt: skip
    old = a["a"] * (1.0 - rate)
    old += rate * a["b"]
    old -= cost * (a["b"] * a["c"])
    rise = np.maximum(a["d"] - a["e"], 0.0) * rally
    old = np.minimum(np.maximum(old + rise, 0.0), 1.0)
    old_public = old * (4 * slope)
    old_public -= 4 * slope * pivot
    old_public = np.minimum(np.maximum(old_public, -1.0), 1.0)
    np.testing.assert_array_equal(s, old)
    np.testing.assert_array_equal(public, old_public)
    np.testing.assert_array_equal(g, (2 * a["f"] - 1) * (1.0 - sr) + sr * old_public)

    policy = np.where(rng.random(n) < 0.5, rng.random(n), np.nan) if own else np.full(n, np.nan)
    k, ra, gr, level, sd, fc, cp, resp, sw, ts = rng.random(10) * [1, 1, 1, 1, 0.3, 0.3, 1, 1, 1, 0.3]
    resolve, stance = 1.4 * a["b"] - 0.2, 2 * a["l"] - 1
    r, frac, willing, lethal, nonlethal, training = members._resolve_and_aid(
        a["a"], resolve, a["c"], a["d"], a["e"], a["f"], a["g"], a["h"], w, 1 / w, policy, a["j"], a["k"], stance,
        a["m"], k, ra, gr, level, sd, fc, 0.0, 0.0, cp, resp, 0.0, bounded, sw, ts,
    )  # fmt: skip
    drive = (k * a["c"]) * a["a"]
    drive -= ra * resolve
    drive += (gr * a["c"]) * level
    drive -= sd * a["d"]
    drive -= fc * a["e"]
    drive += 0.0
    old_r = resolve + resp * (
        (1.0 - 0.0) * drive + 0.0 * (float(w.dot(drive)) + cp * (float(w.dot(resolve)) - resolve))
    )
    if bounded:
        old_r = np.minimum(np.maximum(old_r, 0.0), 1.0)
    lv = np.where(np.isnan(policy), level, policy)
    old_frac = lv * (old_r if bounded else np.minimum(np.maximum(old_r, 0.0), 1.0)) * a["j"]
    sf = stance * sw
    sf += 1.0 - sw
    old_willing = a["k"] * np.maximum(sf, 0.0)
    aid = old_frac * old_willing
    for got, want in zip(
        (r, frac, willing, lethal, training, nonlethal),
        (old_r, old_frac, old_willing, aid * a["m"], aid * ts, aid - aid * a["m"] - aid * ts),
        strict=True,
    ):
        np.testing.assert_array_equal(got, want)

    dep, rep, grow, gain = rng.random(4)
    st_, fat, post = members._stocks_and_posture(a["a"], a["b"], old_frac, old_r, 1.3 * a["n"], a["o"], dep, rep, grow,
                                                 gain, bounded)  # fmt: skip
    np.testing.assert_array_equal(st_, np.minimum(np.maximum(a["a"] - dep * old_frac + rep * (1.0 - a["a"]), 0.0), 1.0))
    np.testing.assert_array_equal(fat, a["b"] + grow * old_frac * (1.0 - a["b"]))
    drivers = 0.5 * ((old_r if bounded else np.minimum(old_r, 1.0)) + np.minimum(1.3 * a["n"], 1.0))
    np.testing.assert_array_equal(post, a["o"] + (1.0 - a["o"]) * gain * drivers)


@settings(max_examples=40, deadline=None)
@given(n=N, seed=st.integers(0, 2**32 - 1))
def test_the_sums_are_their_equations(n, seed):
    """The alliance's weighted moments, the package vote and the month's totals, against numpy."""
    rng = np.random.default_rng(seed)
    a = _arrays(rng, n)
    w = a["a"] / a["a"].sum()
    mean_r, var, mean_p = agents.weighted_moments(w, a["b"], a["c"])
    assert mean_r == pytest.approx(w @ a["b"], rel=1e-12)
    assert var == pytest.approx(w @ (a["b"] - w @ a["b"]) ** 2, rel=1e-9, abs=1e-15)
    assert mean_p == pytest.approx(w @ a["c"], rel=1e-12)
    may = rng.random(n) < 0.7
    backers = agents._backers(a["d"], 0.5, may)
    np.testing.assert_array_equal(backers, (a["d"] >= 0.5) & may)
    assert agents._share(w, backers) == pytest.approx(w @ backers, rel=1e-12, abs=1e-15)
    np.testing.assert_allclose(model_module._totals(a["e"], a["f"], a["g"]), [a["e"].sum(), a["f"].sum(), a["g"].sum()],
                               rtol=1e-12)  # fmt: skip
    assert members.total_of(a["h"]) == pytest.approx(a["h"].sum(), rel=1e-12)


def test_a_kernel_calls_only_kernels_of_its_own_module():
    """numba checks a cached compile against its own file's time stamp only (``simulation.members.kernel``).

    A kernel that called a kernel of another file would keep that kernel's old code after an edit of
    its file, until its own file changed. Could fail: any such call added to the engine.
    """
    from numba.core.registry import CPUDispatcher

    for module in (members, agents, model_module):
        for name, fn in vars(module).items():
            if not isinstance(fn, CPUDispatcher) or fn.py_func.__module__ != module.__name__:
                continue
            for used in fn.py_func.__code__.co_names:
                target = vars(module).get(used)
                if isinstance(target, CPUDispatcher):
                    assert target.py_func.__module__ == module.__name__, f"{module.__name__}.{name} calls {used}"
                other = getattr(target, "__dict__", {})
                assert not any(isinstance(v, CPUDispatcher) for v in other.values()) or used in {"np", "math"}, (
                    f"{module.__name__}.{name} reaches kernels through {used}"
                )
