"""Layer 2 of the package: scenario batches. It imports the engine only, never analysis, viz or the entry points.

- ``experiment``: experiment files, their designs (grid, lhs, sobol, saltelli, morris, scenarios) and seeds;
- ``executors``: where runs happen (serially, on worker processes, on Dask);
- ``store``: the results folder, written chunk by chunk under a lock, each chunk's files checksummed in a
  commit record, so that it survives interruption, a second writer and damaged files (``verify_store``);
- ``batch``: the loop that runs an experiment's chunks on an executor into the store.
"""

from simulation.runner.batch import run_experiment
from simulation.runner.experiment import Experiment, ExperimentError, load_experiment, shipped_experiments
from simulation.runner.store import Results, StoreError, load_results, verify_store

__all__ = [
    "Experiment",
    "ExperimentError",
    "Results",
    "StoreError",
    "load_experiment",
    "load_results",
    "run_experiment",
    "shipped_experiments",
    "verify_store",
]
