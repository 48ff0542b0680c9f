"""Global sensitivity analysis with SALib: which assumptions the escalation outcomes depend on.

``escalation sensitivity EXPERIMENT [--method sobol|morris]`` builds Saltelli's scheme (Sobol'
indices) or Morris trajectories over the experiment's parameter bounds, runs it through the batch
runner (parallel, resumable, stored like any batch, with common random numbers so that every design
point sees the same seeds), computes each outcome per design point over its replicates (the
outcomes are defined once, in :mod:`simulation.analysis.outcomes`), and analyses it:
first-order and total indices with confidence intervals (and second-order for Sobol'), or Morris's
mu* and sigma. The analysis is :func:`analyze`, the same function the tests feed SALib's Ishigami
function, so the wiring is proven apart from the model.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simulation.analysis.outcomes import SENSITIVITY_OUTCOMES, check_outcomes, outcomes_by_point
from simulation.errors import AnalysisError, ExperimentError
from simulation.runner.experiment import Experiment, load_experiment, salib_problem
from simulation.runner.store import Results, atomic_path

__all__ = [
    "SensitivityResult",
    "analyze",
    "load_sensitivity_experiment",
    "problem_of",
    "ranking",
    "run_sensitivity",
]


def analyze(
    problem: dict[str, Any],
    x: np.ndarray,
    y: np.ndarray,
    *,
    method: str,
    second_order: bool = True,
    levels: int = 4,
    seed: int = 0,
    resamples: int = 200,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Sensitivity indices of one output ``y`` (rows of the design ``x``), as tidy tables.

    Returns:
        (indices, second): ``indices`` has one row per parameter: S1, S1_conf, ST, ST_conf (Sobol') or
        mu, mu_star, mu_star_conf, sigma (Morris); ``second`` has one row per parameter pair (S2,
        S2_conf) for Sobol' with second order, else is empty.
    """
    names = problem["names"]
    if method == "sobol":
        from SALib.analyze import sobol

        r = sobol.analyze(problem, y, calc_second_order=second_order, num_resamples=resamples, seed=seed)
        indices = pd.DataFrame(
            {"parameter": names, "S1": r["S1"], "S1_conf": r["S1_conf"], "ST": r["ST"], "ST_conf": r["ST_conf"]}
        )
        pairs = []
        if second_order:
            for i in range(len(names)):
                for j in range(i + 1, len(names)):
                    pairs.append(
                        {
                            "parameter_1": names[i],
                            "parameter_2": names[j],
                            "S2": r["S2"][i, j],
                            "S2_conf": r["S2_conf"][i, j],
                        }
                    )
        return indices, pd.DataFrame(pairs, columns=["parameter_1", "parameter_2", "S2", "S2_conf"])
    if method == "morris":
        from SALib.analyze import morris

        r = morris.analyze(problem, x, y, num_resamples=resamples, num_levels=levels, seed=seed)
        indices = pd.DataFrame(
            {
                "parameter": names,
                "mu": r["mu"],
                "mu_star": r["mu_star"],
                "mu_star_conf": r["mu_star_conf"],
                "sigma": r["sigma"],
            }
        )
        return indices, pd.DataFrame(columns=["parameter_1", "parameter_2", "S2", "S2_conf"])
    raise AnalysisError(f"unknown method {method!r}; methods: sobol, morris")


@dataclass
class SensitivityResult:
    """Indices per outcome, where they were written, and the batch they came from."""

    method: str
    indices: pd.DataFrame  # outcome, parameter, and the method's columns
    second: pd.DataFrame
    results: Results
    folder: Path


def problem_of(exp: Experiment) -> dict[str, Any]:
    """The SALib problem of an experiment: its parameters and the bounds its design was sampled in."""
    return salib_problem(exp.parameter_names, list(exp.bounds))


def load_sensitivity_experiment(
    experiment: str | Path, method: str | None = None, overrides: list[str] | None = None
) -> Experiment:
    """Load a sensitivity experiment, its design kind set by ``method`` (sobol: Saltelli's scheme; morris).

    Args:
        experiment: an experiment file or a shipped experiment's name.
        method: ``"sobol"`` or ``"morris"``; None keeps the file's design kind.
        overrides: ``key=value`` overrides of the experiment file (``design.samples=32``).

    Raises:
        ExperimentError: the file is not acceptable, or its design is not a sensitivity design.
    """
    overrides = list(overrides or [])
    if method is not None:
        if method not in _KINDS:
            raise AnalysisError(f"unknown method {method!r}; methods: {', '.join(_KINDS)}")
        overrides.append(f'design.kind="{_KINDS[method]}"')
    return _check_kind(load_experiment(experiment, overrides))


#: Sensitivity method -> the design kind that samples for it.
_KINDS = {"sobol": "saltelli", "morris": "morris"}


def _check_kind(exp: Experiment) -> Experiment:
    kind = exp.spec.design.kind
    if kind not in _KINDS.values():
        raise ExperimentError(
            exp.source,
            "design.kind",
            f"{kind!r}: a sensitivity experiment needs 'saltelli' (Sobol' indices) or 'morris' "
            "(or --method sobol|morris)",
        )
    return exp


def run_sensitivity(
    experiment: Experiment | str | Path,
    out: str | Path,
    *,
    method: str | None = None,
    outcomes: list[str] | tuple[str, ...] = SENSITIVITY_OUTCOMES,
    overrides: list[str] | None = None,
    workers: int | None = None,
    dask: str | None = None,
    progress: bool = True,
    force: bool = False,
) -> SensitivityResult:
    """Design, run (resumably) and analyse a sensitivity experiment; write indices and figures into ``out``."""
    from simulation.runner import run_experiment

    exp = (
        experiment if isinstance(experiment, Experiment) else load_sensitivity_experiment(experiment, method, overrides)
    )
    _check_kind(exp)
    outcomes = check_outcomes(outcomes)  # before the batch, not after it
    method = "sobol" if exp.spec.design.kind == "saltelli" else "morris"
    results = run_experiment(exp, out, workers=workers, dask=dask, progress=progress, force=force)
    table = outcomes_by_point(results.runs, outcomes)
    problem = problem_of(exp)
    x = exp.matrix()
    if len(table) != len(x):
        raise AnalysisError(
            f"{len(x) - len(table)} design points have no complete run; their errors are in "
            "runs.parquet, and Sobol'/Morris estimators need every point"
        )
    all_idx, all_s2 = [], []
    for outcome in outcomes:
        idx, s2 = analyze(
            problem,
            x,
            table[outcome].to_numpy(),
            method=method,
            second_order=exp.spec.design.second_order,
            levels=exp.spec.design.levels,
            seed=exp.seed,
        )
        all_idx.append(idx.assign(outcome=outcome))
        all_s2.append(s2.assign(outcome=outcome))
    indices = pd.concat(all_idx, ignore_index=True)
    second = pd.concat(all_s2, ignore_index=True)
    folder = Path(out) / "sensitivity"
    folder.mkdir(parents=True, exist_ok=True)
    for name, df in (("indices", indices), ("second_order", second)):
        # atomically: an interrupted analysis leaves the last complete file, never half of one
        with atomic_path(folder / f"{name}.parquet") as tmp:
            df.to_parquet(tmp, index=False)
        with atomic_path(folder / f"{name}.csv") as tmp:
            df.to_csv(tmp, index=False)
    return SensitivityResult(method=method, indices=indices, second=second, results=results, folder=folder)


def ranking(indices: pd.DataFrame, outcome: str, column: str = "ST", top: int = 3) -> list[str]:
    """The ``top`` parameters of an outcome by an index column, largest first."""
    sub = indices[indices["outcome"] == outcome].sort_values(column, ascending=False)
    return sub["parameter"].head(top).tolist()
