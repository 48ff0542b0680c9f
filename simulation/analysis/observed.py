"""The real war as the project holds it: monthly aid and territory, and dated events.

The tables are ``simulation/data/history_2022_2023.csv`` and ``history_events.csv`` (sources in
``simulation/data/SOURCES.md``). The series cover the **calibration window** only, February 2022 to
December 2023; 2024 outcomes are held out and are not in the project. The events table holds the
alliance's decisions (``role = input``, scheduled in ``scenarios/history.toml``) and Russia's and the
front's actions (``role = observed``) through 2024.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

import pandas as pd

from simulation.calendar import month_between

__all__ = ["CALIBRATION_WINDOW", "HISTORY_START", "OBSERVED_SERIES", "observed_events", "observed_monthly"]

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
