"""Create, open and update an index through an engine; incremental by file content hash.

Layout of an index folder (README, "On-disk layout")::

    manifest.json        engine, versions, analyzer config, name of the current data folder
    data-<n>/            the engine's files
    .gitignore, README   anything else is left alone

An update deletes the records of changed and removed files and adds the new ones in one engine
commit, so an interrupted update leaves the previous commit. A rebuild writes a new data folder
and switches the manifest to it with one rename.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..analysis.analyzer import Analyzer
from ..engines import Engine, get_engine
from ..engines.base import source_key
from ..errors import (
    OTHER_FOLDER,
    REBUILD,
    REBUILD_ENGINE,
    SEMANTIC,
    TRANSLATE_DOCUMENTS,
    IndexMismatchError,
    IngestError,
    NotFoundError,
    QuerySyntaxError,
    SearchkitError,
)
from ..models import Document, Hit, valid_id
from ..ranking import DEFAULT, Ranking
from ..search.options import check_range, window
from ..search.run import SearchResult, make_filters, rank, record_to_hit, run
from ..version import __version__
from . import manifest as mf
from .durable import sync_tree
from .filenotes import FILE as NOTES_FILE
from .filenotes import FileNotes
from .lock import LOCK_FILE, writer_lock


@dataclass
class IndexReport:
    """What an update did. ``skipped`` and ``warnings`` are one-line reasons naming the file."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)  # files not read: other types, hidden names
    advice: list[str] = field(default_factory=list)  # not problems: e.g. when to switch engines
    entries_added: int = 0
    total_entries: int = 0

    def summary(self) -> str:
        ignored = f" ({len(self.ignored)} not read: other types or hidden)" if self.ignored else ""
        return (
            f"{len(self.added)} added, {len(self.updated)} updated, {len(self.removed)} removed, "
            f"{len(self.unchanged)} unchanged, {len(self.skipped)} skipped files{ignored}; "
            f"{self.entries_added} entries written, {self.total_entries} in the index"
        )


HELD_ENTRIES = 20_000  # parsed entries an update keeps between its two passes (the rest are parsed again)
# past this many entries Whoosh stops being interactive (bench.scale: README, "Scale")
WHOOSH_COMFORT = 30_000


@dataclass(frozen=True)
class UpdateOptions:
    """How an update runs (see :meth:`Index.update`): progress callbacks, analysis workers,
    entry vectors, excluded files."""

    progress: Callable[[int], None] | None = None
    on_total: Callable[[int], None] | None = None
    on_stage: Callable[[str, int], None] | None = None
    workers: int | None = None
    semantic: bool = False
    exclude: tuple[str, ...] = ()


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:20]


def _under(path: str, roots: list[Path]) -> bool:
    for root in roots:
        r = str(root)
        if path == r or path.startswith(r.rstrip(os.sep) + os.sep):
            return True
    return False


def _records(doc: Document, path: str, digest: str):
    for e in doc.entries:
        yield {
            "id": e.id,
            "kind": e.kind,
            "lang": e.lang,
            "doc": e.doc,
            "title": e.title,
            "text": e.text,
            "section": e.section,
            "date": e.date,
            "category": e.category,
            "url": e.url,
            "translation_of": e.translation_of,
            "path": path,
            "line": e.line,
            "position": e.position,
            "source_hash": digest,
        }


class Index:
    """An open index: the engine, the analyzer it was built with, and its manifest."""

    def __init__(self, path: Path, engine: Engine, analyzer: Analyzer, manifest: mf.Manifest, ranking: Ranking) -> None:
        self.path = path
        self.engine = engine
        self.analyzer = analyzer
        self.manifest = manifest
        self.ranking = ranking
        self._lexicon = None
        self._embedder = None  # the embedding model, loaded on first use (semantic extra)
        self._stamp = mf.stamp(path)
        self._forget()

    def _forget(self) -> None:
        """Drop everything derived from one commit (the caches of translation evidence)."""
        self._crosslang = None  # rebuilt on first use after every commit
        self._vectors = None  # likewise the entry vectors (semantic search)

    # -- lifecycle --
    @classmethod
    def open(cls, path: str | Path, ranking: Ranking = DEFAULT) -> Index:
        path = Path(path)
        manifest = mf.read(path)  # before the engine unpickles anything
        analyzer = Analyzer()
        try:
            engine = _open_engine(path, manifest, analyzer, ranking)
        except IndexMismatchError:
            # a commit (or a rebuild's switch) under way replaced files while they were being
            # opened: once more on what is there now; real damage fails again
            manifest = mf.read(path)
            engine = _open_engine(path, manifest, analyzer, ranking)
        return cls(path, engine, analyzer, manifest, ranking)

    def refresh(self) -> bool:
        """Move to the latest commit if another writer (process or Index object) committed since
        this one last looked: the new data folder after a rebuild, the engine's new segments
        after an update, and fresh caches either way. One ``stat`` when nothing changed; every
        read calls it, so a long-lived Index (``searchkit serve``) never answers from old data."""
        stamp = mf.stamp(self.path)
        if stamp == self._stamp:
            return False
        manifest = mf.read(self.path)
        if manifest.data_dir != self.manifest.data_dir or manifest.engine != self.manifest.engine:
            engine = _open_engine(self.path, manifest, self.analyzer, self.ranking)
            old, self.engine = self.engine, engine
            old.close()
        else:
            self.engine.refresh()
        self.manifest, self._stamp = manifest, stamp
        self._forget()
        return True

    def _read(self, fn: Callable[[], object]):
        """``fn()`` on the latest commit; if the data went away under it (a rebuild switched and
        removed the old folder mid-read, or an update replaced segment files), once more on the
        new commit."""
        self.refresh()
        try:
            return fn()
        except IndexMismatchError:
            if not self.refresh():
                # the same data folder: a commit in progress may have replaced files this read
                # had not opened yet (its manifest comes after the engine's commit); real damage
                # fails again
                self.engine.refresh()
            return fn()

    @classmethod
    def create(
        cls,
        path: str | Path,
        engine: str = "whoosh",
        ranking: Ranking = DEFAULT,
        mine_pairs: bool = True,
        translate_documents: bool = False,
    ) -> Index:
        """A new empty index in ``path`` (a folder without an index)."""
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        eng, analyzer, manifest = _new_generation(path, engine, ranking)
        manifest.options["mine_pairs"] = mine_pairs
        manifest.options["translate_documents"] = translate_documents
        sync_tree(path / manifest.data_dir)
        mf.write(path, manifest)
        return cls(path, eng, analyzer, manifest, ranking)

    def close(self) -> None:
        self.engine.close()

    def __enter__(self) -> Index:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- writing --
    def update(
        self,
        paths: list[str | Path],
        progress: Callable[[int], None] | None = None,
        on_total: Callable[[int], None] | None = None,
        workers: int | None = None,
        semantic: bool = False,
        on_stage: Callable[[str, int], None] | None = None,
        exclude: tuple[str, ...] = (),
    ) -> IndexReport:
        """Bring the index in line with the files under ``paths`` (folders are walked, leaving out
        what ``.gitignore``/``.searchkitignore`` files and the ``exclude`` patterns match; an
        indexed file that is now excluded is removed from the index).
        ``workers``: analysis processes (None: every core for large batches, 1: this process).
        ``semantic``: also keep a vector of every entry (the semantic extra; once switched on,
        every later update keeps them). ``on_stage(name, total)`` announces each stage
        ("embedding", "indexing", "committing") and how many entries ``progress`` will count in it.
        One writer at a time: another update of the same index raises IndexLockedError."""
        opts = UpdateOptions(progress, on_total, on_stage, workers, semantic, tuple(exclude))
        with writer_lock(self.path):
            return self._update(paths, opts)

    def _update(self, paths, opts: UpdateOptions) -> IndexReport:
        """Two passes over the changed files, so that memory does not grow with the collection:
        the first reads, hashes and parses each file to find what changed (and records what the
        side tables keep of it), keeping the parsed documents only up to HELD_ENTRIES entries;
        the second reads the others again as the analysis stream asks for their records (see
        :meth:`_entries`). Side files are written before the engine commits."""
        from ..ingest import discover, ingest_file  # only indexing needs the parsers
        from ..ingest.common import read_bytes

        self.refresh()  # another writer may have committed since this Index was opened
        switching_on = opts.semantic and not self.manifest.options.get("semantic")
        embedder = self._start_semantic(opts.semantic)  # before any work: a missing extra fails first
        roots = [Path(p).resolve() for p in paths]
        found = discover([Path(p) for p in paths], opts.exclude)
        report = IndexReport(skipped=list(found.skipped), ignored=list(found.ignored))
        indexed = self.engine.sources()
        notes = FileNotes(self.path / self.manifest.data_dir / NOTES_FILE)
        current: set[str] = set()
        changed: list[tuple] = []  # (SourceFile, content hash, number of entries, Document or None)
        held = 0  # entries of the documents kept from the first pass
        for src in found.files:
            key = str(src.path)
            try:
                data = read_bytes(src.path)
            except IngestError as exc:
                report.skipped.append(str(exc))
                current.add(key)  # unreadable now: keep what was indexed
                continue
            current.add(key)
            digest = _digest(data)
            if indexed.get(key) == digest or (key not in indexed and notes.empty(key, digest)):
                report.unchanged.append(key)
                report.warnings.extend(notes.warnings(key, digest))  # said again on every run
                continue
            try:
                doc = ingest_file(src, data)
            except IngestError as exc:
                report.skipped.append(str(exc))  # a file that no longer parses keeps its old entries
                continue
            report.warnings.extend(doc.warnings)
            notes.record(key, digest, len(doc.entries), list(doc.warnings))
            self.crosslang.record_file(key, doc.entries)
            kept = doc if held + len(doc.entries) <= HELD_ENTRIES else None
            held += len(doc.entries) if kept else 0
            changed.append((src, digest, len(doc.entries), kept))
            (report.updated if key in indexed else report.added).append(key)
        known = set(indexed) | set(notes.paths())
        report.removed = sorted(p for p in known if p not in current and _under(p, roots))
        for path in report.removed:
            notes.remove(path)
            self.crosslang.forget_file(path)

        retire = [source_key(indexed[p], p) for p in report.removed if p in indexed]
        entries = self._entries(changed, indexed, report, retire)
        count = sum(n for _, _, n, _ in changed)
        todo: list[dict] = []  # entries to embed (semantic search)
        if embedder is not None:
            from ..semantic import indexing as vx
            from ..semantic.store import VectorStore

            try:
                store = self._vector_store()
            except IndexMismatchError:
                if not opts.semantic:
                    raise
                store = VectorStore.empty(self.path / self.manifest.data_dir)  # asked to: compute them all again
            entries = list(entries)  # the vectors are written before the engine's commit
            keep, todo = vx.plan(store, indexed, entries, self.engine, {str(s.path) for s, _, _, _ in changed})
        if changed or retire or self._must_commit() or switching_on or todo:
            from .workers import analyse

            stage = opts.on_stage or (lambda name, total: None)
            generation = None
            if embedder is not None:
                stage("embedding", len(todo))
                generation = vx.write(store, keep, todo, embedder, opts.progress)
            if opts.on_total:
                opts.on_total(count)
            stage("indexing", count)

            # the analysis pool (if any) starts here, before the engine takes its write lock, and
            # stops when the block ends (also when the engine cannot take the lock)
            with analyse(entries, self.analyzer, opts.workers, count) as stream:
                report.entries_added = self.engine.apply(
                    retire, stream, opts.progress, lambda: self._save_side_files(notes), expected=count
                )
            stage("committing", 0)
            self._commit()
            if generation is not None:
                VectorStore.drop_older(self.path / self.manifest.data_dir, generation)
        report.total_entries = self.engine.count()
        if self.engine.name == "whoosh" and report.total_entries > WHOOSH_COMFORT:
            report.advice.append(
                f"this Whoosh index holds {report.total_entries:,} entries; past {WHOOSH_COMFORT:,} the tantivy "
                f"engine is much faster: pip install 'searchkit[tantivy]', then "
                f"searchkit index --rebuild --engine tantivy --index {self.path}"
            )
        return report

    def _entries(self, changed, indexed: dict[str, str], report: IndexReport, retire: list[str]):
        """The records of the changed files, read again file by file as they are consumed; an id
        already used by another file is skipped with a warning. A file indexed in an older
        version has that version's key added to ``retire`` once its new records are out; one that
        changed again since the first pass keeps its indexed version (with a warning)."""
        from ..ingest import ingest_file
        from ..ingest.common import read_bytes

        replacing = {str(src.path) for src, _, _, _ in changed}
        seen: dict[str, int] = {}  # record id -> which changed file (its position) holds it
        empty = self.engine.count() == 0  # a new index: no lookups of existing ids needed
        for n, (src, digest, _, doc) in enumerate(changed):
            path = str(src.path)
            changed[n] = (src, digest, 0, None)  # the document goes once its records are out
            if doc is None:
                try:
                    data = read_bytes(src.path)
                    doc = ingest_file(src, data) if _digest(data) == digest else None
                except IngestError:
                    doc = None
            if doc is None:
                report.warnings.append(f"{path}: changed while it was being indexed; index it again")
                continue
            for rec in _records(doc, path, digest):
                rid = rec["id"]
                owner = changed[seen[rid]][0].path if rid in seen else None
                if owner is None and not empty:
                    existing = self.engine.get(rid)
                    if existing and existing.get("path") not in replacing:
                        owner = existing.get("path")
                if owner is not None:
                    report.warnings.append(
                        f"{path}:{rec['line']}: skipped record, id {rid!r} is already used by {owner}"
                    )
                    continue
                seen[rid] = n
                yield rec
            if path in indexed:
                retire.append(source_key(indexed[path], path))

    def remove(self, paths: list[str | Path]) -> IndexReport:
        """Take the entries of these files out of the index (a folder: of every indexed file
        under it), whether or not the files still exist, in one commit with the same crash
        safety as an update. NotFoundError if nothing indexed is under ``paths``. (A file that
        still exists comes back with the next update of its folder unless it is excluded.)"""
        with writer_lock(self.path):
            self.refresh()
            roots = [Path(os.path.abspath(p)) for p in paths]
            roots += [Path(p).resolve() for p in paths if Path(p).exists()]
            indexed = self.engine.sources()
            notes = FileNotes(self.path / self.manifest.data_dir / NOTES_FILE)
            gone = sorted(p for p in set(indexed) | set(notes.paths()) if _under(p, roots))
            if not gone:
                shown = ", ".join(map(str, paths))
                raise NotFoundError(f"nothing indexed is at or under {shown}; 'searchkit stats' shows what is indexed")
            for path in gone:
                notes.remove(path)
                self.crosslang.forget_file(path)
            retire = [source_key(indexed[p], p) for p in gone if p in indexed]
            self.engine.apply(retire, iter(()), None, lambda: self._save_side_files(notes))
            self._commit()
            return IndexReport(removed=gone, total_entries=self.engine.count())

    def _save_side_files(self, notes: FileNotes) -> None:
        """Called by the engine just before it commits: a crash before that commit leaves the
        side files ahead of it, which the next update repairs (those files are not "unchanged"
        to the engine)."""
        notes.save()
        self.crosslang.save()

    def _start_semantic(self, switch_on: bool):
        """The embedder when this index keeps vectors (or is switching them on), else None."""
        from ..semantic.model import identity

        recorded = self.manifest.options.get("semantic")
        if not recorded and not switch_on:
            return None
        if recorded and recorded != identity():
            raise IndexMismatchError(
                f"index {self.path} has vectors of {recorded.get('model')} {recorded.get('version')}, "
                f"the installed model is {identity()['model']} {identity()['version']}",
                path=self.path,
                remedy=REBUILD,
            )
        embedder = self.embedder()
        self.manifest.options["semantic"] = identity()  # written with the next commit
        return embedder

    def embedder(self):
        """The embedding model (SemanticUnavailable without the semantic extra)."""
        if self._embedder is None:
            from ..semantic.model import Embedder

            self._embedder = Embedder()
        return self._embedder

    def _vector_store(self):
        from ..semantic.store import VectorStore

        store = VectorStore.open(self.path / self.manifest.data_dir, self.path)
        store.check_model(self.path)
        return store

    def _must_commit(self) -> bool:
        """Whether an update with nothing to change still commits (a rebuild does: it switches)."""
        return False

    def _commit(self) -> None:
        """The one place a commit becomes visible: the engine's files made durable, then the
        manifest (its generation tells readers to refresh)."""
        sync_tree(self.path / self.manifest.data_dir)
        mf.write(self.path, self.manifest)
        self._stamp = mf.stamp(self.path)
        self._forget()

    # -- cross-language resources of the current commit (crosslang.resources) --
    @property
    def crosslang(self):
        if self._crosslang is None:
            from ..crosslang.lexicon import Lexicon
            from ..crosslang.resources import CrossLanguage

            if self._lexicon is None:
                self._lexicon = Lexicon(self.analyzer)
            self._crosslang = CrossLanguage(
                self.path / self.manifest.data_dir,
                self.path,
                self.engine,
                self.analyzer,
                self.manifest.options.get("mine_pairs", True),
                self._lexicon,
                documents=bool(self.manifest.options.get("translate_documents")),
            )
        return self._crosslang

    @property
    def mined_pairs(self):
        return self.crosslang.mined_pairs

    def translator(self, glossary: str | Path | None = None):
        """The query translator of this index; ``glossary`` adds a glossary file to the index's own."""
        return self.crosslang.translator(glossary)

    def languages(self) -> frozenset:
        """The languages with at least one entry in the current commit."""
        return self.crosslang.languages()

    def counterparts(self, hit: Hit, memo: dict | None = None) -> list[dict]:
        """The entries in the other language that this entry translates or is translated by."""
        return self.crosslang.counterparts(hit, memo)

    # -- reading --
    def search(
        self,
        query: str,
        *,
        limit: int = 10,
        offset: int = 0,
        lang: str = "",
        kind: str = "",
        category: str = "",
        since: str = "",
        until: str = "",
        require_all: bool = False,
        translate: bool = True,
        glossary: str | Path | None = None,
        explain: bool = False,
        counterparts: bool = True,
        suggest: bool = True,
        facets: bool = False,
        merge: bool = True,
        semantic: str = "auto",
        sort: str = "score",
    ) -> SearchResult:
        """Ranked, highlighted hits for ``query`` (syntax in the README).

        ``translate`` adds Japanese<->English translation groups; ``glossary`` names an extra
        glossary file; ``explain`` attaches the expanded query; ``counterparts`` links each hit to
        its original/translation in the other language; ``suggest`` adds a did-you-mean query
        when a query word does not occur in the index and a close word does; ``facets`` counts
        the matching entries by kind, lang, year and category (``result.facets``); ``merge``
        ranks each language on its own scale when a translated query is not filtered by
        language (:mod:`searchkit.search.merge`). ``semantic``: "auto" fuses BM25 with the
        entries' vectors when the index has them (and the semantic extra is installed), "on"
        insists on it, "only" ranks by the vectors alone, "off" is lexical only
        (:mod:`searchkit.semantic.hybrid`). ``sort``: "score" (relevance), "-date" (newest first)
        or "date" (oldest first); by date, equal dates go by id, undated matches follow by
        relevance, and the ranking is lexical.
        """
        return self._read(
            lambda: self._search(
                query,
                limit=limit,
                offset=offset,
                lang=lang,
                kind=kind,
                category=category,
                since=since,
                until=until,
                require_all=require_all,
                translate=translate,
                glossary=glossary,
                explain=explain,
                counterparts=counterparts,
                suggest=suggest,
                facets=facets,
                merge=merge,
                semantic=semantic,
                sort=sort,
            )
        )

    def _search(
        self,
        query: str,
        *,
        limit,
        offset,
        lang,
        kind,
        category,
        since,
        until,
        require_all,
        translate,
        glossary,
        explain,
        counterparts,
        suggest,
        facets,
        merge,
        semantic,
        sort,
    ) -> SearchResult:
        filters = make_filters(lang=lang, kind=kind, category=category, since=since, until=until)
        translator = self.translator(glossary) if translate else None
        mode = self._semantic_mode(semantic) if sort == "score" else "off"
        wanted = ""
        if mode != "off":
            from ..semantic.hybrid import semantic_text

            wanted = semantic_text(query)
        if wanted:
            from ..semantic.hybrid import DEPTH, fuse

            # as deep as the page (within the lexical search's own limit: deeper pages hold the
            # nearest vectors only)
            lexical_limit = window(DEPTH, limit, offset)
            ranked = rank(
                self,
                query,
                filters,
                limit=lexical_limit if mode != "only" else 0,
                offset=0,
                require_all=require_all,
                translator=translator,
                explain=explain,
                facets=facets,
                merge=merge,
                execute=mode != "only",
            )
            result = fuse(
                self,
                ranked,
                self._live_vectors(),
                self.embedder().query(wanted),
                self.embedder(),
                filters.clauses(),
                limit=limit,
                offset=offset,
                only=mode == "only",
                explain=explain,
                facets=facets,
            )
        else:
            result = run(
                self,
                query,
                filters,
                limit=limit,
                offset=offset,
                require_all=require_all,
                translator=translator,
                explain=explain,
                facets=facets,
                merge=merge,
                sort=sort,
            )
        if counterparts:
            memo: dict = {}
            result = replace(
                result, hits=[replace(h, counterparts=tuple(self.counterparts(h, memo))) for h in result.hits]
            )
        if suggest:
            from ..search.suggest import suggestion

            result = replace(result, suggestion=suggestion(self, query))
        return result

    def _semantic_mode(self, requested: str) -> str:
        """ "off", "on" or "only" for this index and the installed extras."""
        from ..semantic.hybrid import MODES
        from ..semantic.model import SemanticUnavailable

        if requested not in MODES:
            raise QuerySyntaxError(f"semantic must be one of {', '.join(MODES)}, not {requested!r}")
        if requested == "off":
            return "off"
        if not self.manifest.options.get("semantic"):
            if requested == "auto":
                return "off"
            raise SearchkitError(
                f"index {self.path} has no vectors for semantic search", path=self.path, remedy=SEMANTIC
            )
        try:
            self.embedder()
        except SemanticUnavailable:
            if requested == "auto":
                return "off"  # an index with vectors still answers lexically without the extra
            raise
        return "on" if requested == "auto" else requested

    def has_vectors(self) -> bool:
        """Whether this index keeps entry vectors (semantic search)."""
        self.refresh()
        return bool(self.manifest.options.get("semantic"))

    def _live_vectors(self):
        """The vectors of the entries in the current commit (loaded once per commit)."""
        if self._vectors is None:
            from ..semantic.hybrid import Vectors

            self._vectors = Vectors(self._vector_store(), self.engine.sources())
        return self._vectors

    def similar(self, record_id: str, limit: int = 10) -> list[Hit]:
        """Entries like this one: its linked counterparts in the other language first, then the
        entries sharing its key terms, and those sharing its counterparts' key terms."""
        check_range("limit", limit)
        return self._read(lambda: self._similar(record_id, limit))

    def _similar(self, record_id: str, limit: int) -> list[Hit]:
        me = self._get(record_id)
        seen = {record_id}
        out: list[Hit] = []
        for cp in me.counterparts or ():
            if cp["id"] not in seen:
                seen.add(cp["id"])
                out.append(record_to_hit(self, self.engine.get(cp["id"]), cp["score"], None))
        if self._semantic_mode("auto") == "on":
            vectors = self._live_vectors()
            if record_id in vectors.row:
                cos = vectors.cosines(vectors.matrix[vectors.row[record_id]])
                for n in vectors.nearest(cos, limit + len(seen)):
                    rid = vectors.ids[n]
                    if rid not in seen:
                        seen.add(rid)
                        out.append(record_to_hit(self, self.engine.get(rid), float(cos[n]), None))
                return out[:limit]
        sources = [me] + list(out)
        for src in sources:
            for h in self.engine.more_like(src.id, f"{src.title}\n{src.text}", limit, seen):
                if h.record["id"] not in seen:
                    seen.add(h.record["id"])
                    out.append(record_to_hit(self, h.record, h.score, None))
        return out[:limit]

    def get(self, record_id: str) -> Hit:
        """The entry with this id, with its counterparts (NotFoundError if there is none)."""
        return self._read(lambda: self._get(record_id))

    def _get(self, record_id: str) -> Hit:
        if not valid_id(record_id):
            raise SearchkitError(f"{record_id!r} is not a valid id (letters, digits and -_.:/#@+ only)")
        rec = self.engine.get(record_id)
        if rec is None:
            raise NotFoundError(
                f"no entry with id {record_id!r}; ids are shown by 'searchkit search' and 'searchkit papers'"
            )
        hit = record_to_hit(self, rec, 0.0, None)
        return replace(hit, counterparts=tuple(self.counterparts(hit)))

    def document(self, doc_id: str) -> list[Hit]:
        """Every entry of one document (its passages and paper entries) in file order
        (NotFoundError if no entry belongs to it)."""
        if not valid_id(doc_id):
            raise SearchkitError(f"{doc_id!r} is not a valid id (letters, digits and -_.:/#@+ only)")
        recs = self._read(lambda: self.engine.scan(make_filters(doc=doc_id).clauses()))
        if not recs:
            raise NotFoundError(
                f"no entry or document with id {doc_id!r}; ids are shown by 'searchkit search' and 'searchkit papers'"
            )
        return [record_to_hit(self, r, 0.0, None) for r in recs]

    def papers(
        self,
        *,
        since: str = "",
        until: str = "",
        category: str = "",
        lang: str = "",
        doc: str = "",
        order: str = "newest",
        limit: int | None = None,
        offset: int = 0,
    ) -> Papers:
        """The paper entries matching the filters (``doc``: of one document), newest first
        (``order="oldest"``: oldest first); undated ones last either way, then in file order.
        ``limit``/``offset`` page through them; the result iterates over the page and knows the
        ``total``."""
        if order not in ("newest", "oldest"):
            raise QuerySyntaxError(f"order must be newest or oldest, not {order!r}")
        check_range("offset", offset)
        if limit is not None:
            check_range("limit", limit)
        filters = make_filters(kind="paper", since=since, until=until, category=category, lang=lang, doc=doc)
        recs = self._read(lambda: self.engine.scan(filters.clauses()))
        # newest first, undated last; one date in file order (the scan's), so equal dates never
        # depend on the engine or the build history
        recs.sort(key=lambda r: r.get("date", ""), reverse=order == "newest")
        recs.sort(key=lambda r: r.get("date", "") == "")
        page = recs[offset : None if limit is None else offset + limit]
        return Papers(len(recs), [record_to_hit(self, r, 0.0, None) for r in page])

    def stats(self) -> dict:
        return self._read(self._stats)

    def _stats(self) -> dict:
        facets = self.engine.facets(None, [], ("kind", "lang", "category", "doc", "path"))
        return {
            "index": str(self.path),
            "engine": self.manifest.engine,
            "engine_version": self.manifest.engine_version,
            "searchkit_version": self.manifest.searchkit_version,
            "dictionary": self.manifest.dictionary,
            "entries": self.engine.count(),
            "files": len(facets.pop("path")),
            "documents": len(facets.pop("doc")),
            "by_kind": facets["kind"],
            "by_lang": facets["lang"],
            "by_category": facets["category"],
            "created": self.manifest.created,
            "updated": self.manifest.updated,
            "size_bytes": _folder_size(self.path),
            "newest_file": _newest(self.engine.sources()),
            **self.crosslang.counts(),
            "document_translations": bool(self.manifest.options.get("translate_documents")),
            "semantic": self._semantic_stats(),
        }

    def _semantic_stats(self) -> dict | None:
        recorded = self.manifest.options.get("semantic")
        if not recorded:
            return None
        from ..semantic.store import VectorStore

        store = VectorStore.open(self.path / self.manifest.data_dir, self.path)  # no model needed
        return {**recorded, "vectors": len(store.live(self.engine.sources()))}


@dataclass(frozen=True)
class Papers:
    """One page of paper entries and how many match in all; iterates over the page."""

    total: int
    hits: list[Hit]

    def __iter__(self):
        return iter(self.hits)

    def __len__(self) -> int:
        return len(self.hits)

    def __getitem__(self, i):
        return self.hits[i]

    def to_dict(self) -> dict:
        return {"total": self.total, "papers": [h.to_dict() for h in self.hits]}


def _folder_size(folder: Path) -> int:
    """Bytes in the files under ``folder``, counted while an update may be creating and removing
    its scratch files there (a file or folder gone by the time it is read counts nothing)."""
    total = 0
    for dirpath, _dirs, files in os.walk(folder):  # folders that vanish are skipped
        for name in files:
            try:
                total += os.lstat(os.path.join(dirpath, name)).st_size
            except OSError:
                continue
    return total


def _newest(paths) -> dict | None:
    """The indexed file modified last (path and ISO time), of those still on disk."""
    from datetime import datetime, timezone

    times = []
    for path in paths:
        try:
            times.append((os.stat(path).st_mtime, path))
        except OSError:
            continue
    if not times:
        return None
    mtime, path = max(times)
    return {"path": path, "modified": datetime.fromtimestamp(mtime, timezone.utc).isoformat(timespec="seconds")}


def open_index(path: str | Path) -> Index:
    """Open an existing index (raises IndexMissingError / IndexMismatchError)."""
    return Index.open(path)


def build_index(
    paths: list[str | Path],
    index_dir: str | Path,
    *,
    rebuild: bool = False,
    engine: str | None = None,
    progress: Callable[[int], None] | None = None,
    on_total: Callable[[int], None] | None = None,
    mine_pairs: bool = True,
    workers: int | None = None,
    semantic: bool = False,
    on_stage: Callable[[str, int], None] | None = None,
    exclude: tuple[str, ...] = (),
    translate_documents: bool = False,
) -> IndexReport:
    """Create or update the index in ``index_dir`` from ``paths``; ``rebuild`` starts over.

    ``mine_pairs=False`` switches off mining translation pairs from the indexed text (for
    benchmarks that must not learn from their own test data); it is recorded in the manifest.
    ``workers`` is the number of analysis processes (None: every core for large batches).
    ``engine`` (whoosh, tantivy) applies to a new index or a rebuild; None keeps the index's own.
    ``semantic`` switches on entry vectors (kept from then on, also by a rebuild); ``on_stage``:
    see :meth:`Index.update`. ``exclude``: patterns of files to leave out (git's syntax), besides
    the ``.gitignore`` and ``.searchkitignore`` files under ``paths``. ``translate_documents``
    keeps every entry's dictionary translation to re-rank translated queries
    (:mod:`searchkit.crosslang.doctrans`); with a new index or a rebuild, kept from then on.

    A command that fails leaves no trace: a new index that never committed is removed again, a
    rebuild that did not reach its switch removes its new data, and the old index stays.
    """
    index_dir = Path(index_dir)
    if index_dir.exists() and not index_dir.is_dir():
        raise SearchkitError(f"{index_dir} is a file, not an index folder", path=index_dir, remedy=OTHER_FOLDER)
    if engine is not None:
        get_engine(engine)  # unknown or not installed: say so before touching anything
    opts = UpdateOptions(progress, on_total, on_stage, workers, semantic, tuple(exclude))
    if rebuild and _is_searchkit_folder(index_dir):
        return _rebuild(paths, index_dir, engine, mine_pairs, opts, translate_documents)
    if not mf.exists(index_dir):
        return _first_build(paths, index_dir, engine or "whoosh", mine_pairs, opts, translate_documents)
    with Index.open(index_dir) as idx:
        if translate_documents and not idx.manifest.options.get("translate_documents"):
            raise SearchkitError(
                f"index {index_dir} keeps no document translations; they are computed by a rebuild",
                path=index_dir,
                remedy=TRANSLATE_DOCUMENTS,
            )
        current = idx.manifest.engine
        if engine and engine != current:
            raise SearchkitError(
                f"index {index_dir} uses the {current} engine; to switch to {engine} rebuild it",
                path=index_dir,
                remedy=REBUILD_ENGINE,
                detail=engine,
            )
        with writer_lock(index_dir):
            return idx._update(paths, opts)


_OWN_FILES = (".gitignore", "README.md", ".gitkeep", LOCK_FILE)


def _is_searchkit_folder(index_dir: Path) -> bool:
    """An index folder, even a damaged one: it has a manifest (readable or not) or data folders."""
    return mf.exists(index_dir) or any(p.is_dir() and p.name.startswith("data-") for p in index_dir.glob("data-*"))


def _first_build(
    paths, index_dir: Path, engine: str, mine_pairs: bool, opts: UpdateOptions, translate_documents: bool
) -> IndexReport:
    """A new index; if its first update fails, the folder is left as it was found."""
    made_folder = not index_dir.exists()
    if not made_folder and any(p.name not in _OWN_FILES for p in index_dir.iterdir()):
        if _is_searchkit_folder(index_dir):
            raise IndexMismatchError(f"{index_dir} looks like a damaged index", path=index_dir, remedy=REBUILD)
        raise SearchkitError(
            f"{index_dir} is not empty and holds no searchkit index", path=index_dir, remedy=OTHER_FOLDER
        )
    idx = Index.create(index_dir, engine, mine_pairs=mine_pairs, translate_documents=translate_documents)
    try:
        with idx, writer_lock(index_dir):
            return idx._update(paths, opts)
    except BaseException:
        (index_dir / mf.MANIFEST).unlink(missing_ok=True)
        shutil.rmtree(index_dir / idx.manifest.data_dir, ignore_errors=True)
        (index_dir / LOCK_FILE).unlink(missing_ok=True)
        if made_folder:
            shutil.rmtree(index_dir, ignore_errors=True)
        raise


def _rebuild(
    paths, index_dir: Path, engine: str | None, mine_pairs: bool, opts: UpdateOptions, translate_documents: bool
) -> IndexReport:
    """Build beside the old data; the manifest switches to the new folder only when it is done.
    Works on a damaged index too (its manifest is not needed). Vectors and document
    translations stay on if they were."""
    try:
        old = mf.read(index_dir)
        engine = engine or old.engine
        opts = replace(opts, semantic=opts.semantic or bool(old.options.get("semantic")))
        translate_documents = translate_documents or bool(old.options.get("translate_documents"))
    except SearchkitError:
        engine = engine or "whoosh"  # the manifest is damaged: the default, unless --engine says otherwise
    with writer_lock(index_dir):
        idx = _Rebuild.start(index_dir, engine)
        idx.manifest.options["mine_pairs"] = mine_pairs
        idx.manifest.options["translate_documents"] = translate_documents
        try:
            with idx:
                return idx._update(paths, opts)
        except BaseException:
            # the new data goes unless the switch already happened (then it is the index)
            if mf.data_dir_on_disk(index_dir) != idx.manifest.data_dir:
                shutil.rmtree(index_dir / idx.manifest.data_dir, ignore_errors=True)
            raise


def _open_engine(path: Path, manifest: mf.Manifest, analyzer: Analyzer, ranking: Ranking) -> Engine:
    problem = manifest.compatible_with(analyzer.config.as_dict(), analyzer.tokenizer.dictionary_info())
    if problem:
        raise IndexMismatchError(f"index {path} cannot be used: {problem}", path=path, remedy=REBUILD)
    data = path / manifest.data_dir
    if not manifest.data_dir or not data.is_dir():
        raise IndexMismatchError(f"index data folder {data} is missing", path=path, remedy=REBUILD)
    return get_engine(manifest.engine).open(data, analyzer, ranking)


def _new_generation(path: Path, engine: str, ranking: Ranking) -> tuple[Engine, Analyzer, mf.Manifest]:
    """An empty engine in a new ``data-<n>`` folder of ``path`` and the manifest that names it."""
    analyzer = Analyzer()
    engine_cls = get_engine(engine)
    n = 0
    while (path / f"data-{n}").exists():
        n += 1
    data_dir = f"data-{n}"
    (path / data_dir).mkdir()
    eng = engine_cls.create(path / data_dir, analyzer, ranking)
    manifest = mf.Manifest(
        engine=engine,
        engine_version=engine_cls.version(),
        searchkit_version=__version__,
        analyzer=analyzer.config.as_dict(),
        dictionary=analyzer.tokenizer.dictionary_info(),
        data_dir=data_dir,
    )
    return eng, analyzer, manifest


class _Rebuild(Index):
    """An index being rebuilt in a new data folder. It reads only its own new data; its commit is
    the switch of the manifest to that folder, after which the older folders go."""

    @classmethod
    def start(cls, index_dir: Path, engine: str) -> _Rebuild:
        eng, analyzer, manifest = _new_generation(index_dir, engine, DEFAULT)
        try:
            manifest.generation = mf.read(index_dir).generation  # readers see the number go up
        except SearchkitError:
            pass
        return cls(index_dir, eng, analyzer, manifest, DEFAULT)

    def refresh(self) -> bool:
        return False

    def _must_commit(self) -> bool:
        return True  # an empty rebuild still switches (to an empty index)

    def _commit(self) -> None:
        super()._commit()  # durable data, then the switch
        for stale in self.path.glob("data-*"):
            # the old data, and any left by a rebuild that was killed before its switch
            if stale.name != self.manifest.data_dir:
                shutil.rmtree(stale, ignore_errors=True)
