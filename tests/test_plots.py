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
    assert [t.get_text() for t in top.get_legend().get_texts()] == [
        "classroom",
        "classroom_united",
        "classroom_divided",
    ]
    assert len(by_gid(top, "threshold6")) == 1 and len(by_gid(top, "threshold7")) == 1
    labels = " ".join(t.get_text() for t in top.texts)
    assert "nuclear signalling" in labels and "direct clash" in labels
    assert names.get_yticklabels()[6].get_text() == "nuclear signalling"
    assert top.get_ylabel() == "escalation rung" and bottom.get_xlabel() == "month"
    assert "intensity" in bottom.get_ylabel()
    assert any(t.get_gid() == "caption" and "test-compare" in t.get_text() for t in fig.texts)


def test_escalation_curves_median_is_the_median(compare):
    fig = plots.escalation_curves(compare.steps, compare.runs)
    line = by_gid(fig.axes[0], "median")[2]
    ids = compare.runs.loc[compare.runs["label"] == "classroom_divided", "run_id"]
    s = compare.steps[compare.steps["run_id"].isin(ids)]
    assert list(line.get_ydata()) == s.groupby("month")["escalation_rung"].median().tolist()


def test_many_design_points_drop_the_90_band(grid):
    fig = plots.escalation_curves(grid.steps, grid.runs)
    assert len(by_gid(fig.axes[0], "median")) == 9 and not by_gid(fig.axes[0], "band90")


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
    assert "USD bn" in titles[2]


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
    assert main(["plot", str(DATA / "store_grid"), "--format", fmt, "--out", str(tmp_path)]) == 0
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
