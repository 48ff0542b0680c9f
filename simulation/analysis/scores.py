"""Proper scores of probabilistic forecasts, as conflict forecasts are judged (the ViEWS prediction challenge).

The scoring rules come from the maintained ``scoringrules`` library; this module fixes the choices
the project makes and states them once:

- **CRPS** of an ensemble: the CRPS of the ensemble's empirical distribution, the sample form
  ``E|X - y| - E|X - X'| / 2`` with ``E|X - X'|`` averaged over all m^2 pairs of the m members (for one
  member, or a point forecast, the absolute error). ``scoringrules.crps_ensemble`` computes it with its
  ``nrg`` (energy) estimator in O(m^2) and, identically, with ``qd`` (quantile decomposition) in
  O(m log m), which is used here (the tests check both against the formula). Not the ``fair``/``pwm``
  estimator, which divides the pair sum by m(m - 1). In the series' unit, lower is better.
- **Interval score** of the central 90% interval (Gneiting and Raftery 2007, alpha = 0.1):
  ``(u - l) + (2 / alpha) * (l - y) * 1(y < l) + (2 / alpha) * (y - u) * 1(y > u)``, with l, u the
  ensemble's 5% and 95% quantiles (``scoringrules.interval_score``); with it the coverage (share of
  observations inside [l, u]) and the width ``u - l``.
- **Brier score** of a probability forecast of a binary event: ``(p - o)^2``
  (``scoringrules.brier_score``).
- **Skill** against a reference: ``1 - S / S_ref`` of the mean scores (CRPSS, Brier skill score):
  above 0 the forecast beats the reference, 0 it ties, below 0 it is worse.
"""

from __future__ import annotations

import numpy as np
import scoringrules as sr

__all__ = [
    "ALPHA",
    "CRPS_ESTIMATOR",
    "brier",
    "coverage",
    "crps",
    "interval90",
    "quantiles90",
    "skill",
    "width",
]

#: The interval scored: the central 1 - ALPHA = 90% of the forecast.
ALPHA = 0.1
#: The scoringrules estimator of the ensemble CRPS: ``qd``, equal to ``nrg`` (see the module docstring).
CRPS_ESTIMATOR = "qd"


def _ens(samples: np.ndarray) -> np.ndarray:
    """An ensemble as a 2-d float array: one row per forecast period, one column per member."""
    x = np.asarray(samples, dtype=float)
    return x.reshape(1, -1) if x.ndim == 1 else x


def crps(samples: np.ndarray, y: np.ndarray | float) -> np.ndarray:
    """The CRPS of each row of an ensemble (rows: periods, columns: members) against its observation."""
    x = _ens(samples)
    yy = np.broadcast_to(np.asarray(y, dtype=float), x.shape[:1])
    return np.atleast_1d(sr.crps_ensemble(yy, x, estimator=CRPS_ESTIMATOR))


def quantiles90(samples: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The 5% and 95% quantiles of each row (numpy's default, linear interpolation)."""
    lo, hi = np.nanquantile(_ens(samples), (ALPHA / 2, 1 - ALPHA / 2), axis=1)
    return lo, hi


def interval90(samples: np.ndarray, y: np.ndarray | float) -> np.ndarray:
    """The 90% interval score of each row against its observation."""
    lo, hi = quantiles90(samples)
    return np.atleast_1d(sr.interval_score(np.broadcast_to(np.asarray(y, dtype=float), lo.shape), lo, hi, ALPHA))


def coverage(samples: np.ndarray, y: np.ndarray | float) -> np.ndarray:
    """1 where the observation lies inside the row's 90% interval (bounds included), else 0."""
    lo, hi = quantiles90(samples)
    yy = np.broadcast_to(np.asarray(y, dtype=float), lo.shape)
    return ((yy >= lo) & (yy <= hi)).astype(float)


def width(samples: np.ndarray) -> np.ndarray:
    """The width of each row's 90% interval."""
    lo, hi = quantiles90(samples)
    return hi - lo


def brier(p: np.ndarray | float, o: np.ndarray | float) -> np.ndarray:
    """The Brier score of probabilities ``p`` of binary outcomes ``o`` (0 or 1)."""
    pp = np.atleast_1d(np.asarray(p, dtype=float))
    oo = np.broadcast_to(np.asarray(o, dtype=float), pp.shape)
    return np.atleast_1d(sr.brier_score(oo, pp))


def skill(score: float, reference: float) -> float:
    """``1 - score / reference`` (CRPSS, Brier skill); NaN when the reference is perfect (0)."""
    return float(1.0 - score / reference) if reference > 0 else float("nan")
