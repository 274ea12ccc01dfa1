"""Source files -> :class:`~searchkit.models.Document`. One module per format; no engine, no fugashi.

``discover`` walks the given paths (folders recursively) and ``ingest_file`` parses one file with
the parser its suffix selects.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ..errors import IngestError
from ..models import Document
from . import jsonl, markdown, textpage
from .common import read_text
from .ignore import IGNORE_FILES, IgnoreRules

PARSERS = {
    ".txt": textpage.parse,
    ".md": markdown.parse,
    ".markdown": markdown.parse,
    ".jsonl": jsonl.parse,
}


@dataclass(frozen=True)
class SourceFile:
    path: Path  # absolute, resolved
    doc_id: str  # path relative to the root it was found under, without suffix, "/"-separated


@dataclass(frozen=True)
class Discovery:
    files: list[SourceFile]
    skipped: list[str]  # one-line reasons for files that could not be read (a problem)
    ignored: list[str]  # files searchkit does not read by design: other types, hidden names


def discover(paths: list[Path], exclude: tuple[str, ...] = ()) -> Discovery:
    """Every ingestible file under ``paths``. Files of other types and hidden files and folders
    (names starting with '.') under a folder are ``ignored`` (not a problem); unreadable entries,
    broken or escaping symlinks are ``skipped`` with their reason. Under a folder, files matched
    by ``.gitignore``/``.searchkitignore`` files or by the ``exclude`` patterns (git's syntax,
    relative to the folder) are left out silently (:mod:`searchkit.ingest.ignore`)."""
    files: list[SourceFile] = []
    skipped: list[str] = []
    ignored: list[str] = []
    seen: set[Path] = set()
    for given in paths:
        given = Path(given)
        if not given.exists():
            raise IngestError(f"{given}: no such file or directory")
        root = given.resolve()
        if root.is_file():
            candidates = [root]
            base = root.parent
        else:
            candidates = sorted(_walk(root, skipped, ignored, IgnoreRules(root, tuple(exclude))))
            base = root
        for p in candidates:
            if p in seen:
                continue
            seen.add(p)
            if p.suffix.lower() not in PARSERS:
                ignored.append(f"{p}: not read, not a .txt, .md or .jsonl file")
                continue
            if p.is_symlink():
                reason = _link_problem(p, base)
                if reason:
                    skipped.append(f"{p}: skipped, {reason}")
                    continue
            rel = p.relative_to(base).with_suffix("").as_posix()
            files.append(SourceFile(p, rel))
    return Discovery(files, skipped, ignored)


def _link_problem(link: Path, root: Path) -> str:
    """Why a symlinked file is not read: a loop, a dangling link, or a target outside ``root``
    (ingest never reads outside the paths it was given)."""
    try:
        target = link.resolve(strict=True)
    except RuntimeError:
        return "symlink loop"
    except OSError as exc:
        return f"broken symlink ({exc.strerror or exc})"
    if root not in target.parents:
        return f"symlink points outside {root}"
    return ""


def _walk(root: Path, skipped: list[str], ignored: list[str], rules: IgnoreRules):
    # os.walk does not follow directory symlinks, so a symlink loop cannot trap it
    def onerror(err: OSError) -> None:
        skipped.append(f"{err.filename}: skipped, {err.strerror or err}")

    for dirpath, dirnames, filenames in os.walk(root, onerror=onerror):
        rules.enter(Path(dirpath))
        hidden = sorted(d for d in dirnames if d.startswith("."))
        ignored.extend(f"{Path(dirpath, d)}{os.sep}: not read, hidden folder" for d in hidden)
        dirnames[:] = sorted(
            d for d in dirnames if not d.startswith(".") and not rules.ignored(Path(dirpath, d), is_dir=True)
        )
        for name in filenames:
            if name in IGNORE_FILES:
                continue
            if name.startswith("."):
                ignored.append(f"{Path(dirpath, name)}: not read, hidden file")
            elif not rules.ignored(Path(dirpath, name)):
                yield Path(dirpath, name)


def ingest_file(source: SourceFile, data: bytes | None = None) -> Document:
    """Parse one file. Raises :class:`IngestError` with a one-line reason naming the file."""
    parser = PARSERS.get(source.path.suffix.lower())
    if parser is None:
        raise IngestError(f"{source.path}: unknown file type")
    text = read_text(source.path, data)
    try:
        return parser(text, str(source.path), source.doc_id)
    except IngestError:
        raise
    except (ValueError, TypeError, KeyError) as exc:
        raise IngestError(f"{source.path}: cannot parse ({exc})") from exc


def ingest_text(text: str, fmt: str = ".txt", path: str = "<text>", doc_id: str = "text") -> Document:
    """Parse text that is already in memory (notebooks, tests)."""
    return PARSERS[fmt](text, path, doc_id)
