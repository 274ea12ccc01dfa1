"""The Whoosh engine (default): schema, the picklable tokenizer over searchkit's analysis,
writer and searcher. The only module that imports whoosh.

Names are imported from the submodules that define them so that both ``whoosh3`` (pinned) and
``Whoosh==2.7.4`` work.
"""

from __future__ import annotations

import functools
import struct
import zlib
from collections.abc import Callable, Iterable
from dataclasses import replace
from math import log
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.analysis.acore import Token
from whoosh.analysis.tokenizers import Tokenizer
from whoosh.collectors import FilterCollector, UnlimitedCollector
from whoosh.fields import ID, STORED, TEXT, Schema
from whoosh.index import LockError
from whoosh.matching.binary import AndMaybeMatcher, DisjunctionMaxMatcher
from whoosh.matching.mcore import NullMatcher
from whoosh.matching.wrappers import WrappingMatcher
from whoosh.query import (
    And,
    AndMaybe,
    ConstantScoreQuery,
    DisjunctionMax,
    Every,
    Not,
    NullQuery,
    Or,
    Phrase,
    Require,
    Term,
    TermRange,
)
from whoosh.query.qcore import QueryError
from whoosh.reading import ReaderClosed
from whoosh.scoring import BM25F, bm25
from whoosh.sorting import Count, FieldFacet
from whoosh.util import make_binary_tree

from ..analysis.analyzer import Analyzer, AnalyzerConfig
from ..analysis.record import Analysed
from ..errors import IndexLockedError, QuerySyntaxError
from ..query.tree import (
    BoolQ,
    DateRangeQ,
    DisMaxQ,
    KeywordQ,
    MatchAllQ,
    PhraseQ,
    Query,
    TermQ,
    is_restriction,
)
from ..ranking import Ranking
from .base import Engine, EngineHit, Progress, Records, SearchPage, damaged, keyword_fields, keyword_term, ranked_page

INDEX_NAME = "searchkit"


class SearchkitTokenizer(Tokenizer):
    """Whoosh tokenizer that emits searchkit's own terms, positions and character offsets.

    Whoosh pickles the schema (and so this object) into the index: only the analyzer config is
    pickled; the fugashi tagger is built lazily, or shared via :meth:`bind`.
    """

    def __init__(self, config: dict | None = None) -> None:
        self.config = dict(config or {})
        self._analyzer: Analyzer | None = None

    def __getstate__(self) -> dict:
        return {"config": self.config}

    def __setstate__(self, state: dict) -> None:
        self.config = state["config"]
        self._analyzer = None

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.config == self.config

    def __hash__(self) -> int:
        return hash(tuple(sorted(self.config.items())))

    def bind(self, analyzer: Analyzer) -> None:
        self._analyzer = analyzer

    @property
    def analyzer(self) -> Analyzer:
        if self._analyzer is None:
            self._analyzer = Analyzer(AnalyzerConfig(stemmer=self.config.get("stemmer", "english")))
        return self._analyzer

    def __call__(
        self,
        value,
        positions=False,
        chars=False,
        keeporiginal=False,
        removestops=True,
        start_pos=0,
        start_char=0,
        tokenize=True,
        mode="",
        **kwargs,
    ):
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:
            t.original = t.text = value
            t.boost, t.stopped = 1.0, False
            if positions:
                t.pos = start_pos
            if chars:
                t.startchar, t.endchar = start_char, start_char + len(value)
            yield t
            return
        for term in self.analyzer.analyze(value):
            t.text = term.text
            t.boost, t.stopped = 1.0, False
            if keeporiginal:
                t.original = value[term.start : term.end]
            if positions:
                t.pos = start_pos + term.pos
            if chars:
                t.startchar, t.endchar = start_char + term.start, start_char + term.end
            yield t


def make_schema(analyzer: Analyzer) -> Schema:
    tok = SearchkitTokenizer(analyzer.config.as_dict())
    return Schema(
        id=ID(stored=True, unique=True),
        # sortable = a column: facet counts read columns instead of every hit's stored fields
        kind=ID(stored=True, sortable=True),
        lang=ID(stored=True, sortable=True),
        doc=ID(stored=True, sortable=True),
        category=ID(stored=True, sortable=True),
        year=ID(sortable=True),
        category_key=ID(),  # lower-cased category, for case-insensitive filters
        date=ID(stored=True, sortable=True),
        title=TEXT(analyzer=tok, stored=True),
        text=TEXT(analyzer=tok, stored=True),
        section=TEXT(analyzer=tok, stored=True),
        # title + text as one field: BM25 over the whole entry (Whoosh adds per-field BM25 scores,
        # so ranking mostly on one field and lightly on the title measured best, see ranking.py)
        body=TEXT(analyzer=tok),
        # unstemmed words, for spelling suggestions that are real words ("alignment", not "align")
        words=TEXT(analyzer=SearchkitTokenizer({**analyzer.config.as_dict(), "stemmer": ""}), phrase=False),
        url=STORED(),
        translation_of=ID(stored=True),
        path=ID(stored=True, sortable=True),
        source_key=ID(),  # "<hash> <path>": the index itself knows which file versions it holds
        source_hash=STORED(),
        line=STORED(),
        position=STORED(),
        spans=STORED(),  # searchkit.analysis.spans.pack_spans: term offsets for highlighting (as "_spans")
    )


class ExactDisMaxMatcher(DisjunctionMaxMatcher):
    """Whoosh's DisjunctionMaxMatcher scores ``max(a, b)`` whenever both sides are active, also
    when one of them already stands on a later document: a document's score then took the other
    side's score of *another* document, so it depended on which documents followed it in its
    segment, i.e. on how the index was built (issue: ranking depends on build history). This
    one takes the max only of the sides on the current document, as its UnionMatcher does."""

    def score(self):
        a, b = self.a, self.b
        if not a.is_active():
            return b.score()
        if not b.is_active():
            return a.score()
        ida, idb = a.id(), b.id()
        if ida == idb:
            return max(a.score(), b.score())
        return a.score() if ida < idb else b.score()


class ExactDisjunctionMax(DisjunctionMax):
    """DisjunctionMax whose matcher tree is made of :class:`ExactDisMaxMatcher`."""

    def matcher(self, searcher, context=None):
        subs = [q.matcher(searcher, context) for q in self.subqueries]
        if not subs:
            return NullMatcher()
        m = subs[0] if len(subs) == 1 else make_binary_tree(ExactDisMaxMatcher, subs)
        return WrappingMatcher(m, self.boost) if self.boost != 1.0 else m


class ExactAndMaybeMatcher(AndMaybeMatcher):
    """Whoosh's AndMaybeMatcher, asked to skip to a document, moves its optional side to that
    document rather than to where its required side landed: when the required side landed
    further on, a match there lost the optional side's score (``x AND (+y z)`` scored x + y on
    a record holding all three, depending on which records came before it). This one moves the
    optional side to where the required side stands, as its ``next`` does."""

    def skip_to(self, id):
        moved = super().skip_to(id)
        a, b = self.a, self.b
        if a.is_active() and b.is_active() and b.id() < a.id():
            moved = b.skip_to(a.id()) or moved
        return moved


class ExactAndMaybe(AndMaybe):
    """AndMaybe whose matcher is :class:`ExactAndMaybeMatcher`."""

    matcherclass = ExactAndMaybeMatcher


class LuceneBM25F(BM25F):
    """BM25F with Lucene's idf, log(1 + (N - n + 0.5) / (n + 0.5)), instead of Whoosh's
    log(N / (n + 1)) + 1, which over-weights very common terms."""

    def idf(self, searcher, fieldname, text):
        parent = searcher.get_parent()
        n = parent.doc_frequency(fieldname, text)
        dc = parent.doc_count_all()
        return log(1 + (dc - n + 0.5) / (n + 0.5))


class PhraseFrequencyMatcher(WrappingMatcher):
    """Scores the phrase matcher it wraps by the phrase's own frequency in the document."""

    def __init__(self, child, score_of: Callable[[int, int], float]) -> None:
        super().__init__(child)
        self._score_of = score_of

    def replace(self, minquality=0):
        child = self.child.replace(minquality)
        return self if child is self.child else PhraseFrequencyMatcher(child, self._score_of)

    def copy(self):
        return PhraseFrequencyMatcher(self.child.copy(), self._score_of)

    def supports_block_quality(self):
        return False

    def score(self):
        return self._score_of(self.child.id(), len(self.child.spans()))


class BM25Phrase(Phrase):
    """A phrase scored as Lucene and tantivy score one: BM25 of the phrase's own frequency in the
    document, with the sum of its words' idf. Whoosh's Phrase scores the sum of its words' scores,
    i.e. their frequencies anywhere in the field, so a two-word translation pair scored about
    twice what tantivy gives it (the 0.02 EN->JA gap between the engines on bench.crosslang)."""

    def __init__(self, fieldname: str, words: list[str], slop: int, boost: float, weighting: BM25F) -> None:
        super().__init__(fieldname, words, slop=slop)
        self.scale, self.weighting = boost, weighting

    def matcher(self, searcher, context=None):
        m = super().matcher(searcher, context)
        if not m.is_active():
            return m
        parent, field, w = searcher.get_parent(), self.fieldname, self.weighting
        idf = sum(w.idf(searcher, field, word) for word in self.words)
        avgfl = parent.avg_field_length(field) or 1

        def score_of(docnum: int, freq: int) -> float:
            length = searcher.doc_field_length(docnum, field, 1)
            return self.scale * bm25(idf, freq, length, avgfl, w.B, w.K1)

        return PhraseFrequencyMatcher(m, score_of)


def _record(stored: dict) -> dict:
    """Whoosh's stored fields -> a searchkit record (the offsets blob travels as ``_spans``)."""
    rec = dict(stored)
    spans = rec.pop("spans", None)
    if spans:
        rec["_spans"] = spans
    return rec


def _any(queries: list):
    """Or of the queries; a query that matches nothing when there are none."""
    if not queries:
        return NullQuery
    return queries[0] if len(queries) == 1 else Or(queries)


# What reading a damaged index raises inside Whoosh (missing or truncated segment files; a data
# folder a rebuild removed under a reader: EmptyIndexError, then ReaderClosed). The index turns
# these into a retry on the new commit or one error line.
_DAMAGE = (
    OSError,
    EOFError,
    ValueError,
    IndexError,
    KeyError,
    struct.error,
    zlib.error,
    whoosh_index.EmptyIndexError,
    ReaderClosed,
)


def _guarded(method):
    """Turn Whoosh's errors on damaged files into one IndexMismatchError with the fix."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except IndexLockedError:
            raise
        except QueryError as exc:  # a query tree Whoosh cannot run: the query's fault, not the files'
            raise QuerySyntaxError(f"the query cannot be run: {str(exc).splitlines()[0]}") from exc
        except _DAMAGE as exc:
            raise damaged(self._path, exc.__class__.__name__) from exc

    return wrapper


def _document(rec: dict, terms: Analysed) -> dict:
    """The Whoosh document for one record and the terms searchkit.prepare analysed for it."""
    doc = {k: v for k, v in rec.items() if v not in ("", None)}
    for name in ("title", "text", "section"):
        if name in doc:
            doc[f"_stored_{name}"] = doc[name]
            doc[name] = list(getattr(terms, name))
    # term lists (Whoosh numbers their positions) analysed once by searchkit.analysis.record
    doc["body"], doc["words"] = list(terms.body), list(terms.words)
    doc["spans"] = terms.spans
    doc.update(keyword_fields(rec))
    return doc


def _add_all(writer, records: Iterable[tuple[dict, Analysed]], progress: Callable[[int], None] | None) -> int:
    added = 0
    for rec, terms in records:
        writer.add_document(**_document(rec, terms))
        added += 1
        if progress:
            progress(1)
    return added


class WhooshEngine(Engine):
    name = "whoosh"

    def __init__(self, ix, analyzer: Analyzer, ranking: Ranking, path: Path | None = None) -> None:
        self._ix = ix
        self._path = path or Path(ix.storage.folder)
        self._analyzer = analyzer
        self.ranking = ranking
        bm25f = LuceneBM25F if ranking.idf == "lucene" else BM25F
        self._weighting = bm25f(B=ranking.b, K1=ranking.k1)  # searchers and BM25 phrases score with it
        self._bind(ix.schema)
        self._searcher = None
        self._dates: tuple | None = None  # (searcher, the date column) for date filters

    # -- lifecycle --
    @classmethod
    def create(cls, path: Path, analyzer: Analyzer, ranking: Ranking) -> WhooshEngine:
        ix = whoosh_index.create_in(str(path), make_schema(analyzer), indexname=INDEX_NAME)
        return cls(ix, analyzer, ranking)

    @classmethod
    def open(cls, path: Path, analyzer: Analyzer, ranking: Ranking) -> WhooshEngine:
        try:
            ix = whoosh_index.open_dir(str(path), indexname=INDEX_NAME)
        except _DAMAGE as exc:
            raise damaged(path, exc.__class__.__name__, missing=True) from exc
        engine = cls(ix, analyzer, ranking, path)
        engine._search()  # open every segment now: a missing or truncated file is reported here
        return engine

    @classmethod
    def version(cls) -> str:
        from importlib.metadata import PackageNotFoundError, version

        for dist in ("whoosh3", "Whoosh", "whoosh-reloaded"):
            try:
                return f"{dist} {version(dist)}"
            except PackageNotFoundError:
                continue
        return "whoosh unknown"

    def close(self) -> None:
        if self._searcher is not None:
            self._searcher.close()
            self._searcher = None
        self._ix.close()

    @_guarded
    def refresh(self) -> None:
        """A new searcher on the latest commit (also after a read hit files a commit in progress
        had just replaced)."""
        if self._searcher is not None:
            self._searcher.close()
            self._searcher = None
        self._ix = self._ix.refresh()

    def _bind(self, schema: Schema) -> None:
        # every stemming field's tokenizer shares this engine's analyzer (one tagger per process);
        # the unstemmed "words" field shares the tagger through its own analyzer
        for name in ("title", "text", "section", "body"):
            schema[name].analyzer.bind(self._analyzer)
        words = schema["words"].analyzer
        words.analyzer.tokenizer = self._analyzer.tokenizer

    @_guarded
    def _search(self):
        if self._searcher is None:
            self._searcher = self._ix.searcher(weighting=self._weighting)
        elif not self._searcher.up_to_date():
            # a new searcher rather than refresh(): whoosh3 3.54's refresh() fails on a
            # searcher that was opened on an empty index
            self._searcher.close()
            self._searcher = self._ix.searcher(weighting=self._weighting)
        return self._searcher

    # -- writing --
    @_guarded
    def sources(self) -> dict[str, str]:
        s = self._search()
        out: dict[str, str] = {}
        for key in s.lexicon("source_key"):
            key = key.decode("utf-8") if isinstance(key, bytes) else key
            # deleted records keep their terms until segments merge: check a live one exists
            if s.document_number(source_key=key) is not None:
                digest, _, path = key.partition(" ")
                out[path] = digest
        return out

    @_guarded
    def apply(
        self,
        retire: Iterable[str],
        records: Records,
        progress: Progress = None,
        before_commit: Callable[[], None] | None = None,
        expected: int | None = None,
    ) -> int:
        try:
            writer = self._ix.writer()
        except LockError as exc:
            raise IndexLockedError(
                "the index is being updated by another process; try again when it has finished"
            ) from exc
        self._bind(writer.schema)
        try:
            added = _add_all(writer, records, progress)
            for key in retire:  # reaches committed segments only, never the records just added
                writer.delete_by_term("source_key", key)
            if before_commit:
                before_commit()
        except BaseException:
            # after an exception inside add_document Whoosh's writer is stuck: always cancel
            writer.cancel()
            raise
        writer.commit()
        return added

    # -- reading --
    def _to_whoosh(self, q: Query):
        if isinstance(q, TermQ):
            if q.field:
                return Term(q.field, q.term, boost=q.boost)
            return _any([Term(f, q.term, boost=w * q.boost) for f, w in self.fields_with(q.term)])
        if isinstance(q, PhraseQ) and q.either_order:
            orders = (replace(q, either_order=False), replace(q, terms=q.terms[::-1], either_order=False))
            return ExactDisjunctionMax([self._to_whoosh(o) for o in orders])
        if isinstance(q, PhraseQ):
            if q.field:
                # Whoosh counts slop from 1 (= adjacent)
                return BM25Phrase(q.field, list(q.terms), q.slop + 1, q.boost, self._weighting)
            fields = dict(self.fields_with(*q.terms))
            return _any(
                [BM25Phrase(f, list(q.terms), q.slop + 1, w * q.boost, self._weighting) for f, w in fields.items()]
            )
        if isinstance(q, KeywordQ):  # a restriction: it matches, it does not score
            return ConstantScoreQuery(Term(*keyword_term(q)), 0.0)
        if isinstance(q, DateRangeQ):
            return ConstantScoreQuery(TermRange("date", q.start or None, q.end or None), 0.0)
        if isinstance(q, MatchAllQ):
            return Every()
        if isinstance(q, DisMaxQ):
            return ExactDisjunctionMax([self._to_whoosh(c) for c in q.clauses])
        if isinstance(q, BoolQ):
            base = None
            scored = [c for c in q.must if not is_restriction(c)]
            if scored:
                base = And([self._to_whoosh(c) for c in scored]) if len(scored) > 1 else self._to_whoosh(scored[0])
            if q.should:
                should = (
                    Or([self._to_whoosh(c) for c in q.should]) if len(q.should) > 1 else self._to_whoosh(q.should[0])
                )
                base = should if base is None else ExactAndMaybe(base, should)
            restrictions = [self._to_whoosh(c) for c in q.must if is_restriction(c)]
            if restrictions:  # matched, not scored (Require: Whoosh's constant score may not hold beside phrases)
                required = And(restrictions) if len(restrictions) > 1 else restrictions[0]
                if base is None:
                    base = required
                elif scored or not q.should:
                    base = Require(base, required)
                else:  # restrictions beside optional words only (the compiler nests the words instead)
                    base = ExactAndMaybe(required, base)
            if q.must_not:
                neg = Or([self._to_whoosh(c) for c in q.must_not])
                # not AndNot: its first match is never checked against an exclusion that started earlier
                base = Require(base, Not(neg)) if base is not None else Not(neg)
            return base if base is not None else Every()
        raise TypeError(f"unknown query node {q!r}")

    @_guarded
    def field_frequency(self, field: str, term: str) -> int:
        return self._search().doc_frequency(field, term)

    def _filter(self, s, filters: list[Query]) -> set[int] | None:
        """The document numbers the filters allow (None: no filters). A date range reads the date
        column, one value per document: as a term range Whoosh walks a union of every date in
        the range document by document (a filtered query at 10k abstracts in one segment: 52 ms
        p50, 3.7x the same query without the filter)."""
        if not filters:
            return None
        allowed: set[int] | None = None
        for f in filters:
            docs = (
                self._dates_within(s, f.start, f.end)
                if isinstance(f, DateRangeQ)
                else set(s.docs_for_query(self._to_whoosh(f)))
            )
            allowed = docs if allowed is None else allowed & docs
        # Whoosh reads an empty allow set as "no filter": allow only a number no document has
        return allowed or {-1}

    def _date_column(self, s) -> list:
        if self._dates is None or self._dates[0] is not s:  # one read of the column per searcher
            self._dates = (s, list(s.reader().column_reader("date")))
        return self._dates[1]

    def _dates_within(self, s, start: str, end: str) -> set[int]:
        dates = self._date_column(s)
        return {n for n, v in enumerate(dates) if v and (not start or v >= start) and (not end or v <= end)}

    @_guarded
    def dated_matches(self, query: Query, filters: list[Query], newest_first: bool) -> list[tuple[str, object]]:
        s = self._search()
        dates = self._date_column(s)
        nums = sorted(
            (num for _, num in self._scored(s, query, filters) if dates[num]),
            key=lambda n: dates[n],
            reverse=newest_first,
        )
        return [(dates[n], n) for n in nums]

    @_guarded
    def fetch(self, handles: list) -> list[dict]:
        s = self._search()
        return [_record(s.stored_fields(n)) for n in handles]

    def _scored(self, s, query: Query, filters: list[Query]) -> list[tuple[float, int]]:
        """(score, docnum) of every match, best first, from one pass that scores every match.
        Whoosh's default collector prunes documents that cannot reach the top N (replace(),
        block quality) and so cannot count; its len() then re-runs the query, ignoring the
        filter, or undercounts across segments. Measured at 10k abstracts, one unpruned pass
        costs less than the pruned pass plus a count pass (a phrase: 106 vs 252 ms; a term: 6.7
        vs 9.2 ms). Keeping every match lets a tie at a page's end (replicated text ties a lot)
        be widened from this list instead of by running the query again."""
        wq, wf = self._to_whoosh(query), self._filter(s, filters)
        every = UnlimitedCollector()
        collector = FilterCollector(every, allow=wf) if wf is not None else every
        s.search_with_collector(wq, collector)
        results = collector.results()
        return sorted(
            ((float(results.score(i) or 0.0), results.docnum(i)) for i in range(results.scored_length())),
            key=lambda sn: -sn[0],
        )

    @staticmethod
    def _page(s, found: list[tuple[float, int]], limit: int, offset: int) -> SearchPage:
        def fetch(n: int):
            return len(found), found[:n]

        return ranked_page(fetch, lambda num: _record(s.stored_fields(num)), limit, offset)

    @_guarded
    def search(self, query: Query, filters: list[Query], limit: int, offset: int = 0) -> SearchPage:
        s = self._search()
        return self._page(s, self._scored(s, query, filters), limit, offset)

    @_guarded
    def search_groups(
        self, query: Query, filters: list[Query], field: str, values: tuple[str, ...], limit: int
    ) -> dict[str, SearchPage]:
        """One scoring pass, split by the field's column."""
        s = self._search()
        column = s.reader().column_reader(field)
        groups: dict[str, list[tuple[float, int]]] = {v: [] for v in values}
        for score, num in self._scored(s, query, filters):
            value = column[num]
            value = value.decode("utf-8") if isinstance(value, bytes) else value
            if value in groups:
                groups[value].append((score, num))
        return {value: self._page(s, found, limit, 0) for value, found in groups.items()}

    @_guarded
    def get(self, record_id: str) -> dict | None:
        s = self._search()
        num = s.document_number(id=record_id)
        return _record(s.stored_fields(num)) if num is not None else None

    @_guarded
    def scan(self, filters: list[Query]) -> list[dict]:
        s = self._search()
        hits = s.search(Every(), filter=self._filter(s, filters), limit=None, scored=False)
        return sorted((_record(h.fields()) for h in hits), key=lambda r: (r.get("path", ""), r.get("position", 0)))

    @_guarded
    def facets(self, query: Query | None, filters: list[Query], fields: tuple[str, ...]) -> dict[str, dict[str, int]]:
        s = self._search()
        wq = self._to_whoosh(query) if query is not None else Every()
        groups = {f: FieldFacet(f, maptype=Count) for f in fields}
        results = s.search(wq, filter=self._filter(s, filters), limit=1, scored=False, terms=False, groupedby=groups)
        out = {}
        for f in fields:
            out[f] = {
                (k.decode("utf-8") if isinstance(k, bytes) else k): n
                for k, n in results.groups(f).items()
                if k not in ("", b"", None)
            }
        return out

    @_guarded
    def doc_frequency(self, term: str) -> int:
        return self._search().doc_frequency("body", term)

    @_guarded
    def doc_ids(self, term: str) -> frozenset:
        return frozenset(self._search().docs_for_query(Term("body", term)))

    @_guarded
    def count_matching(self, query: Query) -> int:
        s = self._search()
        return sum(1 for _ in s.docs_for_query(self._to_whoosh(query)))

    @_guarded
    def matching_among(self, query: Query, ids: Iterable[str]) -> int:
        """The query's matcher skips to each of the records (a union of their ids as a query
        made Whoosh walk a hundred posting lists for every step: 5–30 ms at 10k entries)."""
        s = self._search()
        wanted = sorted(n for n in (s.document_number(id=i) for i in set(ids)) if n is not None)
        if not wanted:
            return 0
        wq = self._to_whoosh(query)
        found = 0
        for leaf, offset in s.leaf_searchers():
            end = offset + leaf.doc_count_all()
            m = wq.matcher(leaf, leaf.boolean_context())
            for n in wanted:
                if not offset <= n < end:
                    continue
                if not m.is_active():
                    break
                if m.id() < n - offset:
                    m.skip_to(n - offset)
                found += m.is_active() and m.id() == n - offset
        return found

    def vocabulary(self):
        for t in self._search().lexicon("body"):
            yield t.decode("utf-8") if isinstance(t, bytes) else t

    def words(self):
        for t in self._search().lexicon("words"):
            yield t.decode("utf-8") if isinstance(t, bytes) else t

    @_guarded
    def word_frequency(self, word: str) -> int:
        return self._search().doc_frequency("words", word)

    @_guarded
    def suggest(self, word: str, limit: int = 3) -> list[str]:
        """Like tantivy's: only words with the same first character are walked (a typo rarely
        hits it, and it bounds the walk: the whole term list took 0.7 s a word at 4k entries)."""
        s = self._search()
        found = s.corrector("words").suggest(word, limit=10, maxdist=2 if len(word) > 4 else 1, prefix=1)
        found.sort(key=lambda w: -s.doc_frequency("words", w))
        return found[:limit]

    @_guarded
    def more_like(self, record_id: str, text: str, limit: int, exclude: set[str]) -> list[EngineHit]:
        s = self._search()
        num = s.document_number(id=record_id)
        if num is None or not text.strip():
            return []
        mask = {n for n in (s.document_number(id=i) for i in exclude) if n is not None}
        results = s.more_like(num, "body", text=text, top=limit + len(mask), numterms=12)
        hits = [EngineHit(_record(h.fields()), float(h.score or 0.0)) for h in results if h.docnum not in mask]
        return hits[:limit]

    @_guarded
    def count(self) -> int:
        return self._ix.doc_count()
