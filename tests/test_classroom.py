"""The classroom wargame: the engine hook (directives) and the session (turns, fallbacks, resume, replay, export)."""

import json

import numpy as np
import pandas as pd
import pytest

from simulation.directives import Directive
from simulation.model import EscalationModel
from simulation.runner.classroom import STATE_FILE, ClassroomError, Session, available_roles


class Clock:
    """A fake monotonic clock the tests move by hand."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def stepped(directives=None, months=6, scenario="classroom", at=3):
    m = EscalationModel(scenario, rng=4)
    for k in range(months):
        if k == at:
            m.set_directives(directives)
        m.step()
    return m


# ---------------------------------------------------------------------------------------------------
# the engine hook
# ---------------------------------------------------------------------------------------------------


def test_no_directives_leave_the_model_as_it_was():
    """An empty directive set is no directive set: the run is bit-identical (the regression tests pin it too)."""
    a, b = stepped(None), stepped({})
    assert b.directives is None
    for k, v in a.step_table().items():
        np.testing.assert_array_equal(v, b.step_table()[k], err_msg=k)
    empty = stepped({"POL": Directive()})  # every field left to the model's rule
    for k, v in a.step_table().items():
        np.testing.assert_allclose(v, empty.step_table()[k], rtol=1e-12, err_msg=k)


def test_a_directive_replaces_the_member_rule_for_its_member_only():
    model = EscalationModel("classroom", rng=4)
    alone = EscalationModel("classroom", rng=4)
    for _ in range(3):
        model.step()
        alone.step()
    i = model.donor_index["POL"]
    stock, willing_before = model.m.stockpile.copy(), None
    model.set_directives({"POL": Directive(lethal=1.0, nonlethal=0.0, training=0.0, posture=1.0)})
    model.step()
    alone.step()
    willing_before = model.m.willing
    m = model.m
    assert m.aid_nonlethal[i] == 0.0 and m.aid_training[i] == 0.0
    assert m.aid_lethal[i] == pytest.approx(stock[i] * willing_before[i] * m.lethal_share[i])
    assert m.posture[i] == 1.0, "posture 1: full mobilisation above the floor"
    others = [j for j in range(len(m.gdp)) if j != i]
    # the other members decided from the same start of month: their aid is the model's own
    np.testing.assert_array_equal(m.aid_total[others], alone.m.aid_total[others])
    assert m.aid_lethal[i] > alone.m.aid_lethal[i], "all of the weapons capacity beats the rule's share"
    assert m.stockpile[i] < alone.m.stockpile[i], "giving more draws the stockpile down more"


def test_backing_and_signal_directives():
    """No member backs: no package goes out; clear signals (ambiguity 0) raise deterrence's credibility."""
    codes = ["USA", "DEU", "FRA", "POL", "EST", "HUN"]
    alone = stepped(None, months=12, at=0)
    refuse = stepped({c: Directive(back=False) for c in codes}, months=12, at=0)
    assert any(e[2] == "package" for e in alone.events), "the model's rule releases the month-4 package"
    assert not any(e[2] == "package" for e in refuse.events), "nobody backs it: it waits"
    assert refuse.alliance.decision_delay > 0
    clear = EscalationModel("classroom", rng=4)
    clear.set_directives({c: Directive(signal=0.0) for c in codes})
    clear.alliance.assess()
    assert clear.alliance.credibility == pytest.approx(clear.alliance.cohesion**2)
    vague = EscalationModel("classroom", rng=4)
    vague.alliance.assess()
    assert vague.alliance.credibility < clear.alliance.credibility


@pytest.mark.parametrize(
    "fields",
    [{"lethal": 1.5}, {"lethal": -0.1}, {"posture": float("nan")}, {"signal": float("inf")}, {"training": "0.5"}],
)
def test_a_directive_holds_only_declared_values(fields):
    with pytest.raises(ValueError, match="allowed: 0 to 1"):
        Directive(**fields)


def test_a_directive_for_an_unknown_member_is_refused():
    m = EscalationModel("classroom", rng=1)
    with pytest.raises(KeyError, match="GBR"):
        m.set_directives({"GBR": Directive(lethal=0.2)})
    with pytest.raises(ValueError, match="back"):
        Directive(back="yes")


# ---------------------------------------------------------------------------------------------------
# the session
# ---------------------------------------------------------------------------------------------------


@pytest.fixture
def clock():
    return Clock()


def new_room(tmp_path, clock, roles=("USA", "POL", "EST"), scenario="classroom", months=3):
    s = Session(scenario, tmp_path / "room", seed=3, turn_months=months, clock=clock)
    s.choose_roles(s.secret, list(roles))
    tokens = {r: s.join(s.code, r, f"client-{r}") for r in roles}
    return s, tokens


def play(s, tokens, turns):
    """Play ``turns``: a list of {role: decisions} (a missing role falls back to the model)."""
    for decisions in turns:
        s.open_turn(s.secret)
        for role, raw in decisions.items():
            s.submit(tokens[role], s.turn, raw)
        s.close_turn(s.secret)


TURNS = [
    {"USA": {"lethal": 0.9, "nonlethal": 0.5, "training": 0.7, "posture": 0.6, "back": True, "signal": 0.1}},
    {"USA": {"lethal": 0.2}, "POL": {"lethal": 1.0, "posture": 1.0}},
    {"EST": {"signal": 0.0, "back": False}},
]


def test_roles_are_members_and_the_groups_the_scenario_has():
    small = available_roles(EscalationModel("classroom", rng=1))
    assert list(small) == ["USA", "DEU", "FRA", "POL", "EST", "HUN", "RUS"], "one Baltic state is no group"
    full = available_roles(EscalationModel("baseline", rng=1))
    assert full["BALTIC"].members == ("EST", "LVA", "LTU") and "NORDIC" in full


def test_a_member_is_played_by_one_team_at_most(tmp_path):
    s = Session("baseline", tmp_path)
    with pytest.raises(ClassroomError, match="EST would be played by two teams"):
        s.choose_roles(s.secret, ["BALTIC", "EST"])
    with pytest.raises(ClassroomError, match="no role 'XYZ'"):
        s.choose_roles(s.secret, ["XYZ"])


def test_a_turn_advances_the_model_with_fallbacks_and_saves(tmp_path, clock):
    s, tokens = new_room(tmp_path, clock)
    s.open_turn(s.secret)
    assert s.status()["phase"] == "open"
    s.submit(tokens["USA"], 1, {"lethal": 0.3})
    s.submit(tokens["USA"], 1, {"lethal": 0.8})  # revised before the turn closes: the last one counts
    assert [r["submitted"] for r in s.status()["roles"]] == [True, False, False]
    s.close_turn(s.secret)
    assert s.model.steps == 3 and s.status()["phase"] == "closed"
    assert s.turns[0]["decisions"] == {"USA": Directive(lethal=0.8).as_dict()}, "POL and EST fell back to the model"
    saved = json.loads((tmp_path / "room" / STATE_FILE).read_text())
    assert saved["turns"] == s.turns and saved["seed"] == 3
    assert s.secret not in json.dumps(saved) and not any(t in json.dumps(saved) for t in tokens.values())


def test_a_silent_team_never_stalls_the_turn(tmp_path, clock):
    """The timer closes a turn nobody submitted to; auto-close closes it at the last submission."""
    s, tokens = new_room(tmp_path, clock)
    s.open_turn(s.secret, seconds=60)
    clock.now += 59
    s.tick()
    assert s.phase == "open"
    clock.now += 2
    s.tick()
    assert s.phase == "closed" and s.model.steps == 3
    s.open_turn(s.secret, auto_close=True)
    for role in ("USA", "POL"):
        s.submit(tokens[role], 2, {"posture": 0.5})
    assert s.phase == "open"
    s.submit(tokens["EST"], 2, {})
    assert s.phase == "closed" and s.model.steps == 6


def test_the_war_ends_at_the_horizon(tmp_path, clock):
    s, tokens = new_room(tmp_path, clock, months=20)
    play(s, tokens, [{}, {}])
    assert s.phase == "over" and s.model.steps == 36
    with pytest.raises(ClassroomError, match="over"):
        s.open_turn(s.secret)


def test_same_seed_and_decisions_give_the_same_run(tmp_path, clock):
    """Replay determinism: two rooms, one game; a different decision gives a different run."""
    a, ta = new_room(tmp_path / "a", clock)
    b, tb = new_room(tmp_path / "b", clock)
    play(a, ta, TURNS)
    play(b, tb, TURNS)
    pd.testing.assert_frame_equal(a.tables()["steps"], b.tables()["steps"])
    pd.testing.assert_frame_equal(a.tables()["members"], b.tables()["members"])
    c, tc = new_room(tmp_path / "c", clock)
    play(c, tc, [*TURNS[:2], {"EST": {"signal": 1.0, "back": False, "lethal": 0.0}}])
    assert not c.tables()["members"].equals(a.tables()["members"])


def test_resume_replays_the_saved_turns(tmp_path, clock):
    s, tokens = new_room(tmp_path, clock)
    play(s, tokens, TURNS[:2])
    s.open_turn(s.secret)
    s.submit(tokens["USA"], 3, {"lethal": 0.1})  # the open turn is lost in a crash
    back = Session.resume(tmp_path / "room", clock=clock)
    assert back.code == s.code and back.secret != s.secret, "a new instructor secret, the same room code"
    assert back.phase == "closed" and back.turn == 2 and back.model.steps == 6
    assert back.role_of(tokens["POL"]).key == "POL", "a team's link still works after the restart"
    here, there = s.tables(), back.tables()
    pd.testing.assert_frame_equal(here["steps"][here["steps"]["month"] <= 6].reset_index(drop=True), there["steps"])
    back.open_turn(back.secret)
    back.submit(tokens["EST"], 3, TURNS[2]["EST"])
    back.close_turn(back.secret)
    fresh, tf = new_room(tmp_path / "fresh", clock)
    play(fresh, tf, TURNS)
    pd.testing.assert_frame_equal(fresh.tables()["members"], back.tables()["members"])


def test_resume_refuses_what_is_not_a_session(tmp_path):
    with pytest.raises(ClassroomError, match="not a saved classroom session"):
        Session.resume(tmp_path)
    (tmp_path / STATE_FILE).write_text('{"version": 99}')
    with pytest.raises(ClassroomError, match="version 99"):
        Session.resume(tmp_path)


def test_the_team_page_shows_what_the_government_knows(tmp_path, clock):
    s, tokens = new_room(tmp_path, clock)
    play(s, tokens, TURNS[:2])
    view = s.team_view(tokens["POL"])
    assert [o["iso3"] for o in view["members"]] == ["POL"]
    assert {"resolve", "support", "threat", "stockpile"} <= set(view["members"][0])
    text = json.dumps(view)
    for hidden in ("intent", "russia_threat", "USA"):
        assert hidden not in text, hidden
    assert view["history"][1]["lethal"] == 1.0 and view["history"][0] == {"turn": 1}
    assert set(view["advice"]) == {"lethal", "nonlethal", "training", "posture", "back", "signal"}
    for k in ("lethal", "posture", "signal"):
        assert 0.0 <= view["advice"][k] <= 1.0


def test_the_export_is_tidy_parquet_and_csv(tmp_path, clock):
    s, tokens = new_room(tmp_path, clock)
    play(s, tokens, TURNS)
    files = s.export(tmp_path / "out")
    assert sorted(p.name for p in files) == sorted(
        f"{n}.{x}" for n in ("decisions", "steps", "members") for x in ("parquet", "csv")
    )
    dec = pd.read_parquet(tmp_path / "out" / "decisions.parquet")
    assert set(dec["turn"]) == {1, 2, 3} and set(dec["role"]) == {"USA", "POL", "EST"}
    usa1 = dec[(dec["turn"] == 1) & (dec["role"] == "USA")].set_index("field")
    assert usa1.loc["lethal", "value"] == 0.9 and (usa1["source"] == "team").all()
    assert (dec[(dec["turn"] == 1) & (dec["role"] == "POL")]["source"] == "model").all()
    steps = pd.read_parquet(tmp_path / "out" / "steps.parquet")
    assert list(steps["turn"]) == [0, 1, 1, 1, 2, 2, 2, 3, 3, 3]
    assert "escalation_rung_model_alone" in steps
    csv = pd.read_csv(tmp_path / "out" / "members.csv")
    assert len(csv) == len(pd.read_parquet(tmp_path / "out" / "members.parquet"))
    assert set(csv[csv["iso3"] == "DEU"]["played_by"]) == {"model"}
    assert set(csv[csv["iso3"] == "POL"]["played_by"]) == {"POL"}


def test_the_model_alone_is_the_same_seed_without_teams(tmp_path, clock):
    s, tokens = new_room(tmp_path, clock)
    play(s, tokens, [{}, {}])  # nobody submits: the class's run is the model's own
    alone = s.model_alone()
    assert alone.steps == s.model.steps == 6
    for k, v in alone.step_table().items():
        np.testing.assert_array_equal(v, s.model.step_table()[k], err_msg=k)


# ---------------------------------------------------------------------------------------------------
# the command line (the server itself is started by tests/test_classroom_browser.py)
# ---------------------------------------------------------------------------------------------------


@pytest.fixture
def no_server(monkeypatch):
    """Record the server's command and environment instead of starting it."""
    import subprocess

    calls = []
    monkeypatch.setattr(subprocess, "call", lambda cmd, env: calls.append((cmd, env)) or 0)
    return calls


def test_the_cli_prints_the_instructor_url_the_join_url_and_the_room_code(tmp_path, no_server, capsys):
    from simulation import cli

    assert cli.main(["classroom", "--port", "9123", "--out", str(tmp_path / "r"), "--roles", "usa,POL"]) == 0
    out, err = capsys.readouterr()
    ((cmd, env),) = no_server
    assert cmd[cmd.index("--host") + 1] == "127.0.0.1" and cmd[cmd.index("--port") + 1] == "9123"
    secret, code = env["ESCALATION_CLASSROOM_SECRET"], env["ESCALATION_CLASSROOM_CODE"]
    assert f"http://127.0.0.1:9123/?key={secret}" in out and "http://127.0.0.1:9123/join" in out
    assert f"\nroom code: {code}\n" in out and len(code) == 4
    assert err == "", "no warning on the loopback"
    cli.main(["classroom", "--host", "0.0.0.0", "--port", "9124", "--out", str(tmp_path / "s")])
    _, err = capsys.readouterr()
    assert err.startswith("warning: listening on 0.0.0.0")
    assert no_server[1][0][no_server[1][0].index("--host") + 1] == "0.0.0.0"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--scenario", "nope"], "not a shipped scenario"),
        (["--scenario", "../scenarios/baseline.toml"], "not a shipped scenario"),
        (["--roles", "USA,XYZ"], "no role 'XYZ'"),
        (["--turn-months", "0"], "must be an integer >= 1"),
        (["--resume", "{tmp}"], "not a saved classroom session"),
    ],
)
def test_the_cli_refuses_bad_input_before_starting(tmp_path, no_server, capsys, args, message):
    from simulation import cli

    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    assert cli.main(["classroom", "--out", str(tmp_path / "r"), *args]) == 2
    assert message in capsys.readouterr().err
    assert no_server == []


def test_the_cli_resumes_a_saved_session(tmp_path, no_server, capsys, clock):
    from simulation import cli

    s, tokens = new_room(tmp_path, clock)
    play(s, tokens, TURNS[:1])
    assert cli.main(["classroom", "--resume", str(tmp_path / "room"), "--port", "9125"]) == 0
    ((_, env),) = no_server
    assert env["ESCALATION_CLASSROOM_RESUME"] == "1" and env["ESCALATION_CLASSROOM_CODE"] == s.code
    assert f"room code: {s.code}" in capsys.readouterr().out


def test_pages_wait_for_the_changes_they_show(tmp_path, clock):
    """A submission wakes the projector (version), not the team pages (epoch); closing a turn wakes both."""
    s, tokens = new_room(tmp_path, clock)
    s.open_turn(s.secret)
    v, e = s.version, s.epoch
    s.submit(tokens["USA"], 1, {"lethal": 0.5})
    assert s.wait(v, 0.01) == v + 1 and s.wait(e, 0.01, "epoch") == e
    s.close_turn(s.secret)
    assert s.wait(e, 0.01, "epoch") > e


# ---------------------------------------------------------------------------------------------------
# the optional Russia team
# ---------------------------------------------------------------------------------------------------


def test_a_russia_directive_sets_the_intensity_and_the_ladder_follows():
    calm = stepped(None, months=12, at=0)
    m = EscalationModel("classroom", rng=4)
    m.set_directives({}, russia=0.95)
    for _ in range(12):
        m.step()
    assert m.russia.intensity == 0.95
    assert m.russia.rung > calm.russia.rung, "an all-out intensity climbs the ladder"
    assert m.directives is not None
    m.set_directives(None)
    assert m.directives is None
    with pytest.raises(ValueError, match="russia"):
        m.set_directives({}, russia=1.5)


def test_a_russia_team_plays_russia_and_sees_no_members_secrets(tmp_path, clock):
    s, tokens = new_room(tmp_path, clock, roles=("USA", "RUS"))
    view = s.team_view(tokens["RUS"])
    assert view["members"] == [] and set(view["advice"]) == {"intensity"}
    assert "resolve" not in json.dumps(view) and "support" not in json.dumps(view)
    s.open_turn(s.secret)
    with pytest.raises(ClassroomError, match="unknown field 'lethal'"):
        s.submit(tokens["RUS"], 1, {"lethal": 1.0})
    with pytest.raises(ClassroomError, match="intensity"):
        s.submit(tokens["RUS"], 1, {"intensity": 2.0})
    s.submit(tokens["RUS"], 1, {"intensity": 0.9})
    s.close_turn(s.secret)
    assert s.model.russia.intensity == 0.9
    back = Session.resume(tmp_path / "room", clock=clock)
    pd.testing.assert_frame_equal(back.tables()["steps"], s.tables()["steps"])
    dec = s.tables()["decisions"]
    assert dec[dec["role"] == "RUS"][["iso3", "field", "value"]].values.tolist() == [["RUS", "intensity", 0.9]]


# ---------------------------------------------------------------------------------------------------
# the pages
# ---------------------------------------------------------------------------------------------------

TURN_TEXTS = [
    "# Poland · turn 3 · month 3",
    "# Turn 2 · 2022-05 · turn closed",
    "**The turn closes at 12:30:45.**",
    "| your government | resolve | stockpile |\n|---|---|---|\n| Poland | 0.71 | 80% |\n| Estonia | 0.90 | 55% |",
    "**Russia** is on rung 2 (war); Ukraine holds 82% of its territory.\n\n**Russia's moves:**\n- none",
    "_Waiting for the instructor to open the next turn._",
    "### What happened in the last turn\n- **Month 3:** Russia's strikes on the grid.",
]


@pytest.mark.parametrize("text", TURN_TEXTS)
def test_the_texts_that_change_with_the_turn_are_drawn_as_solaras_markdown(text):
    solara = pytest.importorskip("solara")
    import ipyvuetify

    from simulation import classroom_app

    _, rc = solara.render(solara.Markdown(text), handle_error=False)
    template = rc.find(ipyvuetify.VuetifyTemplate).widget.template
    assert f'<div class="{" ".join(classroom_app.MARKDOWN_CLASSES)}" style="">' in template
    assert f'style="">{classroom_app.markdown_html(text)}</div>' in template, "the same HTML as Solara's Markdown"


def test_a_new_turn_updates_the_text_in_place():
    """A new text reaches the same element (a trait update), not a new widget as Solara's Markdown makes."""
    solara = pytest.importorskip("solara")

    from simulation import classroom_app

    text = solara.reactive(TURN_TEXTS[0])

    @solara.component
    def Page():  # noqa: N802 - a Solara component
        classroom_app.LiveMarkdown(text.value)

    _, rc = solara.render(Page(), handle_error=False)
    before = rc.find(solara.widgets.HTML).widget
    text.value = TURN_TEXTS[1]
    after = rc.find(solara.widgets.HTML).widget
    assert after is before and after.unsafe_innerHTML == classroom_app.markdown_html(TURN_TEXTS[1])
    assert "solara-markdown" in after.attributes["class"]


def test_a_submit_before_the_form_moved_to_the_new_turn_sends_the_new_turns_start():
    """A Submit that reaches the server as a turn opens, before the form's effect has moved the sliders
    to the new opening values, sends those values (what the page then shows), not last turn's."""
    from simulation.classroom_app import decisions_to_submit

    shown = {"lethal": 0.9, "nonlethal": 0.1, "back": True}
    opening = {"lethal": 0.4, "nonlethal": 0.5, "back": False}
    assert decisions_to_submit(shown, opening, form_turn=3, turn=3) is shown
    assert decisions_to_submit(shown, opening, form_turn=2, turn=3) == {"lethal": 0.4, "nonlethal": 0.5, "back": False}
