"""Making a commit durable before it becomes visible (the order Lucene and SQLite keep): every
file of the new data and its folders are fsynced, then the manifest is written, fsynced and
renamed into place, then the index folder is fsynced; only after that may old data go."""

from __future__ import annotations

import json
import os
from pathlib import Path


def fsync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def sync_tree(folder: Path) -> None:
    """fsync every file under ``folder``, then each folder (a new file's name lives in its folder)."""
    for dirpath, _dirs, files in os.walk(folder, topdown=False):
        for name in files:
            fsync_path(Path(dirpath, name))
        fsync_path(Path(dirpath))


def replace_json(path: Path, data: object) -> None:
    """Write ``data`` as JSON to ``path`` by a rename: readers see the old file or the new one.
    (Files of a data folder are fsynced together by :func:`sync_tree` before their commit.)"""
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, path)
