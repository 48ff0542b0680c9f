"""One self-contained HTML page for a results folder: figures, summary, settings and provenance.

Figures are embedded as base64 PNG and the styles are inline, so the page opens offline (a teacher
can mail it or put it on a USB stick). Nothing is fetched from the network.
"""

from __future__ import annotations

import base64
import html
import io
from pathlib import Path

from simulation.analysis.outcomes import OUTCOMES, TAIL_OUTCOMES, summary_table, tail_risks
from simulation.runner.store import write_text
from simulation.viz.figures import FIGURE_KINDS, PlotData, PlotError, draw

__all__ = ["render_report", "write_report"]

TITLES = {
    "curves": "Escalation curves",
    "spiral": "The threat-perception spiral",
    "ladder": "Ladder occupancy",
    "phase": "Phase diagram",
    "compare": "Scenarios compared",
    "members": "Members",
}

CSS = """
body { font-family: system-ui, -apple-system, 'Segoe UI', sans-serif; margin: 2rem auto; max-width: 1100px;
       color: #222; line-height: 1.45; padding: 0 1rem; }
h1 { font-size: 1.9rem; margin-bottom: .2rem; } h2 { margin-top: 2.2rem; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; font-size: .92rem; } td, th { padding: .25rem .6rem; border-bottom: 1px solid #eee; }
th { text-align: left; background: #f5f5f5; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
figure { margin: 1.2rem 0; } figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { color: #555; font-size: .9rem; } pre { background: #f7f7f7; padding: .8rem; overflow-x: auto;
font-size: .85rem; } .note { color: #666; font-style: italic; } details { margin: .6rem 0; }
"""


def _png(fig: object) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight", dpi=110)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def render_report(data: PlotData) -> str:
    """The HTML text of the report."""
    mf = data.manifest
    ex = mf["experiment"]
    esc = html.escape
    parts = [
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{esc(ex['name'])}: escalation "
        f"results</title><style>{CSS}</style></head><body>"
    ]
    parts.append(f"<h1>{esc(ex['name'])}</h1><p>{esc(ex.get('description') or '')}</p>")
    parts.append(f"<p class='note'>{esc(data.caption)}</p>")

    parts.append("<h2>Summary by design point</h2>")
    table = summary_table(data.results)
    parts.append(table.to_html(index=False, float_format=lambda v: f"{v:.2f}", border=0, classes="summary"))
    notes = "; ".join(f"{esc(c)}: {esc(OUTCOMES[c].label)}" for c in table.columns if c in OUTCOMES)
    parts.append(f"<p class='note'>runs: complete runs; errors: runs that raised; {notes}.</p>")

    parts += _tails_section(data)

    parts.append("<h2>Figures</h2>")
    for kind in FIGURE_KINDS:
        try:
            fig = draw(data, kind)
        except PlotError as e:
            parts.append(f"<p class='note'>{esc(TITLES[kind])}: not drawn ({esc(str(e))}).</p>")
            continue
        parts.append(
            f"<figure id='fig-{kind}'><img alt='{esc(TITLES[kind])}' src='data:image/png;base64,"
            f"{_png(fig)}'><figcaption>{esc(TITLES[kind])}</figcaption></figure>"
        )

    parts += _hindcast_section(data)

    parts.append("<h2>Settings</h2>")
    exp_text = data.results.path / "experiment.toml"
    if exp_text.is_file():
        parts.append(
            f"<details open><summary>Experiment file</summary><pre>{esc(exp_text.read_text('utf-8'))}</pre></details>"
        )
    for sc in sorted((data.results.path / "scenarios").glob("*.toml")):
        parts.append(
            f"<details><summary>Scenario {esc(sc.stem)} (resolved: every parameter)</summary>"
            f"<pre>{esc(sc.read_text('utf-8'))}</pre></details>"
        )

    parts.append("<h2>Provenance</h2><table>")
    rows = [
        ("experiment file", ex.get("file")),
        ("SHA-256 of the file", ex.get("sha256")),
        ("package version", f"escalation-abm {mf['package_version']}"),
        (
            "design",
            f"{mf['design']['kind']}, {len(mf['design']['points'])} point(s) x {mf['replications']} replication(s)",
        ),
        ("master seed", f"{mf['seed']} ({mf.get('seed_scheme', '')})"),
        ("runs", f"{mf['n_runs']} ({mf['run_status'].count('c')} complete, {mf['run_status'].count('e')} failed)"),
        ("status", mf["status"]),
        ("started", mf["started"]),
        ("finished", mf.get("finished")),
        ("resumed", ", ".join(mf.get("resumed", [])) or "no"),
    ]
    parts += [f"<tr><th>{esc(k)}</th><td>{esc(str(v))}</td></tr>" for k, v in rows]
    parts.append(
        "</table><p class='note'>Every run's seed is in manifest.json and runs.parquet; a run replays "
        "alone with <code>escalation run SCENARIO --seed SEED</code>.</p></body></html>"
    )
    return "".join(parts)


def _hindcast_section(data: PlotData) -> list[str]:
    """For results of the history scenario (dated from February 2022): the hindcast figure, scores and skill."""
    from simulation.analysis.hindcast import forecast_store, score_hindcast
    from simulation.analysis.observed import HISTORY_START
    from simulation.viz.hindcast import hindcast_figure

    dated = [name for name, start in data.results.scenario_starts.items() if start == HISTORY_START]
    monthly = "steps" in data.results.record["tables"] and data.results.record["every"] == 1
    if len(dated) != 1 or len(data.manifest["design"]["points"]) != 1 or not monthly:
        return []  # one dated scenario, one design point, every month: a hindcast (a sweep is not scored)
    score = score_hindcast(data.steps)
    forecast = forecast_store(data.results)
    fig = hindcast_figure(data.steps, start=HISTORY_START, score=score, forecast=forecast, caption=data.caption)
    table = score.table()[["series", "months", "coverage", "median_error", "crps", "band_width"]]
    skill = forecast.skill_table()
    esc = html.escape
    return [
        "<h2>Does it reproduce the war?</h2>",
        f"<figure id='fig-hindcast'><img alt='hindcast' src='data:image/png;base64,{_png(fig)}'>"
        "<figcaption>The model's bands against the observed territory, aid, strikes launched (missiles and strike "
        "drones per month, through the observation model), hybrid attacks on members per year and events; the grey "
        "span is the calibration window (February 2022 to December 2023), the months after it a forecast."
        "</figcaption></figure>",
        table.to_html(index=False, float_format=lambda v: f"{v:.3f}", border=0),
        f"<p>Aid over the window: {score.aid_ratio:.2f} x observed. No direct clash (rung &ge; 7): "
        f"{score.p_no_clash:.0%} of runs. A climb to nuclear signalling within two months of September 2022: "
        f"{score.p_signal_sep_2022:.0%} of runs.</p>",
        f"<p class='note'>{esc('Coverage: share of months whose observation lies in the 90% band; CRPS: the ensemble')}"
        f"{esc(' continuous ranked probability score (lower is better), in the series unit.')}</p>",
        "<h3 id='skill'>Skill as a forecast</h3>",
        skill.to_html(index=False, float_format=lambda v: f"{v:.3f}", border=0, na_rep="-", table_id="skill-table"),
        "<p class='note'>"
        + esc(
            "CRPSS = 1 - CRPS / CRPS of a baseline built only from the observations known at the origin "
            "(persistence: the last value; climatology: the last 12 observed values or changes resampled); "
            "above 0 the model beats it. Signalling: Brier skill against the base rate of announcement months. "
            "window: March 2022 to December 2023 (in-sample); backtest-YYYY-MM: the months after that origin, "
            "from runs restarted at the observed territory, observation parameters refitted up to the origin."
        )
        + "</p><ul class='note'>"
        + "".join(f"<li>{esc(n)}</li>" for n in forecast.notes[:6])
        + "</ul>",
    ]


def _tails_section(data: PlotData) -> list[str]:
    """The tail probabilities with their 95% binomial intervals over seeds, beside published forecasts."""
    from simulation.analysis.observed import published_forecasts

    tails = tail_risks(data.results)
    if tails.empty:
        return []
    esc = html.escape
    rows = []
    for _, r in tails.iterrows():
        cells = "".join(
            f"<td class='num'>{r[n]:.1%} [{r[f'{n}_lo']:.1%}, {r[f'{n}_hi']:.1%}] "
            f"({int(r[f'{n}_k'])} of {int(r['runs'])})</td>"
            for n in TAIL_OUTCOMES
        )
        rows.append(f"<tr><td>{esc(str(r['point']))}</td>{cells}</tr>")
    head = "".join(f"<th>{esc(OUTCOMES[n].label)}</th>" for n in TAIL_OUTCOMES)
    parts = [
        "<h2>Tail risks</h2>",
        f"<table><tr><th>point</th>{head}</tr>{''.join(rows)}</table>",
        "<p class='note'>The share of runs whose peak rung reaches the rung, with its 95% Wilson interval over "
        "seeds (the runs of a point are independent draws of the model, so the count is binomial).</p>",
    ]
    if any(start for start in data.results.scenario_starts.values()):
        pub = published_forecasts()
        prow = "".join(
            f"<tr><td>{esc(f.forecaster)} ({esc(str(f.published))})</td><td>{esc(f.question)}</td>"
            f"<td class='num'>{f.probability:.2%}</td><td class='num'>{int(f.window_months)}</td></tr>"
            for f in pub.itertuples()
        )
        parts += [
            "<p>Published forecasts of nuclear escalation in this war, a plausibility check only (never fitted; "
            "their questions and windows differ from the model's rungs and horizon):</p>",
            f"<table><tr><th>forecaster</th><th>question</th><th>probability</th><th>months</th></tr>{prow}</table>",
        ]
    return parts


def write_report(data: PlotData, out: str | Path) -> Path:
    """Write the report to ``out``; return its path."""
    out = Path(out)
    write_text(render_report(data), out)
    return out
