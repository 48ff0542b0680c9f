"""Shared fixtures: every test writes only to its own temporary folder."""

from pathlib import Path

import pytest

from simulation.scenario import shipped_scenarios

SCENARIO_FILES = sorted(Path(__file__).resolve().parent.parent.joinpath("scenarios").glob("*.toml"))


@pytest.fixture
def write(tmp_path):
    """Write a TOML text into tmp_path and return the file's path."""

    def _write(text: str, name: str = "s.toml") -> Path:
        p = tmp_path / name
        p.write_text(text, "utf-8")
        return p

    return _write


@pytest.fixture(scope="session")
def shipped():
    return shipped_scenarios()
