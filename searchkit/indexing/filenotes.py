"""What the engine cannot remember about a source file: that a file yielded no entries (an empty
page, a JSONL file of bad lines), and the warnings its last reading gave (bad records), so that
an unchanged file is reported as unchanged, with the same warnings, on every run.

Stored per data folder as ``file-notes.json``: path -> {"hash", "entries", "warnings"}, only for
files with no entries or with warnings. Written before the engine commit; a note is only
trusted for a file the engine holds nothing of (an empty file) or holds at the same hash."""

from __future__ import annotations

import json
from pathlib import Path

from .durable import replace_json

FILE = "file-notes.json"


class FileNotes:
    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            loaded = json.loads(path.read_text(encoding="utf-8"))
            self._notes: dict = loaded if isinstance(loaded, dict) else {}
        except (OSError, ValueError):
            self._notes = {}

    def paths(self) -> list[str]:
        return list(self._notes)

    def empty(self, path: str, digest: str) -> bool:
        """Whether this version of the file was read before and gave no entries."""
        note = self._notes.get(path)
        return bool(note) and note.get("hash") == digest and note.get("entries") == 0

    def warnings(self, path: str, digest: str) -> list[str]:
        note = self._notes.get(path)
        return list(note.get("warnings", [])) if note and note.get("hash") == digest else []

    def record(self, path: str, digest: str, entries: int, warnings: list[str]) -> None:
        if entries and not warnings:
            self._notes.pop(path, None)
        else:
            self._notes[path] = {"hash": digest, "entries": entries, "warnings": list(warnings)}

    def remove(self, path: str) -> None:
        self._notes.pop(path, None)

    def save(self) -> None:
        replace_json(self.path, self._notes)
