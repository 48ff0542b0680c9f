"""Escalation between an alliance, Ukraine and Russia: an agent-based model on Mesa.

Entry points: :func:`load_scenario`, :func:`run_scenario`, :class:`EscalationModel`, and for batches
:func:`load_experiment`, :func:`run_experiment` and :func:`load_results`.
"""

__version__ = "0.1.0"

from simulation.model import EscalationModel
from simulation.run import RunResult, run_scenario
from simulation.runner import load_experiment, load_results, run_experiment
from simulation.scenario import Scenario, ScenarioError, load_scenario, shipped_scenarios

__all__ = [
    "EscalationModel",
    "RunResult",
    "Scenario",
    "ScenarioError",
    "load_experiment",
    "load_results",
    "load_scenario",
    "run_experiment",
    "run_scenario",
    "shipped_scenarios",
]
