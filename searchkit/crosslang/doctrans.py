"""Document translation: each entry's words translated at index time, to re-rank translated queries.

Query translation sees a title's few words; the abstract that answers it has a hundred, and
a dictionary translates a word better from its side (文章 glosses "writing", "composition";
nothing reverses "text" to it). With ``searchkit index --translate-documents`` every Japanese
and English entry gets a *bag*: the other-language index terms its words translate to
(JMdict, UniDic, derivations), each word's candidates sharing one unit of weight by dictionary
rank (a probabilistic translation of the document, as in Xu & Weischedel's cross-lingual
language models). A translated query re-ranks its other-language candidates with BM25 of the
words the user typed over those bags:

    fused = lexical + WEIGHT * lexical_best * bm25 / bm25_best

orders each other language's candidates (the lexical top DEPTH), and the entries take the
lexical scores in that order (the first the best, and so on): re-ranking moves an entry within its
language and leaves the scores the merge across languages levels languages by as they were. The
matches and the total stay those of the lexical query.

The bags come from the dictionaries alone (no index evidence), so a file's bags depend on that
file only: kept per source file beside the engine's data and updated with it, like the mined
pairs (in SQLite: a query reads its candidates' bags only). English -> Japanese lookups keep the
dictionary's common entries only (there is no index evidence to tell the words Japanese writers
use from the rare ones). Chosen on the dev half of ``bench.crosslang`` (see the README).
"""

from __future__ import annotations

import math
import re
import sqlite3
from collections import Counter
from pathlib import Path

from ..analysis.analyzer import ENGLISH_STOP_WORDS
from ..engines.base import EngineHit
from ..errors import REBUILD, IndexMismatchError

WEIGHT = 0.5  # the bags' share of a re-ranked score, relative to the lexical best
DEPTH = 100  # the lexical candidates re-ranked per language
PER_WORD = 12  # dictionary candidates kept per word
K1, B = 1.2, 0.75  # BM25 over the bags
SOURCES = ("unidic", "jmdict", "derived")
FILE = "document-translations.sqlite"
_SENTENCE = re.compile(r"(?<=[。．！？.!?])\s*")


def document_translator(analyzer, lexicon):
    """A translator for whole documents: the dictionaries only, no index evidence (a file's
    bags depend on that file alone), no co-occurrence, each word looked up once per run."""
    from .translate import Translator, TranslatorConfig

    return Translator(
        analyzer,
        lexicon,
        doc_frequency=lambda term: 1,
        doc_ids=lambda term: frozenset(),
        phrase_frequency=lambda terms: 1,
        vocabulary=tuple,
        # prevalence off: without evidence every candidate is equally "frequent" (the same weights, no work);
        # no related forms: a bag holds a word's glosses, not their relatives (dev EN->JA re-ranked
        # with them: Whoosh 0.814 either way, tantivy 0.816 -> 0.811; bags 20% larger)
        config=TranslatorConfig(
            sources=SOURCES,
            coherence=0.0,
            per_unit=PER_WORD,
            common_only=True,
            prevalence=0.0,
            related_factor=0.0,
        ),
        unit_cache={},
    )


def bags(entries, translator) -> list[list]:
    """``[id, lang, {term: weight}]`` of each Japanese or English entry (``translator``: from
    :func:`document_translator`)."""
    out = []
    for e in entries:
        if e.lang not in ("ja", "en"):
            continue
        bag = bag_of("\n".join(x for x in (e.title, e.text) if x), translator)
        if bag:
            out.append([e.id, e.lang, {t: round(w, 3) for t, w in bag.items()}])
    return out


def bag_of(text: str, translator) -> Counter:
    """The other-language terms ``text``'s words translate to, sentence by sentence (a unit does
    not cross sentences), each word's translations sharing one unit of weight."""
    bag: Counter = Counter()
    for sentence in _SENTENCE.split(text):
        words = sentence.split()
        if not words:
            continue
        for unit in translator.units(words):
            if unit.partial or not unit.translations:
                continue
            total = sum(t.weight for t in unit.translations)
            for t in unit.translations:
                for term in t.terms:
                    if term not in ENGLISH_STOP_WORDS:  # "to" of "to state": no query asks for it
                        bag[term] += t.weight / total
    return bag


_SCHEMA = """
CREATE TABLE IF NOT EXISTS docs (
    key INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, path TEXT NOT NULL, lang TEXT NOT NULL, length REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS docs_path ON docs (path);
CREATE TABLE IF NOT EXISTS bags (doc INTEGER NOT NULL, term TEXT NOT NULL, weight INTEGER NOT NULL, PRIMARY KEY (doc, term))
    WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS df (lang TEXT NOT NULL, term TEXT NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (lang, term))
    WITHOUT ROWID;
"""
MILLI = 1000  # a bag weight is stored in thousandths (an integer: a few bytes, not eight)
_CHUNK = 900  # ids per lookup (SQLite's limit on bound values is far above; small statements stay fast)


class DocumentTranslations:
    """The bags of an index, in SQLite beside the engine's data: per entry its words' translations
    (``bags``), its file and language (``docs``) and, per language, how many entries' bags hold
    each term (``df``). Changes are kept in memory until :meth:`save`, which applies them in one
    transaction before the engine commits (as the JSON side tables are written); a query reads
    only the bags of its candidates, so opening costs nothing and memory does not grow with the
    collection."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._pending: dict[str, list] = {}  # source file -> its new items ([] = removed)
        self._scorer: DocumentScorer | None = None

    def replace(self, path: str, items: list) -> None:
        self._pending[path] = items
        self._scorer = None

    def remove(self, path: str) -> None:
        self.replace(path, [])

    def save(self) -> None:
        if not self._pending:
            return
        try:
            self._apply()
        except sqlite3.DatabaseError as exc:
            raise _damaged(self.path, exc) from None
        self._pending.clear()

    def _apply(self) -> None:
        con = sqlite3.connect(self.path)
        try:
            with con:
                con.executescript(_SCHEMA)
                for path, items in self._pending.items():
                    _forget(con, path)
                    for rid, lang, bag in items:
                        _forget_id(con, rid)
                        key = con.execute(
                            "INSERT INTO docs (id, path, lang, length) VALUES (?, ?, ?, ?)",
                            (rid, path, lang, sum(bag.values())),
                        ).lastrowid
                        con.executemany(
                            "INSERT INTO bags VALUES (?, ?, ?)", [(key, t, round(w * MILLI)) for t, w in bag.items()]
                        )
                        con.executemany(
                            "INSERT INTO df VALUES (?, ?, 1) ON CONFLICT (lang, term) DO UPDATE SET n = n + 1",
                            [(lang, t) for t in bag],
                        )
                con.execute("DELETE FROM df WHERE n <= 0")
        finally:
            con.close()

    def scorer(self) -> DocumentScorer:
        if self._scorer is None:
            self._scorer = DocumentScorer(self.path)
        return self._scorer


def _forget(con: sqlite3.Connection, path: str) -> None:
    for (rid,) in con.execute("SELECT id FROM docs WHERE path = ?", (path,)).fetchall():
        _forget_id(con, rid)


def _forget_id(con: sqlite3.Connection, rid: str) -> None:
    """Drop an entry's bag (an id seen again, in its file or another) and its document frequencies."""
    got = con.execute("SELECT key, lang FROM docs WHERE id = ?", (rid,)).fetchone()
    if got is None:
        return
    key, lang = got
    con.execute("UPDATE df SET n = n - 1 WHERE lang = ? AND term IN (SELECT term FROM bags WHERE doc = ?)", (lang, key))
    con.execute("DELETE FROM bags WHERE doc = ?", (key,))
    con.execute("DELETE FROM docs WHERE key = ?", (key,))


class DocumentScorer:
    """BM25 of query terms over the entries' bags, each language's bags a collection of its own."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._con: sqlite3.Connection | None = None
        self._stats: dict[str, tuple[int, float]] | None = None  # lang -> (entries, mean bag size)

    def _open(self) -> dict[str, tuple[int, float]]:
        """The per-language statistics, opening the file on first use (none yet: no entries)."""
        if self._stats is None:
            if not self.path.exists():
                self._stats = {}
                return self._stats
            try:
                self._con = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, check_same_thread=False)
                rows = self._con.execute("SELECT lang, COUNT(*), AVG(length) FROM docs GROUP BY lang").fetchall()
            except sqlite3.DatabaseError as exc:
                raise _damaged(self.path, exc) from None
            self._stats = {lang: (n, avg or 0.0) for lang, n, avg in rows}
        return self._stats

    def __len__(self) -> int:
        return sum(n for n, _ in self._open().values())

    def scores(self, terms: list[str], ids: list[str]) -> dict[str, float]:
        """Record id -> BM25 of ``terms`` over its bag (0 for an entry without one)."""
        out = dict.fromkeys(ids, 0.0)
        if not terms or not ids or not self._open():
            return out
        try:
            return self._scores(list(dict.fromkeys(terms)), ids, out)
        except sqlite3.DatabaseError as exc:
            raise _damaged(self.path, exc) from None

    def _scores(self, terms: list[str], ids: list[str], out: dict[str, float]) -> dict[str, float]:
        stats, con = self._open(), self._con
        assert con is not None
        marks = ",".join("?" * len(terms))
        df = {
            (lang, term): n
            for lang, term, n in con.execute(f"SELECT lang, term, n FROM df WHERE term IN ({marks})", terms)
        }
        for i in range(0, len(ids), _CHUNK):
            chunk = ids[i : i + _CHUNK]
            rows = con.execute(
                f"SELECT d.id, b.term, b.weight, d.lang, d.length FROM docs d JOIN bags b ON b.doc = d.key "
                f"WHERE d.id IN ({','.join('?' * len(chunk))}) AND b.term IN ({marks})",
                [*chunk, *terms],
            )
            for rid, term, milli, lang, length in rows:
                tf = milli / MILLI
                n, avg = stats.get(lang, (0, 0.0))
                d = df.get((lang, term), 0)
                norm = K1 * (1 - B + B * length / avg) if avg else K1
                out[rid] += math.log(1 + (n - d + 0.5) / (d + 0.5)) * tf * (K1 + 1) / (tf + norm)
        return out


def _damaged(path: Path, exc: Exception) -> IndexMismatchError:
    return IndexMismatchError(
        f"document translations {path} cannot be read ({exc})", path=path.parent.parent, remedy=REBUILD
    )


def rerank(hits: list, terms: list[str], scorer: DocumentScorer, weight: float | None = None) -> tuple[list, dict]:
    """``hits`` (EngineHit, best first) re-ordered with the bags; (hits, id -> {"added": the bag
    part of its fused score, "fused": that score}). The hits keep the lexical scores in order
    (the first hit after re-ranking has the best lexical score, and so on): re-ranking moves an
    entry within its language and leaves the language's scores, which the merge across
    languages levels by, as they were."""
    weight = WEIGHT if weight is None else weight
    if not hits or not terms:
        return hits, {}
    by_id = scorer.scores(terms, [h.record["id"] for h in hits])
    best = max(by_id.values())
    if best <= 0:
        return hits, {}
    top = hits[0].score
    added = {rid: weight * top * f / best for rid, f in by_id.items()}
    fused = [(h.score + added[h.record["id"]], i, h) for i, h in enumerate(hits)]
    fused.sort(key=lambda x: (-x[0], x[1]))
    out = [EngineHit(h.record, old.score) for (_, _, h), old in zip(fused, hits)]
    return out, {
        h.record["id"]: {"added": added[h.record["id"]], "fused": f} for f, _, h in fused if added[h.record["id"]]
    }
