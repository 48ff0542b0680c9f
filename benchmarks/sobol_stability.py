"""The smallest Saltelli sample at which the total-index ranking of the top three parameters is stable.

Runs ``experiments/sobol_core.toml`` once with a large base sample (``--samples``, a power of two),
then analyses prefixes of it: in Saltelli's scheme every base sample contributes a block of 2D + 2
consecutive rows, so the first n blocks are a valid design of n base samples. For each outcome it
prints the top three parameters by ST at n = 8, 16, ... and the smallest n from which the top three
(as an ordered list) no longer changes. It also prints the batch's wall time and its bytes on disk
(issue 19: under 300 MB at N = 1,024).

    python benchmarks/sobol_stability.py [--samples 256] [--out results/sobol-stability]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from simulation.analysis.outcomes import OUTCOMES, SENSITIVITY_OUTCOMES, outcomes_by_point
from simulation.analysis.sensitivity import analyze, problem_of
from simulation.runner import load_experiment, run_experiment


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--samples", type=int, default=256)
    ap.add_argument("--out", default="results/sobol-stability")
    a = ap.parse_args()
    exp = load_experiment("sobol_core", [f"design.samples={a.samples}"])
    t0 = time.perf_counter()
    results = run_experiment(exp, a.out, progress=False)
    wall = time.perf_counter() - t0
    disk = sum(f.stat().st_size for f in Path(a.out).rglob("*") if f.is_file())
    print(
        f"sobol_core at N={a.samples}: {exp.n_runs} runs in {wall:.0f} s ({exp.n_runs / wall:.0f} runs/s), "
        f"{disk / 1e6:.1f} MB on disk ({disk / exp.n_runs:.0f} bytes a run; [record] {exp.record.to_dict()}; "
        "goal at N=1024: under 300 MB)"
    )
    table = outcomes_by_point(results.runs)
    x, problem = exp.matrix(), problem_of(exp)
    block = 2 * len(exp.parameter_names) + 2
    sizes = [n for n in (8, 16, 32, 64, 128, 256, 512, 1024) if n <= a.samples]
    for outcome in SENSITIVITY_OUTCOMES:
        tops = {}
        for n in sizes:
            rows = slice(0, n * block)
            idx, _ = analyze(problem, x[rows], table[outcome].to_numpy()[rows], method="sobol", seed=exp.seed)
            tops[n] = idx.sort_values("ST", ascending=False)["parameter"].head(3).tolist()
        final = tops[sizes[-1]]
        stable = next((n for n in sizes if all(tops[m] == final for m in sizes if m >= n)), None)
        print(f"{OUTCOMES[outcome].label}: top 3 by ST at N={sizes[-1]}: {', '.join(final)}; stable from N={stable}")
        for n in sizes:
            print(f"    N={n:4d} ({n * block:5d} points): {', '.join(tops[n])}")
    _ = np  # numpy arrays flow through analyze


if __name__ == "__main__":
    main()
