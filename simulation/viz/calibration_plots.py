"""Figures and the HTML page of a calibration folder (``escalation calibrate``).

- :func:`posterior_marginals`: each fitted parameter's posterior (last generation, weighted) over its prior;
- :func:`pair_plot`: the last generation's particles, two parameters at a time, sized by weight;
- :func:`predictive_plot`: prior and posterior predictive bands of territory and aid against the
  observed series, through the scenario's horizon (the months after the window are the forecast).
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from simulation.analysis.calibration import Prior, read_posterior, weighted_quantile
from simulation.errors import PlotError
from simulation.runner.store import write_text
from simulation.viz.plots import _caption, _figure, _styled, save
from simulation.viz.style import OKABE_ITO

__all__ = [
    "CALIBRATION_FIGURES",
    "draw_calibration",
    "pair_plot",
    "posterior_marginals",
    "predictive_plot",
    "render_calibration_report",
    "write_calibration_report",
]

#: Figure name -> title.
CALIBRATION_FIGURES = {
    "marginals": "Posterior marginals against the priors",
    "pairs": "Pair plot of the last generation",
    "predictive": "Prior and posterior predictive against the observed series",
}
_SERIES_LABEL = {
    "territory": "territory held by Ukraine (share)",
    "aid": "alliance military aid a month (aid_total)",
}


def _priors(record: dict[str, Any]) -> list[Prior]:
    fields = set(Prior.__dataclass_fields__)
    return [Prior(**{k: v for k, v in d.items() if k in fields}) for d in record["priors"]]


def _caption_text(record: dict[str, Any]) -> str:
    gens = record.get("generations", [])
    return (
        f"Calibration '{record['calibration']['name']}' of scenario '{record['scenario']}': ABC-SMC, "
        f"{record['population']} particles x {len(gens)} generation(s), master seed {record['seed']}, "
        f"escalation-abm {record['package_version']}, pyabc {record.get('pyabc_version', '?')}"
    )


def _last(posterior: pd.DataFrame) -> pd.DataFrame:
    if posterior.empty:
        raise PlotError("the calibration has no finished generation yet")
    return posterior[posterior["generation"] == posterior["generation"].max()]


@_styled
def posterior_marginals(posterior: pd.DataFrame, priors: list[Prior], *, caption: str = "") -> Figure:
    """One panel per parameter: the prior's density, the posterior's weighted histogram and its 90% interval."""
    last = _last(posterior)
    w = last["weight"].to_numpy()
    n = len(priors)
    cols = min(3, n)
    rows = -(-n // cols)
    fig = _figure(4.6 * cols, 3.4 * rows)
    axes = np.atleast_1d(fig.subplots(rows, cols)).ravel()
    for ax, p in zip(axes, priors, strict=False):
        x = last[p.key].to_numpy()
        grid = np.linspace(p.low, p.high, 200)
        ax.plot(grid, p.frozen().pdf(grid), color="#555555", ls="--", lw=1.8, label="prior")
        bins = np.linspace(p.low, p.high, 21)
        ax.hist(x, bins=bins, weights=w, density=True, color=OKABE_ITO[0], alpha=0.55, label="posterior")
        q05, q50, q95 = weighted_quantile(x, w, [0.05, 0.5, 0.95])
        ax.axvspan(q05, q95, color=OKABE_ITO[0], alpha=0.08, lw=0)
        ax.axvline(q50, color=OKABE_ITO[1], lw=2, label=f"median {q50:.3g}")
        ax.set_title(p.key)
        ax.set_yticks([])
        ax.legend(loc="upper right", fontsize=9, frameon=False)
    for ax in axes[n:]:
        ax.set_visible(False)
    _caption(fig, caption)
    return fig


@_styled
def pair_plot(posterior: pd.DataFrame, names: list[str], *, caption: str = "") -> Figure:
    """The last generation, two parameters at a time (dot area proportional to weight); histograms on the diagonal."""
    last = _last(posterior)
    w = last["weight"].to_numpy()
    n = len(names)
    fig = _figure(2.6 * n + 1, 2.6 * n + 0.6)
    axes = np.array(fig.subplots(n, n, squeeze=False))
    size = 8 + 400 * w / max(w.max(), 1e-12)
    for i, yi in enumerate(names):
        for j, xj in enumerate(names):
            ax = axes[i, j]
            if i == j:
                ax.hist(last[xj], bins=15, weights=w, color=OKABE_ITO[0], alpha=0.7)
                ax.set_yticks([])
            elif i > j:
                ax.scatter(last[xj], last[yi], s=size, color=OKABE_ITO[0], alpha=0.45, lw=0)
            else:
                ax.set_visible(False)
                continue
            if i == n - 1:
                ax.set_xlabel(xj, fontsize=10)
            if j == 0 and i != j:
                ax.set_ylabel(yi, fontsize=10)
            ax.tick_params(labelsize=9)
    _caption(fig, caption)
    return fig


@_styled
def predictive_plot(bands: pd.DataFrame, *, caption: str = "") -> Figure:
    """Territory and aid by month: prior 90% band, posterior 50% and 90% bands and median, observed points."""
    if bands.empty:
        raise PlotError("no predictive bands: the calibration ran without its predictive step")
    series = [s for s in ("territory", "aid") if s in set(bands["series"])]
    fig = _figure(11, 3.8 * len(series))
    axes = np.atleast_1d(fig.subplots(len(series), 1, sharex=True))
    for ax, s in zip(axes, series, strict=True):
        post = bands[(bands["kind"] == "posterior") & (bands["series"] == s)].sort_values("month")
        prior = bands[(bands["kind"] == "prior") & (bands["series"] == s)].sort_values("month")
        if not prior.empty:
            ax.fill_between(prior["month"], prior["q05"], prior["q95"], color="#999999", alpha=0.25, lw=0,
                            label="prior predictive 90%")  # fmt: skip
        ax.fill_between(post["month"], post["q05"], post["q95"], color=OKABE_ITO[0], alpha=0.25, lw=0,
                        label="posterior predictive 90%")  # fmt: skip
        ax.fill_between(post["month"], post["q25"], post["q75"], color=OKABE_ITO[0], alpha=0.35, lw=0, label="50%")
        ax.plot(post["month"], post["q50"], color=OKABE_ITO[0], lw=2, label="median")
        obs = post[post["observed"].notna()]
        ax.plot(obs["month"], obs["observed"], "o", color="#000000", ms=4, label="observed")
        inside = post[post["in_window"]]
        if not inside.empty:
            end = int(inside["month"].max())
            ax.axvline(end + 0.5, color=OKABE_ITO[1], ls="--", lw=1.5)
            ax.text(end + 0.8, ax.get_ylim()[1], "forecast", color=OKABE_ITO[1], va="top", fontsize=10)
        ax.set_ylabel(_SERIES_LABEL.get(s, s), fontsize=11)
        ax.legend(loc="best", fontsize=9, frameon=False, ncol=2)
    months = bands.drop_duplicates("month").sort_values("month")
    ticks = months[months["date"].str.endswith(("-01", "-07"))]
    axes[-1].set_xticks(ticks["month"], ticks["date"], rotation=0, fontsize=10)
    _caption(fig, caption)
    return fig


def _load(folder: Path) -> tuple[dict[str, Any], pd.DataFrame, pd.DataFrame]:
    cj = folder / "calibration.json"
    if not cj.is_file():
        raise PlotError(f"{folder} is not a calibration folder (no calibration.json)")
    record = json.loads(cj.read_text("utf-8"))
    posterior = read_posterior(folder)
    pp = folder / "predictive.parquet"
    bands = pd.read_parquet(pp) if pp.is_file() else pd.DataFrame()
    return record, posterior, bands


def _figures(folder: Path) -> dict[str, Figure | PlotError]:
    record, posterior, bands = _load(folder)
    cap = _caption_text(record)
    priors = _priors(record)
    out: dict[str, Figure | PlotError] = {}
    makers = {
        "marginals": lambda: posterior_marginals(posterior, priors, caption=cap),
        "pairs": lambda: pair_plot(posterior, [p.key for p in priors], caption=cap),
        "predictive": lambda: predictive_plot(bands, caption=cap),
    }
    for name, make in makers.items():
        try:
            out[name] = make()
        except PlotError as e:
            out[name] = e
    return out


def draw_calibration(folder: str | Path, out: str | Path | None = None, fmt: str = "png") -> list[Path]:
    """Draw the calibration's figures into ``out`` (default: FOLDER/figures); return the files written."""
    folder = Path(folder)
    target = Path(out) if out is not None else folder / "figures"
    written = []
    for name, fig in _figures(folder).items():
        if isinstance(fig, Figure):
            target.mkdir(parents=True, exist_ok=True)
            path = target / f"{name}.{fmt}"
            save(fig, path, fmt)
            written.append(path)
    return written


def render_calibration_report(folder: str | Path) -> str:
    """One self-contained HTML page of a calibration folder: parameters, generations, fit, figures, provenance."""
    from simulation.viz.report import CSS, _png

    folder = Path(folder)
    record, _, _ = _load(folder)
    esc = html.escape
    name = record["calibration"]["name"]
    parts = [
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{esc(name)}: calibration</title>"
        f"<style>{CSS}</style></head><body><h1>{esc(name)}</h1>"
        f"<p>{esc(record['calibration'].get('description') or '')}</p>"
        f"<p class='note'>{esc(_caption_text(record))}</p><h2>Parameters</h2>"
    ]
    table = pd.DataFrame(record.get("parameters", []))
    if not table.empty:
        parts.append(table.to_html(index=False, float_format=lambda v: f"{v:.3g}", border=0))
        parts.append(
            "<p class='note'>width_ratio: the posterior's 90% interval over the prior's; below 0.5 the data "
            "identify the parameter, otherwise it remains an assumption.</p>"
        )
    parts.append("<h2>Generations</h2>")
    parts.append(pd.DataFrame(record["generations"]).to_html(index=False, float_format=lambda v: f"{v:.4g}", border=0))
    pred = record.get("predictive")
    if pred:
        parts.append("<h2>Fit and forecast</h2><table><tr><th>series</th><th>predictive</th><th>90% coverage</th>"
                     "<th>mean 90% width</th><th>median abs. error</th></tr>")  # fmt: skip
        for kind in ("posterior", "prior"):
            for s, v in pred[kind].items():
                cov = "" if v["coverage_90"] is None else f"{v['coverage_90']:.0%}"
                parts.append(
                    f"<tr><td>{esc(s)}</td><td>{kind}</td><td class='num'>{cov}</td>"
                    f"<td class='num'>{v['mean_width_90']:.3g}</td>"
                    f"<td class='num'>{v['median_abs_error']:.3g}</td></tr>"
                )
        parts.append("</table>")
        fc = pred.get("forecast") or {}
        if fc:
            t = fc["territory_at_horizon"]
            parts.append(
                f"<p>Forecast {esc(fc['from'])} to {esc(fc['to'])} (posterior predictive): P(nuclear signalling) "
                f"{fc['p_nuclear_signalling']:.0%}, P(direct clash) {fc['p_direct_clash']:.0%}, territory held at "
                f"the horizon {t['q50']:.1%} (90%: {t['q05']:.1%} to {t['q95']:.1%}).</p>"
            )
    parts.append("<h2>Figures</h2>")
    for key, fig in _figures(folder).items():
        title = CALIBRATION_FIGURES[key]
        if isinstance(fig, Figure):
            parts.append(
                f"<figure id='fig-{key}'><img alt='{esc(title)}' src='data:image/png;base64,{_png(fig)}'>"
                f"<figcaption>{esc(title)}</figcaption></figure>"
            )
        else:
            parts.append(f"<p class='note'>{esc(title)}: not drawn ({esc(str(fig))}).</p>")
    parts.append("<h2>Settings</h2>")
    for fname, label in (("calibration.toml", "Calibration file"), ("scenario.toml", "Scenario (resolved)")):
        f = folder / fname
        if f.is_file():
            parts.append(f"<details><summary>{label}</summary><pre>{esc(f.read_text('utf-8'))}</pre></details>")
    parts.append("<h2>Provenance</h2><table>")
    rows = [
        ("calibration file", record["calibration"].get("file")),
        ("SHA-256 of the file", record["calibration"].get("sha256")),
        ("--set", " ".join(record["calibration"].get("sets", [])) or "none"),
        ("data", json.dumps(record["data"]["files"])),
        ("window", " to ".join(record["data"]["window"])),
        ("distance", f"{record['distance']['formula']}, p = {record['distance']['p']}"),
        ("algorithm", record.get("algorithm")),
        ("master seed", f"{record['seed']} ({record.get('seed_scheme', '')})"),
        ("status", f"{record['status']} ({record.get('stopped_because', '')})"),
        ("wall time", f"{record.get('wall_time_s', 0):.1f} s; {record.get('runs_per_second', 0):.1f} runs/s"),
        ("started", record["started"]),
        ("finished", record.get("finished")),
        ("resumed", ", ".join(record.get("resumed", [])) or "no"),
    ]
    parts += [f"<tr><th>{esc(k)}</th><td>{esc(str(v))}</td></tr>" for k, v in rows]
    parts.append("</table></body></html>")
    return "".join(parts)


def write_calibration_report(folder: str | Path, out: str | Path | None = None) -> Path:
    """Write the calibration's HTML page (default: FOLDER/report.html); return its path."""
    target = Path(out) if out is not None else Path(folder) / "report.html"
    write_text(render_calibration_report(folder), target)
    return target
