"""Naive reference forecasts, built only from the observations available at the forecast origin.

The two benchmarks of the ViEWS prediction challenge:

- **persistence**: the last observed value, a point forecast for every later period;
- **climatology** ("conflictology"): the series' own recent history resampled. For a stock (Ukraine's
  territory) the last ``WINDOW`` observed changes are resampled as a random walk onto the last value
  (horizon h: the last value plus h changes drawn with replacement); for a flow or a count (aid, strikes,
  hybrid attacks) the last ``WINDOW`` observed values are resampled (each period: a draw with
  replacement). Where fewer than ``WINDOW`` are available, those there are are used (the ``note`` says
  how many); with no change observed yet, the random walk is the persistence forecast.

A baseline reads the observations up to its origin and nothing after (tested: moving a later
observation does not move it). Its draws come from a fixed seed per series and origin.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["CLIMATOLOGY_DRAWS", "KINDS", "SEED", "WINDOW", "Baselines", "baselines"]

#: How many recent observations (values or changes) climatology resamples.
WINDOW = 12
#: Draws of the climatology ensemble per period.
CLIMATOLOGY_DRAWS = 1000
#: The fixed seed of the climatology draws (with the series' name and the origin).
SEED = 20221201
#: How each observed series is resampled: a stock moves by its changes, a flow is its own values.
KINDS: dict[str, str] = {"territory": "stock", "aid": "flow", "strikes": "flow", "hybrid_attacks": "flow"}


@dataclass(frozen=True)
class Baselines:
    """The reference forecasts of one series from one origin, for the target periods (rows in order)."""

    origin: int
    targets: list[int]
    persistence: np.ndarray  # (targets, 1): the last observed value
    climatology: np.ndarray  # (targets, CLIMATOLOGY_DRAWS)
    note: str


def baselines(name: str, observed: pd.Series, origin: int, targets: list[int]) -> Baselines:
    """Persistence and climatology of ``name`` from the observations at or before ``origin``.

    Args:
        name: the series (a key of ``KINDS``).
        observed: the observed values, indexed by period (month since February 2022, or year), sorted.
        origin: the last period whose observation may be used.
        targets: the periods forecast, each after ``origin`` (the horizon is the difference).
    """
    known = observed[observed.index <= origin].dropna()
    if known.empty:
        raise ValueError(f"baselines: no observation of {name} at or before period {origin}")
    if any(t <= origin for t in targets):
        raise ValueError(f"baselines: targets of {name} must come after the origin {origin}")
    last = float(known.iloc[-1])
    h = np.asarray(targets, dtype=int) - origin
    persistence = np.full((len(targets), 1), last)
    rng = np.random.default_rng([SEED, zlib.crc32(name.encode()), int(origin)])
    if KINDS[name] == "stock":
        changes = np.diff(known.to_numpy(dtype=float))[-WINDOW:]
        if len(changes) == 0:
            clim = np.full((len(targets), CLIMATOLOGY_DRAWS), last)
        else:
            steps = rng.choice(changes, size=(CLIMATOLOGY_DRAWS, int(h.max())), replace=True)
            clim = (last + np.cumsum(steps, axis=1)[:, h - 1]).T
        used, note = len(changes), f"random walk of the last {len(changes)} observed changes"
    else:
        values = known.to_numpy(dtype=float)[-WINDOW:]
        clim = rng.choice(values, size=(len(targets), CLIMATOLOGY_DRAWS), replace=True)
        used, note = len(values), f"the last {len(values)} observed values resampled"
    if used < WINDOW:
        note += f" (only {used} of {WINDOW} available at the origin)"
    return Baselines(origin=int(origin), targets=list(targets), persistence=persistence, climatology=clim, note=note)
