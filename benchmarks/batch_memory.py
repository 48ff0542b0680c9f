"""Batch memory: the parent's peak memory must not grow with the number of runs (issue 13).

Runs the same sweep (baseline scenario, one design point, n replications) with 2,000 and 20,000 runs,
each in a fresh parent process, and prints the parent's peak RSS (its workers are not counted: they
hold one chunk each whatever the batch size). Goal: the 20,000-run parent within 10% of the 2,000-run
one. Then times the refusal of a 10^7-point design (CPU seconds, sized before anything is built).

    python benchmarks/batch_memory.py [--runs 2000 20000] [--steps 120] [--workers N]

A 20,000-run batch of the baseline takes a few minutes on 2 cores (20 on a shared, loaded one).
Measured 2026-11-26 on 2 shared cores: 207.4 MB at 2,000 runs, 211.2 MB at 20,000 (+1.8%; before
runs.parquet was written in row groups of ~1,000 rows it was 212.3 -> 229.8 MB, +8.2%); refusing
the 10^7-point design took 0.001 s of CPU after the imports. 2026-12-02 on 2 quiet cores, store
format 3: 182.4 MB at 2,000 runs (21 s), 185.9 MB at 20,000 (199 s, 100 runs/s): +1.9%.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

EXPERIMENT = """[experiment]
name = "memory"
scenario = "baseline"
replications = {n}
steps = {steps}
seed = 1

[design]
kind = "scenarios"
scenarios = ["baseline"]
"""

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

CHILD = """
import resource, sys, time
from simulation.runner import run_experiment
t0 = time.perf_counter()
r = run_experiment(sys.argv[1], sys.argv[2], workers=int(sys.argv[3]), progress=False)
assert r.manifest["status"] == "complete" and r.manifest["counts"]["pending"] == 0
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, time.perf_counter() - t0)
"""


def parent_peak(n: int, steps: int, workers: int, folder: Path) -> tuple[float, float]:
    """(peak RSS in MB, seconds) of a fresh parent process running an n-run batch."""
    exp = folder / f"m{n}.toml"
    exp.write_text(EXPERIMENT.format(n=n, steps=steps))
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(exp), str(folder / f"out-{n}"), str(workers)],
        capture_output=True,
        text=True,
        check=True,
    )
    kb, secs = out.stdout.split()[-2:]
    return int(kb) / 1024, float(secs)


def refusal_cpu(folder: Path) -> float:
    """CPU seconds to refuse a 10^7-point design (in this process, imports excluded)."""
    from simulation.errors import ExperimentError
    from simulation.runner import load_experiment

    exp = folder / "huge.toml"
    exp.write_text(HUGE)
    t0 = time.process_time()
    try:
        load_experiment(exp)
    except ExperimentError as e:
        elapsed = time.process_time() - t0
        print(f"  refused: {e}")
        return elapsed
    raise AssertionError("the 10^7-point design was not refused")


def main() -> None:
    """Run the benchmark and print the numbers."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, nargs="+", default=[2000, 20000])
    ap.add_argument("--steps", type=int, default=120)
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        folder = Path(d)
        peaks = {}
        for n in a.runs:
            mb, secs = parent_peak(n, a.steps, a.workers, folder)
            peaks[n] = mb
            print(f"  parent peak RSS, {n:6d} runs: {mb:7.1f} MB ({secs:.0f} s, {n / secs:.0f} runs/s)", flush=True)
        lo, hi = min(a.runs), max(a.runs)
        print(f"  growth {lo} -> {hi} runs: {peaks[hi] / peaks[lo] - 1:+.1%} (goal within 10%)")
        print(f"  refusing a 10^7-point design: {refusal_cpu(folder):.3f} s of CPU")


if __name__ == "__main__":
    main()
