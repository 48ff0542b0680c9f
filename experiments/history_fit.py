"""How the history scenario's parameters were found: a random search with local refinement.

    .venv/bin/python experiments/history_fit.py [--rounds 6] [--candidates 120] [--seeds 16] [--out best.json]

Each candidate is the history scenario with some parameters changed, run over a few seeds on the
calibration window only (February 2022 to December 2023; the runs stop at December 2023, so nothing
about 2024 is even computed) and scored with :func:`simulation.analysis.hindcast.score_hindcast` and
:func:`escalation_scores`. The loss (issue 18) asks for territory inside the 90% band in >= 85% of
months with a band <= 0.055 wide and a small median error, aid near the observed total, the strikes'
band covering >= 80% of the observed months, hybrid attacks near 3 (2022) and 12 (2023), nuclear
signalling (rung >= 6) in 18-30% of the months with a positive Brier skill, and no direct clash. The
search draws candidates uniformly first, then around the best so far with a shrinking spread. It was
run in stages, the war first, then escalation (``--space``); the shipped scenario keeps the best point,
rounded to three significant digits, except Russia's restraint and grievance (see the scenario file).
The tests and ``escalation hindcast`` use other seeds than the search.

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
from simulation.analysis.observed import observed_signalling, observed_strikes
from simulation.ladder import DIRECT_CLASH, NUCLEAR_SIGNALLING
from simulation.run import simulate

#: Stage 1: the war (the front and the aid); stage 2: Russia's escalation (its intensity and its tracks).
SPACES: dict[str, dict[str, tuple[float, float]]] = {
    "war": {
        "russia.initial_force": (0.85, 1.0),
        "russia.war_aim": (0.25, 0.5),
        "russia.force_rate": (0.08, 0.3),
        "russia.mobilisation": (0.2, 1.0),
        "russia.reserve_arrival": (0.1, 0.5),
        "russia.force_ratio": (0.8, 1.2),
        "ukraine.territory_rate": (0.08, 0.2),
        "ukraine.offensive_margin": (0.0, 0.08),
        "ukraine.fortification_drag": (1.0, 10.0),
        "ukraine.breakthrough": (0.0, 60.0),
        "ukraine.culmination": (0.0, 6.0),
        "ukraine.entrenchment_rate": (0.03, 0.25),
        "ukraine.combat_noise": (0.02, 0.12),
        "ukraine.initial_capacity": (0.45, 0.7),
        "ukraine.capability_gain": (0.0, 4.0),
    },
    "escalation": {
        "russia.initial_intensity": (0.4, 0.6),
        "russia.setback_weight": (0.0, 10.0),
        "russia.loss_weight": (0.0, 0.8),
        "richardson.grievance_russia": (-0.1, 0.1),
        "richardson.restraint_russia": (0.2, 0.7),
        "russia.opportunity": (0.1, 0.6),
        "russia.noise": (0.05, 0.3),
        "signalling.base_rate": (0.0, 0.1),
        "signalling.w_capability": (0.0, 10.0),
        "signalling.w_setback": (0.0, 300.0),
        "signalling.w_accession": (0.0, 2.0),
        "signalling.duration": (1.0, 3.0),
        "signalling.memory": (0.0, 0.8),
        "strikes.growth": (0.0, 0.06),
        "strikes.initial_stock": (0.0, 10.0),
        "strikes.effort_base": (0.0, 0.6),
        "strikes.effort_escalation": (0.0, 1.5),
        "strikes.effort_setback": (0.0, 100.0),
        "strikes.effort_rate": (0.1, 1.0),
        "spillover.campaign_build": (0.0, 0.3),
        "spillover.campaign_rate": (0.0, 0.1),
    },
}
WINDOW_END = 22  # December 2023
#: Russia's restraint and grievance: the search ran from 0.2; the window does not identify them and the
#: scenario keeps a documented middle value (docs/ODD.md section 10.3).
COLUMNS = ("month", "territory_held", "aid_total", "escalation_rung", "strike_launches", "hybrid_attacks")


def overrides(point: dict[str, float]) -> dict:
    """Scenario overrides of a search point, run to the end of the calibration window."""
    return {**point, "steps": WINDOW_END}


def _ensemble(point: dict[str, float], seeds: int) -> pd.DataFrame:
    sc = load_scenario("history", overrides(point))
    frames = []
    for s in range(seeds):
        _, steps, _ = simulate(sc, 5000 + s)
        df = pd.DataFrame({k: steps[k] for k in COLUMNS})
        df["run_id"] = s
        frames.append(df)
    return pd.concat(frames, ignore_index=True)


def escalation_scores(steps: pd.DataFrame) -> dict[str, float]:
    """The search's escalation criteria over the window: strikes, hybrid attacks, signalling, clashes.

    Strikes are scaled to the observed mean (the observation model's fit) and drawn negative binomial;
    the signalling share is of months on rung >= 6; its Brier skill is against the base rate.
    """
    obs = observed_strikes()
    wide = steps.pivot(index="month", columns="run_id", values="strike_launches")
    lam = wide.loc[obs["month"]].to_numpy()
    scale = obs["strikes"].mean() / lam.mean()
    rng = np.random.default_rng(0)
    k = 4.0
    counts = rng.negative_binomial(k, k / (k + scale * lam))
    lo, hi = np.quantile(counts, [0.05, 0.95], axis=1)
    y = obs["strikes"].to_numpy()
    rung = steps.pivot(index="month", columns="run_id", values="escalation_rung")
    window = rung.loc[1:WINDOW_END] >= NUCLEAR_SIGNALLING
    sig = observed_signalling().set_index("month")["signalling"].loc[1:WINDOW_END].to_numpy()
    p = window.mean(axis=1).to_numpy()
    base = sig.mean()
    attacks = steps.pivot(index="month", columns="run_id", values="hybrid_attacks")
    h22, h23 = attacks.loc[1:10].sum().median(), attacks.loc[11:22].sum().median()
    return {
        "strikes_cov": float(np.mean((lo <= y) & (y <= hi))),
        "sig_share": float(window.to_numpy().mean()),
        "brier_skill": float(1 - np.mean((p - sig) ** 2) / np.mean((base - sig) ** 2)),
        "hybrid_2022": float(h22),
        "hybrid_2023": float(h23),
        "clash": float((rung.loc[1:WINDOW_END] >= DIRECT_CLASH).any().mean()),
    }


def loss(point: dict[str, float], seeds: int) -> tuple[float, dict]:
    """The search's loss of a point (lower is better) and its scores."""
    steps = _ensemble(point, seeds)
    res = score_hindcast(steps)
    t = res.series["ukraine_held_share"]
    e = escalation_scores(steps)
    value = (
        20 * max(0.0, 0.85 - t.coverage)
        + 100 * max(0.0, t.band_width - 0.055)
        + t.median_error / 0.01
        + 3 * abs(np.log(res.aid_ratio))
        + 10 * max(0.0, e["sig_share"] - 0.3)
        + 10 * max(0.0, 0.18 - e["sig_share"])
        + 3 * max(0.0, 0.2 - e["brier_skill"])
        + 10 * max(0.0, e["clash"] - 0.03)
        + 10 * max(0.0, 0.8 - e["strikes_cov"])
        + abs(np.log((e["hybrid_2022"] + 0.5) / 3.5))
        + abs(np.log((e["hybrid_2023"] + 0.5) / 12.5))
    )
    return value, {"coverage": t.coverage, "band": t.band_width, "aid": res.aid_ratio, **e}


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
