"""The classroom dashboard, headless (solara.render): controls, keys, sliders, title, figures."""

import time

import numpy as np
import pytest

solara = pytest.importorskip("solara")
v = pytest.importorskip("ipyvuetify")

import matplotlib as mpl  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from simulation import app, parameters  # noqa: E402

DRAWINGS = (app.draw_rung_chart, app.draw_threat_chart, app.draw_alliance_chart, app.draw_member_map)


@solara.component
def Shell(model, projector):
    with solara.AppLayout():
        app.Dashboard(model, projector)


@pytest.fixture
def dash():
    model = solara.reactive(app.new_model())
    projector = solara.reactive(False)
    _box, rc = solara.render(Shell(model, projector), handle_error=False)
    yield model, rc, projector
    rc.close()


def widgets(rc) -> list:
    """Every widget on the page, nested ones included (children, slots, tooltips)."""
    import ipywidgets

    out, seen = [], set()

    def walk(item):
        if isinstance(item, ipywidgets.Widget):
            if id(item) in seen:
                return
            seen.add(id(item))
            out.append(item)
            for name in item.keys:
                if not name.startswith("_") or name == "_event_callbacks":
                    walk(getattr(item, name, None))
        elif isinstance(item, list | tuple):
            for x in item:
                walk(x)
        elif isinstance(item, dict):
            for x in item.values():
                walk(x)

    for w in rc.find(ipywidgets.Widget).widgets:
        walk(w)
    return out


def page_text(rc) -> str:
    """All text the page shows: every string trait of every widget (markdown, HTML, labels, tooltips)."""
    out = []
    for w in widgets(rc):
        for name in w.keys:
            val = getattr(w, name, None)
            if isinstance(val, str) and not name.startswith("_"):  # markdown renders into "template"
                out.append(val)
            elif isinstance(val, list | tuple):
                out.extend(x for x in val if isinstance(x, str))
    return " ".join(out)


def button(rc, label):
    return rc.find(v.Btn, children=[label]).widget


def slider(rc, label):
    return rc.find(v.Slider, label=label).widget


def press(rc, action):
    """What the browser sends for a key: space -> play, right arrow -> step, r -> reset, p -> projector."""
    rc.find(app.KeyboardWidget).widget.vue_key(action)


# ---- controls --------------------------------------------------------------------------------------


def test_a_slider_for_every_classroom_lever_with_the_declared_range(dash):
    _, rc, _ = dash
    for key in parameters.LEVERS:
        p = parameters.by_name(key)
        w = slider(rc, key.replace("_", " "))
        assert (w.min, w.max) == (p.low, p.high), key
        assert w.v_model == pytest.approx(app.levers()[key])
    assert len(rc.find(v.Slider)) == len(parameters.LEVERS)  # no developer sliders (play/render interval)


def test_every_slider_shows_its_value_unit_and_meaning(dash):
    _, rc, _ = dash
    text = page_text(rc)
    for key, value in app.levers().items():
        assert app.lever_text(key, value) in text, key
        assert parameters.by_name(key).meaning in text, key  # the help tooltip's sentence
    slider(rc, "aid level").v_model = 0.95
    assert "0.95 (0-1)" in page_text(rc)


def test_lever_text_reads_the_declared_unit():
    assert app.lever_text("aid_level", 0.7) == "0.70 (0-1)"
    p = parameters.by_name("members.capacity_share")
    assert app.lever_text("members.capacity_share", 0.01) == f"0.01 {p.unit}"
    assert app.lever_text("steps", 36) == "36 month"


def test_no_stray_tabs_or_pages(dash):
    _, rc, _ = dash
    assert not [w for w in widgets(rc) if isinstance(w, v.Tab | v.Tabs)]
    assert "Page 0" not in page_text(rc)


def test_title_shows_the_date_when_the_scenario_has_a_start(tmp_path):
    path = tmp_path / "tiny.toml"
    path.write_text('name = "tiny"\nextends = "classroom"\nstart = "2022-02"\n')
    model = solara.reactive(app.ClassroomModel(str(path), rng=1))
    _box, rc = solara.render(Shell(model, solara.reactive(False)), handle_error=False)
    for _ in range(7):
        button(rc, "Step").click()
    assert app.page_title(model.value) == "tiny, September 2022"
    text = page_text(rc)
    assert "Escalation: tiny, September 2022" in text
    assert "Escalation ladder (month 7) · September 2022" in text
    rc.close()


def test_step_advances_model_time(dash):
    model, rc, _ = dash
    assert model.value.time == 0
    button(rc, "Step").click()
    button(rc, "Step").click()
    assert model.value.time == 2 and model.value.steps == 2


def test_reset_with_the_same_seed_gives_the_same_trajectory(dash):
    model, rc, _ = dash
    for _ in range(8):
        button(rc, "Step").click()
    first = model.value.datacollector.get_model_vars_dataframe()
    button(rc, "Reset").click()
    assert model.value.time == 0
    for _ in range(8):
        button(rc, "Step").click()
    again = model.value.datacollector.get_model_vars_dataframe()
    assert first.equals(again)


def test_moving_a_slider_changes_the_model_reset_builds(dash):
    model, rc, _ = dash
    slider(rc, "aid level").v_model = 0.95
    slider(rc, "member unity").v_model = 0.05
    button(rc, "Reset").click()
    assert model.value.aid_level == 0.95 and model.value.member_unity == 0.05
    assert model.value.config.name == app.DEFAULT_SCENARIO


def test_choosing_a_scenario_moves_the_sliders_to_its_levers(dash):
    model, rc, _ = dash
    rc.find(v.Select, label="scenario (roster, timeline)").widget.v_model = "high_aid_divided"
    wanted = app.levers("high_aid_divided")
    assert wanted != app.levers()  # else this test shows nothing
    assert slider(rc, "aid level").v_model == pytest.approx(wanted["aid_level"])
    button(rc, "Reset").click()
    assert model.value.config.name == "high_aid_divided"
    assert model.value.aid_level == pytest.approx(wanted["aid_level"])


def wait_for(condition, what: str, timeout: float = 60) -> None:
    """Wait until condition() holds (a play thread and its redraw run beside the test); fail after timeout."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


def classes(rc) -> list[str]:
    """The CSS classes of every widget on the page."""
    return [str(getattr(w, "class_", "") or "") for w in widgets(rc)]


def test_keys_step_play_pause_reset_and_projector(dash):
    model, rc, projector = dash
    press(rc, "step")
    press(rc, "step")
    assert model.value.steps == 2
    press(rc, "reset")
    assert model.value.steps == 0
    press(rc, "play")
    wait_for(lambda: rc.find(v.Btn, children=["❚❚"]), "playing: the play button becomes pause")
    wait_for(lambda: model.value.steps >= 2, "playing advances the months")
    press(rc, "play")
    wait_for(lambda: rc.find(v.Btn, children=["▶"]), "paused: the button shows play again")
    paused_at = model.value.steps
    time.sleep(3 * app.PLAY_INTERVAL)
    assert model.value.steps == paused_at, "a paused model stays where it is"
    assert not any("projector" in c.split() for c in classes(rc))
    press(rc, "projector")
    assert projector.value is True
    wait_for(lambda: any({"escalation", "projector"} <= set(c.split()) for c in classes(rc)), "projector layout")
    press(rc, "projector")
    assert projector.value is False


@pytest.mark.parametrize("projector", [False, True])
def test_projector_mode_folds_the_sidebar_away(projector):
    app.PROJECTOR_MODE.set(projector)  # what escalation demo --projector starts with
    try:
        _box, rc = solara.render(app.Layout(children=[app.Page()]), handle_error=False)
        assert [w.v_model for w in rc.find(v.NavigationDrawer).widgets] == [not projector]
        rc.close()
    finally:
        app.PROJECTOR_MODE.set(False)


def test_components_draw_and_narrate_and_the_title_names_scenario_and_month(dash):
    model, rc, _ = dash
    assert "Escalation: classroom, month 0" in page_text(rc)
    for _ in range(12):
        button(rc, "Step").click()
    text = page_text(rc)
    assert app.page_title(model.value) == "classroom, month 12"
    assert "Escalation: classroom, month 12" in text
    assert "◀ now" in text  # the ladder gauge
    assert f"Escalation ladder (month {model.value.steps})" in text
    events = [d for m, _, _, d in model.value.events if m > model.value.steps - app.NARRATIVE_MONTHS]
    assert events and all(d in text for d in events)  # the narrative of the last months


def test_compare_page_steps_both_models_from_the_same_seed():
    _box, rc = solara.render(app.ComparePage(), handle_error=False)
    rc.find(v.Btn, children=["Step 12"]).widget.click()
    text = page_text(rc)
    assert "high_aid_united" in text and "high_aid_divided" in text and "(month 12)" in text
    rc.find(app.KeyboardWidget).widget.vue_key("step")
    assert "(month 13)" in page_text(rc)


# ---- figures ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def models():
    out = []
    for name in ("classroom", "baseline"):
        m = app.ClassroomModel(name, rng=1, **app.levers(name))
        out.append(("month 0", m.config.name, app.ClassroomModel(name, rng=1, **app.levers(name))))
        for _ in range(24):
            m.step()
        out.append(("month 24", m.config.name, m))
    return out


@pytest.mark.parametrize("big", [False, True], ids=["page", "projector"])
@pytest.mark.parametrize("draw", DRAWINGS, ids=lambda d: d.__name__)
def test_no_label_collides_with_another_or_with_the_colour_bar(models, draw, big):
    for when, name, m in models:
        fig = draw(m, big)
        assert app.text_collisions(fig) == [], f"{name} {when}"


def test_the_collision_check_sees_a_collision():
    fig = Figure(figsize=(4, 3))
    mpl.backends.backend_agg.FigureCanvasAgg(fig)
    ax = fig.subplots()
    ax.text(0.5, 0.5, "Russia (rung 1)")
    ax.text(0.52, 0.5, "Ukraine (85% held)")
    ax.text(0.9, 0.1, "a label that runs off the figure")
    found = app.text_collisions(fig)
    assert ("Russia (rung 1)", "Ukraine (85% held)") in found
    assert ("a label that runs off the figure", "<edge>") in found


def test_the_map_keeps_russia_ukraine_and_the_colour_bar_apart(models):
    _, _, m = models[1]
    fig = app.draw_member_map(m)
    ax, cax = fig.axes
    texts = [t.get_text() for t in ax.texts]
    assert f"Russia (rung {m.russia.rung})" in texts and any(t.startswith("Ukraine (") for t in texts)
    assert cax._colorbar is not None and not ax.bbox.overlaps(cax.bbox)  # the colour bar has its own row
    assert {"USA", "DEU", "POL"} <= set(texts)  # members are named where there is room


def test_the_ladder_axis_shows_rung_numbers_and_the_gauge_names_them(models, dash):
    _, _, m = models[1]
    fig = app.draw_rung_chart(m)
    fig.draw_without_rendering()
    ticks = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert ticks == [str(k) for k in range(len(m.ladder.names))]  # numbers, nothing cut to "…"
    _, rc, _ = dash
    text = page_text(rc)
    assert all(f"{k}. {name}" in text for k, name in enumerate(m.ladder.names))  # full names beside it


def test_projector_mode_draws_larger_type_and_thicker_lines(models):
    _, _, m = models[1]
    small, big = app.draw_threat_chart(m, False), app.draw_threat_chart(m, True)
    assert big.get_figwidth() > small.get_figwidth()
    assert big.axes[0].title.get_fontsize() > small.axes[0].title.get_fontsize()
    assert big.axes[0].lines[0].get_linewidth() > small.axes[0].lines[0].get_linewidth()
    for draw in DRAWINGS:
        assert draw(m, True).axes[0].title.get_fontsize() > draw(m, False).axes[0].title.get_fontsize()


def test_time_charts_label_their_axes(models):
    _, _, m = models[1]
    for draw in (app.draw_rung_chart, app.draw_threat_chart, app.draw_alliance_chart):
        ax = draw(m).axes[0]
        assert ax.get_xlabel() == "month" and ax.get_ylabel(), draw.__name__


def test_the_aid_axis_takes_its_unit_from_the_declared_metrics(models, monkeypatch):
    _, _, m = models[1]
    monkeypatch.setitem(app.STEP_METRICS, "aid_total", "aid to Ukraine (EUR bn / month)")
    labels = [ax.get_ylabel() for ax in app.draw_alliance_chart(m).axes]
    assert "aid (EUR bn / month)" in labels


# ---- history ---------------------------------------------------------------------------------------


def test_history_page_reveals_the_war_month_by_month():
    """The History page plays the history scenario; the real events appear only once their month has come."""
    _box, rc = solara.render(app.HistoryPage(), handle_error=False)
    text = page_text(rc)
    assert "history, February 2022" in text
    assert "Full-scale invasion" in text and "HIMARS" not in text  # June 2022 has not come yet
    for _ in range(5):
        press(rc, "step")
    text = page_text(rc)
    assert "history, July 2022" in text
    assert "HIMARS" in text and "Kharkiv counter-offensive" not in text
    rc.close()


@pytest.mark.parametrize("big", [False, True], ids=["page", "projector"])
def test_history_chart_shows_what_happened_only_up_to_the_current_month(big):
    m = app.ClassroomModel("history", rng=1, **app.levers("history"))
    for _ in range(8):
        m.step()
    fig = app.draw_history_chart(m, big)
    observed = [line for ax in fig.axes for line in ax.lines if line.get_label() == "what happened"]
    assert len(observed) == 2 and all(max(line.get_xdata()) == 8 for line in observed)
    assert app.text_collisions(fig) == []
    for _ in range(30):
        m.step()
    fig = app.draw_history_chart(m, big)
    observed = [line for ax in fig.axes for line in ax.lines if line.get_label() == "what happened"]
    assert all(max(line.get_xdata()) == 22 for line in observed)  # December 2023: 2024 is held out


def test_the_member_map_fades_members_whose_public_turned_away(models):
    """Issue 11: the map shows support (fill opacity) and stance (rim) beside resolve (colour)."""
    _, _, m = models[-1]
    fig = app.draw_member_map(m)
    members = next(c for ax in fig.axes for c in ax.collections if c.get_gid() == "members")
    alpha = members.get_facecolors()[:, 3]
    want = app.SUPPORT_ALPHA_FLOOR + (1 - app.SUPPORT_ALPHA_FLOOR) * m.m.support.clip(0, 1)
    np.testing.assert_allclose(alpha, want)
