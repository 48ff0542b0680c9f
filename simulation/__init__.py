"""Escalation between an alliance, Ukraine and Russia: an agent-based model on Mesa.

The package is layered, and each layer imports only from the ones above it in this list:

1. the engine, at the top of the package (this namespace): ``parameters``, ``scenario``, ``roster``,
   ``ladder``, ``agents``, ``model``, ``metrics``, ``run``, ``errors``, ``directives`` (players' decisions);
2. ``simulation.runner``: experiment files, designs, executors and the results store;
3. ``simulation.analysis``: outcomes per design point, sensitivity, scenario discovery;
4. ``simulation.viz``: style, figures, the figure registry and the HTML report;
5. the entry points: ``simulation.cli`` (the ``escalation`` command), ``simulation.app`` (the dashboard) and
   ``simulation.classroom_app`` (the classroom wargame's pages; its session is ``simulation.runner.classroom``).

``import simulation`` loads the engine only (no pyarrow, matplotlib, Solara or Dask). Entry points
of the engine: :func:`load_scenario`, :func:`run_scenario`, :class:`EscalationModel`; for batches,
``from simulation.runner import load_experiment, run_experiment, load_results``.
"""

__version__ = "0.1.0"

from simulation.errors import EscalationError, ScenarioError
from simulation.model import EscalationModel
from simulation.run import RunResult, run_scenario
from simulation.scenario import Scenario, load_scenario, shipped_scenarios

__all__ = [
    "EscalationError",
    "EscalationModel",
    "RunResult",
    "Scenario",
    "ScenarioError",
    "load_scenario",
    "run_scenario",
    "shipped_scenarios",
]
