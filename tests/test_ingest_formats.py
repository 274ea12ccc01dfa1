"""Markdown, JSON Lines, discovery and encodings."""

from __future__ import annotations

import pytest

from searchkit.errors import IngestError
from searchkit.ingest import SourceFile, discover, ingest_file, ingest_text
from searchkit.ingest.common import decode

from .conftest import DATA


def test_markdown_headings_become_sections():
    doc = ingest_file(SourceFile(DATA / "corpus" / "notes.md", "notes"))
    assert doc.title == "Reading notes"
    sections = {p.text[:20]: p.section for p in doc.passages}
    assert sections["Evaluations of rewar"] == "Evaluation"
    assert sections["機械学習の応用について、報酬関数を改竄す"] == "Japanese"
    bullet = next(p for p in doc.passages if "sycophancy" in p.text)
    assert bullet.text == "A bullet about sycophancy and flattery."  # markup stripped
    assert bullet.line == 9


def test_jsonl_fields_and_defaults():
    doc = ingest_file(SourceFile(DATA / "corpus" / "records.jsonl", "records"))
    by_id = {e.id: e for e in doc.entries}
    assert set(by_id) == {"rec-1", "rec-2", "records:3", "rec-3"}
    assert by_id["rec-1"].kind == "paper" and by_id["rec-1"].date == "2024-06-17"
    assert by_id["rec-1"].description.startswith("Models that learn")
    assert by_id["rec-2"].lang == "ja" and by_id["rec-2"].section == "攻撃"
    assert by_id["rec-2"].doc == "digest"


def test_jsonl_bad_lines_are_skipped_with_reasons():
    text = '{"text": "ok"}\nnot json\n{"title": ""}\n{"text": "x", "date": "2025-13-01"}\n{"text": "y", "kind": "blog"}\n[1]\n'
    doc = ingest_text(text, ".jsonl", "f.jsonl", "f")
    assert [e.text for e in doc.entries] == ["ok"]
    assert len(doc.warnings) == 5
    assert all(w.startswith("f.jsonl:") for w in doc.warnings)


def test_discover_skips_unknown_types(tmp_path):
    (tmp_path / "a.md").write_text("# A\n\ntext\n", encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.txt").write_text("hello world.\n", encoding="utf-8")
    (tmp_path / "c.pdf").write_bytes(b"%PDF")
    found = discover([tmp_path])
    assert [f.doc_id for f in found.files] == ["a", "sub/b"]
    assert found.skipped == [] and len(found.ignored) == 1 and "c.pdf" in found.ignored[0]


def test_missing_path_is_an_error(tmp_path):
    with pytest.raises(IngestError, match="no such file"):
        discover([tmp_path / "nope"])


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "cp932", "euc_jp"])
def test_encodings(encoding):
    text = "報酬関数の改ざん alignment"
    assert decode(text.encode(encoding), "x") == text


def test_binary_is_refused():
    with pytest.raises(IngestError, match="binary"):
        decode(b"\x00\x01\x02garbage", "x.txt")
