"""What one war can tell about one parameter: the oracle check of a calibration's distance.

The calibration compares one run per candidate with one war. ``oracle_profile`` asks what an ABC with
unlimited runs could learn about one parameter when every other parameter is held at the scenario's
value (the most favourable case: marginalising over the others can only widen a posterior): at each
value of a grid across the parameter's uniform prior it runs the calibration's scenario with
``seeds`` seeds over the window, computes the calibration's own scaled distance to the observed
statistics and accepts the runs closer than a quantile of all the distances. The acceptance rate
by value is the posterior under the uniform prior, and its 90% interval over the prior's width is
the width ratio that identification asks of the real posterior (under 0.5). A profile that is flat
at every quantile means that the statistics of one war cannot tell the values apart, however many
particles the ABC is given (``scripts/identifiability.py``; docs/ODD.md section 10.3).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulation.analysis.calibration.schema import Calibration
from simulation.analysis.calibration.statistics import statistics_of
from simulation.analysis.observation import ObservationParams
from simulation.errors import AnalysisError
from simulation.run import simulate

__all__ = ["OracleProfile", "oracle_profile"]

#: Seeds of the oracle's runs start here (apart from the calibration's own seeds; any block would do).
FIRST_SEED = 10_000


@dataclass(frozen=True)
class OracleProfile:
    """The acceptance rate of each grid value at one distance threshold, and the interval it implies."""

    name: str
    quantile: float
    epsilon: float
    grid: tuple[float, ...]
    accepted: tuple[float, ...]
    low: float  # the posterior's 5% point on the grid
    high: float  # its 95% point
    width_ratio: float  # (high - low) / the prior's width


def oracle_profile(
    cal: Calibration, name: str, *, seeds: int = 200, points: int = 11, quantiles: tuple[float, ...] = (0.05, 0.1, 0.25)
) -> list[OracleProfile]:
    """The oracle check of parameter ``name`` (a uniform prior of ``cal``), one profile per quantile."""
    prior = next((p for p in cal.priors if p.key == name), None)
    if prior is None or prior.dist != "uniform":
        known = ", ".join(p.key for p in cal.priors if p.dist == "uniform")
        raise AnalysisError(f"{name} is not a uniform prior of calibration {cal.name}; those: {known}")
    grid = np.linspace(prior.low, prior.high, points)
    dist = cal.distance()
    d = np.empty((points, seeds))
    for i, value in enumerate(grid):
        sc = cal.scenario.with_overrides({name: float(value)})
        obs = ObservationParams.from_scenario(sc)
        for k in range(seeds):
            _, steps, _ = simulate(sc, FIRST_SEED + k)
            d[i, k] = dist(statistics_of(steps, cal.m0, cal.m1, obs), cal.observed)
    finite = d[np.isfinite(d)]
    out = []
    for q in quantiles:
        eps = float(np.quantile(finite, q))
        accepted = (d <= eps).mean(axis=1)
        cdf = np.cumsum(accepted / accepted.sum())
        low, high = float(grid[np.searchsorted(cdf, 0.05)]), float(grid[np.searchsorted(cdf, 0.95)])
        ratio = (high - low) / (prior.high - prior.low)
        out.append(OracleProfile(name, q, eps, tuple(grid.tolist()), tuple(accepted.tolist()), low, high, ratio))
    return out
