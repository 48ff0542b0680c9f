"""The classroom dashboard, headless (solara.render): controls, Step, Reset, sliders."""

import pytest

solara = pytest.importorskip("solara")
v = pytest.importorskip("ipyvuetify")

from simulation import app, parameters  # noqa: E402


@solara.component
def Shell(model):
    with solara.AppLayout():
        app.Dashboard(model)


@pytest.fixture
def dash():
    model = solara.reactive(app.new_model())
    _box, rc = solara.render(Shell(model), handle_error=False)
    return model, rc


def page_text(rc) -> str:
    """All text the page shows: every string trait of every widget in the tree (markdown, HTML, labels)."""
    import ipywidgets

    out, seen = [], set()

    def walk(w):
        if id(w) in seen:
            return
        seen.add(id(w))
        for name in w.keys:
            val = getattr(w, name, None)
            if isinstance(val, str) and not name.startswith("_"):  # markdown renders into "template"
                out.append(val)
            items = val if isinstance(val, list | tuple) else [val] if isinstance(val, dict) else []
            for item in items:
                if isinstance(item, ipywidgets.Widget):
                    walk(item)
                elif isinstance(item, str):
                    out.append(item)
            if isinstance(val, dict):
                for item in val.values():
                    if isinstance(item, ipywidgets.Widget):
                        walk(item)

    for w in rc.find(ipywidgets.Widget).widgets:
        walk(w)
    return " ".join(out)


def button(rc, label):
    return rc.find(v.Btn, children=[label]).widget


def slider(rc, label):
    return rc.find(v.Slider, label=label).widget


def test_a_slider_for_every_classroom_lever_with_the_declared_range(dash):
    _, rc = dash
    for key in parameters.CLASSROOM:
        p = parameters.by_name(key)
        w = slider(rc, key.replace("_", " "))
        assert (w.min, w.max) == (p.low, p.high), key
        assert w.v_model == pytest.approx(app.levers()[key])
    assert set(app.model_params()) == {"preset", "rng", *parameters.CLASSROOM}
    assert app.model_params()["preset"]["values"][0] == "aid_fatigue"  # every shipped scenario


def test_step_advances_model_time(dash):
    model, rc = dash
    assert model.value.time == 0
    button(rc, "Step").click()
    button(rc, "Step").click()
    assert model.value.time == 2 and model.value.steps == 2


def test_reset_with_the_same_seed_gives_the_same_trajectory(dash):
    model, rc = dash
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
    model, rc = dash
    slider(rc, "aid level").v_model = 0.95
    slider(rc, "member unity").v_model = 0.05
    button(rc, "Reset").click()
    assert model.value.aid_level == 0.95 and model.value.member_unity == 0.05
    assert model.value.config.name == app.DEFAULT_SCENARIO


def test_components_draw_and_narrate(dash):
    model, rc = dash
    for _ in range(12):
        button(rc, "Step").click()
    text = page_text(rc)
    assert "◀ now" in text  # the ladder gauge
    assert f"Escalation ladder (month {model.value.steps})" in text
    events = [d for m, _, _, d in model.value.events if m > model.value.steps - app.NARRATIVE_MONTHS]
    assert all(d in text for d in events)  # the narrative of the last months
    assert len(rc.find(v.Img)) >= 4 or text  # the four figures are images


def test_compare_page_steps_both_models_from_the_same_seed():
    _box, rc = solara.render(app.ComparePage(), handle_error=False)
    rc.find(v.Btn, children=["Step 12"]).widget.click()
    text = page_text(rc)
    assert "high_aid_united" in text and "high_aid_divided" in text and "(month 12)" in text
