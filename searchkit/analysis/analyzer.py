"""The engine-agnostic analysis pipeline: tokens -> index terms with positions and offsets.

Both engines index exactly these terms (Whoosh through a thin tokenizer wrapper, tantivy as
pre-tokenized text), and highlighting re-uses them, so matching and highlighting always agree.

Policy (see README, "Analysis"):
- Japanese: the UniDic lemma is the term, so orthographic variants meet (改ざん = 改竄,
  アライメント = アラインメント) and conjugated forms meet their base form. Particles,
  auxiliaries, symbols and dependent verbs (する, いる) are not terms.
- English: lower-cased Snowball stems (evaluation = evaluations). Stop words *are* indexed so
  that phrases stay exact, and are dropped from non-phrase queries so they do not rank.
- Positions count terms only (consecutive), so a phrase matches what the reader sees as the
  phrase: "報酬関数の改ざん" matches 報酬 関数 改竄 at adjacent positions.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass
from typing import NamedTuple

from .tokenizer import Tokenizer

# Lucene's classic English stop set (EnglishAnalyzer.ENGLISH_STOP_WORDS_SET), plus the clitic "s".
ENGLISH_STOP_WORDS = frozenset(
    "a an and are as at be but by for if in into is it no not of on or such that the their "
    "then there these they this to was will with s".split()
)

ENGLISH_CACHE = 100_000  # English words whose stems an Analyzer remembers
ANALYZER_VERSION = 1  # bump whenever terms change: indexes built with another version are refused


_new = tuple.__new__  # builds a Term without the Python-level NamedTuple constructor


class Term(NamedTuple):
    text: str  # the index term
    pos: int  # consecutive term position
    start: int  # [start, end) into the original text
    end: int
    stop: bool  # an English stop word: indexed, but not a ranking term in queries
    gloss: str  # UniDic's English source for a Japanese loanword, else ""


@dataclass
class AnalyzerConfig:
    stemmer: str = "english"  # Snowball algorithm name, or "" for no stemming

    def as_dict(self) -> dict:
        return {"stemmer": self.stemmer, "version": ANALYZER_VERSION}


class Analyzer:
    """Text -> :class:`Term` list. Cheap to create; the tagger and stemmer are built on first use."""

    def __init__(self, config: AnalyzerConfig | None = None) -> None:
        self.config = config or AnalyzerConfig()
        self.tokenizer = Tokenizer()
        self._stem = None
        self._english: dict[str, tuple[str, bool]] = {}  # word -> (stem, stop word?)

    def __getstate__(self) -> dict:
        return {"config": self.config}

    def __setstate__(self, state: dict) -> None:
        self.__init__(state["config"])

    def stemmer(self):
        """The English stemming function (word -> stem); identity when stemming is off."""
        if self._stem is None:
            if self.config.stemmer:
                import Stemmer  # PyStemmer: the Snowball C stemmers

                self._stem = Stemmer.Stemmer(self.config.stemmer).stemWord
            else:
                self._stem = str
        return self._stem

    def analyze(self, text: str) -> list[Term]:
        """All index terms of ``text`` (stop words included, flagged), in order."""
        return self.analyze_words(text)[0]

    def analyze_words(self, text: str) -> tuple[list[Term], list[str]]:
        """The terms of ``text`` and, for each, the unstemmed word it came from (the lower-cased
        English word or the Japanese lemma), in one pass: indexing needs both."""
        english = self._english
        out: list[Term] = []
        words: list[str] = []
        pos = 0
        for offset, tokens in self.tokenizer.lines(text):
            for norm, start, end, lang, lemma, gloss, function in tokens:
                if function:
                    continue
                if lang == "ja":
                    out.append(_new(Term, (lemma, pos, start + offset, end + offset, False, gloss)))
                    words.append(lemma)
                else:
                    stem, stop = english.get(norm) or self._learn(norm)
                    out.append(_new(Term, (stem, pos, start + offset, end + offset, stop, "")))
                    words.append(norm)
                pos += 1
        return out, words

    def index_columns(self, text: str) -> tuple[list[str], list[str], array]:
        """What indexing needs of ``text`` as three columns: the terms, the unstemmed word of each
        (see :meth:`analyze_words`) and their offsets (start, end, start, end, ...). The same
        as :meth:`analyze_words` gives, mostly without building Token and Term objects."""
        terms: list[str] = []
        words: list[str] = []
        offsets = array("I")
        english, learn = self._english, self._learn
        offset = 0
        for line in text.split("\n") if "\n" in text else (text,):
            fast = self.tokenizer.index_words(line)
            if fast is not None:
                ws, spans, latin = fast
                words += ws
                if latin is None:  # all English
                    terms += [(english.get(w) or learn(w))[0] for w in ws]
                else:  # Japanese lemmas are the terms; English words are stemmed
                    line_terms = list(ws)
                    for i in latin:
                        line_terms[i] = (english.get(ws[i]) or learn(ws[i]))[0]
                    terms += line_terms
                offsets.extend([x + offset for x in spans] if offset else spans)
            else:
                line_terms, line_words = self.analyze_words(line)
                words += line_words
                terms += [t.text for t in line_terms]
                offsets.extend([x + offset for t in line_terms for x in (t.start, t.end)])
            offset += len(line) + 1
        return terms, words, offsets

    def _learn(self, word: str) -> tuple[str, bool]:
        """(stem, stop word?) of an English word, remembered (words repeat)."""
        stem = self.stemmer()(word)
        if len(self._english) >= ENGLISH_CACHE:
            self._english.clear()
        got = self._english[word] = (stem, word in ENGLISH_STOP_WORDS or stem in ENGLISH_STOP_WORDS)
        return got

    def index_terms(self, text: str) -> list[str]:
        return [t.text for t in self.analyze(text)]
