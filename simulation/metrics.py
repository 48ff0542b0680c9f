"""Metric names and the per-run summary (docs/MODEL.md section 7).

The column lists here are the contract between the model and everything that reads its output
(runner, plots, dashboard): they are documented in ``docs/ODD.md`` and tested.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["EVENT_COLUMNS", "MEMBER_COLUMNS", "RUNG_KS", "STEP_COLUMNS", "SUMMARY_COLUMNS", "summarize"]

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
