"""The posterior: reading pyabc's history, weighted quantiles, and which parameters the data identify."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simulation.analysis.calibration.schema import Calibration
from simulation.errors import AnalysisError

#: Posterior 90% interval narrower than this share of the prior's: the data identify the parameter.
IDENTIFIED_RATIO = 0.5


def read_posterior_db(db: Path, names: tuple[str, ...] | None) -> pd.DataFrame:
    """Every particle of every finished generation in pyabc's history, one row each (posterior.parquet)."""
    import sqlite3

    q = (
        "SELECT p.t AS generation, pa.id AS pid, pa.w AS weight, s.distance AS distance, par.name AS name, "
        "par.value AS value FROM populations p JOIN models m ON m.population_id = p.id "
        "JOIN particles pa ON pa.model_id = m.id JOIN parameters par ON par.particle_id = pa.id "
        "JOIN samples s ON s.particle_id = pa.id WHERE p.t >= 0"
    )
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as con:
        long = pd.read_sql_query(q, con)
    if long.empty:
        return pd.DataFrame(columns=["generation", "particle", "weight", "distance", *(names or ())])
    wide = long.pivot_table(index=["generation", "pid", "weight", "distance"], columns="name", values="value")
    wide = wide.reset_index().sort_values(["generation", "pid"]).reset_index(drop=True)
    wide.columns.name = None
    wide.insert(1, "particle", wide.groupby("generation").cumcount().astype("int64"))
    wide["weight"] = wide["weight"] / wide.groupby("generation")["weight"].transform("sum")
    cols = ["generation", "particle", "weight", "distance", *(names or [c for c in wide.columns if c not in (
        "generation", "particle", "weight", "distance", "pid")])]  # fmt: skip
    return wide[cols].astype({"generation": "int64"})


def read_posterior(folder: str | Path) -> pd.DataFrame:
    """posterior.parquet of a calibration folder (every generation)."""
    f = Path(folder) / "posterior.parquet"
    if not f.is_file():
        raise AnalysisError(f"{folder} holds no posterior.parquet; run `escalation calibrate` into it first")
    return pd.read_parquet(f)


def weighted_quantile(x: np.ndarray, w: np.ndarray, q: Any) -> np.ndarray:
    """Quantiles of a weighted sample (the inverse of the weighted empirical CDF, midpoint rule)."""
    x, w = np.asarray(x, dtype=float), np.asarray(w, dtype=float)
    order = np.argsort(x, kind="stable")
    x, w = x[order], w[order]
    c = (np.cumsum(w) - 0.5 * w) / w.sum()
    return np.interp(q, c, x)


def identification(cal: Calibration, posterior: pd.DataFrame) -> list[dict[str, Any]]:
    """Prior and posterior of every fitted parameter: median, 90% interval, width ratio, identified?"""
    last = posterior[posterior["generation"] == posterior["generation"].max()]
    w = last["weight"].to_numpy()
    rows = []
    for p in cal.priors:
        x = last[p.key].to_numpy()
        q05, q50, q95 = weighted_quantile(x, w, [0.05, 0.5, 0.95])
        pr = p.frozen()
        p05, p50, p95 = (float(v) for v in pr.ppf([0.05, 0.5, 0.95]))
        ratio = float((q95 - q05) / (p95 - p05))
        rows.append(
            {
                "parameter": p.key,
                "prior": p.describe(),
                "prior_median": p50,
                "prior_q05": p05,
                "prior_q95": p95,
                "posterior_mean": float(np.average(x, weights=w)),
                "posterior_median": float(q50),
                "posterior_map": _kde_mode(last[list(cal.names)].to_numpy(), w)[cal.names.index(p.key)],
                "posterior_q05": float(q05),
                "posterior_q95": float(q95),
                "width_ratio": ratio,
                "identified": ratio < IDENTIFIED_RATIO,
            }
        )
    return rows


def _kde_mode(x: np.ndarray, w: np.ndarray) -> list[float]:
    """The particle with the highest weighted-KDE density (a rough MAP; reported, not used)."""
    from scipy.stats import gaussian_kde

    try:
        kde = gaussian_kde(x.T, weights=w)
        return [float(v) for v in x[int(np.argmax(kde(x.T)))]]
    except (np.linalg.LinAlgError, ValueError):
        return [float(v) for v in x[int(np.argmax(w))]]
