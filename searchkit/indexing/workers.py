"""Records -> their analysed fields (:mod:`searchkit.analysis.record`), in worker processes for
large batches.

Parallel analysis (``workers > 1``): a process pool is started *before* the engine takes its write
lock (workers inherit no lock), each worker asks the kernel to kill it when its parent dies (Linux),
results come back in input order through a bounded window of chunks (``WINDOW_PER_WORKER`` per
worker, whatever the batch size), and so a build with N workers is identical to one with 1.
An engine whose writer is itself slow Python (Whoosh) can instead run its writing in the workers
too (``AnalysisStream.write_in_workers``): each worker analyses and writes one contiguous slice,
so both cores do both jobs and no analysed terms travel between processes.
"""

from __future__ import annotations

import os
import signal
import sys
from collections import deque
from concurrent.futures import ProcessPoolExecutor, wait
from concurrent.futures import TimeoutError as FuturesTimeout
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from typing import Callable, Iterator, TypeVar

from ..analysis.analyzer import Analyzer, AnalyzerConfig
from ..analysis.record import Analysed, analyse_record
from ..errors import RETRY, WorkerDiedError

CHUNK = 128  # records per task sent to a worker
MIN_PARALLEL = 2_000  # below this many records the pool costs more than it saves
WINDOW_PER_WORKER = 4  # chunks in flight per worker: enough to keep workers busy, bounded memory

T = TypeVar("T")


def default_workers() -> int:
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, 8))


def analyse(records: list[dict], analyzer: Analyzer, workers: int | None = None) -> AnalysisStream:
    """``(record, Analysed)`` for every record, in order, as a stream to use in a ``with`` block
    (which stops the worker pool however the block ends). ``workers=None`` uses every core for
    batches of at least MIN_PARALLEL records; ``workers=1`` analyses in this process.

    Call it (it starts the pool) before the engine opens its writer."""
    if workers is None:
        workers = default_workers() if len(records) >= MIN_PARALLEL else 1
    if workers <= 1 or len(records) <= CHUNK:
        return AnalysisStream((rec, analyse_record(analyzer, rec)) for rec in records)
    return _parallel(records, analyzer.config, workers)


class AnalysisStream:
    """An iterator of analysed records that owns the worker pool producing them (if any).

    With a pool, an engine may instead hand the workers its own writing step
    (:meth:`write_in_workers`): each worker then analyses and writes one contiguous slice.
    Use one or the other, once."""

    def __init__(self, items: Iterator[tuple[dict, Analysed]], pool: ProcessPoolExecutor | None = None,
                 workers: int = 1, n_records: int = 0, counter=None) -> None:
        self._items = items
        self._pool = pool
        self._workers = workers
        self._n = n_records
        self._counter = counter  # records analysed by write_in_workers so far (shared memory)

    def __iter__(self) -> Iterator[tuple[dict, Analysed]]:
        return self._items

    @property
    def parallel(self) -> bool:
        """Are the records analysed in worker processes?"""
        return self._pool is not None

    def write_in_workers(self, write: Callable[[Iterator[tuple[dict, Analysed]]], T],
                         progress: Callable[[int], None] | None = None) -> list[T]:
        """Run ``write`` (a picklable function) in every worker on the analysed records of one
        contiguous slice of the records, the slices in input order; return its results in that
        order. ``progress`` hears how many records were analysed, while the workers run."""
        if self._pool is None:
            raise RuntimeError("write_in_workers needs a stream analysed in worker processes")
        k = self._workers
        bounds = [(i * self._n // k, (i + 1) * self._n // k) for i in range(k)]
        pending = [_submit(self._pool, _worker_write, a, b, write) for a, b in bounds if b > a]
        reported = 0
        while not all(f.done() for f in pending):
            wait(pending, timeout=0.25)
            reported = self._report(progress, reported)
        self._report(progress, reported)
        return [_result(f, self._pool) for f in pending]

    def _report(self, progress: Callable[[int], None] | None, reported: int) -> int:
        done = self._counter.value
        if progress and done > reported:
            progress(done - reported)
        return done

    def close(self) -> None:
        """Stop the workers at once (a writer that failed to start, or an error in the middle of
        a batch, must not leave them working)."""
        if self._pool is None:
            return
        pool, self._pool = self._pool, None
        # the executor's internals (stable since 3.8; Python 3.14 adds kill_workers()): its live
        # process table, its thread, and this process's end of the result pipe
        table = getattr(pool, "_processes", None) or {}
        thread = getattr(pool, "_executor_manager_thread", None)
        writer = getattr(getattr(pool, "_result_queue", None), "_writer", None)
        _kill(list(table.values()))  # shutdown() alone would let running tasks finish
        pool.shutdown(wait=False, cancel_futures=True)
        # A worker killed while writing a result leaves the executor's thread waiting for the
        # rest of it (and the interpreter joins that thread at exit): with every worker gone,
        # closing this end of the pipe ends the wait.
        if writer is not None and not writer.closed:
            writer.close()
        if thread is not None:
            thread.join(5)
        _kill(list(table.values()))  # one the executor started meanwhile (CPython issue 90622)

    def __enter__(self) -> AnalysisStream:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _parallel(records: list[dict], config: AnalyzerConfig, workers: int) -> AnalysisStream:
    import multiprocessing as mp

    # fork is cheap and the parent holds no lock yet; elsewhere spawn is the safe default
    ctx = mp.get_context("fork" if sys.platform == "linux" else "spawn")
    counter = ctx.Value("q", 0)
    # the workers get the records once, at start (with fork, without copying them).
    # ProcessPoolExecutor rather than multiprocessing.Pool: when a worker dies (killed, out of
    # memory) Pool silently loses its task and hangs on terminate(); the executor reports it.
    pool = ProcessPoolExecutor(workers, mp_context=ctx, initializer=_worker_init, initargs=(config, records, counter))

    def run() -> Iterator[tuple[dict, Analysed]]:
        pending: deque = deque()
        for start in range(0, len(records), CHUNK):
            # the workers hold the records already: a task is just where its chunk starts
            pending.append((records[start : start + CHUNK], _submit(pool, _worker_analyse, start, start + CHUNK)))
            if len(pending) >= workers * WINDOW_PER_WORKER:
                yield from _drain_one(pool, pending)
        while pending:
            yield from _drain_one(pool, pending)

    stream = AnalysisStream(run(), pool, workers, len(records), counter)
    try:
        with _sigint_blocked():  # the workers inherit the blocked SIGINT from birth
            _result(_submit(pool, int), pool)  # start the workers now, before the engine takes its write lock
    except BaseException:
        stream.close()
        raise
    return stream


def _drain_one(pool: ProcessPoolExecutor, pending: deque) -> Iterator[tuple[dict, Analysed]]:
    chunk, future = pending.popleft()
    yield from zip(chunk, _result(future, pool))


@contextmanager
def _sigint_blocked():
    """Block SIGINT in this thread while it starts the workers, so that they are born with it
    blocked (a child inherits its parent thread's signal mask, and an exec'd one keeps it). Ctrl-C
    in a terminal reaches the whole process group: the parent answers it (one line, and it stops
    the workers); a worker must not die printing its own traceback, not even one interrupted
    before its initializer could run. Blocked, not ignored: a Ctrl-C in that moment waits and then
    reaches the parent."""
    if not hasattr(signal, "pthread_sigmask"):  # Windows
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


_WORKER_DIED = "an analysis worker process died (killed, or out of memory?); nothing was committed"


def _submit(pool: ProcessPoolExecutor, fn, *args):
    try:
        return pool.submit(fn, *args)
    except BrokenProcessPool as exc:
        raise WorkerDiedError(_WORKER_DIED, remedy=RETRY) from exc


def _result(future, pool: ProcessPoolExecutor):
    """The future's result. The executor notices most worker deaths itself (BrokenProcessPool),
    but not one killed in the middle of writing a result: its reader then waits for the rest of
    the message forever. So the wait also looks at the worker processes."""
    while True:
        try:
            return future.result(timeout=0.25)
        except BrokenProcessPool as exc:
            raise WorkerDiedError(_WORKER_DIED, remedy=RETRY) from exc
        except FuturesTimeout:
            if any(p.exitcode is not None for p in _processes(pool)):
                raise WorkerDiedError(_WORKER_DIED, remedy=RETRY) from None


def _kill(processes: list) -> None:
    for proc in processes:
        proc.kill()
    for proc in processes:
        proc.join(5)


def _processes(pool: ProcessPoolExecutor) -> list:
    # the executor's worker processes (private, stable since 3.8; 3.14 adds kill_workers())
    return list((getattr(pool, "_processes", None) or {}).values())


# -- inside a worker process --
_worker_analyzer: Analyzer | None = None  # one per worker process, set by _worker_init
_worker_records: list[dict] = []
_worker_counter = None
COUNT_EVERY = 64  # records between updates of the shared progress counter


def _worker_init(config: AnalyzerConfig, records: list[dict], counter) -> None:
    global _worker_analyzer, _worker_records, _worker_counter
    _die_with_parent()
    _worker_analyzer = Analyzer(config)
    _worker_records = records
    _worker_counter = counter


def _worker_analyse(start: int, end: int) -> list[Analysed]:
    return [analyse_record(_worker_analyzer, rec) for rec in _worker_records[start:end]]


def _worker_write(start: int, end: int, write: Callable):
    def analysed() -> Iterator[tuple[dict, Analysed]]:
        uncounted = 0
        for rec in _worker_records[start:end]:
            yield rec, analyse_record(_worker_analyzer, rec)
            uncounted += 1
            if uncounted == COUNT_EVERY:
                _count(uncounted)
                uncounted = 0
        _count(uncounted)

    return write(analysed())


def _count(n: int) -> None:
    with _worker_counter.get_lock():
        _worker_counter.value += n


def _die_with_parent() -> None:
    """Ask Linux to SIGKILL this worker when its parent dies (a killed `searchkit index` leaves
    no orphans behind); a no-op elsewhere."""
    if sys.platform != "linux":
        return
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        PR_SET_PDEATHSIG = 1
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass
    if os.getppid() == 1:  # the parent died before prctl took effect
        os._exit(1)

