"""The documentation reads the declarations: no second list of parameters to go stale."""

import re
from pathlib import Path

from simulation import docs, parameters

ROOT = Path(__file__).resolve().parent.parent


def test_odd_parameter_table_is_current():
    text = docs.ODD.read_text("utf-8")
    assert docs.render(text) == text, "run `python -m simulation.docs` to regenerate docs/ODD.md's table"


def test_every_parameter_is_documented_with_range_and_meaning():
    for p in parameters.PARAMETERS:
        assert p.meaning, p.key
        if p.numeric:
            assert p.low is not None and p.high is not None and p.low <= p.default <= p.high, p.key


def test_odd_names_every_metric_column():
    from simulation.metrics import MEMBER_COLUMNS, STEP_COLUMNS, SUMMARY_COLUMNS

    text = docs.ODD.read_text("utf-8")
    for col in (*STEP_COLUMNS, *MEMBER_COLUMNS):
        assert col in text, col
    for col in SUMMARY_COLUMNS:
        assert re.sub(r"_[567]$", "_k", col) in text, col


def test_readme_python_example_runs(tmp_path, monkeypatch):
    """The README's Python snippet is executed, so it cannot go stale."""
    from simulation.runner import run_experiment

    monkeypatch.chdir(tmp_path)
    run_experiment(
        "default",
        "results/default",
        workers=1,
        progress=False,
        sets=["experiment.replications=1", "experiment.steps=12"],
    )
    readme = (ROOT / "README.md").read_text("utf-8")
    block = readme.split("```python", 1)[1].split("```", 1)[0]
    exec(compile(block, "README.md", "exec"), {})


def _resolve(dotted: str) -> object:
    """Import the longest module prefix of ``dotted`` and get the rest as attributes."""
    import importlib

    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        for name in parts[cut:]:
            obj = getattr(obj, name)
        return obj
    raise ModuleNotFoundError(dotted)


def test_every_python_import_path_in_the_readme_works():
    """Dotted names (`simulation.viz.plots`) and `from simulation... import a, b` lines of the README exist."""
    readme = (ROOT / "README.md").read_text("utf-8")
    dotted = set(re.findall(r"\bsimulation(?:\.[A-Za-z_]\w*)+", readme)) - {"simulation.py"}
    for module, names in re.findall(r"^from (simulation[\w.]*) import ([\w, ]+)", readme, flags=re.M):
        dotted |= {f"{module}.{n.strip()}" for n in names.split(",") if n.strip()}
    assert {"simulation.runner.load_results", "simulation.viz.plots"} <= dotted
    for name in sorted(dotted):
        _resolve(name)  # raises if the README names something that is not there
