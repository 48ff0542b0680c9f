"""The batch runner: identical results on every executor, failures recorded, resume after SIGKILL."""

import json
import os
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest
from conftest import assert_same_tables

from simulation import run_scenario
from simulation.metrics import STORED_TYPES
from simulation.runner import batch as batch_mod
from simulation.runner import load_results, run_experiment
from simulation.runner.executors import ProcessExecutor, SerialExecutor
from simulation.runner.store import StoreError

SMALL = """[experiment]
name = "small"
scenario = "classroom"
replications = 3
steps = 24
seed = 99
chunk_size = 2

[design]
kind = "grid"
[design.parameters]
aid_level = [0.2, 0.8]
misperception = [0.1, 0.5]
"""


@pytest.fixture(scope="module")
def small_file(tmp_path_factory):
    p = tmp_path_factory.mktemp("exp") / "small.toml"
    p.write_text(SMALL)
    return p


@pytest.fixture(scope="module")
def serial(small_file, tmp_path_factory):
    return run_experiment(small_file, tmp_path_factory.mktemp("serial") / "out", workers=1, progress=False)


def test_store_layout_and_contents(serial):
    r = serial
    assert len(r.runs) == 12 and r.runs["run_id"].tolist() == list(range(12))
    assert (r.runs["status"] == "complete").all()
    assert len(r.steps) == 12 * 25 and r.steps.groupby("run_id").size().eq(25).all()
    # the default record of a grid: the steps every month, the members yearly (months 0, 12, 24)
    assert len(r.members) == 12 * 3 * 6 and sorted(r.members["month"].unique()) == [0, 12, 24]
    mf = r.manifest
    assert mf["status"] == "complete" and mf["run_status"] == "c" * 12 and mf["n_runs"] == 12
    assert mf["format"] == 3 and mf["counts"] == {"complete": 12, "error": 0, "pending": 0}
    assert mf["record"] == {"tables": ["runs", "steps", "members"], "every": 1, "members_every": 12}
    assert r.steps.dtypes["escalation_intensity"] == "float32" and r.steps.dtypes["escalation_rung"] == "int8"
    assert mf["seeds"] == r.runs["seed"].tolist()
    assert len(list((r.path / "parts").glob("chunk-*.json"))) == 6 and not (r.path / ".lock").exists()
    assert mf["experiment"]["sha256"] and mf["package_version"] and mf["started"] and mf["finished"]
    assert [p["values"] for p in mf["design"]["points"]][1] == {"aid_level": 0.2, "misperception": 0.5}
    assert set(r.runs.columns) >= {
        "run_id",
        "point_id",
        "replicate",
        "seed",
        "aid_level",
        "misperception",
        "peak_rung",
        "final_territory",
        "ceasefire_month",
    }
    assert len(list((r.path / "steps").glob("chunk=*/part-0.parquet"))) == 6


def test_a_run_replays_from_its_recorded_seed(serial):
    row = serial.runs.iloc[7]
    pt = serial.manifest["design"]["points"][int(row["point_id"])]
    again = run_scenario("classroom", seed=int(row["seed"]), steps=24, overrides=pt["values"]).steps
    mine = serial.steps[serial.steps["run_id"] == 7].drop(columns="run_id").reset_index(drop=True)
    # the store narrows the engine's float64 to float32 (STORED_TYPES): the replay, narrowed, is bit-identical
    pd.testing.assert_frame_equal(mine, again.astype({c: STORED_TYPES[c] for c in again.columns}))
    assert serial.runs.iloc[7]["peak_intensity"] == float(again["escalation_intensity"].iloc[1:].max())


def test_processes_give_identical_tables(small_file, serial, tmp_path):
    r = run_experiment(small_file, tmp_path / "p", executor=ProcessExecutor(2), progress=False)
    assert_same_tables(serial, r)


def test_dask_local_cluster_gives_identical_tables(small_file, serial, tmp_path):
    pytest.importorskip("distributed")
    r = run_experiment(small_file, tmp_path / "d", dask="local", workers=2, progress=False)
    assert_same_tables(serial, r)


def test_a_failing_run_is_recorded_and_the_rest_complete(small_file, tmp_path, monkeypatch):
    real = batch_mod.simulate

    def flaky(sc, seed):
        if sc.values.aid_level == 0.8 and sc.values.misperception == 0.5:
            raise FloatingPointError("boom at this design point")
        return real(sc, seed)

    monkeypatch.setattr(batch_mod, "simulate", flaky)
    r = run_experiment(small_file, tmp_path / "f", executor=SerialExecutor(), progress=False)
    bad = r.runs[r.runs["status"] == "error"]
    assert sorted(bad["run_id"]) == [9, 10, 11]
    assert bad["error"].str.contains("FloatingPointError: boom").all()
    assert (r.runs.loc[r.runs["status"] == "complete", "peak_rung"].notna()).all()
    assert set(r.steps["run_id"]) == set(range(9))
    assert r.manifest["errors"] == 3 and r.manifest["run_status"] == "c" * 9 + "e" * 3
    from simulation.analysis.outcomes import summary_table

    table = summary_table(r)
    assert table["errors"].tolist() == [0, 0, 0, 3]


def test_refuses_another_experiment_unless_forced(small_file, serial, tmp_path):
    other = tmp_path / "other.toml"
    other.write_text(SMALL.replace("seed = 99", "seed = 100"))
    with pytest.raises(StoreError, match="another experiment"):
        run_experiment(other, serial.path, workers=1, progress=False)
    forced = run_experiment(other, tmp_path / "copy", workers=1, progress=False)
    assert forced.manifest["seed"] == 100


def test_rerun_of_a_complete_store_does_nothing_new(small_file, serial):
    before = {p: p.stat().st_mtime_ns for p in (serial.path / "parts").iterdir()}
    again = run_experiment(small_file, serial.path, workers=1, progress=False)
    assert {p: p.stat().st_mtime_ns for p in (serial.path / "parts").iterdir()} == before
    assert_same_tables(serial, again)


KILLABLE = """[experiment]
name = "killable"
scenario = "baseline"
replications = 60
steps = 120
seed = 5
chunk_size = 3

[design]
kind = "grid"
[design.parameters]
aid_level = [0.3, 0.7]
"""


@pytest.mark.parametrize("workers", ["1", "2"])
def test_resume_after_sigkill_equals_an_uninterrupted_run(tmp_path, workers):
    exp = tmp_path / "killable.toml"
    exp.write_text(KILLABLE)
    out = tmp_path / "out"
    cmd = [
        sys.executable,
        "-m",
        "simulation.cli",
        "batch",
        str(exp),
        "--out",
        str(out),
        "--workers",
        workers,
        "--quiet",
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        parts = list((out / "parts").glob("runs-*.parquet")) if (out / "parts").exists() else []
        if len(parts) >= 5 or proc.poll() is not None:
            break
        time.sleep(0.01)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    done_before = len(list((out / "parts").glob("runs-*.parquet")))
    assert 0 < done_before < 40, "the batch must be killed mid-way"
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "running"  # SIGKILL left no chance to say otherwise
    assert not (out / "runs.parquet").exists()

    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    resumed = load_results(out)
    assert resumed.manifest["status"] == "complete" and len(resumed.manifest["resumed"]) == 1
    assert resumed.manifest["counts"] == {"complete": 120, "error": 0, "pending": 0}
    assert resumed.runs["run_id"].tolist() == list(range(120))
    assert not resumed.steps.duplicated(["run_id", "month"]).any()
    assert not resumed.members.duplicated(["run_id", "month", "iso3"]).any()
    clean = run_experiment(exp, tmp_path / "clean", workers=2, progress=False)
    assert_same_tables(clean, resumed)
