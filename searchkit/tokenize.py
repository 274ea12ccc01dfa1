"""Tokens with exact offsets: NFKC + case folding with an offset map, script runs, fugashi for Japanese.

This is the only module that imports fugashi. Every token's ``start``/``end`` points into the
*original* text, so ``text[start:end]`` is what the reader sees, whatever normalisation did.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Iterator, NamedTuple, Sequence

from .scripts import JA, LATIN, script_runs

# UniDic part-of-speech classes (first feature field) that carry no searchable meaning.
FUNCTION_POS = frozenset({"助詞", "助動詞", "補助記号", "記号", "空白"})
# Verbs/adjectives that UniDic marks 非自立可能 (する, いる, ある, なる, ない ...) are as frequent
# and as empty as English stop words.
DEPENDENT_POS2 = "非自立可能"

LINE_CACHE = 1024  # lines whose tokens a Tokenizer keeps
_LATIN_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
_HALF_WIDTH_MARKS = "\uff9e\uff9f"  # ﾞ ﾟ combine with the preceding half-width kana under NFKC


class Token(NamedTuple):  # a NamedTuple: created ~10^5 times a second, far cheaper than a frozen dataclass
    """One word of the original text.

    ``norm`` is the NFKC + case-folded surface; ``lemma`` the dictionary form used as the index
    term (UniDic lemma for Japanese, ``norm`` otherwise); ``gloss`` the English source UniDic gives
    for loanwords (アライメント → alignment); ``function`` marks particles, auxiliaries and symbols.
    """

    norm: str
    start: int
    end: int
    lang: str  # "ja" or "en"
    lemma: str
    gloss: str = ""
    function: bool = False
    unknown: bool = False


def normalize(text: str) -> tuple[str, Sequence[int], Sequence[int]]:
    """NFKC + casefold ``text`` cluster by cluster, keeping an offset map.

    Returns ``(norm, starts, ends)``: normalised character ``i`` came from the original cluster
    ``text[starts[i]:ends[i]]``. A cluster is a base character with its combining marks, so
    ｶﾞ becomes ガ as one unit; a token ``norm[s:e]`` is ``text[starts[s]:ends[e - 1]]``.
    """
    n = len(text)
    if text.isascii():
        return text.lower(), range(n), range(1, n + 1)
    if unicodedata.is_normalized("NFKC", text):
        folded = text.casefold()
        if len(folded) == n:  # casefold never shrinks: equal length means one char for one char
            return folded, range(n), range(1, n + 1)
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    i = 0
    while i < n:
        j = i + 1
        while j < n and (
            unicodedata.combining(text[j]) or (text[j] in _HALF_WIDTH_MARKS and "\uff66" <= text[j - 1] <= "\uff9f")
        ):
            j += 1
        chunk = text[i:j]
        if chunk.isascii():
            norm = chunk.lower()
        else:
            norm = unicodedata.normalize("NFKC", chunk).casefold()
        out.append(norm)
        starts.extend([i] * len(norm))
        ends.extend([j] * len(norm))
        i = j
    return "".join(out), starts, ends


class Tokenizer:
    """Turns text into :class:`Token` s. Holds a lazily built fugashi Tagger (not picklable)."""

    def __init__(self) -> None:
        self._tagger = None
        self._cache: dict[str, tuple[Token, ...]] = {}

    def __getstate__(self) -> dict:
        return {}

    def __setstate__(self, state: dict) -> None:
        self.__init__()

    @property
    def tagger(self):
        if self._tagger is None:
            import fugashi  # the only fugashi import in searchkit

            self._tagger = fugashi.Tagger()
        return self._tagger

    def dictionary_info(self) -> dict:
        """Names and versions of the tagger and its dictionary, for the index manifest."""
        from importlib.metadata import version

        return {
            "fugashi": version("fugashi"),
            "dictionary": "unidic-lite",
            "dictionary_version": version("unidic-lite"),
        }

    def tokenize(self, text: str) -> list[Token]:
        return list(self.iter_tokens(text))

    def iter_tokens(self, text: str) -> Iterator[Token]:
        """Tokens of ``text``, line by line through a small cache: the same lines are analysed
        for several fields (title, text, and title + text for ranking) and for highlighting,
        and a line break always ends a token, so lines can be tokenized independently."""
        if "\n" not in text:
            yield from self._line(text)
            return
        offset = 0
        for line in text.split("\n"):
            if offset:
                for t in self._line(line):
                    yield t._replace(start=t.start + offset, end=t.end + offset)
            else:
                yield from self._line(line)
            offset += len(line) + 1

    def _line(self, line: str) -> tuple[Token, ...]:
        got = self._cache.get(line)
        if got is None:
            got = tuple(self._clean(line))
            if len(self._cache) >= LINE_CACHE:
                self._cache.pop(next(iter(self._cache)))  # oldest first
            self._cache[line] = got
        return got

    def _clean(self, text: str) -> Iterator[Token]:
        prev_span, prev_end = (-1, -1), -1
        for tok in self._raw_tokens(text):
            if tok.start < prev_end and (tok.start, tok.end) != prev_span:
                # a split inside one original cluster (ｲﾞ -> イ + a voiced mark MeCab cannot
                # compose; ¼ -> 1⁄4): the shared part belongs to the previous token
                if prev_end >= tok.end:
                    continue
                tok = Token(tok.norm, prev_end, tok.end, tok.lang, tok.lemma, tok.gloss, tok.function, tok.unknown)
            prev_span, prev_end = (tok.start, tok.end), tok.end
            yield tok

    def _raw_tokens(self, text: str) -> Iterator[Token]:
        norm, starts, ends = normalize(text)
        for script, s, e in script_runs(norm):
            if script == LATIN:
                for m in _LATIN_WORD.finditer(norm, s, e):
                    w = m.group().replace("’", "'")  # Snowball knows only the ASCII apostrophe
                    yield Token(w, starts[m.start()], ends[m.end() - 1], "en", w)
            elif script == JA:
                yield from self._japanese(norm, s, e, starts, ends)

    def _japanese(self, norm: str, s: int, e: int, starts: Sequence[int], ends: Sequence[int]) -> Iterator[Token]:
        pos = s
        for node in self.tagger(norm[s:e]):
            pos += len(node.white_space)
            surface = node.surface
            start, end = pos, pos + len(surface)
            pos = end
            # feature_raw is cheaper than node.feature (which builds a namedtuple per token);
            # the first 12 fields never contain quoted commas.
            f = node.feature_raw.split(",", 12)
            unknown = node.is_unk or len(f) < 8 or f[7] == "*"
            lemma, gloss = surface, ""
            if not unknown:
                lemma, _, variant = f[7].partition("-")
                # UniDic writes loanwords as ア ラインメント-alignment; other suffixes after "-"
                # only disambiguate homographs (e.g. kanji variants) and are dropped.
                if variant and variant.isascii():
                    gloss = variant.lower()
            function = f[0] in FUNCTION_POS or (len(f) > 1 and f[1] == DEPENDENT_POS2)
            if end == start:  # MeCab can emit empty nodes; they mark nothing
                continue
            yield Token(
                surface,
                starts[start],
                ends[end - 1],
                "ja",
                lemma or surface,
                gloss,
                function,
                unknown,
            )
