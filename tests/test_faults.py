"""Faults, round two: a full disk, a crashed batch's lock, signals, permissions and vanished paths.

Every fault ends in one line on stderr and its documented exit status (3: could not write; 2: bad
input; 130/143: SIGINT/SIGTERM), with the lock released, nothing half-written under a final name and
nothing committed damaged; the same command run again then completes and equals an uninterrupted run.

Faults are made two ways: for real (a small tmpfs that fills up, a read-only mount, a zombie process,
real signals), and injected where the real thing cannot be placed exactly (the k-th write of a
batch fails as a full disk fails: in ``write``, without a file name; a signal arrives at the k-th
write). Root ignores permission bits, so "permission denied" is injected (EACCES from the write
path, or from ``os.access`` for the check before a run); "read-only" is a real read-only tmpfs.
"""

import builtins
import errno
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from conftest import assert_same_tables
from test_store_faults import SMALL, assert_whole, batch_cmd, committed, start, wait_for

from simulation.cli import main
from simulation.errors import EXIT_WRITE
from simulation.runner import load_results, run_experiment
from simulation.runner import store as store_mod
from simulation.runner.executors import SerialExecutor
from simulation.runner.store import _proc_start, verify_store


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """test_store_faults' small experiment (12 runs, 6 chunks) and its uninterrupted results."""
    exp = tmp_path_factory.mktemp("small") / "small.toml"
    exp.write_text(SMALL)
    return exp, run_experiment(exp, exp.parent / "clean", executor=SerialExecutor(), progress=False)


def batch(exp, out, *extra):
    return main(["batch", str(exp), "--out", str(out), "--workers", "1", "--quiet", *extra])


def one_line(err: str) -> str:
    """The one line a failed command printed, after at most the command's own line saying what it starts."""
    lines = err.splitlines()
    assert lines and all(" -> " in x for x in lines[:-1]), err
    assert "Traceback" not in err
    return lines[-1]


def assert_left_clean(out: Path) -> None:
    """No lock, no temporary, nothing committed damaged."""
    assert not (out / ".lock").exists()
    assert not list(out.rglob("*.tmp")), list(out.rglob("*.tmp"))
    if (out / "manifest.json").exists():
        assert verify_store(out).ok, verify_store(out).problems


# --- a full disk, injected -------------------------------------------------------------------------


class _FullFile:
    def __init__(self, f):
        self.f = f

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.f.close()

    def write(self, data):
        self.f.write(bytes(data)[: len(data) // 2])  # part of it reaches the disk, as when space runs out
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))  # the kernel names no file


class FullDisk:
    """``open`` for the store's atomic writes: from the ``after``-th write on (of files matching), the disk is full."""

    def __init__(self, after=0, match=""):
        self.after, self.match, self.seen = after, match, 0

    def __call__(self, file, mode="r", *args, **kwargs):
        f = builtins.open(file, mode, *args, **kwargs)  # noqa: SIM115 - handed to the caller, who closes it
        if "w" in mode and self.match in Path(file).name:
            self.seen += 1
            if self.seen > self.after:
                return _FullFile(f)
        return f


@pytest.mark.parametrize("after", [0, 1, 3, 6, 11, 20, 27])
def test_a_full_disk_mid_batch_is_one_line_and_status_3_then_resumes(small, tmp_path, capsys, monkeypatch, after):
    exp, clean = small
    out = tmp_path / "out"
    monkeypatch.setattr(store_mod, "open", FullDisk(after), raising=False)
    assert batch(exp, out) == EXIT_WRITE
    line = one_line(capsys.readouterr().err)
    assert line.startswith(f"error: {out}: the disk is full [ENOSPC] while writing "), line
    assert "free some space" in line and "run the same command again" in line
    assert_left_clean(out)
    monkeypatch.undo()  # space freed
    assert batch(exp, out) == 0
    r = load_results(out)
    assert_whole(r, 12)
    assert_same_tables(clean, r)


def test_a_full_disk_during_the_final_consolidation(small, tmp_path, capsys, monkeypatch):
    """runs.parquet is streamed by pyarrow, whose IOError carries the errno only in its text."""
    exp, clean = small
    out = tmp_path / "out"

    class Full(store_mod.pq.ParquetWriter):
        def write_table(self, *a, **kw):
            raise OSError("[Errno 28] Error writing bytes to file. Detail: [errno 28] No space left on device")

    monkeypatch.setattr(store_mod.pq, "ParquetWriter", Full)
    assert batch(exp, out) == EXIT_WRITE
    line = one_line(capsys.readouterr().err)
    assert f"{out}: the disk is full [ENOSPC] while writing runs.parquet" in line
    assert_left_clean(out)
    assert not (out / "runs.parquet").exists()
    assert committed(out) == 6  # every chunk is committed: the rerun only consolidates
    assert json.loads((out / "manifest.json").read_text())["status"] == "interrupted"
    monkeypatch.undo()
    assert batch(exp, out) == 0
    assert_same_tables(clean, load_results(out))


def test_a_full_disk_in_plot_report_summarize_and_a_read_only_check(small, tmp_path, capsys, monkeypatch):
    from matplotlib.figure import Figure

    _, clean = small
    store = tmp_path / "store"
    shutil.copytree(clean.path, store)
    real = Figure.savefig

    def half_then_full(self, fname, *a, **kw):
        Path(fname).write_bytes(b"\x89PNG half")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(Figure, "savefig", half_then_full)
    assert main(["plot", str(store), "--kind", "curves"]) == EXIT_WRITE
    line = one_line(capsys.readouterr().err)
    assert f"{store}: the disk is full [ENOSPC] while writing figures/curves.png" in line
    assert not list((store / "figures").iterdir())  # neither half a figure nor a temporary
    monkeypatch.setattr(Figure, "savefig", real)
    assert main(["plot", str(store), "--kind", "curves"]) == 0
    capsys.readouterr()

    monkeypatch.setattr(store_mod, "open", FullDisk(0), raising=False)
    monkeypatch.setattr("simulation.viz.report.render_report", lambda data: "<html></html>")  # the write is tested
    assert main(["report", str(store)]) == EXIT_WRITE
    assert f"{store}: the disk is full [ENOSPC] while writing report.html" in one_line(capsys.readouterr().err)
    assert not (store / "report.html").exists() and not list(store.glob(".*.tmp"))
    monkeypatch.undo()

    class FullStdout:  # `escalation summarize DIR > file` on a full disk
        def write(self, text):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

        def flush(self):
            pass

    monkeypatch.setattr(sys, "stdout", FullStdout())
    assert main(["summarize", str(store)]) == EXIT_WRITE
    monkeypatch.undo()
    assert "the disk is full [ENOSPC] while writing the output" in one_line(capsys.readouterr().err)

    # permission denied (root ignores the mode bits: os.access is told so), refused before any figure is drawn
    monkeypatch.setattr(store_mod.os, "access", lambda *a, **kw: False)
    assert main(["plot", str(store), "--out", str(tmp_path / "figs")]) == EXIT_WRITE
    monkeypatch.undo()
    line = one_line(capsys.readouterr().err)
    assert f"{tmp_path / 'figs'}: the output folder is not writable" in line and "does not allow writing" in line
    assert verify_store(store).ok


def test_permission_denied_mid_batch_is_status_3(small, tmp_path, capsys, monkeypatch):
    exp, clean = small
    out = tmp_path / "out"

    def denied(file, mode="r", *a, **kw):
        if "w" in mode and "chunk-00002" in str(file):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(file))
        return builtins.open(file, mode, *a, **kw)

    monkeypatch.setattr(store_mod, "open", denied, raising=False)
    assert batch(exp, out) == EXIT_WRITE
    line = one_line(capsys.readouterr().err)
    assert f"{out}: permission denied [EACCES] while writing parts/chunk-00002.json" in line, line
    assert_left_clean(out)
    monkeypatch.undo()
    assert batch(exp, out) == 0
    assert_same_tables(clean, load_results(out))


def test_a_full_disk_in_the_hindcast_record(tmp_path, capsys, monkeypatch):
    out = tmp_path / "h"
    argv = ["hindcast", "--seeds", "2", "--workers", "1", "--quiet", "--out", str(out)]
    monkeypatch.setattr(store_mod, "open", FullDisk(0, match="hindcast.json"), raising=False)
    assert main(argv) == EXIT_WRITE
    err = capsys.readouterr().err
    assert f"{out}: the disk is full [ENOSPC] while writing hindcast.json" in err.splitlines()[-1]
    assert not (out / "hindcast.json").exists() and load_results(out).manifest["status"] == "complete"
    monkeypatch.undo()
    assert main(argv) == 0
    assert json.loads((out / "hindcast.json").read_text())["runs"] == 2


# --- a full disk, for real: a small tmpfs ---------------------------------------------------------


@pytest.fixture
def tmpfs(tmp_path):
    """A tmpfs mounted at tmp_path/disk: ``mount(kb)``, ``resize(kb)``, ``read_only()``; unmounted after."""
    disk = tmp_path / "disk"
    disk.mkdir()

    def mount(kb, *opts):
        proc = subprocess.run(["mount", "-t", "tmpfs", "-o", ",".join([f"size={kb}k", *opts]), "tmpfs", str(disk)],
                              capture_output=True, text=True)  # fmt: skip
        if proc.returncode:
            pytest.skip(f"mounting a tmpfs is not permitted here ({proc.stderr.strip()}): needs root (CI runs as "
                        "root); the injected faults above still run")  # fmt: skip

    def remount(*opts):
        subprocess.run(["mount", "-o", ",".join(["remount", *opts]), str(disk)], check=True)

    class Disk:
        path = disk

        @staticmethod
        def resize(kb):
            remount(f"size={kb}k")

        @staticmethod
        def read_only(on=True):
            remount("ro" if on else "rw")

    if os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("mounting a tmpfs needs root (CI runs as root); the injected faults above still run")
    Disk.mount = staticmethod(mount)
    yield Disk
    subprocess.run(["umount", "-l", str(disk)], capture_output=True)


def du_kb(folder: Path) -> int:
    """Space a folder takes on a tmpfs: whole 4 kB pages per file."""
    return sum(-(-p.stat().st_size // 4096) * 4 for p in folder.rglob("*") if p.is_file())


def test_a_real_full_disk_mid_batch_then_space_freed(small, tmpfs, capsys):
    exp, clean = small
    tmpfs.mount(du_kb(clean.path) // 2)  # half the space the results need
    out = tmpfs.path / "out"
    assert batch(exp, out) == EXIT_WRITE
    line = one_line(capsys.readouterr().err)
    assert line.startswith(f"error: {out}: the disk is full [ENOSPC] while writing "), line
    assert_left_clean(out)
    kept = committed(out)
    assert 0 < kept < 6
    tmpfs.resize(64 * 1024)  # space freed
    assert batch(exp, out) == 0
    r = load_results(out)
    assert_whole(r, 12)
    assert_same_tables(clean, r)


def test_a_read_only_results_folder_is_refused_before_any_run(small, tmpfs, capsys):
    exp, clean = small
    tmpfs.mount(8 * 1024)
    store = tmpfs.path / "store"
    shutil.copytree(clean.path, store)
    (store / "runs.parquet").unlink()  # an unfinished store: the batch would have work to do
    tmpfs.read_only()
    for argv in (["batch", str(exp), "--out", str(store), "--workers", "1", "--quiet"], ["plot", str(store)],
                 ["report", str(store)]):  # fmt: skip
        assert main(argv) == EXIT_WRITE, argv
        line = one_line(capsys.readouterr().err)
        assert "is on a read-only file system" in line and "choose --out" in line, line
    assert main(["summarize", str(store)]) == 0  # reading needs no writing
    tmpfs.read_only(False)
    assert batch(exp, store) == 0
    assert_same_tables(clean, load_results(store))


# --- a crashed batch's lock: a zombie, a reused PID ------------------------------------------------


def _stale_lock(out: Path, pid: int, proc_start: str | None) -> None:
    out.mkdir(exist_ok=True)
    lock = {"host": socket.gethostname(), "pid": pid, "proc_start": proc_start, "started": "2026-01-01T00:00:00+00:00",
            "command": "escalation batch", "token": "x"}  # fmt: skip
    (out / ".lock").write_text(json.dumps(lock))


def test_a_lock_held_by_a_zombie_is_broken(small, tmp_path, capsys):
    """A batch killed in a container whose init does not reap it: its PID answers signals, but it is dead."""
    exp, clean = small
    # a parent that forks a child which exits at once, and never reaps it: the child stays a zombie
    code = (
        "import os, sys, time\npid = os.fork()\nif pid == 0:\n    os._exit(0)\nprint(pid, flush=True)\ntime.sleep(600)"
    )
    parent = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        pid = int(parent.stdout.readline())
        deadline = time.monotonic() + 60
        while Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z":
            assert time.monotonic() < deadline
            time.sleep(0.01)
        os.kill(pid, 0)  # it still "exists" for kill(2): the old liveness check took it for alive
        out = tmp_path / "out"
        _stale_lock(out, pid, _proc_start(pid))
        assert batch(exp, out) == 0
        assert f"broke a stale lock on {out}: pid {pid}" in capsys.readouterr().err
        assert_same_tables(clean, load_results(out))
    finally:
        parent.kill()
        parent.wait()


def test_a_lock_whose_pid_now_belongs_to_another_process_is_broken(small, tmp_path, capsys):
    exp, _ = small
    out = tmp_path / "out"
    _stale_lock(out, os.getppid(), "1")  # a live PID, but started at another time than the holder
    assert batch(exp, out) == 0
    assert f"broke a stale lock on {out}: pid {os.getppid()}" in capsys.readouterr().err
    _stale_lock(out, os.getppid(), _proc_start(os.getppid()))  # the holder itself: alive, refused
    assert batch(exp, out) == 2
    assert f"pid {os.getppid()} on {socket.gethostname()}" in capsys.readouterr().err


# --- signals at many points of a run ---------------------------------------------------------------


class SignalAt:
    """``open`` for the store's atomic writes that sends ``sig`` to this process at the k-th write.

    ``where="before"``: as the write starts; ``"inside"``: with the temporary half-written.
    """

    def __init__(self, k, sig, where):
        self.k, self.sig, self.where, self.seen = k, sig, where, 0

    def __call__(self, file, mode="r", *args, **kwargs):
        if "w" in mode:
            self.seen += 1
            if self.seen == self.k and self.where == "before":
                os.kill(os.getpid(), self.sig)
        f = builtins.open(file, mode, *args, **kwargs)  # noqa: SIM115 - handed to the caller, who closes it
        if "w" in mode and self.seen == self.k and self.where == "inside":
            f.write(b"half")
            f.flush()
            os.kill(os.getpid(), self.sig)
        return f


#: 4 runs of 6 months in 2 chunks: 14 atomic writes (manifests, experiment, scenario, 4 per chunk).
TINY = SMALL.replace("replications = 3", "replications = 1").replace("steps = 12", "steps = 6")


def test_a_signal_at_any_write_ends_in_one_line_and_resumes(tmp_path, capsys, monkeypatch):
    """SIGTERM or SIGINT at each write of a batch in turn (as it starts, or half-way): exit 143 / 130, then resume."""
    exp = tmp_path / "tiny.toml"
    exp.write_text(TINY)
    clean = run_experiment(exp, tmp_path / "clean", executor=SerialExecutor(), progress=False)
    interrupted = 0
    for k in range(1, 20):
        sig, where = [(signal.SIGTERM, "before"), (signal.SIGINT, "inside")][k % 2]
        out = tmp_path / f"out-{k}"
        hook = SignalAt(k, sig, where)
        monkeypatch.setattr(store_mod, "open", hook, raising=False)
        code = batch(exp, out)
        monkeypatch.undo()
        err = capsys.readouterr().err
        if hook.seen < k:  # the batch made fewer writes: it finished untouched
            assert code == 0
            continue
        interrupted += 1
        assert code == 128 + sig, (k, sig, err)
        name = signal.Signals(sig).name
        assert one_line(err) == f"interrupted by {name}: what finished is saved; run the same command again to resume"
        assert_left_clean(out)
        assert batch(exp, out) == 0, capsys.readouterr().err
        capsys.readouterr()
        assert_same_tables(clean, load_results(out))
    assert interrupted >= 12


def test_sigterm_during_the_final_consolidation(small, tmp_path, capsys, monkeypatch):
    exp, clean = small
    out = tmp_path / "out"

    class Slow(store_mod.pq.ParquetWriter):
        def write_table(self, *a, **kw):
            super().write_table(*a, **kw)
            os.kill(os.getpid(), signal.SIGTERM)

    monkeypatch.setattr(store_mod.pq, "ParquetWriter", Slow)
    assert batch(exp, out) == 143
    assert one_line(capsys.readouterr().err).startswith("interrupted by SIGTERM")
    monkeypatch.undo()
    assert_left_clean(out)
    assert not (out / "runs.parquet").exists()
    assert json.loads((out / "manifest.json").read_text())["status"] == "interrupted"
    assert batch(exp, out) == 0
    assert_same_tables(clean, load_results(out))


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_real_signal_to_a_batch_on_two_workers(small, tmp_path, sig):
    """The signal a terminal (Ctrl-C) or a service manager sends to the whole process group, workers included."""
    exp, clean = small
    out = tmp_path / "out"
    proc = start(batch_cmd(exp, out, "2"))
    wait_for(lambda: committed(out) >= 2, proc, "2 chunks were committed")
    os.killpg(proc.pid, sig)
    assert proc.wait(timeout=120) == 128 + sig
    err = proc.stderr.read().decode()
    assert err.splitlines()[-1].startswith(f"interrupted by {signal.Signals(sig).name}"), err
    assert "Traceback" not in err
    assert_left_clean(out)
    assert json.loads((out / "manifest.json").read_text())["status"] in ("interrupted", "complete")
    assert batch(exp, out) == 0
    assert_same_tables(clean, load_results(out))


# --- paths: a file, an unreadable file, a vanished folder ------------------------------------------


def test_paths_that_cannot_be_used_are_one_line_before_any_run(small, tmp_path, capsys, monkeypatch):
    exp, _ = small
    a_file = tmp_path / "a_file"
    a_file.write_text("x")
    for argv in (["batch", str(exp), "--out", str(a_file)], ["calibrate", "history_abc", "--out", str(a_file)],
                 ["hindcast", "--seeds", "2", "--out", str(a_file)], ["plot", str(a_file)]):  # fmt: skip
        assert main(argv) == 2, argv
        assert "a_file" in one_line(capsys.readouterr().err)
    # an experiment file that cannot be read (root reads anything: the refusal is injected)
    real = Path.read_text

    def unreadable(self, *a, **kw):
        if self.name == exp.name:
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(self))
        return real(self, *a, **kw)

    monkeypatch.setattr(Path, "read_text", unreadable)
    assert batch(exp, tmp_path / "o") == 2
    monkeypatch.undo()
    line = one_line(capsys.readouterr().err)
    assert f"{exp}: cannot read the file: Permission denied" in line and not (tmp_path / "o").exists()
    # a scenario folder that vanished: the experiment names a scenario in it
    scen = tmp_path / "scen"
    scen.mkdir()
    (scen / "mine.toml").write_text('extends = "classroom"\nsteps = 6\n')
    e2 = tmp_path / "e2.toml"
    e2.write_text(SMALL.replace('scenario = "classroom"', 'scenario = "scen/mine.toml"'))
    shutil.rmtree(scen)
    assert batch(e2, tmp_path / "o2") == 2
    line = one_line(capsys.readouterr().err)
    assert str(e2) in line and "scen/mine.toml" in line and not (tmp_path / "o2").exists()


def test_the_working_folder_vanished(tmp_path):
    gone = tmp_path / "gone"
    gone.mkdir()
    code = (
        "import os, sys; os.rmdir(sys.argv[1]); from simulation.cli import main; sys.exit(main(['run', 'classroom']))"
    )
    proc = subprocess.run([sys.executable, "-c", code, str(gone)], cwd=gone, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])})  # fmt: skip
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.count("\n") == 1 and "current folder no longer exists" in proc.stderr


def test_the_results_folder_vanished_mid_batch(small, tmp_path, capsys, monkeypatch):
    exp, clean = small
    out = tmp_path / "out"
    real = store_mod.Store.commit_chunk

    def then_vanish(self, cid, *a, **kw):
        real(self, cid, *a, **kw)
        if cid == 2:
            shutil.rmtree(self.path)

    monkeypatch.setattr(store_mod.Store, "commit_chunk", then_vanish)
    assert batch(exp, out) == EXIT_WRITE
    monkeypatch.undo()
    line = one_line(capsys.readouterr().err)
    assert "a file or folder vanished [ENOENT]" in line and str(out) in line
    assert batch(exp, out) == 0
    assert_same_tables(clean, load_results(out))


# --- calibration: a full disk and a signal in the database write ----------------------------------

pyabc = pytest.importorskip("pyabc")

STANDIN = 'extends = "baseline"\nname = "standin"\nsteps = 26\n'
CAL = """[calibration]
name = "standin-abc"
scenario = "standin"
seed = 7
population = 12
generations = 2
chunk_size = 4

[parameters]
russia_intent = {}
misperception = {low = 0.05, high = 0.6}
"""


@pytest.fixture(scope="module")
def cal(tmp_path_factory):
    from simulation.analysis.calibration import calibrate

    d = tmp_path_factory.mktemp("cal")
    (d / "standin.toml").write_text(STANDIN)
    path = d / "cal.toml"
    path.write_text(CAL)
    whole = calibrate(path, d / "whole", executor=SerialExecutor(), predictive=False)
    return path, whole


def calibrate_cmd(path, out):
    return main(["calibrate", str(path), "--out", str(out), "--workers", "1", "--no-predictive", "--quiet"])


def _in_second_generation(monkeypatch, action):
    """Run ``action`` inside pyabc's write of the second generation into abc.db (mid-transaction)."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    state = {"appending": False, "done": False, "generation": 0}
    real = pyabc.storage.history.History.append_population

    def append(self, *a, **kw):
        state["generation"] += 1
        state["appending"] = state["generation"] == 2
        try:
            return real(self, *a, **kw)
        finally:
            state["appending"] = False

    def on_execute(conn, cursor, statement, *a):
        if state["appending"] and not state["done"] and statement.lstrip().upper().startswith("INSERT"):
            state["done"] = True
            action()

    monkeypatch.setattr(pyabc.storage.history.History, "append_population", append)
    event.listen(Engine, "before_cursor_execute", on_execute)
    return lambda: event.remove(Engine, "before_cursor_execute", on_execute)


@pytest.mark.parametrize("fault", ["sigterm", "full"])
def test_a_fault_inside_the_calibration_database_write_then_resume(cal, tmp_path, capsys, monkeypatch, fault):
    import sqlite3

    from sqlalchemy.exc import OperationalError

    from simulation.analysis.calibration import read_posterior
    from simulation.analysis.calibration.abc import _generations

    path, whole = cal
    out = tmp_path / "out"

    def act():
        if fault == "sigterm":
            os.kill(os.getpid(), signal.SIGTERM)
        else:
            raise OperationalError("INSERT INTO particles", {}, sqlite3.OperationalError("database or disk is full"))

    remove = _in_second_generation(monkeypatch, act)
    try:
        code = calibrate_cmd(path, out)
    finally:
        remove()
        monkeypatch.undo()
    err = capsys.readouterr().err
    if fault == "sigterm":
        assert code == 143 and err.splitlines()[-1].startswith("interrupted by SIGTERM"), err
    else:
        assert code == EXIT_WRITE, err
        assert f"{out}: the disk is full [ENOSPC] while writing abc.db" in err.splitlines()[-1]
    assert "Traceback" not in err
    assert len(_generations(out / "abc.db")) == 1  # the first generation is whole, the second rolled back
    assert json.loads((out / "calibration.json").read_text())["status"] == "interrupted"
    assert not list(out.glob(".*.tmp"))
    assert calibrate_cmd(path, out) == 0
    pd.testing.assert_frame_equal(read_posterior(out), whole.posterior)


def test_a_real_full_disk_during_a_calibration_then_space_freed(cal, tmpfs, capsys):
    from simulation.analysis.calibration import read_posterior

    path, whole = cal
    tmpfs.mount(max(du_kb(whole.folder) * 3 // 4, 64))
    out = tmpfs.path / "out"
    assert calibrate_cmd(path, out) == EXIT_WRITE
    line = capsys.readouterr().err.splitlines()[-1]
    assert line.startswith(f"error: {out}: the disk is full [ENOSPC] while writing "), line
    tmpfs.resize(64 * 1024)
    assert calibrate_cmd(path, out) == 0
    pd.testing.assert_frame_equal(read_posterior(out), whole.posterior)


# --- the one mapping of errnos to lines --------------------------------------------------------------


@pytest.mark.parametrize(
    "code,words",
    [
        (errno.ENOSPC, "the disk is full [ENOSPC]"),
        (errno.EDQUOT, "the disk quota is exceeded [EDQUOT]"),
        (errno.EIO, "an input/output error"),
        (errno.EROFS, "the file system is read-only [EROFS]"),
        (errno.EACCES, "permission denied [EACCES]"),
        (errno.ENOENT, "a file or folder vanished [ENOENT]"),
        (errno.EMLINK, "Too many links"),  # any other errno: its own words
    ],
)
def test_every_errno_is_one_line_naming_the_folder_and_the_file(code, words):
    from simulation.errors import os_error_message

    tmp = "/data/out/steps/chunk=00003/.part-0.parquet.4242.0123456789ab.tmp"  # a temporary of an atomic write
    line = os_error_message(OSError(code, os.strerror(code), tmp))
    assert line.startswith(f"/data/out: {words}") and "while writing steps/chunk=00003/part-0.parquet" in line
    assert "\n" not in line
    assert ("run the same command again" in line) == (code not in (errno.EROFS, errno.EACCES))
    pyarrow_style = OSError("[Errno 28] Error writing bytes to file. Detail: [errno 28] No space left on device")
    pyarrow_style.filename = "/data/out/runs.parquet"
    assert os_error_message(pyarrow_style).startswith("/data/out: the disk is full [ENOSPC] while writing runs.parquet")


def test_a_full_disk_while_discover_writes_its_table(tmp_path, capsys, monkeypatch):
    """discover's trajectory.csv is written atomically: a write that fails halfway leaves no half a
    table (a reader would take it for a whole one) and no temporary."""
    import pandas as pd

    def half_then_full(self, path=None, *a, **kw):
        Path(path).write_text("point,coverage\n0.1,")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    store = Path(__file__).resolve().parent / "data" / "store_grid"
    out = tmp_path / "disc"
    monkeypatch.setattr(pd.DataFrame, "to_csv", half_then_full)
    assert main(["discover", str(store), "--outcome", "peak_rung >= 5", "--out", str(out)]) == EXIT_WRITE
    assert "the disk is full [ENOSPC] while writing" in one_line(capsys.readouterr().err)
    assert not (out / "trajectory.csv").exists() and not list(out.glob(".*.tmp"))
