"""Calibration to history: ABC-SMC (pyabc) over the project's executors, and the posterior predictive.

A calibration file names the scenario, the parameters to fit with their priors, the observed
summary statistics and the distance, the population size, the stopping rules and the master seed::

    [calibration]
    name = "history-abc"
    scenario = "history"             # name or path (relative to this file) of the scenario
    seed = 20261126                  # master seed: same seed, same posterior
    population = 200                 # particles per generation
    generations = 8                  # at most this many generations ...
    min_epsilon = 0.0                # ... or stop once the threshold is at or below this (0: off)
    min_acceptance = 0.0             # ... or once a generation's acceptance rate would fall below this
    max_simulations = 0              # ... or once this many model runs are spent (0: no limit)
    epsilon_quantile = 0.5           # each threshold: this weighted quantile of the last distances
    distance_p = 2                   # the p of the distance's p-norm
    window = ["2022-02", "2023-12"]  # months fitted (inside the calibration window only)
    chunk_size = 16                  # candidates per executor task (speed only)
    predictive_replications = 1      # predictive runs per particle

    [parameters]                     # the parameters fitted, with their priors
    russia_intent = {}                                         # uniform over the declared range
    misperception = {low = 0.05, high = 0.6}                   # uniform on a sub-range
    "ukraine.aid_effect" = {dist = "truncnorm", mean = 0.5, sd = 0.2}   # normal, cut to [low, high]
    "members.capacity_share" = {dist = "beta", a = 2, b = 2, low = 0.1, high = 0.9}

    [statistics.territory]           # which statistics enter the distance, with weight and scale
    weight = 1.0
    scale = 0.02
    [statistics.aid]
    scale = "std"
    [statistics.nuclear_signal]
    scale = 6.0
    observed = "2022-09"             # optional: the episode's month (default: from the events table)
    [statistics.no_direct_clash]

    [overrides]                      # fixed scenario parameters for every run (optional)

**Statistics** (``observed_statistics``; observed data from ``simulation.analysis.observed``, the
calibration window only):

- ``territory``: the share of Ukraine's territory held, month by month; error = root mean square
  of (simulated - observed) over the window's months after the scenario's month 0 (the initial
  state is set, not simulated); default scale 0.02 (two per cent of Ukraine).
- ``aid``: the alliance's monthly military aid (``aid_total``, EUR bn a month in the history
  scenario), the same months; error = root mean square difference; default scale ``"std"``: the
  observed series' standard deviation over those months.
- ``nuclear_signal``: the month (counted from the window's first) of the first nuclear-signalling
  episode after the window's first month: in a run, the first climb to rung >= 6 from below; observed,
  the first ``nuclear_signal`` event after the window's first month, or the month given as
  ``observed = "YYYY-MM"``. A run with none counts as the month after the window; error =
  |simulated - observed| months; default scale 6.
- ``no_direct_clash``: 1 if the run reaches rung >= 7 (a direct clash with a member) in the window,
  else 0 (observed: 0); error = that indicator; scale 1.

**Distance**: d = (sum_i w_i (e_i / s_i)^p)^(1/p) over the statistics listed, with weights w_i,
scales s_i and ``distance_p`` p. Fixed (not adaptive), so a resumed calibration needs no state of it.

**Seeds**: candidate k of generation t uses ``SeedSequence(seed, spawn_key=(0, t + 1, k))``
(:mod:`simulation.analysis.abc_sampler`); the posterior predictive's runs use ``spawn_key=(1,)`` and
the prior predictive's ``(2,)`` (draws) and ``(3,)`` (runs).

**Output folder**::

    DIR/calibration.json      file, hash, versions, data used, generations (epsilon, acceptance, ESS,
                              wall time), parameters (prior and posterior intervals), predictive scores
    DIR/calibration.toml      the calibration file as it was run
    DIR/scenario.toml         the resolved scenario (full horizon)
    DIR/abc.db                pyabc's SQLite history: every finished generation (resume reads it)
    DIR/posterior.parquet     one row per particle: generation, particle, weight, distance, parameters
    DIR/predictive.parquet    prior and posterior predictive bands by series and month, observed values
    DIR/predictive/posterior/ a results store: one run per particle (x replications), full horizon
    DIR/predictive/prior/     a results store: as many runs from the prior
    DIR/figures/              marginals, pair plot, predictive bands (``escalation calibrate`` draws them)

A calibration killed at any instant resumes by running the same command again: pyabc's history
holds every finished generation, and each generation starts from the history alone (also when the
run is not interrupted), so the resumed posterior is the uninterrupted one.

**Where things are** (one file a concern): ``schema`` (the calibration file, its priors and the
resolved :class:`Calibration`), ``statistics`` (observed and simulated summary statistics, the model a
candidate runs, the distance), ``abc`` (the ABC-SMC loop and its folder), ``posterior`` (reading it,
identification), ``predictive`` (prior and posterior predictive, the 2024 forecast) and ``files`` (the
folder's file names and JSON). The seeds of the candidates are :mod:`simulation.analysis.abc_sampler`'s.
"""

from simulation.analysis.calibration.abc import CALIBRATE_HINT, CalibrationResult, calibrate
from simulation.analysis.calibration.posterior import identification, read_posterior, weighted_quantile
from simulation.analysis.calibration.predictive import open_calibration, posterior_predictive, predictive_bands
from simulation.analysis.calibration.schema import Calibration, Prior, load_calibration
from simulation.analysis.calibration.statistics import STATISTICS, ScaledDistance, observed_statistics, statistics_of

__all__ = [
    "CALIBRATE_HINT",
    "STATISTICS",
    "Calibration",
    "CalibrationResult",
    "Prior",
    "ScaledDistance",
    "calibrate",
    "identification",
    "load_calibration",
    "observed_statistics",
    "open_calibration",
    "posterior_predictive",
    "predictive_bands",
    "read_posterior",
    "statistics_of",
    "weighted_quantile",
]
