"""The default calibration (experiments/history_abc.toml) on N cores: wall time, runs/s, ESS, fit.

Runs ``escalation calibrate history_abc`` in-process on a process pool of ``--workers`` (default 2)
into a temporary folder (or ``--out``), then prints, from calibration.json:

- the wall time of the generations and of the predictive, the model runs and runs/s;
- acceptance rate, epsilon and effective sample size per generation;
- every parameter's prior and posterior 90% interval and their width ratio (identified < 0.5);
- the posterior predictive's 90% coverage of the observed months and its band width against the
  prior predictive's.

Goal (issue 10): the default calibration finishes on 2 cores in under 30 minutes; the territory
is inside the posterior 90% band in >= 85% of the window's months; the band is narrower than the
prior predictive's.

    python benchmarks/calibration.py [--workers 2] [--out DIR] [--set calibration.population=100 ...]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--out", type=Path, default=None, help="keep the calibration here (default: a temporary folder)")
    ap.add_argument("--set", dest="sets", action="append", default=[], metavar="KEY=VALUE")
    args = ap.parse_args()

    from simulation.analysis.calibration import calibrate

    out = args.out or Path(tempfile.mkdtemp(prefix="calibration-bench-")) / "history_abc"
    t0 = time.perf_counter()
    res = calibrate(
        "history_abc",
        out,
        workers=args.workers,
        sets=args.sets,
        force=True,
        log=lambda line: print(line, file=sys.stderr, flush=True),
    )
    total = time.perf_counter() - t0
    rec = res.record
    pred = rec.get("predictive", {})
    print(f"calibration {rec['calibration']['name']} on {args.workers} worker(s), {os.cpu_count()} CPU(s) here")
    print(f"  wall time      {total:.0f} s in all ({rec['wall_time_s']:.0f} s generations, "
          f"{pred.get('wall_time_s', 0):.0f} s predictive)")  # fmt: skip
    print(f"  model runs     {rec['simulations']} accepted-or-rejected candidates, {rec['runs_per_second']:.1f} runs/s")
    print("  generation  epsilon   acceptance  ESS     particles  runs   wall s")
    for g in rec["generations"]:
        print(
            f"  {g['t']:>10d}  {g['epsilon']:<8.3g}  {g['acceptance']:>9.1%}  {g['ess']:<6.0f}  "
            f"{g['particles']:>9d}  {g['simulations']:>5d}  {g['wall_time_s']:.1f}"
        )
    print("  parameter                        prior 90%             posterior 90%         median   ratio")
    for p in rec["parameters"]:
        print(
            f"  {p['parameter']:32s} [{p['prior_q05']:.3g}, {p['prior_q95']:.3g}]".ljust(56)
            + f"[{p['posterior_q05']:.3g}, {p['posterior_q95']:.3g}]".ljust(22)
            + f"{p['posterior_median']:<8.3g} {p['width_ratio']:.2f}{' identified' if p['identified'] else ''}"
        )
    for series, v in pred.get("posterior", {}).items():
        prior = pred["prior"][series]
        print(
            f"  {series:10s} posterior 90% band covers {v['coverage_90']:.0%} of the observed months "
            f"(prior {prior['coverage_90']:.0%}); mean width {v['mean_width_90']:.3g} "
            f"(prior {prior['mean_width_90']:.3g})"
        )
    fc = pred.get("forecast")
    if fc:
        t = fc["territory_at_horizon"]
        print(
            f"  forecast {fc['from']}..{fc['to']}: P(rung >= 6) {fc['p_nuclear_signalling']:.2f}, P(rung >= 7) "
            f"{fc['p_direct_clash']:.2f}, territory at the horizon {t['q50']:.3f} [{t['q05']:.3f}, {t['q95']:.3f}]"
        )
    print(f"  folder         {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
