"""The escalation command: run, scenarios, explain, params."""

import subprocess
import sys

import pandas as pd
import pytest

from simulation import load_scenario, run_scenario
from simulation.cli import main
from simulation.metrics import MEMBER_COLUMNS, STEP_COLUMNS


def test_run_writes_tables_and_resolved_scenario(tmp_path, capsys):
    out = tmp_path / "out"
    assert (
        main(
            [
                "run",
                "classroom",
                "--seed",
                "4",
                "--steps",
                "24",
                "--set",
                "aid_level=0.9",
                "--set",
                "russia.noise=0.1",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    text = capsys.readouterr().out
    assert "peak rung" in text and "territory held" in text and "ceasefire" in text
    steps = pd.read_parquet(out / "steps.parquet")
    members = pd.read_parquet(out / "members.parquet")
    events = pd.read_parquet(out / "events.parquet")
    assert list(steps.columns) == list(STEP_COLUMNS) and len(steps) == 25
    assert list(members.columns) == list(MEMBER_COLUMNS) and len(members) == 25 * 6
    assert list(events.columns) == ["month", "actor", "kind", "description"]
    sc = load_scenario(out / "scenario.toml")
    assert sc.values.aid_level == 0.9 and sc.values.russia.noise == 0.1 and sc.values.steps == 24
    again = run_scenario(sc, seed=4).steps
    pd.testing.assert_frame_equal(again, steps)


def test_scenarios_lists_every_shipped_one(capsys, shipped):
    assert main(["scenarios"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [ln.split()[0] for ln in lines] == list(shipped)
    assert all(len(ln.split(maxsplit=1)) == 2 for ln in lines)


def test_explain_tells_the_story_month_by_month(capsys):
    assert main(["explain", "hair_trigger", "--seed", "2", "--steps", "36"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("hair_trigger: ")
    assert "Month   0" not in text and "Month 0:" in text
    assert "Russia climbs from rung" in text and "threat perception" in text
    assert text.rstrip().splitlines()[-1].startswith("After 36 months")


def test_params_lists_declarations(capsys):
    assert main(["params", "russia"]) == 0
    text = capsys.readouterr().out
    assert "russia.opportunity" in text and "[0, 2]" in text


def test_console_script_is_installed():
    r = subprocess.run([sys.executable, "-m", "simulation.cli", "scenarios"], capture_output=True, text=True)
    assert r.returncode == 0 and "baseline" in r.stdout


def test_summarize_prints_each_outcome_per_design_point(capsys, tmp_path):
    from pathlib import Path

    from simulation.analysis.outcomes import OUTCOMES, SUMMARY_OUTCOMES, summary_table
    from simulation.runner import load_results

    store = Path(__file__).resolve().parent / "data" / "store_grid"
    assert main(["summarize", str(store)]) == 0
    lines = capsys.readouterr().out.splitlines()
    header = lines[1].split()
    assert header[:4] == ["point", "runs", "errors", "peak_rung"] and "p_rung7" in header
    assert len(lines) == 2 + 9 and lines[2].strip().startswith("aid_level=0, member_unity=0 ")
    results = load_results(store)
    table = summary_table(results)
    assert list(table.columns) == ["point", "runs", "errors", *SUMMARY_OUTCOMES]
    runs = results.runs
    for pid, row in zip(sorted(runs["point_id"].unique()), table.itertuples(index=False), strict=True):
        peak = runs.loc[runs["point_id"] == pid, "peak_rung"]
        assert row.runs == 3 and row.errors == 0
        assert row.peak_rung == pytest.approx(peak.mean()) and row.p_rung6 == pytest.approx((peak >= 6).mean())
    assert OUTCOMES["p_rung7"].label.startswith("P(peak rung ≥ 7)")

    empty = tmp_path / "empty"  # interrupted before its first chunk: a manifest and no runs
    empty.mkdir()
    (empty / "manifest.json").write_text((store / "manifest.json").read_text())
    assert main(["summarize", str(empty)]) == 0
    assert capsys.readouterr().out.rstrip().endswith("no complete runs")
