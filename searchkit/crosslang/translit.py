"""Transliteration for words no dictionary has: ポイズニング <-> poisoning, ジェイルブレイク <-> jailbreak.

Katakana is romanised (Hepburn), both sides are reduced to a consonant skeleton (vowels dropped,
sounds Japanese merges folded together: l/r, v/b, th/s, c/k ...), and skeletons are compared with
a similarity threshold against the words the index actually contains.
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher

_KANA = {
    "ア": "a", "イ": "i", "ウ": "u", "エ": "e", "オ": "o", "カ": "ka", "キ": "ki", "ク": "ku", "ケ": "ke", "コ": "ko",
    "サ": "sa", "シ": "shi", "ス": "su", "セ": "se", "ソ": "so", "タ": "ta", "チ": "chi", "ツ": "tsu", "テ": "te",
    "ト": "to", "ナ": "na", "ニ": "ni", "ヌ": "nu", "ネ": "ne", "ノ": "no", "ハ": "ha", "ヒ": "hi", "フ": "fu",
    "ヘ": "he", "ホ": "ho", "マ": "ma", "ミ": "mi", "ム": "mu", "メ": "me", "モ": "mo", "ヤ": "ya", "ユ": "yu",
    "ヨ": "yo", "ラ": "ra", "リ": "ri", "ル": "ru", "レ": "re", "ロ": "ro", "ワ": "wa", "ヲ": "o", "ン": "n",
    "ガ": "ga", "ギ": "gi", "グ": "gu", "ゲ": "ge", "ゴ": "go", "ザ": "za", "ジ": "ji", "ズ": "zu", "ゼ": "ze",
    "ゾ": "zo", "ダ": "da", "ヂ": "ji", "ヅ": "zu", "デ": "de", "ド": "do", "バ": "ba", "ビ": "bi", "ブ": "bu",
    "ベ": "be", "ボ": "bo", "パ": "pa", "ピ": "pi", "プ": "pu", "ペ": "pe", "ポ": "po", "ヴ": "vu",
    "ァ": "a", "ィ": "i", "ゥ": "u", "ェ": "e", "ォ": "o", "ャ": "ya", "ュ": "yu", "ョ": "yo", "ヮ": "wa",
}
_SMALL_Y = {"ャ": "a", "ュ": "u", "ョ": "o"}
_SMALL_V = {"ァ": "a", "ィ": "i", "ゥ": "u", "ェ": "e", "ォ": "o"}
KATAKANA = re.compile(r"^[ァ-ヴー・]+$")
_ENGLISH_FOLDS = [("ph", "f"), ("th", "s"), ("ck", "k"), ("gh", ""), ("wh", "w"), ("qu", "kw"), ("x", "ks")]
# sounds Japanese does not distinguish, or writes differently (n before p/b is often m)
_SKELETON_FOLDS = str.maketrans({"l": "r", "v": "b", "c": "k", "q": "k", "z": "s", "f": "h", "m": "n", "d": "t"})
MIN_SKELETON = 3
MIN_SPELLING = 0.5  # similarity of the whole spellings (vowels included) a skeleton match also needs
_LOOSE = [("ph", "f"), ("th", "s"), ("ck", "k"), ("qu", "kw"), ("x", "ks"), ("l", "r"), ("v", "b"), ("c", "k"), ("y", "i")]


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

    Skeletons are bucketed by first consonant, so a lookup compares only plausible candidates.
    """

    def __init__(self, vocabulary) -> None:
        self._english: dict[str, dict[str, list[str]]] = {}
        self._katakana: dict[str, dict[str, list[str]]] = {}
        for term in vocabulary:
            if term.isascii() and term.isalpha() and len(term) >= 4:
                self._add(self._english, skeleton(term, True), term)
            elif len(term) >= 3 and KATAKANA.match(term):
                self._add(self._katakana, skeleton(romanize(term), False), term)

    @staticmethod
    def _add(table: dict, key: str, term: str) -> None:
        if len(key) >= MIN_SKELETON:
            table.setdefault(key[0], {}).setdefault(key, []).append(term)

    @staticmethod
    def _best(key: str, table: dict, limit: int) -> list[tuple[str, float]]:
        if len(key) < MIN_SKELETON:
            return []
        bucket = table.get(key[0], {})
        exact = bucket.get(key)
        if exact:
            return [(t, 1.0) for t in exact[:limit]]
        scored = []
        for sk, terms in bucket.items():
            if abs(len(sk) - len(key)) <= 1 and min(len(sk), len(key)) >= 4:
                s = similar(key, sk, 0.85)
                if s:
                    scored.extend((t, s) for t in terms)
        scored.sort(key=lambda ts: -ts[1])
        return scored[:limit]

    def english_for(self, katakana: str, limit: int = 3) -> list[tuple[str, float]]:
        """English index terms that sound like a katakana word (romanised, -ing folded)."""
        roman = romanize(katakana)
        keys = {skeleton(roman, False)}
        if roman.endswith("ingu"):
            keys.add(skeleton(roman[:-4], False))
        out: dict[str, float] = {}
        for key in keys:
            for t, s in self._best(key, self._english, limit * 3):
                if spelling_similarity(t, katakana) >= MIN_SPELLING or (
                        roman.endswith("ingu") and spelling_similarity(t, katakana[:-3]) >= MIN_SPELLING):
                    out[t] = max(out.get(t, 0.0), s)
        return sorted(out.items(), key=lambda ts: -ts[1])[:limit]

    def katakana_for(self, english: str, limit: int = 3) -> list[tuple[str, float]]:
        found = self._best(skeleton(english, True), self._katakana, limit * 3)
        return [(t, s) for t, s in found if spelling_similarity(english, t) >= MIN_SPELLING][:limit]
