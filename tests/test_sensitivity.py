"""Sensitivity analysis and scenario discovery: wiring proven on known functions, a placebo, a planted box."""

import numpy as np
import pandas as pd
import pytest

from simulation.analysis.discovery import parse_condition, prim
from simulation.analysis.sensitivity import analyze, run_sensitivity
from simulation.cli import main
from simulation.errors import AnalysisError
from simulation.runner import load_experiment

pytest.importorskip("SALib")

DESIGN = """[experiment]
name = "{name}"
scenario = "{scenario}"
replications = {reps}
steps = {steps}
seed = 7

[design]
kind = "{kind}"
samples = {samples}
[design.parameters]
{params}
"""


def experiment(
    write,
    *,
    name="s",
    scenario="classroom",
    reps=2,
    steps=24,
    kind="saltelli",
    samples=16,
    params=("aid_level = {}", "member_unity = {}", "russia_intent = {}"),
):
    return write(
        DESIGN.format(
            name=name, scenario=scenario, reps=reps, steps=steps, kind=kind, samples=samples, params="\n".join(params)
        ),
        f"{name}.toml",
    )


def ishigami(x):
    a, b = 7.0, 0.1
    return np.sin(x[:, 0]) + a * np.sin(x[:, 1]) ** 2 + b * x[:, 2] ** 4 * np.sin(x[:, 0])


def test_sobol_wiring_reproduces_the_ishigami_indices(write):
    """Our design (Saltelli's scheme via the experiment loader) and our analysis, on Ishigami's function."""
    e = load_experiment(experiment(write, samples=2048))
    unit = e.matrix()  # aid_level, member_unity, russia_intent in [0, 1]
    x = np.pi * (2 * unit - 1)  # Ishigami's inputs live in [-pi, pi]
    problem = {"num_vars": 3, "names": list(e.parameter_names), "bounds": [[0, 1]] * 3}
    idx, s2 = analyze(problem, unit, ishigami(x), method="sobol")
    # analytic values (Ishigami and Homma 1990; SALib's documentation)
    np.testing.assert_allclose(idx["S1"], [0.3139, 0.4424, 0.0], atol=0.04)
    np.testing.assert_allclose(idx["ST"], [0.5576, 0.4424, 0.2437], atol=0.04)
    s13 = s2[(s2["parameter_1"] == "aid_level") & (s2["parameter_2"] == "russia_intent")]["S2"].iloc[0]
    assert s13 == pytest.approx(0.2437, abs=0.08)


def test_morris_wiring_recovers_the_slopes_of_a_linear_function(write):
    e = load_experiment(experiment(write, kind="morris", samples=20))
    x = e.matrix()
    y = 3.0 * x[:, 0] - 1.0 * x[:, 1] + 0.0 * x[:, 2]
    problem = {"num_vars": 3, "names": list(e.parameter_names), "bounds": [[0, 1]] * 3}
    idx, _ = analyze(problem, x, y, method="morris")
    np.testing.assert_allclose(idx["mu_star"], [3.0, 1.0, 0.0], atol=1e-9)
    np.testing.assert_allclose(idx["sigma"], [0.0, 0.0, 0.0], atol=1e-9)


def test_a_parameter_the_model_ignores_gets_a_total_index_near_zero(write, tmp_path):
    """russia.w_expansion weighs the memory of accessions; the classroom scenario has none, so it is a placebo."""
    path = experiment(
        write, samples=16, reps=2, params=("aid_level = {}", "member_unity = {}", '"russia.w_expansion" = {}')
    )
    res = run_sensitivity(path, tmp_path / "out", workers=1, progress=False, outcomes=["peak_rung", "final_territory"])
    st = res.indices.set_index(["outcome", "parameter"])["ST"]
    for outcome in ("peak_rung", "final_territory"):
        assert abs(st[(outcome, "russia.w_expansion")]) < 1e-9  # common random numbers make it exact
    assert st[("final_territory", "aid_level")] > 0.1
    assert (res.folder / "indices.csv").is_file() and (res.folder / "second_order.parquet").is_file()


def test_prim_finds_a_planted_box():
    rng = np.random.default_rng(3)
    x = pd.DataFrame(rng.random((4000, 3)), columns=["aid_level", "member_unity", "noise"])
    y = (x["aid_level"] > 0.6) & (x["member_unity"] < 0.3)
    flip = rng.random(len(x)) < 0.05
    y = np.where(flip, ~y, y)
    res = prim(x, y, alpha=0.05, min_coverage=0.7)
    box = res.chosen
    assert box.limits["aid_level"][0] == pytest.approx(0.6, abs=0.05)
    assert box.limits["member_unity"][1] == pytest.approx(0.3, abs=0.05)
    assert set(box.restricted) >= {"aid_level", "member_unity"}
    assert box.density > 0.8 and box.coverage > 0.7
    text = box.rules("y", res.ranges)
    assert "aid_level >= 0.6" in text or "aid_level >= 0.5" in text or "aid_level >= 0.6" in text.replace("0.59", "0.6")
    assert "member_unity <=" in text and "of runs reach y" in text
    traj = res.trajectory
    assert traj["coverage"].is_monotonic_decreasing and traj["density"].iloc[-1] > traj["density"].iloc[0]


def test_outcome_expressions_are_parsed_not_evaluated():
    assert parse_condition("peak_rung >= 7", ["peak_rung"]) == ("peak_rung", ">=", 7.0)
    assert parse_condition(" member_unity<=0.2 ", ["member_unity"]) == ("member_unity", "<=", 0.2)
    with pytest.raises(AnalysisError, match="unknown outcome column"):
        parse_condition("bananas > 1", ["peak_rung"])
    with pytest.raises(AnalysisError, match="unknown design parameter 'bananas'"):
        parse_condition("bananas > 1", ["aid_level"], what="design parameter")
    with pytest.raises(AnalysisError, match="cannot read"):
        parse_condition("__import__('os').system('true')", ["peak_rung"])


def test_cli_discover_on_a_grid_store(tmp_path, capsys):
    from pathlib import Path

    store = Path(__file__).resolve().parent / "data" / "store_grid"
    assert main(["discover", str(store), "--outcome", "peak_rung >= 5", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "Chosen box:" in out and "of runs reach peak_rung >= 5" in out
    assert (tmp_path / "peeling.png").stat().st_size > 5000


def test_cli_discover_needs_a_design_with_parameters(capsys):
    from pathlib import Path

    store = Path(__file__).resolve().parent / "data" / "store_compare"
    assert main(["discover", str(store), "--outcome", "peak_rung >= 5"]) == 2
    assert "varied no parameter" in capsys.readouterr().err


def test_cli_sensitivity_runs_and_writes(write, tmp_path, capsys):
    path = experiment(write, samples=8, reps=1, steps=12)
    assert (
        main(
            [
                "sensitivity",
                str(path),
                "--out",
                str(tmp_path / "o"),
                "--workers",
                "1",
                "--quiet",
                "--outcomes",
                "peak_rung",
                "final_territory",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "top 3 by ST" in out
    assert (tmp_path / "o" / "sensitivity" / "figures" / "peak_rung.png").is_file()
    assert (
        main(
            [
                "sensitivity",
                str(path),
                "--method",
                "morris",
                "--out",
                str(tmp_path / "m"),
                "--workers",
                "1",
                "--quiet",
                "--outcomes",
                "peak_rung",
            ]
        )
        == 0
    )
    assert "top 3 by mu_star" in capsys.readouterr().out


def test_a_failed_write_of_the_indices_leaves_no_half_table(write, tmp_path, capsys, monkeypatch):
    """The indices are written atomically: a full disk halfway through the CSV leaves the Parquet
    written before it, no half CSV and no temporary, and the command says so in one line."""
    import errno
    import os
    from pathlib import Path

    def half_then_full(self, path=None, *a, **kw):
        Path(path).write_text("parameter,S1\naid_level,0.")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    path = experiment(write, samples=8, reps=1, steps=12)
    monkeypatch.setattr(pd.DataFrame, "to_csv", half_then_full)
    out = tmp_path / "o"
    args = ["sensitivity", str(path), "--out", str(out), "--workers", "1", "--quiet", "--outcomes", "peak_rung"]
    assert main(args) == 3
    errors = [line for line in capsys.readouterr().err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "the disk is full [ENOSPC] while writing indices.csv" in errors[0]
    folder = out / "sensitivity"
    assert (folder / "indices.parquet").is_file() and not (folder / "indices.csv").exists()
    assert not list(folder.glob(".*.tmp"))
