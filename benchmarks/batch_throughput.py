"""Batch throughput: mesa.batch_run against our runner, serial and on every core, and memory.

The same sweep (baseline scenario, 120 months, one run per seed) three ways in one process tree:

1. ``mesa.batch_run`` (the peer a Mesa user would pick): explicit ``rng`` seeds, model reporters only,
   collected every month (``data_collection_period=1``) so that it yields escalation curves as ours
   does; with 1 process and with all cores;
2. our runner with 1 worker (serial);
3. our runner with all cores.

It prints runs/s and the ratios, then the peak memory (RSS) of the runner's parent process for
2,000 and 20,000 runs. Goals (issue 3): ours >= 1.5x batch_run at the same worker count; parallel
efficiency >= 85%; parent peak memory flat (within 20%) from 2,000 to 20,000 runs.

    python benchmarks/batch_throughput.py [--runs 2000] [--memory-runs 2000 20000] [--skip-memory]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

EXPERIMENT = """[experiment]
name = "throughput"
scenario = "baseline"
replications = {n}
steps = 120
seed = 1

[design]
kind = "scenarios"
scenarios = ["baseline"]
"""


def mesa_batch_run(n: int, processes: int) -> float:
    import mesa

    from simulation import EscalationModel

    t0 = time.perf_counter()
    rows = mesa.batch_run(
        EscalationModel,
        parameters={"scenario": "baseline"},
        rng=list(range(n)),
        max_steps=120,
        number_processes=processes,
        data_collection_period=1,
        display_progress=False,
    )
    elapsed = time.perf_counter() - t0
    assert len(rows) == n * 121
    return n / elapsed


def ours(n: int, workers: int, folder: Path) -> float:
    from simulation.runner import run_experiment

    exp = folder / f"e{n}.toml"
    exp.write_text(EXPERIMENT.format(n=n))
    t0 = time.perf_counter()
    r = run_experiment(exp, folder / f"out-{n}-{workers}", workers=workers, progress=False)
    elapsed = time.perf_counter() - t0
    assert len(r.runs) == n
    return n / elapsed


def parent_peak_rss_mb(n: int, workers: int, folder: Path) -> float:
    """Peak RSS of a fresh parent process running an n-run batch (its workers are not counted)."""
    code = (
        "import resource, sys; from simulation.runner import run_experiment; "
        f"run_experiment(sys.argv[1], sys.argv[2], workers={workers}, progress=False); "
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
    )
    exp = folder / f"m{n}.toml"
    exp.write_text(EXPERIMENT.format(n=n))
    out = subprocess.run(
        [sys.executable, "-c", code, str(exp), str(folder / f"mem-{n}")], capture_output=True, text=True, check=True
    )
    return int(out.stdout.strip().splitlines()[-1]) / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=2000)
    ap.add_argument("--memory-runs", type=int, nargs="+", default=[2000, 20000])
    ap.add_argument("--skip-memory", action="store_true")
    a = ap.parse_args()
    cores = os.cpu_count() or 1
    with tempfile.TemporaryDirectory() as d:
        folder = Path(d)
        rate = {
            ("mesa.batch_run", 1): mesa_batch_run(a.runs, 1),
            ("ours", 1): ours(a.runs, 1, folder),
            ("mesa.batch_run", cores): mesa_batch_run(a.runs, cores),
            ("ours", cores): ours(a.runs, cores, folder),
        }
        print(f"{a.runs} runs of the baseline (32 members, 120 months) on {cores} cores")
        for (who, w), r in rate.items():
            print(f"  {who:15s} {w} worker(s): {r:7.1f} runs/s")
        for w in sorted({1, cores}):
            print(
                f"  ours / mesa.batch_run at {w} worker(s): {rate[('ours', w)] / rate[('mesa.batch_run', w)]:.2f}x "
                "(goal >= 1.5x)"
            )
        eff = rate[("ours", cores)] / (cores * rate[("ours", 1)])
        eff_mesa = rate[("mesa.batch_run", cores)] / (cores * rate[("mesa.batch_run", 1)])
        print(f"  parallel efficiency: ours {eff:.0%} (goal >= 85%), mesa.batch_run {eff_mesa:.0%}")
        if not a.skip_memory:
            peaks = {n: parent_peak_rss_mb(n, cores, folder) for n in a.memory_runs}
            for n, mb in peaks.items():
                print(f"  parent peak RSS, {n:6d} runs: {mb:7.1f} MB")
            lo, hi = min(a.memory_runs), max(a.memory_runs)
            print(f"  growth {lo} -> {hi} runs: {peaks[hi] / peaks[lo] - 1:+.1%} (goal within 20%)")
    _ = resource  # the child processes read it


if __name__ == "__main__":
    main()
