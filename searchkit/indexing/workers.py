"""Records -> their analysed fields (:mod:`searchkit.analysis.record`), in worker processes for
large batches.

Parallel analysis (``workers > 1``): a process pool is started *before* the engine takes its write
lock (workers inherit no lock), each worker asks the kernel to kill it when its parent dies (Linux),
results come back in input order through a bounded window of chunks (``WINDOW_PER_WORKER`` per
worker, whatever the batch size), and so a build with N workers is identical to one with 1.
The pool is this module's own, on public ``multiprocessing`` primitives: one process and one
pipe per worker, chunks handed out in turn, so results come back in input order. A worker that
dies (killed, out of memory) is noticed at once: its pipe ends (EOFError) or its exit code is
set while the parent waits, and the build stops with :class:`WorkerDiedError`; closing the pool
kills every worker, whatever it is doing.
"""

from __future__ import annotations

import os
import signal
import sys
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager

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


def analyse(records: list[dict], analyzer: Analyzer, workers: int | None = None) -> AnalysisStream:
    """``(record, Analysed)`` for every record, in order, as a stream to use in a ``with`` block
    (which stops the worker pool however the block ends). ``workers=None`` uses every core for
    batches of at least MIN_PARALLEL records; ``workers=1`` analyses in this process.

    Call it (it starts the pool) before the engine opens its writer."""
    if workers is None:
        workers = default_workers() if len(records) >= MIN_PARALLEL else 1
    if workers <= 1 or len(records) <= CHUNK:
        return AnalysisStream((rec, analyse_record(analyzer, rec)) for rec in records)
    pool = WorkerPool(workers, analyzer.config, records)
    return AnalysisStream(_in_order(records, pool), pool)


class AnalysisStream:
    """An iterator of analysed records that owns the worker pool producing them (if any)."""

    def __init__(self, items: Iterator[tuple[dict, Analysed]], pool: WorkerPool | None = None) -> None:
        self._items = items
        self._pool = pool

    def __iter__(self) -> Iterator[tuple[dict, Analysed]]:
        return self._items

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


def _in_order(records: list[dict], pool: WorkerPool) -> Iterator[tuple[dict, Analysed]]:
    """Chunk k goes to worker k mod n; at most WINDOW_PER_WORKER chunks wait per worker."""
    pending: deque = deque()
    starts = range(0, len(records), CHUNK)
    for k, start in enumerate(starts):
        pool.send(k % pool.size, (start, start + CHUNK))
        pending.append((k % pool.size, records[start : start + CHUNK]))
        if len(pending) >= pool.size * WINDOW_PER_WORKER:
            worker, chunk = pending.popleft()
            yield from zip(chunk, pool.receive(worker))
    while pending:
        worker, chunk = pending.popleft()
        yield from zip(chunk, pool.receive(worker))


_WORKER_DIED = "an analysis worker process died (killed, or out of memory?); nothing was committed"
POLL_SECONDS = 0.25  # how often a wait for a result looks whether every worker still lives


class WorkerPool:
    """``size`` analysis processes, each with its own pipe. The records reach them once, at
    start (with fork, without copying); a task is a slice ``(start, end)`` of them."""

    def __init__(self, size: int, config: AnalyzerConfig, records: list[dict]) -> None:
        import multiprocessing as mp

        # fork is cheap and the parent holds no lock yet; elsewhere spawn is the safe default
        ctx = mp.get_context("fork" if sys.platform == "linux" else "spawn")
        self.size = size
        self._procs, self._conns = [], []
        try:
            with _sigint_blocked():  # the workers inherit the blocked SIGINT from birth
                for _ in range(size):
                    mine, theirs = ctx.Pipe()
                    proc = ctx.Process(target=_worker_main, args=(theirs, config, records), daemon=True)
                    proc.start()
                    theirs.close()  # only the worker holds its end: its death ends the pipe
                    self._procs.append(proc)
                    self._conns.append(mine)
            for w in range(size):  # every worker is up before the engine takes its write lock
                self.send(w, None)
                self.receive(w)
        except BaseException:
            self.close()
            raise

    def send(self, worker: int, task) -> None:
        try:
            self._conns[worker].send(task)
        except (BrokenPipeError, ConnectionResetError, EOFError) as exc:
            raise WorkerDiedError(_WORKER_DIED, remedy=RETRY) from exc

    def receive(self, worker: int):
        """The next result of ``worker``; its exception, raised here; WorkerDiedError if any
        worker died (a worker killed in the middle of a result leaves no half message waiting)."""
        conn = self._conns[worker]
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
        for proc in self._procs:
            if proc.exitcode is None:
                proc.kill()
        for proc in self._procs:
            proc.join(5)
        for conn in self._conns:
            conn.close()
        self._procs, self._conns = [], []


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
def _worker_main(conn, config: AnalyzerConfig, records: list[dict]) -> None:
    """Answer tasks until the pipe closes: None (are you up?) or a slice of the records."""
    _die_with_parent()
    analyzer = Analyzer(config)
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return
        try:
            out = (
                (True, None)
                if task is None
                else (True, [analyse_record(analyzer, r) for r in records[task[0] : task[1]]])
            )
        except Exception as exc:  # the parent raises it
            out = (False, exc)
        try:
            conn.send(out)
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
