"""The results folder: a store that survives interruption, concurrent writers and damaged files.

    DIR/manifest.json          experiment file and hash, package version, design, seeds, record, times, status
    DIR/experiment.toml        the experiment file as it was run
    DIR/scenarios/NAME.toml    the resolved scenario(s): the base of a sweep, or each listed scenario
    DIR/runs.parquet           one row per run: run_id, design point, seed, status, summary metrics
    DIR/steps/chunk=NNNNN/     per-step rows (run_id + STEP_COLUMNS), one Parquet file per chunk
    DIR/members/chunk=NNNNN/   per-step-and-member rows (run_id + MEMBER_COLUMNS)
    DIR/parts/runs-NNNNN.parquet   the runs of one chunk
    DIR/parts/chunk-NNNNN.json     the chunk's commit record: its files' sizes and SHA-256, run statuses
    DIR/.lock                  while a batch writes: its host, PID and start time

Guarantees (format 2):

- One writer: a batch takes ``DIR/.lock`` atomically (a hard link of a complete file, so nobody ever
  reads a half-written lock); a second batch is refused, naming the holder. A lock left by a process
  that died on this host is broken, with a message: a zombie holder (exited, not reaped) or a PID now
  used by another process (another start time in ``/proc``) counts as dead. Readers take no lock.
- Atomic files: every file is written under a unique hidden temporary name and renamed into place,
  so a reader sees the old file or the new one, never half of one, and two writers never share a
  temporary file. A write the file system refuses (a full disk) deletes its temporary and raises an
  ``OSError`` naming the file meant, which the command line reports in one line (exit status 3).
- Commit records: a chunk counts as done exactly when its record exists and every file it lists has
  the recorded size and SHA-256. A batch verifies the records before it skips a chunk; a damaged
  chunk is recomputed (and said so). Readers check the same checksums and raise one clear
  :class:`StoreError` naming the file and the repair command.
- Honest status: the manifest's ``run_status`` and counts are derived from the commit records on disk
  at the end of every batch, so they are right after any sequence of kills and resumes.
- Salvage: records carry the experiment's fingerprint, so with the manifest lost, ``force`` or
  ``salvage`` keeps the committed chunks of the same experiment and recomputes only the rest.

Format 3 (compact tables): the ``[record]`` of the experiment says which of the steps and members
tables exist and which months they keep (the manifest's and each commit record's ``record``); their
columns have the types of ``simulation.metrics.STORED_TYPES`` (narrow integers, float32, booleans) and
every file is compressed with zstd. A reader asking for a table the store did not keep gets one
:class:`StoreError` naming the ``[record]`` setting that keeps it.

Stores of format 2 (float64 columns, snappy) read and verify as they are. Stores of format 1 (no
commit records: a chunk was done when its runs part existed) still load; a batch resuming one adopts
each of its chunks whose three files read back whole.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import shutil
import socket
import sys
import tomllib
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from simulation.calendar import date_of
from simulation.errors import StoreError, WriteError
from simulation.metrics import SUMMARY_COLUMNS, stored_type

__all__ = [
    "FORMAT",
    "FULL_RECORD",
    "RUN_KEYS",
    "Results",
    "Store",
    "StoreError",
    "StoreLock",
    "Verification",
    "arrow_table",
    "chunk_size_for",
    "load_results",
    "repair_command",
    "verify_store",
]

#: The store format written by this version (1: no commit records; 2: checksummed commit records;
#: 3: a chosen record, compact column types and zstd).
FORMAT = 3
#: What stores before format 3 kept (and what a manifest or commit record without ``record`` means).
FULL_RECORD: dict[str, Any] = {"tables": ["runs", "steps", "members"], "every": 1, "members_every": 1}
#: Parquet compression of every table written (zstd level 3: measured below).
_CODEC = {"compression": "zstd", "compression_level": 3}
RUN_KEYS = ("run_id", "point_id", "replicate", "seed", "scenario", "status", "error")
_NULLABLE_INT = {f"first_month_at_rung_{k}" for k in (5, 6, 7)} | {"ceasefire_month"}
_INT = {"peak_rung", "final_rung", "spillover_incidents"} | {f"months_at_or_above_rung_{k}" for k in (5, 6, 7)}
_STATUS_CODE = {"complete": "c", "error": "e"}
_ROW_GROUP = 1024  # rows per row group of runs.parquet (see Store.consolidate)
#: Files of a store (deleted by --force); anything else in the folder is left alone.
_OWN_DIRS = ("steps", "members", "parts", "scenarios", "figures")
_OWN_FILES = ("manifest.json", "runs.parquet", "experiment.toml", "report.html", "design.parquet")


def _read_only(path: Path) -> bool:
    """Whether ``path`` lies on a file system mounted read-only."""
    try:
        return bool(os.statvfs(path).f_flag & os.ST_RDONLY)
    except OSError:
        return False


def chunk_size_for(n_runs: int) -> int:
    """Runs per chunk: about 64 chunks, at most 50 runs each (independent of the worker count)."""
    return int(min(50, max(1, -(-n_runs // 64))))


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _say(message: str) -> None:
    print(f"escalation: {message}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------------
# Files: unique temporaries, atomic renames, checksums
# ---------------------------------------------------------------------------------------------------


def _tmp_for(path: Path) -> Path:
    """A hidden temporary name next to ``path``, unique to this process and call."""
    return path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:12]}.tmp")


def _named(e: OSError, path: Path) -> OSError:
    """The error of a write, naming the file meant (a failed ``write`` names none, a temporary its own)."""
    if e.filename is None or str(e.filename).endswith(".tmp"):
        e.filename = str(path)
    return e


def _atomic_write_bytes(data: bytes | memoryview | pa.Buffer, path: Path) -> None:
    with atomic_path(path) as tmp, open(tmp, "wb") as f:
        f.write(data)


@contextlib.contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """A temporary name to write ``path`` under, renamed into place when the block ends without error.

    A failure (a full disk, a signal) deletes the temporary and leaves ``path`` as it was; an
    ``OSError`` names ``path`` (``simulation.errors.os_error_message`` turns it into the one line).
    """
    path = Path(path)
    tmp = _tmp_for(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        yield tmp
        os.replace(tmp, path)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise _named(e, path) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_text(text: str, path: Path) -> None:
    """Write a text file atomically (readers see the old file or the new one, never half of one)."""
    _atomic_write_bytes(text.encode("utf-8"), path)


def _text_columns(schema: pa.Schema) -> list[str]:
    # Dictionary-encode only text columns: trying it on every float column costs 5x the write time
    # (measured on a 50-run members chunk: 189 ms -> 37 ms) and makes the files larger.
    return [f.name for f in schema if pa.types.is_string(f.type) or pa.types.is_large_string(f.type)]


def _parquet_bytes(table: pa.Table) -> pa.Buffer:
    sink = pa.BufferOutputStream()
    # Floats split into byte streams before zstd: 16% smaller members and steps parts (their exponent
    # bytes repeat, their low mantissa bytes do not), and no slower to write.
    floats = [f.name for f in table.schema if pa.types.is_floating(f.type)]
    pq.write_table(
        table, sink, use_dictionary=_text_columns(table.schema), use_byte_stream_split=floats or False, **_CODEC
    )
    return sink.getvalue()


_ARROW = {
    "float32": pa.float32(),
    "float64": pa.float64(),
    "int8": pa.int8(),
    "int16": pa.int16(),
    "int32": pa.int32(),
    "int64": pa.int64(),
    "bool": pa.bool_(),
    "dictionary": pa.string(),  # dictionary-encoded on disk (_text_columns), read back as text
    "text": pa.string(),
}


def arrow_table(parts: list[dict[str, Any]], columns: tuple[str, ...]) -> pa.Table:
    """One table of the rows of several runs (dicts of numpy columns), each column of its stored type.

    The types are ``simulation.metrics.STORED_TYPES`` (a column it does not list keeps the engine's
    type). Narrowing float64 to float32 rounds to nearest, the same bits on every machine and executor.
    """
    arrays = []
    for name in columns:
        values = np.concatenate([p[name] for p in parts]) if parts else np.zeros(0)
        typ = _ARROW[stored_type(name, values)]
        if pa.types.is_string(typ):
            arrays.append(pa.array(values.astype(object) if values.size else [], type=typ))
        else:
            arrays.append(pa.array(np.asarray(values).astype(typ.to_pandas_dtype(), copy=False), type=typ))
    return pa.table(arrays, names=list(columns))


def write_table(table: pa.Table, path: Path) -> dict[str, Any]:
    """Write a table as Parquet atomically; return its record: size, SHA-256 and rows.

    The checksum is of the bytes written, computed before they reach the disk.
    """
    buf = _parquet_bytes(table)
    _atomic_write_bytes(buf, path)
    return {"size": buf.size, "sha256": hashlib.sha256(memoryview(buf)).hexdigest(), "rows": table.num_rows}


def chunk_files(chunk_id: int) -> dict[str, str]:
    """A chunk's files, relative to the store: steps, members, runs, and its commit record."""
    name = f"chunk={chunk_id:05d}"
    return {
        "steps": f"steps/{name}/part-0.parquet",
        "members": f"members/{name}/part-0.parquet",
        "runs": f"parts/runs-{chunk_id:05d}.parquet",
        "record": f"parts/chunk-{chunk_id:05d}.json",
    }


def write_chunk_tables(out: Path, chunk_id: int, tables: dict[str, pa.Table]) -> dict[str, dict[str, Any]]:
    """Write one chunk's per-step and per-member rows, those its record keeps (in the worker); return their records.

    Args:
        out: the store.
        chunk_id: the chunk.
        tables: ``"steps"`` and/or ``"members"`` -> the chunk's rows.
    """
    f = chunk_files(chunk_id)
    if not out.is_dir():  # the results folder vanished: do not make a new one holding only this chunk
        raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), str(out / f["steps"]))
    return {f[name]: write_table(table, out / f[name]) for name, table in tables.items()}


def _file_problem(
    root: Path, rel: str, rec: dict[str, Any], data: bytes | None = None, *, quick: bool = False
) -> str | None:
    """Why ``root/rel`` does not match its record (None if it does); ``quick`` checks the size only."""
    p = root / rel
    if data is None:
        if not p.is_file():
            return f"{rel} is missing"
        size = p.stat().st_size
        if size != rec["size"]:
            return f"{rel} has {size} bytes, {rec['size']} were committed (truncated or overwritten)"
        if quick:
            return None
        data = p.read_bytes()
    if len(data) != rec["size"]:
        return f"{rel} has {len(data)} bytes, {rec['size']} were committed (truncated or overwritten)"
    if hashlib.sha256(data).hexdigest() != rec["sha256"]:
        return f"{rel} does not match its SHA-256 (the bytes changed after they were committed)"
    return None


def runs_frame(rows: list[dict[str, Any]], parameter_names: tuple[str, ...]) -> pd.DataFrame:
    """One row per run with a fixed schema, whatever the chunk (so parts concatenate exactly)."""
    cols = [*RUN_KEYS[:5], *parameter_names, *RUN_KEYS[5:], *SUMMARY_COLUMNS]
    df = pd.DataFrame(rows).reindex(columns=cols)
    df = df.astype(
        {
            "run_id": "int64",
            "point_id": "int32",
            "replicate": "int32",
            "seed": "int64",
            "scenario": "string",
            "status": "string",
            "error": "string",
        }
    )
    for c in SUMMARY_COLUMNS:
        df[c] = df[c].astype("Int32" if c in _NULLABLE_INT or c in _INT else "float64")
    for c in parameter_names:
        df[c] = pd.to_numeric(df[c])
    return df


def repair_command(path: Path, manifest: dict[str, Any] | None) -> str:
    """The command that repairs (or finishes) a store: the batch that wrote it, run again."""
    exp = (manifest or {}).get("experiment", {})
    file = exp.get("file") or f"{path}/experiment.toml"
    sets = "".join(f" --set {s}" for s in exp.get("sets", []))
    return f"escalation batch {file} --out {path}{sets}"


# ---------------------------------------------------------------------------------------------------
# The writer's lock
# ---------------------------------------------------------------------------------------------------


def _proc_stat(pid: int) -> tuple[str, str] | None:
    """(state, start time) of process ``pid`` from ``/proc/PID/stat`` (Linux; fields 3 and 22), or None."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()  # the command name in parentheses may hold spaces
    return fields[0], fields[19]


def _proc_start(pid: int) -> str | None:
    """The kernel's start time of process ``pid`` (Linux), to tell a live holder from a reused PID."""
    stat = _proc_stat(pid)
    return stat[1] if stat else None


def _alive(pid: int, start: str | None) -> bool:
    """Whether the lock's holder still runs: not gone, not a zombie (Z, X), and its PID not reused."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # another user's process: it exists; /proc says whether it is ours
    stat = _proc_stat(pid)
    if stat is None:
        return True  # no /proc (not Linux): a process that answers counts as alive
    state, now = stat
    if state in ("Z", "X"):  # exited, not yet reaped by its parent (a container whose init does not reap)
        return False
    return start is None or now == start


class StoreLock:
    """An exclusive lock on a results folder: ``DIR/.lock`` holding host, PID and start time.

    Taken atomically by hard-linking a complete temporary file to ``.lock`` (the link fails if the
    lock exists, and the lock is never seen half-written). A lock whose holder is a dead process on
    this host is broken with a message; breakers are serialised by ``flock`` on ``.lock.break`` so
    two of them never both win.
    """

    def __init__(self, folder: Path, say: Callable[[str], None] = _say):
        """A lock on ``folder`` (not taken yet)."""
        self.path = folder / ".lock"
        self.say = say
        self.token = uuid.uuid4().hex
        self.held = False

    def _info(self) -> dict[str, Any]:
        return {
            "host": socket.gethostname(),
            "pid": os.getpid(),
            "proc_start": _proc_start(os.getpid()),
            "started": _now(),
            "command": " ".join(sys.argv[:1] + sys.argv[1:6]),
            "token": self.token,
        }

    def holder(self) -> dict[str, Any] | None:
        """The lock's content, or None if there is no lock (or it cannot be read)."""
        try:
            return json.loads(self.path.read_text("utf-8"))
        except (OSError, ValueError):
            return None

    def acquire(self) -> None:
        """Take the lock, breaking a stale one.

        Raises:
            StoreError: another live process holds it (the message names host, PID and start).
        """
        tmp = _tmp_for(self.path)
        try:
            tmp.write_text(json.dumps(self._info()), "utf-8")
            for _ in range(10):
                # held before the link: a signal between the link and the next line must not leave our
                # lock behind (release removes the lock only if it carries our token)
                self.held = True
                if self._link(tmp):
                    return
                self.held = False
                holder = self.holder()
                if holder is None:
                    if self.path.exists():
                        raise StoreError(
                            f"{self.path.parent} is locked by {self.path}, which cannot be read; if no batch is "
                            f"writing this folder, delete {self.path}"
                        )
                    continue  # released meanwhile: try again
                if not self._stale(holder):
                    raise StoreError(
                        f"{self.path.parent} is being written by another batch (pid {holder.get('pid')} on "
                        f"{holder.get('host')}, since {holder.get('started')}: {holder.get('command', '?')}); wait "
                        f"for it to finish, or if it is not running, delete {self.path}"
                    )
                self._break(holder)
            raise StoreError(f"{self.path.parent}: could not take the lock {self.path} (it keeps changing)")
        finally:
            tmp.unlink(missing_ok=True)

    def _link(self, tmp: Path) -> bool:
        try:
            os.link(tmp, self.path)
            return True
        except FileExistsError:
            return False
        except OSError as e:  # a file system without hard links: exclusive create, then write
            if e.errno in (errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EIO):
                raise _named(e, self.path) from None
            try:
                fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                return False
            with os.fdopen(fd, "w") as f:
                f.write(tmp.read_text("utf-8"))
            return True

    @staticmethod
    def _stale(holder: dict[str, Any]) -> bool:
        if holder.get("host") != socket.gethostname():
            return False  # another machine's process: it cannot be checked from here
        return not _alive(int(holder.get("pid", -1)), holder.get("proc_start"))

    def _break(self, holder: dict[str, Any]) -> None:
        import fcntl

        with open(self.path.with_name(".lock.break"), "a") as guard:
            fcntl.flock(guard, fcntl.LOCK_EX)
            try:
                if self.holder() == holder:  # nobody broke it and re-took it meanwhile
                    self.path.unlink(missing_ok=True)
                    self.say(
                        f"broke a stale lock on {self.path.parent}: pid {holder.get('pid')} (started "
                        f"{holder.get('started')}) is no longer running"
                    )
            finally:
                fcntl.flock(guard, fcntl.LOCK_UN)

    def check(self) -> None:
        """Before a commit: the lock is still ours (the folder has not vanished, nobody broke the lock).

        Raises:
            FileNotFoundError: the lock (or its whole folder) is gone.
            StoreError: another process holds the lock now.
        """
        holder = self.holder()
        if holder is None and not self.path.exists():
            raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), str(self.path))
        if holder is not None and holder.get("token") != self.token:
            raise StoreError(
                f"{self.path.parent}: another batch took the lock meanwhile (pid {holder.get('pid')} on "
                f"{holder.get('host')}); this batch stops, its committed chunks are kept"
            )

    def release(self) -> None:
        """Drop the lock if this process still holds it."""
        if self.held:
            if (self.holder() or {}).get("token") == self.token:
                self.path.unlink(missing_ok=True)
            self.held = False


# ---------------------------------------------------------------------------------------------------
# The writer
# ---------------------------------------------------------------------------------------------------


@dataclass
class Store:
    """A results folder being written (by one batch at a time: see :class:`StoreLock`)."""

    path: Path
    manifest: dict[str, Any] = field(default_factory=dict)
    say: Callable[[str], None] = _say
    record: dict[str, Any] | None = None  # the [record] of the batch writing it (set by open)

    def __post_init__(self) -> None:
        self.lock = StoreLock(self.path, self.say)

    @staticmethod
    def check_writable(path: Path) -> None:
        """Refuse a path that is a file or cannot be written, before any run starts."""
        if path.exists() and not path.is_dir():
            raise StoreError(f"{path}: the output folder is a file; give a folder")
        probe = path
        while not probe.exists():
            probe = probe.parent
        if not os.access(probe, os.W_OK | os.X_OK):
            why = "is on a read-only file system" if _read_only(probe) else "does not allow writing"
            raise WriteError(
                f"{path}: the output folder is not writable ({probe} {why}); choose --out in a folder you may write"
            )

    # -- opening -------------------------------------------------------------------------------------

    def open(
        self, fingerprint: str, fresh_manifest: dict[str, Any], *, force: bool = False, salvage: bool = False
    ) -> dict[int, dict[str, Any]]:
        """Lock and prepare the folder; return the verified commit records of the chunks already done.

        Args:
            fingerprint: the experiment's fingerprint.
            fresh_manifest: the manifest of a new store for this experiment.
            force: replace the results of another experiment (its chunks are deleted; committed chunks
                of this experiment are kept).
            salvage: with the manifest lost or damaged, keep the committed chunks of this experiment.

        Raises:
            StoreError: the folder is locked by a live batch, holds another experiment (without
                ``force``), or is not a store (without ``force`` or ``salvage``).
        """
        self.check_writable(self.path)
        self.path.mkdir(parents=True, exist_ok=True)
        try:
            self.lock.acquire()
            return self._open(fingerprint, fresh_manifest, force=force, salvage=salvage)
        except BaseException:
            self.lock.release()
            raise

    def _open(
        self, fingerprint: str, fresh: dict[str, Any], *, force: bool, salvage: bool
    ) -> dict[int, dict[str, Any]]:
        self._clean_temporaries()
        old, damage = _read_manifest(self.path / "manifest.json")
        size = fresh["chunk_size"]
        self.record = fresh.get("record", FULL_RECORD)
        kept = None if old is None else old.get("record", FULL_RECORD)
        if old is not None and old.get("fingerprint") == fingerprint and kept != self.record:
            if not force:
                values = {k: kept.get(k, v) for k, v in FULL_RECORD.items()}
                values["tables"] = ",".join(values["tables"])
                sets = " ".join(f"--set record.{k}={v}" for k, v in values.items())
                raise StoreError(
                    f"{self.path} holds results of this experiment recorded with [record] {_record_text(kept)}, "
                    f"not {_record_text(self.record)}; to resume it, add {sets}; or choose another --out, or add "
                    "--force to delete them and start again"
                )
            self.say(f"{self.path}: deleting the results recorded with [record] {_record_text(kept)}")
            self.wipe()
            self.manifest = fresh
        elif old is not None and old.get("fingerprint") == fingerprint:
            size = int(old.get("chunk_size", size))
            self.manifest = {**old, "format": FORMAT, "record": self.record, "status": "running", "finished": None}
            self.manifest["resumed"] = [*old.get("resumed", []), fresh["started"]]
            self.manifest["experiment"] = {**old.get("experiment", {}), "sets": fresh["experiment"].get("sets", [])}
            if int(old.get("format", 1)) < 2:
                self._adopt_format1(fingerprint, size, fresh["n_runs"])
        elif old is not None:
            if not force:
                raise StoreError(
                    f"{self.path} holds results of another experiment ({old.get('experiment', {}).get('name')!r},"
                    f" a different design, scenario, seed or horizon); choose another --out, or add --force "
                    "to delete those results and start again"
                )
            self.say(f"{self.path}: deleting the results of experiment {old.get('experiment', {}).get('name')!r}")
            self.wipe(keep=(fingerprint, size))
            self.manifest = fresh
        else:
            if self._has_content() and not (force or salvage):
                if damage:
                    raise StoreError(
                        f"{self.path}/manifest.json is damaged ({damage}); add --salvage to keep the committed "
                        "chunks of this experiment and recompute the rest"
                    )
                raise StoreError(
                    f"{self.path} is not empty and is not a results store (no manifest.json); choose an empty or "
                    "new folder, or add --salvage to keep the committed chunks of this experiment found there "
                    "(--force also deletes everything else the store holds)"
                )
            if self._has_content():
                kept = self.wipe(keep=(fingerprint, size))
                self.say(
                    f"{self.path}: no usable manifest; kept {len(kept)} committed chunks of this experiment, "
                    "the rest will be computed"
                )
            self.manifest = fresh
        return self._scan(fingerprint, size, fresh["n_runs"])

    def _has_content(self) -> bool:
        return any(p.name not in (".lock", ".lock.break") for p in self.path.iterdir())

    def _clean_temporaries(self) -> None:
        """Delete temporary files left by killed writers (safe: this process holds the lock)."""
        folders = [self.path, self.path / "parts", self.path / "scenarios", *self.path.glob("*/chunk=*")]
        for folder in folders:
            for tmp in folder.glob(".*.tmp"):
                tmp.unlink(missing_ok=True)

    def records(self) -> Iterator[tuple[int, dict[str, Any] | None]]:
        """Every commit record on disk as (chunk, record), record None if unreadable; chunk order."""
        for p in sorted((self.path / "parts").glob("chunk-*.json")):
            cid = int(p.stem.split("-")[1])
            try:
                yield cid, json.loads(p.read_text("utf-8"))
            except (OSError, ValueError):
                yield cid, None

    def _scan(self, fingerprint: str, size: int, n_runs: int) -> dict[int, dict[str, Any]]:
        """Verify every commit record against its files; discard (and say) the damaged chunks."""
        done = {}
        for cid, rec in self.records():
            why = _record_problem(self.path, cid, rec, fingerprint, size, n_runs, record=self.record)
            if why is None:
                done[cid] = rec
                continue
            self.say(f"chunk {cid}: {why}; recomputing its runs")
            self.discard_chunk(cid)
        return done

    def _adopt_format1(self, fingerprint: str, size: int, n_runs: int) -> None:
        """Give each chunk of a format-1 store whose three files read back whole a commit record."""
        for runs_part in sorted((self.path / "parts").glob("runs-*.parquet")):
            cid = int(runs_part.stem.split("-")[1])
            f = chunk_files(cid)
            if (self.path / f["record"]).exists():
                continue
            try:
                files = {}
                for key in ("steps", "members", "runs"):
                    data = (self.path / f[key]).read_bytes()
                    table = pq.read_table(pa.BufferReader(data))
                    files[f[key]] = {
                        "size": len(data),
                        "sha256": hashlib.sha256(data).hexdigest(),
                        "rows": table.num_rows,
                    }
                    if key == "runs":
                        status = "".join(_STATUS_CODE.get(s, "e") for s in table.column("status").to_pylist())
            except (OSError, pa.ArrowException) as e:
                self.say(f"chunk {cid} (format 1): unreadable ({type(e).__name__}); recomputing its runs")
                self.discard_chunk(cid)
                continue
            self._write_record(cid, fingerprint, size, status, files)

    def wipe(self, keep: tuple[str, int] | None = None) -> set[int]:
        """Delete this store's own files (and nothing else), but the verified chunks of ``keep``.

        Args:
            keep: (fingerprint, chunk size) of the experiment whose committed chunks survive.

        Returns:
            The chunks kept.
        """
        kept: set[int] = set()
        if keep is not None:
            fingerprint, size = keep
            for cid, rec in self.records():
                why = _record_problem(self.path, cid, rec, fingerprint, size, None, record=self.record)
                if rec is not None and why is None:
                    kept.add(cid)
        if not kept:
            for name in _OWN_DIRS:
                shutil.rmtree(self.path / name, ignore_errors=True)
        else:
            for name in ("scenarios", "figures"):
                shutil.rmtree(self.path / name, ignore_errors=True)
            for p in [
                *(self.path / "parts").glob("*"),
                *self.path.glob("steps/chunk=*"),
                *self.path.glob("members/chunk=*"),
            ]:
                digits = "".join(c for c in p.name if c.isdigit())
                if digits and int(digits) in kept:
                    continue
                shutil.rmtree(p) if p.is_dir() else p.unlink(missing_ok=True)
        for name in _OWN_FILES:
            (self.path / name).unlink(missing_ok=True)
        return kept

    def discard_chunk(self, chunk_id: int) -> None:
        """Forget a chunk: its commit record first (so nobody trusts the files), then its files."""
        for key in ("record", "runs", "steps", "members"):
            (self.path / chunk_files(chunk_id)[key]).unlink(missing_ok=True)

    # -- writing -------------------------------------------------------------------------------------

    def commit_chunk(
        self, chunk_id: int, runs: pd.DataFrame, files: dict[str, dict[str, Any]], fingerprint: str, size: int
    ) -> None:
        """Write a chunk's runs part, then its commit record: from now on the chunk counts as complete.

        Args:
            chunk_id: the chunk.
            runs: its runs' rows (``runs_frame``).
            files: the records of the steps and members parts its worker wrote.
            fingerprint: the experiment's fingerprint (kept in the record for salvage).
            size: the chunk size (chunks of another size are another composition).
        """
        rel = chunk_files(chunk_id)["runs"]
        files = {**files, rel: write_table(pa.Table.from_pandas(runs, preserve_index=False), self.path / rel)}
        status = "".join(_STATUS_CODE.get(s, "e") for s in runs["status"])
        self._write_record(chunk_id, fingerprint, size, status, files)

    def _write_record(
        self, chunk_id: int, fingerprint: str, size: int, status: str, files: dict[str, dict[str, Any]]
    ) -> None:
        record = {
            "format": FORMAT,
            "record": self.record or FULL_RECORD,
            "chunk": chunk_id,
            "fingerprint": fingerprint,
            "chunk_size": size,
            "first_run": chunk_id * size,
            "run_status": status,
            "files": files,
            "committed": _now(),
        }
        write_text(json.dumps(record, indent=1), self.path / chunk_files(chunk_id)["record"])

    def derive_status(self, n_runs: int) -> tuple[str, dict[str, int]]:
        """Every run's status from the commit records on disk ('c' complete, 'e' error, 'p' pending)."""
        status = bytearray(b"p" * n_runs)
        for _, rec in self.records():
            if rec is not None:
                first = int(rec["first_run"])
                codes = rec["run_status"].encode()
                status[first : first + len(codes)] = codes
        text = status.decode()
        counts = {"complete": text.count("c"), "error": text.count("e"), "pending": text.count("p")}
        return text, counts

    def write_manifest(self) -> None:
        """Write manifest.json atomically."""
        write_text(json.dumps(self.manifest, indent=1, default=str), self.path / "manifest.json")

    def consolidate(self) -> dict[str, Any] | None:
        """Write runs.parquet from the committed parts, streaming one part at a time; return its record.

        Chunks hold consecutive run ids, so parts in chunk order are already sorted by run_id, and
        memory stays at one chunk however many runs there are.
        """
        parts = [self.path / chunk_files(cid)["runs"] for cid, rec in self.records() if rec is not None]
        if not parts:
            return None
        final = self.path / "runs.parquet"
        tmp = _tmp_for(final)
        schema = pq.read_schema(parts[0])
        try:
            with pq.ParquetWriter(tmp, schema, use_dictionary=_text_columns(schema), **_CODEC) as writer:
                # Parts gathered into row groups of ~1,000 rows: one row group per part makes the writer's
                # footer (held in memory) grow with the number of chunks, larger groups make the buffer
                # grow (measured at 400 chunks of 50 runs: +26 MB with a group per part, +28 MB with 16k rows,
                # +7 MB here, as at 40 chunks). ParquetFile.read without threads: no dataset module loaded.
                pending: list[pa.Table] = []
                rows = 0
                for part in parts:
                    table = pq.ParquetFile(part).read(use_threads=False)
                    pending.append(table if table.schema.equals(schema) else table.cast(schema))
                    rows += pending[-1].num_rows
                    if rows >= _ROW_GROUP:
                        writer.write_table(pa.concat_tables(pending), row_group_size=rows)
                        pending, rows = [], 0
                if pending:
                    writer.write_table(pa.concat_tables(pending), row_group_size=rows)
            h = hashlib.sha256()
            with open(tmp, "rb") as f:
                for block in iter(lambda: f.read(1 << 20), b""):
                    h.update(block)
            record = {"size": tmp.stat().st_size, "sha256": h.hexdigest()}
            os.replace(tmp, final)
        except OSError as e:
            raise _named(e, final) from None
        finally:
            tmp.unlink(missing_ok=True)
        return record

    def close(self) -> None:
        """Release the lock."""
        self.lock.release()


def _read_manifest(path: Path) -> tuple[dict[str, Any] | None, str | None]:
    """(manifest, None), or (None, why it cannot be used) ; (None, None) if there is none."""
    if not path.exists():
        return None, None
    try:
        doc = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as e:
        return None, f"{type(e).__name__}: {e}"
    if not isinstance(doc, dict) or "fingerprint" not in doc:
        return None, "not a manifest"
    return doc, None


def _record_problem(
    root: Path,
    cid: int,
    rec: dict[str, Any] | None,
    fingerprint: str | None,
    size: int | None,
    n_runs: int | None,
    quick: bool = False,
    record: dict[str, Any] | None = None,
) -> str | None:
    """Why a chunk's commit record cannot be trusted (None if it and its files are right).

    ``record``: the ``[record]`` the chunk must have been written with (None: any).
    """
    rel = chunk_files(cid)["record"]
    if rec is None:
        return f"{rel} cannot be read"
    try:
        if fingerprint is not None and rec["fingerprint"] != fingerprint:
            return f"{rel} belongs to another experiment"
        kept = rec.get("record", FULL_RECORD)
        if record is not None and kept != record:
            return f"{rel} was written with another [record] ({_record_text(kept)})"
        if size is not None and (rec["chunk_size"] != size or rec["first_run"] != cid * size):
            return f"{rel} was written with another chunk size"
        expected = None if n_runs is None or size is None else min(size, n_runs - cid * size)
        if expected is not None and len(rec["run_status"]) != expected:
            return f"{rel} lists {len(rec['run_status'])} runs, the chunk has {expected}"
        f = chunk_files(cid)
        if set(rec["files"]) != {f[t] for t in kept["tables"]} | {f["runs"]}:
            return f"{rel} does not list the chunk's files ({', '.join(sorted({*kept['tables'], 'runs'}))})"
        for name, frec in rec["files"].items():
            why = _file_problem(root, name, frec, quick=quick)
            if why:
                return why
    except (KeyError, TypeError, AttributeError):
        return f"{rel} is not a commit record"
    return None


def _record_text(record: dict[str, Any]) -> str:
    """A record as the experiment file writes it: ``tables = ["runs"], every = 1``."""
    tables = ", ".join(f'"{t}"' for t in record["tables"])
    return f"tables = [{tables}], every = {record['every']}, members_every = {record['members_every']}"


# ---------------------------------------------------------------------------------------------------
# Readers (no lock: they read only committed, checksummed files)
# ---------------------------------------------------------------------------------------------------


class Results:
    """A results folder read back: ``.runs``, ``.steps``, ``.members`` (pandas) and ``.manifest``.

    Only committed chunks are read, and every file is checked against its commit record: a damaged
    file raises :class:`StoreError` naming it and the command that repairs it.
    """

    def __init__(self, path: str | Path):
        """Open a results folder (does not read the large tables until asked)."""
        self.path = Path(path)
        mf = self.path / "manifest.json"
        if not self.path.is_dir() or not mf.exists():
            raise StoreError(f"{self.path} is not a results store (no manifest.json); make one with `escalation batch`")
        manifest, damage = _read_manifest(mf)
        if manifest is None:
            raise StoreError(
                f"{mf} is damaged ({damage}); rerun the batch with --salvage to rebuild it from the committed chunks"
            )
        self.manifest: dict[str, Any] = manifest
        self.format = int(manifest.get("format", 1))
        #: What the store kept: its tables and recording period (stores before format 3: everything).
        self.record: dict[str, Any] = manifest.get("record", FULL_RECORD)
        if "points" not in manifest.get("design", {}) and (self.path / "design.parquet").is_file():
            design = pd.read_parquet(self.path / "design.parquet")
            names = manifest["design"].get("parameters", [])
            manifest["design"]["points"] = [
                {"point_id": int(r["point_id"]), "scenario": r["scenario"], "values": {k: r[k] for k in names}}
                for r in design.to_dict("records")
            ]

    def _damaged(self, what: str) -> StoreError:
        return StoreError(
            f"{self.path}: {what}; `escalation verify {self.path}` lists every damaged file, and "
            f"`{repair_command(self.path, self.manifest)}` recomputes them"
        )

    @cached_property
    def _records(self) -> list[tuple[int, dict[str, Any]]]:
        out = []
        for p in sorted((self.path / "parts").glob("chunk-*.json")):
            try:
                out.append((int(p.stem.split("-")[1]), json.loads(p.read_text("utf-8"))))
            except (OSError, ValueError):
                raise self._damaged(f"parts/{p.name} cannot be read") from None
        return out

    def _read(self, rel: str, rec: dict[str, Any] | None) -> pa.Table:
        """One Parquet file, checked against its commit record (format 2) or read whole (format 1)."""
        p = self.path / rel
        try:
            data = p.read_bytes()
        except OSError as e:
            raise self._damaged(f"{rel} cannot be read ({type(e).__name__})") from None
        if rec is not None:
            why = _file_problem(self.path, rel, rec, data)
            if why:
                raise self._damaged(why)
        try:
            return pq.read_table(pa.BufferReader(data))
        except (pa.ArrowException, OSError) as e:
            raise self._damaged(f"{rel} is not a readable Parquet file ({type(e).__name__}: {e})") from None

    def _files(self, key: str) -> list[tuple[str, dict[str, Any] | None]]:
        if self.format >= 2:
            return [(chunk_files(cid)[key], rec["files"].get(chunk_files(cid)[key])) for cid, rec in self._records]
        if key == "runs":
            return [(f"parts/{p.name}", None) for p in sorted((self.path / "parts").glob("runs-*.parquet"))]
        return [
            (f"{key}/{p.parent.name}/{p.name}", None) for p in sorted((self.path / key).glob("chunk=*/part-0.parquet"))
        ]

    @cached_property
    def runs(self) -> pd.DataFrame:
        """One row per run (sorted by run_id)."""
        final = self.path / "runs.parquet"
        rec = self.manifest.get("runs_file")
        if final.is_file() and self.manifest.get("status") == "complete":
            if self.format < 2:
                return self._read("runs.parquet", None).to_pandas()
            if rec and _file_problem(self.path, "runs.parquet", rec) is None:
                return self._read("runs.parquet", rec).to_pandas()
        # runs.parquet is a copy of the parts: when it is missing or out of date, read the parts
        files = self._files("runs")
        if not files:
            return pd.DataFrame()
        df = pd.concat([self._read(rel, rec).to_pandas() for rel, rec in files])
        return df.sort_values("run_id").reset_index(drop=True)

    def require(self, table: str) -> None:
        """Raise one :class:`StoreError` if the store did not keep ``table``, naming the setting that keeps it.

        Raises:
            StoreError: ``table`` is not among the store's ``[record] tables``.
        """
        if table in self.record["tables"]:
            return
        wanted = [t for t in FULL_RECORD["tables"] if t in self.record["tables"] or t == table]
        listed = ", ".join(f'"{t}"' for t in wanted)
        raise StoreError(
            f"{self.path} has no {table} table (recorded with [record] {_record_text(self.record)}); to keep it, "
            f"set [record] tables = [{listed}] (or --set record.tables={','.join(wanted)}) and run the batch "
            "again into a new folder"
        )

    def _dataset(self, name: str, keys: list[str]) -> pd.DataFrame:
        self.require(name)
        files = self._files(name)
        if not files:
            return pd.DataFrame()
        df = pd.concat([self._read(rel, rec).to_pandas() for rel, rec in files], ignore_index=True)
        return df.sort_values(keys, kind="stable").reset_index(drop=True)

    @cached_property
    def steps(self) -> pd.DataFrame:
        """One row per run and month; with a ``date`` column (``YYYY-MM``) when any run's scenario has a start."""
        steps = self._dataset("steps", ["run_id", "month"])
        starts = self.scenario_starts
        if steps.empty or not any(starts.values()) or self.runs.empty:
            return steps
        # the date is derived from month and the run's scenario start, so the parts need not store it
        start_of_run = self.runs.set_index("run_id")["scenario"].map(starts)
        run_start = steps["run_id"].map(start_of_run)
        dates = [
            date_of(a, int(m)) if isinstance(a, str) and a else None
            for a, m in zip(run_start, steps["month"], strict=True)
        ]
        steps.insert(steps.columns.get_loc("month") + 1, "date", dates)
        return steps

    @cached_property
    def scenario_starts(self) -> dict[str, str]:
        """The ``start`` of each resolved scenario kept with the results (empty for undated ones)."""
        out = {}
        for f in sorted((self.path / "scenarios").glob("*.toml")):
            try:
                out[f.stem] = str(tomllib.loads(f.read_text("utf-8")).get("start", ""))
            except (OSError, tomllib.TOMLDecodeError):
                out[f.stem] = ""
        return out

    @cached_property
    def members(self) -> pd.DataFrame:
        """One row per run, month and member."""
        return self._dataset("members", ["run_id", "month", "iso3"])


def load_results(path: str | Path) -> Results:
    """Open a results folder written by :func:`simulation.runner.run_experiment`."""
    return Results(path)


# ---------------------------------------------------------------------------------------------------
# Verification
# ---------------------------------------------------------------------------------------------------


@dataclass
class Verification:
    """What ``escalation verify`` found: problems (damage) and notes (an interrupted batch, format 1)."""

    path: Path
    format: int
    chunks: int
    counts: dict[str, int]
    problems: list[str]
    notes: list[str]
    repair: str

    @property
    def ok(self) -> bool:
        """True if nothing is damaged."""
        return not self.problems


def verify_store(path: str | Path, *, quick: bool = False) -> Verification:
    """Check every committed part of a results folder against its checksum, and the manifest against them.

    Args:
        path: the results folder.
        quick: compare sizes only, without reading the files (what ``summarize`` does on the way).

    Raises:
        StoreError: ``path`` is not a results store at all.
    """
    root = Path(path)
    if not root.is_dir():
        raise StoreError(f"{root} is not a folder; give a results folder written by `escalation batch`")
    manifest, damage = _read_manifest(root / "manifest.json")
    problems: list[str] = []
    notes: list[str] = []
    store = Store(root)
    if manifest is None:
        if not (root / "parts").is_dir():
            raise StoreError(f"{root} is not a results store (no manifest.json); make one with `escalation batch`")
        problems.append(f"manifest.json is {'damaged: ' + damage if damage else 'missing'}")
        fmt = FORMAT
        n_runs = None
    else:
        fmt = int(manifest.get("format", 1))
        n_runs = int(manifest["n_runs"])
    repair = repair_command(root, manifest)
    if manifest is None:
        repair += " --salvage"
    if fmt < 2:
        return _verify_format1(root, manifest, problems, notes, repair, quick)
    fingerprint = manifest["fingerprint"] if manifest else None
    size = int(manifest["chunk_size"]) if manifest else None
    chunks = 0
    for cid, rec in store.records():
        chunks += 1
        kept = manifest.get("record", FULL_RECORD) if manifest else None
        why = _record_problem(root, cid, rec, fingerprint, size, n_runs, quick, kept)
        if why:
            problems.append(f"chunk {cid}: {why}")
    orphans = [p for p in root.glob("steps/chunk=*") if not (root / chunk_files(int(p.name[6:]))["record"]).exists()]
    if orphans:
        notes.append(
            f"{len(orphans)} chunk(s) have files but no commit record (an interrupted batch): they are ignored by "
            "readers and recomputed by the next batch"
        )
    counts: dict[str, int] = {}
    if manifest is not None:
        derived, counts = store.derive_status(n_runs)
        status = manifest.get("status")
        if status == "complete":
            if counts["pending"]:
                problems.append(f"manifest.json says complete but {counts['pending']} runs are not committed")
            if manifest.get("run_status") != derived:
                problems.append("manifest.json's run_status disagrees with the commit records")
            rec = manifest.get("runs_file")
            if rec:
                why = _file_problem(root, "runs.parquet", rec, quick=quick)
                if why:
                    problems.append(why)
        else:
            held = StoreLock(root).holder()
            who = f" (a batch holds the lock: pid {held.get('pid')} on {held.get('host')})" if held else ""
            notes.append(
                f"status {status!r}{who}: {counts['pending']} of {n_runs} runs are not committed yet; "
                "running the batch again finishes it"
            )
    return Verification(root, fmt, chunks, counts, problems, notes, repair)


def _verify_format1(
    root: Path, manifest: dict[str, Any] | None, problems: list[str], notes: list[str], repair: str, quick: bool
) -> Verification:
    """Format 1 recorded no checksums: read every file whole and check the manifest's status."""
    notes.append("format 1 store: no checksums were recorded, so files are checked by reading them whole")
    chunks = 0
    for runs_part in sorted((root / "parts").glob("runs-*.parquet")):
        chunks += 1
        f = chunk_files(int(runs_part.stem.split("-")[1]))
        for key in () if quick else ("steps", "members", "runs"):
            try:
                pq.read_table(root / f[key])
            except (OSError, pa.ArrowException) as e:
                problems.append(f"{f[key]} cannot be read ({type(e).__name__})")
    counts: dict[str, int] = {}
    if manifest is not None:
        rs = manifest.get("run_status", "")
        counts = {"complete": rs.count("c"), "error": rs.count("e"), "pending": rs.count("p")}
        if manifest.get("status") == "complete" and counts["pending"]:
            problems.append(f"manifest.json says complete but marks {counts['pending']} runs pending")
    return Verification(root, 1, chunks, counts, problems, notes, repair)


@contextlib.contextmanager
def locked(path: Path) -> Iterator[StoreLock]:
    """Hold a results folder's lock for the duration of a ``with`` block (tests, tools)."""
    lock = StoreLock(Path(path))
    Path(path).mkdir(parents=True, exist_ok=True)
    lock.acquire()
    try:
        yield lock
    finally:
        lock.release()
