"""Query translation as structured queries (dictionary-based cross-language retrieval).

Query words are segmented into *units*: the longest runs of words any resource knows as one term
("reward hacking", 報酬関数, 好奇心), else single words. Each unit gets a *translation group*:
candidate translations from every source, kept only if the index contains them (evidence), scored
by source reliability and dictionary rank, at most a few per unit. query.py turns a group into a
disjunction-max clause so that a word with ten translations weighs no more than a word with one,
and translations are weighted below the words the user typed.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace

from ..analysis.analyzer import Analyzer
from ..analysis.tokenizer import Token
from ..analysis.unicode import is_kanji
from ..query.tree import BoolQ, Query, TermQ
from .derive import JA_SUFFIXES, english_derivation
from .learned import Learned
from .lexicon import Lexicon
from .mining import normalize_key
from .translit import KATAKANA, MIN_SPELLING, SoundIndex

# a dictionary-known word's transliteration needs the same consonant skeleton and this spelling
# similarity (hallucination / ハルシネーション .6, backdoor / バックドア .67; plus / プロセス .5)
KNOWN_WORD_SPELLING = 0.55

SOURCES = ("glossary", "mined", "unidic", "jmdict", "translit", "derived", "chain", "learned")
# English function words: not worth translating on their own (Snowball's English stop list,
# plus prepositions that titles use as glue). Inside a longer unit they still count.
FUNCTION_WORDS = frozenset(
    """
i me my myself we our ours ourselves you your yours yourself yourselves he him his himself she her hers
herself it its itself they them their theirs themselves what which who whom this that these those am is
are was were be been being have has had having do does did doing would should could ought a an the and
but if or because as until while of at by for with about against between into through during before
after above below to from up down in out on off over under again further then once here there when where
why how all any both each few more most other some such no nor not only own same so than too very can
will just s t don shall may might must via toward towards using based upon within without among across
""".split()
)
# derived: a dictionary translation of the word's base with the suffix applied (頑健性 -> robust-ness);
# chain: through one pivot of the dictionaries when no direct translation occurs in the index
# learned: from the collection's own linked ja/en passages (crosslang.learned), times its strength
SOURCE_WEIGHT = {
    "glossary": 1.0,
    "mined": 0.9,
    "unidic": 0.9,
    "jmdict": 0.8,
    "translit": 0.6,
    "derived": 0.7,
    "chain": 0.5,
    "learned": 0.7,
}
CHAIN_PIVOTS, CHAIN_FAN_OUT = 12, 6  # pivots followed by a chained lookup, and translations of each
CHAIN_CANDIDATES = 240  # at most this many chained candidates are scored (each is analysed), in pivot order
MAX_UNIT_TOKENS = 4
PROPERTY = "性"  # X+性, the property of being X (see _derivatives)
# Japanese suffixes that make adjectives and abstract nouns of a noun (-ic/-al, -ity/-ness, -ize):
# a translation ending in one also stands for the bare noun
JA_DERIVATIONAL_SUFFIXES = frozenset({"的", "性", "化"})
RELATED_FORM = "a related form"  # the ``via`` of a translation's derivational relative (summary: summar)


@dataclass(frozen=True)
class Translation:
    source: str  # the query word(s) translated, as typed
    target: str  # the translation as written in the resource
    terms: tuple[str, ...]  # its index terms (a phrase when several)
    origin: str  # one of SOURCES
    weight: float  # relative to 1.0 for a word the user typed
    via: str = ""  # derived and chained translations: what they were derived or chained from

    def to_dict(self) -> dict:
        out = {
            "from": self.source,
            "to": self.target,
            "terms": list(self.terms),
            "source": self.origin,
            "weight": round(self.weight, 3),
        }
        if self.via:
            out["via"] = self.via
        return out


@dataclass(frozen=True)
class Unit:
    text: str  # as typed
    lang: str
    word_index: int  # the query word the unit starts in
    translations: tuple[Translation, ...] = ()
    partial: bool = False  # a word inside a longer unit: weighted lower
    tokens: tuple[int, ...] = ()  # which content tokens of the typed words the unit covers


@dataclass
class TranslatorConfig:
    """Chosen on the queries of the even-indexed NLP Journal papers (dev) and checked on the odd
    ones (test), both against the full 499-paper collection (``bench.crosslang``'s index).
    MRR@10 EN->JA / JA->EN:

    | setting | dev | test |
    |---|---|---|
    | first release: per_unit 2, coherence 2, rank_decay 0.25, no flattening, no pairs | 0.709 / 0.720 | 0.736 / 0.760 |
    | + flatten 0.5 (+ 的/性/化 suffix variants, related stems always) | 0.726 / 0.718 | 0.748 / 0.753 |
    | ... flatten 1.0 / rank_decay 0.5 / per_unit 3 / coherence 4 | 0.723 / 0.707, 0.717 / 0.719, 0.699 / 0.704, 0.722 / 0.720 | |
    | + neighbouring units side by side: pairs 1, weight 1.0 | 0.710 / 0.725 | |
    | ... pairs 2, weight 1.0 / 0.3 / 0.7 | 0.741 / 0.737, 0.738 / 0.741, 0.746 / 0.747 | |
    | pairs 2, weight 0.5, English slop 1 (kept) | 0.744 / 0.747 | 0.783 / 0.746 |

    (Candidates 24, uncommon 0.7-1.0, partial factor 0.3-0.7, suffix factor 0.6 all moved dev by
    less than 0.005.)

    Later (all sources, Whoosh, the dev row before: 0.786 / 0.791): an English translation's
    derivational relatives (``related_factor``, 要約 "summary" -> summarization) at 0.3 / 0.4 /
    **0.5** / 0.6 / 0.8 of its weight: JA->EN 0.797 / 0.799 / **0.799** / 0.799 / 0.790 (EN->JA
    does not use it); a stricter rule (a shorter relative loses one letter at most) 0.797. Kept:
    0.5, the three closest relatives (Lexicon.en_related_keys), and a word's ``candidates``
    counting its dictionary words, not their variants: 0.802 (tantivy 0.805).

    Then (Whoosh / tantivy dev, EN->JA and JA->EN 0.786 / 0.785 and 0.803 / 0.807 after the
    query parser stopped reading "---Refinement" as an exclusion): a Japanese word with no
    translation in the index borrows its property noun's (多義 -> 多義性, ambiguity): JA->EN 0.804
    / 0.808 (with 化, 的 and 者 too: 0.802 / 0.803, they change the meaning). Then a word none of
    whose translations occurs in the index searched by each phrase translation's most specific
    word (``phrase_parts``), measured as the step before transliteration, ranked 0 / 2 / **4** / 6
    / 9 senses lower: EN->JA 0.793 / 0.796 / **0.796** / 0.796 / 0.793 Whoosh, 0.792 / 0.795 /
    **0.797** / 0.794 / 0.793 tantivy. Before the dictionary chain it helped JA->EN (+0.004) and
    cost EN->JA (-0.002); before transliteration it takes a loanword's part for the whole
    (ウォーター of ウォーターマーク for ウォーター・マーキング), so it is the last step. Kept: rank + 4,
    last: 0.798 / 0.809 Whoosh, 0.798 / 0.812 tantivy. (A compound's one-character parts, 化 and
    者, are left out; a compound of a part and an affix, 潜水艦, keeps its part: +0.0015 EN->JA.)
    Last, a Japanese word's chain only through heads that share a kanji with it: JA->EN 0.809 ->
    0.813 Whoosh, 0.812 -> 0.815 tantivy (EN->JA has no such test: its pivots are Japanese).
    """

    sources: tuple[str, ...] = SOURCES
    weight: float = 0.5  # a translation's weight relative to a typed word, before source weights
    per_unit: int = 2  # translations kept per unit
    candidates: int = 12  # candidates considered per unit before co-occurrence ranking
    coherence: float = 2.0  # how much co-occurrence with the other units' translations counts when choosing
    partial_factor: float = 0.5  # words inside a multi-word unit still translated, at this factor
    rank_decay: float = 0.25  # weight / (1 + decay * dictionary rank)
    uncommon: float = 0.9  # factor for dictionary entries without a frequency mark
    prevalence: float = 1.0  # preference for translations frequent in this index (domain evidence)
    # each unit's best translation moved this far (0..1, geometric) towards the full translation
    # weight: units are the query's words, and a word's importance is BM25's idf, not how
    # confidently a dictionary ranks its translation
    flatten: float = 0.5
    suffix_factor: float = 0.8  # weight of 確率 for a dictionary's 確率的 (JA_DERIVATIONAL_SUFFIXES)
    # weight of an English translation's derivational relatives (要約 "summary" -> summarization)
    related_factor: float = 0.5
    # a word none of whose dictionary phrases occurs in the index is searched by each phrase's
    # most specific word in it (修辞 "rhetorical flourish" -> rhetorical; 定量分析 -> 定量)
    phrase_parts: bool = True
    pairs: int = 2  # translations per unit tried side by side with the next unit's (0: off)
    pair_weight: float = 0.5  # weight of such a pair phrase, times the lower of the two
    pair_slop_en: int = 1  # words allowed between the two in English text
    # the learned lexicon next to the dictionaries (see Translator._confirmed)
    learned_boost: float = 0.5
    # English -> Japanese dictionary entries with a frequency mark only (document translation,
    # which has no index evidence to tell the words Japanese writers use from the rare ones)
    common_only: bool = False


# co-occurrence from id sets while the candidates' records number up to this (summed document
# frequencies), else from engine counts: sets cost what they hold, counts a query per pair of
# candidates (bench.scale and bench.crosslang: see _cohere)
SET_BUDGET = 20_000


@dataclass
class Translator:
    analyzer: Analyzer
    lexicon: Lexicon
    doc_frequency: Callable[[str], int]  # evidence from the index: 0 = the term never occurs
    doc_ids: Callable[[str], frozenset]  # records containing a term: co-occurrence in a small index
    phrase_frequency: Callable[[tuple[str, ...]], int]  # records containing a phrase
    vocabulary: Callable[[], Iterable[str]]  # the index's terms, for transliteration
    words: Callable[[], Iterable[str]] = tuple  # its unstemmed words (English loanword sources)
    katakana: Callable[[], Iterable[str]] = tuple  # its katakana words as written (loanword compounds)
    # records matching each query (engine counts, maybe side by side): co-occurrence in a large index
    count_each: Callable[[Sequence[Query]], list[int]] | None = None
    mined: dict[str, set[str]] = field(default_factory=dict)
    glossary: dict[str, set[str]] = field(default_factory=dict)
    learned: dict[str, list[Learned]] = field(default_factory=dict)  # term -> its translations, strongest first
    # the languages the index holds: a word is translated only into a language it has entries in
    # (an English query on English alone pays nothing for the dictionaries, a Japanese query there
    # is still translated); None: assume both
    languages: frozenset | None = None
    config: TranslatorConfig = field(default_factory=TranslatorConfig)
    # the collection's document translations (crosslang.doctrans.DocumentScorer), when it keeps them
    documents: object | None = None
    # a word's candidates by (text, language, partial, lemmas), when given: a translator whose
    # evidence does not change between calls (document translation) looks each word up once
    unit_cache: dict | None = None
    _sound: SoundIndex | None = None
    _freq: dict = field(default_factory=dict)
    _targets: dict = field(default_factory=dict)  # candidate translation -> (particles?, terms)
    _knowns: dict = field(default_factory=dict)  # (text, lang) -> a resource knows it as one term
    _related: dict = field(default_factory=dict)  # English term -> its derivational relatives

    @property
    def sound(self) -> SoundIndex:
        if self._sound is None:
            self._sound = SoundIndex(self.vocabulary(), self.words(), self.katakana(), self._english_term)
        return self._sound

    # -- segmentation --
    def units(self, words: list[str], into: frozenset | None = None) -> list[Unit]:
        """Translation units of the typed words, each with its translation group. ``into``: the
        languages the results may be in (a language filter), within those the index holds; a word
        is translated only into the other language of the two, when that is one of them."""
        allowed = {"ja", "en"} if self.languages is None else set(self.languages)
        allowed &= {"ja", "en"} if into is None else set(into)
        if not allowed:
            return []  # nothing to translate into (and no lookups to pay)
        toks: list[tuple[int, Token]] = []
        for wi, word in enumerate(words):
            found = [t for t in self.analyzer.tokenizer.tokenize(word) if not t.function]
            toks.extend((wi, t) for t in self._resegment(word, found))
        units: list[Unit] = []
        i = 0
        while i < len(toks):
            wi, tok = toks[i]
            if _other(tok.lang) not in allowed:
                i += 1  # its translations could only match entries that cannot be found
                continue
            best = None
            for n in range(min(MAX_UNIT_TOKENS, len(toks) - i), 1, -1):
                span = toks[i : i + n]
                if any(t.lang != tok.lang for _, t in span):
                    continue
                if tok.lang == "ja" and len({w for w, _ in span}) > 1:
                    continue  # Japanese units do not cross the user's spaces
                text = self._span_text(words, span)
                if self._known(text, tok.lang):
                    best = (n, text)
                    break
            if not best and tok.lang == "ja":
                # a katakana compound no dictionary knows (ジェイルブレイク = ジェイル + ブレイク):
                # one unit, so that transliteration can match it as a whole
                n = 0
                while (
                    i + n < len(toks)
                    and toks[i + n][0] == wi
                    and KATAKANA.match(toks[i + n][1].norm)
                    and (n == 0 or toks[i + n - 1][1].end == toks[i + n][1].start)
                ):
                    n += 1
                if n >= 2:
                    best = (n, self._span_text(words, toks[i : i + n]))
            if (
                not best
                and tok.lang == "ja"
                and i + 1 < len(toks)
                and toks[i + 1][0] == wi
                and toks[i + 1][1].norm in JA_SUFFIXES
                and toks[i + 1][1].start == tok.end
            ):
                best = (2, self._span_text(words, toks[i : i + 2]))  # 頑健性: a derived word, one unit
            if best:
                n, text = best
                whole = self._unit(text, tok.lang, wi, [t for _, t in toks[i : i + n]], False)
                units.append(replace(whole, tokens=tuple(range(i, i + n))))
                for j, (wj, t) in enumerate(toks[i : i + n], i):  # the single words as well, at a lower weight
                    if not _is_stop(t) and t.norm not in JA_SUFFIXES:  # 的 alone is no word
                        single = self._unit(self._surface(words[wj], t), t.lang, wj, [t], True)
                        units.append(replace(single, tokens=(j,)))
                i += n
            else:
                if not _is_stop(tok):
                    single = self._unit(self._surface(words[wi], tok), tok.lang, wi, [tok], False)
                    units.append(replace(single, tokens=(i,)))
                i += 1
        return self._cohere([u for u in units if u.translations])

    def _resegment(self, word: str, toks: list[Token]) -> list[Token]:
        """A Japanese word MeCab split into pieces the dictionaries do not know (実証例 -> 実 /
        証例) is split again into the longest dictionary words it is made of (実証 / 例)."""
        if len(toks) < 2 or not any(
            t.lang == "ja"
            and not KATAKANA.match(t.norm)
            and not self._known(t.norm, "ja")
            and not self._known(t.lemma, "ja")
            for t in toks
        ):
            return toks
        out, i = [], 0
        while i < len(toks):
            j = i
            while (
                j < len(toks)
                and toks[j].lang == "ja"
                and not KATAKANA.match(toks[j].norm)
                and (j == i or toks[j - 1].end == toks[j].start)
            ):
                j += 1
            if j - i < 2:
                out.append(toks[i])
                i += 1
                continue
            run = toks[i:j]
            segments = self._longest_words(word[run[0].start : run[-1].end])
            if segments and segments != [t.norm for t in run]:
                pos = run[0].start
                for seg in segments:
                    out.append(Token(seg, pos, pos + len(seg), "ja", seg))
                    pos += len(seg)
            else:
                out.extend(run)
            i = j
        return out

    def _longest_words(self, text: str, longest: int = 6) -> list[str]:
        """``text`` as the longest dictionary words from the left, or [] if some part is none."""
        out, i = [], 0
        while i < len(text):
            for n in range(min(longest, len(text) - i), 0, -1):
                if self._known(text[i : i + n], "ja") and (n > 1 or i + 1 == len(text) or not out):
                    out.append(text[i : i + n])
                    i += n
                    break
            else:
                return []
        return out

    def covers(self, text: str, units: list[Unit]) -> bool:
        """Whether ``units`` (from ``units([text])``) translate every content word of ``text``."""
        toks = [t for t in self.analyzer.tokenizer.tokenize(text) if not t.function]
        needed = {i for i, t in enumerate(toks) if not _is_stop(t)}
        return needed <= {i for u in units for i in u.tokens}

    def _cohere(self, units: list[Unit]) -> list[Unit]:
        """Choose each unit's candidates by how often they co-occur with the other units'
        candidates in the index (the right sense of an ambiguous word keeps company with the
        translations of the words around it), keeping the best few."""
        k = self.config.per_unit
        full = [u for u in units if not u.partial]
        if self.config.coherence <= 0 or len(full) < 2:
            return [replace(u, translations=tuple(_best_targets(list(u.translations), k))) for u in units]
        # only a unit with more than k targets, or with equal weights to order, has a choice for
        # co-occurrence to make: the others keep what they have (no counting for them)
        contested = [u for u in units if _contested(u, k)]
        counted = {id(u) for u in contested}
        share = None
        if contested:
            pays = self._counting_pays(full)
            share = self._shares_by_counts(full, contested) if pays else self._shares_by_sets(full)
        out = []
        for u in units:
            others = [o for o in full if o is not u and o.text != u.text]
            rescored = []
            for t in u.translations:
                c = sum(share(t, o) for o in others) / len(others) if others and id(u) in counted else 0.0
                factor = (1.0 + self.config.coherence * c) / (1.0 + self.config.coherence)
                rescored.append((t.weight * factor, t))
            # co-occurrence chooses which candidates stay; their weights stay as the dictionary
            # and the index gave them (scaling weights by co-occurrence measured worse)
            rescored.sort(key=lambda wt: -wt[0])
            chosen = sorted(_best_targets([t for _, t in rescored], k), key=lambda t: -t.weight)
            if self.config.flatten and chosen:
                top = self.config.weight * (self.config.partial_factor if u.partial else 1.0)
                scale = (top / chosen[0].weight) ** self.config.flatten
                chosen = [replace(t, weight=t.weight * scale) for t in chosen]
            out.append(replace(u, translations=tuple(chosen)))
        return out

    def _counting_pays(self, full: list[Unit]) -> bool:
        """Whether to count co-occurrence in the engine rather than with id sets: when the
        candidates' records would number more than SET_BUDGET. Sets cost what they hold (a term
        in a third of a million records is 300,000 ids); counts cost a query per pair of
        candidates, which for a ten-word title in a small index is hundreds of queries over short
        lists. Measured: 言語モデル on 100,000 entries 55 ms with sets, 16 ms with counts;
        bench.crosslang (998 abstracts, titles as queries) twice as slow with counts."""
        if self.count_each is None:
            return False
        terms = {term for u in full for t in u.translations for term in t.terms}
        held = 0
        for term in terms:
            held += self.doc_frequency(term)
            if held > SET_BUDGET:
                return True
        return False

    def _shares_by_sets(self, full: list[Unit]) -> Callable[[Translation, Unit], float]:
        """share(t, o): the part of candidate t's records that hold a candidate of unit o, from
        the records' ids (a small index: each term's set once, then set operations)."""
        docs: dict[tuple[str, ...], frozenset] = {}

        def ids(terms: tuple[str, ...]) -> frozenset:
            got = docs.get(terms)
            if got is None:
                sets = [self.doc_ids(t) for t in terms]
                got = docs[terms] = frozenset.intersection(*sets) if sets else frozenset()
            return got

        unions: dict[int, frozenset] = {}

        def union(o: Unit) -> frozenset:
            got = unions.get(id(o))
            if got is None:
                got = unions[id(o)] = frozenset().union(*(ids(t.terms) for t in o.translations))
            return got

        def share(t: Translation, o: Unit) -> float:
            mine = ids(t.terms)
            return len(mine & union(o)) / len(mine) if mine else 0.0

        return share

    def _shares_by_counts(self, full: list[Unit], units: list[Unit]) -> Callable[[Translation, Unit], float]:
        """The same shares counted by the engine (a large index: a conjunction query per pair,
        whose cost follows posting lists, where a set of ids would hold up to every record).
        Every count :meth:`_cohere` will ask for (each candidate of ``units``, the contested
        ones, alone, then with each other full unit's candidates) goes to the engine in two
        batches."""

        def all_of(terms: tuple[str, ...]) -> Query:
            return BoolQ(must=tuple(TermQ(t, field="body") for t in terms))

        anyof = {id(u): BoolQ(should=tuple(all_of(t.terms) for t in u.translations)) for u in full}
        alone = {t.terms: all_of(t.terms) for u in units for t in u.translations if t.terms}
        mine = dict(zip(alone, self.count_each(list(alone.values()))))
        pairs = {
            (t.terms, id(o)): BoolQ(must=(alone[t.terms], anyof[id(o)]))
            for u in units
            for t in u.translations
            if mine.get(t.terms)
            for o in full
            if o is not u and o.text != u.text and o.translations
        }
        together = dict(zip(pairs, self.count_each(list(pairs.values()))))

        def share(t: Translation, o: Unit) -> float:
            n = mine.get(t.terms, 0)
            return together[(t.terms, id(o))] / n if n and o.translations else 0.0

        return share

    def _span_text(self, words: list[str], span: list[tuple[int, Token]]) -> str:
        parts: list[str] = []
        for (wi, t), nxt in zip(span, span[1:] + [None]):
            parts.append(words[wi][t.start : t.end])
            if nxt is not None and (nxt[0] != wi or words[wi][t.end : nxt[1].start].strip() == "" and t.lang == "en"):
                parts.append(" ")
        return "".join(parts).strip()

    @staticmethod
    def _surface(word: str, tok: Token) -> str:
        return word[tok.start : tok.end]

    def _key(self, text: str, lang: str) -> str:
        return self.lexicon.english_key(text) if lang == "en" else normalize_key(text)

    def _known(self, text: str, lang: str) -> bool:
        return _memo(self._knowns, (text, lang), lambda: self._lookup_known(text, lang))

    def _lookup_known(self, text: str, lang: str) -> bool:
        norm = normalize_key(text)
        if norm in self.glossary or norm in self.mined:
            return True
        key = self._key(text, lang)
        if not key:
            return False
        return self.lexicon.has_en(key) if lang == "en" else self.lexicon.has_ja(key)

    # -- candidates --
    def _unit(self, text: str, lang: str, wi: int, toks: list[Token], partial: bool) -> Unit:
        if self.unit_cache is None:
            return Unit(text, lang, wi, self._candidates(text, lang, toks, partial), partial)
        key = (text, lang, partial, tuple(t.lemma for t in toks))
        found = _memo(self.unit_cache, key, lambda: self._candidates(text, lang, toks, partial))
        return Unit(text, lang, wi, found, partial)

    def _candidates(self, text: str, lang: str, toks: list[Token], partial: bool) -> tuple[Translation, ...]:
        cands: list[tuple] = []  # (target, origin, rank, common[, via])
        norm = normalize_key(text)
        src = self.config.sources
        if "glossary" in src:
            cands += [(t, "glossary", 0, True) for t in sorted(self.glossary.get(norm, ()))]
        if "mined" in src:
            cands += [(t, "mined", 0, True) for t in sorted(self.mined.get(norm, ()))]
            if lang == "ja" and "chain" in src:
                # 毒づけ(ポイズニング): a mined katakana gloss, transliterated on (-> poisoning)
                for gloss in sorted(self.mined.get(norm, ())):
                    if KATAKANA.match(normalize_key(gloss)):
                        cands += [
                            (t, "chain", 1, True, f"{gloss} (mined, transliterated)")
                            for t, _ in self.sound.english_for(normalize_key(gloss))
                        ]
        if lang == "en":
            key = self.lexicon.english_key(text)
            entries = self.lexicon.en_to_ja(key, limit=40) if key else []
            if self.config.common_only:
                entries = [e for e in entries if e.common]
        else:
            heads = [normalize_key(text)]
            if len(toks) == 1 and toks[0].lemma not in heads:
                heads.append(toks[0].lemma)  # 隠した -> 隠す, アライメント -> アラインメント
            entries = [e for h in heads for e in self.lexicon.ja_to_en(h, limit=24)]
        cands += [(e.text, e.source, e.rank, e.common) for e in entries if e.source in src]
        out = self._score(text, cands, partial)
        if lang == "en" and len(toks) == 1:
            related = self.lexicon.en_to_ja_related(self.lexicon.english_key(text))
            out = self._score(
                text, cands + [(e.text, e.source, e.rank, e.common) for e in related if e.source in src], partial
            )
        if not out and "learned" in src and self.learned:
            # where the dictionaries leave a gap, the learned pairs stand in for them (all of a
            # word's few; with the dictionaries' they join as one, see _confirmed)
            key = self._learned_key(text)
            out = self._learned(text, partial, self.learned.get(key, []) if key else [])
        if not out and "derived" in src:
            out = self._score(text, self._derived(text, lang, toks), partial)
        if not out and "chain" in src and entries:
            out = self._score(text, self._chain(text, lang, entries), partial)
        if not out and "translit" in src:
            # for words no dictionary knows, and, with a stricter spelling match, for known words
            # none of whose translations occur in the index (plus -> プラス, not プロセス)
            out = self._translit(text, toks, partial, known=bool(entries))
        if not out and self.config.phrase_parts:
            out = self._score(text, self._phrase_parts([e for e in entries if e.source in src], lang), partial)
        if out and out[0].origin != "learned" and "learned" in src and self.learned:
            out = self._confirmed(text, out, partial)
        return tuple(_best_targets(out, self.config.candidates))  # a variant rides along with its word

    def _confirmed(self, text: str, out: list[Translation], partial: bool) -> list[Translation]:
        """The resources' candidates for a word, weighed with what the collection's linked
        passages say: a candidate they pair with the word gains ``learned_boost`` times the
        pair's strength (the collection's own sense of a word among the dictionary's), and the
        word's learned translation joins them when each is the other's one strongest partner
        (the collection's own terminology; a word seen in a few pairs has many partners of
        equal strength, and a common word's strongest may be some other word's translation:
        要約 -> "questionnaire", 言語 -> "reconstruction" among 200 pairs, neither joins)."""
        key = self._learned_key(text)
        entries = self.learned.get(key, []) if key else []
        if not entries:
            return out
        table = {e.term: e.strength for e in entries}
        boost = self.config.learned_boost
        out = [
            replace(t, weight=t.weight * (1.0 + boost * table[t.terms[0]]), via=_joined(t.via, "linked passages"))
            if len(t.terms) == 1 and t.terms[0] in table
            else t
            for t in out
        ]
        partner = self._best_learned(key)
        if partner is not None and self._best_learned(partner) == key and (partner,) not in {t.terms for t in out}:
            out += self._learned(text, partial, [e for e in entries if e.term == partner])
        return sorted(out, key=lambda t: -t.weight)

    def _best_learned(self, term: str) -> str | None:
        """A term's one strongest learned partner (None when it has none or shares first place)."""
        found = self.learned.get(term, [])
        return found[0].term if found and not (len(found) > 1 and found[1].strength >= 1.0) else None

    def _learned_key(self, text: str) -> str | None:
        """The word's index term, when it is one term (the learned table's key)."""
        terms = [t.text for t in self.analyzer.analyze(text) if not t.stop]
        return terms[0] if len(terms) == 1 else None

    def _learned(self, text: str, partial: bool, entries: list[Learned]) -> list[Translation]:
        """What the collection's linked passages say the word translates to (``entries``: its
        learned table's, or some of them), for those that occur in the index."""
        w = self.config.weight * SOURCE_WEIGHT["learned"] * (self.config.partial_factor if partial else 1.0)
        return [
            Translation(text, e.written, (e.term,), "learned", w * e.strength, "linked passages")
            for e in entries
            if self._frequency((e.term,))
        ]

    def _derived(self, text: str, lang: str, toks: list[Token]) -> list[tuple]:
        """Candidates from the word's base and its derivational suffix, when the word itself gave
        none in the index. Japanese X+性/化/的/者: X's English translations (English stems fold
        the derived forms: robust/robustness), also a gloss's head word (頑健: "robust health" ->
        robust). English base+ending: the base's Japanese translations with the suffix added
        (robustness -> 頑健 + 性), also those whose gloss starts with the base."""
        out = []
        if lang == "ja":
            if len(toks) < 2 or toks[-1].norm not in JA_SUFFIXES:
                return self._derivatives(text)
            base = text[: len(text) - len(toks[-1].norm)].strip()
            for e in self.lexicon.ja_to_en(base, limit=12) + self.lexicon.ja_to_en(toks[0].lemma, limit=12):
                out.append((e.text, "derived", e.rank, e.common, f"{base} + {toks[-1].norm}"))
                head = e.text.split()[0] if " " in e.text else ""
                if head and head.lower() not in FUNCTION_WORDS:
                    out.append((head, "derived", e.rank + 2, e.common, f"{base} ({e.text}) + {toks[-1].norm}"))
            return out
        if len(toks) != 1:
            return []
        derivation = english_derivation(toks[0].norm)
        if derivation is None:
            return []
        base, suffix = derivation
        key = self.lexicon.english_key(base)
        if not key:
            return []
        for e in self.lexicon.en_to_ja(key, limit=24) + self.lexicon.en_to_ja_head(key, limit=24):
            if not e.text.endswith(suffix):
                out.append((e.text + suffix, "derived", e.rank, e.common, f"{base} -> {e.text} + {suffix}"))
        return out

    def _derivatives(self, text: str) -> list[tuple]:
        """Candidates from the property noun X+性 of a Japanese word X that has none of its own in
        the index (多義, "various meanings" -> 多義性: ambiguity, polysemy): English stems fold
        the noun with its adjective (ambiguity / ambiguous), as for _derived's base words. The
        other suffixes change the meaning (自由 -> 自由化, liberalization), so they are not used."""
        return [
            (e.text, "derived", e.rank + 1, e.common, f"{text}{PROPERTY} - {PROPERTY}")
            for e in self.lexicon.ja_to_en(text + PROPERTY, limit=12)
        ]

    def _phrase_parts(self, entries, lang: str) -> list[tuple]:
        """For a word none of whose dictionary translations occurs in the index as written: each
        phrase translation's most specific word that does (the rarest here: 修辞 "rhetorical
        flourish" -> rhetorical, 連体 "adnominal adjective" -> adnominal; quantitative analysis
        -> 定量分析 -> 定量), ranked below the whole phrases. A Japanese compound's one-character
        parts are affixes (構造化 -> 化, 未訳 -> 未), not its meaning."""
        out = []
        for e in entries:
            # an English gloss's words, a Japanese compound's terms
            words = e.text.split() if lang == "ja" else list(self._analysed(e.text)[1])
            if len(words) < 2:
                continue
            if lang == "en":
                words = [w for w in words if len(w) > 1]
            found = [(n, w) for w in words for n in [self._word_frequency(w)] if n]
            if found:
                out.append((min(found)[1], e.source, e.rank + 4, e.common, f"a word of {e.text!r}"))
        return out

    def _word_frequency(self, word: str) -> int:
        terms = self._analysed(word)[1]
        return self._frequency(terms) if len(terms) == 1 else 0

    def _chain(self, text: str, lang: str, entries) -> list[tuple]:
        """Candidates one dictionary pivot away, for a word whose dictionary translations all
        miss the index: 協働 -> cooperation -> 協力 -> collaboration; deliberately -> 故意に ->
        intentionally -> 意図的. Ranked below direct translations."""
        own = self.lexicon.english_key(text) if lang == "en" else normalize_key(text)
        out = []
        for pivot in entries[:CHAIN_PIVOTS]:
            if lang == "en":  # pivot: a Japanese head -> its other English glosses -> their heads
                for gloss in self.lexicon.ja_to_en(pivot.text, limit=CHAIN_FAN_OUT):
                    key = self.lexicon.english_key(gloss.text)
                    if key and key != own:
                        out += [
                            (
                                e.text,
                                "chain",
                                pivot.rank + gloss.rank + e.rank,
                                e.common,
                                f"{pivot.text} / {gloss.text}",
                            )
                            for e in self.lexicon.en_to_ja(key, limit=CHAIN_FAN_OUT)
                            if e.text != pivot.text
                        ]
            else:  # pivot: an English gloss -> its other Japanese heads that share a kanji with
                # the word (a gloss shared by words with no character in common is another sense:
                # 基づく "to be grounded on" -> 境内, temple grounds, "compound") -> their glosses
                key = self.lexicon.english_key(pivot.text)
                for head in self.lexicon.en_to_ja(key, limit=CHAIN_FAN_OUT) if key else []:
                    if normalize_key(head.text) != own and _shares_kanji(head.text, own):
                        out += [
                            (g.text, "chain", pivot.rank + head.rank + g.rank, g.common, f"{pivot.text} / {head.text}")
                            for g in self.lexicon.ja_to_en(head.text, limit=CHAIN_FAN_OUT)
                        ]
            if len(out) >= CHAIN_CANDIDATES:
                break
        return out[:CHAIN_CANDIDATES]

    def _score(self, text: str, cands, partial: bool) -> list[Translation]:
        best: dict[tuple[str, ...], Translation] = {}
        own = tuple(t.text for t in self.analyzer.analyze(text) if not t.stop)
        for target, origin, rank, common, *via in cands:
            particles, terms = self._analysed(target)
            if origin in ("jmdict", "unidic") and particles:
                continue  # an expression with particles (に応じて, の様に): its content words alone mislead
            if not terms or terms == own or len(terms) > MAX_UNIT_TOKENS:
                continue
            w = (
                self.config.weight
                * SOURCE_WEIGHT[origin]
                / (1.0 + self.config.rank_decay * rank)
                * (1.0 if common else self.config.uncommon)
            )
            if partial:
                w *= self.config.partial_factor
            variants = [(terms, w, via[0] if via else "")]
            if len(terms) > 1 and terms[-1] in JA_DERIVATIONAL_SUFFIXES:
                # 確率的 "probabilistic" also finds 確率モデル: the noun without its suffix, a little lower
                variants.append((terms[:-1], w * self.config.suffix_factor, variants[0][2]))
            if self.config.related_factor and origin in ("jmdict", "unidic") and len(terms) == 1:
                # 要約 "summary" also finds "summarization", which Snowball stems apart (summari, summar)
                variants += [((k,), w * self.config.related_factor, RELATED_FORM) for k in self._relatives(terms[0])]
            for terms, w, how in variants:
                if self._frequency(terms) == 0:
                    continue  # evidence: the translation never occurs in this index
                prev = best.get(terms)
                if prev is None or w > prev.weight:
                    best[terms] = Translation(text, target, terms, origin, w, how)
        if self.config.prevalence and best:
            dfs = {terms: self._frequency(terms) for terms in best}
            top = math.log1p(max(dfs.values()))
            best = {
                terms: replace(
                    t,
                    weight=t.weight
                    * (1.0 + self.config.prevalence * math.log1p(dfs[terms]) / top)
                    / (1.0 + self.config.prevalence),
                )
                for terms, t in best.items()
            }
        return sorted(best.values(), key=lambda t: (-t.weight, -self._frequency(t.terms)))

    def _analysed(self, target: str) -> tuple[bool, tuple[str, ...]]:
        """(whether it has particles, its index terms) of a candidate translation, cached per
        translator: the same dictionary words are candidates of many words."""

        def analyse() -> tuple[bool, tuple[str, ...]]:
            particles = any(t.function for t in self.analyzer.tokenizer.tokenize(target))
            terms = tuple(t.text for t in self.analyzer.analyze(target) if not (t.stop and len(target.split()) == 1))
            return particles, terms

        return _memo(self._targets, target, analyse)

    def _relatives(self, term: str) -> list[str]:
        """An English index term's derivational relatives the dictionary knows (cached per translator)."""
        if not term.isascii():
            return []
        return _memo(self._related, term, lambda: self.lexicon.en_related_keys(term))

    def _frequency(self, terms: tuple[str, ...]) -> int:
        """Records containing the term, or the phrase for several terms (cached per translator)."""

        def count() -> int:
            if len(terms) == 1:
                return self.doc_frequency(terms[0])
            if any(self.doc_frequency(t) == 0 for t in terms):
                return 0
            return self.phrase_frequency(terms)

        return _memo(self._freq, terms, count)

    def _english_term(self, word: str) -> str:
        terms = self.analyzer.analyze(word)
        return terms[0].text if len(terms) == 1 else word

    def _translit(self, text: str, toks: list[Token], partial: bool, known: bool = False) -> list[Translation]:
        """Sound-alike words of the index in the other script. ``known``: the dictionary knows the
        word but none of its translations occur in the index (hallucination -> 幻覚, absent;
        the index writes ハルシネーション), so only a close spelling counts (plus is not プロセス)."""
        w = self.config.weight * SOURCE_WEIGHT["translit"] * (self.config.partial_factor if partial else 1.0)
        spelling = KNOWN_WORD_SPELLING if known else MIN_SPELLING
        norm = "".join(t.norm for t in toks)
        if all(t.lang == "ja" for t in toks) and KATAKANA.match(norm):
            found = [
                (term, (term,), sim) for term, sim in self.sound.english_for(norm, min_spelling=spelling, exact=known)
            ]
        elif len(toks) == 1 and toks[0].lang == "en":
            found = []
            for written, sim in self.sound.katakana_for(norm, min_spelling=spelling, exact=known):
                terms = tuple(t.text for t in self.analyzer.analyze(written) if not t.stop)
                if terms and self._frequency(terms):  # a word MeCab splits is a phrase of index terms
                    found.append((written, terms, sim))
        else:
            return []
        return [Translation(text, target, terms, "translit", w * sim) for target, terms, sim in found]


CACHE_LIMIT = 100_000  # entries per translator cache (emptied when full: words repeat, memory stays bounded)


def _memo(cache: dict, key, compute: Callable[[], object]):
    """``cache[key]``, computed on a miss (values are never None)."""
    got = cache.get(key)
    if got is None:
        if len(cache) >= CACHE_LIMIT:
            cache.clear()
        got = cache[key] = compute()
    return got


def _contested(unit: Unit, k: int) -> bool:
    """Whether co-occurrence can change what :meth:`Translator._cohere` keeps of ``unit`` or
    their order: more than ``k`` targets to choose from, or equal weights to break."""
    weights = [t.weight for t in unit.translations]
    return len({t.target for t in unit.translations}) > k or len(set(weights)) < len(weights)


def _best_targets(ranked: list[Translation], k: int) -> list[Translation]:
    """The translations of the ``k`` best targets, in order: a target's form without its
    derivational suffix (語彙的 -> 語彙) rides along with it instead of taking another's place."""
    targets: list[str] = []
    for t in ranked:
        if t.target not in targets:
            targets.append(t.target)
    keep = set(targets[:k])
    return [t for t in ranked if t.target in keep]


_HIRAGANA = re.compile(r"^[ぁ-ゖー]+$")


def _shares_kanji(a: str, b: str) -> bool:
    """Whether Japanese word ``a`` has a kanji of ``b`` (協力 / 協働; not 境内 / 基づく), or ``b``
    has none to share (a kana word)."""
    kanji = [c for c in b if is_kanji(c)]
    return not kanji or any(c in a for c in kanji)


def _joined(via: str, more: str) -> str:
    return f"{via}; {more}" if via else more


def _other(lang: str) -> str:
    """The language a word typed in ``lang`` (a token's: ja or en) is translated into."""
    return "en" if lang == "ja" else "ja"


def _is_stop(tok: Token) -> bool:
    """Not worth translating alone: English function words, and Japanese words written in
    hiragana only (ため, こと, もの, よう: formal nouns and grammatical words; content words
    are written in kanji or katakana, a rule of the script, not a word list)."""
    return (tok.lang == "en" and tok.norm in FUNCTION_WORDS) or (tok.lang == "ja" and bool(_HIRAGANA.match(tok.norm)))
