"""How the history scenario's parameters were found: a random search with local refinement.

    .venv/bin/python experiments/history_fit.py [--rounds 6] [--candidates 120] [--seeds 16] [--out best.json]

Each candidate is the history scenario with some parameters changed, run over a few seeds on the
calibration window only (February 2022 to December 2023; the runs stop at December 2023, so nothing
about 2024 is even computed) and scored with :func:`simulation.analysis.hindcast.score_hindcast`. The
loss asks for the issue's criteria with a margin: territory inside the 90% band in >= 88% of months, a
band <= 0.085 wide, a small median error, aid within 8% of the observed total, no direct clash in >= 92%
of runs, and a climb to nuclear signalling around September 2022 in >= 65% of runs. The search draws
candidates uniformly first, then around the best so far with a shrinking spread. The shipped
scenario keeps the best point found, rounded to two significant digits; the tests and
``escalation hindcast`` use other seeds than the search. The search was run in stages (the war's
parameters first, then escalation's, then a polish of the two together); ``--space`` picks one.

This is a point estimate; ``escalation calibrate experiments/history_abc.toml`` gives a posterior.
"""

from __future__ import annotations

import argparse
import json
from multiprocessing import Pool

import numpy as np
import pandas as pd

from simulation import load_scenario
from simulation.analysis.hindcast import score_hindcast
from simulation.run import simulate

#: Stage 1: the war (the front and the aid); stage 2: escalation against the alliance.
SPACES: dict[str, dict[str, tuple[float, float]]] = {
    "war": {
        "russia.initial_force": (0.6, 1.0),
        "russia.war_aim": (0.1, 0.6),
        "russia.war_escalation": (0.0, 0.3),
        "russia.force_rate": (0.1, 0.9),
        "russia.mobilisation": (0.0, 1.0),
        "russia.force_ratio": (0.3, 2.0),
        "ukraine.territory_rate": (0.02, 0.25),
        "ukraine.entrenchment_rate": (0.0, 0.3),
        "ukraine.entrenchment_scale": (0.0, 1.5),
        "ukraine.initial_capacity": (0.2, 0.7),
        "ukraine.combat_noise": (0.0, 0.5),
        "alliance.package_size": (0.0, 1.5),
        "aid_level": (0.3, 0.8),
        "member_unity": (0.3, 0.9),
    },
    "escalation": {
        "russia.setback_weight": (0.0, 40.0),
        "russia.loss_weight": (0.0, 1.0),
        "richardson.grievance_russia": (-0.1, 0.1),
        "richardson.restraint_russia": (0.1, 0.7),
        "russia.opportunity": (0.1, 0.6),
        "russia.w_capability": (0.0, 2.0),
        "russia.initial_intensity": (0.6, 0.68),
        "ladder.hysteresis": (0.0, 0.08),
        "russia.noise": (0.05, 0.4),
        "misperception": (0.05, 0.4),
        "ukraine.capability_gain": (0.0, 5.0),
        "rung7": (0.7, 0.9),  # the intensity of a direct clash (ladder.thresholds[6])
    },
}
WINDOW_END = 22  # December 2023


def overrides(point: dict[str, float]) -> dict:
    """Scenario overrides of a search point (the rung-7 threshold goes into the ladder)."""
    ov = dict(point)
    if "rung7" in ov:
        r7 = ov.pop("rung7")
        th = list(load_scenario("history").values.ladder.thresholds)
        th[6] = r7
        th[7] = max(th[7], min(r7 + 0.04, 0.96))
        th[8] = max(th[8], th[7] + 0.01)
        ov["ladder.thresholds"] = th
    return {**ov, "steps": WINDOW_END}


def loss(point: dict[str, float], seeds: int) -> tuple[float, dict]:
    """The search's loss of a point (lower is better) and its scores."""
    sc = load_scenario("history", overrides(point))
    frames = []
    for s in range(seeds):
        _, steps, _ = simulate(sc, 5000 + s)
        df = pd.DataFrame({k: steps[k] for k in ("month", "territory_held", "aid_total", "escalation_rung")})
        df["run_id"] = s
        frames.append(df)
    res = score_hindcast(pd.concat(frames))
    t = res.series["ukraine_held_share"]
    value = (
        4 * max(0.0, 0.88 - t.coverage)
        + 6 * max(0.0, t.band_width - 0.085)
        + 10 * t.median_error
        + 4 * max(0.0, abs(res.aid_ratio - 1) - 0.08)
        + 8 * max(0.0, 0.92 - res.p_no_clash)
        + 6 * max(0.0, 0.65 - res.p_signal_sep_2022)
    )
    return value, {"coverage": t.coverage, "band": t.band_width, "aid": res.aid_ratio,
                   "no_clash": res.p_no_clash, "signal": res.p_signal_sep_2022}  # fmt: skip


def _job(args: tuple[dict, int]) -> tuple[float, dict, dict]:
    point, seeds = args
    value, info = loss(point, seeds)
    return value, info, point


def main() -> None:
    """Run the search and write the best point's overrides as JSON."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--space", choices=[*SPACES, "both"], default="both")
    ap.add_argument("--rounds", type=int, default=6)
    ap.add_argument("--candidates", type=int, default=120)
    ap.add_argument("--seeds", type=int, default=16)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default="history_fit.json")
    args = ap.parse_args()
    space = {**SPACES["war"], **SPACES["escalation"]} if args.space == "both" else SPACES[args.space]
    rng = np.random.default_rng(args.seed)

    def draw(center: dict | None, spread: float) -> dict:
        if center is None:
            return {k: float(rng.uniform(lo, hi)) for k, (lo, hi) in space.items()}
        return {
            k: float(np.clip(center[k] + rng.normal(0, 0.15 * spread * (hi - lo)), lo, hi))
            for k, (lo, hi) in space.items()
        }

    best: tuple[float, dict, dict] | None = None
    with Pool(2) as pool:
        for rnd in range(args.rounds + 1):
            center = None if best is None else best[2]
            jobs = [(draw(center, 1.0 / (1 + rnd)), args.seeds) for _ in range(args.candidates)]
            for value, info, point in pool.imap_unordered(_job, jobs):
                if best is None or value < best[0]:
                    best = (value, info, point)
                    print(f"round {rnd}: loss {value:.3f} {info}", flush=True)
    with open(args.out, "w") as f:
        json.dump(overrides(best[2]), f, indent=1)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
