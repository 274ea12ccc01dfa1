"""Linked originals: the English passage a Japanese passage summarises, and back.

Within one document, a passage's counterpart is the entry in the other language whose words are
the dictionary translations of its words (bag-of-translations cosine). Records can also name
their original explicitly (``translation_of`` in JSON Lines), which always wins.
"""

from __future__ import annotations

import math

from ..analysis.analyzer import Analyzer
from .lexicon import Lexicon

MIN_SCORE = 0.12  # below this, two passages merely share the topic
KEEP_WITHIN = 0.8  # further counterparts must score at least this fraction of the best


class Linker:
    def __init__(self, analyzer: Analyzer, lexicon: Lexicon) -> None:
        self.analyzer = analyzer
        self.lexicon = lexicon
        self._en_of: dict[str, frozenset[str]] = {}
        self._bags: dict[tuple[str, str], frozenset[str]] = {}  # (lang, text) -> bag; bounded

    def _english_of_lemma(self, lemma: str) -> frozenset[str]:
        got = self._en_of.get(lemma)
        if got is None:
            words: set[str] = set()
            for e in self.lexicon.ja_to_en(lemma, limit=8):
                words.update(self.lexicon.english_key(e.text).split())
            got = self._en_of[lemma] = frozenset(words)
        return got

    def bag(self, text: str, lang: str) -> frozenset[str]:
        """English stems a text means: its own English words plus its Japanese words' glosses."""
        got = self._bags.get((lang, text))
        if got is None:
            if len(self._bags) > 4096:
                self._bags.clear()
            got = self._bags[(lang, text)] = frozenset(self._bag(text, lang))
        return got

    def _bag(self, text: str, lang: str) -> set[str]:
        out: set[str] = set()
        for t in self.analyzer.analyze(text):
            if t.stop:
                continue
            if t.text.isascii():
                out.add(t.text)
            elif lang == "ja":
                out |= self._english_of_lemma(t.text)
        return out

    def rank(self, text: str, lang: str, candidates: list[dict]) -> list[tuple[dict, float]]:
        mine = self.bag(text, lang)
        if not mine:
            return []
        scored = []
        for rec in candidates:
            other = self.bag(f"{rec.get('title', '')} {rec.get('text', '')}", rec.get("lang", ""))
            if other:
                s = len(mine & other) / math.sqrt(len(mine) * len(other))
                if s >= MIN_SCORE:
                    scored.append((rec, s))
        scored.sort(key=lambda rs: -rs[1])
        return [rs for rs in scored if rs[1] >= scored[0][1] * KEEP_WITHIN][:2] if scored else []
