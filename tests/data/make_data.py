"""Regenerate the small results stores the plot tests read (run from the repository root).

python tests/data/make_data.py
"""

import shutil
from pathlib import Path

from simulation.runner import run_experiment

HERE = Path(__file__).resolve().parent

if __name__ == "__main__":
    for name in ("compare", "grid"):
        shutil.rmtree(HERE / f"store_{name}", ignore_errors=True)  # a fresh store, not a resume
        run_experiment(HERE / f"{name}.toml", HERE / f"store_{name}", workers=1, force=True, progress=False)
