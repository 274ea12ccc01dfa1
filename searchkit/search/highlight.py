"""Highlights and snippets from searchkit's own term offsets (the same analysis as the index).

Single query terms are marked wherever they occur; a phrase is marked only where it occurs
whole, as one span from its first to its last word (so "報酬関数の改ざん" includes its の).
Every span is ``[start, end)`` into the stored field text.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..analysis.analyzer import Analyzer
from ..analysis.spans import unpack_spans
from ..analysis.unicode import detect_lang
from ..models import Span
from ..query.highlight import Highlight

SNIPPET_CHARS = {"ja": 110, "en": 220}  # about two lines of a terminal in either script
_SENTENCE_STARTS = "。．.!?！？\n"


def match_spans(terms: Sequence[str], offsets: Sequence[int], want: Highlight, field: str) -> list[Span]:
    """Spans of ``want``'s terms and phrases among ``terms``, whose [start, end) offsets are
    ``offsets[2 * i]``, ``offsets[2 * i + 1]``."""
    spans: list[Span] = []
    for word in want.terms:
        spans.extend(Span(field, offsets[2 * i], offsets[2 * i + 1], word) for i in _positions(terms, word))
    for phrase in want.phrases:
        k = len(phrase)
        for i in _positions(terms, phrase[0]):
            if i + k <= len(terms) and all(terms[i + j] == phrase[j] for j in range(1, k)):
                spans.append(Span(field, offsets[2 * i], offsets[2 * (i + k - 1) + 1], " ".join(phrase)))
    return _merge(spans)


def _positions(terms: Sequence[str], word: str):
    """Every index of ``word`` in ``terms`` (list.index scans in C: a hit has a few hundred terms
    and a query a few words)."""
    i = -1
    while True:
        try:
            i = terms.index(word, i + 1)
        except ValueError:
            return
        yield i


def _merge(spans: list[Span]) -> list[Span]:
    """Sort and merge overlapping spans (a phrase swallows the single terms inside it)."""
    out: list[Span] = []
    for sp in sorted(spans, key=lambda s: (s.start, -s.end)):
        if out and sp.start < out[-1].end:
            last = out[-1]
            if sp.end > last.end:
                out[-1] = Span(last.field, last.start, sp.end, last.term)
            continue
        out.append(sp)
    return out


def highlight_field(analyzer: Analyzer, text: str, want: Highlight, field: str) -> list[Span]:
    if not text or (not want.terms and not want.phrases):
        return []
    terms = analyzer.analyze(text)
    return match_spans([t.text for t in terms], [x for t in terms for x in (t.start, t.end)], want, field)


def highlight_record(analyzer: Analyzer, record: dict, want: Highlight) -> list[Span]:
    """Spans in the record's title and text: from the offsets stored at indexing time when the
    engine returned them (``_spans``), else by analysing the text again (same terms either way)."""
    if not want.terms and not want.phrases:
        return []
    stored = unpack_spans(record["_spans"]) if record.get("_spans") else None
    if stored is None:
        return highlight_field(analyzer, record.get("title", ""), want, "title") + highlight_field(
            analyzer, record.get("text", ""), want, "text"
        )
    return [sp for field in ("title", "text") for sp in match_spans(*stored[field], want, field)]


def snippet(
    text: str, spans: list[Span], lang: str = "", analyzer: Analyzer | None = None
) -> tuple[str, list[tuple[int, int]]]:
    """The window of ``text`` with the most highlighted spans, and those spans relative to it.

    The window starts at a sentence start when one is close before the first span, and is
    marked with "…" where it cuts the text. With ``analyzer``, a cut falls between words, and in
    Japanese between morphemes (the analyzer's own tokens around the cut).
    """
    width = SNIPPET_CHARS.get(lang or detect_lang(text), 220)
    if len(text) <= width:
        return text, [(s.start, s.end) for s in spans]
    best_i, best_n = 0, 0
    for i, sp in enumerate(spans):
        n = sum(1 for other in spans[i:] if other.end <= sp.start + width)
        if n > best_n:
            best_i, best_n = i, n
    if spans:
        first = spans[best_i].start
        lead = width // 4
        start = max(0, first - lead)
        # prefer to begin at a sentence boundary between start and the first span
        for j in range(first - 1, start - 1, -1):
            if text[j] in _SENTENCE_STARTS:
                start = j + 1
                break
        while start < first and text[start].isspace():
            start += 1
    else:
        start = 0
    if analyzer is not None and start > 0:
        start = _word_boundary(text, start, analyzer, spans[best_i].start if spans else start)
        while start < len(text) and text[start].isspace():
            start += 1
    end = min(len(text), start + width)
    if end < len(text) and not _is_cjk_boundary(text, end):
        space = text.rfind(" ", start + width // 2, end)
        if space > 0:
            end = space
    if analyzer is not None and end < len(text):
        need = max([s.end for s in spans if s.start >= start and s.end <= end] + [start + 1])
        snapped = _word_boundary(text, end, analyzer, end)
        end = snapped if snapped >= need else end
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(text) else ""
    rel = [
        (s.start - start + len(prefix), s.end - start + len(prefix)) for s in spans if s.start >= start and s.end <= end
    ]
    return prefix + text[start:end] + suffix, rel


_AROUND = 16  # characters analysed on each side of a cut to find the word boundary before it


def _word_boundary(text: str, i: int, analyzer: Analyzer, limit: int) -> int:
    """The last word or morpheme boundary at or before ``i`` (not past ``limit``), from the
    analyzer's tokens of the text around ``i``; ``i`` itself when none is near."""
    lo = max(0, i - _AROUND)
    piece = text[lo : min(len(text), i + _AROUND)]
    bounds = {lo + x for t in analyzer.analyze(piece) for x in (t.start, t.end)}
    bounds |= {lo + k for k, c in enumerate(piece) if not c.isalnum()} | {
        lo + k + 1 for k, c in enumerate(piece) if not c.isalnum()
    }
    if lo > 0:  # the piece's own first token may be a fragment: its start is not a boundary
        bounds.discard(lo)
    before = [b for b in bounds if b <= min(i, limit)]
    return max(before) if before else i


def _is_cjk_boundary(text: str, i: int) -> bool:
    """Japanese has no spaces: any character boundary is an acceptable cut."""
    return ord(text[i - 1]) > 0x2E80
