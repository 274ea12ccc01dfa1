"""The index manifest (``manifest.json``): which engine, which versions, which analysis.

searchkit reads the manifest *before* the engine opens anything (Whoosh unpickles its schema),
and refuses an index whose analysis or schema differs from this build's: results would be
silently wrong. The manifest also names the engine's data folder, which makes a rebuild atomic:
the new data is written beside the old and the manifest is switched with one rename.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime, timezone
from pathlib import Path

from ..errors import OTHER_FOLDER, REBUILD, IndexMismatchError, IndexMissingError
from .durable import fsync_path

MANIFEST = "manifest.json"
FORMAT = 1
SCHEMA_VERSION = 6


@dataclass
class Manifest:
    engine: str
    engine_version: str
    searchkit_version: str
    analyzer: dict
    dictionary: dict
    data_dir: str
    options: dict = field(default_factory=dict)  # e.g. {"mine_pairs": true}
    schema_version: int = SCHEMA_VERSION
    format: int = FORMAT
    created: str = field(default_factory=lambda: _now())
    updated: str = field(default_factory=lambda: _now())
    generation: int = 0  # +1 at every commit: long-lived readers and their caches key on it

    def compatible_with(self, analyzer: dict, dictionary: dict) -> str:
        """'' when this build can use the index, else what differs."""
        if self.format != FORMAT or self.schema_version != SCHEMA_VERSION:
            return f"index schema {self.schema_version}, this searchkit uses {SCHEMA_VERSION}"
        if self.analyzer != analyzer:
            return f"analyzer {self.analyzer} differs from this searchkit's {analyzer}"
        if self.dictionary.get("dictionary_version") != dictionary.get("dictionary_version"):
            return (
                f"built with dictionary {self.dictionary.get('dictionary_version')}, "
                f"installed is {dictionary.get('dictionary_version')}"
            )
        return ""


def _now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


def exists(index_dir: Path) -> bool:
    return (index_dir / MANIFEST).is_file()


def read(index_dir: Path) -> Manifest:
    path = index_dir / MANIFEST
    if index_dir.exists() and not index_dir.is_dir():
        raise IndexMissingError(f"{index_dir} is a file, not an index folder", path=index_dir, remedy=OTHER_FOLDER)
    if not index_dir.is_dir():
        raise IndexMissingError(f"no index at {index_dir}")
    if not path.is_file():
        raise IndexMissingError(f"no searchkit index in {index_dir} (no {MANIFEST})")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        known = {f.name for f in fields(Manifest)}
        # keys a later searchkit added are left out; what matters is checked by compatible_with
        return Manifest(**{k: v for k, v in data.items() if k in known})
    except (OSError, ValueError, TypeError) as exc:
        raise IndexMismatchError(
            f"{path} is damaged ({exc.__class__.__name__})", path=index_dir, remedy=REBUILD
        ) from exc


def stamp(index_dir: Path) -> tuple:
    """What changes whenever the manifest is replaced (a new file each time): inode, time, size."""
    try:
        st = (index_dir / MANIFEST).stat()
    except OSError:
        return ()
    return (st.st_ino, st.st_mtime_ns, st.st_size)


def data_dir_on_disk(index_dir: Path) -> str:
    """The data folder the manifest on disk names ('' when there is none or it is unreadable)."""
    try:
        return str(json.loads((index_dir / MANIFEST).read_text(encoding="utf-8")).get("data_dir", ""))
    except (OSError, ValueError, AttributeError):
        return ""


def write(index_dir: Path, manifest: Manifest) -> None:
    """Write atomically and durably: a crash (even of the OS) leaves the old manifest or the new
    one, never half of one; the caller has made the data it names durable first."""
    manifest.updated = _now()
    manifest.generation += 1
    tmp = index_dir / f".{MANIFEST}.tmp"
    data = {"searchkit_note": "written by searchkit; do not edit", **asdict(manifest)}
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    fsync_path(tmp)
    os.replace(tmp, index_dir / MANIFEST)
    fsync_path(index_dir)  # the rename itself
