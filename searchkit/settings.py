"""Settings read from the environment, checked when they are used (a bad value is a clear error,
not a crash at import time)."""

from __future__ import annotations

import os

from .errors import SearchkitError


def env_int(name: str, default: int, minimum: int = 1) -> int:
    """The integer in ``$name`` (``default`` when unset or empty); anything else is an error."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SearchkitError(f"${name} must be a whole number, not {raw!r}") from None
    if value < minimum:
        raise SearchkitError(f"${name} must be at least {minimum}, not {value}")
    return value


def max_query_chars() -> int:
    """Longest query accepted ($SEARCHKIT_MAX_QUERY_CHARS, default 2,000)."""
    return env_int("SEARCHKIT_MAX_QUERY_CHARS", 2000)


def max_file_bytes() -> int:
    """Largest file read ($SEARCHKIT_MAX_FILE_MB, default 64 MB)."""
    return env_int("SEARCHKIT_MAX_FILE_MB", 64) * 1024 * 1024
