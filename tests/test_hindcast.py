"""The model against the real war: the history scenario over many seeds, scored on 2022-2023 only.

These are the issue's validation criteria, each a statistical statement over 50 seeds. None holds by
construction: the history scenario fixes only the initial state (the front at the end of February
2022, Russia on the nuclear-signalling rung after the 27 February alert) and the alliance's decisions
as inputs; the monthly territory, the aid flows and the ladder come out of the model's feedbacks and
its noise, and a parameter change moves each of them out of its tolerance (the fit's search visited
many that did).
"""

import contextlib
import io
import json
from functools import cache

import numpy as np
import pandas as pd
import pytest
from scipy.stats import ks_2samp

from simulation import load_scenario, run_scenario
from simulation.analysis.forecast import BANDS_COLUMNS, PERIODS, SCORES_COLUMNS, SERIES, evaluate
from simulation.analysis.hindcast import crps_ensemble, restart_runs, score_hindcast, signal_onsets
from simulation.analysis.observation import ObservationParams
from simulation.analysis.observed import CALIBRATION_WINDOW, observed_monthly
from simulation.cli import main
from simulation.errors import ScenarioError
from simulation.ladder import NUCLEAR_SIGNALLING
from simulation.run import simulate

SEEDS = range(50)
COLUMNS = (
    "month",
    "territory_held",
    "aid_total",
    "escalation_rung",
    "russia_force",
    "escalation_intensity",
    "spillover_incidents",
    "strike_launches",
    "hybrid_attacks",
)


@cache
def ensemble(scenario: str = "history", **overrides) -> pd.DataFrame:
    """Steps of SEEDS runs of a scenario (run_id = seed)."""
    sc = load_scenario(scenario, overrides)
    frames = []
    for seed in SEEDS:
        _, steps, _ = simulate(sc, seed)
        df = pd.DataFrame({c: steps[c] for c in COLUMNS})
        df["run_id"] = seed
        frames.append(df)
    return pd.concat(frames, ignore_index=True)


@cache
def score():
    return score_hindcast(ensemble())


def test_territory_inside_the_band_in_most_months():
    """Observed territory inside the model's 90% band in >= 80% of months 2022-03..2023-12; band <= 0.10 wide."""
    t = score().series["ukraine_held_share"]
    assert t.months == 22
    assert t.coverage >= 0.8, t
    assert t.band_width <= 0.10, t


def test_alliance_aid_over_the_window_within_25_percent():
    """Median total of the model's alliance aid Feb 2022-Dec 2023 within 25% of the observed EUR total."""
    s = score()
    assert 0.75 <= s.aid_ratio <= 1.25, (s.aid_ratio, s.series["alliance_military_eur_bn"])


def test_no_direct_clash_in_most_runs():
    """No rung >= 7 (a direct clash with a member) in the window in at least 80% of runs."""
    assert score().p_no_clash >= 0.8, score().p_no_clash


def test_nuclear_signalling_around_september_2022():
    """A climb to rung >= 6 within two months of September 2022 (July-November) in at least half of the runs.

    Month 0 is on rung 6 (the February alert), so the climb must come after a descent: the test counts
    onsets from below, not the initial state.
    """
    assert score().p_signal_sep_2022 >= 0.5, score().p_signal_sep_2022


def test_the_forecast_months_are_run_but_not_scored():
    steps = ensemble()
    assert steps["month"].max() == 34  # December 2024
    s = score()
    assert s.window == ("2022-03", CALIBRATION_WINDOW[1])  # month 0 is the observed initial state


def test_doubling_aid_capacity_changes_final_territory():
    """Aid's absolute size matters: twice the capacity gives another distribution of final territory (KS)."""
    base = ensemble()
    double = ensemble(**{"members.capacity_share": 2 * load_scenario("history").get("members.capacity_share")})
    a = base.loc[base["month"] == 34, "territory_held"].to_numpy()
    b = double.loc[double["month"] == 34, "territory_held"].to_numpy()
    assert ks_2samp(a, b).pvalue < 0.01
    assert np.median(b) > np.median(a)


def test_one_small_donor_does_not_help_like_the_whole_alliance(write):
    """Aid was divided by the alliance's own capacity, so Estonia alone helped as much as all 32; no more."""
    estonia = write('extends = "baseline"\n[roster]\nmembers = ["EST"]\n')
    alone = run_scenario(estonia, seed=3, steps=60)
    everyone = run_scenario("baseline", seed=3, steps=60)
    assert alone.steps["aid_total"].sum() < 0.02 * everyone.steps["aid_total"].sum()
    # what the aid does: Ukraine's capacity grows less, and Russia reads less threat in it
    assert alone.steps["ukraine_capacity"].mean() < everyone.steps["ukraine_capacity"].mean() - 0.05
    assert alone.summary["peak_threat_perception"] < everyone.summary["peak_threat_perception"]


def test_russias_war_and_its_escalation_are_separate_state_variables():
    """With no coupling (no escalation term, mobilisation or culmination), F follows war aims only, whatever y does."""
    ov = {"russia.war_escalation": 0.0, "russia.mobilisation": 0.0, "russia.war_aim": 0.5, "ukraine.culmination": 0.0}
    calm = run_scenario("history", seed=1, overrides={**ov, "russia_intent": 0.0})
    hawk = run_scenario("history", seed=1, overrides={**ov, "russia_intent": 1.0})
    assert not np.allclose(calm.steps["escalation_intensity"], hawk.steps["escalation_intensity"])
    np.testing.assert_allclose(calm.steps["russia_force"], hawk.steps["russia_force"])
    assert calm.steps["russia_force"].iloc[-1] == pytest.approx(0.5, abs=0.01)


def test_history_is_dated_month_by_month():
    r = run_scenario("history", seed=1)
    assert list(r.steps.columns[:2]) == ["month", "date"]
    assert r.steps["date"].iloc[0] == "2022-02" and r.steps["date"].iloc[-1] == "2024-12"
    assert "date" not in run_scenario("baseline", seed=1, steps=3).steps.columns


def test_partners_give_before_they_join_and_join_on_their_dates():
    r = run_scenario("history", seed=1)
    by_date = r.steps.set_index("date")
    assert by_date.loc["2022-02", "member_count"] == 30
    assert by_date.loc["2023-04", "member_count"] == 31  # Finland joins in April 2023
    assert by_date.loc["2024-03", "member_count"] == 32  # Sweden in March 2024
    fin = r.members[(r.members["iso3"] == "FIN") & (r.members["month"].between(1, 13))]
    assert (fin["aid_total"] > 0).all()
    joined = r.events[r.events["kind"] == "accession"]["month"].tolist()
    assert joined == [14, 25]


def test_the_us_aid_hold_is_an_event_on_one_member():
    r = run_scenario("history", seed=1)
    usa = r.members[r.members["iso3"] == "USA"].set_index("month")["aid_total"]
    held = [23, 24, 25, 26]  # January to April 2024 (the hold is set at the end of December 2023)
    assert (usa.loc[held] == 0).all()
    assert usa.loc[22] > 0 and usa.loc[27] > 0
    deu = r.members[r.members["iso3"] == "DEU"].set_index("month")["aid_total"]
    assert (deu.loc[held] > 0).all()


def test_counterfactual_branches_keep_the_history_timeline():
    base = load_scenario("history")
    tanks = load_scenario("history_early_tanks")
    hold = load_scenario("history_long_us_hold")
    assert len(tanks.values.events) == len(hold.values.events) == len(base.values.events) + 1
    capability = [(e.date, e.value) for e in tanks.values.events if e.key == "capability"]
    assert ("2022-07", 0.4) in capability and ("2023-01", 0.4) in capability
    usa = [(e.month, e.value) for e in hold.values.events if e.member == "USA"]
    assert usa == [(22, 0.0), (26, 0.5), (26, 0.0)]  # the branch's event comes after the resume
    end = run_scenario(hold, seed=2).members
    assert end.loc[(end["iso3"] == "USA") & (end["month"] > 22), "aid_total"].eq(0).all()


@pytest.mark.parametrize(
    "text, needle",
    [
        ('[[events]]\ndate = "2022-05"\nkind = "talks"\n', "needs the scenario's start"),
        ('start = "2022-02"\n[[events]]\ndate = "2021-12"\nkind = "talks"\n', "is not after the start"),
        ('start = "2022-02"\n[[events]]\ndate = "2022-05"\nmonth = 3\nkind = "talks"\n', "not both"),
        ('start = "2022-13"\n', "is not a date"),
        ('[[events]]\nkind = "talks"\n', "needs a month"),
        ('[[events]]\nmonth = 3\nkind = "set"\nkey = "steps"\nvalue = 2\n', "cannot be set mid-run"),
        (
            '[[events]]\nmonth = 3\nkind = "set"\nmember = "USA"\nkey = "fatigue"\nvalue = 0\n',
            "cannot be set on a member",
        ),
        (
            '[[events]]\nmonth = 3\nkind = "set"\nmember = "XXX"\nkey = "aid_level"\nvalue = 0\n',
            "not a member or partner",
        ),
        ('[roster]\npartners = ["DEU"]\n', "already a member"),
    ],
)
def test_bad_dates_members_and_keys_are_refused(write, text, needle):
    with pytest.raises(ScenarioError, match=needle):
        load_scenario(write('extends = "baseline"\nsteps = 24\n' + text))


def test_crps_of_a_point_ensemble_is_the_absolute_error():
    assert crps_ensemble(np.array([0.3, 0.3, 0.3]), 0.5) == pytest.approx(0.2)
    wide = crps_ensemble(np.linspace(0, 1, 101), 0.5)
    narrow = crps_ensemble(np.linspace(0.45, 0.55, 101), 0.5)
    assert narrow < wide


def test_signal_onsets_count_climbs_from_below_only():
    steps = pd.DataFrame(
        {"run_id": [0] * 5 + [1] * 5, "month": list(range(5)) * 2, "escalation_rung": [6, 5, 6, 6, 5, 6, 6, 6, 6, 6]}
    )
    onsets = signal_onsets(steps)
    assert onsets.loc[0] == [2] and 1 not in onsets.index


def test_observed_series_cover_the_calibration_window_only():
    obs = observed_monthly()
    assert obs["date"].iloc[0] == "2022-02" and obs["date"].iloc[-1] == "2023-12" and len(obs) == 23
    assert not obs["date"].str.startswith("2024").any()


@pytest.fixture(scope="module")
def hindcast_dir(tmp_path_factory):
    """One `escalation hindcast` of 6 seeds (its console text and its folder), shared by the CLI tests."""
    out = tmp_path_factory.mktemp("hindcast") / "h"
    text = io.StringIO()
    with contextlib.redirect_stdout(text):
        assert main(["hindcast", "--seeds", "6", "--out", str(out), "--workers", "1", "--quiet"]) == 0
    return out, text.getvalue()


def test_cli_hindcast_scores_and_draws(hindcast_dir):
    out, text = hindcast_dir
    assert "coverage" in text and "no direct clash" in text
    assert "crpss_persistence" in text and "backtest-2022-12" in text and "fitted on the whole calibration" in text
    assert (out / "hindcast.png").stat().st_size > 50_000
    record = json.loads((out / "hindcast.json").read_text("utf-8"))
    assert record["series"]["ukraine_held_share"]["months"] == 22  # the criteria are still recorded
    assert set(record["skill"]) == {f"{s}/{p}" for s in SERIES for p in PERIODS}
    assert any("whole calibration window" in n for n in record["notes"])
    assert main(["report", str(out)]) == 0  # a store of the history scenario: the report scores it too
    page = (out / "report.html").read_text("utf-8")
    assert "Does it reproduce the war?" in page and "id='fig-hindcast'" in page
    assert "strikes" in page and 'id="skill-table"' in page


def test_bands_and_scores_follow_the_output_contract(hindcast_dir):
    """Exact columns, series, periods and dates; observed empty wherever nothing is observed (all of 2024)."""
    out, _ = hindcast_dir
    bands = pd.read_csv(out / "bands.csv", dtype={"date": str})
    assert tuple(bands.columns) == BANDS_COLUMNS == ("series", "date", "q05", "q25", "q50", "q75", "q95", "observed")
    assert tuple(bands["series"].unique()) == ("territory", "aid", "strikes", "hybrid_attacks", "signalling")
    months = pd.period_range("2022-02", "2024-12", freq="M").strftime("%Y-%m").tolist()
    for series in ("territory", "aid", "strikes", "signalling"):
        b = bands[bands["series"] == series]
        assert b["date"].tolist() == months, series
        assert b.loc[b["date"] <= "2023-12", "q05"].le(b.loc[b["date"] <= "2023-12", "q95"]).all()
    hybrid = bands[bands["series"] == "hybrid_attacks"]
    assert hybrid["date"].tolist() == ["2022", "2023", "2024"]
    assert hybrid["observed"].tolist()[:2] == [3.0, 12.0]
    assert bands.loc[bands["date"].str.startswith("2024"), "observed"].isna().all()
    strikes = bands[bands["series"] == "strikes"].set_index("date")["observed"]
    assert strikes.loc[:"2022-09"].isna().all() and strikes.loc["2022-10":"2023-12"].notna().all()
    signalling = bands[bands["series"] == "signalling"]
    assert signalling[["q05", "q25", "q75", "q95"]].eq(signalling["q50"], axis=0).all().all()  # the probability
    assert set(signalling["observed"].dropna()) == {0.0, 1.0}

    scores = pd.read_csv(out / "scores.csv")
    assert tuple(scores.columns) == SCORES_COLUMNS == ("series", "period", "metric", "value")
    assert tuple(scores["period"].unique()) == PERIODS == ("window", "backtest-2022-12", "backtest-2023-06")
    need = {"crps", "interval90", "coverage90", "width90", "crpss_persistence", "crpss_climatology"}
    for (series, period), g in scores.groupby(["series", "period"]):
        assert need <= set(g["metric"]), (series, period)
        assert g.loc[g["metric"].isin(need), "value"].notna().all(), (series, period)
    sig = scores[scores["series"] == "signalling"]
    assert {"brier", "brier_skill"} <= set(sig["metric"])
    assert set(scores["series"]) == set(SERIES)


def test_same_seeds_same_scores(hindcast_dir, tmp_path):
    """The hindcast run again into another folder (the same 6 seeds): the same bands and scores, to the byte."""
    out, _ = hindcast_dir
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(["hindcast", "--seeds", "6", "--out", str(tmp_path / "again"), "--workers", "2", "--quiet"]) == 0
    for name in ("bands.csv", "scores.csv"):
        assert (tmp_path / "again" / name).read_bytes() == (out / name).read_bytes(), name


def test_a_restarted_run_is_the_run_up_to_the_origin_then_follows_the_observed_front():
    sc = load_scenario("history")
    specs = [(seed, sc, seed) for seed in (3, 4)]
    restarted = restart_runs(specs, 10, 0.9)
    for seed in (3, 4):
        _, steps, _ = simulate(sc, seed)
        r = restarted[restarted["run_id"] == seed]
        np.testing.assert_array_equal(r["territory_held"].to_numpy()[:11], steps["territory_held"][:11])
        assert abs(r["territory_held"].iloc[11] - 0.9) < 0.02  # month 11 moves on from the observed 0.9
        assert abs(steps["territory_held"][11] - 0.9) > 0.05  # where the free run was not


@cache
def forecast():
    sc = load_scenario("history")
    return evaluate(
        ensemble(),
        params=ObservationParams.from_scenario(sc),
        restart=lambda o, t: restart_runs([(seed, sc, seed) for seed in SEEDS], o, t),
    )


def test_every_series_and_period_is_scored_over_50_seeds():
    """The forecast scores of 50 seeds: finite, a CRPS no larger than the band suggests, the notes say what was fitted.

    Nothing here asserts skill: the model is expected to score at or below zero against persistence for
    territory (its front stands still), and the closing note of issue 17 reports the numbers as they are.
    """
    f = forecast()
    table = f.skill_table()
    assert len(table) == len(SERIES) * len(PERIODS)
    assert np.isfinite(table[["n", "crps", "coverage90", "width90", "crpss_climatology"]].to_numpy()).all()
    assert table.loc[table["series"] == "signalling", "brier_skill"].notna().all()
    n = table.set_index(["series", "period"])["n"]
    assert (
        n[("territory", "window")] == 22 and n[("strikes", "window")] == 14 and n[("strikes", "backtest-2023-06")] == 6
    )
    assert n[("hybrid_attacks", "window")] == 1  # 2023, from 2022
    assert any("refitted on the data up to 2022-12" in x for x in f.notes)
    assert f.params["backtest-2022-12"] != f.params["window"]


def test_cli_hindcast_refuses_a_window_past_the_data(tmp_path, capsys):
    assert main(["hindcast", "--seeds", "2", "--out", str(tmp_path / "h"), "--end", "2024-06"]) == 2
    assert "held out" in capsys.readouterr().err


# ------------------------------------------------------------------------------------------------
# The war in motion (issue 18): each goal a statistical statement over the 50 seeds. None holds by
# construction: the front's offensives, the strike campaign, the hybrid campaign and the signalling
# episodes come from the model's feedbacks and noise; the search that set the parameters used other
# seeds (5000-5019), and a change of any mechanism's parameters moved each of these out of its
# tolerance during that search.
# ------------------------------------------------------------------------------------------------


def _wide(column: str) -> pd.DataFrame:
    return ensemble().pivot(index="month", columns="run_id", values=column)


def test_the_median_run_moves_and_counterattacks_in_autumn_2022():
    """The median front moves (> 0.001) in >= 4 months of July 2022-December 2023; it gains >= 0.015 Aug-Nov 2022."""
    t = _wide("territory_held")
    median = t.median(axis=1)
    moves = (median.diff().abs() > 0.001).loc[5:22].sum()  # July 2022 is month 5
    assert moves >= 4, moves
    gain = (t.loc[9] - t.loc[6]).median()  # November 2022 against August 2022
    assert gain >= 0.015, gain


def test_territory_band_is_narrow_and_covers():
    s = score().series["ukraine_held_share"]
    assert s.coverage >= 0.8 and s.band_width <= 0.06, s


def _skill(series: str, period: str, metric: str) -> float:
    table = forecast().skill_table().set_index(["series", "period"])
    return float(table.loc[(series, period), metric])


def test_strikes_inside_the_band_and_better_than_climatology_from_june_2023():
    """The strikes' 90% band covers >= 70% of October 2022-December 2023; CRPSS vs climatology > 0 from 2023-06."""
    assert _skill("strikes", "window", "coverage90") >= 0.7
    assert _skill("strikes", "backtest-2023-06", "crpss_climatology") > 0.0


def test_hybrid_attacks_of_2022_and_2023_inside_their_bands():
    b = forecast().bands
    h = b[b["series"] == "hybrid_attacks"].set_index("date")
    for year, observed in (("2022", 3), ("2023", 12)):
        assert h.loc[year, "q05"] <= observed <= h.loc[year, "q95"], h.loc[year]


def test_signalling_comes_in_episodes_with_skill():
    """Rung >= 6 in 15-50% of the months March 2022-December 2023 (observed announcements: 4 of 22); Brier skill > 0."""
    rung = _wide("escalation_rung").loc[1:22]
    share = float((rung >= NUCLEAR_SIGNALLING).to_numpy().mean())
    assert 0.15 <= share <= 0.5, share
    assert _skill("signalling", "window", "brier_skill") > 0.0


def test_no_rung_8_through_2024_in_95_percent_of_runs():
    rung = _wide("escalation_rung")
    assert float((rung.max() >= 8).mean()) <= 0.05
