"""Stored offsets: highlighting a hit reads them instead of analysing its text again."""

from __future__ import annotations

import struct
from array import array

Terms = tuple[str, ...]

_HEADER = struct.Struct("<BII")  # format version, number of title terms, number of terms
SPANS_VERSION = 1


def pack_spans(terms: Terms, n_title: int, offsets: array) -> bytes:
    """``terms`` (title terms then text terms) and their [start, end) offsets into their own field."""
    return _HEADER.pack(SPANS_VERSION, n_title, len(terms)) + offsets.tobytes() + "\0".join(terms).encode("utf-8")


def unpack_spans(blob: bytes) -> dict[str, tuple[list[str], array]] | None:
    """``{"title": (terms, offsets), "text": (terms, offsets)}`` from :func:`pack_spans`, where
    offsets holds start, end pairs; None for a blob of another format."""
    if len(blob) < _HEADER.size:
        return None
    version, n_title, n = _HEADER.unpack_from(blob)
    if version != SPANS_VERSION:
        return None
    offsets = array("I")
    end = _HEADER.size + 8 * n
    offsets.frombytes(blob[_HEADER.size : end])
    terms = blob[end:].decode("utf-8").split("\0") if n else []
    if len(terms) != n:
        return None
    return {"title": (terms[:n_title], offsets[: 2 * n_title]), "text": (terms[n_title:], offsets[2 * n_title :])}
