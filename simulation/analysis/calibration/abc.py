"""The ABC-SMC loop: pyabc over the project's executors, its folder, its generations and ``calibrate``."""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simulation import __version__
from simulation.analysis.calibration.files import _FILES, _jsonable, _now, _sha256, _write_json, _write_parquet
from simulation.analysis.calibration.posterior import identification, read_posterior_db
from simulation.analysis.calibration.predictive import _predictive
from simulation.analysis.calibration.schema import Calibration, load_calibration
from simulation.analysis.calibration.statistics import STATISTICS
from simulation.errors import AnalysisError, ExperimentError
from simulation.runner.executors import Executor, make_executor
from simulation.runner.store import Store, write_text
from simulation.scenario import to_toml

CALIBRATE_HINT = 'calibration needs pyabc, the "calibrate" extra: pip install -e ".[calibrate]" (or "pyabc>=0.13")'


#: SQLite's words for a write the file system refused, and the errno each one means.
_SQLITE_REFUSALS = {
    "database or disk is full": errno.ENOSPC,
    "readonly database": errno.EROFS,
    "disk i/o error": errno.EIO,
    "unable to open database file": errno.EACCES,
}


@contextlib.contextmanager
def _database_writes(db: Path) -> Any:
    """The SQLite history of pyabc refusing a write (full disk, read-only) raises the OSError it means.

    SQLite rolls the transaction back, so the generations already in the history stay whole. pyabc
    then closes the run with a query on the rolled-back session, whose error hides the first one (a
    signal, a full disk): the first one is raised instead.
    """
    try:
        yield
    except Exception as e:
        cause: BaseException | None = e
        while cause is not None:
            if isinstance(cause, KeyboardInterrupt):  # SIGINT or SIGTERM inside the database write
                raise cause from None
            text = str(cause).lower()
            for words, code in _SQLITE_REFUSALS.items():
                if words in text and type(cause).__name__ in ("OperationalError", "DatabaseError"):
                    raise OSError(code, os.strerror(code), str(db)) from e
            cause = cause.__cause__ or cause.__context__
        raise


def _require_pyabc() -> Any:
    try:
        import pyabc
    except ImportError:
        raise AnalysisError(CALIBRATE_HINT) from None
    import logging

    for name in ("ABC", "pyabc", "History", "Epsilon", "Distance", "Sampler", "Acceptor"):
        logging.getLogger(name).setLevel(logging.WARNING)
    return pyabc


def _abcsmc(cal: Calibration, sampler: Any) -> Any:
    import pyabc

    prior = pyabc.Distribution(
        **{p.key: pyabc.RV(p.scipy_args()[0], *p.scipy_args()[1], **p.scipy_args()[2]) for p in cal.priors}
    )
    return pyabc.ABCSMC(
        cal.model(),
        prior,
        cal.distance(),
        population_size=cal.settings.population,
        eps=pyabc.QuantileEpsilon(alpha=cal.settings.epsilon_quantile),
        sampler=sampler,
    )


def _open_folder(out: Path, cal: Calibration, force: bool, resume: bool) -> dict[str, Any] | None:
    """The calibration.json of a calibration to continue, or None for a new one (folder prepared)."""
    Store.check_writable(out)
    cj = out / "calibration.json"
    if cj.is_file():
        try:
            old = json.loads(cj.read_text("utf-8"))
        except ValueError as e:
            raise ExperimentError(
                None, "--out", f"{cj} is damaged ({e}); add --force to delete this calibration and start again"
            ) from None
        if not isinstance(old, dict):
            old = {}
        if old.get("fingerprint") == cal.fingerprint():
            return old
        if not force:
            raise ExperimentError(
                None,
                "--out",
                f"{out} holds another calibration ({old.get('calibration', {}).get('name')!r}: a different "
                "scenario, priors, data, distance, population or seed); choose another --out, or add --force to "
                "delete it and start again",
            )
    elif resume:
        raise ExperimentError(None, "--resume", f"{out} holds no calibration to resume (no calibration.json)")
    elif out.is_dir() and any(out.iterdir()) and not force:
        raise ExperimentError(
            None, "--out", f"{out} is not empty and is not a calibration folder; choose a new folder, or add --force"
        )
    for name in _FILES:
        (out / name).unlink(missing_ok=True)
    for name in ("predictive", "figures"):
        shutil.rmtree(out / name, ignore_errors=True)
    (out / "report.html").unlink(missing_ok=True)
    return None


def _generations(db: Path) -> pd.DataFrame:
    """Finished generations in pyabc's history: t, epsilon, simulations, particles, wall time."""
    import sqlite3

    if not db.is_file():
        return pd.DataFrame(columns=["t", "epsilon", "simulations", "wall_time"])
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as con:
        try:
            df = pd.read_sql_query(
                "SELECT t, epsilon, nr_samples AS simulations, wall_time FROM populations WHERE t >= 0 ORDER BY t", con
            )
        except pd.errors.DatabaseError:
            return pd.DataFrame(columns=["t", "epsilon", "simulations", "wall_time"])
    return df


def _has_run(db: Path) -> bool:
    import sqlite3

    if not db.is_file():
        return False
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as con:
            # pyabc commits the run's row and its pre-population (t = -1, the observed data) separately:
            # a history stopped between the two (a full disk, a signal) has nothing to resume, it starts again
            return con.execute("SELECT COUNT(*) FROM populations").fetchone()[0] > 0
    except sqlite3.DatabaseError:
        return False


@dataclass
class CalibrationResult:
    """What :func:`calibrate` returns: the folder, the posterior and the record."""

    folder: Path
    posterior: pd.DataFrame
    record: dict[str, Any]

    @property
    def final(self) -> pd.DataFrame:
        """The last generation's particles."""
        return self.posterior[self.posterior["generation"] == self.posterior["generation"].max()]


def calibrate(
    calibration: Calibration | str | Path,
    out: str | Path,
    *,
    workers: int | None = None,
    dask: str | None = None,
    executor: Executor | None = None,
    sets: list[str] | dict[str, Any] | None = None,
    force: bool = False,
    resume: bool = False,
    predictive: bool = True,
    log: Any = None,
) -> CalibrationResult:
    """Run (or resume) an ABC-SMC calibration into the folder ``out``.

    Args:
        calibration: a Calibration, a calibration file or a shipped calibration's name.
        out: the output folder; a folder holding the same calibration is resumed (finished
            generations are kept), one holding another is refused unless ``force``.
        workers: worker processes (default: the CPU count; 1 runs serially in this process).
        dask: ``"local"`` for a Dask LocalCluster, or a scheduler address.
        executor: an executor to use instead of building one.
        sets: ``key=value`` overrides of the file's keys or of scenario parameters.
        force: delete another calibration (or other files) found in ``out``.
        resume: insist on continuing a calibration found in ``out`` (an error if there is none).
        predictive: also run the prior and posterior predictive and score them.
        log: called with a line of text after each generation (None: silent).

    Returns:
        The folder, the posterior (every generation) and the content of calibration.json.
    """
    cal = calibration if isinstance(calibration, Calibration) else load_calibration(calibration, sets)
    _require_pyabc()
    from simulation.analysis.abc_sampler import ExecutorSampler

    out = Path(out)
    old = _open_folder(out, cal, force, resume)
    out.mkdir(parents=True, exist_ok=True)
    db = out / "abc.db"
    record = old or _record(cal)
    record["status"] = "running"
    if old:
        record["resumed"] = [*old.get("resumed", []), _now()]
    write_text(cal.source.read_text("utf-8") if cal.source else "", out / "calibration.toml")
    write_text(to_toml(cal.full_scenario), out / "scenario.toml")
    _write_json(record, out / "calibration.json")
    s = cal.settings
    own = executor is None
    ex = executor if executor is not None else make_executor(workers, dask)
    sampler = ExecutorSampler(ex, cal.seed, s.chunk_size)
    stopped = "generations"
    try:
        while True:
            gens = _generations(db)
            done = len(gens)
            if done >= s.generations:
                break
            if done and s.min_epsilon > 0 and float(gens["epsilon"].iloc[-1]) <= s.min_epsilon:
                stopped = "min_epsilon"
                break
            if s.max_simulations and done and int(gens["simulations"].sum()) >= s.max_simulations:
                stopped = "max_simulations"
                break
            abc = _abcsmc(cal, sampler)
            with _database_writes(db):
                if _has_run(db):
                    abc.load(f"sqlite:///{db}", 1, observed_sum_stat=cal.observed)
                else:
                    db.unlink(missing_ok=True)
                    abc.new(f"sqlite:///{db}", cal.observed)
                t0 = time.perf_counter()
                abc.run(max_nr_populations=1, min_acceptance_rate=s.min_acceptance)
            elapsed = time.perf_counter() - t0
            after = _generations(db)
            if len(after) == done:
                stopped = "min_acceptance"
                break
            record["generations"] = _generation_rows(db, after, record.get("generations", []), elapsed)
            _write_json(record, out / "calibration.json")
            if log is not None:
                g = record["generations"][-1]
                log(
                    f"generation {g['t']}: epsilon {g['epsilon']:.4g}, {g['particles']} accepted of "
                    f"{g['simulations']} runs ({g['acceptance']:.1%}), ESS {g['ess']:.0f}, {g['wall_time_s']:.1f} s"
                )
        posterior = read_posterior_db(db, cal.names)
        _write_parquet(posterior, out / "posterior.parquet")
        record.update(
            status="complete",
            finished=_now(),
            stopped_because=stopped,
            parameters=identification(cal, posterior),
            simulations=int(sum(g["simulations"] for g in record["generations"])),
            evaluated_this_session=sampler.evaluated_total,
        )
        record["wall_time_s"] = float(sum(g["wall_time_s"] for g in record["generations"]))
        record["runs_per_second"] = record["simulations"] / max(record["wall_time_s"], 1e-9)
        _write_json(record, out / "calibration.json")
        if predictive:
            t0 = time.perf_counter()
            record["predictive"] = _predictive(cal, out, posterior, ex)
            record["predictive"]["wall_time_s"] = time.perf_counter() - t0
            _write_json(record, out / "calibration.json")
    except BaseException:
        record["status"] = "interrupted"
        with contextlib.suppress(OSError):  # a full disk: the last calibration.json stays whole
            _write_json(record, out / "calibration.json")
        raise
    finally:
        if own:
            ex.close()
    return CalibrationResult(out, posterior, record)


def _record(cal: Calibration) -> dict[str, Any]:
    from importlib import resources

    import pyabc

    data = resources.files("simulation.data")
    return {
        "format": 1,
        "calibration": {
            "name": cal.name,
            "description": cal.description,
            "file": str(cal.source or ""),
            "sha256": _sha256(cal.source),
            "sets": list(cal.sets),
        },
        "fingerprint": cal.fingerprint(),
        "package_version": __version__,
        "pyabc_version": pyabc.__version__,
        "scenario": cal.full_scenario.name,
        "spec": cal.spec.model_dump(),
        "data": {
            "window": list(cal.window),
            "months": [cal.m0, cal.m1],
            "start": cal.start,
            "files": {
                name: hashlib.sha256(data.joinpath(name).read_bytes()).hexdigest()
                for name in ("history_2022_2023.csv", "history_events.csv")
            },
            "statistics": {k: STATISTICS[k][1] for k in cal.observed},
            "observed": _jsonable(cal.observed),
        },
        "distance": {
            "formula": "d = (sum_i w_i (e_i / s_i)^p)^(1/p)",
            "p": cal.settings.distance_p,
            "weights": cal.weights,
            "scales": cal.scales,
        },
        "priors": [p.to_dict() | {"describe": p.describe()} for p in cal.priors],
        "seed": cal.seed,
        "seed_scheme": "candidate k of generation t: SeedSequence(seed, spawn_key=(0, t + 1, k)).spawn(2) -> "
        "(proposal: numpy global + random, run seed: generate_state(1, uint64) >> 1); posterior predictive "
        "spawn_key (1,), prior predictive draws (2,) and runs (3,)",
        "population": cal.settings.population,
        "algorithm": f"ABC-SMC (pyabc {pyabc.__version__}): QuantileEpsilon(alpha={cal.settings.epsilon_quantile}), "
        "MultivariateNormalTransition, constant population size",
        "started": _now(),
        "finished": None,
        "status": "running",
        "generations": [],
    }


def _ess(w: np.ndarray) -> float:
    w = np.asarray(w, dtype=float)
    return float(w.sum() ** 2 / (w**2).sum()) if w.size else 0.0


def _generation_rows(db: Path, gens: pd.DataFrame, known: list[dict[str, Any]], elapsed: float) -> list[dict[str, Any]]:
    post = read_posterior_db(db, None)
    by_t = {g["t"]: g for g in known}
    rows = []
    for _, r in gens.iterrows():
        t = int(r["t"])
        w = post.loc[post["generation"] == t, "weight"].to_numpy()
        row = {
            "t": t,
            "epsilon": float(r["epsilon"]),
            "particles": len(w),
            "simulations": int(r["simulations"]),
            "acceptance": len(w) / max(int(r["simulations"]), 1),
            "ess": _ess(w),
            "wall_time_s": float(r["wall_time"]) if pd.notna(r["wall_time"]) else None,
        }
        if t in by_t:
            row["wall_time_s"] = by_t[t].get("wall_time_s", row["wall_time_s"])
        elif t == int(gens["t"].max()):
            row["wall_time_s"] = elapsed
        rows.append(row)
    return rows
