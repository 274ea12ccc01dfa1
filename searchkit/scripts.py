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


def char_script(ch: str) -> str:
    """Return JA for kana and kanji, LATIN for other letters and digits, OTHER for the rest."""
    o = ord(ch)
    if (
        0x3040 <= o <= 0x30FF  # hiragana, katakana
        or 0x31F0 <= o <= 0x31FF  # katakana phonetic extensions
        or 0x4E00 <= o <= 0x9FFF  # CJK unified ideographs
        or 0x3400 <= o <= 0x4DBF  # extension A
        or 0xF900 <= o <= 0xFAFF  # compatibility ideographs
        or 0xFF66 <= o <= 0xFF9F  # half-width katakana
        or 0x20000 <= o <= 0x2FFFF  # supplementary ideographs
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
    cur = char_script(text[0])
    start = 0
    for i in range(1, len(text)):
        ch = text[i]
        # a combining mark stays with the character it modifies
        s = cur if unicodedata.category(ch)[0] == "M" else char_script(ch)
        if s != cur:
            runs.append((cur, start, i))
            cur, start = s, i
    runs.append((cur, start, len(text)))
    return runs


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
