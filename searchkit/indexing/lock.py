"""The writer lock of an index folder: one update, rebuild or removal at a time, taken for the whole
update (also one that finds nothing to change, so it cannot report a count another writer is
about to change). An advisory ``flock`` on ``<index>/.searchkit.lock``: the kernel drops it when
the process dies, so a killed writer never leaves a stale lock."""

from __future__ import annotations

import fcntl
import os
from contextlib import contextmanager
from pathlib import Path

from ..errors import IndexLockedError

LOCK_FILE = ".searchkit.lock"
BUSY = "the index is being updated by another process; try again when it has finished"


@contextmanager
def writer_lock(index_dir: Path):
    fd = os.open(index_dir / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise IndexLockedError(BUSY) from None
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock
