"""The package's layers import one way only (engine -> runner -> analysis -> viz -> entry points).

A module may import from its own layer and the layers before it, never from a later one: the model
never imports plotting, the dashboard or file I/O. The test reads every import statement (including
the ones inside functions) from the source, so an upward import fails here even if it is lazy.
"""

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[1] / "simulation"

#: Layer of each sub-package or module; anything else at the package's top is the engine (layer 0).
LAYERS = {"runner": 1, "analysis": 2, "viz": 3, "cli": 4, "app": 4, "classroom_app": 4}
LAYER_NAMES = ("engine", "runner", "analysis", "viz", "entry point")


def layer_of(module: str) -> int:
    parts = module.split(".")
    return LAYERS.get(parts[1], 0) if len(parts) > 1 else 0


def module_name(path: Path) -> str:
    rel = path.relative_to(PKG.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path) -> list[tuple[int, str]]:
    """(line, imported module) for every import of the package in a file."""
    out = []
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names if a.name.split(".")[0] == "simulation"]
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "simulation":
            for a in node.names:
                sub = f"{node.module}.{a.name}"
                # `from simulation import plots` imports a module; `from simulation import X` a name
                is_module = (PKG.parent / sub.replace(".", "/")).with_suffix(".py").is_file() or (
                    PKG.parent / sub.replace(".", "/")
                ).is_dir()
                out.append((node.lineno, sub if is_module else node.module))
    return out


SOURCES = sorted(PKG.rglob("*.py"))


def test_the_layers_cover_the_package():
    names = {module_name(p) for p in SOURCES}
    for sub in ("runner", "analysis", "viz"):
        assert f"simulation.{sub}" in names
    assert {"simulation.model", "simulation.cli", "simulation.app"} <= names


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(PKG.parent)))
def test_no_upward_import(path):
    me = module_name(path)
    mine = layer_of(me)
    upward = [
        f"line {line}: {target} ({LAYER_NAMES[layer_of(target)]})"
        for line, target in imports_of(path)
        if layer_of(target) > mine
    ]
    assert not upward, f"{me} ({LAYER_NAMES[mine]}) imports a later layer: " + "; ".join(upward)


def test_the_layer_test_catches_an_upward_import(tmp_path):
    """The walker sees imports inside functions too (a lazy import is still an upward one)."""
    f = tmp_path / "probe.py"
    f.write_text("def f():\n    from simulation.viz import plots\n    import simulation.runner.store\n")
    found = [t for _, t in imports_of(f)]
    assert found == ["simulation.viz.plots", "simulation.runner.store"]
    assert [layer_of(t) for t in found] == [3, 1]


_PROBE = """
import json, sys
before = set(sys.modules)
{imports}
new = {{m.split('.')[0] for m in set(sys.modules) - before}}
print(json.dumps(sorted(new | {{m for m in sys.modules if m.startswith('simulation')}})))
"""


def _loaded(imports: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", _PROBE.format(imports=imports)], capture_output=True, text=True, check=True
    )
    return set(json.loads(out.stdout))


def test_import_simulation_loads_the_engine_only():
    """`import simulation` loads none of the later layers and no plotting, dashboard or cluster library.

    Mesa itself imports pandas (and pandas 3 pyarrow), scipy and tqdm, so those come with the model
    whatever the package does; everything else beyond what Mesa, numpy, pydantic and numba (the member
    rules' compiler) bring is the engine's own.
    """
    engine = _loaded("import simulation")
    base = _loaded("import mesa, numpy, pydantic, numba, tomllib, bisect, difflib, csv")
    ours = {m for m in engine if m.startswith("simulation")}
    assert not {m for m in ours if layer_of(m) > 0}, ours
    for heavy in ("matplotlib", "solara", "dask", "distributed", "SALib"):
        assert heavy not in engine, heavy
    extra = engine - base - ours
    assert not extra - {"importlib", "dataclasses", "annotated_types"}, extra
