"""Scenario batches: experiment files, designs, executors and a results store that survives interruption."""

from simulation.runner.batch import run_experiment
from simulation.runner.experiment import Experiment, ExperimentError, load_experiment, shipped_experiments
from simulation.runner.store import Results, StoreError, load_results

__all__ = [
    "Experiment",
    "ExperimentError",
    "Results",
    "StoreError",
    "load_experiment",
    "load_results",
    "run_experiment",
    "shipped_experiments",
]
