"""The results store under faults: concurrent writers, SIGKILL at random moments, damaged parts, a lost
manifest, an oversized design, runs with missing months. No timing assertions: faults are placed by
what is on disk (the number of committed chunks), and CPU time is bounded generously."""

import json
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import assert_same_tables

from simulation.cli import main
from simulation.errors import ExperimentError, StoreError
from simulation.runner import batch as batch_mod
from simulation.runner import load_experiment, load_results, run_experiment
from simulation.runner.executors import SerialExecutor
from simulation.runner.store import FORMAT, locked, verify_store

DATA = Path(__file__).parent / "data"

# 80 runs in 40 chunks of two, about a second of computing: long enough to be killed mid-way.
KILLABLE = """[experiment]
name = "killable"
scenario = "baseline"
replications = 40
steps = 60
seed = 13
chunk_size = 2

[design]
kind = "grid"
[design.parameters]
aid_level = [0.3, 0.7]
"""

# 12 runs in 6 chunks: the damage, salvage and months tests
SMALL = """[experiment]
name = "small"
scenario = "classroom"
replications = 3
steps = 12
seed = 99
chunk_size = 2

[design]
kind = "grid"
[design.parameters]
aid_level = [0.2, 0.8]
misperception = [0.1, 0.5]
"""


def batch_cmd(exp, out, workers="1", *extra):
    return [sys.executable, "-m", "simulation.cli", "batch", str(exp), "--out", str(out), "--workers", workers,
            "--quiet", *extra]  # fmt: skip


def committed(out):
    return len(list((out / "parts").glob("chunk-*.json"))) if (out / "parts").is_dir() else 0


def start(cmd):
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)


def wait_for(predicate, proc, what):
    """Poll the disk until ``predicate`` holds (a fault is placed by state, never by a clock)."""
    deadline = time.monotonic() + 180  # only a guard against a hung test, not an assertion on speed
    while not predicate():
        assert proc.poll() is None, f"the batch ended before {what}"
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.002)


def assert_whole(r, n_runs):
    mf = r.manifest
    assert mf["format"] == FORMAT and mf["status"] == "complete"
    assert mf["counts"] == {"complete": n_runs, "error": 0, "pending": 0} and mf["errors"] == 0
    assert mf["run_status"] == "c" * n_runs
    assert verify_store(r.path).ok


@pytest.fixture(scope="module")
def killable(tmp_path_factory):
    d = tmp_path_factory.mktemp("killable")
    exp = d / "killable.toml"
    exp.write_text(KILLABLE)
    return exp, run_experiment(exp, d / "clean", executor=SerialExecutor(), progress=False)


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    d = tmp_path_factory.mktemp("small")
    exp = d / "small.toml"
    exp.write_text(SMALL)
    return exp, run_experiment(exp, d / "clean", executor=SerialExecutor(), progress=False)


def copy_store(r, dest):
    shutil.copytree(r.path, dest)
    return dest


# --- one writer -------------------------------------------------------------------------------------


def test_two_concurrent_batches_exactly_one_runs(killable, tmp_path):
    exp, clean = killable
    out = tmp_path / "out"
    first = start(batch_cmd(exp, out))
    wait_for(lambda: (out / ".lock").exists(), first, "the first batch took the lock")
    os.killpg(first.pid, signal.SIGSTOP)  # hold the first batch still, whatever the machine's speed
    try:
        second = subprocess.run(batch_cmd(exp, out), capture_output=True, text=True)
        done_while_stopped = committed(out)
    finally:
        os.killpg(first.pid, signal.SIGCONT)
    assert second.returncode == 2
    assert f"pid {first.pid} on {socket.gethostname()}" in second.stderr and "another batch" in second.stderr
    assert first.wait() == 0, first.stderr.read().decode()
    assert committed(out) == 40 > done_while_stopped
    r = load_results(out)
    assert_whole(r, 80)
    assert r.manifest.get("resumed", []) == []  # the second batch never opened the store
    assert_same_tables(clean, r)
    assert not (out / ".lock").exists()
    assert not list(out.rglob("*.tmp"))


def test_a_writer_is_refused_while_the_folder_is_locked(small, tmp_path, capsys):
    exp, _ = small
    out = tmp_path / "out"
    with locked(out):
        assert main(["batch", str(exp), "--out", str(out), "--workers", "1", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert f"pid {os.getpid()} on {socket.gethostname()}" in err and str(out / ".lock") in err
    assert not (out / "manifest.json").exists()  # refused before touching anything
    run_experiment(exp, out, executor=SerialExecutor(), progress=False)  # released: the next writer goes


def test_a_stale_lock_of_a_dead_process_is_broken_with_a_message(small, tmp_path, capsys):
    exp, clean = small
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    out = tmp_path / "out"
    out.mkdir()
    lock = {"host": socket.gethostname(), "pid": dead.pid, "started": "2026-01-01T00:00:00+00:00", "command": "x"}
    (out / ".lock").write_text(json.dumps(lock))
    r = run_experiment(exp, out, executor=SerialExecutor(), progress=False)
    assert f"broke a stale lock on {out}: pid {dead.pid}" in capsys.readouterr().err
    assert_same_tables(clean, r)
    # another machine's lock cannot be judged from here: refused, naming it
    (out / ".lock").write_text(json.dumps({**lock, "host": "elsewhere.example"}))
    with pytest.raises(StoreError, match=f"pid {dead.pid} on elsewhere.example"):
        run_experiment(exp, out, executor=SerialExecutor(), progress=False)


# --- SIGKILL at random moments, then resume --------------------------------------------------------


@pytest.mark.parametrize("seed,workers", [(0, "1"), (1, "2"), (2, "1")])
def test_sigkill_at_random_moments_then_resume_is_whole_and_identical(killable, tmp_path, seed, workers):
    exp, clean = killable
    out = tmp_path / "out"
    rng = np.random.default_rng(seed)
    kills = 2 if seed == 2 else 1  # seed 2 is also killed while resuming
    for _ in range(kills):
        target = committed(out) + int(rng.integers(1, 12))
        proc = start(batch_cmd(exp, out, workers))
        wait_for(lambda t=target: committed(out) >= t, proc, f"{target} chunks were committed")
        time.sleep(float(rng.uniform(0, 0.03)))  # somewhere inside the next chunk's writes
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        assert 0 < committed(out) < 40
        mf = json.loads((out / "manifest.json").read_text())
        assert mf["status"] == "running"  # SIGKILL left no chance to say otherwise
    r = run_experiment(exp, out, executor=SerialExecutor(), progress=False)  # the resume breaks the stale lock
    assert_whole(r, 80)
    assert len(r.manifest["resumed"]) == kills
    assert_same_tables(clean, r)
    assert not list(out.rglob("*.tmp")) and not (out / ".lock").exists()


def test_a_stale_manifest_status_is_rewritten_from_disk(small, tmp_path):
    exp, clean = small
    out = copy_store(clean, tmp_path / "out")
    mf = json.loads((out / "manifest.json").read_text())
    mf.update(status="running", run_status="p" * 12, errors=7)  # what a killed batch's last write can say
    (out / "manifest.json").write_text(json.dumps(mf))
    assert not verify_store(out).problems  # a running store is not damaged ...
    r = run_experiment(exp, out, executor=SerialExecutor(), progress=False)
    assert_whole(r, 12)  # ... and the next batch says exactly what is on disk


# --- damaged parts --------------------------------------------------------------------------------


def truncate(path):
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def flip_bit(path):
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x10
    path.write_bytes(bytes(data))


def test_damaged_parts_are_reported_refused_by_readers_and_repaired(small, tmp_path, capsys):
    exp, clean = small
    out = copy_store(clean, tmp_path / "out")
    truncate(out / "steps/chunk=00005/part-0.parquet")
    flip_bit(out / "members/chunk=00002/part-0.parquet")
    flip_bit(out / "parts/runs-00001.parquet")
    v = verify_store(out)
    damaged = sorted(p.split(":")[0] for p in v.problems)
    assert damaged == ["chunk 1", "chunk 2", "chunk 5"], v.problems
    assert "steps/chunk=00005/part-0.parquet has" in " ".join(v.problems)
    assert v.repair == f"escalation batch {exp} --out {out}"
    assert main(["verify", str(out)]) == 1
    assert "repair with: escalation batch" in capsys.readouterr().out
    assert main(["summarize", str(out)]) == 0  # the runs it reads are whole, but it says what is not
    assert "warning: 1 damaged part(s), e.g. chunk 5: steps/chunk=00005" in capsys.readouterr().err
    # readers: one clear error naming the file and the repair command, never a raw Arrow traceback
    with pytest.raises(StoreError, match=r"steps/chunk=00005/part-0\.parquet has \d+ bytes.*escalation batch"):
        _ = load_results(out).steps
    assert main(["plot", str(out), "--kind", "curves", "--out", str(tmp_path / "figs")]) == 2
    assert "steps/chunk=00005/part-0.parquet" in capsys.readouterr().err
    whole = ("chunk=00000", "chunk=00003", "chunk=00004")
    untouched = {p: p.stat().st_mtime_ns for p in out.rglob("part-0.parquet") if p.parent.name in whole}
    r = run_experiment(exp, out, executor=SerialExecutor(), progress=False)
    said = capsys.readouterr().err
    assert [f"chunk {c}:" in said for c in range(6)] == [False, True, True, False, False, True]
    assert "recomputing" in said
    assert {p: p.stat().st_mtime_ns for p in untouched} == untouched  # exactly the damaged chunks redone
    assert_whole(r, 12)
    assert_same_tables(clean, r)


def test_a_damaged_runs_file_is_reported_read_around_and_rewritten(small, tmp_path):
    exp, clean = small
    out = copy_store(clean, tmp_path / "out")
    flip_bit(out / "runs.parquet")
    assert [p for p in verify_store(out).problems if "runs.parquet" in p]
    pd.testing.assert_frame_equal(load_results(out).runs, clean.runs)  # read from the checksummed parts
    r = run_experiment(exp, out, executor=SerialExecutor(), progress=False)
    assert_whole(r, 12)
    assert_same_tables(clean, r)


# --- a lost manifest ------------------------------------------------------------------------------


class CountingExecutor(SerialExecutor):
    def __init__(self):
        self.chunks = []

    def imap_unordered(self, fn, tasks):
        for t in tasks:
            self.chunks.append(t.chunk_id)
            yield fn(t)


@pytest.mark.parametrize("option", ["force", "salvage"])
def test_lost_manifest_keeps_committed_chunks_and_recomputes_the_rest(small, tmp_path, option):
    exp, clean = small
    out = copy_store(clean, tmp_path / "out")
    (out / "manifest.json").unlink()
    (out / "runs.parquet").unlink()
    (out / "parts/chunk-00004.json").unlink()  # chunk 4 was not committed when the manifest was lost
    with pytest.raises(StoreError, match="--salvage"):
        run_experiment(exp, out, executor=SerialExecutor(), progress=False)
    ex = CountingExecutor()
    r = run_experiment(exp, out, executor=ex, progress=False, **{option: True})
    assert ex.chunks == [4]
    assert_whole(r, 12)
    assert_same_tables(clean, r)


def test_force_on_another_experiment_keeps_nothing_of_it(small, tmp_path):
    _, clean = small
    out = copy_store(clean, tmp_path / "out")
    other = tmp_path / "other.toml"
    other.write_text(SMALL.replace("seed = 99", "seed = 100"))
    ex = CountingExecutor()
    r = run_experiment(other, out, executor=ex, progress=False, force=True)
    assert ex.chunks == list(range(6)) and r.manifest["seed"] == 100
    assert_whole(r, 12)


# --- designs sized before they are built ------------------------------------------------------------

HUGE = """[experiment]
scenario = "classroom"
[design]
kind = "grid"
[design.parameters]
aid_level = {low = 0.0, high = 1.0, n = 100}
member_unity = {low = 0.0, high = 1.0, n = 100}
misperception = {low = 0.0, high = 1.0, n = 10}
russia_intent = {low = 0.0, high = 1.0, n = 10}
diplomacy = {low = 0.0, high = 1.0, n = 10}
"""


def test_a_ten_million_point_design_is_refused_at_once_with_its_size(tmp_path):
    exp = tmp_path / "huge.toml"
    exp.write_text(HUGE)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run(batch_cmd(exp, tmp_path / "out"), capture_output=True, text=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    assert proc.returncode == 2
    assert "10,000,000 points" in proc.stderr and "--max-runs" in proc.stderr and "huge.toml" in proc.stderr
    assert cpu < 30, f"refusing took {cpu:.1f} s of CPU"  # the interpreter and imports included; generous
    assert not (tmp_path / "out").exists()
    t0 = time.process_time()
    with pytest.raises(ExperimentError, match="10,000,000 runs, above the limit of 1,000,000"):
        load_experiment(exp)
    assert time.process_time() - t0 < 5
    with pytest.raises(ExperimentError, match="limit of 999 runs"):
        load_experiment(exp, ["design.parameters.aid_level=[0.5]"], max_runs=999)  # 100,000 runs


def test_points_are_built_on_demand_and_seeds_match_one_spawn(tmp_path):
    exp = tmp_path / "e.toml"
    exp.write_text(HUGE.replace("n = 100}", "n = 3}").replace("n = 10}", "n = 2}"))
    e = load_experiment(exp)
    assert len(e.points) == 72 and not isinstance(e.points, tuple)
    assert e.points[-1].values == {
        "aid_level": 1.0,
        "member_unity": 1.0,
        "misperception": 1.0,
        "russia_intent": 1.0,
        "diplomacy": 1.0,
    }
    assert e.points[5].scenario.values.diplomacy == e.points[5].values["diplomacy"]
    many = tmp_path / "many.toml"
    many.write_text(
        '[experiment]\nreplications = 10000\nseed = 4\n[design]\nkind = "scenarios"\nscenarios = ["classroom"]\n'
    )
    seeds = load_experiment(many).run_seeds()
    _, runs = np.random.SeedSequence(4).spawn(2)
    expected = [int(c.generate_state(1, np.uint64)[0] >> np.uint64(1)) for c in runs.spawn(10000)]
    assert seeds.tolist() == expected


# --- every run has all its months -----------------------------------------------------------------


def test_a_run_with_missing_months_is_an_error_never_stored(small, tmp_path, monkeypatch):
    exp, _ = small
    real = batch_mod.simulate

    def short(sc, seed):
        model, s, m = real(sc, seed)
        if sc.values.aid_level == 0.8 and sc.values.misperception == 0.1:  # runs 6, 7, 8 lose months 7..12
            s = {k: v[:7] for k, v in s.items()}
            m = {k: v[m["month"] < 7] for k, v in m.items()}
        return model, s, m

    monkeypatch.setattr(batch_mod, "simulate", short)
    r = run_experiment(exp, tmp_path / "out", executor=SerialExecutor(), progress=False)
    bad = r.runs[r.runs["status"] == "error"]
    assert bad["run_id"].tolist() == [6, 7, 8]
    assert bad["error"].str.startswith("IncompleteRun: months 0..6 (7 rows), not 0..12").all()
    assert r.steps.groupby("run_id").size().eq(13).all() and 6 not in set(r.steps["run_id"])
    assert r.manifest["counts"] == {"complete": 9, "error": 3, "pending": 0}
    assert verify_store(r.path).ok


# --- stores of format 1 ---------------------------------------------------------------------------


def to_format1(out):
    """What this store would have been on disk before format 2: no records, no recorded checksums."""
    for rec in (out / "parts").glob("chunk-*.json"):
        rec.unlink()
    mf = json.loads((out / "manifest.json").read_text())
    for key in ("counts", "runs_file"):
        mf.pop(key)
    mf["experiment"].pop("sets")
    mf["format"] = 1
    (out / "manifest.json").write_text(json.dumps(mf))


def test_format1_stores_load_verify_and_resume(small, tmp_path):
    exp, clean = small
    for name in ("store_grid", "store_compare"):  # the old stores the plot tests read
        old = load_results(DATA / name)
        assert old.format == 1 and len(old.steps) and len(old.runs)
        assert verify_store(DATA / name).ok
    out = copy_store(clean, tmp_path / "out")
    to_format1(out)
    pd.testing.assert_frame_equal(load_results(out).steps, clean.steps)
    (out / "parts/runs-00003.parquet").unlink()  # chunk 3 was not committed in format 1's sense
    mf = json.loads((out / "manifest.json").read_text())
    mf["status"] = "running"
    (out / "manifest.json").write_text(json.dumps(mf))
    ex = CountingExecutor()
    r = run_experiment(exp, out, executor=ex, progress=False)
    assert ex.chunks == [3]  # the five whole chunks are adopted, not recomputed
    assert_whole(r, 12)
    assert_same_tables(clean, r)


def test_a_large_design_is_listed_in_design_parquet_not_the_manifest(tmp_path, monkeypatch):
    exp = tmp_path / "int.toml"
    exp.write_text(SMALL.replace("misperception = [0.1, 0.5]", '"alliance.package_interval" = [2, 7]'))
    ref = run_experiment(exp, tmp_path / "ref", executor=SerialExecutor(), progress=False)
    monkeypatch.setattr(batch_mod, "_MANIFEST_POINTS", 3)  # as if the 4-point design were over 100,000
    r = run_experiment(exp, tmp_path / "out", executor=SerialExecutor(), progress=False)
    mf = json.loads((r.path / "manifest.json").read_text())
    assert "points" not in mf["design"] and mf["design"]["points_file"] == "design.parquet"
    points = load_results(r.path).manifest["design"]["points"]
    assert points == ref.manifest["design"]["points"]
    assert [type(p["values"]["alliance.package_interval"]) for p in points] == [int] * 4
    assert_same_tables(ref, r)
