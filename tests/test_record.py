"""What a batch records ([record], issue 19) and the compact tables of store format 3."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simulation.cli import main
from simulation.errors import ExperimentError, PlotError, StoreError
from simulation.metrics import STORED_TYPES, recorded, stored_type
from simulation.runner import load_experiment, load_results, run_experiment
from simulation.runner.executors import ProcessExecutor
from simulation.runner.experiment import RECORD_DEFAULTS, Record
from simulation.runner.store import verify_store
from simulation.viz.figures import draw, load_for_plots

DATA = Path(__file__).parent / "data"

# 6 runs in 3 chunks, a horizon of 25 months (not a multiple of the periods below)
TINY = """[experiment]
name = "tiny"
scenario = "classroom"
replications = 3
steps = 25
seed = 7
chunk_size = 2

[design]
kind = "grid"
[design.parameters]
aid_level = [0.2, 0.8]
{record}
"""


def experiment(tmp_path: Path, record: str = "", name: str = "e.toml") -> Path:
    p = tmp_path / name
    p.write_text(TINY.format(record=record))
    return p


@pytest.fixture(scope="module")
def full(tmp_path_factory):
    """Every table, every month: the reference the lighter records are cut from."""
    d = tmp_path_factory.mktemp("full")
    return run_experiment(experiment(d, "[record]\nmembers_every = 1"), d / "out", workers=1, progress=False)


def test_every_n_keeps_months_0_n_2n_and_the_final_month():
    month = np.arange(26)
    assert month[recorded(month, 10, 25)].tolist() == [0, 10, 20, 25]
    assert month[recorded(month, 5, 25)].tolist() == [0, 5, 10, 15, 20, 25]  # the final month once
    assert month[recorded(month, 0, 25)].tolist() == [25]  # 0: the final month only, not month 0
    assert recorded(month, 1, 25).all()
    # a run stopped early keeps its own last month
    assert month[:8][recorded(month[:8], 10, 7)].tolist() == [0, 7]


def test_record_choices_round_trip_and_cut_the_full_tables(full, tmp_path):
    out = tmp_path / "light"
    exp = experiment(tmp_path, '[record]\ntables = ["steps", "members"]\nevery = 10\nmembers_every = 0')
    r = run_experiment(exp, out, workers=1, progress=False)
    assert r.manifest["record"] == {"tables": ["runs", "steps", "members"], "every": 10, "members_every": 0}
    assert load_results(out).record == r.manifest["record"]
    assert sorted(r.steps["month"].unique()) == [0, 10, 20, 25]
    assert r.members["month"].unique().tolist() == [25]
    # the months kept are the full record's rows, bit for bit; the summaries are those of every month
    cut = full.steps[full.steps["month"].isin([0, 10, 20, 25])].reset_index(drop=True)
    pd.testing.assert_frame_equal(r.steps, cut)
    pd.testing.assert_frame_equal(r.members, full.members[full.members["month"] == 25].reset_index(drop=True))
    pd.testing.assert_frame_equal(r.runs, full.runs)
    assert verify_store(out).ok


def test_runs_only_store_says_which_setting_keeps_a_missing_table(full, tmp_path, capsys):
    out = tmp_path / "runs"
    r = run_experiment(experiment(tmp_path, '[record]\ntables = ["runs"]'), out, workers=1, progress=False)
    pd.testing.assert_frame_equal(r.runs, full.runs)
    assert not (out / "steps").exists() and not (out / "members").exists() and verify_store(out).ok
    with pytest.raises(
        StoreError, match=r'has no steps table .*tables = \["runs", "steps"\].*record\.tables=runs,steps'
    ):
        _ = r.steps
    with pytest.raises(PlotError, match=r"has no members table"):
        draw(load_for_plots(out), "members")
    assert main(["plot", str(out), "--kind", "curves", "--out", str(tmp_path / "fig")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "--set record.tables=runs,steps" in err
    assert main(["summarize", str(out)]) == 0  # the summary reads the runs only


def test_a_store_of_another_record_is_refused_unless_forced(full, tmp_path):
    out = tmp_path / "out"
    run_experiment(experiment(tmp_path, '[record]\ntables = ["runs"]'), out, workers=1, progress=False)
    with pytest.raises(StoreError, match=r"tables = \[\"runs\"\].*add --set record.tables=runs "):
        run_experiment(experiment(tmp_path, "", "again.toml"), out, workers=1, progress=False)
    r = run_experiment(
        experiment(tmp_path, "[record]\nmembers_every = 1", "again.toml"), out, workers=1, force=True, progress=False
    )
    assert r.manifest["record"]["tables"] == ["runs", "steps", "members"]
    pd.testing.assert_frame_equal(r.members, full.members)


def test_a_lighter_record_is_bit_identical_across_executors(tmp_path):
    exp = experiment(tmp_path, '[record]\ntables = ["members"]\nmembers_every = 4')
    serial = run_experiment(exp, tmp_path / "s", workers=1, progress=False)
    parallel = run_experiment(exp, tmp_path / "p", executor=ProcessExecutor(2), progress=False)
    for name in ("runs", "members"):
        pd.testing.assert_frame_equal(getattr(serial, name), getattr(parallel, name), obj=name)


def test_compact_types_and_the_default_rule_for_columns_not_listed(full):
    assert full.steps.dtypes["month"] == "int32" and full.steps.dtypes["escalation_rung"] == "int8"
    assert full.steps.dtypes["territory_held"] == "float32" and full.steps.dtypes["ceasefire"] == "bool"
    assert full.members.dtypes["resolve"] == "float32" and full.members["iso3"].map(type).eq(str).all()
    assert full.runs.dtypes["peak_intensity"] == "float64"  # summaries stay float64
    # a column the map does not list keeps the engine's type, losslessly
    assert "a_new_track" not in STORED_TYPES
    assert stored_type("a_new_track", np.zeros(2)) == "float64"
    assert stored_type("a_new_count", np.zeros(2, dtype=np.int64)) == "int64"
    assert stored_type("a_new_flag", np.zeros(2, dtype=bool)) == "bool"
    # the tracks of issue 18 are listed: narrow and lossless at their declared precision
    assert full.steps.dtypes["hybrid_attacks"] == "int16" and full.steps.dtypes["signalling"] == "bool"


def test_defaults_follow_what_each_study_reads():
    assert load_experiment("sobol_core").record == Record(("runs",))  # Sobol' indices read one row per run
    assert load_experiment("morris_screening").record.tables == ("runs",)
    grid = load_experiment("aid_unity_grid").record
    assert grid == Record(("runs", "steps", "members"), 1, 12) == RECORD_DEFAULTS["scenarios"]
    # --set reaches [record]; an explicit every sets both periods unless members_every is given
    assert load_experiment("default", ["record.every=6"]).record == Record(("runs", "steps", "members"), 6, 6)
    chosen = load_experiment("sobol_core", ["record.tables=runs,steps", "record.members_every=3"]).record
    assert chosen == Record(("runs", "steps"), 1, 3)


@pytest.mark.parametrize(
    ("record", "key", "allowed"),
    [
        ('tables = ["runs", "stepz"]', "record.tables", "'runs', 'steps' or 'members'"),
        ("every = -1", "record.every", "greater than or equal to 0"),
        ('every = "monthly"', "record.every", "valid integer"),
        ("evry = 1", "record.evry", "allowed here: every, members_every, tables"),
    ],
)
def test_a_bad_record_is_one_line_naming_file_key_and_allowed_values(tmp_path, record, key, allowed):
    exp = experiment(tmp_path, f"[record]\n{record}")
    with pytest.raises(ExperimentError) as e:
        load_experiment(exp)
    msg = str(e.value)
    assert str(exp) in msg and f"{key}:" in msg and allowed in msg and "\n" not in msg and e.value.line == 14


@pytest.mark.parametrize("name", ["store_grid", "store_compare", "store_format2"])
def test_stores_of_formats_1_and_2_still_read_and_verify(name):
    old = load_results(DATA / name)
    assert old.format in (1, 2) and old.record["tables"] == ["runs", "steps", "members"]
    assert verify_store(DATA / name).ok
    assert len(old.runs) and len(old.steps) and len(old.members)
    assert old.steps.dtypes["escalation_intensity"] == "float64"  # read as written: nothing is narrowed
