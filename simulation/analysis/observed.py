"""The real war as the project holds it: monthly aid and territory, Russia's strikes, hybrid attacks, dated events.

The tables are ``simulation/data/history_2022_2023.csv``, ``history_strikes_monthly.csv``,
``history_hybrid_annual.csv`` and ``history_events.csv`` (sources in ``simulation/data/SOURCES.md``).
The series cover the **calibration window** only, February 2022 to December 2023; 2024 outcomes are
held out and are not in the project. The events table holds the alliance's decisions (``role =
input``, scheduled in ``scenarios/history.toml``) and Russia's and the front's actions (``role =
observed``) through 2024; the signalling series is read from the observed nuclear-signalling events of
the window (:func:`observed_signalling`).
"""

from __future__ import annotations

from functools import cache
from importlib import resources

import pandas as pd

from simulation.calendar import month_between

__all__ = [
    "CALIBRATION_WINDOW",
    "HISTORY_START",
    "OBSERVED_SERIES",
    "observed_events",
    "observed_hybrid",
    "observed_monthly",
    "observed_signalling",
    "observed_strikes",
]

#: Month 0 of the history scenario.
HISTORY_START = "2022-02"
#: First and last month that anything may be fitted to (inclusive).
CALIBRATION_WINDOW = ("2022-02", "2023-12")
#: Observed series -> the model's step column it is compared with.
OBSERVED_SERIES: dict[str, str] = {
    "ukraine_held_share": "territory_held",
    "alliance_military_eur_bn": "aid_total",
}


def _read(name: str) -> pd.DataFrame:
    with resources.files("simulation.data").joinpath(name).open("r", encoding="utf-8") as f:
        return pd.read_csv(f, dtype={"date": str})


@cache
def _monthly() -> pd.DataFrame:
    df = _read("history_2022_2023.csv")
    df.insert(1, "month", [month_between(HISTORY_START, d) for d in df["date"]])
    return df


def observed_monthly() -> pd.DataFrame:
    """One row per month of the calibration window: date, month (0 = February 2022) and the observed series."""
    return _monthly().copy()


def observed_events(role: str | None = None) -> pd.DataFrame:
    """Dated events (date ``YYYY-MM-DD``, month since February 2022, side, role, kind, description)."""
    df = _read("history_events.csv")
    df.insert(1, "month", [month_between(HISTORY_START, d) for d in df["date"]])
    return df if role is None else df[df["role"] == role].reset_index(drop=True)


def published_forecasts() -> pd.DataFrame:
    """Published probabilities of nuclear escalation (``published_forecasts.csv``): a plausibility check.

    Columns: forecaster, published, question, probability, low, high, window_months, source. Nothing in
    the model is fitted to them (docs/ODD.md section 10.3).
    """
    return _read("published_forecasts.csv")


def observed_strikes(coverage: str | None = "full") -> pd.DataFrame:
    """Missiles plus strike drones launched per month (date, month, coverage, ``strikes`` and the raw columns).

    Only months of ``coverage`` (default ``full``: October 2022 to December 2023) are returned; a
    ``partial`` (September 2022) or ``not_covered`` month is not an observation. ``coverage=None``
    returns every row of the table, February 2022 to December 2023, with NaN counts where not covered.
    """
    df = _read("history_strikes_monthly.csv").rename(columns={"month": "date"})
    df.insert(1, "month", [month_between(HISTORY_START, d) for d in df["date"]])
    df.insert(3, "strikes", df["missiles_plus_shahed_launched"].astype(float))
    return (df if coverage is None else df[df["coverage"] == coverage]).reset_index(drop=True)


def observed_hybrid() -> pd.DataFrame:
    """Russian sabotage and subversion attacks and plots in Europe per calendar year (year, ``hybrid_attacks``)."""
    df = _read("history_hybrid_annual.csv")
    return pd.DataFrame(
        {"year": df["year"].astype(int), "hybrid_attacks": df["attacks_and_plots_in_europe"].astype(float)}
    )


def observed_signalling() -> pd.DataFrame:
    """One row per month of the calibration window: 1 where Russia made a nuclear-signalling announcement, else 0.

    A month signals when it holds an observed event of kind ``nuclear_signal`` or an observed event whose
    description records a nuclear threat (the mobilisation speech of 21 September 2022: "this is not a
    bluff"). In the window: February and September 2022, February, March and November 2023.
    """
    ev = observed_events("observed")
    nuclear = (ev["kind"] == "nuclear_signal") | ev["description"].str.contains("nuclear", case=False)
    months = set(ev.loc[nuclear, "month"])
    df = observed_monthly()[["date", "month"]].copy()
    df["signalling"] = [1.0 if m in months else 0.0 for m in df["month"]]
    return df
