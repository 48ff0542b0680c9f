"""Executors behind one small interface: ``serial``, ``processes`` and ``dask``.

An executor maps a function over tasks and yields results as they complete, with a bounded number
of tasks in flight so that memory stays bounded however many tasks there are. Tasks are chunks of
runs, so process start-up and pickling are paid once per chunk, not once per run.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Any, Protocol

__all__ = ["DASK_HINT", "DaskExecutor", "Executor", "ProcessExecutor", "SerialExecutor", "make_executor"]

DASK_HINT = 'Dask is the optional "cluster" extra: pip install "escalation-abm[cluster]" (or "dask[distributed]")'


class Executor(Protocol):
    """What the runner needs of an executor."""

    workers: int

    def imap_unordered(self, fn: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[Any]:
        """Yield ``fn(task)`` for every task, in completion order."""
        ...

    def close(self) -> None:
        """Release workers (idempotent)."""
        ...


class SerialExecutor:
    """Run every task in this process, in order."""

    workers = 1

    def imap_unordered(self, fn: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[Any]:
        """Yield ``fn(task)`` in task order."""
        for t in tasks:
            yield fn(t)

    def close(self) -> None:
        """Nothing to release."""


class ProcessExecutor:
    """A pool of worker processes (concurrent.futures) with at most 2 x workers tasks in flight.

    Workers are started with the ``forkserver`` method: no state (threads, open files, a progress bar)
    leaks from the parent into them, and each imports the model once.
    """

    def __init__(self, workers: int | None = None):
        """Start ``workers`` processes (default: the CPU count)."""
        self.workers = workers or os.cpu_count() or 1
        ctx = multiprocessing.get_context("forkserver")
        # The fork server imports the model once; every worker forks from it ready to run.
        ctx.set_forkserver_preload(["simulation.runner.batch"])
        self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=ctx, initializer=_leave_sigint_to_parent)

    def imap_unordered(self, fn: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[Any]:
        """Yield results as they complete, keeping the queue short."""
        it = iter(tasks)
        pending: set[Future] = set()
        limit = 2 * self.workers
        try:
            while True:
                while len(pending) < limit:
                    try:
                        pending.add(self._pool.submit(fn, next(it)))
                    except StopIteration:
                        break
                if not pending:
                    return
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for f in done:
                    yield f.result()
        finally:
            for f in pending:
                f.cancel()

    def close(self) -> None:
        """Stop the workers, cancelling what has not started."""
        self._pool.shutdown(wait=True, cancel_futures=True)


def _leave_sigint_to_parent() -> None:
    """In a worker: Ctrl-C is for the parent to handle (it stops the pool, keeps what finished); no traceback here."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)


class DaskExecutor:
    """Tasks on a Dask cluster: ``local`` starts a LocalCluster, an address joins a running scheduler.

    Workers write their parts of the results folder themselves, so on a remote cluster the folder
    must be on a file system every worker sees. A task whose worker dies is retried by Dask; chunks
    are idempotent, so a retry never duplicates rows.
    """

    def __init__(self, address: str, workers: int | None = None):
        """Connect to ``address`` or start a local cluster of ``workers`` single-threaded processes."""
        try:
            from distributed import Client, LocalCluster
        except ImportError as e:  # pragma: no cover - exercised without the extra
            raise RuntimeError(DASK_HINT) from e
        self._cluster = None
        if address == "local":
            n = workers or os.cpu_count() or 1
            self._cluster = LocalCluster(
                n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=40
            )
            self._client = Client(self._cluster)
        else:
            self._client = Client(address)
        self.workers = max(1, sum(self._client.nthreads().values()))

    def imap_unordered(self, fn: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[Any]:
        """Yield results as they complete, keeping at most 2 x workers tasks on the cluster."""
        from distributed import as_completed

        it = iter(tasks)
        limit = 2 * self.workers
        first = [self._client.submit(fn, t, pure=False) for t in _take(it, limit)]
        if not first:
            return
        queue = as_completed(first)
        for future in queue:
            result = future.result()
            future.release()
            for t in _take(it, 1):
                queue.add(self._client.submit(fn, t, pure=False))
            yield result

    def close(self) -> None:
        """Disconnect, and stop the local cluster if this executor started it."""
        self._client.close()
        if self._cluster is not None:
            self._cluster.close()


def _take(it: Iterator[Any], n: int) -> list[Any]:
    out = []
    for _ in range(n):
        try:
            out.append(next(it))
        except StopIteration:
            break
    return out


def make_executor(workers: int | None = None, dask: str | None = None) -> Executor:
    """The executor the command line asks for: Dask if ``dask`` is set, serial for 1 worker, else processes."""
    if dask:
        return DaskExecutor(dask, workers)
    if workers == 1:
        return SerialExecutor()
    return ProcessExecutor(workers)
