"""Run an experiment into a results folder: chunks of runs on an executor, committed as they finish."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from simulation import __version__
from simulation.metrics import MEMBER_COLUMNS, STEP_COLUMNS, summarize
from simulation.run import simulate
from simulation.runner.executors import Executor, make_executor
from simulation.runner.experiment import Experiment, experiment_toml_text, file_sha256, load_experiment
from simulation.runner.store import Results, Store, chunk_size_for, runs_frame, write_chunk_tables
from simulation.scenario import Scenario, to_toml

__all__ = ["Chunk", "run_experiment"]


@dataclass(frozen=True)
class Chunk:
    """A unit of work: consecutive runs, the scenarios they need, and where to write."""

    chunk_id: int
    out: str
    runs: tuple[tuple[int, int, int, int], ...]  # (run_id, point_id, replicate, seed)
    scenarios: dict[int, Scenario]


def run_chunk(chunk: Chunk) -> tuple[int, list[dict[str, Any]]]:
    """Run a chunk (in a worker): write its steps and members parts, return its runs' rows.

    A run that raises is recorded with its error and the chunk goes on. Columns stay numpy arrays
    until one Arrow table per chunk is written: no per-run DataFrame.
    """
    steps: list[dict[str, np.ndarray]] = []
    members: list[dict[str, np.ndarray]] = []
    rows = []
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
            _, s, m = simulate(sc, seed)
        except Exception as e:  # a failing run is data, not the end of the batch
            rows.append({**row, "status": "error", "error": f"{type(e).__name__}: {e}"})
            continue
        steps.append({"run_id": np.full(len(s["month"]), run_id, dtype=np.int64), **s})
        members.append({"run_id": np.full(len(m["month"]), run_id, dtype=np.int64), **m})
        rows.append({**row, "status": "complete", "error": "", **summarize(s)})
    write_chunk_tables(Path(chunk.out), chunk.chunk_id, _table(steps, STEP_COLUMNS), _table(members, MEMBER_COLUMNS))
    return chunk.chunk_id, rows


def _table(parts: list[dict[str, np.ndarray]], columns: tuple[str, ...]) -> pa.Table:
    names = ["run_id", *columns]
    if not parts:
        return pa.table({n: pa.array([], type=pa.string() if n == "iso3" else pa.float64()) for n in names})
    arrays = []
    for n in names:
        joined = np.concatenate([p[n] for p in parts])
        arrays.append(pa.array(joined, type=pa.string()) if joined.dtype == object else pa.array(joined))
    return pa.table(arrays, names=names)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _manifest(exp: Experiment, chunk_size: int) -> dict[str, Any]:
    return {
        "format": 1,
        "experiment": {
            "name": exp.name,
            "description": exp.description,
            "file": str(exp.source or ""),
            "sha256": file_sha256(exp.source),
        },
        "fingerprint": exp.fingerprint(),
        "package_version": __version__,
        "design": {
            "kind": exp.spec.design.kind,
            "parameters": list(exp.parameter_names),
            "points": [{"point_id": p.point_id, "scenario": p.scenario.name, "values": p.values} for p in exp.points],
        },
        "replications": exp.replications,
        "steps": exp.steps,
        "seed": exp.seed,
        "seed_scheme": "SeedSequence(seed).spawn(2)[1].spawn(n_runs, or replications with common random numbers); "
        "run seed = child.generate_state(1, uint64) >> 1",
        "common_random_numbers": exp.common_seeds,
        "seeds": [int(s) for s in exp.run_seeds()],
        "chunk_size": chunk_size,
        "n_runs": exp.n_runs,
        "started": _now(),
        "finished": None,
        "status": "running",
        "run_status": "p" * exp.n_runs,
    }


def run_experiment(
    experiment: Experiment | str | Path,
    out: str | Path,
    *,
    workers: int | None = None,
    dask: str | None = None,
    executor: Executor | None = None,
    sets: list[str] | dict[str, Any] | None = None,
    force: bool = False,
    progress: bool = True,
) -> Results:
    """Run (or resume) an experiment into the results folder ``out``.

    Args:
        experiment: an Experiment, an experiment file or a shipped experiment's name.
        out: the results folder; an interrupted one is resumed.
        workers: worker processes (default: the CPU count; 1 runs serially in this process).
        dask: ``"local"`` for a Dask LocalCluster, or a scheduler address ``tcp://host:8786``.
        executor: an executor to use instead of building one (tests, notebooks).
        sets: ``key=value`` overrides of the experiment file or of scenario parameters.
        force: replace the results of a different experiment found in ``out``.
        progress: show a progress bar (runs done, runs/s, time left).

    Returns:
        The results folder, read back.
    """
    exp = experiment if isinstance(experiment, Experiment) else load_experiment(experiment, sets)
    store = Store(Path(out))
    size = exp.spec.experiment.chunk_size or chunk_size_for(exp.n_runs)
    fresh = _manifest(exp, size)
    done = store.open(fresh["fingerprint"], fresh, force=force)
    size = store.manifest["chunk_size"]
    runs = exp.runs()
    chunks = [runs[i : i + size] for i in range(0, len(runs), size)]
    todo = [
        Chunk(
            cid,
            str(store.path),
            tuple((r, p.point_id, rep, seed) for r, p, rep, seed in c),
            {p.point_id: p.scenario for _, p, _, _ in c},
        )
        for cid, c in enumerate(chunks)
        if cid not in done
    ]
    (store.path / "experiment.toml").write_text(experiment_toml_text(exp.source), "utf-8")
    (store.path / "scenarios").mkdir(exist_ok=True)
    for name, sc in exp.scenarios().items():
        (store.path / "scenarios" / f"{name}.toml").write_text(to_toml(sc), "utf-8")
    status = list(store.manifest["run_status"])
    store.write_manifest()
    values = {p.point_id: p.values for p in exp.points}
    bar = _progress(exp.n_runs, sum(len(chunks[c]) for c in done), progress, exp.name)
    own = executor is None
    ex = executor if executor is not None else make_executor(workers, dask)
    last = time.monotonic()
    try:
        for cid, rows in ex.imap_unordered(run_chunk, todo):
            for row in rows:
                row.update(values[row["point_id"]])
                status[row["run_id"]] = "c" if row["status"] == "complete" else "e"
            store.commit_chunk(cid, runs_frame(rows, exp.parameter_names))
            bar.update(len(rows))
            if time.monotonic() - last > 1.0:
                store.manifest["run_status"] = "".join(status)
                store.write_manifest()
                last = time.monotonic()
    except BaseException:
        store.manifest.update(status="interrupted", run_status="".join(status))
        store.write_manifest()
        raise
    finally:
        bar.close()
        if own:
            ex.close()
    store.consolidate()
    store.manifest.update(status="complete", finished=_now(), run_status="".join(status), errors=status.count("e"))
    store.write_manifest()
    return Results(store.path)


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
