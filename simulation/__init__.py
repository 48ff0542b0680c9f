"""Escalation between an alliance, Ukraine and Russia: an agent-based model on Mesa.

Entry points: :func:`load_scenario`, :func:`run_scenario` and :class:`EscalationModel`.
"""

from simulation.model import EscalationModel
from simulation.run import RunResult, run_scenario
from simulation.scenario import Scenario, ScenarioError, load_scenario, shipped_scenarios

__all__ = [
    "EscalationModel",
    "RunResult",
    "Scenario",
    "ScenarioError",
    "load_scenario",
    "run_scenario",
    "shipped_scenarios",
]
__version__ = "0.1.0"
