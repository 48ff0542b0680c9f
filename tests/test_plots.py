"""Figures from the small results stores in tests/data (made by tests/data/make_data.py), headless."""

import base64
import re
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

from simulation.cli import main
from simulation.viz import plots
from simulation.viz.figures import FIGURE_KINDS, PlotError, draw, load_for_plots
from simulation.viz.report import render_report

DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="module")
def compare():
    return load_for_plots(DATA / "store_compare")


@pytest.fixture(scope="module")
def grid():
    return load_for_plots(DATA / "store_grid")


def by_gid(ax, gid):
    return [a for a in [*ax.collections, *ax.lines] if a.get_gid() == gid]


def test_escalation_curves(compare):
    fig = plots.escalation_curves(compare.steps, compare.runs, caption=compare.caption)
    top, bottom, names = fig.axes
    assert len(by_gid(top, "median")) == 3 and len(by_gid(bottom, "median")) == 3
    assert len(by_gid(top, "band50")) == 3 and len(by_gid(top, "band90")) == 3  # 50% and 90% per scenario
    (legend,) = fig.legends
    assert [t.get_text() for t in legend.get_texts()] == ["classroom", "classroom_united", "classroom_divided"]
    assert len(by_gid(top, "threshold6")) == 1 and len(by_gid(top, "threshold7")) == 1
    labels = " ".join(t.get_text() for t in top.texts)
    assert "nuclear signalling" in labels and "direct clash" in labels
    assert names.get_yticklabels()[6].get_text() == "nuclear signalling"
    # every rung's name whole (wrapped on two lines, never cut with an ellipsis)
    assert [t.get_text().replace("\n", " ") for t in names.get_yticklabels()] == list(plots.RUNG_NAMES)
    assert max(len(line) for t in names.get_yticklabels() for line in t.get_text().split("\n")) <= 26
    assert top.get_ylabel() == "escalation rung" and bottom.get_xlabel() == "month"
    assert "intensity" in bottom.get_ylabel()
    assert any(t.get_gid() == "caption" and "test-compare" in t.get_text() for t in fig.texts)


def test_escalation_curves_median_is_the_median(compare):
    fig = plots.escalation_curves(compare.steps, compare.runs)
    line = by_gid(fig.axes[0], "median")[2]
    ids = compare.runs.loc[compare.runs["label"] == "classroom_divided", "run_id"]
    s = compare.steps[compare.steps["run_id"].isin(ids)]
    assert list(line.get_ydata()) == s.groupby("month")["escalation_rung"].median().tolist()


def test_more_than_four_design_points_get_small_multiples(grid):
    fig = plots.escalation_curves(grid.steps, grid.runs, caption=grid.caption)
    panels = [ax for ax in fig.axes if by_gid(ax, "median")]
    assert len(panels) == 9  # one panel per design point, not nine overlapping bands
    labels = grid.runs.drop_duplicates("label").sort_values("point_id")["label"].tolist()
    assert [ax.get_title() for ax in panels] == labels
    for ax in panels:
        assert len(by_gid(ax, "median")) == 1 and len(by_gid(ax, "band50")) == 1 and len(by_gid(ax, "band90")) == 1
        assert len(by_gid(ax, "context")) == 8  # the other points' medians, in grey behind
        assert len(by_gid(ax, "threshold6")) == 1 and len(by_gid(ax, "threshold7")) == 1
    rung_axes = [ax for ax in fig.axes if ax not in panels and ax.get_visible()]
    assert len(rung_axes) == 3  # the rung names at the right of each row
    for ax in rung_axes:
        assert [t.get_text().replace("\n", " ") for t in ax.get_yticklabels()] == list(plots.RUNG_NAMES)
    assert all(ax.get_xlabel() == "month" for ax in panels[-3:])


def test_up_to_four_design_points_share_one_panel(grid):
    four = grid.runs[grid.runs["point_id"] < 4]
    fig = plots.escalation_curves(grid.steps, four)
    assert len(by_gid(fig.axes[0], "median")) == 4 and len(by_gid(fig.axes[0], "band90")) == 4


def _boxes(fig):
    """Window extents of the caption, the legends and every axes (with its labels), after drawing."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    (caption,) = [t for t in fig.texts if t.get_gid() == "caption"]
    axes = [ax.get_tightbbox(renderer) for ax in fig.axes if ax.get_visible()]
    return caption.get_window_extent(renderer), [lg.get_window_extent(renderer) for lg in fig.legends], axes


@pytest.mark.parametrize(
    "store,draw_it",
    [
        ("compare", lambda d: plots.escalation_curves(d.steps, d.runs, caption=d.caption)),
        ("grid", lambda d: plots.escalation_curves(d.steps, d.runs, caption=d.caption)),
        ("compare", lambda d: plots.scenario_comparison(d.steps, d.runs, caption=d.caption)),
        ("grid", lambda d: plots.scenario_comparison(d.steps, d.runs, caption=d.caption)),
        ("grid", lambda d: plots.ladder_occupancy(d.steps, d.runs, caption=d.caption)),
    ],
    ids=["curves-3", "curves-9", "compare-3", "compare-9", "ladder-9"],
)
def test_the_caption_is_clear_of_legends_and_panels(request, store, draw_it):
    data = request.getfixturevalue(store)
    caption, legends, axes = _boxes(draw_it(data))
    assert legends or store == "grid", "a figure of few lines has a legend"
    for box in [*legends, *axes]:
        assert not caption.overlaps(box), (caption, box)
        assert caption.y1 <= box.y0 + 1  # the caption is under everything


def test_threat_spiral(compare):
    fig = plots.threat_spiral(compare.steps, compare.runs)
    (ax,) = fig.axes
    assert len(by_gid(ax, "path")) == 3
    arrows = [c for c in ax.texts if c.arrow_patch is not None]
    assert len(arrows) >= 3 * 5
    assert "threat perception" in ax.get_ylabel() and "effort" in ax.get_xlabel()


def test_ladder_occupancy_shares_sum_to_one(compare):
    fig = plots.ladder_occupancy(compare.steps, compare.runs)
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title() for ax in visible] == ["classroom", "classroom_united", "classroom_divided"]
    for ax in visible:
        polys = by_gid(ax, "occupancy")
        assert len(polys) == 10  # one area per rung
        top = max(v[:, 1].max() for p in polys for v in [p.get_paths()[0].vertices])
        assert top == pytest.approx(1.0)


def test_phase_diagram(grid):
    x, y = plots.grid_axes(grid.runs, grid.manifest)
    assert (x, y) == ("aid_level", "member_unity")
    fig = plots.phase_diagram(grid.runs, x=x, y=y, metric="peak_rung")
    ax, cbar = fig.axes
    (mesh,) = by_gid(ax, "heatmap")
    assert mesh.get_array().shape == (3, 3)
    table = plots.phase_values(grid.runs, x, y, "peak_rung")
    assert mesh.get_array()[0, 2] == pytest.approx(table.loc[0.0, 1.0])
    assert "mean peak rung" in cbar.get_ylabel() and ax.get_xlabel().startswith("aid_level")
    assert len(ax.collections) > 1, "contour lines"


def test_phase_diagram_refuses_a_non_grid(compare):
    with pytest.raises(PlotError, match="2-D grid"):
        plots.grid_axes(compare.runs, compare.manifest)


def test_unknown_metric_lists_the_known_ones(grid):
    with pytest.raises(PlotError, match=r"p_rung7.*final_territory"):
        plots.phase_diagram(grid.runs, x="aid_level", y="member_unity", metric="bananas")


def test_scenario_comparison(compare):
    fig = plots.scenario_comparison(compare.steps, compare.runs)
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == [
        plots.STEP_METRICS[m] for m in ("escalation_rung", "alliance_cohesion", "aid_total", "territory_held")
    ]
    assert all(len(by_gid(ax, "median")) == 3 and len(by_gid(ax, "band50")) == 3 for ax in fig.axes)
    assert "EUR bn / month" in titles[2]
    rung_ticks = fig.axes[0].get_yticks()
    assert all(float(t).is_integer() for t in rung_ticks), rung_ticks  # no rung 2.5


def test_member_view(compare):
    fig = draw(compare, "members")
    left, right = fig.axes
    bars = by_gid(left, "aid_share")[0] if by_gid(left, "aid_share") else left.containers[0]
    assert len(bars) == 6
    assert [t.get_text() for t in left.get_yticklabels()][-1] == "POL"  # the largest share on top
    hatched = [b.get_hatch() for b in left.containers[0]]
    assert hatched.count("//") == 3  # POL, EST, HUN are frontline
    assert len(by_gid(right, "resolve")) == 6
    assert "% of GDP" in left.get_xlabel()


@pytest.mark.parametrize("fmt,magic", [("png", b"\x89PNG"), ("svg", b"<?xml"), ("pdf", b"%PDF")])
def test_cli_writes_every_figure(tmp_path, fmt, magic, capsys):
    # vector formats on a 2 x 2 corner of the grid: every kind still drawn, at a fraction of the cost
    subset = [] if fmt == "png" else ["--points", "0,1,3,4"]
    assert main(["plot", str(DATA / "store_grid"), "--format", fmt, "--out", str(tmp_path), *subset]) == 0
    files = sorted(tmp_path.iterdir())
    assert [f.stem for f in files] == sorted(FIGURE_KINDS)
    for f in files:
        assert f.suffix == f".{fmt}" and f.stat().st_size > 5000 and f.read_bytes().startswith(magic)


def test_cli_all_skips_phase_for_a_scenario_batch(tmp_path, capsys):
    assert main(["plot", str(DATA / "store_compare"), "--out", str(tmp_path)]) == 0
    assert "skipped phase" in capsys.readouterr().err
    assert not (tmp_path / "phase.png").exists() and (tmp_path / "curves.png").exists()


@pytest.mark.parametrize(
    "argv,needle",
    [
        (["plot", "{tmp}"], "not a results store"),
        (["plot", "{grid}", "--kind", "phase", "--metric", "nope"], "unknown metric 'nope'"),
        (["plot", "{compare}", "--kind", "phase"], "needs a 2-D grid experiment"),
        (["report", "{tmp}"], "not a results store"),
    ],
)
def test_cli_bad_input(tmp_path, argv, needle, capsys):
    args = [a.format(tmp=tmp_path, grid=DATA / "store_grid", compare=DATA / "store_compare") for a in argv]
    assert main([*args, "--out", str(tmp_path / "o")] if argv[0] == "plot" else args) == 2
    assert needle in capsys.readouterr().err


def test_a_subset_of_a_grid_by_condition_or_by_id(tmp_path, capsys):
    sub = load_for_plots(DATA / "store_grid", where=["member_unity <= 0.2"])
    assert sorted(sub.runs["point_id"].unique()) == [0, 3, 6] and (sub.runs["member_unity"] == 0).all()
    assert "shown: 3 point(s) where member_unity <= 0.2" in sub.caption
    both = load_for_plots(DATA / "store_grid", where=["member_unity <= 0.2", "aid_level >= 0.5"], points=[3, 4])
    assert sorted(both.runs["point_id"].unique()) == [3]
    assert main(["plot", str(DATA / "store_grid"), "--where", "member_unity == 0.5", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "curves.png").is_file() and not (tmp_path / "phase.png").exists()  # one unity value left
    fig = draw(load_for_plots(DATA / "store_grid", points=[0, 4, 8]), "curves")
    assert [t.get_text() for t in fig.legends[0].get_texts()] == [
        "aid_level=0, member_unity=0",
        "aid_level=0.5, member_unity=0.5",
        "aid_level=1, member_unity=1",
    ]


def test_a_phase_diagram_of_a_subset(grid):
    sub = load_for_plots(DATA / "store_grid", where=["aid_level >= 0.5"])
    fig = draw(sub, "phase", metric="p_rung6")
    (mesh,) = by_gid(fig.axes[0], "heatmap")
    assert mesh.get_array().shape == (3, 2)  # member_unity x the two aid levels kept
    assert mesh.get_clim() == (0.0, 1.0)  # a probability keeps its whole scale, whatever the data


def test_report_embeds_every_figure_and_the_provenance(grid, tmp_path):
    page = render_report(grid)
    images = re.findall(r"src='data:image/png;base64,([A-Za-z0-9+/=]+)'", page)
    assert len(images) == len(FIGURE_KINDS)
    assert all(base64.b64decode(i).startswith(b"\x89PNG") for i in images)
    for needle in (
        "Summary by design point",
        "aid_level=0.5, member_unity=0",
        "Experiment file",
        "Scenario classroom",
        grid.manifest["experiment"]["sha256"],
        "master seed",
        "escalation-abm",
    ):
        assert needle in page, needle
    assert "http://" not in page and "https://" not in page  # opens offline


def test_cli_report_writes_a_file(tmp_path, capsys):
    out = tmp_path / "r.html"
    assert main(["report", str(DATA / "store_compare"), "--out", str(out)]) == 0
    page = out.read_text()
    assert page.count("data:image/png;base64,") == len(FIGURE_KINDS) - 1  # no phase for a scenario batch
    assert "not drawn" in page


def test_sensitivity_bars_show_both_indices_per_parameter():
    import pandas as pd

    indices = pd.DataFrame(
        {
            "outcome": ["p_rung7"] * 3,
            "parameter": ["aid_level", "misperception", "fatigue"],
            "S1": [0.1, 0.5, 0.0],
            "S1_conf": [0.01, 0.02, 0.01],
            "ST": [0.2, 0.7, 0.05],
            "ST_conf": [0.02, 0.03, 0.01],
        }
    )
    fig = plots.sensitivity_bars(indices, "p_rung7", label="P(peak rung ≥ 7)")
    (ax,) = fig.axes
    from matplotlib.container import BarContainer

    bars = [c for c in ax.containers if isinstance(c, BarContainer)]
    widths = {c.get_label(): [b.get_width() for b in c.patches] for c in bars}
    st = next(c for c in bars if c.get_label() == "total (ST)").patches
    assert widths["total (ST)"] == [0.05, 0.2, 0.7] and widths["first order (S1)"] == [0.0, 0.1, 0.5]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["fatigue", "aid_level", "misperception"]  # largest on top
    assert len(st) == 3 and "What drives P(peak rung ≥ 7)?" in ax.get_title()
