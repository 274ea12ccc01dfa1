"""Term pairs mined from the indexed text itself: glosses written in parentheses.

Summaries explain terms inline: ``毒づけ(ポイズニング)``, ``アライメント(整合性)``,
``Claude（クロード）``, ``ユニバーサル・ジェイルブレイク(普遍的な安全性回避)``. The word before the
parenthesis (its trailing content words) and the text inside are recorded as a pair, usable in
both directions. Pairs are kept per source file so that re-indexing a file replaces its pairs.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from ..analysis.tokenizer import Tokenizer
from ..analysis.unicode import JA, LATIN, char_script
from ..indexing.durable import replace_json

_PAREN = re.compile(r"[(（]([^()（）\n]{1,40})[)）]")
MAX_WORDS = 5
FILE = "mined-pairs.json"


def _scripts(text: str) -> set[str]:
    return {s for s in map(char_script, text) if s in (JA, LATIN)}


def mine(text: str, tokenizer: Tokenizer) -> list[tuple[str, str]]:
    """``(term, gloss)`` pairs from ``X(Y)`` patterns where X and Y are short terms."""
    pairs = []
    for m in _PAREN.finditer(text):
        inside = m.group(1).strip()
        left = text[max(0, m.start() - 40) : m.start()]
        if left.endswith(" ") and left[-2:-1].isascii():
            left = left[:-1]  # English writes "term (gloss)"
        if not inside or not left or left[-1].isspace():
            continue
        if sum(1 for c in inside if "\u3041" <= c <= "\u309f") > 2:
            continue  # hiragana-rich: a clause explaining something, not a term
        if any(c.isdigit() for c in inside) or len(inside.split()) > MAX_WORDS:
            continue  # years, dates, figures, citations: not glosses
        if any(c in inside for c in "、。,;；"):
            continue  # a list or a sentence, not a gloss
        # the term before the parenthesis: its trailing content words, joined as written
        tokens = tokenizer.tokenize(left)
        if not tokens or tokens[-1].end != len(left) or tokens[-1].function:
            continue
        start = tokens[-1].start
        for prev, tok in zip(reversed(tokens[:-1]), reversed(tokens[1:])):
            between = left[prev.end : tok.start]
            if prev.function or prev.lang != tokens[-1].lang or (between and between not in "・- "):
                break
            if tokens[-1].lang == "en" and len(left[prev.start :].split()) > MAX_WORDS:
                break
            start = prev.start
        term = left[start:].strip()
        if len(term) >= 2 and term != inside and (_scripts(term) != _scripts(inside) or JA in _scripts(term)):
            pairs.append((term, inside))
    return pairs


class PerFile:
    """Items found in each indexed source file, stored as JSON (``path -> [item, ...]``) in the
    index's data folder, so that re-indexing a file replaces its items and removing it drops
    them. Written before the engine commit (see ``Index.update``)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._by_file: dict[str, list] | None = None

    @property
    def by_file(self) -> dict[str, list]:
        if self._by_file is None:
            try:
                loaded = json.loads(self.path.read_text(encoding="utf-8"))
                self._by_file = loaded if isinstance(loaded, dict) else {}
            except (OSError, ValueError):
                self._by_file = {}
        return self._by_file

    def replace(self, path: str, items: list) -> None:
        if items:
            self.by_file[path] = [list(p) if isinstance(p, tuple) else p for p in items]
        else:
            self.by_file.pop(path, None)

    def remove(self, path: str) -> None:
        self.by_file.pop(path, None)

    def save(self) -> None:
        replace_json(self.path, self.by_file)


class MinedPairs(PerFile):
    """The mined pairs of an index, stored per source file in ``mined-pairs.json``."""

    def table(self) -> dict[str, set[str]]:
        """Normalised term -> glosses, both directions."""
        out: dict[str, set[str]] = {}
        for pairs in self.by_file.values():
            for a, b in pairs:
                out.setdefault(normalize_key(a), set()).add(b)
                out.setdefault(normalize_key(b), set()).add(a)
        return out


# katakana written as one word, middle dots included (ウォーター・マーキング); MeCab often splits
# such a loanword into known pieces (ウォーター / マーキング), so the written run is kept as well
_KATAKANA_RUN = re.compile(r"[ァ-ヴ][ァ-ヴー・]{3,}")
KATAKANA_FILE = "katakana-runs.json"


def katakana_runs(text: str) -> set[str]:
    """Katakana words of ``text`` as written (at least four characters, trailing dots dropped)."""
    return {m.group().strip("・") for m in _KATAKANA_RUN.finditer(text)}


class KatakanaRuns(PerFile):
    """The katakana words written in each indexed file (``katakana-runs.json``): transliteration
    candidates for English words, including loanwords MeCab splits into several index terms."""

    def words(self) -> set[str]:
        return {w for runs in self.by_file.values() for w in runs}


def normalize_key(text: str) -> str:
    import unicodedata

    return " ".join(unicodedata.normalize("NFKC", text).casefold().replace("・", "").split())
