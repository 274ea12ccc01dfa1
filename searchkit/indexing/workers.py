"""Records -> their analysed fields (:mod:`searchkit.analysis.record`), in worker processes for
large batches.

Parallel analysis (``workers > 1``): a process pool is started *before* the engine takes its write
lock (workers inherit no lock), each worker asks the kernel to kill it when its parent dies (Linux),
records reach them a chunk at a time through their pipes as the caller's stream is read, and
results come back in input order through a bounded window of chunks (``WINDOW_PER_WORKER`` per
worker, whatever the batch size): memory does not grow with the batch, and a build with N
workers is identical to one with 1.
The pool is this module's own, on public ``multiprocessing`` primitives: one process and one
pipe per worker, chunks handed out in turn, so results come back in input order. A worker that
dies (killed, out of memory) is noticed at once: its pipe ends (EOFError) or its exit code is
set while the parent waits, and the build stops with :class:`WorkerDiedError`; closing the pool
kills every worker, whatever it is doing.
"""

from __future__ import annotations

import os
import queue
import signal
import sys
import threading
from collections import deque
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from itertools import islice

from ..analysis.analyzer import Analyzer, AnalyzerConfig
from ..analysis.record import Analysed, analyse_record
from ..errors import RETRY, WorkerDiedError

CHUNK = 128  # records per task sent to a worker
MIN_PARALLEL = 2_000  # below this many records the pool costs more than it saves
WINDOW_PER_WORKER = 4  # chunks in flight per worker: enough to keep workers busy, bounded memory


def default_workers() -> int:
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, 8))


def analyse(
    records: Iterable[dict], analyzer: Analyzer, workers: int | None = None, count: int | None = None
) -> AnalysisStream:
    """``(record, Analysed)`` for every record, in order, as a stream to use in a ``with`` block
    (which stops the worker pool however the block ends). ``records`` may be a generator: it
    is read as the stream is, a chunk at a time, so memory stays bounded however many there are.
    ``workers=None`` uses every core when ``count`` (how many records there will be) is at
    least MIN_PARALLEL; ``workers=1`` analyses in this process.

    Call it (it starts the pool) before the engine opens its writer."""
    if workers is None:
        workers = default_workers() if (count or 0) >= MIN_PARALLEL else 1
    if workers <= 1 or (count is not None and count <= CHUNK):
        return AnalysisStream((rec, analyse_record(analyzer, rec)) for rec in records)
    pool = WorkerPool(workers, analyzer.config)
    return AnalysisStream(_in_order(iter(records), pool), pool)


class AnalysisStream:
    """An iterator of analysed records that owns the worker pool producing them (if any)."""

    def __init__(self, items: Iterator[tuple[dict, Analysed]], pool: WorkerPool | None = None) -> None:
        self._items = items
        self._pool = pool

    def __iter__(self) -> Iterator[tuple[dict, Analysed]]:
        yield from self._items
        # every record is out: the workers (each ~200 MB with its dictionaries) go now, not
        # after the engine's commit and segment merges, where a million entries peak
        self.close()

    def close(self) -> None:
        """Stop the workers at once (a writer that failed to start, or an error in the middle of
        a batch, must not leave them working)."""
        if self._pool is not None:
            pool, self._pool = self._pool, None
            pool.close()

    def __enter__(self) -> AnalysisStream:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _in_order(records: Iterator[dict], pool: WorkerPool) -> Iterator[tuple[dict, Analysed]]:
    """Chunk k goes to worker k mod n; at most WINDOW_PER_WORKER chunks wait per worker."""
    pending: deque = deque()
    k = 0
    while chunk := list(islice(records, CHUNK)):
        pool.send(k % pool.size, chunk)
        pending.append((k % pool.size, chunk))
        k += 1
        if len(pending) >= pool.size * WINDOW_PER_WORKER:
            worker, sent = pending.popleft()
            yield from zip(sent, pool.receive(worker))
    while pending:
        worker, sent = pending.popleft()
        yield from zip(sent, pool.receive(worker))


_WORKER_DIED = "an analysis worker process died (killed, or out of memory?); nothing was committed"
POLL_SECONDS = 0.25  # how often a wait for a result looks whether every worker still lives


class WorkerPool:
    """``size`` analysis processes, each with a pipe for its tasks (chunks of records) and one
    for its results. Tasks are written by a feeder thread: a worker reads its next task only
    after its last result is out, so a parent that wrote tasks itself while a worker waited
    for it to read a result would wait forever once both pipes were full."""

    def __init__(self, size: int, config: AnalyzerConfig) -> None:
        import multiprocessing as mp

        # fork is cheap and the parent holds no lock yet; elsewhere spawn is the safe default
        ctx = mp.get_context("fork" if sys.platform == "linux" else "spawn")
        self.size = size
        self._procs, self._tasks, self._results = [], [], []
        self._queue: queue.Queue = queue.Queue()
        self._feeder = threading.Thread(target=self._feed, name="searchkit-feeder", daemon=True)
        try:
            with _sigint_blocked():  # the workers inherit the blocked SIGINT from birth
                for _ in range(size):
                    task_in, task_out = ctx.Pipe(duplex=False)
                    result_in, result_out = ctx.Pipe(duplex=False)
                    proc = ctx.Process(target=_worker_main, args=(task_in, result_out, config), daemon=True)
                    proc.start()
                    task_in.close()  # only the worker holds these ends: its death ends the pipes
                    result_out.close()
                    self._procs.append(proc)
                    self._tasks.append(task_out)
                    self._results.append(result_in)
            self._feeder.start()
            for w in range(size):  # every worker is up before the engine takes its write lock
                self.send(w, None)
                self.receive(w)
        except BaseException:
            self.close()
            raise

    def send(self, worker: int, task) -> None:
        """Queue ``task`` for ``worker`` (the feeder writes it; a dead worker is noticed by
        :meth:`receive`)."""
        self._queue.put((worker, task))

    def _feed(self) -> None:
        while (item := self._queue.get()) is not None:
            worker, task = item
            try:
                self._tasks[worker].send(task)
            except (OSError, EOFError, ValueError):  # the worker died or the pool is closing
                return

    def receive(self, worker: int):
        """The next result of ``worker``; its exception, raised here; WorkerDiedError if any
        worker died (a worker killed in the middle of a result leaves no half message waiting)."""
        conn = self._results[worker]
        while True:
            try:
                ready = conn.poll(POLL_SECONDS)
                ok, value = conn.recv() if ready else (True, None)
            except (EOFError, OSError) as exc:
                raise WorkerDiedError(_WORKER_DIED, remedy=RETRY) from exc
            if not ok:
                raise value  # the worker's own exception (an OSError of its own is not a death)
            if ready:
                return value
            if any(p.exitcode is not None for p in self._procs):
                raise WorkerDiedError(_WORKER_DIED, remedy=RETRY)

    def close(self) -> None:
        self._queue.put(None)  # the feeder stops after what it is writing (a killed worker ends that)
        for proc in self._procs:
            if proc.exitcode is None:
                proc.kill()
        for proc in self._procs:
            proc.join(5)
        if self._feeder.is_alive():
            self._feeder.join(5)
        for conn in self._tasks + self._results:
            conn.close()
        self._procs, self._tasks, self._results = [], [], []


@contextmanager
def _sigint_blocked():
    """Block SIGINT in this thread while it starts the workers, so that they are born with it
    blocked (a child inherits its parent thread's signal mask, and an exec'd one keeps it). Ctrl-C
    in a terminal reaches the whole process group: the parent answers it (one line, and it stops
    the workers); a worker must not die printing its own traceback, not even one interrupted
    before it could set itself up. Blocked, not ignored: a Ctrl-C in that moment waits and then
    reaches the parent."""
    if not hasattr(signal, "pthread_sigmask"):  # Windows
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


# -- inside a worker process --
def _worker_main(tasks, results, config: AnalyzerConfig) -> None:
    """Answer tasks until the pipe closes: None (are you up?) or a chunk of records."""
    _die_with_parent()
    analyzer = Analyzer(config)
    while True:
        try:
            task = tasks.recv()
        except (EOFError, OSError):
            return
        try:
            out = (True, None) if task is None else (True, [analyse_record(analyzer, r) for r in task])
        except Exception as exc:  # the parent raises it
            out = (False, exc)
        try:
            results.send(out)
        except (BrokenPipeError, OSError):
            return


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
        sys.exit(1)
