"""Odd and hostile files: each is indexed correctly or skipped with a one-line reason naming it;
the rest of the corpus is indexed and nothing already indexed is lost."""

from __future__ import annotations

import os

import pytest

from searchkit import build_index, open_index
from searchkit.errors import IngestError
from searchkit.ingest.common import read_bytes

TEXT = "報酬関数の改ざんについて。Reward tampering."


@pytest.fixture
def corpus(tmp_path):
    d = tmp_path / "corpus dir ä"  # a path with spaces and non-ASCII characters
    d.mkdir()
    (d / "empty.txt").write_bytes(b"")
    (d / "binary.txt").write_bytes(b"\x00\x01\x02\x03PNG\x00")
    (d / "truncated.txt").write_bytes(TEXT.encode("utf-8") + "改".encode()[:2])
    (d / "sjis.txt").write_bytes(TEXT.encode("cp932"))
    (d / "eucjp.txt").write_bytes(TEXT.encode("euc_jp"))
    (d / "utf16.txt").write_bytes(TEXT.encode("utf-16"))
    (d / "bom.txt").write_bytes(TEXT.encode("utf-8-sig"))
    (d / "crlf.md").write_bytes("# 見出し\r\n\r\n".encode() + TEXT.encode() + b"\r\n")
    (d / "ファイル 名.md").write_text(TEXT, encoding="utf-8")
    os.symlink(d / "loop-b.txt", d / "loop-a.txt")
    os.symlink(d / "loop-a.txt", d / "loop-b.txt")
    outside = tmp_path / "secret.txt"
    outside.write_text("outside the corpus", encoding="utf-8")
    os.symlink(outside, d / "escape.txt")
    return d


def test_each_file_is_indexed_or_skipped_with_a_reason(tmp_path, corpus):
    report = build_index([corpus], tmp_path / "ix")
    skipped = "\n".join(report.skipped)
    assert "binary.txt: skipped, looks like a binary file" in skipped
    assert "symlink loop" in skipped and "loop-a.txt" in skipped
    assert "escape.txt: skipped, symlink points outside" in skipped
    assert all("\n" not in s for s in report.skipped)
    with open_index(tmp_path / "ix") as ix:
        texts = [r["text"] for r in ix.engine.scan([])]
        paths = {r["path"] for r in ix.engine.scan([])}
        assert sum(1 for t in texts if t.startswith("報酬関数の改ざんについて。Reward tampering.")) == 7
        assert any(p.endswith("ファイル 名.md") for p in paths)
        assert ix.search('"報酬関数の改ざん"', translate=False).total == 7  # no mojibake anywhere
        assert all("outside the corpus" not in t for t in texts)


def test_a_file_that_breaks_later_keeps_its_entries(tmp_path, corpus):
    build_index([corpus], tmp_path / "ix")
    (corpus / "sjis.txt").write_bytes(b"\x00binary now")
    report = build_index([corpus], tmp_path / "ix")
    assert any("sjis.txt: skipped" in s for s in report.skipped)
    with open_index(tmp_path / "ix") as ix:
        assert any(r["path"].endswith("sjis.txt") for r in ix.engine.scan([]))


def test_size_limit(tmp_path):
    big = tmp_path / "big.jsonl"
    with big.open("wb") as fh:  # 50 MB
        line = b'{"text": "' + b"x" * 1000 + b'"}\n'
        for _ in range(50 * 1024):
            fh.write(line)
    with pytest.raises(IngestError, match=r"big.jsonl: skipped, 5\d MB is over the 10 MB limit"):
        read_bytes(big, limit=10 * 1024 * 1024)
    assert len(read_bytes(big)) > 50_000_000  # under the default limit it is read


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their permissions")
def test_unreadable_file(tmp_path, corpus):
    locked = corpus / "locked.txt"
    locked.write_text(TEXT, encoding="utf-8")
    locked.chmod(0)
    report = build_index([corpus], tmp_path / "ix")
    assert any("locked.txt: skipped, cannot read" in s for s in report.skipped)
