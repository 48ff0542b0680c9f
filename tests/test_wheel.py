"""A plain (not editable) install works on its own: shipped scenarios and experiments come in the wheel.

The package is built from a copy of the sources and installed with pip into a temporary folder
(``--target``), then the ``escalation`` command runs from another temporary folder with only that
copy on the path: no source tree, no editable install to fall back on. Designs are tiny (``--set``)
so the test stays fast.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parent.parent

pytest.importorskip("hatchling")  # the dev extra; the build runs without network (--no-build-isolation)


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    src = tmp_path_factory.mktemp("src")
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in ("simulation", "scenarios", "experiments"):
        shutil.copytree(ROOT / name, src / name, ignore=ignore)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, src / name)
    target = tmp_path_factory.mktemp("site")
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation", "--target", target, src],
        check=True,
        capture_output=True,
        text=True,
        cwd=src,
    )
    return target


def escalation(installed: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(installed), "PYTHONSAFEPATH": "1", "MPLBACKEND": "Agg"}
    return subprocess.run(
        [sys.executable, "-m", "simulation.cli", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600
    )


def test_the_wheel_holds_the_package_scenarios_and_experiments(installed):
    pkg = installed / "simulation"
    assert (pkg / "cli.py").is_file() and (pkg / "data" / "nato_members_2024.csv").is_file()
    assert {p.name for p in (pkg / "scenarios").glob("*.toml")} == {p.name for p in (ROOT / "scenarios").glob("*.toml")}
    shipped = {p.name for p in (pkg / "experiments").glob("*.toml")}
    assert shipped == {p.name for p in (ROOT / "experiments").glob("*.toml")}
    assert {"default.toml", "sobol_core.toml"} <= shipped
    assert list(installed.glob("bin/escalation")), "the console script"


def test_installed_copy_runs_a_batch_and_a_sensitivity_analysis(installed, tmp_path):
    where = escalation(installed, tmp_path, "scenarios")
    assert where.returncode == 0 and "baseline" in where.stdout, where.stderr
    probe = subprocess.run(
        [sys.executable, "-c", "import simulation; print(simulation.__file__)"],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(installed), "PYTHONSAFEPATH": "1"},
        capture_output=True,
        text=True,
    )
    assert Path(probe.stdout.strip()).is_relative_to(installed), "the installed copy, not the source tree"

    tiny = ["--set", "experiment.replications=1", "--set", "experiment.steps=6", "--workers", "1", "--quiet"]
    batch = escalation(installed, tmp_path, "batch", "default", *tiny, "--out", "b")
    assert batch.returncode == 0, batch.stderr
    runs = pd.read_parquet(tmp_path / "b" / "runs.parquet")
    assert len(runs) == 8 and (runs["status"] == "complete").all()
    assert "history" in batch.stdout and "p_rung7" in batch.stdout

    sens = escalation(
        installed, tmp_path, "sensitivity", "sobol_core", *tiny, "--set", "design.samples=2", "--out", "s"
    )
    assert sens.returncode == 0, sens.stderr
    assert "top 3 by ST" in sens.stdout
    indices = pd.read_csv(tmp_path / "s" / "sensitivity" / "indices.csv")
    assert set(indices["parameter"]) >= {"aid_level", "member_unity", "misperception"}
    assert (tmp_path / "s" / "sensitivity" / "figures" / "p_rung7.png").is_file()
    assert not (tmp_path / "results").exists()
