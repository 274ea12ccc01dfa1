"""Query strings -> the raw tree (what the user wrote: words, phrases, groups, operators), before
any analysis. Syntax: README, "Query syntax"."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import QuerySyntaxError
from .tree import KEYWORD_FIELDS, TEXT_FIELDS

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
                rest = value.lstrip("+-")
                if rest:
                    toks.append(Tok("word", rest, operator_sign(value)))
                continue
        if kind in ("lparen", "quote", "field") and pending:
            toks.append(Tok(kind, value, pending))
            pending = ""
            continue
        toks.append(Tok(kind, value))
    return toks


def operator_sign(word: str) -> str:
    """ "+" or "-" when ``word`` starts with one sign before its text (a required or excluded
    word), else "": a lone sign, or a run of them (titles write "---Refinement" for a dash), is
    punctuation."""
    rest = word.lstrip("+-")
    return word[0] if rest and len(word) - len(rest) == 1 else ""


# -- the raw tree: what the user wrote, before analysis --
@dataclass(frozen=True)
class Word:
    """An unquoted word (or unspaced Japanese run), in ``field`` or every text field (None)."""

    field: str | None
    text: str


@dataclass(frozen=True)
class Quoted:
    """A quoted phrase."""

    field: str | None
    text: str


@dataclass(frozen=True)
class Group:
    """A parenthesised sub-query, optionally under a field prefix: ``title:(a OR b)``."""

    field: str | None
    inner: Node


@dataclass(frozen=True)
class Clause:
    """One item of a sequence: ``occur`` is "" (ranked alternative), "+" (required) or "-"
    (excluded, also NOT)."""

    occur: str
    atom: Word | Quoted | Group


@dataclass(frozen=True)
class Seq:
    """Items side by side without an operator."""

    clauses: tuple[Clause, ...]


@dataclass(frozen=True)
class AnyOf:
    """``a OR b``."""

    parts: tuple[Node, ...]


@dataclass(frozen=True)
class AllOf:
    """``a AND b``."""

    parts: tuple[Node, ...]


Node = Seq | AnyOf | AllOf


def parse(text: str) -> Node:
    """The raw tree of a query string (QuerySyntaxError on bad input)."""
    return _Parser(lex(text)).parse()


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
            return Seq(())
        node = self.or_expr()
        if self.peek() is not None:
            raise QuerySyntaxError("unbalanced ')' in the query: remove it or add a matching '('")
        return node

    def or_expr(self):
        parts = [self.and_expr()]
        while self.peek() and self.peek().kind == "or":
            self.take()
            parts.append(self.and_expr())
        return parts[0] if len(parts) == 1 else AnyOf(tuple(parts))

    def and_expr(self):
        parts = [self.seq()]
        while self.peek() and self.peek().kind == "and":
            self.take()
            parts.append(self.seq())
        return parts[0] if len(parts) == 1 else AllOf(tuple(parts))

    def seq(self):
        items = []
        while True:
            tok = self.peek()
            if tok is None or tok.kind in ("or", "and", "rparen"):
                break
            items.append(self.clause())
        if not items:
            raise QuerySyntaxError("an operator (AND/OR/NOT) needs a word on each side")
        return Seq(tuple(items))

    def clause(self):
        tok = self.peek()
        occur = ""
        if tok.kind == "not":
            self.take()
            occur = "-"
            if self.peek() is None or self.peek().kind in ("or", "and", "rparen"):
                raise QuerySyntaxError("NOT needs a word after it")
        node, prefix = self.atom()
        return Clause(occur or prefix, node)

    def atom(self, field: str | None = None):
        tok = self.take()
        if tok.kind == "lparen":
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise QuerySyntaxError(f"the query nests parentheses more than {MAX_DEPTH} deep")
            inner = self.or_expr() if self.peek() and self.peek().kind != "rparen" else Seq(())
            self.depth -= 1
            if self.peek() is None or self.peek().kind != "rparen":
                raise QuerySyntaxError("unbalanced '(' in the query: add the missing ')'")
            self.take()
            return Group(field, inner), tok.prefix
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
            return Quoted(field, tok.value), tok.prefix
        if tok.kind == "range" and field is None:
            return Word(None, tok.value), tok.prefix  # "[CLS] token": brackets are just text
        if tok.kind == "range":
            if field != "date":
                raise QuerySyntaxError("a [A TO B] range only works with date:, e.g. date:[2025-01-01 TO 2025-06-30]")
            m = re.fullmatch(r"\[\s*(\S+)\s+TO\s+(\S+)\s*\]", tok.value)
            if not m:
                raise QuerySyntaxError(
                    f"bad date range {tok.value!r}: write date:[2025-01-01 TO 2025-12-31] (* for open)"
                )
            lo, hi = ("" if v == "*" else v for v in m.groups())
            return Word(field, f"{lo}..{hi}"), tok.prefix
        if tok.kind == "word":
            return Word(field, tok.value), tok.prefix
        if tok.kind in ("or", "and", "not"):
            raise QuerySyntaxError(f"{tok.value} needs a word on each side")
        raise QuerySyntaxError("unbalanced ')' in the query: remove it or add a matching '('")
