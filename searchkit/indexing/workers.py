"""Records -> their analysed fields (:mod:`searchkit.analysis.record`), in worker processes for
large batches.

Parallel analysis (``workers > 1``): a process pool is started *before* the engine takes its write
lock (workers inherit no lock), each worker asks the kernel to kill it when its parent dies (Linux),
records reach them a chunk at a time through their pipes as the caller's stream is read, and
results come back in input order through a bounded window of chunks (``WINDOW_PER_WORKER`` per
worker, whatever the batch size): memory does not grow with the batch, and a build with N
workers is identical to one with 1.
The pool is this module's own: one fresh interpreter per worker (``subprocess``), talking over
its stdin and stdout, chunks handed out in turn, so results come back in input order. A worker
that dies (killed, out of memory) is noticed at once: its pipe ends (EOFError) or its exit code
is set while the parent waits, and the build stops with :class:`WorkerDiedError`; closing the
pool kills every worker, whatever it is doing.
"""

from __future__ import annotations

import contextlib
import io
import os
import pickle
import queue
import select
import signal
import struct
import subprocess
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
        # every record is out: the workers (~130 MB each with the dictionary they map) go now,
        # not after the engine's commit and segment merges, where a million entries peak
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
# a worker is a fresh interpreter running this (its arguments after it name the parent's command
# line, so `ps` shows what a worker works for)
WORKER_CODE = "from searchkit.indexing.workers import serve; serve()"


class WorkerPool:
    """``size`` analysis processes, each a fresh Python interpreter reading tasks (chunks of
    records) on its stdin and writing results on its stdout, one pickled message at a time.
    Fresh, not forked: a forked worker keeps a private copy of every page of the parent's heap
    the parent writes to afterwards (~130 MB each at a million entries, for nothing), and
    multiprocessing's own "spawn" would import the caller's main script again. Tasks are written
    by a feeder thread: a worker reads its next task only after its last result is out, so a
    parent that wrote tasks itself while a worker waited for it to read a result would wait
    forever once both pipes were full."""

    def __init__(self, size: int, config: AnalyzerConfig) -> None:
        self.size = size
        self._procs: list = []
        self._queue: queue.Queue = queue.Queue()
        self._feeder = threading.Thread(target=self._feed, name="searchkit-feeder", daemon=True)
        try:
            with _sigint_blocked():  # the workers inherit the blocked SIGINT from birth
                for _ in range(size):
                    self._procs.append(
                        subprocess.Popen(
                            [sys.executable, "-c", WORKER_CODE, "searchkit analysis worker of:", *_parent_args()],
                            stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE,
                            bufsize=0,  # raw pipes: no read-ahead hides a result from select()
                        )
                    )
            self._feeder.start()
            for w in range(size):  # every worker is up before the engine takes its write lock
                self.send(w, config)
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
                write_message(self._procs[worker].stdin, task)
            except (OSError, ValueError):  # the worker died or the pool is closing
                return

    def receive(self, worker: int):
        """The next result of ``worker``; its exception, raised here; WorkerDiedError if any
        worker died (a worker killed in the middle of a result leaves a message cut short)."""
        out = self._procs[worker].stdout
        while True:
            ready, _, _ = select.select([out], [], [], POLL_SECONDS)
            if ready:
                try:
                    ok, value = read_message(out)
                except (EOFError, OSError) as exc:
                    raise WorkerDiedError(_WORKER_DIED, remedy=RETRY) from exc
                if not ok:
                    raise value  # the worker's own exception (an OSError of its own is not a death)
                return value
            if any(p.poll() is not None for p in self._procs):
                raise WorkerDiedError(_WORKER_DIED, remedy=RETRY)

    def close(self) -> None:
        self._queue.put(None)  # the feeder stops after what it is writing (a killed worker ends that)
        for proc in self._procs:
            if proc.poll() is None:
                proc.kill()
        for proc in self._procs:
            with contextlib.suppress(subprocess.TimeoutExpired):  # one that will not die is the kernel's now
                proc.wait(5)
        if self._feeder.is_alive():
            self._feeder.join(5)
        for proc in self._procs:
            for pipe in (proc.stdin, proc.stdout):
                with contextlib.suppress(OSError):
                    pipe.close()
        self._procs = []


def _parent_args(budget: int = 2000) -> list[str]:
    """The parent's command line, cut to ``budget`` characters (a shell glob can make it long)."""
    out = []
    for arg in sys.argv:
        if budget < len(arg):
            break
        out.append(arg)
        budget -= len(arg)
    return out


_HEADER = struct.Struct("<Q")  # a message: its length, then the pickle


def write_message(raw, obj) -> None:
    """One pickled message on a raw (unbuffered) pipe: its length, then the pickle."""
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    for part in (_HEADER.pack(len(data)), data):
        view = memoryview(part)
        while view:
            view = view[raw.write(view) :]


def read_message(raw):
    """The next message from a raw pipe; EOFError if the pipe ends, also in the middle of one."""
    (size,) = _HEADER.unpack(_read_exactly(raw, _HEADER.size))
    return pickle.loads(_read_exactly(raw, size))


def _read_exactly(raw, n: int) -> bytearray:
    buf = bytearray(n)
    view, got = memoryview(buf), 0
    while got < n:
        k = raw.readinto(view[got:])
        if not k:
            raise EOFError("the pipe ended")
        got += k
    return buf


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
def serve() -> None:
    """A worker's main loop: the first message is the analyser's configuration (answered with
    None: up), every other a chunk of records (answered with their analyses, or the exception);
    the loop ends with the pipe."""
    _die_with_parent()
    tasks, results = io.FileIO(0, "rb", closefd=False), io.FileIO(1, "wb", closefd=False)  # raw pipes
    sys.stdout = sys.stderr  # nothing printed by accident may end up in the results pipe
    analyzer = None
    while True:
        try:
            task = read_message(tasks)
        except (EOFError, OSError):
            return
        try:
            if isinstance(task, AnalyzerConfig):
                analyzer, out = Analyzer(task), (True, None)
            else:
                out = (True, [analyse_record(analyzer, r) for r in task])
        except Exception as exc:  # the parent raises it
            out = (False, exc)
        try:
            write_message(results, out)
        except OSError:
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
