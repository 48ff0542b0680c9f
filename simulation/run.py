"""Single runs: :func:`run_scenario` runs one scenario with one seed and returns tidy tables."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from simulation.metrics import EVENT_COLUMNS, summarize
from simulation.model import EscalationModel
from simulation.scenario import Scenario, load_scenario

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["RunResult", "run_scenario", "simulate"]


@dataclass(frozen=True)
class RunResult:
    """The tidy output of one run.

    Attributes:
        steps: one row per month (month 0 is the initial state), the columns of ``STEP_COLUMNS``.
        members: one row per month and member, the columns of ``MEMBER_COLUMNS``.
        events: one row per narrative event: month, actor, kind, description.
        summary: the per-run metrics (``SUMMARY_COLUMNS``) plus scenario and seed.
        scenario: the resolved scenario that was run.
        seed: the seed the model's generator was built from.
    """

    steps: pd.DataFrame
    members: pd.DataFrame
    events: pd.DataFrame
    summary: dict[str, Any]
    scenario: Scenario
    seed: int


def simulate(scenario: Scenario, seed: int) -> tuple[EscalationModel, dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Run a validated scenario to its horizon; return the model and its step and member columns."""
    model = EscalationModel(scenario, rng=seed)
    while model.running:
        model.step()
    return model, model.step_table(), model.member_table()


def run_scenario(
    scenario: Scenario | str | Path,
    *,
    seed: int,
    steps: int | None = None,
    overrides: dict[str, Any] | None = None,
) -> RunResult:
    """Run one scenario for its horizon (or ``steps`` months) with one seed.

    Args:
        scenario: a Scenario, a shipped scenario's name or a file.
        seed: seed of the model's numpy generator; the same seed gives bit-identical tables.
        steps: months to run (default: the scenario's ``steps``).
        overrides: dotted-key overrides (``{"aid_level": 0.9, "russia.noise": 0.1}``).

    Returns:
        The run's tables and summary.
    """
    import pandas as pd  # the tables of one run; imported here so that `import simulation` stays light

    ov = dict(overrides or {})
    if steps is not None:
        ov["steps"] = steps
    sc = load_scenario(scenario, ov)
    model, step_cols, member_cols = simulate(sc, seed)
    steps_df = pd.DataFrame(step_cols)
    members = pd.DataFrame(member_cols)
    members["iso3"] = members["iso3"].astype(str)
    events = pd.DataFrame(model.events, columns=list(EVENT_COLUMNS))
    events["month"] = events["month"].astype("int32")
    summary = {"scenario": sc.name, "seed": seed, **summarize(step_cols)}
    return RunResult(steps=steps_df, members=members, events=events, summary=summary, scenario=sc, seed=seed)
