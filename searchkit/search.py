"""Run a query against an index: compile, filter, execute through the engine, build Hits."""

from __future__ import annotations

from dataclasses import dataclass

from .errors import QuerySyntaxError
from .highlight import highlight_field, snippet
from .models import KINDS, Hit
from .query import CompiledQuery, QueryCompiler, parse_date_option
from .querytree import Filters, Highlight

MAX_LIMIT = 10_000
LANGS = ("ja", "en", "und")


@dataclass(frozen=True)
class SearchResult:
    query: str
    total: int
    hits: list[Hit]

    def to_dict(self) -> dict:
        return {"query": self.query, "total": self.total, "hits": [h.to_dict() for h in self.hits]}


def make_filters(lang: str = "", kind: str = "", category: str = "", since: str = "", until: str = "", doc: str = "") -> Filters:
    """Validate user-facing filter options (CLI flags, API keywords) into :class:`Filters`."""
    if kind and kind not in KINDS:
        raise QuerySyntaxError(f"unknown kind {kind!r}: use one of {', '.join(KINDS)}")
    if lang and lang not in LANGS:
        raise QuerySyntaxError(f"unknown language {lang!r}: use one of {', '.join(LANGS)}")
    lo = parse_date_option(since) if since else ""
    hi = parse_date_option(until, end=True) if until else ""
    if lo and hi and lo > hi:
        raise QuerySyntaxError(f"--since {since} is after --until {until}")
    return Filters(lang=lang, kind=kind, category=category, since=lo, until=hi, doc=doc)


def record_to_hit(index, record: dict, score: float, want: Highlight | None) -> Hit:
    """A stored record -> :class:`Hit`, highlighted for ``want`` with searchkit's own offsets."""
    title, text = record.get("title", ""), record.get("text", "")
    lang = record.get("lang", "")
    spans = []
    if want is not None:
        spans = highlight_field(index.analyzer, title, want, "title") + highlight_field(index.analyzer, text, want, "text")
    text_spans = [s for s in spans if s.field == "text"]
    if text or not title:
        snip, rel = snippet(text, text_spans, lang)
    else:
        snip, rel = snippet(title, [s for s in spans if s.field == "title"], lang)
    return Hit(
        id=record["id"],
        kind=record.get("kind", ""),
        lang=lang,
        score=round(score, 4),
        title=title,
        text=text,
        section=record.get("section", ""),
        date=record.get("date", ""),
        category=record.get("category", ""),
        doc=record.get("doc", ""),
        url=record.get("url", ""),
        source={"path": record.get("path", ""), "line": record.get("line", 0)},
        snippet=snip,
        snippet_spans=tuple(rel),
        highlights=tuple(spans),
    )


def run(index, text: str, filters: Filters, limit: int = 10, offset: int = 0, require_all: bool = False) -> SearchResult:
    if not 0 <= limit <= MAX_LIMIT:
        raise QuerySyntaxError(f"--limit must be between 0 and {MAX_LIMIT}")
    if offset < 0:
        raise QuerySyntaxError("--offset must not be negative")
    compiled: CompiledQuery = QueryCompiler(index.analyzer, index.ranking, require_all).compile(text)
    if compiled.empty:
        if text.strip():  # only stop words or punctuation: match nothing rather than everything
            return SearchResult(text, 0, [])
        if not _has_filters(filters):
            raise QuerySyntaxError("empty query: give words to search for, or a filter such as --kind paper")
    page = index.engine.search(compiled.tree, filters.clauses(), limit=limit, offset=offset)
    hits = [record_to_hit(index, h.record, h.score, compiled.highlight) for h in page.hits]
    return SearchResult(text, page.total, hits)


def _has_filters(f: Filters) -> bool:
    return bool(f.lang or f.kind or f.category or f.since or f.until or f.doc)
