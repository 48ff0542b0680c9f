"""Every number in a model formula is a declared parameter or a named constant (issue: no magic numbers).

The engine's formula modules may use 0, 1 and 2 (and -1) as bare numbers; any other number must be a
module-level constant whose name says what it is, with a comment saying why it is not a parameter, or a
declared parameter read from the scenario. The test reads the source: a bare 0.5 added to a formula
fails here.
"""

import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[1] / "simulation"
FORMULAS = ["agents.py", "members.py", "model.py", "roster.py", "ladder.py"]
ALLOWED = {0, 1, 2, -1}


def bare_numbers(path: Path) -> list[tuple[int, float]]:
    """(line, value) of numeric literals outside module-level constant assignments."""
    tree = ast.parse(path.read_text("utf-8"))
    named: set[int] = set()
    for node in tree.body:  # module-level NAME = <expr>: a named constant (its literals are its definition)
        targets = (
            node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []
        )
        if targets and all(isinstance(t, ast.Name) and t.id.isupper() for t in targets):
            named |= {id(n) for n in ast.walk(node)}
    for cls in (n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)):  # dataclass field defaults are data
        for node in cls.body:
            if isinstance(node, ast.AnnAssign) and node.value is not None:
                named |= {id(n) for n in ast.walk(node.value)}
    out = []
    for node in ast.walk(tree):
        number = isinstance(node, ast.Constant) and type(node.value) in (int, float)
        if number and id(node) not in named and node.value not in ALLOWED:
            out.append((node.lineno, node.value))
    return out


@pytest.mark.parametrize("name", FORMULAS)
def test_no_bare_numbers_in_the_engines_formulas(name):
    found = bare_numbers(PKG / name)
    assert not found, f"{name}: bare numbers (declare a parameter or a named constant): {found}"


def test_the_scan_finds_a_bare_number(tmp_path):
    f = tmp_path / "probe.py"
    f.write_text("RATE = 0.3  # named\n\ndef f(x):\n    return 0.5 * x + RATE * 2\n")
    assert bare_numbers(f) == [(4, 0.5)]
