"""Named exceptions. The library raises these; only cli.py turns them into messages and exit codes."""

from __future__ import annotations


class SearchkitError(Exception):
    """Base class: a problem the user can fix. The message is one line and says what to do next."""


class IngestError(SearchkitError):
    """A file could not be read or parsed (bad encoding, malformed record, unknown format)."""


class IndexMissingError(SearchkitError):
    """There is no searchkit index at the given path."""


class IndexMismatchError(SearchkitError):
    """The index was built by another searchkit/schema/dictionary version and must be rebuilt."""


class IndexLockedError(SearchkitError):
    """Another process is updating the index."""


class QuerySyntaxError(SearchkitError):
    """The query cannot be parsed (unknown field, bad date, unbalanced input)."""


class NotFoundError(SearchkitError):
    """No entry has the requested id."""


class WorkerDiedError(SearchkitError):
    """A worker process of a parallel build died; the build was abandoned, nothing committed."""
