"""The engine-agnostic query tree that query.py builds and every engine translates.

Terms are already analysed (index form), so an engine only maps nodes to its own query objects.
``field=None`` means "every text field" with the weights of :mod:`searchkit.ranking`.
"""

from __future__ import annotations

from dataclasses import dataclass

TEXT_FIELDS = ("title", "text", "section")
KEYWORD_FIELDS = ("id", "kind", "lang", "category", "doc")


@dataclass(frozen=True)
class TermQ:
    term: str
    field: str | None = None
    boost: float = 1.0


@dataclass(frozen=True)
class PhraseQ:
    terms: tuple[str, ...]
    field: str | None = None
    boost: float = 1.0
    slop: int = 0  # words allowed between consecutive phrase terms: 0 = adjacent
    # two terms, either first (a translated pair: "language model" / "model of language"): the
    # phrase or its reverse. Whoosh scores the better of the two; tantivy searches both orders
    # as one phrase (half the position checks), so a record holding both orders scores a
    # little more there
    either_order: bool = False

    def __post_init__(self) -> None:
        if self.either_order and len(self.terms) != 2:
            raise ValueError(f"either_order takes two terms, not {len(self.terms)}: {self.terms!r}")


@dataclass(frozen=True)
class KeywordQ:
    """Exact value of a keyword field (kind, lang, category, doc, id); case-insensitive."""

    field: str
    value: str


@dataclass(frozen=True)
class DateRangeQ:
    """ISO dates, both ends inclusive; "" leaves an end open."""

    start: str = ""
    end: str = ""


@dataclass(frozen=True)
class MatchAllQ:
    pass


@dataclass(frozen=True)
class DisMaxQ:
    """Matches any clause; scores the best one. A word's translation group: ten translations
    weigh no more than one."""

    clauses: tuple = ()


@dataclass(frozen=True)
class BoolQ:
    """Lucene-style boolean: all ``must``, at least one ``should`` when there is no ``must``,
    no ``must_not``. ``should`` clauses add to the score either way; keyword and date clauses
    (restrictions) add nothing wherever they stand."""

    must: tuple = ()
    should: tuple = ()
    must_not: tuple = ()


Query = TermQ | PhraseQ | KeywordQ | DateRangeQ | MatchAllQ | BoolQ | DisMaxQ
# clauses that restrict what matches and never score (kind:paper, date:2025, and the options)
RESTRICTIONS = (KeywordQ, DateRangeQ)


def is_restriction(q: Query) -> bool:
    """Whether ``q`` only restricts what matches and scores nothing wherever it stands: a keyword
    or date clause, or a group of them (``lang:ja OR kind:paper``; ``kind:paper -faking``: a
    group that allows some records, whatever it excludes beside them)."""
    if isinstance(q, RESTRICTIONS):
        return True
    if not isinstance(q, BoolQ):
        return False
    if q.should:
        return not q.must and not q.must_not and all(is_restriction(c) for c in q.should)
    return bool(q.must) and all(is_restriction(c) for c in q.must)
