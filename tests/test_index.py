"""Incremental re-indexing, rebuild, manifest checks, interrupted updates."""

from __future__ import annotations

import json
import pickle
import shutil

import pytest

from searchkit import build_index, open_index
from searchkit.errors import REBUILD, IndexMismatchError, IndexMissingError, SearchkitError

from .conftest import SEEDS, child_pids


@pytest.fixture
def corpus(tmp_path):
    src = tmp_path / "src"
    shutil.copytree(SEEDS, src)
    (src / "a.md").write_text("# A\n\nFirst note about tampering.\n", encoding="utf-8")
    return src


def test_incremental_update(tmp_path, corpus, engine):
    ix_dir = tmp_path / "ix"
    first = build_index([corpus], ix_dir, engine=engine)
    base = first.total_entries  # the seed page's entries and a.md's one paragraph
    assert len(first.added) == 2 and first.entries_added == base > 1

    again = build_index([corpus], ix_dir)
    assert len(again.unchanged) == 2 and again.entries_added == 0 and again.total_entries == base

    (corpus / "a.md").write_text("# A\n\nChanged note about sabotage.\n\nSecond paragraph.\n", encoding="utf-8")
    (corpus / "b.jsonl").write_text('{"id": "b1", "text": "new record"}\n', encoding="utf-8")
    changed = build_index([corpus], ix_dir)
    # a.md: one paragraph became two; b.jsonl: one record
    assert len(changed.updated) == 1 and len(changed.added) == 1 and changed.total_entries == base + 2
    with open_index(ix_dir) as ix:
        assert not any("First note" in h.text for h in ix.search("tampering", limit=100).hits)
        assert any("Changed note about sabotage" in h.text for h in ix.search("sabotage").hits)

    (corpus / "a.md").unlink()
    removed = build_index([corpus], ix_dir)
    assert len(removed.removed) == 1 and removed.total_entries == base  # a.md's two went, b1 stays
    with open_index(ix_dir) as ix:
        assert ix.search("sabotage", kind="passage").total == 0


def test_indexing_another_folder_keeps_the_first(tmp_path, corpus, engine):
    other = tmp_path / "other"
    other.mkdir()
    (other / "c.md").write_text("Unrelated words here.\n", encoding="utf-8")
    ix_dir = tmp_path / "ix"
    base = build_index([corpus], ix_dir, engine=engine).total_entries
    report = build_index([other], ix_dir)
    assert report.removed == [] and report.total_entries == base + 1


def test_rebuild_starts_over_and_keeps_layout(tmp_path, corpus, engine):
    ix_dir = tmp_path / "ix"
    base = build_index([corpus], ix_dir, engine=engine).total_entries
    (corpus / "a.md").unlink()
    report = build_index([SEEDS], ix_dir, rebuild=True)
    assert report.total_entries == base - 1  # a.md's paragraph is gone
    data_dirs = sorted(p.name for p in ix_dir.iterdir() if p.name.startswith("data-"))
    assert data_dirs == ["data-1"]


def test_interrupted_update_keeps_the_previous_commit(tmp_path, corpus, engine):
    ix_dir = tmp_path / "ix"
    base = build_index([corpus], ix_dir, engine=engine).total_entries
    (corpus / "new.md").write_text("\n\n".join(f"Paragraph {i} about poisoning." for i in range(50)), encoding="utf-8")

    def boom(_n, seen=[0]):  # noqa: B006 - a counter for this test only
        seen[0] += 1
        if seen[0] == 20:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        build_index([corpus], ix_dir, progress=boom)
    with open_index(ix_dir) as ix:
        assert ix.engine.count() == base
        assert ix.search("poisoning", kind="passage", translate=False).total == 0
    report = build_index([corpus], ix_dir)  # no stale lock, and the file is picked up
    assert report.total_entries == base + 50


def test_interrupted_rebuild_keeps_the_old_index(tmp_path, corpus, engine):
    ix_dir = tmp_path / "ix"
    base = build_index([corpus], ix_dir, engine=engine).total_entries

    def boom(_n):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        build_index([SEEDS], ix_dir, rebuild=True, progress=boom)
    with open_index(ix_dir) as ix:
        assert ix.engine.count() == base
    assert sorted(p.name for p in ix_dir.iterdir() if p.name.startswith("data-")) == ["data-0"]


def test_duplicate_ids_across_files_are_reported(tmp_path, engine):
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.jsonl").write_text('{"id": "x", "text": "one"}\n', encoding="utf-8")
    (src / "b.jsonl").write_text('{"id": "x", "text": "two"}\n', encoding="utf-8")
    report = build_index([src], tmp_path / "ix", engine=engine)
    assert report.total_entries == 1
    assert any("already used" in w for w in report.warnings)


def test_missing_and_mismatched_index(tmp_path, corpus):
    with pytest.raises(IndexMissingError):
        open_index(tmp_path / "none")
    ix_dir = tmp_path / "ix"
    build_index([corpus], ix_dir)
    manifest = json.loads((ix_dir / "manifest.json").read_text())
    manifest["dictionary"]["dictionary_version"] = "0.0.1"
    (ix_dir / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(IndexMismatchError, match="cannot be used") as err:
        open_index(ix_dir)
    assert (err.value.remedy, err.value.path) == (REBUILD, str(ix_dir))  # the CLI words it
    (ix_dir / "manifest.json").write_text("{not json")
    with pytest.raises(IndexMismatchError, match="damaged"):
        open_index(ix_dir)


def test_refuses_to_write_into_a_foreign_folder(tmp_path, corpus):
    foreign = tmp_path / "stuff"
    foreign.mkdir()
    (foreign / "thesis.tex").write_text("x")
    with pytest.raises(SearchkitError, match="not empty"):
        build_index([corpus], foreign)


def test_whoosh_tokenizer_pickles(analyzer):
    from searchkit.engines.whoosh_engine import SearchkitTokenizer, make_schema

    schema = make_schema(analyzer)
    tok = schema["text"].analyzer
    tok.bind(analyzer)
    clone = pickle.loads(pickle.dumps(schema))["text"].analyzer
    assert clone == tok  # only the analyzer's config was pickled: the clone builds its own
    assert isinstance(clone, SearchkitTokenizer)
    got = [(t.text, t.pos, t.startchar, t.endchar) for t in clone("報酬関数の改ざん", positions=True, chars=True)]
    assert got == [("報酬", 0, 0, 2), ("関数", 1, 2, 4), ("改竄", 2, 5, 8)]


@pytest.mark.parametrize("damage", ["delete_segment", "truncate_segment", "delete_toc"])
def test_damaged_index_is_one_clear_error_and_rebuild_fixes_it(tmp_path, corpus, damage):
    ix_dir = tmp_path / "ix"
    base = build_index([corpus], ix_dir).total_entries
    data = next(ix_dir.glob("data-*"))
    seg = next(data.glob("*.seg"))
    if damage == "delete_segment":
        seg.unlink()
    elif damage == "truncate_segment":
        seg.write_bytes(seg.read_bytes()[:1000])
    else:
        next(data.glob("*.toc")).unlink()
    with pytest.raises(IndexMismatchError) as err:
        with open_index(ix_dir) as ix:
            ix.search("tampering")
    assert (err.value.remedy, err.value.path) == (REBUILD, str(ix_dir))
    report = build_index([corpus], ix_dir, rebuild=True)
    assert report.total_entries == base


@pytest.mark.parametrize("damage", ["delete_meta", "delete_segment_file", "truncate_store"])
def test_damaged_tantivy_index_is_one_clear_error(tmp_path, corpus, damage):
    ix_dir = tmp_path / "ix"
    base = build_index([corpus], ix_dir, engine="tantivy").total_entries
    data = next(ix_dir.glob("data-*"))
    if damage == "delete_meta":
        (data / "meta.json").unlink()
    elif damage == "delete_segment_file":
        next(data.glob("*.idx")).unlink()
    else:
        store = next(data.glob("*.store"))
        store.write_bytes(store.read_bytes()[:10])
    with pytest.raises(IndexMismatchError) as err:
        with open_index(ix_dir) as ix:
            ix.search("tampering")
            ix.get("000_2db909a8ebb65741:27")
    assert (err.value.remedy, err.value.path) == (REBUILD, str(ix_dir))
    report = build_index([corpus], ix_dir, rebuild=True)
    assert report.total_entries == base


def test_empty_folder_is_not_an_index(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(IndexMissingError, match="no searchkit index"):
        open_index(tmp_path / "empty")


def _mixed_corpus(folder):
    """~600 real Japanese and English abstracts (tests/data/slices) as one JSONL file."""
    from .conftest import DATA

    rows = []
    for line in (DATA / "slices" / "nlp-journal.jsonl").open(encoding="utf-8"):
        r = json.loads(line)
        rows.append({"id": f"{r['id']}-ja", "title": r["title_ja"], "text": r["abstract_ja"], "lang": "ja"})
        rows.append({"id": f"{r['id']}-en", "title": r["title_en"], "text": r["abstract_en"], "lang": "en"})
    for line in (DATA / "slices" / "scifact.jsonl").open(encoding="utf-8"):
        r = json.loads(line)
        if r.get("type") == "doc":
            rows.append({"id": f"sf{r['id']}", "title": r["title"], "text": r["text"]})
    folder.mkdir()
    (folder / "mixed.jsonl").write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    return len(rows)


def test_parallel_analysis_builds_the_same_index(tmp_path):
    n = _mixed_corpus(tmp_path / "src")
    assert n > 4 * 128  # several chunks per worker
    one = build_index([tmp_path / "src"], tmp_path / "one", workers=1, mine_pairs=False)
    two = build_index([tmp_path / "src"], tmp_path / "two", workers=2, mine_pairs=False)
    assert one.entries_added == two.entries_added == n
    with open_index(tmp_path / "one") as a, open_index(tmp_path / "two") as b:
        assert sorted(a.engine.vocabulary()) == sorted(b.engine.vocabulary())
        assert a.engine.scan([]) == b.engine.scan([])
        for q in ("機械翻訳", "morphological analysis", '"word sense disambiguation"', "ti:cancer", "abs:係り受け"):
            ra, rb = a.search(q, limit=20), b.search(q, limit=20)
            assert ra.total == rb.total > 0, q
            assert [h.to_dict() for h in ra.hits] == [h.to_dict() for h in rb.hits], q


def test_parallel_update_of_an_existing_index_matches_one_process(tmp_path, engine):
    """Deletes, a changed file and a new file in one parallel update (Whoosh: segments written
    by the workers, committed after the existing ones) give what one process gives."""
    n = _mixed_corpus(tmp_path / "src")
    lines = (tmp_path / "src" / "mixed.jsonl").read_text(encoding="utf-8").splitlines()
    half = len(lines) // 2
    for name, workers in (("one", 1), ("two", 2)):
        src = tmp_path / f"src-{name}"
        src.mkdir()
        (src / "a.jsonl").write_text("\n".join(lines[:half]), encoding="utf-8")
        (src / "gone.jsonl").write_text(lines[half], encoding="utf-8")
        build_index([src], tmp_path / name, workers=workers, mine_pairs=False, engine=engine)
        (src / "gone.jsonl").unlink()
        (src / "a.jsonl").write_text("\n".join(lines[1:half]), encoding="utf-8")  # first record dropped
        (src / "b.jsonl").write_text("\n".join(lines[half + 1 :]), encoding="utf-8")
        counted = []
        report = build_index([src], tmp_path / name, workers=workers, progress=counted.append)
        assert report.entries_added == n - 2 and sum(counted) == n - 2
    with open_index(tmp_path / "one") as a, open_index(tmp_path / "two") as b:
        assert a.engine.count() == b.engine.count() == n - 2
        ids = sorted(r["id"] for r in a.engine.scan([]))
        assert ids == sorted(r["id"] for r in b.engine.scan([]))
        for q in ("機械翻訳", "morphological analysis", '"word sense disambiguation"', "abs:係り受け"):
            ra, rb = a.search(q, limit=20), b.search(q, limit=20)
            assert ra.total == rb.total > 0, q
            assert [round(h.score, 6) for h in ra.hits] == [round(h.score, 6) for h in rb.hits], q


def test_a_short_page_is_the_head_of_the_full_ranking(tmp_path, engine):
    """limit 10 must give exactly the first 10 of the full ranking: Whoosh's pruning collector
    (skipping documents it bounds out of the top N) returned wrong top 10s for some queries."""
    from .conftest import DATA

    _mixed_corpus(tmp_path / "src")
    build_index([tmp_path / "src"], tmp_path / "ix", mine_pairs=False, engine=engine)
    titles = [json.loads(line)["title_ja"] for line in (DATA / "slices" / "nlp-journal.jsonl").open(encoding="utf-8")]
    with open_index(tmp_path / "ix") as ix:
        for q in [t.replace('"', " ") for t in titles if t][:60]:
            short = ix.search(q, limit=10, translate=False, counterparts=False, suggest=False)
            full = ix.search(q, limit=200, translate=False, counterparts=False, suggest=False)
            assert short.total == full.total
            assert [(h.id, round(h.score, 6)) for h in short.hits] == [
                (h.id, round(h.score, 6)) for h in full.hits[:10]
            ], q


def test_one_analysis_pass_gives_each_fields_own_terms(analyzer):
    from searchkit.analysis.record import analyse_record

    rec = {
        "title": "報酬関数の改ざん: Reward tampering",
        "text": "モデルは報酬を改ざんする。\nIt tampers with rewards.",
        "section": "キーポイント",
    }
    got = analyse_record(analyzer, rec)
    assert got.title == tuple(analyzer.index_terms(rec["title"]))
    assert got.text == tuple(analyzer.index_terms(rec["text"]))
    assert got.body == got.title + got.text
    assert got.section == tuple(analyzer.index_terms(rec["section"]))
    assert "tampers" not in got.body and "tampers" in got.words and "改竄" in got.words


PARITY_RANKED = [
    "machine translation",
    "機械翻訳",
    "morphological analysis of Japanese",
    "係り受け解析",
    "cancer risk",
    "word sense disambiguation",
    "要約",
    "protein expression in mice",
    "dialogue system",
    "文書分類 精度",
]
PARITY_EXACT = [
    ('"machine translation"', {}),
    ('"形態素解析"', {}),
    ("translation", {"lang": "en"}),
    ("ti:dialogue", {}),
    ("abs:corpus -parsing", {}),
    ("+neural +translation", {}),
    ("model", {"kind": "passage"}),
]
# the engines' BM25 differ only in b (Whoosh 0.6, tantivy's fixed 0.75): measured mean top-10
# overlap 0.97 on these queries, scores within ~5%; allowed: 0.8, and each top hit in the other's top 5
MIN_TOP10_OVERLAP = 0.8


def test_engines_agree_on_a_real_corpus(tmp_path):
    """Same hits for phrases, filters and boolean queries; close top 10 for ranked ones."""
    _mixed_corpus(tmp_path / "src")
    build_index([tmp_path / "src"], tmp_path / "w", engine="whoosh", mine_pairs=False)
    build_index([tmp_path / "src"], tmp_path / "t", engine="tantivy", mine_pairs=False)
    with open_index(tmp_path / "w") as w, open_index(tmp_path / "t") as t:
        assert w.engine.count() == t.engine.count()
        assert w.stats()["by_lang"] == t.stats()["by_lang"]
        overlaps = []
        for q in PARITY_RANKED:
            a, b = w.search(q, limit=10), t.search(q, limit=10)
            assert a.total == b.total > 0, q
            ids_a, ids_b = [h.id for h in a.hits], [h.id for h in b.hits]
            assert ids_a[0] in ids_b[:5] and ids_b[0] in ids_a[:5], q
            overlaps.append(len(set(ids_a) & set(ids_b)) / 10)
        assert sum(overlaps) / len(overlaps) >= MIN_TOP10_OVERLAP, overlaps
        for q, opts in PARITY_EXACT:
            a, b = w.search(q, limit=1000, **opts), t.search(q, limit=1000, **opts)
            assert a.total == b.total == len(a.hits) > 0, q
            assert {h.id for h in a.hits} == {h.id for h in b.hits}, q
            # totals are exact with a one-hit page too
            assert w.search(q, limit=1, **opts).total == t.search(q, limit=1, **opts).total == a.total, q


def test_an_open_index_sees_updates_made_elsewhere(tmp_path, corpus, engine):
    """`searchkit serve` keeps an index open while `searchkit index` updates it."""
    ix_dir = tmp_path / "ix"
    build_index([corpus], ix_dir, engine=engine)
    with open_index(ix_dir) as reader:
        assert reader.search("zyzzogeton", translate=False).total == 0
        (corpus / "b.md").write_text("A new note about the zyzzogeton.\n", encoding="utf-8")
        build_index([corpus], ix_dir)  # another writer (a separate Index object)
        assert reader.search("zyzzogeton", translate=False).total == 1  # the very next read
        assert reader.engine.count() == 32


def test_tantivy_terms_are_single_whitespace_tokens():
    pytest.importorskip("tantivy")
    from searchkit.engines.tantivy_engine import _joined, _safe

    assert _safe("改竄") == "改竄" and _safe("new york") == "new_york" and _safe("a\u3000b") == "a_b"
    assert _joined(["報酬", "new york", "model"]).split(" ") == ["報酬", "new_york", "model"]


def test_a_locked_index_stops_the_analysis_workers(tmp_path, engine):
    """The pool starts before the writer takes the lock; when the lock is refused it must stop."""
    from searchkit.errors import IndexLockedError

    _mixed_corpus(tmp_path / "src")
    build_index([SEEDS], tmp_path / "ix", engine=engine)
    data = tmp_path / "ix" / json.loads((tmp_path / "ix" / "manifest.json").read_text())["data_dir"]
    if engine == "whoosh":  # another program's writer holds the engine's own lock
        from whoosh import index as whoosh_index

        lock = whoosh_index.open_dir(str(data), indexname="searchkit").writer()
    else:
        import tantivy

        lock = tantivy.Index.open(str(data)).writer()
    try:
        with pytest.raises(IndexLockedError):
            build_index([tmp_path / "src"], tmp_path / "ix", workers=2)
        assert child_pids() == []
    finally:
        (lock.cancel if engine == "whoosh" else lock.rollback)()


def _jsonl(path, rows):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")


def test_files_read_again_in_the_second_pass_index_the_same(tmp_path, engine, monkeypatch):
    """Issue (scale): an update keeps at most HELD_ENTRIES parsed entries between its two
    passes and reads the other files again; the index is the same either way."""
    import searchkit.indexing.index as index_module

    for i in range(4):
        _jsonl(
            tmp_path / "src" / f"f{i}.jsonl", [{"id": f"f{i}-{j}", "text": f"note {j} on topic{i}"} for j in range(30)]
        )
    build_index([tmp_path / "src"], tmp_path / "held", engine=engine)
    monkeypatch.setattr(index_module, "HELD_ENTRIES", 0)
    build_index([tmp_path / "src"], tmp_path / "read-again", engine=engine)
    _jsonl(tmp_path / "src" / "f1.jsonl", [{"id": "f1-new", "text": "replaced note on topic1"}])
    build_index([tmp_path / "src"], tmp_path / "read-again")
    with open_index(tmp_path / "held") as a, open_index(tmp_path / "read-again") as b:
        assert a.stats()["entries"] == 120 and b.stats()["entries"] == 91
        assert [h.id for h in b.search("topic1", translate=False).hits] == ["f1-new"]


def test_a_file_rewritten_during_an_update_keeps_its_indexed_version(tmp_path, engine, monkeypatch):
    """A file that changes between the two passes is not half-indexed: its previous version
    stays, with a warning, and the next update takes the new one."""
    import searchkit.indexing.index as index_module

    page = tmp_path / "src" / "a.jsonl"
    _jsonl(page, [{"id": "a1", "text": "first version"}])
    build_index([tmp_path / "src"], tmp_path / "ix", engine=engine)
    _jsonl(page, [{"id": "a1", "text": "second version"}])
    monkeypatch.setattr(index_module, "HELD_ENTRIES", 0)

    def meanwhile(name, _total):
        if name == "indexing":
            _jsonl(page, [{"id": "a1", "text": "third version"}])

    report = build_index([tmp_path / "src"], tmp_path / "ix", on_stage=meanwhile)
    assert any("changed while it was being indexed" in w for w in report.warnings)
    with open_index(tmp_path / "ix") as ix:
        assert ix.get("a1").text == "first version"
    build_index([tmp_path / "src"], tmp_path / "ix")
    with open_index(tmp_path / "ix") as ix:
        assert ix.get("a1").text == "third version"


def test_a_large_whoosh_index_advises_tantivy(tmp_path, monkeypatch):
    """Issue (scale): `searchkit index` says when a Whoosh index has grown past the size where
    it stays interactive, with the command that switches; a tantivy index never hears it."""
    import searchkit.indexing.index as index_module

    monkeypatch.setattr(index_module, "WHOOSH_COMFORT", 5)
    _jsonl(tmp_path / "src" / "a.jsonl", [{"id": f"a{i}", "text": f"note {i}"} for i in range(6)])
    report = build_index([tmp_path / "src"], tmp_path / "ix", engine="whoosh")
    assert len(report.advice) == 1 and "--engine tantivy" in report.advice[0]
    assert not build_index([tmp_path / "src"], tmp_path / "tv", engine="tantivy").advice


def test_the_analysis_workers_stop_once_the_last_record_is_out(analyzer):
    """Issue (scale): the workers (~200 MB each) go as soon as their last result is read, not
    after the engine's commit and segment merges, where a large build peaks."""
    from searchkit.indexing.workers import analyse

    records = [{"id": f"r{i}", "text": f"a short note number {i}"} for i in range(600)]
    with analyse(records, analyzer, workers=2) as stream:
        items = iter(stream)
        first = next(items)
        assert len(child_pids()) == 2
        rest = list(items)
        assert child_pids() == []  # still inside the block: before a commit
    assert [rec["id"] for rec, _ in [first, *rest]] == [r["id"] for r in records]
