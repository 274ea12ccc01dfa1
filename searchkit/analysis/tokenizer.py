"""Tokens with exact offsets: NFKC + case folding with an offset map, script runs, fugashi for Japanese.

This is the only module that imports fugashi. Every token's ``start``/``end`` points into the
*original* text, so ``text[start:end]`` is what the reader sees, whatever normalisation did.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Sequence
from typing import NamedTuple

from .unicode import JA, LATIN, script_runs

# UniDic part-of-speech classes (first feature field) that carry no searchable meaning.
FUNCTION_POS = frozenset({"助詞", "助動詞", "補助記号", "記号", "空白"})
# Verbs/adjectives that UniDic marks 非自立可能 (する, いる, ある, なる, ない ...) are as frequent
# and as empty as English stop words.
DEPENDENT_POS2 = "非自立可能"

LINE_CACHE = 1024  # lines whose tokens a Tokenizer keeps
FEATURE_CACHE = 200_000  # UniDic feature strings a Tokenizer remembers (bounded by the dictionary)
_LATIN_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
_HALF_WIDTH_MARKS = "\uff9e\uff9f"  # ﾞ ﾟ combine with the preceding half-width kana under NFKC


class Token(NamedTuple):  # a NamedTuple: created ~10^5 times a second, far cheaper than a frozen dataclass
    """One word of the original text.

    ``norm`` is the NFKC + case-folded surface; ``lemma`` the dictionary form used as the index
    term (UniDic lemma for Japanese, ``norm`` otherwise); ``gloss`` the English source UniDic gives
    for loanwords (アライメント → alignment); ``function`` marks particles, auxiliaries, symbols and dependent verbs.
    """

    norm: str
    start: int
    end: int
    lang: str  # "ja" or "en"
    lemma: str
    gloss: str = ""
    function: bool = False


def normalize(text: str) -> tuple[str, Sequence[int], Sequence[int]]:
    """NFKC + casefold ``text`` cluster by cluster, keeping an offset map.

    Returns ``(norm, starts, ends)``: normalised character ``i`` came from the original cluster
    ``text[starts[i]:ends[i]]``. A cluster is a base character with its combining marks, so
    ｶﾞ becomes ガ as one unit; a token ``norm[s:e]`` is ``text[starts[s]:ends[e - 1]]``.

    Most characters become exactly one character on their own (Ａ -> a, ， -> ,): they go through
    ``str.translate`` in C. Only the others (marks, and characters that expand, like … -> ...)
    are normalised one cluster at a time.
    """
    n = len(text)
    if text.isascii():
        return text.lower(), range(n), range(1, n + 1)
    if unicodedata.is_normalized("NFKC", text):
        folded = text.casefold()
        if len(folded) == n:  # casefold never shrinks: equal length means one char for one char
            return folded, range(n), range(1, n + 1)
    special = _special_chars(text)
    if not special:
        return text.translate(_ONE_TO_ONE), range(n), range(1, n + 1)
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    done = 0  # text[:done] is in out
    for m in re.finditer("[" + re.escape(special) + "]", text):
        k = m.start()
        if k < done:  # absorbed by the previous cluster
            continue
        c = k - 1 if k > done and _attaches(text, k) else k  # a mark belongs to the character before it
        if c > done:
            out.append(text[done:c].translate(_ONE_TO_ONE))
            starts.extend(range(done, c))
            ends.extend(range(done + 1, c + 1))
        j = c + 1
        while j < n and _attaches(text, j):
            j += 1
        norm = unicodedata.normalize("NFKC", text[c:j]).casefold()
        out.append(norm)
        starts.extend([c] * len(norm))
        ends.extend([j] * len(norm))
        done = j
    if done < n:
        out.append(text[done:].translate(_ONE_TO_ONE))
        starts.extend(range(done, n))
        ends.extend(range(done + 1, n + 1))
    return "".join(out), starts, ends


# Memo of a pure function of one character (bounded by the characters ever seen): code point ->
# its NFKC + casefold image, for characters that become exactly one character by themselves.
_ONE_TO_ONE: dict[int, str] = {}
_SPECIAL: set[str] = set()  # characters that expand or combine with their neighbour
_SEEN: set[str] = set()  # the characters in either


def _special_chars(text: str) -> str:
    """The characters of ``text`` that cannot go through ``_ONE_TO_ONE``, learning new ones."""
    chars = set(text)
    for ch in chars - _SEEN:
        image = unicodedata.normalize("NFKC", ch).casefold()
        if len(image) != 1 or unicodedata.combining(ch) or ch in _HALF_WIDTH_MARKS or unicodedata.combining(image):
            _SPECIAL.add(ch)
        else:
            _ONE_TO_ONE[ord(ch)] = image
        _SEEN.add(ch)
    return "".join(sorted(chars & _SPECIAL))


def _attaches(text: str, j: int) -> bool:
    """Does ``text[j]`` belong to the cluster of the character before it?"""
    ch = text[j]
    return bool(unicodedata.combining(ch)) or (ch in _HALF_WIDTH_MARKS and "\uff66" <= text[j - 1] <= "\uff9f")


class Tokenizer:
    """Turns text into :class:`Token` s. Holds a lazily built fugashi Tagger (not picklable)."""

    def __init__(self) -> None:
        self._tagger = None
        self._cache: dict[str, tuple[Token, ...]] = {}
        self._feature_cache: dict[str, tuple[str, str, bool]] = {}

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
        """Tokens of ``text`` in order (see :meth:`lines`)."""
        for offset, tokens in self.lines(text):
            if offset:
                for norm, start, end, lang, lemma, gloss, function in tokens:
                    yield _new(Token, (norm, start + offset, end + offset, lang, lemma, gloss, function))
            else:
                yield from tokens

    def lines(self, text: str) -> Iterator[tuple[int, tuple[Token, ...]]]:
        """``(offset, tokens)`` for each line of ``text``: the tokens' offsets count from the start
        of their line, which starts at ``offset``. Lines go through a small cache: the same lines
        come back for highlighting and queries, and a line break always ends a token, so lines can
        be tokenized independently."""
        if "\n" not in text:
            yield 0, self._line(text)
            return
        offset = 0
        for line in text.split("\n"):
            yield offset, self._line(line)
            offset += len(line) + 1

    def index_words(self, line: str) -> tuple[list[str], list[int], list[int] | None] | None:
        """The content words of one line as columns, for indexing: ``(words, offsets, latin)``
        where ``words`` are the Japanese lemmas and the lower-cased English words, ``offsets``
        their (start, end) pairs as one flat list, and ``latin`` the indexes of the English words
        (None: all of them). Exactly the non-function tokens of :meth:`tokenize`, without building
        Tokens. None when the line needs the general path (normalisation that changes lengths, or
        MeCab skipping characters)."""
        if line.isascii():
            matches = list(_LATIN_WORD.finditer(line.lower()))
            return [m.group() for m in matches], [x for m in matches for x in m.span()], None
        norm, starts, _ = normalize(line)
        if not isinstance(starts, range):
            return None
        words: list[str] = []
        offsets: list[int] = []
        latin: list[int] = []
        for script, s, e in script_runs(norm):
            if script == LATIN:
                for m in _LATIN_WORD.finditer(norm, s, e):
                    latin.append(len(words))
                    words.append(m.group().replace("’", "'"))
                    offsets += m.span()
            elif script == JA and not self._japanese_words(norm, s, e, words, offsets):
                return None
        return words, offsets, latin

    def _japanese_words(self, norm: str, s: int, e: int, words: list[str], offsets: list[int]) -> bool:
        """Lemmas and offsets of the content words of the Japanese run ``norm[s:e]`` (see
        :meth:`_japanese`); False if MeCab's nodes do not tile the run. A Japanese run holds no
        whitespace (script_runs puts it in OTHER runs), so offsets are summed from surfaces
        alone; should MeCab skip something, the caller takes the general path."""
        pos = s
        get, learn = self._feature_cache.get, self._features
        add_word, add_offsets = words.append, offsets.extend
        for node in self.tagger(norm[s:e]):
            surface = node.surface
            start = pos
            pos += len(surface)
            feature = node.feature_raw
            lemma, _, function = get(feature) or learn(feature)
            if function or start == pos:
                continue
            add_word(lemma or surface)
            add_offsets((start, pos))
        return pos == e

    def _line(self, line: str) -> tuple[Token, ...]:
        got = self._cache.get(line)
        if got is None:
            got = tuple(self._tokens(line))
            if len(self._cache) >= LINE_CACHE:
                self._cache.pop(next(iter(self._cache)))  # oldest first
            self._cache[line] = got
        return got

    def _tokens(self, text: str) -> list[Token]:
        norm, starts, ends = normalize(text)
        out: list[Token] = []
        if norm.isascii():  # every word is a Latin word, and no run boundary splits one
            self._latin(norm, 0, len(norm), starts, ends, out)
            return out
        for script, s, e in script_runs(norm):
            if script == LATIN:
                self._latin(norm, s, e, starts, ends, out)
            elif script == JA:
                self._japanese(norm, s, e, starts, ends, out)
        if isinstance(starts, range):  # one character for one character: no token shares one
            return out
        return _unshare(out)

    @staticmethod
    def _latin(norm: str, s: int, e: int, starts: Sequence[int], ends: Sequence[int], out: list[Token]) -> None:
        append = out.append
        identity = isinstance(starts, range)  # offsets in norm are offsets in the text
        curly = "’" in norm
        for m in _LATIN_WORD.finditer(norm, s, e):
            w = m.group()
            if curly:
                w = w.replace("’", "'")  # Snowball knows only the ASCII apostrophe
            a, b = m.span()
            if not identity:
                a, b = starts[a], ends[b - 1]
            append(_new(Token, (w, a, b, "en", w, "", False)))

    def _japanese(
        self, norm: str, s: int, e: int, starts: Sequence[int], ends: Sequence[int], out: list[Token]
    ) -> None:
        pos = s
        features = self._feature_cache
        for node in self.tagger(norm[s:e]):
            pos += len(node.white_space)
            surface = node.surface
            start = pos
            pos += len(surface)
            if start == pos:  # MeCab can emit empty nodes; they mark nothing
                continue
            lemma, gloss, function = features.get(node.feature_raw) or self._features(node.feature_raw)
            out.append(_new(Token, (surface, starts[start], ends[pos - 1], "ja", lemma or surface, gloss, function)))

    def _features(self, feature_raw: str) -> tuple[str, str, bool]:
        """(lemma or "" for unknown words, English gloss or "", function word?) of one UniDic
        feature string, remembered: words repeat, so most nodes cost one dictionary lookup."""
        # the fields used here never contain quoted commas
        f = feature_raw.split(",", 8)
        function = f[0] in FUNCTION_POS or (len(f) > 1 and f[1] == DEPENDENT_POS2)
        lemma, gloss = "", ""
        if len(f) >= 8 and f[7] != "*":  # unknown words have 6 fields: their lemma is the surface
            # UniDic writes loanwords as アラインメント-alignment; other suffixes after "-" only
            # disambiguate homographs (e.g. kanji variants) and are dropped.
            lemma, _, variant = f[7].partition("-")
            if variant.isascii():
                gloss = variant.lower()
        if len(self._feature_cache) >= FEATURE_CACHE:
            self._feature_cache.clear()
        info = self._feature_cache[feature_raw] = (lemma, gloss, function)
        return info


_new = tuple.__new__  # builds a Token without the Python-level NamedTuple constructor


def _unshare(tokens: list[Token]) -> list[Token]:
    """Tokens that split one original cluster (ｲﾞ -> イ + a voiced mark MeCab cannot compose;
    ¼ -> 1⁄4): the shared part belongs to the earlier token; words from one expanding character
    (㍿ -> 株式 会社) keep its whole span."""
    out: list[Token] = []
    prev_span, prev_end = (-1, -1), -1
    for tok in tokens:
        if tok.start < prev_end and (tok.start, tok.end) != prev_span:
            if prev_end >= tok.end:
                continue
            tok = Token(tok.norm, prev_end, *tok[2:])
        prev_span, prev_end = (tok.start, tok.end), tok.end
        out.append(tok)
    return out
