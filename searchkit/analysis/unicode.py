"""Unicode script classes, script runs and ja/en language detection (no dictionaries needed).

Japanese text routinely contains Latin words (「Claude 3」, ＡＩ日報): every function here works
character by character so mixed text is the normal case, not an exception.
"""

from __future__ import annotations

import re
import unicodedata

JA, LATIN, OTHER = "ja", "latin", "other"
_ASCII_WORD = re.compile(r"[A-Za-z0-9']+")  # ASCII characters char_script calls LATIN

# Characters that belong to a Japanese word even though they are not kana or kanji by block.
_JA_EXTRA = frozenset("々〆〇")


def is_kanji(ch: str) -> bool:
    """Whether ``ch`` is a CJK ideograph (kanji)."""
    o = ord(ch)
    return (
        0x4E00 <= o <= 0x9FFF  # CJK unified ideographs
        or 0x3400 <= o <= 0x4DBF  # extension A
        or 0xF900 <= o <= 0xFAFF  # compatibility ideographs
        or 0x20000 <= o <= 0x2FFFF  # supplementary ideographs
    )


def char_script(ch: str) -> str:
    """Return JA for kana and kanji, LATIN for other letters and digits, OTHER for the rest."""
    o = ord(ch)
    if (
        0x3040 <= o <= 0x30FF  # hiragana, katakana
        or 0x31F0 <= o <= 0x31FF  # katakana phonetic extensions
        or 0xFF66 <= o <= 0xFF9F  # half-width katakana
        or is_kanji(ch)
    ):
        return OTHER if ch == "・" else JA  # the middle dot separates words
    if ch in _JA_EXTRA:
        return JA
    if ch.isalnum() or ch in "'’":  # apostrophes join English words (that’s, don't)
        return LATIN
    # combining marks continue the previous word (e.g. a decomposed accent)
    if unicodedata.category(ch).startswith("M"):
        return LATIN
    return OTHER


def script_runs(text: str) -> list[tuple[str, int, int]]:
    """Split text into maximal runs of one script: [(script, start, end)], OTHER runs included."""
    runs: list[tuple[str, int, int]] = []
    if not text:
        return runs
    if text.isascii():  # the common English case, without a Python loop per character
        pos = 0
        for m in _ASCII_WORD.finditer(text):
            if m.start() > pos:
                runs.append((OTHER, pos, m.start()))
            runs.append((LATIN, m.start(), m.end()))
            pos = m.end()
        if pos < len(text):
            runs.append((OTHER, pos, len(text)))
        return runs
    # one class letter per character (j, l, o; k, m for marks) through str.translate in C, then
    # runs by a regex: a mark continues whatever run it is in; at the start it is a run of its own
    # script (k: a mark in the kana blocks, JA; m: any other mark, LATIN)
    classes = text.translate(_class_table(text))
    return [(_RUN_SCRIPT[m.group()[0]], m.start(), m.end()) for m in _RUN.finditer(classes)]


_CLASS_LETTER = {JA: "j", LATIN: "l", OTHER: "o"}
_RUN_SCRIPT = {"j": JA, "k": JA, "l": LATIN, "m": LATIN, "o": OTHER}
_RUN = re.compile(r"[jk][jkm]*|[lm][lkm]*|o[okm]*")
# Memo of a pure function of one character (bounded by the characters ever seen): code point ->
# its class letter for script_runs; _SEEN holds the same characters as strings for set arithmetic.
_CLASSES: dict[int, str] = {}
_SEEN: set[str] = set()


def _class_table(text: str) -> dict[int, str]:
    new = set(text)
    new -= _SEEN
    for ch in new:
        script = char_script(ch)
        if unicodedata.category(ch)[0] == "M":
            _CLASSES[ord(ch)] = "k" if script == JA else "m"
        else:
            _CLASSES[ord(ch)] = _CLASS_LETTER[script]
        _SEEN.add(ch)
    return _CLASSES


def detect_lang(text: str) -> str:
    """'ja' when kana/kanji make up at least a tenth of the letters, else 'en' ('und' without letters).

    Japanese packs far more meaning per character than English, so a passage that is one tenth
    kana/kanji is a Japanese passage quoting English terms, not the other way round.
    """
    if text.isascii():
        return "en" if any(c.isalpha() for c in text) else "und"
    ja = latin = 0
    for ch in text:
        s = char_script(ch)
        if s == JA:
            ja += 1
        elif s == LATIN and ch.isalpha():
            latin += 1
    if ja == 0 and latin == 0:
        return "und"
    return "ja" if ja * 10 >= ja + latin else "en"
