"""Vectors for an update: which entries to embed, and the next generation of the store.

Runs before the engine commits (see :mod:`searchkit.semantic.store` for why that order is safe).
Only new and changed entries are embedded, plus any entry the engine holds without a live vector
(vectors just switched on, or repaired after a crash between the two commits).
"""

from __future__ import annotations

from collections.abc import Callable

from ..engines.base import keyword_fields
from .store import Row, VectorStore


def entry_text(record: dict) -> str:
    """What an entry's vector is computed from: its title and its text."""
    title, text = record.get("title", ""), record.get("text", "")
    return f"{title}\n{text}" if title and text else title or text


def plan(store: VectorStore, sources: dict[str, str], records: list[dict], engine, replacing: set[str]):
    """(rows to keep, records to embed). ``sources``: the engine's files before this update;
    ``records``: the update's new records; ``replacing``: files whose old entries go."""
    keep = store.live(sources)
    todo = list(records)
    if len(keep) < engine.count():
        have = {(store.rows[i].id, store.rows[i].path) for i in keep}
        todo += [
            r
            for r in engine.scan([])
            if (r["id"], r.get("path", "")) not in have and r.get("path", "") not in replacing
        ]
    return keep, todo


def row(record: dict) -> Row:
    keys = {k: v for k, v in keyword_fields(record).items() if k not in ("source_key", "path")}
    return Row(record["id"], record.get("path", ""), record.get("source_hash", ""), keys, record.get("date", ""))


def write(store: VectorStore, keep: list[int], todo: list[dict], embedder, progress: Callable[[int], None] | None):
    """Embed ``todo`` and write the next generation: the kept rows, then the new ones."""
    import numpy as np

    vectors = embedder.passages([entry_text(r) for r in todo], progress)
    rows = [store.rows[i] for i in keep] + [row(r) for r in todo]
    old = np.asarray(store.matrix[keep], dtype=np.float16) if keep else np.zeros((0, vectors.shape[1]), np.float16)
    return store.write_next(rows, np.vstack([old, vectors.astype(np.float16)]))
