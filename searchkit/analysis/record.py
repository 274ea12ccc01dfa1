"""A record -> what the engines index for it: its analysed fields and stored offsets.

Title and text are analysed once each; the ranking body is the title's terms followed by the
text's (what analysing ``title + "\\n" + text`` gives, because a line break always ends a token),
and the unstemmed words (for spelling suggestions) come from the same pass. Every engine indexes
the same :class:`Analysed` terms.
"""

from __future__ import annotations

from typing import NamedTuple

from .analyzer import Analyzer
from .spans import pack_spans

Terms = tuple[str, ...]  # index terms in order; positions are consecutive (see analyzer.py)


class Analysed(NamedTuple):
    """What the engines index for one record."""

    title: Terms
    text: Terms
    section: Terms
    body: Terms  # title then text (the ranking field)
    words: Terms  # the unstemmed words of title and text
    spans: bytes  # title and text terms with their offsets, stored for highlighting (pack_spans)


def analyse_record(analyzer: Analyzer, rec: dict) -> Analysed:
    title, title_words, offsets = analyzer.index_columns(rec.get("title") or "")
    text, text_words, text_offsets = analyzer.index_columns(rec.get("text") or "")
    offsets.extend(text_offsets)  # offsets count from the start of each term's own field
    body = tuple(title + text)
    section = tuple(analyzer.index_terms(rec["section"])) if rec.get("section") else ()
    return Analysed(
        title=body[: len(title)],
        text=body[len(title) :],
        section=section,
        body=body,
        words=tuple(title_words + text_words),
        spans=pack_spans(body, len(title), offsets),
    )
