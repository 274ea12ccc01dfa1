"""Document translation (``index --translate-documents``): each entry's words translated at index
time re-rank translated queries; kept per file, switched on by a new index or a rebuild."""

from __future__ import annotations

import json

import pytest

from searchkit import build_index, open_index
from searchkit.errors import TRANSLATE_DOCUMENTS, SearchkitError

# j2 says what j1 says, plus three more words a dictionary glosses as "surface" (外面, 上面,
# 地表) that the query's own translation of "surface" does not choose: a longer passage that
# plain BM25 puts second
ROWS = [
    {"id": "j1", "lang": "ja", "text": "表層の情報について述べる。"},
    {"id": "j2", "lang": "ja", "text": "表層の情報について述べる。外面、上面、地表。"},
    {"id": "e1", "lang": "en", "text": "A study of parsing long sentences."},
]


def _write(path, rows) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")


def _ranked(ix, query: str, **kw) -> list[tuple[str, float]]:
    res = ix.search(query, explain=True, **kw)
    return [(h.id, h.explain.get("document_translation", {}).get("added", 0.0)) for h in res.hits]


def test_the_passage_whose_words_translate_to_the_query_rises(tmp_path, engine):
    _write(tmp_path / "src" / "p.jsonl", ROWS)
    build_index([tmp_path / "src"], tmp_path / "plain", engine=engine)
    build_index([tmp_path / "src"], tmp_path / "dt", engine=engine, translate_documents=True)
    with open_index(tmp_path / "plain") as ix:
        assert [i for i, _ in _ranked(ix, "surface information", lang="ja")] == ["j1", "j2"]
        assert not ix.stats()["document_translations"]
    with open_index(tmp_path / "dt") as ix:
        ranked = dict(_ranked(ix, "surface information", lang="ja"))
        assert list(ranked) == ["j2", "j1"]
        assert ranked["j2"] > ranked["j1"] > 0  # --explain says what the translations added
        assert ix.stats()["document_translations"]
        # without a language filter the merge across languages sees the same order
        assert [i for i, _ in _ranked(ix, "surface information") if i.startswith("j")] == ["j2", "j1"]
        # re-ranking only: the same matches and total as plain BM25
        with open_index(tmp_path / "plain") as plain:
            for q in ("surface information", "表層", "parsing"):
                assert ix.search(q).total == plain.search(q).total
                assert {h.id for h in ix.search(q, limit=50).hits} == {h.id for h in plain.search(q, limit=50).hits}
        # an untranslated query and the query's own language are not re-ranked
        assert all(p == 0.0 for _, p in _ranked(ix, "surface information", translate=False))
        assert all(p == 0.0 for _, p in _ranked(ix, "表層", lang="ja"))


def test_document_translations_follow_the_files(tmp_path, engine):
    src = tmp_path / "src"
    _write(src / "a.jsonl", ROWS[:1])
    build_index([src], tmp_path / "ix", engine=engine, translate_documents=True)
    _write(src / "b.jsonl", ROWS[1:])  # a file added
    build_index([src], tmp_path / "ix")
    with open_index(tmp_path / "ix") as ix:
        assert dict(_ranked(ix, "surface information", lang="ja"))["j2"] > 0
    _write(src / "b.jsonl", [{**ROWS[1], "text": "全く別の話。"}, ROWS[2]])  # changed: j2 no longer matches
    build_index([src], tmp_path / "ix")
    with open_index(tmp_path / "ix") as ix:
        assert [i for i, _ in _ranked(ix, "surface information", lang="ja")] == ["j1"]
        assert dict(_ranked(ix, "surface information", lang="ja"))["j1"] > 0
    (src / "a.jsonl").unlink()  # removed: nothing of it is scored
    build_index([src], tmp_path / "ix")
    with open_index(tmp_path / "ix") as ix:
        assert _ranked(ix, "surface information", lang="ja") == []
        assert _ranked(ix, "別", lang="ja") == [("j2", 0.0)]


def test_switching_on_takes_a_rebuild_and_a_rebuild_keeps_it(tmp_path, engine):
    _write(tmp_path / "src" / "p.jsonl", ROWS)
    build_index([tmp_path / "src"], tmp_path / "ix", engine=engine)
    with pytest.raises(SearchkitError) as err:
        build_index([tmp_path / "src"], tmp_path / "ix", translate_documents=True)
    assert err.value.remedy == TRANSLATE_DOCUMENTS
    build_index([tmp_path / "src"], tmp_path / "ix", rebuild=True, translate_documents=True)
    build_index([tmp_path / "src"], tmp_path / "ix", rebuild=True)  # kept from then on
    with open_index(tmp_path / "ix") as ix:
        assert ix.stats()["document_translations"]
        assert [i for i, _ in _ranked(ix, "surface information", lang="ja")] == ["j2", "j1"]


def test_the_command_line_switches_it_on_and_says_how(tmp_path):
    from typer.testing import CliRunner

    from searchkit.cli import app

    _write(tmp_path / "src" / "p.jsonl", ROWS)
    ix = str(tmp_path / "ix")
    runner = CliRunner()
    assert runner.invoke(app, ["index", str(tmp_path / "src"), "-i", ix, "-q"]).exit_code == 0
    res = runner.invoke(app, ["index", str(tmp_path / "src"), "-i", ix, "--translate-documents"])
    assert res.exit_code == 2
    assert res.output.strip().endswith(f"searchkit index --rebuild --translate-documents --index {ix}")
    assert len(res.output.strip().splitlines()) == 1
    res = runner.invoke(app, ["index", str(tmp_path / "src"), "-i", ix, "--rebuild", "--translate-documents", "-q"])
    assert res.exit_code == 0
    assert "documents translated: yes" in runner.invoke(app, ["stats", "-i", ix]).output
    res = runner.invoke(app, ["search", "surface information", "-i", ix, "--lang", "ja", "--explain"])
    assert "document translation" in res.output


def test_pages_and_deep_offsets_follow_one_order(tmp_path, engine):
    rows = [
        {"id": f"j{i:03d}", "lang": "ja", "text": "表層の情報。" + "外面、" * (i % 4) + "話" * i} for i in range(30)
    ]
    _write(tmp_path / "src" / "p.jsonl", [*rows, ROWS[2]])
    build_index([tmp_path / "src"], tmp_path / "ix", engine=engine, translate_documents=True)
    with open_index(tmp_path / "ix") as ix:
        whole = [h.id for h in ix.search("surface information", lang="ja", limit=30).hits]
        paged = [
            h.id for o in range(0, 30, 7) for h in ix.search("surface information", lang="ja", limit=7, offset=o).hits
        ]
        assert paged == whole and len(whole) == 30
        assert ix.search("surface information", lang="ja", limit=10, offset=9_995).hits == []
        assert ix.search("surface information", lang="ja", limit=10, offset=10**9).total == 30


def test_a_damaged_translation_file_is_a_clear_error(tmp_path, engine):
    from searchkit.errors import REBUILD, IndexMismatchError

    _write(tmp_path / "src" / "p.jsonl", ROWS)
    build_index([tmp_path / "src"], tmp_path / "ix", engine=engine, translate_documents=True)
    (damaged,) = tmp_path.glob("ix/data-*/document-translations.sqlite")
    damaged.write_bytes(b"not a database" * 100)
    with open_index(tmp_path / "ix") as ix:
        with pytest.raises(IndexMismatchError) as err:
            ix.search("surface information")
        assert err.value.remedy == REBUILD
        assert ix.search("表層", translate=False).total == 2  # an untranslated query still answers
    build_index([tmp_path / "src"], tmp_path / "ix", rebuild=True)
    with open_index(tmp_path / "ix") as ix:
        assert [h.id for h in ix.search("surface information", lang="ja").hits] == ["j2", "j1"]


def test_re_ranking_does_not_lift_a_language_over_the_other(tmp_path, engine):
    """The merge levels languages by their best hits: document translations reorder the Japanese
    hits of an English query, they do not move them as a whole past the English ones."""
    rows = [*ROWS, {"id": "e2", "lang": "en", "text": "Surface information in long sentences."}]
    _write(tmp_path / "src" / "p.jsonl", rows)
    build_index([tmp_path / "src"], tmp_path / "plain", engine=engine)
    build_index([tmp_path / "src"], tmp_path / "dt", engine=engine, translate_documents=True)
    with open_index(tmp_path / "plain") as plain, open_index(tmp_path / "dt") as dt:
        before = {h.id: h.score for h in plain.search("surface information").hits}
        after = {h.id: h.score for h in dt.search("surface information").hits}
        assert set(before) == set(after) == {"e2", "j1", "j2"}
        assert after["e2"] == pytest.approx(before["e2"])
        assert sorted(after.values()) == pytest.approx(sorted(before.values()))  # reordered, not rescored
