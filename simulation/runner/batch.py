"""Run an experiment into a results folder: chunks of runs on an executor, committed as they finish."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from simulation import __version__
from simulation.metrics import MEMBER_COLUMNS, STEP_COLUMNS, recorded, summarize
from simulation.run import simulate
from simulation.runner.executors import Executor, make_executor
from simulation.runner.experiment import (
    DEFAULT_MAX_RUNS,
    Experiment,
    Record,
    experiment_toml_text,
    file_sha256,
    load_experiment,
)
from simulation.runner.store import (
    FORMAT,
    Results,
    Store,
    StoreError,
    arrow_table,
    chunk_files,
    chunk_size_for,
    runs_frame,
    write_chunk_tables,
    write_table,
    write_text,
)
from simulation.scenario import Scenario, to_toml

__all__ = ["Chunk", "run_experiment"]

RECORD_ALL = Record()  # every table, every month


@dataclass(frozen=True)
class Chunk:
    """A unit of work: consecutive runs, the scenarios they need, and where to write."""

    chunk_id: int
    out: str
    runs: tuple[tuple[int, int, int, int], ...]  # (run_id, point_id, replicate, seed)
    scenarios: dict[int, Scenario]
    record: Record = RECORD_ALL


def run_chunk(chunk: Chunk) -> tuple[int, list[dict[str, Any]], dict[str, dict[str, Any]]]:
    """Run a chunk (in a worker): write the parts its record keeps; return its runs' rows and file records.

    A run that raises is recorded with its error and the chunk goes on; so is a run that does not
    cover every month from 0 to its horizon (unless the model recorded why it stopped): a store never
    holds a run with missing months. The summary is computed from every month (float64) before the
    record keeps some of them (``every``) and the store narrows their types. Columns stay numpy arrays
    until one Arrow table per chunk is written: no per-run DataFrame.
    """
    steps: list[dict[str, np.ndarray]] = []
    members: list[dict[str, np.ndarray]] = []
    rows = []
    tables, every, members_every = chunk.record.tables, chunk.record.every, chunk.record.members_every
    for run_id, point_id, rep, seed in chunk.runs:
        sc = chunk.scenarios[point_id]
        row: dict[str, Any] = {
            "run_id": run_id,
            "point_id": point_id,
            "replicate": rep,
            "seed": seed,
            "scenario": sc.name,
        }
        try:
            model, s, m = simulate(sc, seed)
        except Exception as e:  # a failing run is data, not the end of the batch
            rows.append({**row, "status": "error", "error": f"{type(e).__name__}: {e}"})
            continue
        months = s["month"]
        horizon = sc.values.steps
        whole = len(months) == horizon + 1 and int(months[0]) == 0 and int(months[-1]) == horizon
        stopped = "" if whole else str(getattr(model, "stop_reason", "") or "")
        if not whole and not stopped:
            got = f"months {int(months[0])}..{int(months[-1])} ({len(months)} rows)" if len(months) else "no month"
            rows.append({**row, "status": "error", "error": f"IncompleteRun: {got}, not 0..{horizon}"})
            continue
        final = int(months[-1])
        kept = 0
        if "steps" in tables:
            keep = recorded(months, every, final)
            kept = int(keep.sum())
            steps.append({"run_id": np.full(kept, run_id, dtype=np.int64), **{c: s[c][keep] for c in STEP_COLUMNS}})
        if "members" in tables:
            keep = recorded(m["month"], members_every, final)
            members.append(
                {"run_id": np.full(int(keep.sum()), run_id, dtype=np.int64), **{c: m[c][keep] for c in MEMBER_COLUMNS}}
            )
        note = f"stopped at month {final}: {stopped}" if stopped else ""
        rows.append({**row, "status": "complete", "error": note, "_months": len(months), "_kept": kept, **summarize(s)})
    parts = {"steps": (steps, STEP_COLUMNS), "members": (members, MEMBER_COLUMNS)}
    files = write_chunk_tables(
        Path(chunk.out),
        chunk.chunk_id,
        {name: arrow_table(rows_of, ("run_id", *cols)) for name, (rows_of, cols) in parts.items() if name in tables},
    )
    return chunk.chunk_id, rows, files


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


#: Up to this many design points are listed in manifest.json; a larger design goes to design.parquet.
_MANIFEST_POINTS = 100_000


def _manifest(exp: Experiment, chunk_size: int) -> dict[str, Any]:
    n_points = len(exp.points)
    design: dict[str, Any] = {"kind": exp.spec.design.kind, "parameters": list(exp.parameter_names)}
    if n_points <= _MANIFEST_POINTS:
        design["points"] = [
            {"point_id": i, "scenario": _scenario_name(exp, i), "values": exp.point_values(i)} for i in range(n_points)
        ]
    else:
        design["points_file"] = "design.parquet"
    return {
        "format": FORMAT,
        "record": exp.record.to_dict(),
        "experiment": {
            "name": exp.name,
            "description": exp.description,
            "file": str(exp.source or ""),
            "sha256": file_sha256(exp.source),
            "sets": list(exp.sets),
        },
        "fingerprint": exp.fingerprint(),
        "package_version": __version__,
        "design": design,
        "replications": exp.replications,
        "steps": exp.steps,
        "seed": exp.seed,
        "seed_scheme": "SeedSequence(seed).spawn(2)[1].spawn(n_runs, or replications with common random numbers); "
        "run seed = child.generate_state(1, uint64) >> 1",
        "common_random_numbers": exp.common_seeds,
        "seeds": exp.run_seeds().tolist(),
        "chunk_size": chunk_size,
        "n_runs": exp.n_runs,
        "started": _now(),
        "finished": None,
        "status": "running",
        "run_status": "p" * exp.n_runs,
        "counts": {"complete": 0, "error": 0, "pending": exp.n_runs},
    }


def _scenario_name(exp: Experiment, i: int) -> str:
    """Point i's scenario name, without building a sweep's scenario (they all bear the base's name)."""
    return exp.base.name if exp.base is not None else exp.points[i].scenario.name


def _write_design(exp: Experiment, path: Path) -> None:
    """design.parquet: one row per design point (point_id, scenario, the varied values)."""
    import pandas as pd

    n = len(exp.points)
    cols: dict[str, Any] = {"point_id": np.arange(n, dtype=np.int64), "scenario": [_scenario_name(exp, 0)] * n}
    matrix = exp.matrix()
    first = exp.point_values(0)
    for j, name in enumerate(exp.parameter_names):
        # integer parameters stay integers, as in the manifest's list and in runs.parquet
        cols[name] = matrix[:, j].astype(np.int64) if isinstance(first[name], int) else matrix[:, j]
    write_table(pa.Table.from_pandas(pd.DataFrame(cols), preserve_index=False), path)


def _chunks(
    exp: Experiment, size: int, done: set[int], out: Path, horizons: dict[int, dict[int, int]]
) -> Iterator[Chunk]:
    """The chunks still to run, built one at a time as the executor asks (memory flat in the batch size).

    Chunk k holds runs k*size .. (k+1)*size - 1: its composition depends only on the chunk size.
    ``horizons`` gets each chunk's months per design point, for the check at commit.
    """
    seeds = exp.run_seeds()
    reps, n = exp.replications, exp.n_runs
    for cid in range(-(-n // size)):
        if cid in done:
            continue
        runs, scenarios = [], {}
        for r in range(cid * size, min(n, (cid + 1) * size)):
            pid, rep = divmod(r, reps)
            if pid not in scenarios:
                scenarios[pid] = exp.points[pid].scenario
            runs.append((r, pid, rep, int(seeds[r])))
        horizons[cid] = {pid: sc.values.steps for pid, sc in scenarios.items()}
        yield Chunk(cid, str(out), tuple(runs), scenarios, exp.record)


def run_experiment(
    experiment: Experiment | str | Path,
    out: str | Path,
    *,
    workers: int | None = None,
    dask: str | None = None,
    executor: Executor | None = None,
    sets: list[str] | dict[str, Any] | None = None,
    force: bool = False,
    salvage: bool = False,
    max_runs: int = DEFAULT_MAX_RUNS,
    progress: bool = True,
) -> Results:
    """Run (or resume, or repair) an experiment into the results folder ``out``.

    Args:
        experiment: an Experiment, an experiment file or a shipped experiment's name.
        out: the results folder; an interrupted or damaged one is resumed (damaged chunks recomputed).
        workers: worker processes (default: the CPU count; 1 runs serially in this process).
        dask: ``"local"`` for a Dask LocalCluster, or a scheduler address ``tcp://host:8786``.
        executor: an executor to use instead of building one (tests, notebooks).
        sets: ``key=value`` overrides of the experiment file or of scenario parameters.
        force: replace the results of a different experiment found in ``out`` (committed chunks of
            this experiment are kept).
        salvage: ``out`` lost its manifest: keep the committed chunks of this experiment found there.
        max_runs: refuse an experiment file whose design has more runs than this.
        progress: show a progress bar (runs done, runs/s, time left).

    Returns:
        The results folder, read back.

    Raises:
        StoreError: ``out`` is being written by another batch (the message names it), or holds
            another experiment's results (without ``force``).
    """
    exp = experiment if isinstance(experiment, Experiment) else load_experiment(experiment, sets, max_runs=max_runs)
    store = Store(Path(out))
    size = exp.spec.experiment.chunk_size or chunk_size_for(exp.n_runs)
    fresh = _manifest(exp, size)
    fingerprint = fresh["fingerprint"]
    done = store.open(fingerprint, fresh, force=force, salvage=salvage)
    try:
        _run(exp, store, done, fingerprint, workers, dask, executor, progress)
    finally:
        store.close()
    return Results(store.path)


def _run(
    exp: Experiment,
    store: Store,
    done: dict[int, dict[str, Any]],
    fingerprint: str,
    workers: int | None,
    dask: str | None,
    executor: Executor | None,
    progress: bool,
) -> None:
    """The batch itself, with the store open and locked."""
    size = int(store.manifest["chunk_size"])
    status = bytearray(b"p" * exp.n_runs)
    for rec in done.values():
        first = rec["first_run"]
        status[first : first + len(rec["run_status"])] = rec["run_status"].encode()
    store.manifest["run_status"] = status.decode()
    # the manifest first: a batch stopped by any later write (a full disk, a signal) leaves a store its
    # rerun recognises and resumes, never a folder of stray files it must refuse
    store.write_manifest()
    write_text(experiment_toml_text(exp.source), store.path / "experiment.toml")
    (store.path / "scenarios").mkdir(exist_ok=True)
    for name, sc in exp.scenarios().items():
        write_text(to_toml(sc), store.path / "scenarios" / f"{name}.toml")
    if "points_file" in store.manifest["design"]:
        _write_design(exp, store.path / "design.parquet")
    horizons: dict[int, dict[int, int]] = {}
    bar = _progress(exp.n_runs, exp.n_runs - status.count(b"p"), progress, exp.name)
    own = executor is None
    ex = executor if executor is not None else make_executor(workers, dask)
    last = time.monotonic()
    try:
        for cid, rows, files in ex.imap_unordered(run_chunk, _chunks(exp, size, set(done), store.path, horizons)):
            _check_months(cid, rows, files, horizons.pop(cid))
            for row in rows:
                row.update(exp.point_values(row["point_id"]))
                status[row["run_id"]] = ord("c") if row["status"] == "complete" else ord("e")
            store.lock.check()  # the folder still exists and is still ours
            store.commit_chunk(cid, runs_frame(rows, exp.parameter_names), files, fingerprint, size)
            bar.update(len(rows))
            if time.monotonic() - last > 2.0:  # progress for readers; the final status is derived from disk
                store.manifest["run_status"] = status.decode()
                store.write_manifest()
                last = time.monotonic()
        bar.close()
        _finish(store, exp.n_runs, "complete")  # consolidation included: a fault in it is an interruption too
    except BaseException:
        # the commit records on disk are the truth: if even this manifest cannot be written (a full
        # disk), the old one stays whole and the next batch derives the status again
        with contextlib.suppress(OSError):
            _finish(store, exp.n_runs, "interrupted")
        raise
    finally:
        bar.close()
        if own:
            ex.close()


def _check_months(cid: int, rows: list[dict[str, Any]], files: dict[str, dict[str, Any]], horizons: dict) -> None:
    """At commit: every complete run has months 0..horizon, and the steps part holds exactly the months kept."""
    total = 0
    for row in rows:
        months = row.pop("_months", 0)
        total += row.pop("_kept", 0)
        if row["status"] == "complete" and months != horizons[row["point_id"]] + 1 and not row["error"]:
            raise StoreError(
                f"chunk {cid}: run {row['run_id']} has {months} months, not {horizons[row['point_id']] + 1}"
            )
    steps = files.get(chunk_files(cid)["steps"])
    if steps is not None and steps["rows"] != total:
        raise StoreError(f"chunk {cid}: the steps part has {steps['rows']} rows, its runs {total} recorded months")


def _finish(store: Store, n_runs: int, status: str) -> None:
    """Derive every run's status from the commit records on disk and write the final manifest."""
    run_status, counts = store.derive_status(n_runs)
    if status == "complete" and counts["pending"]:
        status = "incomplete"
    update: dict[str, Any] = {"status": status, "run_status": run_status, "counts": counts, "errors": counts["error"]}
    if status == "complete":
        update.update(finished=_now(), runs_file=store.consolidate())
    store.manifest.update(update)
    store.write_manifest()


class _NoBar:
    def update(self, n: int) -> None:
        pass

    def close(self) -> None:
        pass


def _progress(total: int, initial: int, show: bool, name: str) -> Any:
    if not show:
        return _NoBar()
    from tqdm import tqdm

    return tqdm(total=total, initial=initial, unit="run", desc=name, smoothing=0.05, dynamic_ncols=True)
