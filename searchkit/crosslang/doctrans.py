"""Document translation: each entry's words translated at index time, to re-rank translated queries.

Query translation sees a title's few words; the abstract that answers it has a hundred, and
a dictionary translates a word better from its side (文章 glosses "writing", "composition";
nothing reverses "text" to it). With ``searchkit index --translate-documents`` every Japanese
and English entry gets a *bag*: the other-language index terms its words translate to
(JMdict, UniDic, derivations), each word's candidates sharing one unit of weight by dictionary
rank (a probabilistic translation of the document, as in Xu & Weischedel's cross-lingual
language models). A translated query re-ranks its other-language candidates with BM25 of the
words the user typed over those bags:

    score = lexical + WEIGHT * lexical_best * bm25 / bm25_best

within each language's candidates (the lexical top DEPTH), so the matches and the total stay
those of the lexical query. The bags come from the dictionaries alone (no index evidence), so
a file's bags depend on that file only: kept per source file beside the engine's data and
updated with it, like the mined pairs. English -> Japanese lookups keep the dictionary's
common entries only (there is no index evidence to tell the words Japanese writers use from
the rare ones). Chosen on the dev half of ``bench.crosslang`` (see the README's table).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

from ..analysis.analyzer import ENGLISH_STOP_WORDS
from ..engines.base import EngineHit
from .mining import PerFile

FILE = "document-translations.json"
WEIGHT = 0.5  # the bags' share of a re-ranked score, relative to the lexical best
DEPTH = 100  # the lexical candidates re-ranked per language
PER_WORD = 12  # dictionary candidates kept per word
K1, B = 1.2, 0.75  # BM25 over the bags
SOURCES = ("unidic", "jmdict", "derived")
_SENTENCE = re.compile(r"(?<=[。．！？.!?])\s*")


class DocumentTranslations(PerFile):
    """Per source file: ``[id, lang, {term: weight}]`` of each entry; the scorer over all of
    them is built on first use (in memory: no table beside them)."""

    def scorer(self) -> DocumentScorer:
        if self._derived is None:
            self._derived = DocumentScorer([item for items in self.by_file.values() for item in items])
        return self._derived


def document_translator(analyzer, lexicon):
    """A translator for whole documents: the dictionaries only, no index evidence (a file's
    bags depend on that file alone), no co-occurrence, each word looked up once per run."""
    from .translate import Translator, TranslatorConfig

    return Translator(
        analyzer,
        lexicon,
        doc_frequency=lambda term: 1,
        doc_ids=lambda term: frozenset(),
        phrase_frequency=lambda terms: 1,
        vocabulary=tuple,
        config=TranslatorConfig(sources=SOURCES, coherence=0.0, per_unit=PER_WORD, common_only=True),
        unit_cache={},
    )


def bags(entries, translator) -> list[list]:
    """``[id, lang, {term: weight}]`` of each Japanese or English entry (``translator``: from
    :func:`translator_for_documents`)."""
    out = []
    for e in entries:
        if e.lang not in ("ja", "en"):
            continue
        bag = bag_of("\n".join(x for x in (e.title, e.text) if x), translator)
        if bag:
            out.append([e.id, e.lang, {t: round(w, 3) for t, w in bag.items()}])
    return out


def bag_of(text: str, translator) -> Counter:
    """The other-language terms ``text``'s words translate to, sentence by sentence (a unit does
    not cross sentences), each word's translations sharing one unit of weight."""
    bag: Counter = Counter()
    for sentence in _SENTENCE.split(text):
        words = sentence.split()
        if not words:
            continue
        for unit in translator.units(words):
            if unit.partial or not unit.translations:
                continue
            total = sum(t.weight for t in unit.translations)
            for t in unit.translations:
                for term in t.terms:
                    if term not in ENGLISH_STOP_WORDS:  # "to" of "to state": no query asks for it
                        bag[term] += t.weight / total
    return bag


@dataclass(frozen=True)
class _Stats:
    n: int
    df: Counter
    avg: float


class DocumentScorer:
    """BM25 of query terms over the entries' bags, each language's bags a collection of its own."""

    def __init__(self, items: list[list]) -> None:
        self.bags: dict[str, dict[str, float]] = {}
        df: dict[str, Counter] = {}
        length: Counter = Counter()
        count: Counter = Counter()
        self._lengths: dict[str, float] = {}
        self._langs: dict[str, str] = {}
        for rid, lang, bag in items:
            self.bags[rid] = bag
            self._langs[rid] = lang
            self._lengths[rid] = size = sum(bag.values())
            df.setdefault(lang, Counter()).update(bag.keys())
            length[lang] += size
            count[lang] += 1
        self._stats = {lang: _Stats(count[lang], df[lang], length[lang] / count[lang]) for lang in count}

    def __len__(self) -> int:
        return len(self.bags)

    def score(self, terms: list[str], record_id: str) -> float:
        bag = self.bags.get(record_id)
        if not bag:
            return 0.0
        st = self._stats[self._langs[record_id]]
        norm = K1 * (1 - B + B * self._lengths[record_id] / st.avg) if st.avg else K1
        out = 0.0
        for term in terms:
            tf = bag.get(term, 0.0)
            if tf:
                df = st.df[term]
                out += math.log(1 + (st.n - df + 0.5) / (df + 0.5)) * tf * (K1 + 1) / (tf + norm)
        return out


def rerank(hits: list, terms: list[str], scorer: DocumentScorer, weight: float | None = None) -> tuple[list, dict]:
    """``hits`` (EngineHit, best first) re-ranked with the bags; (hits, id -> the part added)."""
    weight = WEIGHT if weight is None else weight
    if not hits or not terms:
        return hits, {}
    found = [scorer.score(terms, h.record["id"]) for h in hits]
    best = max(found)
    if best <= 0:
        return hits, {}
    top = hits[0].score
    added = {h.record["id"]: weight * top * f / best for h, f in zip(hits, found)}
    order = sorted(range(len(hits)), key=lambda i: -(hits[i].score + added[hits[i].record["id"]]))
    out = [EngineHit(hits[i].record, hits[i].score + added[hits[i].record["id"]]) for i in order]
    return out, {k: v for k, v in added.items() if v}
