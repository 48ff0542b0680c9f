"""The hindcast figure: the model's bands against the real war, with the observed events on the time axis.

The panels share a calendar axis: Ukraine's territory held, the alliance's military aid (EUR bn a
month), and, with a scored forecast (:class:`simulation.analysis.forecast.Forecast`), the strikes
launched per month and the hybrid attacks per year (the observation model's counts), then Russia's rung
on the ladder with the forecast probability of a nuclear-signalling announcement. The model's median and
its 50% and 90% bands across seeds are drawn for every month of the run; the observed series
(calibration window only) as black points and lines; the calibration window is shaded, and the months
after it are labelled as a forecast. The alliance's decisions (inputs) and Russia's observed actions are
marked on the time axis; the title gives the skill against persistence.
"""

from __future__ import annotations

from typing import Any

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from simulation.analysis.forecast import Forecast
from simulation.analysis.hindcast import HindcastScore, bands
from simulation.analysis.observed import CALIBRATION_WINDOW, observed_events, observed_monthly
from simulation.calendar import date_of
from simulation.ladder import DIRECT_CLASH, NUCLEAR_SIGNALLING
from simulation.viz.plots import _caption, _figure, _styled
from simulation.viz.style import OKABE_ITO

__all__ = ["hindcast_figure"]

MODEL_COLOR = OKABE_ITO[0]
#: Marker colour per event side: the alliance's decisions (inputs) and Russia's observed actions.
EVENT_COLORS = {"alliance": OKABE_ITO[2], "russia": OKABE_ITO[1], "ukraine": OKABE_ITO[4]}


def _dates(start: str, months: Any) -> np.ndarray:
    return np.array([np.datetime64(date_of(start, int(m))) for m in months], dtype="datetime64[D]")


def _panel(ax: Any, start: str, q: pd.DataFrame, label: str) -> None:
    x = _dates(start, q.index)
    ax.fill_between(x, q[0.05], q[0.95], color=MODEL_COLOR, alpha=0.18, linewidth=0, label="model: 90% band")
    ax.fill_between(x, q[0.25], q[0.75], color=MODEL_COLOR, alpha=0.30, linewidth=0, label="model: 50% band")
    ax.plot(x, q[0.5], color=MODEL_COLOR, linewidth=2.2, label="model: median")
    ax.set_ylabel(label)


def _band_rows(forecast: Forecast, series: str) -> pd.DataFrame:
    """One series of the forecast's bands table, indexed by its period's date (a year at its middle)."""
    b = forecast.bands[forecast.bands["series"] == series].copy()
    b.index = [np.datetime64(f"{d}-07-01" if len(d) == 4 else f"{d}-01", "D") for d in b["date"]]
    return b.rename(columns={"q05": 0.05, "q25": 0.25, "q50": 0.5, "q75": 0.75, "q95": 0.95})


def _strikes_panel(ax: Any, forecast: Forecast) -> None:
    b = _band_rows(forecast, "strikes")
    ax.fill_between(b.index, b[0.05], b[0.95], color=MODEL_COLOR, alpha=0.18, linewidth=0, label="model: 90% band")
    ax.fill_between(b.index, b[0.25], b[0.75], color=MODEL_COLOR, alpha=0.30, linewidth=0, label="model: 50% band")
    ax.plot(b.index, b[0.5], color=MODEL_COLOR, linewidth=2.2, label="model: median")
    obs = b["observed"].dropna()
    ax.plot(obs.index, obs, "o-", color="black", markersize=4, linewidth=1.0, label="observed (full months)")
    ax.set_ylabel("strikes launched\n(missiles + drones / month)")
    ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False, fontsize=10)


def _hybrid_panel(ax: Any, forecast: Forecast) -> None:
    b = _band_rows(forecast, "hybrid_attacks")
    x = b.index
    ax.vlines(x, b[0.05], b[0.95], color=MODEL_COLOR, alpha=0.35, linewidth=14, label="model: 90% band")
    ax.vlines(x, b[0.25], b[0.75], color=MODEL_COLOR, alpha=0.6, linewidth=14, label="model: 50% band")
    ax.plot(x, b[0.5], "_", color=MODEL_COLOR, markersize=22, markeredgewidth=2.5, label="model: median")
    obs = b["observed"].dropna()
    ax.plot(obs.index, obs, "o", color="black", markersize=7, label="observed (CSIS)")
    ax.set_ylabel("hybrid attacks on\nmembers per year")
    ax.set_ylim(bottom=0)
    ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False, fontsize=10)


def _signalling_line(ax: Any, forecast: Forecast) -> None:
    """The forecast probability of an announcement, on a right-hand axis of the rung panel."""
    b = _band_rows(forecast, "signalling")
    twin = ax.twinx()
    twin.plot(b.index, b[0.5], color=OKABE_ITO[5], linewidth=1.6, label="P(announcement) (right axis)")
    twin.set_ylim(0, 1.05)
    twin.set_ylabel("P(announcement)", color=OKABE_ITO[5])
    twin.grid(False)
    twin.legend(loc="upper right", frameon=False, fontsize=9)


def _skill_line(forecast: Forecast) -> str:
    parts = []
    for series, label in (("territory", "territory"), ("strikes", "strikes"), ("aid", "aid")):
        v = forecast.value(series, "backtest-2022-12", "crpss_persistence")
        parts.append(f"{label} {v:+.2f}")
    b = forecast.value("signalling", "backtest-2022-12", "brier_skill")
    return (
        "\nskill from December 2022 (CRPSS against persistence; > 0 beats it): "
        + ", ".join(parts)
        + f"; signalling Brier skill against the base rate {b:+.2f}"
    )


@_styled
def hindcast_figure(
    steps: pd.DataFrame,
    *,
    start: str,
    score: HindcastScore | None = None,
    forecast: Forecast | None = None,
    caption: str = "",
    title: str = "Does the model reproduce the war?",
) -> Figure:
    """Model bands against the observed territory, aid, strikes, hybrid attacks and events.

    ``steps`` holds run_id, month and the step columns; ``forecast`` (the scored forecast of the same
    runs) adds the panels of the series seen through the observation model.
    """
    obs = observed_monthly()
    obs_x = _dates(start, obs["month"])
    if forecast is None:
        fig = _figure(13.5, 11.5)
        ax_t, ax_a, ax_r = fig.subplots(3, 1, sharex=True, height_ratios=[3, 2.2, 2.2])
        extra: tuple[Any, ...] = ()
    else:
        fig = _figure(13.5, 17.5)
        ax_t, ax_a, ax_s, ax_h, ax_r = fig.subplots(5, 1, sharex=True, height_ratios=[3, 2.2, 2.2, 1.6, 2.2])
        _strikes_panel(ax_s, forecast)
        _hybrid_panel(ax_h, forecast)
        _signalling_line(ax_r, forecast)
        extra = (ax_s, ax_h)

    _panel(ax_t, start, bands(steps, "territory_held"), "territory held by Ukraine (share)")
    ax_t.plot(obs_x, obs["ukraine_held_share"], "o-", color="black", markersize=4, linewidth=1.2, label="observed")
    _panel(ax_a, start, bands(steps, "aid_total"), "alliance military aid\n(EUR bn / month)")
    ax_a.plot(
        obs_x, obs["alliance_military_eur_bn"], "o-", color="black", markersize=4, linewidth=1.0, label="observed"
    )
    _panel(ax_r, start, bands(steps, "escalation_rung"), "escalation rung")
    ax_r.axhline(NUCLEAR_SIGNALLING, color="#333333", linestyle="--", linewidth=1.0)
    ax_r.axhline(DIRECT_CLASH, color="#333333", linestyle=":", linewidth=1.0)
    ax_r.text(0.005, NUCLEAR_SIGNALLING + 0.1, "nuclear signalling", transform=ax_r.get_yaxis_transform(), fontsize=10)
    ax_r.text(
        0.005, DIRECT_CLASH + 0.1, "direct clash with a member", transform=ax_r.get_yaxis_transform(), fontsize=10
    )
    ax_r.set_ylim(0, 9.5)

    # the calibration window shaded; what follows is a forecast
    lo, hi = (np.datetime64(d) for d in CALIBRATION_WINDOW)
    hi_end = hi + np.timedelta64(27, "D")
    for ax in (ax_t, ax_a, *extra, ax_r):
        ax.axvspan(lo, hi_end, color="#eeeeee", zorder=0)
    last = _dates(start, [int(steps["month"].max())])[0]
    if last > hi_end:
        ax_t.text(hi_end + np.timedelta64(10, "D"), 0.98, "forecast: not fitted, not scored", fontsize=10,
                  transform=ax_t.get_xaxis_transform(), va="top", color="#555555")  # fmt: skip

    # observed events: inputs (the alliance) below the rung axis, Russia's actions above
    ev = observed_events()
    ev = ev[ev["date"].str[:7] <= date_of(start, int(steps["month"].max()))]
    for _, e in ev.iterrows():
        x = np.datetime64(e["date"])
        color = EVENT_COLORS.get(e["side"], "#555555")
        ax_r.axvline(x, color=color, alpha=0.5, linewidth=1.0, zorder=1)
        marker = "v" if e["role"] == "observed" else "^"
        y = 9.2 if e["role"] == "observed" else 0.3
        ax_r.plot([x], [y], marker=marker, color=color, markersize=8, linestyle="none")
    from matplotlib.lines import Line2D

    handles = [
        Line2D([], [], marker="v", color=EVENT_COLORS["russia"], linestyle="none", label="Russia's action (observed)"),
        Line2D([], [], marker="v", color=EVENT_COLORS["ukraine"], linestyle="none", label="Ukraine's offensive"),
        Line2D([], [], marker="^", color=EVENT_COLORS["alliance"], linestyle="none", label="alliance decision (input)"),
    ]
    right = 1.01 if forecast is None else 1.09  # past the probability's axis
    ax_r.legend(handles=handles, loc="center left", bbox_to_anchor=(right, 0.5), frameon=False, fontsize=10)
    ax_t.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False, fontsize=10)
    ax_r.xaxis.set_major_locator(mdates.MonthLocator(bymonth=(1, 4, 7, 10)))
    ax_r.xaxis.set_major_formatter(mdates.DateFormatter("%b\n%Y"))
    ax_r.set_xlabel("month (grey: the calibration window, February 2022 to December 2023)")
    if score is not None:
        t = score.series["ukraine_held_share"]
        title += (
            f"\nterritory: {t.coverage:.0%} of months inside the 90% band, CRPS {t.crps:.3f}; "
            f"aid: total {score.aid_ratio:.2f}x observed; no direct clash in {score.p_no_clash:.0%} of runs"
        )
    if forecast is not None:
        title += _skill_line(forecast)
    fig.suptitle(title, fontsize=14, x=0.01, ha="left")
    _caption(fig, caption)
    return fig
