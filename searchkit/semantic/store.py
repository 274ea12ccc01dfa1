"""The vectors of one data folder, kept in step with the engine through crashes.

Files: ``vectors-<n>.npy`` (float16 rows) and ``vectors-<n>.json`` (the model, and per row the
entry id, its file, that file's content hash, and the entry's keyword fields and date, which
filter semantic candidates without a query to the engine). A generation is complete when its ``.json``
exists: it is written last, each file durably and by rename. The newest complete generation is
the one in use.

Why the rows name their file's hash: an update writes its vectors *before* the engine commits,
keeping every row the engine still holds (also of files it is replacing or removing). Whatever
point a crash stops at, the newest generation covers every entry the engine has; rows whose file
hash the engine does not hold (yet, or any more) are stale, skipped when read and dropped by the
next update. A query therefore uses a row only when its hash matches the engine's record.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import SEMANTIC, IndexMismatchError
from ..indexing.durable import fsync_path
from .model import identity

_NAME = re.compile(r"^vectors-(\d+)\.json$")


@dataclass(frozen=True)
class Row:
    id: str
    path: str
    digest: str
    keys: dict  # the entry's keyword fields as the engines index them (engines.base.keyword_fields)
    date: str


class VectorStore:
    """One generation of vectors: ``rows[i]`` describes ``matrix[i]``."""

    def __init__(self, folder: Path, generation: int, info: dict, rows: list[Row], matrix) -> None:
        self.folder = folder
        self.generation = generation
        self.info = info
        self.rows = rows
        self.matrix = matrix  # (len(rows), dim) float16, unit-length rows
        self._by_id: dict[str, list[int]] = {}
        for i, r in enumerate(rows):
            self._by_id.setdefault(r.id, []).append(i)

    # -- reading --
    @classmethod
    def empty(cls, folder: Path):
        import numpy as np

        return cls(folder, -1, identity(), [], np.zeros((0, identity()["dim"]), dtype=np.float16))

    @classmethod
    def latest_generation(cls, folder: Path) -> int:
        found = [int(m.group(1)) for p in folder.glob("vectors-*.json") if (m := _NAME.match(p.name))]
        return max(found, default=-1)

    @classmethod
    def open(cls, folder: Path, index_path: Path):
        """The newest complete generation; an empty store if there is none yet."""
        import numpy as np

        n = cls.latest_generation(folder)
        if n < 0:
            return cls.empty(folder)
        try:
            meta = json.loads((folder / f"vectors-{n}.json").read_text(encoding="utf-8"))
            matrix = np.load(folder / f"vectors-{n}.npy", mmap_mode="r", allow_pickle=False)
            rows = [Row(*r) for r in meta["rows"]]
            info = {k: meta[k] for k in ("model", "version", "dim")}
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise IndexMismatchError(
                f"the vectors of index {index_path} are damaged or missing ({exc.__class__.__name__})",
                path=index_path,
                remedy=SEMANTIC,
            ) from None
        if matrix.ndim != 2 or matrix.shape != (len(rows), info["dim"]):
            raise IndexMismatchError(
                f"the vectors of index {index_path} do not match their rows ({matrix.shape} for {len(rows)} rows)",
                path=index_path,
                remedy=SEMANTIC,
            )
        return cls(folder, n, info, rows, matrix)

    def check_model(self, index_path: Path) -> None:
        """Vectors of another model (or version) are never mixed with this one's."""
        if self.rows and self.info != identity():
            have = f"{self.info.get('model')} {self.info.get('version')}"
            want = f"{identity()['model']} {identity()['version']}"
            raise IndexMismatchError(
                f"index {index_path} has vectors of {have}, the installed model is {want}",
                path=index_path,
                remedy=SEMANTIC,
            )

    def live(self, sources: dict[str, str]) -> list[int]:
        """Rows of entries the engine holds (``sources``: file -> content hash)."""
        return [i for i, r in enumerate(self.rows) if sources.get(r.path) == r.digest]

    def rows_of(self, record_id: str) -> list[int]:
        return self._by_id.get(record_id, [])

    def row_for(self, record: dict) -> int | None:
        """The row of this engine record (same id, file and file hash), if it has one."""
        for i in self.rows_of(record["id"]):
            r = self.rows[i]
            if r.path == record.get("path") and r.digest == record.get("source_hash"):
                return i
        return None

    # -- writing --
    def write_next(self, rows: list[Row], matrix) -> int:
        """A new generation (the next number) holding ``rows``; durable before it returns."""
        import numpy as np

        n = max(self.generation, self.latest_generation(self.folder)) + 1
        base = self.folder / f"vectors-{n}"
        tmp = self.folder / f".vectors-{n}.npy.tmp"
        with tmp.open("wb") as fh:
            np.save(fh, np.asarray(matrix, dtype=np.float16), allow_pickle=False)
        fsync_path(tmp)
        os.replace(tmp, base.with_suffix(".npy"))
        meta = {**identity(), "count": len(rows), "rows": [[r.id, r.path, r.digest, r.keys, r.date] for r in rows]}
        tmp = self.folder / f".vectors-{n}.json.tmp"
        tmp.write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
        fsync_path(tmp)
        os.replace(tmp, base.with_suffix(".json"))
        fsync_path(self.folder)
        return n

    @staticmethod
    def drop_older(folder: Path, keep: int) -> None:
        """Remove every generation but ``keep`` (after the commit that made it current)."""
        for p in list(folder.glob("vectors-*")) + list(folder.glob(".vectors-*")):
            m = re.match(r"^\.?vectors-(\d+)\.", p.name)
            if m and int(m.group(1)) != keep:
                p.unlink(missing_ok=True)
