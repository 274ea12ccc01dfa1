"""Did-you-mean: a corrected query from the index's own vocabulary.

A query word the index does not contain (``alignmnet``, a misspelt katakana word) is replaced by
the most frequent indexed word within a small edit distance. Adjacent katakana tokens are checked
as one word, since MeCab splits unknown katakana words into known-looking pieces.
"""

from __future__ import annotations

from ..analysis.analyzer import ENGLISH_STOP_WORDS
from ..analysis.tokenizer import Token
from ..analysis.unicode import JA
from .searchable import Searchable

OPERATORS = {"AND", "OR", "NOT", "TO"}
MAX_CORRECTIONS = 5  # unknown words looked up per query: a query of many unknown words gets no suggestion


def _katakana(tok: Token) -> bool:
    return tok.lang == JA and all("\u30a0" <= c <= "\u30ff" for c in tok.norm)


def _words(query: str, tokens: list[Token]) -> list[tuple[int, int, tuple[str, ...]]]:
    """(start, end, spellings) for each word worth checking, katakana runs merged; the word is
    known when the index has any of its spellings (as typed, or its dictionary lemma)."""
    out: list[tuple[int, int, tuple[str, ...]]] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok.function or (tok.lang == "en" and tok.norm in ENGLISH_STOP_WORDS):
            i += 1
            continue
        if query[tok.start : tok.end] in OPERATORS or query[tok.end : tok.end + 1] == ":":
            i += 1  # an operator or a field name
            continue
        if _katakana(tok):
            j = i
            while j + 1 < len(tokens) and _katakana(tokens[j + 1]) and tokens[j + 1].start == tokens[j].end:
                j += 1
            run = tokens[i : j + 1]
            out.append((tok.start, tokens[j].end, ("".join(t.norm for t in run), "".join(t.lemma for t in run))))
            i = j + 1
            continue
        out.append((tok.start, tok.end, (tok.norm,) if tok.lang == "en" else (tok.lemma, tok.norm)))
        i += 1
    return out


def suggestion(index: Searchable, query: str) -> str | None:
    """The query with unknown words corrected, or None when every word is known or no
    correction exists."""
    engine = index.engine
    tokens = index.analyzer.tokenizer.tokenize(query)
    changed = False
    out = query
    unknown = []
    for start, end, spellings in _words(query, tokens):
        word = spellings[0]
        if len(word) < 3 or any(engine.word_frequency(w) > 0 for w in dict.fromkeys(spellings)):
            continue  # the typed word itself is in the index: never "corrected"
        unknown.append((start, end, word))
    if len(unknown) > MAX_CORRECTIONS:
        return None  # not a misspelt query but text the index does not hold (and each lookup costs)
    for start, end, word in reversed(unknown):
        cands = engine.suggest(word)
        if cands:
            out = out[:start] + cands[0] + out[end:]
            changed = True
    return out if changed and out != query else None
