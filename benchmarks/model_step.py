"""Time per simulated month of EscalationModel against the floor of the framework.

The floor is a Mesa model with the same number of agents, each doing nothing, stepped with the same
``AgentSet.shuffle_do``. Goals (issue 19): baseline at most 100 us per month on a quiet machine and
within 4x of the floor (issue 2 asked 250 us and 6x), cost growing linearly with the number of members
(synthetic rosters of 32, 320 and 3,200). Since issue 11 the month includes the members' politics,
burden-sharing and neighbour network; a machine shared with other jobs inflates wall-clock times, so
compare runs made at the same time: the model's runs and the floor's alternate.

Measured 2026-12-02 on a VM slower than the last (floor 28-30 us), quiet, --repeats 15, baseline:
170-187 us, 5.9-6.5x the floor; the commit before the bit-identical savings of that day measured
228-259 us, 8.0-8.9x, alternating with it.
With the member rules compiled by numba (2026-12-02, a slower VM again: floor 36-37 us, --repeats 10):
baseline 96.1 us, 2.63x (the numpy rules measured 219 us, 5.85x, on the same VM); history 135.6 us,
3.68x; classroom (6 members) 86.7 us; synthetic 3,200 members 426 us (4.9x the cost of 32). Both
goals met. A month now costs about the same whatever the roster up to a few hundred members: what is
left is the scalar Python of Russia, Ukraine, the alliance and the collector.

    python benchmarks/model_step.py [--months 240] [--repeats 10]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import mesa
import numpy as np

from simulation import EscalationModel, load_scenario


class Idle(mesa.Agent):
    """An agent that does nothing."""

    def step(self) -> None:
        """Nothing."""


class Floor(mesa.Model):
    """An EscalationModel-sized Mesa model whose agents do nothing."""

    def __init__(self, n_agents: int, rng: int = 1):
        super().__init__(rng=rng)
        Idle.create_agents(self, n_agents)

    def step(self) -> None:
        """Activate every agent in shuffled order."""
        self.agents.shuffle_do("step")


def _once(model, months: int) -> float:
    t0 = time.perf_counter()
    for _ in range(months):
        model.step()
    return (time.perf_counter() - t0) / months


def interleaved(ours, floor, months: int, repeats: int) -> tuple[float, float]:
    """Best time per month of each of two models, their runs alternating (a VM's slow spells hit both)."""
    best = [float("inf"), float("inf")]
    for r in range(repeats):
        for k, make in enumerate((ours, floor)):
            best[k] = min(best[k], _once(make(r), months))
    return best[0], best[1]


def synthetic(n: int, folder: Path) -> Path:
    """A scenario file with n hand-written members spread over Europe."""
    rng = np.random.default_rng(n)
    lines = ['extends = "baseline"', f'name = "synthetic_{n}"', "", "[roster]", 'data = "none"']
    for i in range(n):
        lines += [
            "",
            "[[roster.custom]]",
            f'iso3 = "M{i:04d}"',
            f'name = "Member {i}"',
            f"gdp_usd_bn = {float(rng.lognormal(5, 1.2)):.3f}",
            f"defence_pct_gdp = {float(rng.uniform(1, 4)):.2f}",
            f"borders_russia = {'true' if rng.random() < 0.15 else 'false'}",
            f"capital_lat = {float(rng.uniform(36, 65)):.3f}",
            f"capital_lon = {float(rng.uniform(-10, 30)):.3f}",
        ]
    path = folder / f"synthetic_{n}.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def row(label: str, scenario, months: int, repeats: int) -> tuple[float, float]:
    sc = load_scenario(scenario, {"steps": 10 * months})
    n_agents = len(EscalationModel(sc, rng=0).agents)
    ours, floor = interleaved(lambda r: EscalationModel(sc, rng=r), lambda r: Floor(n_agents, rng=r), months, repeats)
    print(
        f"{label:22s} {n_agents:6d} agents  {ours * 1e6:9.1f} us/month  floor {floor * 1e6:8.1f} us/month  "
        f"ratio {ours / floor:5.2f}x"
    )
    return ours, floor


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--months", type=int, default=240)
    ap.add_argument("--repeats", type=int, default=10)
    a = ap.parse_args()
    print(
        f"time per simulated month, best of {a.repeats} runs of {a.months} months (goal: baseline <= 100 us, "
        "ratio <= 4x)"
    )
    base, _ = row("baseline (32 members)", "baseline", a.months, a.repeats)
    # the dated war: 30 members and 2 partners, elections on the sourced calendar (issue 11)
    row("history (32 donors)", "history", a.months, a.repeats)
    row("classroom (6 members)", "classroom", a.months, a.repeats)
    print("\nscaling with synthetic rosters (goal: linear in members)")
    with tempfile.TemporaryDirectory() as d:
        costs = {
            n: row(f"synthetic {n}", synthetic(n, Path(d)), a.months if n < 3200 else a.months // 4, a.repeats)[0]
            for n in (32, 320, 3200)
        }
    for n in (320, 3200):
        print(
            f"cost({n}) / cost(32) = {costs[n] / costs[32]:6.2f}  (members x{n // 32}; "
            f"per-member cost {costs[n] / n * 1e6:.2f} us vs {costs[32] / 32 * 1e6:.2f} us)"
        )
    print(f"\nbaseline: {base * 1e6:.1f} us/month ({'meets' if base <= 100e-6 else 'misses'} the 100 us goal)")


if __name__ == "__main__":
    main()
