"""Run a query against an index: compile, filter, execute through the engine, build Hits."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from ..engines.base import SearchPage
from ..errors import QuerySyntaxError
from ..models import KINDS, LANGS, Hit
from ..query.compile import CompiledQuery, QueryCompiler, parse_date_option
from ..query.filters import Filters
from ..query.highlight import Highlight
from .explain import explain_hit
from .highlight import highlight_record, snippet
from .options import MAX_LIMIT, check_range, window
from .searchable import Searchable

FACETS = ("kind", "lang", "year", "category")  # what --facets counts
SORTS = ("score", "date", "-date")  # relevance; oldest first; newest first (undated entries last)


@dataclass(frozen=True)
class SearchResult:
    query: str
    total: int
    hits: list[Hit]
    explain: dict | None = None  # the expanded query and every translation, when asked for
    suggestion: str | None = None  # did-you-mean, when the query found (almost) nothing
    facets: dict | None = None  # field -> value -> number of matching entries, when asked for

    def to_dict(self) -> dict:
        out = {
            "query": self.query,
            "total": self.total,
            "suggestion": self.suggestion,
            "hits": [h.to_dict() for h in self.hits],
        }
        if self.explain is not None:
            out["explain"] = self.explain
        if self.facets is not None:
            out["facets"] = self.facets
        return out


def make_filters(
    lang: str = "", kind: str = "", category: str = "", since: str = "", until: str = "", doc: str = ""
) -> Filters:
    """Validate user-facing filter options (CLI flags, API keywords) into :class:`Filters`."""
    if kind and kind not in KINDS:
        raise QuerySyntaxError(f"unknown kind {kind!r}: use one of {', '.join(KINDS)}")
    if lang and lang not in LANGS:
        raise QuerySyntaxError(f"unknown language {lang!r}: use one of {', '.join(LANGS)}")
    lo = parse_date_option(since) if since else ""
    hi = parse_date_option(until, end=True) if until else ""
    if lo and hi and lo > hi:
        raise QuerySyntaxError(f"since {since} is after until {until}")
    return Filters(lang=lang, kind=kind, category=category, since=lo, until=hi, doc=doc)


def record_to_hit(index: Searchable, record: dict, score: float, want: Highlight | None) -> Hit:
    """A stored record -> :class:`Hit`, highlighted for ``want`` with searchkit's own offsets."""
    title, text = record.get("title", ""), record.get("text", "")
    lang = record.get("lang", "")
    spans = []
    if want is not None:
        spans = highlight_record(index.analyzer, record, want)
    text_spans = [s for s in spans if s.field == "text"]
    matched: dict[str, dict] = {}
    for sp in spans:
        if sp.term not in matched:
            origin = want.origins.get(sp.term, "") if want is not None else ""
            matched[sp.term] = {"term": sp.term, "origin": origin or "query"}
    if text or not title:
        snip, rel = snippet(text, text_spans, lang, index.analyzer)
    else:
        snip, rel = snippet(title, [s for s in spans if s.field == "title"], lang, index.analyzer)
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
        matched_terms=tuple(matched.values()),
        translation_of=record.get("translation_of", ""),
    )


@dataclass(frozen=True)
class Ranked:
    """A ranked page before it becomes Hits: the engine's records and scores, and what was
    compiled to find them (for callers that re-rank, like the hybrid search)."""

    query: str
    compiled: CompiledQuery | None  # None: the query had no words to search for
    page: SearchPage
    explained: dict | None
    facets: dict | None
    placements: dict  # id -> how the merge across languages placed it
    translated: dict = field(default_factory=dict)  # id -> what the document translations added (doctrans.rerank)


def run(index: Searchable, text: str, filters: Filters, **options) -> SearchResult:
    """Ranked, highlighted hits: :func:`rank` (whose keywords ``options`` are: limit, offset,
    require_all, translator, explain, facets, merge, merge_alpha, sort), then :func:`present`."""
    ranked = rank(index, text, filters, **options)
    explain = options.get("explain", False)
    hits = [present(index, ranked, h.record, h.score, explain) for h in ranked.page.hits]
    return SearchResult(text, ranked.page.total, hits, ranked.explained, facets=ranked.facets)


def present(index: Searchable, ranked: Ranked, record: dict, score: float, explain: bool) -> Hit:
    """One ranked record as a highlighted Hit (with its score contributions when asked for)."""
    want = ranked.compiled.highlight if ranked.compiled is not None else None
    hit = record_to_hit(index, record, score, want)
    if explain and ranked.compiled is not None:
        hit = replace(
            hit,
            explain=explain_hit(
                index, ranked.compiled.tree, hit, ranked.placements.get(hit.id), ranked.translated.get(hit.id)
            ),
        )
    return hit


def rank(
    index: Searchable,
    text: str,
    filters: Filters,
    limit: int = 10,
    offset: int = 0,
    require_all: bool = False,
    translator=None,
    explain: bool = False,
    facets: bool = False,
    merge: bool = True,
    merge_alpha: float | None = None,
    execute: bool = True,
    sort: str = "score",
) -> Ranked:
    """The ranked page of a query, as records. ``merge``: when the query was translated and no
    language filter is set, rank each language on its own scale and merge them
    (:mod:`searchkit.search.merge`). ``sort``: one of :data:`SORTS`; by date, equal dates go by
    id and undated matches follow by relevance. ``execute=False`` only compiles the query (for a
    ranking that does not use the engine's, like semantic-only search)."""
    check_range("limit", limit)
    check_range("offset", offset)
    if sort not in SORTS:
        raise QuerySyntaxError(f"sort must be one of {', '.join(SORTS)}, not {sort!r}")
    into = frozenset({filters.lang}) if filters.lang else None  # translated only into what can be found
    compiled: CompiledQuery = QueryCompiler(index.analyzer, index.ranking, require_all, translator, into).compile(text)
    explained = compiled.explain() if explain else None
    if compiled.empty:
        if text.strip():  # only stop words or punctuation: match nothing rather than everything
            return Ranked(text, None, SearchPage(0, []), explained, {f: {} for f in FACETS} if facets else None, {})
        if not _has_filters(filters):
            raise QuerySyntaxError(
                "empty query: give words to search for, or a filter (kind, lang, category, since, until)"
            )
    if not execute:
        return Ranked(text, compiled, SearchPage(0, []), explained, None, {})
    counts = index.engine.facets(compiled.tree, filters.clauses(), FACETS) if facets else None
    placements: dict = {}
    translated: dict = {}
    rerank = _document_reranker(compiled, translator, translated) if sort == "score" and limit else None
    if counts is not None and limit == 0:
        # counts only: every entry has a kind, so the kind counts add up to the total
        page = SearchPage(sum(counts["kind"].values()), [])
    elif sort != "score":
        page = index.engine.search_by_date(compiled.tree, filters.clauses(), limit, offset, sort == "-date")
    elif merge and compiled.units and not filters.lang:
        from .merge import merged_page

        page, info, placements = merged_page(
            index.engine,
            compiled.tree,
            filters.clauses(),
            limit,
            offset,
            _query_lang(compiled),
            tuple(sorted(index.languages())),
            **({} if merge_alpha is None else {"alpha": merge_alpha}),
            rerank=rerank,
            depth=_rerank_window(limit, offset) if rerank else 0,
        )
        if explained is not None:
            explained["merge"] = info
    elif (
        rerank is not None
        and filters.lang not in ("", _query_lang(compiled))  # another language than the query's
        and offset + limit <= MAX_LIMIT  # deeper pages: BM25's order
    ):
        deep = index.engine.search(compiled.tree, filters.clauses(), limit=_rerank_window(limit, offset), offset=0)
        page = SearchPage(deep.total, rerank(deep.hits)[offset : offset + limit])
    else:
        page = index.engine.search(compiled.tree, filters.clauses(), limit=limit, offset=offset)
    kept = {h.record["id"] for h in page.hits}
    translated = {k: v for k, v in translated.items() if k in kept}
    return Ranked(text, compiled, page, explained, counts, placements, translated)


def _rerank_window(limit: int, offset: int) -> int:
    from ..crosslang.doctrans import DEPTH  # imported when an index keeps document translations

    return window(DEPTH, limit, offset)


def _document_reranker(compiled: CompiledQuery, translator, added: dict):
    """``hits -> hits`` re-ranked by the index's document translations (filling ``added``: id ->
    the part they added), or None: the query was not translated, or the index keeps none. Only
    hits in another language than the query's are re-ranked (the typed words against the
    translations of entries in their own language would only meet code-switched words)."""
    scorer = getattr(translator, "documents", None)
    if scorer is None or not compiled.units or not len(scorer):
        return None
    from ..crosslang.doctrans import rerank

    def go(hits):
        out, parts = rerank(hits, list(compiled.typed), scorer)
        added.update(parts)
        return out

    return go


def _query_lang(compiled: CompiledQuery) -> str:
    """The language the query was typed in: that of its (longest) translated units."""
    langs = [u.lang for u in compiled.units if not u.partial] or [u.lang for u in compiled.units]
    return max(set(langs), key=lambda lang: sum(len(u.text) for u in compiled.units if u.lang == lang))


def _has_filters(f: Filters) -> bool:
    return bool(f.lang or f.kind or f.category or f.since or f.until or f.doc)
