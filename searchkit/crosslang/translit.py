"""Transliteration for words no dictionary has: ポイズニング <-> poisoning, ジェイルブレイク <-> jailbreak.

Katakana is romanised (Hepburn), both sides are reduced to a consonant skeleton (vowels dropped,
sounds Japanese merges folded together: l/r, v/b, th/s, c/k ...), and skeletons are compared with
a similarity threshold against the words the index actually contains.
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher

_KANA = {
    "ア": "a",
    "イ": "i",
    "ウ": "u",
    "エ": "e",
    "オ": "o",
    "カ": "ka",
    "キ": "ki",
    "ク": "ku",
    "ケ": "ke",
    "コ": "ko",
    "サ": "sa",
    "シ": "shi",
    "ス": "su",
    "セ": "se",
    "ソ": "so",
    "タ": "ta",
    "チ": "chi",
    "ツ": "tsu",
    "テ": "te",
    "ト": "to",
    "ナ": "na",
    "ニ": "ni",
    "ヌ": "nu",
    "ネ": "ne",
    "ノ": "no",
    "ハ": "ha",
    "ヒ": "hi",
    "フ": "fu",
    "ヘ": "he",
    "ホ": "ho",
    "マ": "ma",
    "ミ": "mi",
    "ム": "mu",
    "メ": "me",
    "モ": "mo",
    "ヤ": "ya",
    "ユ": "yu",
    "ヨ": "yo",
    "ラ": "ra",
    "リ": "ri",
    "ル": "ru",
    "レ": "re",
    "ロ": "ro",
    "ワ": "wa",
    "ヲ": "o",
    "ン": "n",
    "ガ": "ga",
    "ギ": "gi",
    "グ": "gu",
    "ゲ": "ge",
    "ゴ": "go",
    "ザ": "za",
    "ジ": "ji",
    "ズ": "zu",
    "ゼ": "ze",
    "ゾ": "zo",
    "ダ": "da",
    "ヂ": "ji",
    "ヅ": "zu",
    "デ": "de",
    "ド": "do",
    "バ": "ba",
    "ビ": "bi",
    "ブ": "bu",
    "ベ": "be",
    "ボ": "bo",
    "パ": "pa",
    "ピ": "pi",
    "プ": "pu",
    "ペ": "pe",
    "ポ": "po",
    "ヴ": "vu",
    "ァ": "a",
    "ィ": "i",
    "ゥ": "u",
    "ェ": "e",
    "ォ": "o",
    "ャ": "ya",
    "ュ": "yu",
    "ョ": "yo",
    "ヮ": "wa",
}
_SMALL_Y = {"ャ": "a", "ュ": "u", "ョ": "o"}
_SMALL_V = {"ァ": "a", "ィ": "i", "ゥ": "u", "ェ": "e", "ォ": "o"}
KATAKANA = re.compile(r"^[ァ-ヴー・]+$")
_ENGLISH_FOLDS = [
    ("tion", "shon"),
    ("sion", "shon"),
    ("ph", "f"),
    ("th", "s"),
    ("ck", "k"),
    ("gh", ""),
    ("wh", "w"),
    ("qu", "kw"),
    ("x", "ks"),
]
# sounds Japanese does not distinguish, or writes differently (n before p/b is often m)
_SKELETON_FOLDS = str.maketrans({"l": "r", "v": "b", "c": "k", "q": "k", "z": "s", "f": "h", "m": "n", "d": "t"})
MIN_SKELETON = 3
MIN_SPELLING = 0.5  # similarity of the whole spellings (vowels included) a skeleton match also needs
_LOOSE = [
    ("tion", "shon"),
    ("sion", "shon"),
    ("ph", "f"),
    ("th", "s"),
    ("ck", "k"),
    ("qu", "kw"),
    ("x", "ks"),
    ("l", "r"),
    ("v", "b"),
    ("c", "k"),
    ("y", "i"),
]


def romanize(kata: str) -> str:
    """Hepburn-style romanisation of a katakana word (ー lengthens, ッ doubles)."""
    out: list[str] = []
    double = False
    for ch in kata:
        if ch == "ッ":
            double = True
            continue
        if ch == "ー":
            if out and out[-1][-1:] in "aeiou":
                out.append(out[-1][-1])
            continue
        if ch == "・":
            continue
        if ch in _SMALL_Y and out and out[-1].endswith("i") and len(out[-1]) >= 2:
            prev = out.pop()
            base = prev[:-1] if prev[-2] in "hj" else prev[:-1] + "y"
            out.append(base + _SMALL_Y[ch])
            continue
        if ch in _SMALL_V and out and out[-1] == "u":
            out[-1] = "w" + _SMALL_V[ch]  # ウォ wo, ウィ wi, ウェ we
            continue
        if ch in _SMALL_V and out and out[-1][-1:] in "aeiou" and len(out[-1]) >= 2:
            prev = out.pop()
            out.append(prev[:-1] + _SMALL_V[ch])  # フィ fi, ティ ti, ジェ je
            continue
        r = _KANA.get(ch, "")
        if double and r:
            r = r[0] + r
        double = False
        if r:  # a kana without a reading adds nothing (and no empty piece for ー to lengthen)
            out.append(r)
    return "".join(out)


def skeleton(word: str, english: bool) -> str:
    """Consonant skeleton used to compare an English word with a romanised loanword."""
    w = word.lower()
    if english:
        w = re.sub(r"c(?=[eiy])", "s", w)
        for a, b in _ENGLISH_FOLDS:
            w = w.replace(a, b)
        w = re.sub(r"r(?=[^aeiouy]|$)", "", w)  # non-rhotic: computer -> コンピューター
    w = w.replace("sh", "s").replace("ch", "t").replace("ts", "t")
    w = w.translate(_SKELETON_FOLDS)
    w = re.sub(r"[aeiouyhw]", "", w)
    return re.sub(r"(.)\1+", r"\1", w)


def similar(a: str, b: str, threshold: float = 0.8) -> float:
    if len(a) < MIN_SKELETON or len(b) < MIN_SKELETON:
        return 1.0 if a == b and len(a) >= MIN_SKELETON else 0.0
    r = SequenceMatcher(None, a, b).ratio()
    return r if r >= threshold and a[0] == b[0] else 0.0


def loose_spelling(english: str) -> str:
    """An English word spelt the way a romanised loanword would spell its sounds, roughly."""
    w = english.lower()
    for a, b in _LOOSE:
        w = w.replace(a, b)
    return w


def spelling_similarity(english: str, katakana: str) -> float:
    """Whole-word similarity, vowels included: the skeleton alone lets ダウンロード pass for
    "termlist" (t-n-r-t vs t-n-r-s-t, spelling .12); real pairs score 0.5-0.8 (poison/ポイズ .55,
    chunk/チャンク .55, poisoning/ポイズニング .74), chance ones mostly below 0.5."""
    return SequenceMatcher(None, loose_spelling(english), romanize(katakana).replace("l", "r")).ratio()


class SoundIndex:
    """Skeletons of the index's vocabulary, to find sound-alike words in the other script.

    English words come from the index's unstemmed words (``hallucination``, whose index term is
    the stem ``hallucin``: a stem does not sound like the loanword) and are returned as their
    index terms; katakana comes from the index terms and from the katakana words as written in
    the indexed text (``ウォーターマーキング``, which MeCab splits into two terms: returned as
    written, its terms then form a phrase). Skeletons are bucketed by first consonant, so a
    lookup compares only plausible candidates.
    """

    def __init__(self, vocabulary, words=(), katakana=(), term_of=None) -> None:
        self._english: dict[str, dict[str, list[tuple[str, str]]]] = {}
        self._katakana: dict[str, dict[str, list[tuple[str, str]]]] = {}
        term_of = term_of or (lambda w: w)
        for word in words:
            if word.isascii() and word.isalpha() and len(word) >= 4:
                self._add(self._english, skeleton(word, True), (word, term_of(word)))
        for term in vocabulary:
            if not words and term.isascii() and term.isalpha() and len(term) >= 4:
                self._add(self._english, skeleton(term, True), (term, term))
            elif len(term) >= 3 and KATAKANA.match(term):
                self._add(self._katakana, skeleton(romanize(term), False), (term, term))
        for written in katakana:
            if len(written) >= 3 and KATAKANA.match(written):
                self._add(self._katakana, skeleton(romanize(written), False), (written, written))

    @staticmethod
    def _add(table: dict, key: str, entry: tuple[str, str]) -> None:
        if len(key) >= MIN_SKELETON:
            bucket = table.setdefault(key[0], {}).setdefault(key, [])
            if entry not in bucket:
                bucket.append(entry)

    @staticmethod
    def _best(key: str, table: dict, limit: int) -> list[tuple[tuple[str, str], float]]:
        if len(key) < MIN_SKELETON:
            return []
        bucket = table.get(key[0], {})
        exact = bucket.get(key)
        if exact:
            return [(t, 1.0) for t in exact[:limit]]
        scored = []
        for sk, entries in bucket.items():
            if abs(len(sk) - len(key)) <= 1 and min(len(sk), len(key)) >= 4:
                s = similar(key, sk, 0.85)
                if s:
                    scored.extend((e, s) for e in entries)
        scored.sort(key=lambda es: -es[1])
        return scored[:limit]

    def english_for(
        self, katakana: str, limit: int = 3, min_spelling: float = MIN_SPELLING, exact: bool = False
    ) -> list[tuple[str, float]]:
        """English index terms that sound like a katakana word (romanised, -ing folded)."""
        roman = romanize(katakana)
        keys = {skeleton(roman, False)}
        if roman.endswith("ingu"):
            keys.add(skeleton(roman[:-4], False))
        out: dict[str, float] = {}
        for key in keys:
            for (word, term), s in self._best(key, self._english, limit * 3):
                if exact and s < 1.0:
                    continue
                if spelling_similarity(word, katakana) >= min_spelling or (
                    roman.endswith("ingu") and spelling_similarity(word, katakana[:-3]) >= min_spelling
                ):
                    out[term] = max(out.get(term, 0.0), s)
        return sorted(out.items(), key=lambda ts: -ts[1])[:limit]

    def katakana_for(
        self, english: str, limit: int = 3, min_spelling: float = MIN_SPELLING, exact: bool = False
    ) -> list[tuple[str, float]]:
        """Katakana of the index (terms, or words as written) that sound like an English word;
        ``exact``: only the same consonant skeleton."""
        found = self._best(skeleton(english, True), self._katakana, limit * 3)
        out: dict[str, float] = {}
        for (written, _), s in found:
            if exact and s < 1.0:
                continue
            if spelling_similarity(english, written) >= min_spelling:
                out[written] = max(out.get(written, 0.0), s)
        return sorted(out.items(), key=lambda ts: -ts[1])[:limit]
