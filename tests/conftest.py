"""Shared fixtures: every test writes only to its own temporary folder."""

import tempfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import settings
from hypothesis.configuration import set_hypothesis_home_dir

from simulation.scenario import shipped_scenarios

# Tests write only to temporary folders: no Hypothesis example database, and its other caches
# (constants it collects from the source) go to a temporary folder instead of ./.hypothesis.
settings.register_profile("escalation", database=None)
settings.load_profile("escalation")
set_hypothesis_home_dir(tempfile.mkdtemp(prefix="escalation-hypothesis-"))


def assert_same_tables(a, b) -> None:
    """Two results stores hold identical runs, steps and members tables (executors, resumes, repairs)."""
    for name in ("runs", "steps", "members"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), obj=name)


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
