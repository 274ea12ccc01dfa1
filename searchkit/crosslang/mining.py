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
from typing import ClassVar

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
        if not any(c.isalpha() for c in inside):
            continue  # no word inside: a mark ("(*)", "(※)", "(-)"), not a gloss
        if left.isascii() and inside.isascii():
            continue  # English glossing English ("large language models (LLMs)"): one script, no pair
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
        if len(term) < 2 or term == inside:
            continue
        scripts = _scripts(term)
        if scripts != _scripts(inside) or JA in scripts:
            pairs.append((term, inside))
    return pairs


class PerFile:
    """Items found in each indexed source file, stored as JSON (``path -> [item, ...]``) in the
    index's data folder, so that re-indexing a file replaces its items and removing it drops
    them. Written before the engine commit (see ``Index.update``).

    A subclass with a ``DERIVED`` file name also keeps the table it derives from every file's
    items (:meth:`derived`) beside them, recomputed when an update changed the items: opening
    an index reads the table, never every file's items (0.4 s at a million entries)."""

    DERIVED: ClassVar[str | None] = None

    def __init__(self, path: Path) -> None:
        self.path = path
        self._by_file: dict[str, list] | None = None
        self._derived = None
        self._changed = False

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
        before = self.by_file.get(path)
        if items:
            self.by_file[path] = [list(p) if isinstance(p, tuple) else p for p in items]
        else:
            self.by_file.pop(path, None)
        if self.by_file.get(path) != before:
            self._changed, self._derived = True, None

    def remove(self, path: str) -> None:
        if self.by_file.pop(path, None) is not None:
            self._changed, self._derived = True, None

    def save(self) -> None:
        """The derived table first, then the items (both before the engine commit: a crash in
        between leaves the files to the next update, which processes the same files again)."""
        if self.DERIVED and (self._changed or not self._derived_path().exists()):
            replace_json(self._derived_path(), self._encode(self.derived()))
        replace_json(self.path, self.by_file)
        self._changed = False

    def derived(self):
        """The table derived from every file's items: read from its file when this object has
        changed nothing, else computed (an index from before the table was kept: computed)."""
        if self._derived is None:
            kept = None
            if not self._changed:
                try:
                    kept = self._decode(json.loads(self._derived_path().read_text(encoding="utf-8")))
                except (OSError, ValueError, TypeError, AttributeError):
                    kept = None  # missing or damaged: computed from the items
            self._derived = kept if kept is not None else self._derive()
        return self._derived

    def _derived_path(self) -> Path:
        return self.path.with_name(self.DERIVED or "")

    def _derive(self):
        raise NotImplementedError

    def _encode(self, table):
        return table

    def _decode(self, loaded):
        return loaded


class MinedPairs(PerFile):
    """The mined pairs of an index, stored per source file in ``mined-pairs.json``."""

    DERIVED = "mined-table.json"

    def table(self) -> dict[str, set[str]]:
        """Normalised term -> glosses, both directions."""
        return self.derived()

    def _derive(self) -> dict[str, set[str]]:
        out: dict[str, set[str]] = {}
        for pairs in self.by_file.values():
            for a, b in pairs:
                out.setdefault(normalize_key(a), set()).add(b)
                out.setdefault(normalize_key(b), set()).add(a)
        return out

    def _encode(self, table):
        return {k: sorted(v) for k, v in table.items()}

    def _decode(self, loaded):
        return {k: set(v) for k, v in loaded.items()}


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

    DERIVED = "katakana-words.json"

    def words(self) -> set[str]:
        return self.derived()

    def _derive(self) -> set[str]:
        return {w for runs in self.by_file.values() for w in runs}

    def _encode(self, table):
        return sorted(table)

    def _decode(self, loaded):
        return set(loaded)


def normalize_key(text: str) -> str:
    import unicodedata

    return " ".join(unicodedata.normalize("NFKC", text).casefold().replace("・", "").split())
