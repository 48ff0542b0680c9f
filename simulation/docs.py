"""Generate the parameter table of ``docs/ODD.md`` from the declarations.

python -m simulation.docs           # rewrite the table in docs/ODD.md
python -m simulation.docs --check   # exit 1 if docs/ODD.md is out of date
"""

from __future__ import annotations

import sys
from pathlib import Path

from simulation import parameters as params

BEGIN, END = "<!-- parameters:begin -->", "<!-- parameters:end -->"
ODD = Path(__file__).resolve().parent.parent / "docs" / "ODD.md"


def parameter_table() -> str:
    """Markdown table of every declared parameter, grouped by table."""
    out = []
    for group in ("", *params.GROUPS):
        out += [
            "",
            f"**{'[' + group + ']' if group else 'top level'}**",
            "",
            "| key | default | range | unit | meaning | source |",
            "|---|---|---|---|---|---|",
        ]
        for p in params.PARAMETERS:
            if p.group != group:
                continue
            default = f"{len(p.default)} values" if isinstance(p.default, list) else f"`{p.default!r}`".lower()
            rng = f"[{p.low:g}, {p.high:g}]" if p.numeric else ""
            out.append(f"| `{p.key}` | {default} | {rng} | {p.unit} | {p.meaning} | {p.source or 'design choice'} |")
    return "\n".join(out) + "\n"


def render(text: str) -> str:
    """``text`` with the part between the markers replaced by the generated table."""
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{BEGIN}\n{parameter_table()}{END}{tail}"


def main(argv: list[str] | None = None) -> int:
    """Rewrite (or with --check, verify) the table in docs/ODD.md."""
    argv = sys.argv[1:] if argv is None else argv
    text = ODD.read_text("utf-8")
    new = render(text)
    if "--check" in argv:
        return 0 if new == text else 1
    ODD.write_text(new, "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
