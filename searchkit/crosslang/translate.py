"""Query translation as structured queries (dictionary-based cross-language retrieval).

Query words are segmented into *units*: the longest runs of words any resource knows as one term
("reward hacking", 報酬関数, 好奇心), else single words. Each unit gets a *translation group*:
candidate translations from every source, kept only if the index contains them (evidence), scored
by source reliability and dictionary rank, at most a few per unit. query.py turns a group into a
disjunction-max clause so that a word with ten translations weighs no more than a word with one,
and translations are weighted below the words the user typed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterable

from ..analysis import Analyzer
from ..tokenize import Token
from .lexicon import Lexicon
from .mining import normalize_key
from .translit import KATAKANA, SoundIndex

SOURCES = ("glossary", "mined", "unidic", "jmdict", "translit")
SOURCE_WEIGHT = {"glossary": 1.0, "mined": 0.9, "unidic": 0.9, "jmdict": 0.8, "translit": 0.6}
MAX_UNIT_TOKENS = 4


@dataclass(frozen=True)
class Translation:
    source: str  # the query word(s) translated, as typed
    target: str  # the translation as written in the resource
    terms: tuple[str, ...]  # its index terms (a phrase when several)
    origin: str  # one of SOURCES
    weight: float  # relative to 1.0 for a word the user typed

    def to_dict(self) -> dict:
        return {"from": self.source, "to": self.target, "terms": list(self.terms), "source": self.origin,
                "weight": round(self.weight, 3)}


@dataclass(frozen=True)
class Unit:
    text: str  # as typed
    lang: str
    word_index: int  # the query word the unit starts in
    translations: tuple[Translation, ...] = ()
    partial: bool = False  # a word inside a longer unit: weighted lower


@dataclass
class TranslatorConfig:
    sources: tuple[str, ...] = SOURCES
    weight: float = 0.5  # a translation's weight relative to a typed word, before source weights
    per_unit: int = 4  # translations kept per unit
    partial_factor: float = 0.5  # words inside a multi-word unit still translated, at this factor


@dataclass
class Translator:
    analyzer: Analyzer
    lexicon: Lexicon
    doc_frequency: Callable[[str], int]  # evidence from the index: 0 = the term never occurs
    vocabulary: Callable[[], Iterable[str]]  # the index's terms, for transliteration
    mined: dict[str, set[str]] = field(default_factory=dict)
    glossary: dict[str, set[str]] = field(default_factory=dict)
    config: TranslatorConfig = field(default_factory=TranslatorConfig)
    _sound: SoundIndex | None = None

    @property
    def sound(self) -> SoundIndex:
        if self._sound is None:
            self._sound = SoundIndex(self.vocabulary())
        return self._sound

    # -- segmentation --
    def units(self, words: list[str]) -> list[Unit]:
        """Translation units of the typed words, each with its translation group."""
        toks: list[tuple[int, Token]] = []
        for wi, word in enumerate(words):
            toks.extend((wi, t) for t in self.analyzer.tokenizer.tokenize(word) if not t.function)
        units: list[Unit] = []
        i = 0
        while i < len(toks):
            wi, tok = toks[i]
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
                while (i + n < len(toks) and toks[i + n][0] == wi and KATAKANA.match(toks[i + n][1].norm)
                       and (n == 0 or toks[i + n - 1][1].end == toks[i + n][1].start)):
                    n += 1
                if n >= 2:
                    best = (n, self._span_text(words, toks[i : i + n]))
            if best:
                n, text = best
                units.append(self._unit(text, tok.lang, wi, [t for _, t in toks[i : i + n]], False))
                for wj, t in toks[i : i + n]:  # the single words as well, at a lower weight
                    if not _is_stop(t):
                        units.append(self._unit(self._surface(words[wj], t), t.lang, wj, [t], True))
                i += n
            else:
                if not _is_stop(tok):
                    units.append(self._unit(self._surface(words[wi], tok), tok.lang, wi, [tok], False))
                i += 1
        return [u for u in units if u.translations]

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
        norm = normalize_key(text)
        if norm in self.glossary or norm in self.mined:
            return True
        key = self._key(text, lang)
        if not key:
            return False
        return self.lexicon.has_en(key) if lang == "en" else self.lexicon.has_ja(key)

    # -- candidates --
    def _unit(self, text: str, lang: str, wi: int, toks: list[Token], partial: bool) -> Unit:
        cands: list[tuple[str, str, int, bool]] = []  # (target, origin, rank, common)
        norm = normalize_key(text)
        src = self.config.sources
        if "glossary" in src:
            cands += [(t, "glossary", 0, True) for t in sorted(self.glossary.get(norm, ()))]
        if "mined" in src:
            cands += [(t, "mined", 0, True) for t in sorted(self.mined.get(norm, ()))]
        if lang == "en":
            key = self.lexicon.english_key(text)
            entries = self.lexicon.en_to_ja(key, limit=40) if key else []
        else:
            heads = [normalize_key(text)]
            if len(toks) == 1 and toks[0].lemma not in heads:
                heads.append(toks[0].lemma)  # 隠した -> 隠す, アライメント -> アラインメント
            entries = [e for h in heads for e in self.lexicon.ja_to_en(h, limit=24)]
        cands += [(e.text, e.source, e.rank, e.common) for e in entries if e.source in src]
        out = self._score(text, cands, partial)
        if not out and "translit" in src:
            out = self._translit(text, toks, partial)
        return Unit(text, lang, wi, tuple(out[: self.config.per_unit]), partial)

    def _score(self, text: str, cands, partial: bool) -> list[Translation]:
        best: dict[tuple[str, ...], Translation] = {}
        own = tuple(t.text for t in self.analyzer.analyze(text) if not t.stop)
        for target, origin, rank, common in cands:
            terms = tuple(t.text for t in self.analyzer.analyze(target) if not (t.stop and len(target.split()) == 1))
            if not terms or terms == own or len(terms) > MAX_UNIT_TOKENS:
                continue
            if any(self.doc_frequency(t) == 0 for t in terms):
                continue  # evidence: the translation never occurs in this index
            w = self.config.weight * SOURCE_WEIGHT[origin] / (1.0 + 0.25 * rank) * (1.0 if common else 0.9)
            if partial:
                w *= self.config.partial_factor
            prev = best.get(terms)
            if prev is None or w > prev.weight:
                best[terms] = Translation(text, target, terms, origin, w)
        return sorted(best.values(), key=lambda t: (-t.weight, -sum(map(self.doc_frequency, t.terms))))

    def _translit(self, text: str, toks: list[Token], partial: bool) -> list[Translation]:
        w = self.config.weight * SOURCE_WEIGHT["translit"] * (self.config.partial_factor if partial else 1.0)
        norm = "".join(t.norm for t in toks)
        if all(t.lang == "ja" for t in toks) and KATAKANA.match(norm):
            found = self.sound.english_for(norm)
        elif len(toks) == 1 and toks[0].lang == "en":
            found = self.sound.katakana_for(norm)
        else:
            return []
        return [Translation(text, term, (term,), "translit", w * sim) for term, sim in found]


def _is_stop(tok: Token) -> bool:
    from ..analysis import ENGLISH_STOP_WORDS

    return tok.lang == "en" and tok.norm in ENGLISH_STOP_WORDS
