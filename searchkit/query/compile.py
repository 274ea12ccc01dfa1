"""Query strings -> the engine-agnostic query tree, plus what to highlight.

Syntax (README, "Query syntax"): words, ``"exact phrases"``, ``AND`` / ``OR`` / ``NOT`` (upper
case), ``+required`` / ``-excluded``, parentheses, and ``field:value`` for the text fields
(title, text, section), the keyword fields (kind, lang, category, doc, id) and ``date:`` (``2025``,
``2025-10``, ``2025-10-06``, or a range ``2025-10..2026-01``, either end may be empty).

Words next to each other without an operator are alternatives ranked by BM25 (documents with more
of them, and with them side by side, rank higher); use ``AND`` or ``+`` to require a word.
Unspaced Japanese (報酬関数の改ざん) is one word that analyses to several terms: it behaves
like several English words, with a phrase boost where they appear together.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, replace

from ..analysis.analyzer import Analyzer
from ..errors import QuerySyntaxError
from ..models import KINDS, LANGS
from ..ranking import DEFAULT, Ranking
from ..settings import max_query_chars
from .highlight import Highlight
from .parse import AllOf, AnyOf, Clause, Group, Node, Quoted, Word, parse
from .tree import (
    KEYWORD_FIELDS,
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

MAX_PHRASE_TRANSLATIONS = 8  # combinations of the units' translations tried for one quoted phrase


def _date_bounds(value: str) -> tuple[str, str]:
    """``2025`` / ``2025-10`` / ``2025-10-06`` -> inclusive ISO bounds of that period."""
    m = re.fullmatch(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?", value)
    if not m:
        raise QuerySyntaxError(f"bad date {value!r}: use YYYY, YYYY-MM or YYYY-MM-DD")
    y, mo, d = int(m[1]), m[2], m[3]
    try:
        if d:
            import datetime as _dt

            iso = _dt.date(y, int(mo), int(d)).isoformat()
            return iso, iso
        if mo:
            mo_i = int(mo)
            last = calendar.monthrange(y, mo_i)[1]
            return f"{y:04d}-{mo_i:02d}-01", f"{y:04d}-{mo_i:02d}-{last:02d}"
    except ValueError as exc:
        raise QuerySyntaxError(f"bad date {value!r}: {exc}") from exc
    return f"{y:04d}-01-01", f"{y:04d}-12-31"


def date_range(value: str) -> DateRangeQ:
    if ".." in value:
        lo, _, hi = value.partition("..")
        start, end = _date_bounds(lo)[0] if lo else "", _date_bounds(hi)[1] if hi else ""
        if start and end and start > end:
            raise QuerySyntaxError(f"date range {value!r} ends before it starts: write the earlier date first")
        return DateRangeQ(start, end)
    lo, hi = _date_bounds(value)
    return DateRangeQ(lo, hi)


def keyword(field: str, value: str) -> KeywordQ:
    """A ``field:value`` keyword clause; kind and lang take only their documented values."""
    allowed = {"kind": KINDS, "lang": LANGS}.get(field)
    if allowed and value.lower() not in allowed:
        raise QuerySyntaxError(f"unknown {field} {value!r}: use one of {', '.join(allowed)}")
    return KeywordQ(field, value)


def _required_langs(raw: Node) -> frozenset | None:
    """The languages a query's own ``lang:`` clauses leave (``lang:en`` next to words restricts
    them as --lang does, and so does a group of filters: ``(lang:en kind:paper)``, ``(lang:en OR
    lang:ja)``); None when they leave any language (none named, or only under NOT or beside an
    alternative that names none)."""
    if isinstance(raw, AnyOf):
        parts = [_required_langs(p) for p in raw.parts]
        return None if any(p is None for p in parts) else frozenset().union(*parts)
    if isinstance(raw, AllOf):
        found = None
        for part in raw.parts:
            found = _within(found, _required_langs(part))
        return found
    found = None
    for clause in raw.clauses:
        atom = clause.atom
        if clause.occur == "-":
            continue
        if isinstance(atom, Word) and atom.field == "lang":
            found = _within(found, frozenset({atom.text.strip().lower()}))
        elif isinstance(atom, Group) and atom.field is None and _only_filters(atom.inner):
            found = _within(found, _required_langs(atom.inner))
    return found


def _only_filters(raw: Node) -> bool:
    """Whether a parsed query holds keyword and date clauses only (a group of filters)."""
    if isinstance(raw, (AnyOf, AllOf)):
        return all(_only_filters(p) for p in raw.parts)
    return all(
        (isinstance(c.atom, Word) and c.atom.field in KEYWORD_FIELDS + ("date",))
        or (isinstance(c.atom, Group) and c.atom.field is None and _only_filters(c.atom.inner))
        for c in raw.clauses
    )


def _within(a: frozenset | None, b: frozenset | None) -> frozenset | None:
    """Both restrictions of a language set (None: no restriction)."""
    return b if a is None else a if b is None else a & b


def parse_date_option(value: str, end: bool = False) -> str:
    """A --since/--until value (YYYY, YYYY-MM or YYYY-MM-DD) -> the ISO bound it means."""
    lo, hi = _date_bounds(value.strip())
    return hi if end else lo


@dataclass(frozen=True)
class CompiledQuery:
    text: str
    tree: Query
    highlight: Highlight
    empty: bool  # True when nothing searchable was left (only stop words / punctuation)
    units: tuple = ()  # crosslang.translate.Unit: the translation groups that were added
    typed: tuple[str, ...] = ()  # the index terms of the words the user asked for (not negated), in order

    def explain(self) -> dict:
        return {
            "query": self.text,
            "tree": describe(self.tree),
            "translations": [
                {
                    "unit": u.text,
                    "lang": u.lang,
                    "partial": u.partial,
                    "translations": [t.to_dict() for t in u.translations],
                }
                for u in self.units
            ],
        }


def describe(q: Query) -> str:
    """A compact, Lucene-like rendering of the query tree (for --explain)."""
    if isinstance(q, TermQ):
        s = f"{q.field + ':' if q.field else ''}{q.term}"
    elif isinstance(q, PhraseQ):
        s = f'{q.field + ":" if q.field else ""}"{" ".join(q.terms)}"' + ("(either order)" if q.either_order else "")
    elif isinstance(q, KeywordQ):
        return f"{q.field}:{q.value}"
    elif isinstance(q, DateRangeQ):
        return f"date:[{q.start or '*'} TO {q.end or '*'}]"
    elif isinstance(q, MatchAllQ):
        return "*"
    elif isinstance(q, DisMaxQ):
        return "max(" + " | ".join(describe(c) for c in q.clauses) + ")"
    else:
        parts = [f"+{describe(c)}" for c in q.must] + [describe(c) for c in q.should]
        parts += [f"-{describe(c)}" for c in q.must_not]
        return "(" + " ".join(parts) + ")"
    return s + (f"^{q.boost:.2f}" if q.boost != 1.0 else "")


class QueryCompiler:
    """Raw parse tree -> analysed :class:`Query` tree. Holds the analyzer and ranking config."""

    def __init__(
        self,
        analyzer: Analyzer,
        ranking: Ranking = DEFAULT,
        require_all: bool = False,
        translator=None,
        into: frozenset | None = None,
    ) -> None:
        self.analyzer = analyzer
        self.ranking = ranking
        self.require_all = require_all
        self.translator = translator  # crosslang.translate.Translator, or None: no translation
        self.into = into  # the languages results may be in (a language filter); None: any
        self._into = into  # and as the query being compiled narrows them (its own lang: clauses)
        self._terms: set[str] = set()
        self._phrases: list[tuple[str, ...]] = []
        self._origins: dict[str, str] = {}
        self._units: list = []
        self._typed: list[str] = []

    def compile(self, text: str) -> CompiledQuery:
        limit = max_query_chars()
        if len(text) > limit:
            raise QuerySyntaxError(f"query is {len(text)} characters long; the limit is {limit}")
        text = "".join(c if c.isprintable() or c in "\t\n" else " " for c in text)
        raw = parse(text)
        self._terms, self._phrases, self._origins, self._units, self._typed = set(), [], {}, [], []
        self._into = _within(self.into, _required_langs(raw))
        tree = self._node(raw, negated=False)
        empty = tree is None
        if tree is None:
            tree = MatchAllQ()
        elif isinstance(tree, BoolQ) and not tree.must and not tree.should and tree.must_not:
            tree = BoolQ(must=(MatchAllQ(),), must_not=tree.must_not)
        elif isinstance(tree, BoolQ) and tree.should and _restricts(tree):  # lang:ja OR kind:paper, alone
            tree = BoolQ(must=(_as_restriction(tree), MatchAllQ()))
        highlight = Highlight(frozenset(self._terms), tuple(self._phrases), dict(self._origins))
        typed = tuple(dict.fromkeys(self._typed))
        return CompiledQuery(text, tree, highlight, empty, tuple(self._units), typed)

    # -- raw node -> Query (None when nothing searchable remains) --
    def _node(self, raw: Node, negated: bool) -> Query | None:
        if isinstance(raw, AnyOf):
            return _bool(should=[q for q in (self._node(r, negated) for r in raw.parts) if q is not None])
        if isinstance(raw, AllOf):
            parts = [q for q in (self._node(r, negated) for r in raw.parts) if q is not None]
            must, must_not = _lift_filters(parts, [])
            return _bool(must, must_not=must_not)
        return self._seq(raw.clauses, negated)

    def _seq(self, items: tuple[Clause, ...], negated: bool) -> Query | None:
        must, should, must_not = [], [], []
        restrict = []  # keyword and date clauses not excluded: they restrict the words, as options do
        bare_terms: list[list[str]] = []  # analysed terms of consecutive unprefixed words
        words: list[tuple[str, list, int, str | None]] = []  # translatable words: (text, list, index, field)
        phrases: list[tuple[str, list, int, str | None]] = []  # translatable quoted phrases
        for item in items:
            occur, atom = item.occur, item.atom
            neg = negated or occur == "-"
            if isinstance(atom, Word) and atom.field not in KEYWORD_FIELDS + ("date",):
                q, word_terms = self._word(atom, neg)
                if atom.field is None and occur == "" and not self.require_all:
                    bare_terms.append(word_terms)
            else:
                q = self._atom(atom, neg)
            if q is None:
                continue
            if occur != "-" and _restricts(q):
                # kind:paper or (lang:ja OR kind:paper) next to words restricts them, it is not an alternative
                restrict.append(_as_restriction(q))
                continue
            if occur == "" and _filter_only(q) and all(isinstance(c, MatchAllQ) for c in q.must):
                # (NOT b) next to words excludes b from them as -b does, not an alternative listing
                # everything else (+(NOT b) stays a required part: everything but b)
                must_not.extend(q.must_not)
                continue
            target = must_not if occur == "-" else must if occur == "+" or self.require_all else should
            target.append(q)
            if not neg and isinstance(atom, (Word, Quoted)) and atom.field not in KEYWORD_FIELDS + ("date",):
                (words if isinstance(atom, Word) else phrases).append((atom.text, target, len(target) - 1, atom.field))
        flat = [t for ts in bare_terms for t in ts]
        if 2 <= len(flat) <= self.ranking.phrase_boost_max_terms and len(bare_terms) > 1:
            should.append(PhraseQ(tuple(flat), boost=self.ranking.phrase_boost))
            if not negated:
                self._phrases.append(tuple(flat))
        if self.translator is not None:
            self._translate(words, phrases, should)
        must, must_not = _lift_filters(must, must_not, optional=bool(should))
        if not restrict:
            return _bool(must, should, must_not)
        # the words nest under the restrictions (at least one still matches), exclusions stay beside
        # them; restrictions score nothing: alone, they list everything they allow, each a match of all
        words = _bool(must, should)
        return _bool([*restrict, words if words is not None else MatchAllQ()], must_not=must_not)

    # -- translation groups --
    def _group(self, unit) -> DisMaxQ:
        clauses = []
        for tr in unit.translations:
            if len(tr.terms) == 1:
                clauses.append(TermQ(tr.terms[0], boost=tr.weight))
                self._terms.add(tr.terms[0])
            else:
                clauses.append(PhraseQ(tr.terms, boost=tr.weight))
                self._phrases.append(tr.terms)
            self._origins.setdefault(" ".join(tr.terms), f"{tr.origin} translation of {tr.source!r}")
        self._units.append(unit)
        return DisMaxQ(tuple(clauses))

    def _pair_groups(self, units) -> list[Query]:
        """Neighbouring units' translations side by side, in either order, as a small extra:
        "named entity" -> 固有 表現, "detection of structure" -> 構造 (の) 検出. Japanese writes
        a translated phrase as a compound, so adjacency is evidence the pair was meant together."""
        cfg = self.translator.config
        if not cfg.pairs:
            return []
        out = []
        for a, b in zip(units, units[1:]):
            clauses = []
            for ta in a.translations[: cfg.pairs]:
                for tb in b.translations[: cfg.pairs]:
                    if ta.terms == tb.terms:
                        continue  # a word typed twice: "research research" is no compound's evidence
                    w = cfg.pair_weight * min(ta.weight, tb.weight)
                    # into English one word may stand between ("extraction of entities")
                    slop = cfg.pair_slop_en if a.lang == "ja" else 0
                    if len(ta.terms) == len(tb.terms) == 1:
                        clauses.append(PhraseQ(ta.terms + tb.terms, boost=w, slop=slop, either_order=True))
                    else:
                        clauses += [
                            PhraseQ(ta.terms + tb.terms, boost=w, slop=slop),
                            PhraseQ(tb.terms + ta.terms, boost=w, slop=slop),
                        ]
                    self._phrases += [ta.terms + tb.terms, tb.terms + ta.terms]
            if clauses:
                out.append(DisMaxQ(tuple(clauses)))
        return out

    def _translate(self, words, phrases, should) -> None:
        """Add each unit's translation group: as an alternative ranked beside the typed words, or,
        where a word is required, as an accepted substitute for it. A word typed in a field
        (``title:reward``) is translated within that field."""
        for field in dict.fromkeys(f for *_, f in words):
            scoped = [w for w in words if w[3] == field]
            units = self.translator.units([w for w, *_ in scoped], self._into)
            for u in units:
                _, target, idx, _ = scoped[u.word_index]
                group = _with_field(self._group(u), field) if field else self._group(u)
                if target is should:
                    should.append(group)
                else:
                    target[idx] = _or_alternative(target[idx], group)
            ranked = [u for u in units if not u.partial and scoped[u.word_index][1] is should]
            should.extend(_with_field(g, field) if field else g for g in self._pair_groups(ranked))
        for text, target, idx, field in phrases:
            alt = self._phrase_translation(text)
            if alt is not None:
                target[idx] = _or_alternative(target[idx], _with_field(alt, field) if field else alt)

    def _phrase_translation(self, text: str) -> Query | None:
        """A quoted phrase's translations, each itself a phrase: every word of the phrase must be
        translated, and the units' translations stand side by side in the phrase's order (into
        English one word may stand between, as "reward of the model"). None when a word has no
        translation: an exact phrase is not loosened into some of its words."""
        units = self.translator.units([text], self._into)
        full = [u for u in units if not u.partial]
        if not full or not self.translator.covers(text, full):
            return None
        cfg = self.translator.config
        combos: list[tuple[tuple[str, ...], float, list]] = [((), 1.0, [])]
        for u in full:
            combos = [
                (terms + tr.terms, min(w, tr.weight), used + [tr])
                for terms, w, used in combos
                for tr in u.translations[: max(cfg.pairs, 1)]
            ][:MAX_PHRASE_TRANSLATIONS]
        slop = cfg.pair_slop_en if full[0].lang == "ja" else 0
        clauses = []
        for terms, weight, used in combos:
            clauses.append(PhraseQ(terms, boost=weight, slop=slop) if len(terms) > 1 else TermQ(terms[0], boost=weight))
            if len(terms) > 1:
                self._phrases.append(terms)
            else:
                self._terms.add(terms[0])
            origin = " + ".join(f"{tr.origin} translation of {tr.source!r}" for tr in used)
            self._origins.setdefault(" ".join(terms), origin)
        self._units.extend(full)
        return DisMaxQ(tuple(clauses))

    def _atom(self, atom: Word | Quoted | Group, negated: bool) -> Query | None:
        """A group, a quoted phrase or a keyword/date value (words: :meth:`_word`)."""
        if isinstance(atom, Group):
            inner = self._node(atom.inner, negated)
            if atom.field is not None and inner is not None:
                inner = _with_field(inner, atom.field)
            return inner
        field, value = atom.field, atom.text
        if field in KEYWORD_FIELDS:
            return keyword(field, value.strip())
        if field == "date":
            return date_range(value.strip())
        analysed = self.analyzer.analyze(value)
        seq = tuple(t.text for t in analysed)
        if not seq:
            return None
        if not negated:
            self._typed += [t.text for t in analysed if not t.stop]
            if len(seq) == 1:
                self._terms.add(seq[0])
            else:
                self._phrases.append(seq)
        return TermQ(seq[0], field) if len(seq) == 1 else PhraseQ(seq, field)

    def _word(self, atom: Word, negated: bool) -> tuple[Query | None, list[str]]:
        """A bare word in a text field, and its analysed terms (for the phrase boost of the
        words around it): stop words do not rank, several terms (unspaced Japanese,
        "state-of-the-art") are alternatives with a phrase boost where they stand together."""
        field = atom.field
        terms = self.analyzer.analyze(atom.text)
        all_terms = [t.text for t in terms]
        ranked = [t.text for t in terms if not t.stop]
        if not ranked:
            return None, all_terms
        if not negated:
            self._terms.update(ranked)
            self._typed += ranked
        if len(ranked) == 1 and len(terms) == 1:
            return TermQ(ranked[0], field), all_terms
        if negated or self.require_all:
            return (PhraseQ(tuple(all_terms), field) if len(terms) > 1 else TermQ(ranked[0], field)), all_terms
        clauses = [TermQ(t, field) for t in dict.fromkeys(ranked)]
        phrase = tuple(all_terms)
        clauses.append(PhraseQ(phrase, field, boost=self.ranking.phrase_boost))
        self._phrases.append(phrase)
        return _bool(should=clauses), all_terms


def _or_alternative(q: Query, alt: Query) -> Query:
    """``q`` or ``alt``: either satisfies the clause; both add to the score."""
    if isinstance(q, BoolQ) and not q.must and not q.must_not:
        return BoolQ(should=q.should + (alt,))
    return BoolQ(should=(q, alt))


def _filter_only(q: Query) -> bool:
    """Whether ``q`` only restricts or excludes (``NOT b``, ``lang:ja``, ``kind:paper -lang:en``):
    a match of everything it allows, with no words to score."""
    return (
        isinstance(q, BoolQ)
        and not q.should
        and all(isinstance(c, MatchAllQ) or is_restriction(c) for c in q.must)
        and bool(q.must or q.must_not)
    )


def _restricts(q: Query) -> bool:
    """Whether ``q`` allows some records and scores no words: a keyword or date clause, a
    filter (``kind:paper -lang:en``) or an OR of them (``lang:ja OR kind:paper``). Not an
    exclusion alone (``NOT b`` allows everything else: there is nothing to restrict to)."""
    return is_restriction(_as_restriction(q))


def _as_restriction(q: Query) -> Query:
    """``q`` without the match of everything a filter compiles to alone: what it allows, scoring
    nothing (``(+lang:ja +*) OR (+kind:paper +*)`` -> ``lang:ja OR kind:paper``); a query with
    words keeps them (and is no restriction)."""
    if not isinstance(q, BoolQ) or (q.should and (q.must or q.must_not)):
        return q
    if q.should:
        return BoolQ(should=tuple(_as_restriction(c) for c in q.should))
    must = tuple(_as_restriction(c) for c in q.must if not isinstance(c, MatchAllQ))
    return must[0] if len(must) == 1 and not q.must_not else BoolQ(must=must, must_not=q.must_not)


def _lift_filters(must: list, must_not: list, optional: bool = False) -> tuple[list, list]:
    """``(must, must_not)`` with each required part that only restricts or excludes (``a AND NOT
    b``, ``a AND lang:ja``, ``+a +(-b)``, ``a AND (lang:ja OR kind:paper)``) taken apart beside
    the other required parts: its restrictions required, its exclusions excluded. The same
    matches, without a required "match of everything allowed" that scores as a match of its own.
    When no other part stays required, one match of everything remains (a filter alone still
    lists what it allows), and only if nothing is ``optional`` beside them (else the optional
    words would become required)."""
    restrict, excluded, kept = [], [], []
    for q in must:
        if _filter_only(q):  # taken apart: its restrictions required, its exclusions excluded
            restrict += [_as_restriction(c) for c in q.must if not isinstance(c, MatchAllQ)]
            excluded += q.must_not
        elif _restricts(q):  # an OR of filters: required as one
            restrict.append(_as_restriction(q))
        else:
            kept.append(q)
    if len(kept) == len(must) or (not kept and optional):
        return must, must_not
    restrict = list(dict.fromkeys(restrict))
    if not kept and restrict:
        kept = [MatchAllQ()]
    return [*restrict, *kept], [*must_not, *excluded]


def _bool(must=(), should=(), must_not=()) -> Query | None:
    must, should, must_not = tuple(must), tuple(should), tuple(must_not)
    if not must and not should and not must_not:
        return None
    if len(should) == 1 and not must and not must_not:
        return should[0]
    if len(must) == 1 and not should and not must_not:
        return must[0]
    return BoolQ(must, should, must_not)


def _with_field(q: Query, field: str) -> Query:
    """Apply a ``field:( ... )`` prefix to every text clause inside a group (translation groups
    included: a scoped word's translations stay in its field)."""
    if isinstance(q, TermQ):
        return TermQ(q.term, q.field or field, q.boost)
    if isinstance(q, PhraseQ):
        return replace(q, field=q.field or field)
    if isinstance(q, DisMaxQ):
        return DisMaxQ(tuple(_with_field(c, field) for c in q.clauses))
    if isinstance(q, BoolQ):
        return BoolQ(*(tuple(_with_field(c, field) for c in part) for part in (q.must, q.should, q.must_not)))
    return q
