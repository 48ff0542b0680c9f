"""Bad scenario input stops with one clear message naming the file, the key, the line and what is
allowed, before any run starts; the CLI exits with status 2."""

from pathlib import Path

import pytest

from simulation import load_scenario
from simulation.cli import main
from simulation.scenario import ScenarioError


def error_of(path, overrides=None) -> ScenarioError:
    with pytest.raises(ScenarioError) as e:
        load_scenario(path, overrides)
    return e.value


def test_unknown_top_level_key_suggests_the_right_one(write):
    p = write('name = "x"\naid_levle = 0.5\n')
    msg = str(error_of(p))
    assert str(p) in msg and "line 2" in msg and "aid_levle" in msg
    assert "did you mean 'aid_level'?" in msg


def test_unknown_key_in_a_table(write):
    p = write("[russia]\noportunity = 0.3\n")
    msg = str(error_of(p))
    assert "russia.oportunity" in msg and "line 2" in msg and "did you mean 'opportunity'?" in msg


def test_unknown_table_suggests(write):
    msg = str(error_of(write("[rusia]\nnoise = 0.1\n")))
    assert "rusia" in msg and "did you mean 'russia'?" in msg


def test_value_out_of_range_names_the_range(write):
    p = write('extends = "baseline"\nmember_unity = 1.4\n')
    e = error_of(p)
    assert e.key == "member_unity" and e.line == 2
    assert "1.4 is not allowed: must be a number in [0, 1]" in str(e)


def test_wrong_type(write):
    msg = str(error_of(write('aid_level = "high"\n')))
    assert "aid_level" in msg and "'high' is not allowed" in msg and "a number in [0, 1]" in msg


def test_wrong_type_int_parameter(write):
    msg = str(error_of(write("[alliance]\npackage_interval = 2.5\n")))
    assert "alliance.package_interval" in msg and "an integer in [1, 120]" in msg


def test_extends_cycle(write):
    write('extends = "b.toml"\n', "a.toml")
    b = write('extends = "a.toml"\n', "b.toml")
    msg = str(error_of(b))
    assert "extends cycle" in msg and "b.toml -> a.toml -> b.toml" in msg


def test_missing_parent(write):
    msg = str(error_of(write('extends = "baselin"\n')))
    assert "extends" in msg and "no scenario file or shipped scenario named 'baselin'" in msg
    assert "did you mean 'baseline'?" in msg and "line 1" in msg


def test_event_past_the_horizon(write):
    p = write('extends = "baseline"\nsteps = 24\n\n[[events]]\nmonth = 30\nkind = "talks"\n')
    e = error_of(p)
    assert e.key == "events[0].month" and e.line == 5
    assert "30 is past the horizon: must be in [1, 24]" in str(e)


def test_unknown_member_code_in_an_event(write):
    p = write(
        'extends = "baseline"\n[roster]\nas_of = 2022\n[[events]]\nmonth = 3\nkind = "accession"\nmember = "FNI"\n'
    )
    e = error_of(p)
    assert "unknown member code 'FNI'" in str(e) and "did you mean 'FIN'?" in str(e) and e.line == 7


def test_unknown_member_code_in_the_roster(write):
    e = error_of(write('[roster]\nmembers = ["USA", "GER"]\n'))
    assert "roster.members[1]" in str(e) and "unknown member code 'GER'" in str(e) and e.line == 2


def test_unknown_event_kind(write):
    msg = str(error_of(write('[[events]]\nmonth = 3\nkind = "invasion"\n')))
    assert "events[0].kind" in msg and "'invasion'" in msg and "accession" in msg


def test_set_event_checks_its_parameter(write):
    msg = str(error_of(write('[[events]]\nmonth = 3\nkind = "set"\nkey = "aid_level"\nvalue = 3.0\n')))
    assert "events[0].value" in msg and "[0, 1]" in msg


def test_malformed_toml_gives_the_line(write):
    e = error_of(write('name = "x"\naid_level = = 0.5\n'))
    assert "malformed TOML" in str(e) and e.line == 2


def test_ladder_must_be_consistent(write):
    msg = str(error_of(write("[ladder]\nthresholds = [0.2, 0.1]\nnames = ['a', 'b', 'c']\n")))
    assert "ladder.thresholds" in msg and "strictly increasing" in msg


def test_bad_override_is_blamed_on_the_override_not_the_file():
    e = error_of("baseline", {"aid_level": 2.0})
    assert e.file is None and "<overrides>" in str(e) and "aid_level" in str(e)
    e = error_of("baseline", {"russia.oportunity": 0.1})
    assert "did you mean 'russia.opportunity'?" in str(e)


def test_a_scenario_file_cannot_run_code(write, tmp_path):
    marker = tmp_path / "pwned"
    p = write(f"name = \"__import__('os').system('touch {marker}')\"\n")
    load_scenario(p)  # a string is data, never evaluated
    assert not marker.exists()
    e = error_of(write(f"aid_level = __import__('os').system('touch {marker}')\n"))
    assert "malformed TOML" in str(e) and not marker.exists()


DATA = Path(__file__).resolve().parent / "data"

#: Files the table below refers to, written into the test's folder: {name} in an argv.
FILES = {
    "bad_toml": 'name = "x"\naid_level = = 0.5\n',
    "bad_exp_key": '[experiment]\nscenario = "classroom"\nreplicatons = 3\n',
    "bad_exp_toml": "[experiment\n",
    "bad_exp_parent": '[experiment]\nscenario = "baselin"\n'
    '[design]\nkind = "grid"\n[design.parameters]\naid_level = [0.1]\n',
    "a_file": "not a folder",
    "broken/manifest.json": "{not json",  # a damaged results folder
    # a results folder interrupted before its first chunk: a manifest, no runs yet
    "empty/manifest.json": (DATA / "store_grid" / "manifest.json").read_text("utf-8"),
}

#: (argv, what the one-line message must name). Placeholders: {grid}, {compare} (the stores in
#: tests/data), {tmp} (an empty folder) and the FILES above.
BAD_INPUT = [
    # scenarios and their overrides
    (["run", "nope"], "no scenario file or shipped scenario named 'nope'"),
    (["run", "{bad_toml}"], "malformed TOML"),
    (["run", "baseline", "--set", "aid_level=7"], "aid_level"),
    (["run", "baseline", "--set", "aidlevel=0.3"], "did you mean 'aid_level'?"),
    (["run", "baseline", "--set", "aid_level"], "expected key=value"),
    (["explain", "baseline", "--set", "russia.noise=x"], "russia.noise"),
    (["run", "baseline", "--steps", "0"], "steps"),
    (["run", "baseline", "--seed", "-1"], "--seed: -1 is not allowed"),
    (["run", "baseline", "--seed", "x"], "--seed: 'x' is not an integer"),
    (["run", "classroom", "--out", "{a_file}"], "is a file"),
    (["params", "nonsense"], "unknown table 'nonsense'"),
    (["demo", "--scenario", "nope"], "no scenario file or shipped scenario named 'nope'"),
    (["frobnicate"], "invalid choice: 'frobnicate'"),
    # experiments
    (["batch", "nope"], "no experiment file or shipped experiment named 'nope'"),
    (["batch", "{bad_exp_key}"], "replicatons: unknown key (did you mean 'replications'?)"),
    (["batch", "{bad_exp_toml}"], "malformed TOML"),
    (["batch", "{bad_exp_parent}"], "baselin"),
    (["batch", "default", "--set", "experiment.replications=0"], "experiment.replications"),
    (["batch", "default", "--set", "experiment.bogus=1"], "experiment.bogus: unknown key"),
    (["batch", "default", "--set", "aid_levle=0.2"], "aid_levle"),
    (["batch", "default", "--workers", "0"], "--workers: 0 is not allowed"),
    (["batch", "default", "--out", "{a_file}"], "is a file"),
    # results folders
    (["summarize", "{tmp}/missing"], "not a results store"),
    (["summarize", "{tmp}"], "not a results store"),
    (["plot", "{a_file}"], "not a results store"),
    (["report", "{tmp}"], "not a results store"),
    (["report", "{grid}", "--out", "{tmp}"], "is a folder"),
    (["summarize", "{broken}"], "manifest.json is damaged"),
    (["plot", "{broken}"], "manifest.json is damaged"),
    (["plot", "{empty}", "--out", "{tmp}/o"], "no complete runs"),
    (["report", "{empty}", "--out", "{tmp}/r.html"], "no complete runs"),
    (["discover", "{empty}", "--outcome", "peak_rung >= 5", "--out", "{tmp}/o"], "no complete runs"),
    (["plot", "{grid}", "--out", "{a_file}"], "is a file"),
    # figures
    (["plot", "{grid}", "--kind", "bogus"], "invalid choice: 'bogus'"),
    (["plot", "{grid}", "--kind", "phase", "--metric", "nope", "--out", "{tmp}/o"], "unknown metric 'nope'"),
    (["plot", "{compare}", "--kind", "compare", "--metric", "nope", "--out", "{tmp}/o"], "unknown metric 'nope'"),
    (["plot", "{compare}", "--kind", "phase", "--out", "{tmp}/o"], "needs a 2-D grid experiment"),
    (["plot", "{grid}", "--format", "gif"], "invalid choice: 'gif'"),
    (["plot", "{grid}", "--where", "member_unity <== 0.2", "--out", "{tmp}/o"], "cannot read the condition"),
    (["plot", "{grid}", "--where", "bananas < 1", "--out", "{tmp}/o"], "unknown design parameter 'bananas'"),
    (["plot", "{grid}", "--where", "member_unity < 0", "--out", "{tmp}/o"], "no design point is left"),
    (["plot", "{compare}", "--where", "aid_level < 1", "--out", "{tmp}/o"], "choose design points with --points"),
    (["plot", "{grid}", "--points", "0,99", "--out", "{tmp}/o"], "unknown design point 99"),
    (["plot", "{grid}", "--points", "a", "--out", "{tmp}/o"], "argument --points: 'a'"),
    # discovery and sensitivity
    (["discover", "{grid}", "--outcome", "peak_rung >>= 7", "--out", "{tmp}/o"], "cannot read"),
    (["discover", "{grid}", "--outcome", "bananas > 1", "--out", "{tmp}/o"], "unknown outcome column 'bananas'"),
    (["discover", "{grid}", "--outcome", "__import__('os').system('true')", "--out", "{tmp}/o"], "cannot read"),
    (["discover", "{grid}", "--outcome", "peak_rung > 100", "--out", "{tmp}/o"], "no run has the outcome"),
    (["discover", "{grid}", "--outcome", "peak_rung > 1", "--alpha", "2", "--out", "{tmp}/o"], "alpha = 2"),
    (["discover", "{compare}", "--outcome", "peak_rung >= 5", "--out", "{tmp}/o"], "varied no parameter"),
    (["discover", "{tmp}/missing", "--outcome", "peak_rung >= 5"], "not a results store"),
    (["sensitivity", "default"], "a sensitivity experiment needs 'saltelli'"),
    (["sensitivity", "sobol_core", "--outcomes", "bogus"], "unknown outcome 'bogus'"),
    (["sensitivity", "sobol_core", "--set", "design.samples=3"], "power of two"),
    (["sensitivity", "sobol_core", "--method", "anova"], "invalid choice: 'anova'"),
]


def _fill(argv: list[str], tmp: Path) -> list[str]:
    names = {n.split("/")[0].split(".")[0]: tmp / n.split("/")[0] for n in FILES}
    return [a.format(tmp=tmp, grid=DATA / "store_grid", compare=DATA / "store_compare", **names) for a in argv]


@pytest.mark.parametrize("argv,needle", BAD_INPUT, ids=lambda v: " ".join(v) if isinstance(v, list) else None)
def test_cli_bad_input_is_one_line_and_status_2(argv, needle, tmp_path, capsys, monkeypatch):
    """Every bad input through the command line: exit 2, one line naming what is wrong, no traceback."""
    monkeypatch.chdir(tmp_path)  # a default output folder (results/...) would land here, never in the tree
    for name, text in FILES.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    code = main(_fill(argv, tmp_path))
    out, err = capsys.readouterr()
    assert code == 2, (code, err)
    assert err.startswith("error: ") and err.count("\n") == 1, err
    assert needle in err, err
    assert "Traceback" not in err + out
    assert not (tmp_path / "results").exists(), "bad input must stop before any run"


def test_cli_refuses_an_output_path_that_is_a_file(tmp_path, capsys):
    f = tmp_path / "file"
    f.write_text("x")
    assert main(["run", "classroom", "--out", str(f)]) == 2
    assert "is a file" in capsys.readouterr().err
