"""Bytes per run of a results store for each ``[record]`` choice (issue 19), against format 2.

The same batch (the baseline, 120 months, ``--runs`` seeds) is written once per record choice, and
the store's bytes on disk (every file: tables, commit records, manifest, scenario) are divided by the
runs, in chunks of 50 runs (the size of any batch of 3,200 runs or more). The monthly record's tables
are also rewritten as format 2 wrote them (float64 and int64 columns, snappy) for the comparison.
Goals: the default record of a plain batch at most 35 kB a 120-month run; runs only at most 2 kB a run.

    python benchmarks/record_size.py [--runs 100] [--workers 2]

Measured 2026-12-01 (50 runs in one chunk; store sizes do not depend on the machine's load): format 2
281 kB a run; the default 20.3 kB (steps 5.7, members yearly 13.8); everything monthly 169 kB; runs and
monthly steps 6.5 kB; runs and yearly steps 1.5 kB; final month only 2.5 kB; runs only 0.8 kB.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

EXPERIMENT = """[experiment]
name = "record-size"
scenario = "baseline"
replications = {n}
steps = 120
seed = 1
chunk_size = {chunk}

[design]
kind = "scenarios"
scenarios = ["baseline"]

[record]
{record}
"""

#: (label, the [record] table): the default of a plain batch first.
CHOICES = (
    ("default: steps monthly, members yearly", ""),
    ("everything monthly (as format 2)", "members_every = 1"),
    ("runs, steps monthly", 'tables = ["runs", "steps"]'),
    ("runs, steps yearly", 'tables = ["runs", "steps"]\nevery = 12'),
    ("runs, steps and members final month", "every = 0"),
    ("runs only", 'tables = ["runs"]'),
)


def disk(folder: Path, part: str = "") -> int:
    """Bytes of the files under ``folder`` (or under its sub-folder ``part``)."""
    root = folder / part if part else folder
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file())


def as_format2(folder: Path) -> int:
    """Bytes the steps and members parts of ``folder`` would take as format 2 wrote them."""
    total = 0
    for p in [*folder.glob("steps/chunk=*/part-0.parquet"), *folder.glob("members/chunk=*/part-0.parquet")]:
        table = pq.read_table(p)
        wide = pa.schema(
            [
                pa.field(f.name, pa.float64() if pa.types.is_floating(f.type) else pa.int64())
                if pa.types.is_floating(f.type) or pa.types.is_integer(f.type)
                else f
                for f in table.schema
            ]
        )
        sink = pa.BufferOutputStream()
        text = [f.name for f in wide if pa.types.is_string(f.type)]
        pq.write_table(table.cast(wide), sink, use_dictionary=text)
        total += sink.getvalue().size
    return total


def main() -> None:
    """Write the batch once per record choice and print the bytes per run."""
    from simulation.runner import run_experiment

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=100)
    ap.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    a = ap.parse_args()
    print(f"bytes per run, {a.runs} runs of the baseline (32 members, 120 months)")
    with tempfile.TemporaryDirectory() as d:
        for i, (label, record) in enumerate(CHOICES):
            exp = Path(d) / f"e{i}.toml"
            exp.write_text(EXPERIMENT.format(n=a.runs, chunk=min(50, a.runs), record=record))
            out = Path(d) / f"out{i}"
            t0 = time.perf_counter()
            run_experiment(exp, out, workers=a.workers, progress=False)
            secs = time.perf_counter() - t0
            if i == 1:
                other = disk(out) - disk(out, "steps") - disk(out, "members")
                print(f"  {'format 2 (float64, snappy), full':34s} {(as_format2(out) + other) / a.runs / 1e3:8.2f} kB")
            kept = [t for t in ("steps", "members") if (out / t).is_dir()]
            parts = ", ".join(f"{t} {disk(out, t) / a.runs / 1e3:.2f}" for t in kept)
            print(
                f"  {label:34s} {disk(out) / a.runs / 1e3:8.2f} kB  ({parts or 'no steps or members'}; "
                f"{a.runs / secs:.0f} runs/s)",
                flush=True,
            )
    print("goals: default <= 35 kB a run, runs only <= 2 kB a run")


if __name__ == "__main__":
    main()
