"""Hostile definition files, generated: never a traceback, never a hang, always a located message.

Hypothesis writes scenario, experiment and calibration files with random keys, types and nesting,
NaN and infinities, huge numbers, long strings and unicode, broken TOML, deep ``extends`` chains and
enormous horizons or replication counts. Each file is validated in this process (the loaders are
what the command line calls before any run starts); a few cases go through the real command in a
subprocess. What must hold: the loader returns a valid definition or raises the package's own error,
whose message names one of the files written, and the command line prints it on one line with exit
status 2. A hang is caught by a CPU-time bound per file, far above what validation needs (a guard,
not a speed assertion).
"""

import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import broken, calibration_documents, experiment_documents, scenario_documents, toml_text

from simulation.cli import main
from simulation.errors import EscalationError
from simulation.runner.experiment import load_experiment
from simulation.scenario import load_scenario

#: CPU seconds one file may take to be answered: generous (validation takes milliseconds).
CPU_GUARD = 10.0
#: The in-process loaders are given a small run limit, so that a valid design of a million runs is
#: refused at once instead of validating a million scenarios (the command line's default is 10^6).
MAX_RUNS = 2_000

_HYPOTHESIS = settings(
    max_examples=120,
    deadline=None,  # CPU time is bounded below, wall time depends on the machine's load
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture],
)


def answered(load, path: Path, folder: Path) -> None:
    """``load(path)`` validates or raises one located EscalationError, within the CPU guard."""
    t0 = time.process_time()
    try:
        load(path)
    except EscalationError as e:
        msg = str(e)
        assert msg, "an empty message"
        # located: the message names the file (or the parent file of an extends chain) at fault
        assert str(folder) in msg or "<overrides>" in msg, msg
    cpu = time.process_time() - t0
    assert cpu < CPU_GUARD, f"{path.name} took {cpu:.1f} s of CPU to answer"


def write(folder: Path, name: str, text: str) -> Path:
    p = folder / name
    p.write_text(text, "utf-8")
    return p


@pytest.fixture
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("hostile")


@_HYPOTHESIS
@given(doc=scenario_documents(), damage=st.booleans(), data=st.data())
def test_generated_scenario_files_are_answered(folder, doc, damage, data):
    text = toml_text(doc)
    if damage:
        text = data.draw(broken(text))
    answered(load_scenario, write(folder, "s.toml", text), folder)


@_HYPOTHESIS
@given(doc=experiment_documents, damage=st.booleans(), data=st.data())
def test_generated_experiment_files_are_answered(folder, doc, damage, data):
    text = toml_text(doc)
    if damage:
        text = data.draw(broken(text))
    answered(lambda p: load_experiment(p, max_runs=MAX_RUNS), write(folder, "e.toml", text), folder)


@settings(_HYPOTHESIS, max_examples=60)
@given(doc=calibration_documents, damage=st.booleans(), data=st.data())
def test_generated_calibration_files_are_answered(folder, doc, damage, data):
    from simulation.analysis.calibration import load_calibration

    text = toml_text(doc)
    if damage:
        text = data.draw(broken(text))
    answered(load_calibration, write(folder, "c.toml", text), folder)


@settings(_HYPOTHESIS, max_examples=20)
@given(
    depth=st.sampled_from([2, 10, 40, 64, 65, 100]),
    end=st.sampled_from(["baseline", "nope", "loop", "self", "bad"]),
    doc=scenario_documents(),
)
def test_deep_extends_chains_are_answered(folder, depth, end, doc):
    """A chain of files, each extending the next; it ends at a shipped scenario, nowhere, a loop or bad TOML."""
    for i in range(depth):
        parent = f"c{i + 1}.toml" if i + 1 < depth else {"loop": "c0.toml", "self": f"c{i}.toml"}.get(end, end)
        body = toml_text({k: v for k, v in doc.items() if k != "extends"}) if i == depth // 2 else ""
        write(folder, f"c{i}.toml", f'extends = "{parent}"\n' + body)
    if end == "bad":
        write(folder, "bad.toml", "aid_level = = 1\n")
        write(folder, f"c{depth - 1}.toml", 'extends = "bad.toml"\n')
    answered(load_scenario, folder / "c0.toml", folder)


# --- through the command line: one line, exit status 2 ---------------------------------------------

CASES = {
    "nan": ("run", "aid_level = nan\n"),
    "inf": ("run", "[russia]\nnoise = inf\n"),
    "huge": ("run", "steps = 123456789012345678901234567890\n"),
    "newline key": ("run", '"aid\\nlevel" = 0.5\n'),
    "unicode": ("run", 'extends = "💥\\u202e名前"\n'),
    "deep": ("run", "aid_level = " + "[" * 3000 + "]" * 3000 + "\n"),
    "long": ("run", f'name = "{"x" * 100_000}"\naid_level = "{"y" * 100_000}"\n'),
    "replications": ("batch", '[experiment]\nscenario = "classroom"\nreplications = 1000000000000\n'),
    "horizon": ("batch", '[experiment]\nscenario = "classroom"\nsteps = 99999999\n'),
    "samples": (
        "batch",
        '[experiment]\nscenario = "classroom"\n[design]\nkind = "lhs"\nsamples = 9999999\n'
        "[design.parameters]\naid_level = {}\nmember_unity = {}\n",
    ),
    "calibration nan": ("calibrate", "[calibration]\nmin_epsilon = nan\n[parameters]\nrussia_intent = {}\n"),
    "calibration inf weight": ("calibrate", "[statistics.aid]\nweight = inf\n[parameters]\nrussia_intent = {}\n"),
    "broken": ("calibrate", "[calibration\n"),
    "name too long": ("run", f'extends = "{"a" * 300}"\n'),  # ENAMETOOLONG from the file system, not a traceback
    "calibration scenario": ("calibrate", '[calibration]\nscenario = "nope"\n[parameters]\nrussia_intent = {}\n'),
}


def _argv(command: str, path: Path, out: Path) -> list[str]:
    return [command, str(path), *(["--out", str(out), "--workers", "1", "--quiet"] if command != "run" else [])]


@pytest.mark.parametrize("case", sorted(CASES))
def test_hostile_files_through_the_command_line(case, tmp_path, capsys):
    command, text = CASES[case]
    path = write(tmp_path, "f.toml", text)
    assert main(_argv(command, path, tmp_path / "out")) == 2
    out, err = capsys.readouterr()
    assert err.startswith("error: ") and err.count("\n") == 1, err[:500]
    assert str(path) in err and "Traceback" not in out + err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("case", ["newline key", "samples", "broken"])
def test_hostile_files_end_to_end(case, tmp_path):
    """The real command in its own process: exit status 2, one line, no traceback."""
    command, text = CASES[case]
    path = write(tmp_path, "f.toml", text)
    proc = subprocess.run(
        [sys.executable, "-m", "simulation.cli", *_argv(command, path, tmp_path / "out")],
        capture_output=True,
        text=True,
        timeout=300,  # a guard against a hang only
    )
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert proc.stderr.startswith("error: ") and proc.stderr.count("\n") == 1, proc.stderr[-2000:]
    assert str(path) in proc.stderr and "Traceback" not in proc.stderr
