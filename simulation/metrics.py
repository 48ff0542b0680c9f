"""Metric names and the per-run summary (docs/MODEL.md section 7).

The column lists here are the contract between the model and everything that reads its output
(runner, plots, dashboard): they are documented in ``docs/ODD.md`` and tested.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "EVENT_COLUMNS",
    "MEMBER_COLUMNS",
    "RUNG_KS",
    "STEP_COLUMNS",
    "STORED_TYPES",
    "SUMMARY_COLUMNS",
    "recorded",
    "stored_type",
    "summarize",
]

#: Per step (model level), in this order. The first 18 are docs/MODEL.md section 7's; then three extras
#: the plots and the dashboard use; then the tracks of Russia's escalation (issue 18; docs/ODD.md 7.4-7.6),
#: which the observation model reads (strikes launched, hybrid attacks, signalling episodes).
STEP_COLUMNS: tuple[str, ...] = (
    "month",
    "escalation_rung",
    "escalation_intensity",
    "russia_threat_perception",
    "alliance_effort",
    "alliance_cohesion",
    "deterrence_credibility",
    "deterrence_signal",
    "aid_total",
    "aid_lethal",
    "aid_nonlethal",
    "aid_training",
    "ukraine_capacity",
    "territory_held",
    "spillover_incidents",
    "decision_delay",
    "negotiating",
    "ceasefire",
    "alliance_threat_perception",
    "russia_force",
    "member_count",
    "strike_launches",
    "strike_stock",
    "strike_effort",
    "hybrid_attacks",
    "hybrid_campaign",
    "signalling",
)

#: Per step and member.
MEMBER_COLUMNS: tuple[str, ...] = (
    "month",
    "iso3",
    "resolve",
    "threat_perception",
    "stockpile",
    "posture",
    "aid_lethal",
    "aid_nonlethal",
    "aid_training",
    "fatigue",
    "aid_total",
    "aid_share_gdp",
    "frontline",
    "support",
    "government_stance",
)

EVENT_COLUMNS: tuple[str, ...] = ("month", "actor", "kind", "description")

#: How a column of the steps and members tables is stored in a results store (format 3), by name (a
#: name means the same quantity in both tables). **A column not listed keeps the engine's type**
#: (float64, int64, bool or text): lossless, so a new column needs no entry, and narrowing it is one line.
#:
#: - ``float32`` keeps 24 bits of mantissa: a relative error of at most 6e-8 (7 significant digits).
#:   Every quantity stored so is a share or index in [0, 1] (or [-1, 1]), a capacity near 1 or a flow of
#:   EUR bn a month, and no parameter is declared to more than three significant digits, no figure or
#:   analysis reads more than four; the per-run summary (``SUMMARY_COLUMNS``, the runs table) is computed
#:   from the engine's float64 before anything is narrowed and stays float64. Narrowing is a
#:   deterministic rounding, so the same run gives the same stored bits on any executor.
#: - integers: month (int32, for horizons up to the allowed 100,000 months), rung (int8: eight rungs),
#:   counts (int16 members; int32 months of delay and cumulative incidents, which can reach the horizon);
#:   booleans stay booleans.
#: - ``dictionary``: text codes (ISO3), Parquet dictionary-encoded on disk and read back as text.
STORED_TYPES: dict[str, str] = {
    "month": "int32",
    "escalation_rung": "int8",
    "escalation_intensity": "float32",
    "russia_threat_perception": "float32",
    "alliance_effort": "float32",
    "alliance_cohesion": "float32",
    "deterrence_credibility": "float32",
    "deterrence_signal": "float32",
    "aid_total": "float32",
    "aid_lethal": "float32",
    "aid_nonlethal": "float32",
    "aid_training": "float32",
    "ukraine_capacity": "float32",
    "territory_held": "float32",
    "spillover_incidents": "int32",
    "decision_delay": "int32",
    "negotiating": "bool",
    "ceasefire": "bool",
    "alliance_threat_perception": "float32",
    "russia_force": "float32",
    "member_count": "int16",
    "strike_launches": "float32",
    "strike_stock": "float32",
    "strike_effort": "float32",
    "hybrid_attacks": "int16",
    "hybrid_campaign": "float32",
    "signalling": "bool",
    "iso3": "dictionary",
    "resolve": "float32",
    "threat_perception": "float32",
    "stockpile": "float32",
    "posture": "float32",
    "fatigue": "float32",
    "aid_share_gdp": "float32",
    "frontline": "bool",
    "support": "float32",
    "government_stance": "float32",
}


def stored_type(column: str, values: np.ndarray) -> str:
    """The stored type of ``column`` (``STORED_TYPES``, else the engine's: float64, int64, bool or text)."""
    if column in STORED_TYPES:
        return STORED_TYPES[column]
    kind = np.asarray(values).dtype.kind
    return {"f": "float64", "i": "int64", "u": "int64", "b": "bool"}.get(kind, "text")


#: The k of months_at_or_above_rung_k and first_month_at_rung_k.
RUNG_KS: tuple[int, ...] = (5, 6, 7)

SUMMARY_COLUMNS: tuple[str, ...] = (
    "peak_rung",
    "final_rung",
    *(f"months_at_or_above_rung_{k}" for k in RUNG_KS),
    *(f"first_month_at_rung_{k}" for k in RUNG_KS),
    "cumulative_aid",
    "mean_cohesion",
    "min_cohesion",
    "final_territory",
    "ceasefire_month",
    "spillover_incidents",
    "peak_threat_perception",
    "peak_intensity",
)


def recorded(month: np.ndarray, every: int, final: int) -> np.ndarray:
    """Which rows of ``month`` a record of period ``every`` keeps: months 0, every, 2 x every, ... and ``final``.

    ``every = 0`` keeps the final month only; ``every = 1`` keeps every row.
    """
    month = np.asarray(month)
    if every == 1:
        return np.ones(month.shape, dtype=bool)
    last = month == final
    return last if every == 0 else (month % every == 0) | last


def summarize(steps: pd.DataFrame | dict[str, np.ndarray]) -> dict[str, float | int | None]:
    """Per-run metrics from a run's step table or columns (month 0, the initial state, is not counted).

    ``first_month_at_rung_k`` and ``ceasefire_month`` are None when it never happened.
    """
    cols = {
        c: np.asarray(steps[c])
        for c in (
            "month",
            "escalation_rung",
            "ceasefire",
            "aid_total",
            "alliance_cohesion",
            "territory_held",
            "spillover_incidents",
            "russia_threat_perception",
            "escalation_intensity",
        )
    }
    if len(cols["month"]) > 1:
        keep = cols["month"] > 0
        cols = {c: v[keep] for c, v in cols.items()}
    rung, months = cols["escalation_rung"], cols["month"]
    out: dict[str, float | int | None] = {"peak_rung": int(rung.max()), "final_rung": int(rung[-1])}
    for k in RUNG_KS:
        out[f"months_at_or_above_rung_{k}"] = int((rung >= k).sum())
    for k in RUNG_KS:
        hit = np.flatnonzero(rung >= k)
        out[f"first_month_at_rung_{k}"] = int(months[hit[0]]) if hit.size else None
    cease = np.flatnonzero(cols["ceasefire"].astype(bool))
    out.update(
        cumulative_aid=float(cols["aid_total"].sum()),
        mean_cohesion=float(cols["alliance_cohesion"].mean()),
        min_cohesion=float(cols["alliance_cohesion"].min()),
        final_territory=float(cols["territory_held"][-1]),
        ceasefire_month=int(months[cease[0]]) if cease.size else None,
        spillover_incidents=int(cols["spillover_incidents"][-1]),
        peak_threat_perception=float(cols["russia_threat_perception"].max()),
        peak_intensity=float(cols["escalation_intensity"].max()),
    )
    return out
