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
from dataclasses import dataclass

from ..analysis.analyzer import Analyzer
from ..errors import QuerySyntaxError
from ..models import KINDS, LANGS
from ..ranking import DEFAULT, Ranking
from ..settings import max_query_chars
from .highlight import Highlight
from .tree import (
    KEYWORD_FIELDS,
    TEXT_FIELDS,
    BoolQ,
    DateRangeQ,
    DisMaxQ,
    KeywordQ,
    MatchAllQ,
    PhraseQ,
    Query,
    TermQ,
)

FIELDS = TEXT_FIELDS + KEYWORD_FIELDS + ("date",)
# arXiv-style prefixes researchers already type
FIELD_ALIASES = {"ti": "title", "abs": "text", "abstract": "text", "cat": "category", "body": "text"}

_LEX = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<prefix>[+-])(?=["(]|[A-Za-z_]+:[^\s)])
  | (?P<lparen>\()
  | (?P<rparen>\))
  | (?P<quote>"[^"]*"?)
  | (?P<field>[A-Za-z_]+):(?=[^\s)])
  | (?P<range>\[[^\]]*\]?)
  | (?P<word>[^\s()"]+)
    """,
    re.VERBOSE,
)
_OPERATORS = {"AND", "OR", "NOT"}
MAX_PHRASE_TRANSLATIONS = 8  # combinations of the units' translations tried for one quoted phrase
MAX_DEPTH = 32  # nested parentheses: deeper is an error, not a RecursionError


@dataclass(frozen=True)
class Tok:
    kind: str  # lparen rparen quote field word and or not
    value: str
    prefix: str = ""  # "+" or "-" on a word, quote, field or group


def lex(text: str) -> list[Tok]:
    toks: list[Tok] = []
    pending = ""
    for m in _LEX.finditer(text):
        kind, value = m.lastgroup, m.group()
        if kind == "ws":
            continue
        if kind == "prefix":
            pending = value
            continue
        if kind == "field":
            value = value[:-1]
        if kind == "quote":
            if len(value) < 2 or not value.endswith('"'):
                raise QuerySyntaxError('unbalanced quote in the query: close the phrase with "')
            value = value[1:-1]
        if kind == "word":
            if value in _OPERATORS:
                toks.append(Tok(value.lower(), value))
                continue
            if value[0] in "+-":
                # "+word" / "-word"; a lone "-" or "+" is just punctuation
                rest = value.lstrip("+-")
                if rest:
                    toks.append(Tok("word", rest, value[0]))
                continue
        if kind in ("lparen", "quote", "field") and pending:
            toks.append(Tok(kind, value, pending))
            pending = ""
            continue
        toks.append(Tok(kind, value))
    return toks


class _Parser:
    """Recursive descent over the lexed tokens, producing the raw tree (unanalysed)."""

    def __init__(self, toks: list[Tok]) -> None:
        self.toks = toks
        self.i = 0
        self.depth = 0

    def peek(self) -> Tok | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self) -> Tok:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def parse(self):
        if not self.toks:
            return ("seq", [])
        node = self.or_expr()
        if self.peek() is not None:
            raise QuerySyntaxError("unbalanced ')' in the query: remove it or add a matching '('")
        return node

    def or_expr(self):
        parts = [self.and_expr()]
        while self.peek() and self.peek().kind == "or":
            self.take()
            parts.append(self.and_expr())
        return parts[0] if len(parts) == 1 else ("or", parts)

    def and_expr(self):
        parts = [self.seq()]
        while self.peek() and self.peek().kind == "and":
            self.take()
            parts.append(self.seq())
        return parts[0] if len(parts) == 1 else ("and", parts)

    def seq(self):
        items = []
        while True:
            tok = self.peek()
            if tok is None or tok.kind in ("or", "and", "rparen"):
                break
            items.append(self.clause())
        if not items:
            raise QuerySyntaxError("an operator (AND/OR/NOT) needs a word on each side")
        return ("seq", items)

    def clause(self):
        tok = self.peek()
        occur = ""
        if tok.kind == "not":
            self.take()
            occur = "-"
            if self.peek() is None or self.peek().kind in ("or", "and", "rparen"):
                raise QuerySyntaxError("NOT needs a word after it")
        node, prefix = self.atom()
        return (occur or prefix, node)

    def atom(self, field: str | None = None):
        tok = self.take()
        if tok.kind == "lparen":
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise QuerySyntaxError(f"the query nests parentheses more than {MAX_DEPTH} deep")
            inner = self.or_expr() if self.peek() and self.peek().kind != "rparen" else ("seq", [])
            self.depth -= 1
            if self.peek() is None or self.peek().kind != "rparen":
                raise QuerySyntaxError("unbalanced '(' in the query: add the missing ')'")
            self.take()
            return ("group", field, inner), tok.prefix
        if tok.kind == "field":
            name = FIELD_ALIASES.get(tok.value.lower(), tok.value.lower())
            if name not in FIELDS:
                known = ", ".join(FIELDS + tuple(FIELD_ALIASES))
                raise QuerySyntaxError(
                    f"unknown field '{tok.value}:' (fields: {known}); put the text in quotes to search it"
                )
            if field is not None:
                raise QuerySyntaxError("a field prefix cannot be nested inside another")
            if self.peek() is None:
                raise QuerySyntaxError(f"field '{name}:' needs a value")
            if name not in TEXT_FIELDS and self.peek().kind == "lparen" and name != "date":
                raise QuerySyntaxError(f"'{name}:' takes one value, not a group: write {name}:A OR {name}:B")
            if name == "date" and self.peek().kind == "lparen":
                raise QuerySyntaxError("'date:' takes one date or range, not a group: write date:2025..2026")
            node, _ = self.atom(name)
            return node, tok.prefix
        if tok.kind == "quote":
            return ("phrase", field, tok.value), tok.prefix
        if tok.kind == "range" and field is None:
            return ("word", None, tok.value), tok.prefix  # "[CLS] token": brackets are just text
        if tok.kind == "range":
            if field != "date":
                raise QuerySyntaxError("a [A TO B] range only works with date:, e.g. date:[2025-01-01 TO 2025-06-30]")
            m = re.fullmatch(r"\[\s*(\S+)\s+TO\s+(\S+)\s*\]", tok.value)
            if not m:
                raise QuerySyntaxError(
                    f"bad date range {tok.value!r}: write date:[2025-01-01 TO 2025-12-31] (* for open)"
                )
            lo, hi = ("" if v == "*" else v for v in m.groups())
            return ("word", field, f"{lo}..{hi}"), tok.prefix
        if tok.kind == "word":
            return ("word", field, tok.value), tok.prefix
        if tok.kind in ("or", "and", "not"):
            raise QuerySyntaxError(f"{tok.value} needs a word on each side")
        raise QuerySyntaxError("unbalanced ')' in the query: remove it or add a matching '('")


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
        s = f'{q.field + ":" if q.field else ""}"{" ".join(q.terms)}"'
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
        self, analyzer: Analyzer, ranking: Ranking = DEFAULT, require_all: bool = False, translator=None
    ) -> None:
        self.analyzer = analyzer
        self.ranking = ranking
        self.require_all = require_all
        self.translator = translator  # crosslang.translate.Translator, or None: no translation
        self._terms: set[str] = set()
        self._phrases: list[tuple[str, ...]] = []
        self._origins: dict[str, str] = {}
        self._units: list = []
        self._last_word_terms: list[str] = []  # analysed terms of the bare word _atom just compiled

    def compile(self, text: str) -> CompiledQuery:
        limit = max_query_chars()
        if len(text) > limit:
            raise QuerySyntaxError(f"query is {len(text)} characters long; the limit is {limit}")
        text = "".join(c if c.isprintable() or c in "\t\n" else " " for c in text)
        raw = _Parser(lex(text)).parse()
        self._terms, self._phrases, self._origins, self._units = set(), [], {}, []
        tree = self._node(raw, negated=False)
        empty = tree is None
        if tree is None:
            tree = MatchAllQ()
        elif isinstance(tree, BoolQ) and not tree.must and not tree.should and tree.must_not:
            tree = BoolQ(must=(MatchAllQ(),), must_not=tree.must_not)
        highlight = Highlight(frozenset(self._terms), tuple(self._phrases), dict(self._origins))
        return CompiledQuery(text, tree, highlight, empty, tuple(self._units))

    # -- raw node -> Query (None when nothing searchable remains) --
    def _node(self, raw, negated: bool) -> Query | None:
        kind = raw[0]
        if kind == "or":
            parts = [q for q in (self._node(r, negated) for r in raw[1]) if q is not None]
            return _bool(should=parts)
        if kind == "and":
            parts = [q for q in (self._node(r, negated) for r in raw[1]) if q is not None]
            return _bool(must=parts)
        if kind == "seq":
            return self._seq(raw[1], negated)
        raise AssertionError(kind)  # pragma: no cover - the parser produces nothing else

    def _seq(self, items, negated: bool) -> Query | None:
        must, should, must_not = [], [], []
        bare_terms: list[list[str]] = []  # analysed terms of consecutive unprefixed words
        words: list[tuple[str, list, int, str | None]] = []  # translatable words: (text, list, index, field)
        phrases: list[tuple[str, list, int, str | None]] = []  # translatable quoted phrases
        for occur, atom in items:
            neg = negated or occur == "-"
            q = self._atom(atom, neg)
            if atom[0] == "word" and atom[1] is None and occur == "" and not self.require_all:
                bare_terms.append(self._last_word_terms)
            if q is None:
                continue
            if occur == "" and isinstance(q, (KeywordQ, DateRangeQ)):
                occur = "+"  # kind:paper next to words restricts them, it is not an alternative
            target = must_not if occur == "-" else must if occur == "+" or self.require_all else should
            target.append(q)
            if not neg and atom[1] not in KEYWORD_FIELDS + ("date",) and atom[0] in ("word", "phrase"):
                (words if atom[0] == "word" else phrases).append((atom[2], target, len(target) - 1, atom[1]))
        flat = [t for ts in bare_terms for t in ts]
        if 2 <= len(flat) <= self.ranking.phrase_boost_max_terms and len(bare_terms) > 1:
            should.append(PhraseQ(tuple(flat), boost=self.ranking.phrase_boost))
            if not negated:
                self._phrases.append(tuple(flat))
        if self.translator is not None:
            self._translate(words, phrases, should)
        return _bool(must, should, must_not)

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
                    w = cfg.pair_weight * min(ta.weight, tb.weight)
                    # into English one word may stand between ("extraction of entities")
                    slop = cfg.pair_slop_en if a.lang == "ja" else 0
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
            units = self.translator.units([w for w, *_ in scoped])
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
        units = self.translator.units([text])
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

    def _atom(self, atom, negated: bool) -> Query | None:
        kind, field = atom[0], atom[1]
        self._last_word_terms = []
        if kind == "group":
            inner = self._node(atom[2], negated)
            if field is not None and inner is not None:
                inner = _with_field(inner, field)
            return inner
        value = atom[2]
        if field in KEYWORD_FIELDS:
            return keyword(field, value.strip())
        if field == "date":
            return date_range(value.strip())
        terms = self.analyzer.analyze(value)
        if kind == "phrase":
            seq = tuple(t.text for t in terms)
            if not seq:
                return None
            if not negated:
                if len(seq) == 1:
                    self._terms.add(seq[0])
                else:
                    self._phrases.append(seq)
            return TermQ(seq[0], field) if len(seq) == 1 else PhraseQ(seq, field)
        # a bare word: stop words do not rank, several terms (unspaced Japanese, "state-of-the-art")
        # are alternatives with a phrase boost where they stand together
        ranked = [t.text for t in terms if not t.stop]
        self._last_word_terms = [t.text for t in terms]
        if not ranked:
            return None
        if not negated:
            self._terms.update(ranked)
        if len(ranked) == 1 and len(terms) == 1:
            return TermQ(ranked[0], field)
        if negated or self.require_all:
            return PhraseQ(tuple(t.text for t in terms), field) if len(terms) > 1 else TermQ(ranked[0], field)
        clauses = [TermQ(t, field) for t in dict.fromkeys(ranked)]
        phrase = tuple(t.text for t in terms)
        clauses.append(PhraseQ(phrase, field, boost=self.ranking.phrase_boost))
        self._phrases.append(phrase)
        return _bool(should=clauses)


def _or_alternative(q: Query, alt: Query) -> Query:
    """``q`` or ``alt``: either satisfies the clause; both add to the score."""
    if isinstance(q, BoolQ) and not q.must and not q.must_not:
        return BoolQ(should=q.should + (alt,))
    return BoolQ(should=(q, alt))


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
        return PhraseQ(q.terms, q.field or field, q.boost, q.slop)
    if isinstance(q, DisMaxQ):
        return DisMaxQ(tuple(_with_field(c, field) for c in q.clauses))
    if isinstance(q, BoolQ):
        return BoolQ(*(tuple(_with_field(c, field) for c in part) for part in (q.must, q.should, q.must_not)))
    return q
