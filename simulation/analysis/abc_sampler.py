"""A pyabc sampler on the project's executors whose result depends on the master seed only.

pyabc's own samplers draw proposals from numpy's global generator in whatever order the workers
happen to run, so two runs with the same seed differ. This sampler numbers the candidates of a
generation ``k = 0, 1, 2, ...`` and evaluates candidate ``k`` of generation ``t`` with seeds taken
from ``SeedSequence(seed, spawn_key=(0, t + 1, k))``: its first child seeds numpy's global generator
and Python's ``random`` (pyabc's proposal: the prior, the perturbation kernel), its second gives the
model run's seed. Candidates are evaluated in chunks on an executor (serial, processes or Dask) in
batches until at least ``n`` are accepted; the generation keeps the first ``n`` accepted in candidate
order and counts the candidates up to the n-th accepted one as its simulations. So the population
does not depend on the executor, the number of workers, the chunk size or the order in which
chunks finish.
"""

from __future__ import annotations

import hashlib
import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import cloudpickle
import numpy as np
from pyabc.sampler import Sampler

from simulation.runner.executors import Executor

__all__ = ["ExecutorSampler", "candidate_seeds", "current_run_seed"]

_RUN_SEED: list[int] = [0]  # the seed of the model run being evaluated in this process
_CACHE: dict[str, Callable[[], Any]] = {}


def candidate_seeds(seed: int, t: int, k: int) -> tuple[np.ndarray, int]:
    """Seeds of candidate ``k`` of generation ``t`` (``t = -1``: the calibration sample from the prior).

    Returns:
        The uint32 words that seed the proposal (numpy's global generator and ``random``) and the
        model run's integer seed.
    """
    proposal, run = np.random.SeedSequence(seed, spawn_key=(0, t + 1, k)).spawn(2)
    return proposal.generate_state(4), int(run.generate_state(1, np.uint64)[0] >> np.uint64(1))


def current_run_seed() -> int:
    """The model seed of the candidate being evaluated (read by the calibration's model)."""
    return _RUN_SEED[0]


@dataclass(frozen=True)
class _Task:
    payload: bytes  # cloudpickled simulate_one of the generation
    digest: str
    seed: int
    t: int
    start: int
    stop: int


def _simulate_one(task: _Task) -> Callable[[], Any]:
    fn = _CACHE.get(task.digest)
    if fn is None:
        _CACHE.clear()
        fn = _CACHE[task.digest] = cloudpickle.loads(task.payload)
    return fn


def evaluate_chunk(task: _Task) -> tuple[int, list[Any]]:
    """Evaluate candidates ``start .. stop - 1`` of a generation (in a worker); return their particles."""
    simulate_one = _simulate_one(task)
    np_state, py_state = np.random.get_state(), random.getstate()
    out = []
    try:
        for k in range(task.start, task.stop):
            words, run_seed = candidate_seeds(task.seed, task.t, k)
            np.random.seed(words)
            random.seed(int(words[0]))
            _RUN_SEED[0] = run_seed
            out.append(simulate_one())
    finally:  # in-process (serial) evaluation leaves the caller's generators as they were
        np.random.set_state(np_state)
        random.setstate(py_state)
    return task.start, out


class ExecutorSampler(Sampler):
    """pyabc sampler over an :class:`~simulation.runner.executors.Executor`, reproducible from a seed.

    Args:
        executor: where candidates run (serial, processes, Dask).
        seed: the calibration's master seed.
        chunk_size: candidates per executor task (does not change the result).
        on_batch: called with (generation, candidates evaluated, accepted) after every batch.
    """

    def __init__(
        self,
        executor: Executor,
        seed: int,
        chunk_size: int = 16,
        on_batch: Callable[[int, int, int], None] | None = None,
    ):
        super().__init__()
        self.executor = executor
        self.seed = int(seed)
        self.chunk_size = max(1, int(chunk_size))
        self.on_batch = on_batch
        self.evaluated_total = 0  # candidates evaluated, including those past the n-th accepted
        self._rate = 0.5

    def sample_until_n_accepted(
        self,
        n: int,
        simulate_one: Callable[[], Any],
        t: int,
        *,
        max_eval: float = np.inf,
        all_accepted: bool = False,
        ana_vars: Any = None,
    ) -> Any:
        """Evaluate candidates 0, 1, 2, ... of generation ``t`` until ``n`` are accepted."""
        payload = cloudpickle.dumps(simulate_one)
        digest = hashlib.sha256(payload).hexdigest()
        particles: dict[int, Any] = {}
        evaluated = 0
        rate = 1.0 if all_accepted else self._rate
        while True:
            accepted = sorted(k for k, p in particles.items() if p.accepted)
            if len(accepted) >= n:
                break
            if evaluated >= max_eval:
                sample = self._create_empty_sample()
                sample.ok = False
                self.nr_evaluations_ = evaluated
                return sample
            missing = n - len(accepted)
            size = math.ceil(1.1 * missing / max(rate, 0.002))
            size = max(size, self.executor.workers * self.chunk_size)
            size = min(size, max(1, int(min(max_eval, 1e12)) - evaluated), 100_000)
            tasks = [
                _Task(payload, digest, self.seed, t, a, min(a + self.chunk_size, evaluated + size))
                for a in range(evaluated, evaluated + size, self.chunk_size)
            ]
            for start, chunk in self.executor.imap_unordered(evaluate_chunk, tasks):
                for i, particle in enumerate(chunk):
                    particles[start + i] = particle
            evaluated += size
            self.evaluated_total += size
            n_acc = sum(p.accepted for p in particles.values())
            rate = max(n_acc / evaluated, 1.0 / (evaluated + 1))
            if self.on_batch is not None:
                self.on_batch(t, evaluated, n_acc)
        last = accepted[n - 1]
        sample = self._create_empty_sample()
        for k in range(last + 1):
            sample.append(particles[k])
        self.nr_evaluations_ = last + 1
        if not all_accepted:
            self._rate = (n / (last + 1)) if last >= 0 else 0.5
        return sample
