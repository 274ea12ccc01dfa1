"""Everyday features (issue: sorting, paging, CSV): papers paged with totals in the API, the CLI
and the web page, and CSV output with stable columns."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from starlette.testclient import TestClient
from typer.testing import CliRunner

from searchkit import build_index, open_index
from searchkit.cli import CSV_COLUMNS, app
from searchkit.web.app import PAPERS_PAGE, create_app


@pytest.fixture(scope="module")
def many_papers(tmp_path_factory):
    """150 dated paper entries (one a day from 2025-01-01) and 3 undated ones."""
    root = tmp_path_factory.mktemp("papers")
    rows = []
    for n in range(150):
        month, day = divmod(n, 28)
        rows.append(
            {
                "id": f"p{n:03d}",
                "kind": "paper",
                "lang": "en",
                "title": f"Paper number {n}",
                "date": f"2025-{month + 1:02d}-{day + 1:02d}",
                "category": "cs.CL" if n % 2 else "cs.AI",
            }
        )
    rows += [{"id": f"u{n}", "kind": "paper", "lang": "en", "title": f"Undated paper {n}"} for n in range(3)]
    for r in rows:
        r["doc"] = "digest"  # one document: its entry pages list all 153
    (root / "papers.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    build_index([root / "papers.jsonl"], root / "ix")
    return root / "ix"


def test_papers_page_with_a_total_in_both_orders(many_papers):
    with open_index(many_papers) as ix:
        every = ix.papers()
        assert every.total == len(every) == 153
        page = ix.papers(limit=10, offset=20)
        assert page.total == 153 and [p.id for p in page] == [p.id for p in every][20:30]
        oldest = ix.papers(order="oldest", limit=3)
        assert [p.date for p in oldest] == ["2025-01-01", "2025-01-02", "2025-01-03"]
        assert [p.id for p in ix.papers(order="oldest", offset=150)] == ["u0", "u1", "u2"]  # undated last
        assert ix.papers(category="cs.ai", limit=1).total == 75


def test_cli_papers_paging_json_totals_and_csv(many_papers):
    runner = CliRunner()
    res = runner.invoke(app, ["papers", "--index", str(many_papers), "-n", "2", "--offset", "1", "--json"])
    data = json.loads(res.stdout)
    assert data["total"] == 153 and [p["id"] for p in data["papers"]] == ["p148", "p147"]
    res = runner.invoke(app, ["papers", "--index", str(many_papers), "-n", "2", "--oldest", "--csv"])
    rows = list(csv.reader(io.StringIO(res.stdout)))
    assert rows[0] == list(CSV_COLUMNS)
    assert [r[1] for r in rows[1:]] == ["p000", "p001"] and rows[1][0] == "1"
    both = runner.invoke(app, ["papers", "--index", str(many_papers), "--json", "--csv"])
    assert both.exit_code == 2 and "choose one of" in both.output


def test_cli_search_csv_has_stable_columns_and_ranks_after_the_offset(many_papers):
    res = CliRunner().invoke(app, ["search", "paper", "--index", str(many_papers), "-n", "3", "--offset", "5", "--csv"])
    assert res.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(res.stdout)))
    assert [r["rank"] for r in rows] == ["6", "7", "8"]
    assert all(r["kind"] == "paper" and r["path"].endswith("papers.jsonl") for r in rows)
    assert float(rows[0]["score"]) >= float(rows[-1]["score"])


def test_web_papers_page_through_and_keep_sort_and_filters(many_papers):
    with open_index(many_papers) as ix:
        client = TestClient(create_app(ix))
        first = client.get("/papers").text
        assert first.count("<tr") - 1 == PAPERS_PAGE  # one header row
        assert f"1–{PAPERS_PAGE} of 153 paper entries" in first and 'rel="next" href="/papers?page=2"' in first
        second = client.get("/papers", params={"page": 2}).text
        assert "Undated paper 2" in second and "page 2 of 2" in second
        kept = client.get("/papers", params={"sort": "oldest", "category": "cs.AI"}).text
        assert "75 matching, of 153 paper entries" in kept
        assert (
            'rel="next" href="/papers?sort=oldest&amp;page=2"' in client.get("/papers", params={"sort": "oldest"}).text
        )
        assert "Paper number 0" in kept and "Paper number 1<" not in kept
        entry = client.get("/entry/p000").text  # an entry's own paper list pages too
        assert "Paper entries in this document (153)" in entry and 'href="?page=2"' in entry
        assert "Undated paper 2" in client.get("/entry/p000", params={"page": 2}).text


def test_show_a_whole_document_in_file_order(workdir):
    runner = CliRunner()
    assert runner.invoke(app, ["index", "-q"]).exit_code == 0
    doc = "000_2db909a8ebb65741"
    res = runner.invoke(app, ["show", doc, "--json"])
    assert res.exit_code == 0, res.output
    entries = json.loads(res.stdout)["entries"]
    assert {e["kind"] for e in entries} == {"passage", "paper"} and all(e["doc"] == doc for e in entries)
    lines = [e["source"]["line"] for e in entries]
    assert lines == sorted(lines)  # the page's order
    text = runner.invoke(app, ["show", doc]).stdout
    assert text.startswith(f"document {doc}: {len(entries)} entries") and "原文" in text
    one = json.loads(runner.invoke(app, ["show", f"{doc}:27", "--json"]).stdout)
    assert one["id"] == f"{doc}:27"  # an entry id still shows the entry
    missing = runner.invoke(app, ["show", "nothing-here"])
    assert missing.exit_code == 2 and "no entry or document" in missing.output


def _page(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"# {text}\n\n{text} body text.\n", encoding="utf-8")


def test_ignore_files_and_exclude_patterns_leave_files_out(tmp_path):
    docs = tmp_path / "docs"
    for rel in ("keep.md", "drafts/wip.md", "notes/a.md", "notes/keep-me.md", "build/out.md", "tmp-1.md"):
        _page(docs / rel, rel.replace("/", " ").replace(".md", ""))
    (docs / ".gitignore").write_text("build/\n", encoding="utf-8")
    (docs / ".searchkitignore").write_text("drafts/\nnotes/*.md\n", encoding="utf-8")
    (docs / "notes" / ".searchkitignore").write_text("!keep-me.md\n", encoding="utf-8")  # a deeper file overrides
    report = build_index([docs], tmp_path / "ix", exclude=("tmp-*",))
    indexed = sorted(p.relative_to(docs).as_posix() for p in map(Path, report.added))
    assert indexed == ["keep.md", "notes/keep-me.md"]
    assert not any(".gitignore" in line or "ignore" in line for line in report.ignored)  # not even a note
    # excluding an indexed file later removes it from the index
    report = build_index([docs], tmp_path / "ix", exclude=("tmp-*", "keep.md"))
    assert [p.endswith("keep.md") for p in report.removed] == [True]


def test_cli_exclude_is_repeatable(tmp_path):
    docs = tmp_path / "docs"
    for rel in ("a.md", "b.md", "c.md"):
        _page(docs / rel, rel)
    res = CliRunner().invoke(
        app, ["index", str(docs), "--index", str(tmp_path / "ix"), "-q", "--exclude", "a.md", "--exclude", "c.*"]
    )
    assert res.exit_code == 0, res.output
    assert "1 added" in res.output


def test_remove_takes_files_out_in_one_commit(tmp_path, engine):
    docs = tmp_path / "docs"
    for rel in ("a.md", "sub/b.md", "sub/c.md"):
        _page(docs / rel, rel.replace("/", " ").replace(".md", " page"))
    ix_dir = tmp_path / "ix"
    build_index([docs], ix_dir, engine=engine)
    with open_index(ix_dir) as ix:
        before = ix.stats()["entries"]
        report = ix.remove([docs / "sub"])
        assert sorted(Path(p).name for p in report.removed) == ["b.md", "c.md"]
        assert ix.search("sub").total == 0 and ix.search("a page").total > 0
        assert ix.stats()["files"] == 1 and ix.stats()["entries"] < before
        (docs / "a.md").unlink()  # a file that no longer exists can be removed too
        assert [Path(p).name for p in ix.remove([docs / "a.md"]).removed] == ["a.md"]
        with pytest.raises(Exception, match="nothing indexed"):
            ix.remove([docs / "a.md"])
    res = CliRunner().invoke(app, ["remove", str(docs / "zzz"), "--index", str(ix_dir)])
    assert res.exit_code == 2 and "nothing indexed" in res.output


@pytest.fixture(scope="module")
def dated(tmp_path_factory, engine):
    """Entries sharing dates (so ties cross page edges), and undated ones."""
    root = tmp_path_factory.mktemp(f"dated-{engine}")
    rows = [
        {
            "id": f"d{n:02d}",
            "lang": "en",
            "text": f"sorting test entry {'extra ' * (n % 3)}",
            "date": f"2025-0{1 + n % 4}-01",
        }
        for n in range(20)
    ]
    rows += [{"id": f"u{n}", "lang": "en", "text": "sorting test undated" + " test" * n} for n in range(3)]
    (root / "d.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    build_index([root / "d.jsonl"], root / "ix", engine=engine)
    with open_index(root / "ix") as ix:
        yield ix


def test_sort_by_date_both_ways_with_ties_by_id_and_undated_last(dated):
    newest = dated.search("sorting", sort="-date", limit=50)
    assert newest.total == 23
    keys = [(h.date, h.id) for h in newest.hits[:20]]
    assert keys == sorted(keys, key=lambda k: (-int(k[0].replace("-", "")), k[1]))
    by_score = [h.id for h in dated.search("sorting", limit=50).hits if not h.date]
    assert [h.id for h in newest.hits[20:]] == by_score and len(by_score) == 3  # undated: by relevance
    oldest = dated.search("sorting", sort="date", limit=50)
    assert [h.date for h in oldest.hits[:20]] == sorted(h.date for h in oldest.hits[:20])
    assert [h.id for h in oldest.hits[:5]] == ["d00", "d04", "d08", "d12", "d16"]
    paged = [h.id for off in range(0, 23, 4) for h in dated.search("sorting", sort="-date", limit=4, offset=off).hits]
    assert paged == [h.id for h in newest.hits]  # pages join up exactly, across shared dates
    with pytest.raises(Exception, match="sort must be one of"):
        dated.search("sorting", sort="newest")


def test_sort_in_the_cli_and_the_web(dated):
    res = CliRunner().invoke(
        app, ["search", "sorting", "--index", str(dated.path), "--sort", "-date", "-n", "2", "--json"]
    )
    assert [h["date"] for h in json.loads(res.stdout)["hits"]] == ["2025-04-01", "2025-04-01"]
    page = TestClient(create_app(dated)).get("/", params={"q": "sorting", "sort": "date"}).text
    assert page.index("d00") < page.index("d04") and 'value="date" selected' in page


def test_indexing_announces_its_stages_including_the_commit(tmp_path):
    """Issue (everyday features): the progress bar sat at 100% through the commit; the commit
    is now a stage of its own (the terminal shows 'committing ...')."""
    docs = tmp_path / "docs"
    _page(docs / "a.md", "stage test")
    stages = []
    build_index([docs], tmp_path / "ix", on_stage=lambda name, n: stages.append((name, n)))
    assert [s for s, _ in stages] == ["indexing", "committing"] and stages[0][1] >= 1


def test_an_original_passage_is_named_after_its_article(workdir):
    """Issue (everyday features): English passages of a summary page were all titled "原文"."""
    runner = CliRunner()
    assert runner.invoke(app, ["index", "-q"]).exit_code == 0
    out = runner.invoke(app, ["search", "alignment researchers", "--lang", "en", "-n", "3"]).stdout
    headings = [
        line.split("  [")[0].split(". ", 1)[1] for line in out.splitlines() if line[:3].strip().rstrip(".").isdigit()
    ]
    assert "AIアライメント:強力なAIを安全に導くための研究と課題 · 原文" in headings
    assert "原文" not in headings
    ja = runner.invoke(app, ["search", "アライメント研究", "--lang", "ja", "-n", "8"]).stdout
    assert "原文 / original" in ja and not any(line.rstrip().endswith("  原文") for line in ja.splitlines())
    with open_index(workdir / "index") as ix:
        hit = ix.search("alignment researchers", lang="en", limit=1).hits[0]
        page = TestClient(create_app(ix)).get(f"/entry/{hit.id}").text
        assert "<h1>AIアライメント:強力なAIを安全に導くための研究と課題 · 原文</h1>" in page
