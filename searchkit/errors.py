"""Named exceptions with structured fields. The library raises these; only the CLI and the web
layer word them for people (``cli.py`` adds the command that fixes it, the web app names the
fix without a command line).

Each error has ``what`` (one line: what is wrong, naming API parameters, never CLI flags),
``path`` (the file or index concerned, if any) and ``remedy`` (one of :data:`REMEDIES`, or "").
"""

from __future__ import annotations

from pathlib import Path

REBUILD = "rebuild"  # rebuild the index at ``path``
REBUILD_ENGINE = "rebuild-engine"  # rebuild the index at ``path`` with another engine (``detail``)
OTHER_FOLDER = "other-folder"  # give another index folder
RETRY = "retry"  # run the same command again (perhaps with one worker)
SEMANTIC = "semantic"  # (re)compute the vectors of the index at ``path``
TRANSLATE_DOCUMENTS = "translate-documents"  # rebuild the index at ``path`` keeping document translations
REMEDIES = (REBUILD, REBUILD_ENGINE, OTHER_FOLDER, RETRY, SEMANTIC, TRANSLATE_DOCUMENTS)


class SearchkitError(Exception):
    """Base class: a problem the user can fix. ``str()`` is ``what``."""

    def __init__(self, what: str, *, path: str | Path | None = None, remedy: str = "", detail: str = "") -> None:
        super().__init__(what)
        self.what = what
        self.path = str(path) if path is not None else ""
        self.remedy = remedy
        self.detail = detail  # what the remedy needs besides the path (an engine name)


class IngestError(SearchkitError):
    """A file could not be read or parsed (bad encoding, malformed record, unknown format)."""


class IndexMissingError(SearchkitError):
    """There is no searchkit index at the given path."""


class IndexMismatchError(SearchkitError):
    """The index was built by another searchkit/schema/dictionary version, or its files are
    damaged, and must be rebuilt (``remedy`` is :data:`REBUILD`)."""


class IndexLockedError(SearchkitError):
    """Another process is updating the index."""


class QuerySyntaxError(SearchkitError):
    """The query cannot be parsed (unknown field, bad date, unbalanced input)."""


class NotFoundError(SearchkitError):
    """No entry has the requested id."""


class WorkerDiedError(SearchkitError):
    """A worker process of a parallel build died; the build was abandoned, nothing committed."""
