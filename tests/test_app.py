"""The classroom dashboard, headless (solara.render): controls, keys, sliders, title, figures."""

import json
import time

import numpy as np
import pytest

solara = pytest.importorskip("solara")
v = pytest.importorskip("ipyvuetify")

from simulation import app, parameters  # noqa: E402
from simulation.viz import web  # noqa: E402
from simulation.viz.plots import STEP_METRICS  # noqa: E402
from simulation.viz.webview import VegaWidget  # noqa: E402


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
    time.sleep(3 / app.PLAY_SPEED)
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


# ---- charts ----------------------------------------------------------------------------------------


def charts(rc) -> dict[str, VegaWidget]:
    """The page's browser charts by their kind (rung, threat, map, alliance, history-...)."""
    out = {}
    for w in widgets(rc):
        if isinstance(w, VegaWidget):
            kind = next(c for c in w.chart_class.split() if c.endswith("-chart") or c.startswith("history-"))
            out[kind] = w
    return out


def test_the_page_draws_four_browser_charts_that_get_each_months_rows(dash):
    model, rc, _ = dash
    found = charts(rc)
    assert {"rung-chart", "threat-chart", "map-chart", "alliance-chart"} <= set(found)
    for _ in range(3):
        button(rc, "Step").click()
    found = charts(rc)
    assert all(w.stamp == "3" for w in found.values())  # every chart got month 3's rows
    months = json.loads(found["rung-chart"].rows)["months"]
    assert [r["month"] for r in months] == [0, 1, 2, 3]
    assert [r["rung"] for r in months] == list(model.value.datacollector.model_vars["escalation_rung"])
    assert json.loads(found["rung-chart"].signals) == {"xmax": 12}  # the month axis is at least a year wide
    members = json.loads(found["map-chart"].rows)["members"]
    assert [r["iso3"] for r in members] == [a.spec.iso3 for a in model.value.member_agents]
    assert "img" not in page_text(rc)  # no server-side pictures


def test_a_spec_is_built_once_and_shared_while_the_rows_change(dash):
    _, rc, _ = dash
    chart = charts(rc)["threat-chart"]
    changed = []
    chart.observe(lambda change: changed.append(change["name"]), names=["spec", "rows"])
    button(rc, "Step").click()
    assert changed == ["rows"]  # only the rows cross the websocket; the spec stays in the browser


def test_play_keeps_the_chosen_speed_when_months_come_late():
    """Play's schedule on a made-up clock: a month late by k intervals steps k + 1 months at once.

    Without the catch-up a slow redraw would delay every later month (the page drifts behind the speed);
    here the months stepped by any moment stay within one slow redraw of speed x elapsed time.
    """
    interval = 0.5  # 2 months a second
    assert app.months_due(0.5, 0.5, interval) == (1, 1.0)  # on time: one month, the next one interval on
    assert app.months_due(1.8, 0.5, interval) == (3, 2.0)  # 1.3 s late: this month and two that fell due
    rng = np.random.default_rng(3)
    now, due, months, slowest = 0.0, interval, 0, 1.4
    while now < 120.0:
        now = max(now, due)  # the wait ends when the month falls due
        n, due = app.months_due(now, due, interval)
        months += n
        assert due > now
        assert now / interval - 1 <= months <= now / interval + 1
        now += rng.uniform(0.0, slowest)  # stepping and drawing took this long (up to 2.8 months' worth)
    assert months >= (now - slowest) / interval - 1


def test_warm_builds_the_opening_pages_specs_so_the_first_session_reuses_them():
    """escalation demo warms the specs as its server starts: the first page's charts then miss no cache."""
    for cached in (app._time_spec, app._map_spec):
        cached.cache_clear()
    app.warm()
    assert app._time_spec.cache_info().currsize == 3 and app._map_spec.cache_info().currsize == 1
    _, rc = solara.render(app.Page(), handle_error=False)
    assert app._time_spec.cache_info().misses == 3 and app._map_spec.cache_info().misses == 1  # no new spec
    rc.close()


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


def layers(spec) -> list[dict]:
    return spec.get("layer", [spec])


def test_the_rung_chart_numbers_the_rungs_and_marks_the_thresholds(models):
    _, _, m = models[1]
    spec = web.spec(web.rung_chart(m.ladder.names))
    line = layers(spec)[0]
    assert line["encoding"]["y"]["axis"]["values"] == list(range(len(m.ladder.names)))  # numbers; the gauge names
    labels = [r["label"] for r in layers(spec)[1]["data"]["values"]]
    assert labels == ["direct\nclash", "nuclear\nsignalling"]
    assert spec["title"] == "Escalation ladder over time"


def test_time_charts_label_their_axes_with_units():
    for chart in (web.rung_chart(("a", "b")), web.threat_chart(), web.alliance_chart()):
        spec = web.spec(chart)
        axes = [lay["encoding"][c]["axis"].get("title") for lay in layers(spec) for c in ("x", "y")
                if "axis" in lay.get("encoding", {}).get(c, {})]  # fmt: skip
        assert "month" in axes and all(axes), axes


def test_the_aid_axis_takes_its_unit_from_the_declared_metrics(monkeypatch):
    monkeypatch.setitem(STEP_METRICS, "aid_total", "aid to Ukraine (EUR bn / month)")
    spec = web.spec(web.alliance_chart())
    assert layers(spec)[0]["encoding"]["y"]["axis"]["title"] == "aid (EUR bn / month)"


def test_projector_specs_use_larger_type_and_thicker_lines():
    small, big = web.spec(web.threat_chart(False)), web.spec(web.threat_chart(True))
    assert big["config"]["title"]["fontSize"] > small["config"]["title"]["fontSize"]
    assert big["config"]["axis"]["labelFontSize"] > small["config"]["axis"]["labelFontSize"]
    assert big["mark"]["strokeWidth"] > small["mark"]["strokeWidth"]
    assert web.MAP_SIZE[True][0] > web.MAP_SIZE[False][0]


def test_month_rows_follow_the_model(models):
    _, _, m = models[1]
    rows = web.month_rows(m)
    assert len(rows) == m.steps + 1 and rows[-1]["month"] == m.steps
    assert rows[-1]["aid"] == pytest.approx(m.datacollector.model_vars["aid_total"][-1], abs=1e-4)


# ---- the map ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("big", [False, True], ids=["page", "projector"])
def test_no_name_on_the_map_covers_another(models, big):
    """The equivalent of the matplotlib text-collision check: the map's words are placed, not left to chance."""
    for when, name, m in models:
        labels = web.map_labels(m, big)
        assert web.label_collisions(labels) == [], f"{name} {when}"
        w, h = web.MAP_SIZE[big]
        for o in labels:  # inside the map
            x0, y0, x1, y1 = web._text_box(o["text"], o["size"], o["x"], o["y"], "center", "middle")
            assert x0 >= 0 and x1 <= w and y0 >= 0 and y1 <= h, (name, o["key"])


def test_the_collision_check_sees_a_collision():
    a = {"key": "a", "text": "Russia (rung 1)", "x": 100, "y": 100, "size": 13, "align": "center", "baseline": "middle"}
    b = {**a, "key": "b", "text": "Ukraine (85% held)", "x": 110}
    c = {**a, "key": "c", "x": 400}
    assert web.label_collisions([a, b, c]) == [("a", "b")]


def test_the_map_draws_outlines_russia_ukraine_and_names_members(models):
    _, _, m = models[3]  # baseline, 32 members
    spec = web.spec(web.member_map(web.roster_of(m)))
    inline = [f["id"] for lay in layers(spec) for f in lay.get("data", {}).get("values", []) if "id" in f]
    assert {"RUS", "UKR", "BLR", "CHE"} <= set(inline)  # neighbours and the two sides are drawn
    shapes = spec["usermeta"]["join"]["members"]["geometry"]
    assert {"POL", "DEU", "FIN", "TUR"} <= set(shapes) and "USA" not in shapes  # North America: discs
    texts = {o["text"] for o in web.map_labels(m)}
    assert f"Russia (rung {m.russia.rung})" in texts and any(t.startswith("Ukraine (") for t in texts)
    assert {"USA", "DEU", "POL"} <= texts  # members are named where there is room


def test_the_member_map_fades_members_whose_public_turned_away(models):
    """Issue 11: the map shows support (fill opacity) and stance (rim) beside resolve (colour)."""
    _, _, m = models[-1]
    rows = web.member_rows(m)
    alpha = np.array([r["opacity"] for r in rows])
    want = web.SUPPORT_ALPHA_FLOOR + (1 - web.SUPPORT_ALPHA_FLOOR) * m.m.support.clip(0, 1)
    np.testing.assert_allclose(alpha, want, atol=1e-3)
    np.testing.assert_allclose([r["resolve"] for r in rows], m.m.resolve, atol=1e-3)
    hawk = [r["rim"] for r, s in zip(rows, m.m.stance, strict=True) if s >= 1]
    assert not hawk or all(r.lower() in ("#fff5f0", "#fff4ef") for r in hawk)  # white-ish rim when hawkish


def test_the_outline_file_is_small_and_names_members_by_code():
    fc = web._outlines()
    ids = {f["id"] for f in fc["features"]}
    from simulation.roster import nato_2024

    assert set(nato_2024()) - ids == {"USA", "CAN"}
    assert {"RUS", "UKR", "BLR"} <= ids


# ---- input from the websocket ----------------------------------------------------------------------


def test_values_outside_the_declared_range_are_refused():
    p = parameters.by_name("aid_level")
    assert app.accept_lever("aid_level", p.high) == p.high
    for bad in (p.high + 0.01, p.low - 1, float("nan"), float("inf"), "0.5", None, True, [0.5]):
        assert app.accept_lever("aid_level", bad) is None, bad
    assert app.accept_lever("not_a_lever", 0.5) is None
    assert app.accept_lever("steps", 12) is None  # declared, but not a classroom lever
    assert app.accept_seed(" 42 ") == 42 and app.accept_seed(7) == 7
    for bad in ("abc", "-1", 2**64, 1.5, None, True):
        assert app.accept_seed(bad) is None, bad
    assert app.accept_choice("classroom", ["classroom"]) == "classroom"
    assert app.accept_choice(["classroom"], ["classroom"]) is None
    assert app.accept_choice("../../etc/passwd", ["classroom"]) is None


def test_the_page_ignores_what_a_changed_browser_sends(dash):
    """Issue 22: values arriving over the websocket are checked against the declarations on the server."""
    model, rc, _ = dash
    slider(rc, "aid level").v_model = 5.0  # outside [0, 1]
    slider(rc, "member unity").v_model = "lots"
    rc.find(v.Select, label="scenario (roster, timeline)").widget.v_model = "no_such_scenario"
    rc.find(v.TextField, label="seed (Reset replays it)").widget.v_model = "not a seed"
    rc.find(v.Select, label="play speed").widget.v_model = "1000 months a second"
    press(rc, "format_disk")
    press(rc, {"step": 1})
    assert model.value.steps == 0
    button(rc, "Reset").click()
    m = model.value
    assert m.config.name == app.DEFAULT_SCENARIO
    assert m.aid_level == pytest.approx(app.levers()["aid_level"])
    assert m.member_unity == pytest.approx(app.levers()["member_unity"])
    assert "2 months a second" in page_text(rc)
    slider(rc, "aid level").v_model = 0.9  # a value in range still works
    button(rc, "Reset").click()
    assert model.value.aid_level == 0.9


def test_compare_page_refuses_unknown_scenarios():
    _box, rc = solara.render(app.ComparePage(), handle_error=False)
    rc.find(v.Select, label="left").widget.v_model = "no_such_scenario"
    rc.find(v.Btn, children=["Reset"]).widget.click()
    assert "high_aid_united" in page_text(rc)
    rc.close()


# ---- no lost input ---------------------------------------------------------------------------------


def test_presses_that_arrive_while_a_month_is_stepped_are_all_stepped():
    """A burst of presses while another caller holds the turn: every press is one month, one redraw at the end."""
    m = app.ClassroomModel("classroom", rng=1)
    stepper = app.Stepper()
    redraws = []
    stepper.turn.acquire()  # someone else (the play loop) is stepping
    for _ in range(5):
        stepper.request(1, m, lambda: redraws.append(m.steps))
    assert m.steps == 0 and stepper.pending == 5  # queued, not dropped
    stepper.turn.release()
    stepper.request(1, m, lambda: redraws.append(m.steps))
    assert m.steps == 6 and redraws == [6]  # coalesced into one redraw


def test_twenty_quick_presses_step_twenty_months(dash):
    model, rc, _ = dash
    for _ in range(20):
        press(rc, "step")
    assert model.value.steps == 20


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


def test_history_charts_show_what_happened_only_up_to_the_current_month():
    m = app.ClassroomModel("history", rng=1, **app.levers("history"))
    for _ in range(8):
        m.step()
    rows = web.history_rows(m, app._history_observed())
    observed = [r for r in rows if r["source"] == web.OBSERVED_LINE]
    assert {r["series"] for r in observed} == {s.key for s in web.HISTORY_SERIES}
    assert max(r["month"] for r in observed) == 8
    for _ in range(30):
        m.step()
    rows = web.history_rows(m, app._history_observed())
    assert max(r["month"] for r in rows if r["source"] == web.OBSERVED_LINE) == 22  # December 2023: 2024 held out
    assert max(r["month"] for r in rows if r["source"] == web.MODEL_LINE) == 38
    # strikes beside the model's (issue 17): observed from October 2022, the model's in launches a month
    strikes = [r for r in rows if r["series"] == "strikes"]
    assert min(r["month"] for r in strikes if r["source"] == web.OBSERVED_LINE) == 8
    launched = [r["value"] for r in strikes if r["source"] == web.MODEL_LINE and 8 <= r["month"] <= 22]
    assert 100 < np.mean(launched) < 1000


def test_one_more_history_series_is_one_more_entry():
    """The History page's builder takes a list of series (the strikes will be one more)."""
    import pandas as pd

    m = app.ClassroomModel("history", rng=1, **app.levers("history"))
    for _ in range(3):
        m.step()
    extra = web.HistorySeries("rung", "Escalation", "escalation_rung", "observed_rung", "rung (0-9)", zero=True)
    observed = pd.DataFrame({"month": [0, 1, 2, 3, 4], "observed_rung": [3, 3, 4, 4, 5]})
    rows = web.history_rows(m, observed, (extra,))
    assert [r["value"] for r in rows if r["source"] == web.OBSERVED_LINE] == [3, 3, 4, 4]
    spec = web.spec(web.history_chart(extra, 24, 22))
    assert spec["title"] == "Escalation"
    assert layers(spec)[-1]["transform"] == [{"filter": "(datum.series === 'rung')"}]


def test_the_history_page_draws_one_chart_per_series():
    _box, rc = solara.render(app.HistoryPage(), handle_error=False)
    found = [w for w in widgets(rc) if isinstance(w, VegaWidget) and "history-chart" in w.chart_class]
    assert len(found) == len(web.HISTORY_SERIES)
    rc.close()


def test_the_reusable_chart_component_sends_the_spec_once_and_the_rows_as_json():
    """``simulation.viz.webview.VegaChart`` (for other pages, e.g. the wargame) over a ``web`` spec."""
    from simulation.viz.webview import VegaChart, spec_text

    spec = spec_text(web.spec(web.threat_chart()))
    rows = [{"month": 0, "threat_russia": 0.3, "threat_members": 0.2}]
    _box, rc = solara.render(VegaChart(spec, {"months": rows}, stamp="0", signals={"xmax": 12}), handle_error=False)
    w = rc.find(VegaWidget).widget
    assert json.loads(w.spec)["title"] == "Threat perception on both sides"
    assert json.loads(w.rows) == {"months": rows} and json.loads(w.signals) == {"xmax": 12}
    rc.close()
