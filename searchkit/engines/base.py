"""The engine interface: what index.py and the query layer need from a full-text engine.

Records going in are plain dicts with the fields of :data:`RECORD_FIELDS`, each with the terms
:mod:`searchkit.analysis.record` analysed for it; records coming out have the same fields plus, when the
engine stored them, ``_spans`` (the packed term offsets highlighting reads). Queries are
:mod:`searchkit.query.tree` trees with already-analysed terms. Scores may differ between engines;
hits, filters and phrases must not.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from ..analysis.analyzer import Analyzer
from ..analysis.record import Analysed
from ..errors import REBUILD, IndexMismatchError
from ..query.tree import BoolQ, DateRangeQ, KeywordQ, Query
from ..ranking import Ranking

# Every record an engine stores has exactly these keys (strings, except line/position: int).
RECORD_FIELDS = (
    "id",
    "kind",
    "lang",
    "doc",
    "title",
    "text",
    "section",
    "date",
    "category",
    "url",
    "path",
    "line",
    "position",
    "source_hash",
    "translation_of",
)


Records = Iterable[tuple[dict, Analysed]]  # what an engine stores: records with their analysed terms
Progress = Callable[[int], None] | None  # told how many records were added since it was last told


@dataclass(frozen=True)
class EngineHit:
    record: dict
    score: float


@dataclass(frozen=True)
class SearchPage:
    total: int  # exact number of matching records
    hits: list[EngineHit]


KEYWORD_FIELDS = ("id", "kind", "lang", "doc", "category", "path")


def keyword_fields(rec: dict) -> dict[str, str]:
    """The keyword fields every engine indexes for a record, the derived ones included:
    ``category_key`` (case-insensitive category filters), ``year`` (facets), ``source_key``
    ("<hash> <path>": the index itself knows which file versions it holds)."""
    out = {k: str(rec[k]) for k in KEYWORD_FIELDS if rec.get(k) not in ("", None)}
    if rec.get("category"):
        out["category_key"] = rec["category"].lower()
    if rec.get("date"):
        out["year"] = rec["date"][:4]
    out["source_key"] = source_key(rec["source_hash"], rec["path"])
    return out


def source_key(digest: str, path: str) -> str:
    """The key of one version of one source file: its records carry it (``source_key``)."""
    return f"{digest} {path}"


def keyword_term(q: KeywordQ) -> tuple[str, str]:
    """The indexed field and value a keyword filter looks up: a category case-insensitively,
    every value but an id lower-cased (as :func:`keyword_fields` and the ingest store them)."""
    if q.field == "category":
        return "category_key", q.value.lower()
    return q.field, q.value if q.field == "id" else q.value.lower()


def damaged(data: Path, reason: str, missing: bool = False) -> IndexMismatchError:
    """The error for engine files in the data folder ``data`` that cannot be read."""
    state = "missing or damaged" if missing else "damaged"
    return IndexMismatchError(f"index files in {data} are {state} ({reason})", path=data.parent, remedy=REBUILD)


TIE_MARGIN = 16  # hits fetched past twice the page: ties at its end rarely need a second search


def ranked_page(
    fetch: Callable[[int], tuple[int, list[tuple[float, object]]]],
    load: Callable[[object], dict],
    limit: int,
    offset: int,
) -> SearchPage:
    """One page of hits in the documented order: score descending, equal scores by record id
    ascending, whatever order the engine found them in (which depends on how the index was
    built). ``fetch(n)`` returns (total, the ``n`` best (score, handle) pairs, best first);
    ``load(handle)`` reads a record. The window grows until the tie at the page's end is wholly
    inside it, so a tie never depends on which of its members came first. The first window has
    room to spare (a larger top-n costs an engine nothing measurable, a second search as much as
    the first), and only the records that can reach the page are read."""
    want = offset + limit
    n = 2 * want + TIE_MARGIN
    while True:
        total, found = fetch(n)
        if want == 0 or len(found) < n or found[-1][0] != found[want - 1][0]:
            break
        n *= 2
    if want == 0 or not found:
        return SearchPage(total, [])
    edge = found[min(want, len(found)) - 1][0]
    hits = [EngineHit(load(h), float(score)) for i, (score, h) in enumerate(found) if i < want or score == edge]
    hits.sort(key=lambda h: (-h.score, h.record["id"]))
    return SearchPage(total, hits[offset : offset + limit])


class Engine(ABC):
    name: ClassVar[str]

    @classmethod
    @abstractmethod
    def create(cls, path: Path, analyzer: Analyzer, ranking: Ranking) -> Engine:
        """Create an empty index in ``path`` (which exists and holds no index)."""

    @classmethod
    @abstractmethod
    def open(cls, path: Path, analyzer: Analyzer, ranking: Ranking) -> Engine:
        """Open an existing index; raise IndexMismatchError if it is unreadable."""

    @classmethod
    @abstractmethod
    def version(cls) -> str:
        """The engine library's version, recorded in the manifest."""

    @abstractmethod
    def sources(self) -> dict[str, str]:
        """Indexed source file path -> content hash of the version indexed."""

    @abstractmethod
    def apply(
        self,
        retire: Iterable[str],
        records: Records,
        progress: Progress = None,
        before_commit: Callable[[], None] | None = None,
        expected: int | None = None,
    ) -> int:
        """Add ``records`` (each with the terms :mod:`searchkit.analysis.record` analysed for it:
        engines index exactly those), then delete every record of the file versions ``retire``
        names (source keys, "<hash> <path>": see :func:`source_key`), call ``before_commit`` and
        commit once; return the number of records added. ``retire`` is read after ``records``, so
        a caller streaming its records can decide there which versions they replace (a new
        version has a new key: its records are never retired with the old ones). ``expected``:
        how many records will come, if known (a hint for sizing the writer). On any exception
        nothing is committed."""

    @abstractmethod
    def search(self, query: Query, filters: list[Query], limit: int, offset: int = 0) -> SearchPage:
        """Ranked records matching ``query`` and every filter: score descending, equal scores
        by id ascending (:func:`ranked_page`), so a page never depends on the build history."""

    def search_by_date(
        self, query: Query, filters: list[Query], limit: int, offset: int = 0, newest_first: bool = True
    ) -> SearchPage:
        """Records matching ``query`` in date order (equal dates by id ascending), then the
        undated ones ranked as :meth:`search`. Built on :meth:`dated_matches` and :meth:`fetch`."""
        dated = self.dated_matches(query, filters, newest_first)
        undated_q = BoolQ(must=(query,), must_not=(DateRangeQ(),))
        hits: list[EngineHit] = []
        if offset < len(dated):
            lo, hi = offset, min(offset + limit, len(dated))
            # a date shared across the page's edge is ordered by id as a whole
            while lo > 0 and dated[lo - 1][0] == dated[lo][0]:
                lo -= 1
            while hi < len(dated) and dated[hi][0] == dated[hi - 1][0]:
                hi += 1
            group = {d: n for n, (d, _) in reversed(list(enumerate(dated[lo:hi])))}  # date -> first position
            window = sorted(
                zip((d for d, _ in dated[lo:hi]), self.fetch([h for _, h in dated[lo:hi]])),
                key=lambda dr: (group[dr[0]], dr[1]["id"]),
            )
            hits = [EngineHit(rec, 0.0) for _, rec in window[offset - lo : offset - lo + limit]]
        rest = limit - len(hits)
        undated = self.search(undated_q, filters, rest, max(0, offset - len(dated)))
        return SearchPage(len(dated) + undated.total, hits + list(undated.hits))

    def dated_matches(self, query: Query, filters: list[Query], newest_first: bool) -> list[tuple[str, object]]:
        """(date, handle) of every dated record matching, in date order; ``handle`` is whatever
        :meth:`fetch` takes. Engines that cannot sort by date do not support date sorting."""
        raise NotImplementedError

    def fetch(self, handles: list) -> list[dict]:
        """The records of handles from :meth:`dated_matches`."""
        raise NotImplementedError

    def search_groups(
        self, query: Query, filters: list[Query], field: str, values: tuple[str, ...], limit: int
    ) -> dict[str, SearchPage]:
        """The best ``limit`` records of each value of the keyword ``field`` (e.g. each language),
        ranked and tie-broken as :meth:`search`. Engines may do this in one pass."""
        return {v: self.search(query, [*filters, KeywordQ(field, v)], limit) for v in values}

    @abstractmethod
    def get(self, record_id: str) -> dict | None:
        """The record with this id, or None."""

    @abstractmethod
    def scan(self, filters: list[Query]) -> list[dict]:
        """Every record matching the filters, in file order (path, then position in the file)."""

    @abstractmethod
    def facets(self, query: Query | None, filters: list[Query], fields: tuple[str, ...]) -> dict[str, dict[str, int]]:
        """Counts of each value of ``fields`` (kind, lang, doc, category, path, year) among the
        matching records; empty values are not counted."""

    def fields_with(self, *terms: str) -> list[tuple[str, float]]:
        """The weighted text fields (:mod:`searchkit.ranking`) that contain every one of
        ``terms``: a query over "every text field" expands to these (others cannot match)."""
        return [(f, w) for f, w in self.ranking.field_weights.items() if all(self.field_frequency(f, t) for t in terms)]

    @abstractmethod
    def field_frequency(self, field: str, term: str) -> int:
        """Number of records whose text field ``field`` contains the index term."""

    @abstractmethod
    def doc_frequency(self, term: str) -> int:
        """Number of records whose title or text contains the index term (0 = absent)."""

    @abstractmethod
    def doc_ids(self, term: str) -> frozenset:
        """Opaque ids of the records whose title or text contains the term (co-occurrence in a
        small index, where sets are cheaper than counting queries)."""

    def count_matching(self, query: Query) -> int:
        """Number of records matching ``query``, scoring and reading none (co-occurrence in a
        large index: the work is the engine's posting-list walk, never a set of ids in Python)."""
        return self.search(query, [], limit=1).total

    def count_each(self, queries: Sequence[Query]) -> list[int]:
        """:meth:`count_matching` of each query, in order (an engine may count them side by
        side: the co-occurrence of a translated query's candidates is dozens of counts)."""
        return [self.count_matching(q) for q in queries]

    def matching_among(self, query: Query, ids: Iterable[str]) -> int:
        """How many of the records ``ids`` match ``query`` (scoring none): the hybrid search's
        total counts the nearest vectors the lexical query also matches below its top hits."""
        ids = tuple(ids)
        if not ids:
            return 0
        return self.count_matching(BoolQ(must=(query, BoolQ(should=tuple(KeywordQ("id", i) for i in ids)))))

    @abstractmethod
    def vocabulary(self) -> Iterable[str]:
        """Every index term of the text and title fields."""

    @abstractmethod
    def words(self) -> Iterable[str]:
        """Every unstemmed word (lower-cased English word / Japanese lemma)."""

    @abstractmethod
    def word_frequency(self, word: str) -> int:
        """Records containing the unstemmed word (lower-cased English word / Japanese lemma)."""

    @abstractmethod
    def suggest(self, word: str, limit: int = 3) -> list[str]:
        """Words of the index within a small edit distance of ``word``, most frequent first."""

    @abstractmethod
    def more_like(self, record_id: str, text: str, limit: int, exclude: set[str]) -> list[EngineHit]:
        """Records similar to ``text`` (the record's own text), by its key terms."""

    @abstractmethod
    def count(self) -> int:
        """Number of records."""

    def refresh(self) -> None:
        """See the latest commit now (the index calls this when its manifest says another writer
        committed); engines whose readers check for new commits on every read need nothing."""

    @abstractmethod
    def close(self) -> None:
        """Release files and locks."""
