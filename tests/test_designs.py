"""Experiment files and designs: grid counts, LHS/Sobol within bounds and reproducible, bad input."""

import numpy as np
import pytest

from simulation.cli import main
from simulation.runner import ExperimentError, load_experiment

HEAD = '[experiment]\nscenario = "classroom"\nreplications = 2\nsteps = 12\nseed = {seed}\n\n'


def exp(write, design: str, seed: int = 7, name: str = "e.toml"):
    return write(HEAD.format(seed=seed) + design, name)


def test_grid_counts_list_times_linspace(write):
    e = load_experiment(
        exp(
            write,
            '[design]\nkind = "grid"\n[design.parameters]\naid_level = [0.1, 0.5, 0.9]\n'
            "member_unity = {low = 0.0, high = 1.0, n = 11}\n",
        )
    )
    assert len(e.points) == 33 and e.n_runs == 66
    assert e.points[0].values == {"aid_level": 0.1, "member_unity": 0.0}
    assert e.points[-1].values == {"aid_level": 0.9, "member_unity": 1.0}
    assert e.points[1].scenario.values.member_unity == pytest.approx(0.1)


def test_shipped_experiments_have_the_asked_shapes():
    assert load_experiment("aid_unity_grid").n_runs >= 11 * 11 * 20
    d = load_experiment("default")
    assert d.replications == 100 and len(d.points) == 8 and d.steps == 58
    assert load_experiment("intent_sweep").parameter_names[0] == "russia_intent"


def test_int_parameters_stay_integers(write):
    e = load_experiment(
        exp(
            write,
            '[design]\nkind = "grid"\n[design.parameters]\n"alliance.package_interval" = {low = 2, high = 12, n = 3}\n',
        )
    )
    assert [p.values["alliance.package_interval"] for p in e.points] == [2, 7, 12]
    assert e.points[1].scenario.values.alliance.package_interval == 7


@pytest.mark.parametrize("kind,samples", [("lhs", 50), ("sobol", 64)])
def test_space_filling_designs_in_bounds_and_reproducible(write, kind, samples):
    design = (
        f'[design]\nkind = "{kind}"\nsamples = {samples}\n[design.parameters]\n'
        'aid_level = {low = 0.2, high = 0.8}\nmisperception = {}\n"russia.noise" = {low = 0.0, high = 0.3}\n'
    )
    a = load_experiment(exp(write, design, seed=1, name="a.toml"))
    b = load_experiment(exp(write, design, seed=1, name="b.toml"))
    c = load_experiment(exp(write, design, seed=2, name="c.toml"))
    va = np.array([[p.values[k] for k in a.parameter_names] for p in a.points])
    vb = np.array([[p.values[k] for k in b.parameter_names] for p in b.points])
    vc = np.array([[p.values[k] for k in c.parameter_names] for p in c.points])
    assert va.shape == (samples, 3)
    np.testing.assert_array_equal(va, vb)
    assert not np.array_equal(va, vc)
    lows, highs = np.array([0.2, 0.0, 0.0]), np.array([0.8, 1.0, 0.3])  # misperception: declared bounds
    assert (va >= lows).all() and (va <= highs).all()
    # each dimension is spread over its whole range, one point per stratum for LHS
    strata = np.floor((va - lows) / (highs - lows) * samples).clip(0, samples - 1)
    if kind == "lhs":
        for j in range(3):
            assert sorted(strata[:, j]) == list(range(samples))
    else:
        assert (np.ptp(va, axis=0) > 0.9 * (highs - lows)).all()
    assert a.points[5].scenario.values.russia.noise == pytest.approx(va[5, 2])


def test_run_seeds_are_fixed_by_the_master_seed_and_distinct(write):
    design = '[design]\nkind = "grid"\n[design.parameters]\naid_level = [0.1, 0.9]\n'
    a, b = load_experiment(exp(write, design, 3, "a.toml")), load_experiment(exp(write, design, 3, "b.toml"))
    seeds = a.run_seeds()
    np.testing.assert_array_equal(seeds, b.run_seeds())
    assert len(set(seeds.tolist())) == a.n_runs == 4
    ss = np.random.SeedSequence(3).spawn(2)[1].spawn(4)
    assert seeds[2] == int(ss[2].generate_state(1, np.uint64)[0] >> np.uint64(1))
    assert [(r, p.point_id, rep) for r, p, rep, _ in a.runs()] == [(0, 0, 0), (1, 0, 1), (2, 1, 0), (3, 1, 1)]


@pytest.mark.parametrize(
    "design,needle",
    [
        ('[design]\nkind = "grid"\n[design.parameters]\naid_levle = [0.1]\n', "did you mean 'aid_level'?"),
        ('[design]\nkind = "grid"\n[design.parameters]\naid_level = [0.1, 1.5]\n', "1.5 is not allowed"),
        (
            '[design]\nkind = "lhs"\n[design.parameters]\naid_level = {low = -0.5, high = 0.5}\n',
            "outside the declared range of aid_level",
        ),
        ('[design]\nkind = "sobol"\nsamples = 100\n[design.parameters]\naid_level = {}\n', "power of two"),
        ('[design]\nkind = "grid"\n[design.parameters]\naid_level = {low = 0.0, high = 1.0}\n', "n must be"),
        ('[design]\nkind = "scenarios"\nscenarios = ["baselin"]\n', "did you mean 'baseline'?"),
        ('[design]\nkind = "cube"\n', "design.kind"),
        ('[design]\nkindd = "grid"\n', "did you mean 'kind'?"),
    ],
)
def test_bad_designs_are_refused_with_one_message(write, design, needle):
    with pytest.raises(ExperimentError) as e:
        load_experiment(exp(write, design))
    assert needle in str(e.value)


def test_zero_replications_refused_before_any_run(write, tmp_path, capsys):
    p = exp(write, '[design]\nkind = "scenarios"\nscenarios = ["classroom"]\n')
    assert main(["batch", str(p), "--set", "experiment.replications=0", "--out", str(tmp_path / "o")]) == 2
    assert "experiment.replications" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_output_that_is_a_file_refused(write, tmp_path, capsys):
    p = exp(write, '[design]\nkind = "scenarios"\nscenarios = ["classroom"]\n')
    f = tmp_path / "f"
    f.write_text("x")
    assert main(["batch", str(p), "--out", str(f)]) == 2
    assert "is a file" in capsys.readouterr().err
