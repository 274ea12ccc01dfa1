"""A lexicon learned from the user's own pairs: summary pages put a Japanese write-up next to
its English original, and the passages that translate each other are linked (``translation_of``
or :class:`~searchkit.crosslang.linking.Linker`). Words that occur together in linked passages
far more often than chance are translations of each other in this collection's own vocabulary
(形態素解析 ↔ morpholog, 係り受け ↔ depend), including words no dictionary has.

Kept per source file like the mined pairs (``linked-pairs.json``: the content terms of each
linked pair, and how the English ones are written), switched off with them (``--no-mine``).
The table is Dunning's log-likelihood ratio (G²) over the linked pairs, the usual association
test for sparse counts (Moore 2004): a term pair counts when it co-occurs in at least
``MIN_PAIRS`` linked pairs, G² reaches ``MIN_G2`` (p < 0.001 for one degree of freedom) and it
is among the term's ``PER_TERM`` strongest; co-occurrence below chance never counts. The query
translator uses the table where the dictionaries have nothing, and beside their translations
(:meth:`~searchkit.crosslang.translate.Translator._confirmed`).

The table is computed when an update changes the linked pairs and kept beside them
(``learned-table.json``), so opening an index reads it instead of recounting every pair; it is
learned from at most ``MAX_PAIRS`` linked pairs (a sample fixed by each pair's content, so it
changes little as files come and go), which bounds what an update costs however large the
collection grows.
"""

from __future__ import annotations

import math
import zlib
from collections import Counter
from typing import NamedTuple

from .mining import PerFile

FILE = "linked-pairs.json"
TABLE_FILE = "learned-table.json"
MAX_PAIRS = 20_000
MIN_PAIRS = 2
MIN_G2 = 10.83
PER_TERM = 3
MAX_LINK_CANDIDATES = 200  # a document with more entries per language is not linked by content


class Learned(NamedTuple):
    """One translation the linked pairs give a term."""

    term: str  # the index term in the other language
    strength: float  # its G² over the term's strongest pair's, 0..1
    written: str  # as the collection writes it (an English stem's commonest word: flashwis -> flashwise)


def _g2(k11: int, k1: int, k2: int, n: int) -> float:
    """Log-likelihood ratio of a 2x2 table: k11 both, k1 first, k2 second, n pairs."""
    k12, k21 = k1 - k11, k2 - k11
    k22 = n - k1 - k2 + k11

    def h(*ks: int) -> float:
        total = sum(ks)
        return sum(k * math.log(k / total) for k in ks if k)

    return 2.0 * (h(k11, k12, k21, k22) - h(k11 + k12, k21 + k22) - h(k11 + k21, k12 + k22))


class LinkedPairs(PerFile):
    """The content terms of every linked ja/en pair, per source file, and the table learned
    from them."""

    DERIVED = TABLE_FILE

    def table(self) -> dict[str, list[Learned]]:
        """term -> its translations in the other language, strongest first, both directions."""
        return self.derived()

    def _derive(self):
        return learn(self.by_file)

    def _decode(self, loaded):
        # an index from before the written forms were kept has [term, strength] entries
        return {
            term: [Learned(str(e[0]), float(e[1]), str(e[2] if len(e) > 2 else e[0])) for e in found]
            for term, found in loaded.items()
        }


def learn(by_file: dict[str, list]) -> dict[str, list[Learned]]:
    """The association table (module docstring) of the linked pairs of every file."""
    items = [item for found in by_file.values() for item in found]
    pairs = [(frozenset(item[0]), frozenset(item[1])) for item in items]
    written: dict[str, Counter] = {}
    for item in items:
        for term, word in zip(item[1], item[2] if len(item) > 2 else ()):
            written.setdefault(term, Counter())[word] += 1
    if len(pairs) > MAX_PAIRS:
        pairs.sort(key=lambda p: zlib.crc32(" ".join(sorted(p[0]) + sorted(p[1])).encode("utf-8")))
        pairs = pairs[:MAX_PAIRS]
    n = len(pairs)
    if n < MIN_PAIRS:
        return {}
    ja_df, en_df, both = Counter(), Counter(), Counter()
    for ja, en in pairs:
        ja_df.update(ja)
        en_df.update(en)
        both.update((j, e) for j in ja for e in en)
    scored: dict[str, list[tuple[float, str]]] = {}
    for (j, e), k in both.items():
        if k < MIN_PAIRS or k * n <= ja_df[j] * en_df[e]:
            continue  # too rare, or not above chance
        g = _g2(k, ja_df[j], en_df[e], n)
        if g >= MIN_G2:
            scored.setdefault(j, []).append((g, e))
            scored.setdefault(e, []).append((g, j))
    out = {}
    for term, found in scored.items():
        found.sort(reverse=True)
        top = found[0][0]
        out[term] = [Learned(other, g / top, _commonest(written.get(other)) or other) for g, other in found[:PER_TERM]]
    return out


def _commonest(forms: Counter | None) -> str:
    """The form written most often (equal counts: the first in sort order, lower case first)."""
    if not forms:
        return ""
    return min(forms.items(), key=lambda fc: (-fc[1], fc[0].swapcase()))[0]


def linked_terms(entries, linker, analyzer) -> list[tuple[list[str], list[str], list[str]]]:
    """(Japanese terms, English terms, how each English term is written) of each Japanese entry
    and the English entry it is linked to: named by ``translation_of`` (either side, anywhere in
    the file), else the best content match within its document (documents of up to
    MAX_LINK_CANDIDATES English entries)."""
    by_id = {e.id: e for e in entries}
    named = {}
    for e in entries:
        other = by_id.get(e.translation_of)
        if other is not None and {e.lang, other.lang} == {"ja", "en"}:
            ja, en = (e, other) if e.lang == "ja" else (other, e)
            named[ja.id] = en
    english_of_doc: dict[str, list] = {}
    for e in entries:
        if e.lang == "en":
            english_of_doc.setdefault(e.doc, []).append(e)
    out = []
    for e in entries:
        if e.lang != "ja":
            continue
        partner = named.get(e.id)
        candidates = english_of_doc.get(e.doc, [])
        if partner is None and 0 < len(candidates) <= MAX_LINK_CANDIDATES:
            ranked = linker.rank(
                f"{e.title} {e.text}",
                "ja",
                [{"id": c.id, "title": c.title, "text": c.text, "lang": "en"} for c in candidates],
            )
            partner = by_id[ranked[0][0]["id"]] if ranked else None
        if partner is not None:
            ja = sorted(_content(analyzer, f"{e.title}\n{e.text}", ascii_terms=False))
            en_written = _content(analyzer, f"{partner.title}\n{partner.text}", ascii_terms=True)
            en = sorted(en_written)
            if ja and en:
                out.append((ja, en, [en_written[t] for t in en]))
    return out


def _content(analyzer, text: str, ascii_terms: bool) -> dict[str, str]:
    """The content terms of ``text`` (of one script), each with its commonest written form."""
    forms: dict[str, Counter] = {}
    for t in analyzer.analyze(text):
        if not t.stop and len(t.text) > 1 and t.text.isascii() == ascii_terms:
            forms.setdefault(t.text, Counter())[text[t.start : t.end]] += 1
    return {term: _commonest(found) for term, found in forms.items()}
