"""The scores, the baselines and the observation model against hand-computed cases.

Each case is computed by hand (or by the textbook formula) and compared with what the project's
wrappers of ``scoringrules`` return; a wrong estimator, a wrong alpha or a baseline that reads the
future makes one of them fail.
"""

import numpy as np
import pandas as pd
import pytest
import scoringrules as sr

from simulation.analysis import scores
from simulation.analysis.baselines import CLIMATOLOGY_DRAWS, WINDOW, baselines
from simulation.analysis.forecast import observed_series, score_period
from simulation.analysis.observation import (
    READERS,
    ObservationParams,
    draw_counts,
    expected,
    fit_observation,
    signalling_probability,
)
from simulation.analysis.observed import observed_hybrid, observed_signalling, observed_strikes


def test_crps_of_a_point_forecast_is_its_absolute_error():
    assert scores.crps(np.array([[0.3]]), 0.5)[0] == pytest.approx(0.2)
    assert scores.crps(np.full((1, 7), 4.0), 1.0)[0] == pytest.approx(3.0)
    np.testing.assert_allclose(scores.crps(np.array([[1.0], [2.0]]), np.array([4.0, 0.5])), [3.0, 1.5])


def test_ensemble_crps_is_the_sample_formula_over_all_pairs():
    """E|X - y| - E|X - X'| / 2 with the m^2 pairs (the 'nrg' estimator; 'qd', used here, is equal)."""
    x = np.array([1.0, 2.0, 4.0])
    by_hand = (2 + 1 + 1) / 3 - (0 + 1 + 3 + 1 + 0 + 2 + 3 + 2 + 0) / 9 / 2  # y = 3: 4/3 - 1/2 * 12/9
    assert by_hand == pytest.approx(2 / 3)
    assert scores.crps(x, 3.0)[0] == pytest.approx(by_hand)
    rng = np.random.default_rng(0)
    ens, y = rng.normal(size=(4, 60)), rng.normal(size=4)
    formula = np.abs(ens - y[:, None]).mean(1) - np.abs(ens[:, :, None] - ens[:, None, :]).mean((1, 2)) / 2
    np.testing.assert_allclose(scores.crps(ens, y), formula)
    np.testing.assert_allclose(sr.crps_ensemble(y, ens, estimator="nrg"), formula)
    # the 'fair' estimator divides the pairs by m(m - 1): a different number, not the one used
    assert not np.allclose(sr.crps_ensemble(y, ens, estimator="fair"), formula)


def test_interval_score_is_gneiting_raftery_at_alpha_0_1():
    ens = np.linspace(0.0, 10.0, 101)  # the 5% and 95% quantiles are 0.5 and 9.5
    lo, hi = scores.quantiles90(ens)
    assert (lo[0], hi[0]) == pytest.approx((0.5, 9.5))
    assert scores.interval90(ens, 5.0)[0] == pytest.approx(9.0)  # inside: the width
    assert scores.interval90(ens, 12.0)[0] == pytest.approx(9.0 + 20 * 2.5)  # above: + (2 / 0.1) * 2.5
    assert scores.interval90(ens, 0.0)[0] == pytest.approx(9.0 + 20 * 0.5)
    assert scores.coverage(ens, np.array([5.0]))[0] == 1.0 and scores.coverage(ens, 12.0)[0] == 0.0
    assert scores.width(ens)[0] == pytest.approx(9.0)


def test_brier_and_skill():
    np.testing.assert_allclose(scores.brier(np.array([0.3, 0.3, 1.0]), np.array([1, 0, 1])), [0.49, 0.09, 0.0])
    assert scores.skill(0.5, 1.0) == pytest.approx(0.5)
    assert scores.skill(2.0, 1.0) == pytest.approx(-1.0)
    assert np.isnan(scores.skill(0.1, 0.0))


@pytest.mark.parametrize("series", ["territory", "aid", "strikes", "hybrid_attacks"])
def test_a_baseline_scored_against_itself_has_zero_skill(series):
    obs = observed_series()[series]
    origin = int(obs.index[len(obs) // 2 - 1])
    targets = [int(t) for t in obs.index if t > origin]
    b = baselines(series, obs, origin, targets)
    y = obs.reindex(targets).to_numpy()
    for ref in (b.persistence, b.climatology):
        c = scores.crps(ref, y).mean()
        assert scores.skill(c, c) == 0.0


@pytest.mark.parametrize("series", ["territory", "aid", "strikes"])
def test_a_baseline_does_not_move_when_a_later_observation_changes(series):
    obs = observed_series()[series]
    origin = int(obs.index[len(obs) // 2])
    targets = [int(t) for t in obs.index if t > origin]
    before = baselines(series, obs, origin, targets)
    moved = obs.copy()
    moved[moved.index > origin] *= 3.0  # every observation after the origin
    after = baselines(series, moved, origin, targets)
    np.testing.assert_array_equal(before.persistence, after.persistence)
    np.testing.assert_array_equal(before.climatology, after.climatology)
    # and it does move when the last known one does (the test can fail)
    moved.loc[origin] += 1.0
    assert not np.array_equal(baselines(series, moved, origin, targets).persistence, before.persistence)


def test_persistence_and_climatology_by_hand():
    obs = pd.Series([1.0, 2.0, 4.0, 7.0], index=[0, 1, 2, 3])
    b = baselines("territory", obs, 3, [4, 6])  # a stock: a random walk of the changes 1, 2, 3
    assert b.persistence.ravel().tolist() == [7.0, 7.0]
    assert b.climatology.shape == (2, CLIMATOLOGY_DRAWS)
    assert set(np.unique(b.climatology[0])) <= {8.0, 9.0, 10.0}  # one step
    assert b.climatology[1].min() >= 10.0 and b.climatology[1].max() <= 16.0  # three steps
    assert "only 3 of 12" in b.note
    flow = baselines("aid", pd.Series(np.arange(20.0)), 19, [20, 21])  # a flow: the last 12 values
    assert set(np.unique(flow.climatology)) <= set(np.arange(8.0, 20.0)) and str(WINDOW) in flow.note
    assert np.array_equal(flow.climatology, baselines("aid", pd.Series(np.arange(20.0)), 19, [20, 21]).climatology)


def test_observed_series_and_their_coverage():
    st = observed_strikes()
    assert st["date"].iloc[0] == "2022-10" and st["date"].iloc[-1] == "2023-12" and len(st) == 15
    assert (st["coverage"] == "full").all() and st["strikes"].iloc[0] == 492
    assert observed_strikes(None)["coverage"].eq("not_covered").sum() == 7  # February-August 2022
    assert observed_hybrid()["hybrid_attacks"].tolist() == [3.0, 12.0]
    sig = observed_signalling()
    assert sig.loc[sig["signalling"] == 1, "date"].tolist() == ["2022-02", "2022-09", "2023-02", "2023-03", "2023-11"]


def _toy_steps():
    """Two runs of four months: strike launches, rung and attacks (month 0 = February 2022)."""
    return pd.DataFrame(
        {
            "run_id": [0] * 4 + [1] * 4,
            "month": list(range(4)) * 2,
            "escalation_intensity": [0.5, 0.6, 0.7, 0.8, 0.2, 0.2, 0.2, 0.2],
            "escalation_rung": [6, 6, 5, 6, 2, 2, 2, 6],
            "spillover_incidents": [0, 1, 1, 3, 0, 0, 2, 2],
            "strike_launches": [0.5, 0.6, 0.7, 0.8, 0.2, 0.2, 0.2, 0.2],
            "hybrid_attacks": [0, 1, 0, 2, 0, 0, 2, 0],
        }
    )


def test_the_observation_model_reads_its_drivers_through_the_registry():
    assert set(READERS) == {"strikes", "hybrid_attacks", "signalling"}
    p = ObservationParams(
        strikes_per_launch=100.0,
        strikes_dispersion=5.0,
        hybrid_per_incident=2.0,
        announce_when_signalling=0.3,
        announce_base=0.05,
    )
    steps = _toy_steps()
    mu = expected(steps, "strikes", p)
    np.testing.assert_allclose(mu["mu"], [50, 60, 70, 80, 20, 20, 20, 20])
    hyb = expected(steps, "hybrid_attacks", p)  # all four months are in 2022; new incidents 0,1,0,2 and 0,0,2,0
    assert hyb["period"].tolist() == [2022, 2022] and hyb["mu"].tolist() == [6.0, 4.0]
    sig = signalling_probability(steps, p)
    np.testing.assert_allclose(sig["p"], [0.3, 0.3, 0.05, 0.3, 0.05, 0.05, 0.05, 0.3])
    a = draw_counts(mu, "strikes", p, {0: 11, 1: 12}, n=3)
    b = draw_counts(mu, "strikes", p, {0: 11, 1: 12}, n=3)
    c = draw_counts(mu, "strikes", p, {0: 11, 1: 13}, n=3)
    assert a.shape == (4, 6) and a.equals(b)  # same seed, same counts
    assert a[0].equals(c[0]) and not a[1].equals(c[1])  # a run's draws come from its own seed only


def test_negative_binomial_counts_have_the_declared_mean_and_variance():
    """Over 40,000 draws of mean 300, size 4: mean within 2% and variance (300 + 300^2/4) within 5%."""
    p = ObservationParams.defaults()
    p = ObservationParams(**{**vars(p), "strikes_dispersion": 4.0})
    mu = pd.DataFrame({"run_id": [0], "period": [0], "mu": [300.0]})
    x = draw_counts(mu, "strikes", p, {0: 5}, n=40_000).to_numpy().ravel()
    assert x.mean() == pytest.approx(300, rel=0.02)
    assert x.var() == pytest.approx(300 + 300**2 / 4, rel=0.05)


def test_fit_by_moments_recovers_the_observed_mean():
    """A model that launches 0.5 units in every month: the strike scale is twice the observed mean."""
    months = range(23)
    steps = pd.DataFrame(
        {
            "run_id": np.repeat([0, 1], 23),
            "month": list(months) * 2,
            "escalation_intensity": 0.5,
            "escalation_rung": 6,
            "spillover_incidents": np.tile(np.arange(23), 2),
            "strike_launches": 0.5,
            "hybrid_attacks": np.tile(np.r_[0, np.ones(22)], 2),  # one attack a month after month 0
        }
    )
    fitted, how = fit_observation(steps)
    m = observed_strikes()["strikes"]
    assert fitted.strikes_per_launch == pytest.approx(2 * m.mean())
    k = m.mean() ** 2 / (m.var(ddof=1) - m.mean())  # the model brings no spread of its own
    assert fitted.strikes_dispersion == pytest.approx(k)
    assert fitted.hybrid_per_incident == pytest.approx(15 / 22)  # 10 new incidents in 2022 (month 0: none), 12 in 2023
    assert fitted.announce_when_signalling == pytest.approx(4 / 22)
    assert fitted.announce_base == ObservationParams.defaults().announce_base and "declared" in how["announce_base"]
    early, _ = fit_observation(steps, end="2022-12")  # the backtest's refit sees October-December 2022 only
    assert early.strikes_per_launch == pytest.approx(2 * m.iloc[:3].mean())


def test_a_series_without_an_observation_at_the_origin_starts_its_baselines_at_its_first():
    obs = observed_series()["strikes"]
    ens = pd.DataFrame(np.full((35, 4), 300.0))
    rows, note = score_period("strikes", ens, obs, 0, 1, 22)
    got = dict(rows)
    assert got["n"] == 14 and "2022-10" in note  # November 2022 to December 2023
    y = obs.loc[9:22].to_numpy()
    assert got["crps_persistence"] == pytest.approx(np.abs(492 - y).mean())
    assert got["crps"] == pytest.approx(np.abs(300 - y).mean())
