"""Single runs: :func:`run_scenario` runs one scenario with one seed and returns tidy tables."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from simulation.metrics import EVENT_COLUMNS, STEP_COLUMNS, summarize
from simulation.model import EscalationModel
from simulation.scenario import Scenario, load_scenario

__all__ = ["RunResult", "run_scenario"]


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
    ov = dict(overrides or {})
    if steps is not None:
        ov["steps"] = steps
    sc = load_scenario(scenario, ov)
    model = EscalationModel(sc, rng=seed)
    while model.running:
        model.step()
    return collect(model, seed)


def collect(model: EscalationModel, seed: int) -> RunResult:
    """Turn a finished model into a RunResult."""
    steps = model.datacollector.get_model_vars_dataframe().reset_index(drop=True)[list(STEP_COLUMNS)]
    steps = steps.astype(
        {
            "month": "int32",
            "escalation_rung": "int16",
            "spillover_incidents": "int32",
            "decision_delay": "int32",
            "negotiating": bool,
            "ceasefire": bool,
            "member_count": "int16",
        }
    )
    members = pd.DataFrame(model.member_table())
    members["month"] = members["month"].astype("int32")
    members["iso3"] = members["iso3"].astype(str)
    events = pd.DataFrame(model.events, columns=list(EVENT_COLUMNS))
    events["month"] = events["month"].astype("int32")
    summary = {"scenario": model.config.name, "seed": seed, **summarize(steps)}
    return RunResult(steps=steps, members=members, events=events, summary=summary, scenario=model.config, seed=seed)
