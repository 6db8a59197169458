"""The executor seam: one narrow interface, three engines.

``Executor.run(fn, jobs)`` yields ``(job, result)`` as each job finishes, where a failed job's
result is the exception it raised. ``local`` runs the jobs one after another in this process
(it is also the test double); ``processes`` uses ``concurrent.futures.ProcessPoolExecutor``;
``dask`` submits each job as a task to a ``dask.distributed`` cluster (a ``LocalCluster``
of worker processes by default, or the scheduler at the address given). No scheduling is
done here beyond what those libraries do.

Faults: when a process-pool worker dies the pool is broken (``BrokenProcessPool``); the jobs
it had not finished are run again in a new pool, up to ``retries`` times each. On Dask a
killed worker's task is rescheduled by the scheduler and a raising task is retried with
``retries=``.

Known limits: with a remote scheduler every worker needs powerlens installed and the input
and output folders at the same paths (a shared filesystem).
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Protocol, TypeVar

from powerlens.errors import MissingExtraError, UsageError

J = TypeVar("J")
R = TypeVar("R")
ENGINES = ("local", "processes", "dask")
DEFAULT_RETRIES = 2


class Executor(Protocol):
    """Runs a function over jobs and yields each job with its result or exception."""

    name: str
    workers: int

    def run(self, fn: Callable[[J], R], jobs: Sequence[J]) -> Iterator[tuple[J, R | BaseException]]:
        """Yield ``(job, result or exception)`` as jobs finish, in any order."""
        ...

    def close(self) -> None:
        """Release workers and clusters this executor started."""
        ...


class LocalExecutor:
    """One job after another in this process: bounded memory, and the test double."""

    name = "local"
    workers = 1

    def run(self, fn: Callable[[J], R], jobs: Sequence[J]) -> Iterator[tuple[J, R | BaseException]]:
        """Yield each job's result (or exception) in order."""
        for job in jobs:
            try:
                yield job, fn(job)
            except Exception as error:  # noqa: BLE001 - the caller decides what a failure means
                yield job, error

    def close(self) -> None:
        """Nothing to release."""


class ProcessExecutor:
    """A ``ProcessPoolExecutor`` of ``workers`` processes; a broken pool is replaced.

    A worker that dies breaks the whole pool, so the jobs that had started in it are charged
    one attempt each (queued ones are not). A job charged ``retries`` times runs alone in a
    one-process pool, so that a job that kills its worker fails on its own and the jobs that
    only shared its pool finish.
    """

    name = "processes"

    def __init__(self, workers: int, retries: int = DEFAULT_RETRIES) -> None:
        self.workers = workers
        self.retries = retries
        method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else None
        self.context = multiprocessing.get_context(method)

    def run(self, fn: Callable[[J], R], jobs: Sequence[J]) -> Iterator[tuple[J, R | BaseException]]:
        """Yield results as they finish; rerun the unfinished jobs of a pool that broke."""
        pending = dict(enumerate(jobs))
        attempts = dict.fromkeys(pending, 0)
        started = self.context.Array("b", max(len(jobs), 1), lock=False)
        while pending:
            suspects = [i for i in pending if attempts[i] >= self.retries]
            batch = [i for i in pending if attempts[i] < self.retries] or suspects[:1]
            size = self.workers if attempts[batch[0]] < self.retries else 1
            for i in batch:
                started[i] = 0
            pool = ProcessPoolExecutor(
                size, mp_context=self.context, initializer=_remember, initargs=(started,)
            )
            try:
                futures: dict[Future[R], int] = {
                    pool.submit(_tracked, fn, i, pending[i]): i for i in batch
                }
                waiting = set(futures)
                while waiting:
                    done, waiting = wait(waiting, return_when=FIRST_COMPLETED)
                    for future in done:
                        i = futures[future]
                        error = future.exception()
                        if isinstance(error, BrokenProcessPool):
                            attempts[i] += 1 if started[i] else 0
                            if attempts[i] <= self.retries:
                                continue
                        pending.pop(i)
                        yield jobs[i], (future.result() if error is None else error)
            finally:
                pool.shutdown(wait=True, cancel_futures=True)

    def close(self) -> None:
        """Pools are closed after each run."""


_STARTED: Any = None


def _remember(started: Any) -> None:
    """Pool initializer: keep the shared flags that mark which jobs have started."""
    global _STARTED
    _STARTED = started


def _tracked(fn: Callable[[J], R], index: int, job: J) -> R:
    """Mark job ``index`` as started, then run it."""
    if _STARTED is not None:
        _STARTED[index] = 1
    return fn(job)


class DaskExecutor:
    """Jobs as tasks on a ``dask.distributed`` cluster (LocalCluster unless an address is given)."""

    name = "dask"

    def __init__(
        self, workers: int, scheduler: str | None = None, retries: int = DEFAULT_RETRIES
    ) -> None:
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise MissingExtraError("the dask engine", "dask") from None
        self.retries = retries
        self.cluster: Any = None
        if scheduler is None:
            self.cluster = LocalCluster(  # type: ignore[no-untyped-call]
                n_workers=workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
            )
            self.client: Any = Client(self.cluster)  # type: ignore[no-untyped-call]
        else:
            self.client = Client(scheduler)  # type: ignore[no-untyped-call]
        self.workers = (
            workers
            if scheduler is None
            else max(len(self.client.scheduler_info().get("workers", {})), 1)
        )

    def run(self, fn: Callable[[J], R], jobs: Sequence[J]) -> Iterator[tuple[J, R | BaseException]]:
        """Submit every job as a task and yield results as tasks finish."""
        from distributed import as_completed

        futures = {
            self.client.submit(fn, job, pure=False, retries=self.retries): job for job in jobs
        }
        for future in as_completed(futures):  # type: ignore[no-untyped-call]
            job = futures[future]
            if future.status == "finished":
                yield job, future.result()
            else:
                error = future.exception()
                yield job, error if isinstance(error, BaseException) else RuntimeError(str(error))
            future.release()

    def close(self) -> None:
        """Close the client and any cluster this executor started."""
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()


def make_executor(
    engine: str, workers: int | None = None, scheduler: str | None = None
) -> Executor:
    """The executor for ``engine`` (``local``, ``processes`` or ``dask``)."""
    if engine not in ENGINES:
        raise UsageError(f"unknown engine {engine!r}.", fix=f"choose from: {', '.join(ENGINES)}")
    if scheduler is not None and engine != "dask":
        raise UsageError("--scheduler needs the dask engine.", fix="add --engine dask")
    n = workers or multiprocessing.cpu_count()
    if n < 1:
        raise UsageError("--workers must be at least 1.")
    if engine == "local":
        return LocalExecutor()
    if engine == "processes":
        return ProcessExecutor(n)
    return DaskExecutor(n, scheduler)
