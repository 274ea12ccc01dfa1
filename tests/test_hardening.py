"""The defects a new-user test, a fault campaign and a code review found (one test per item,
each failing on the code before its fix). Slow ones (real servers, every interruption point)
are in test_reliability.py."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from searchkit import build_index, open_index
from searchkit.cli import app
from searchkit.errors import IndexLockedError, QuerySyntaxError, SearchkitError

from .conftest import DATA, SEEDS


@pytest.fixture
def run(workdir):
    runner = CliRunner()

    def invoke(*args, input=None, env=None):
        return runner.invoke(app, list(args), input=input, env=env, catch_exceptions=False)

    return invoke


def one_error_line(res, code: int = 2) -> str:
    assert res.exit_code == code, (res.exit_code, res.stderr)
    lines = [line for line in res.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("searchkit: error:"), res.stderr
    assert "Traceback" not in res.stderr and "╭" not in res.stderr
    return lines[0]


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


# -- data loss and availability -------------------------------------------------------------


def test_an_open_index_follows_a_rebuild_and_the_next_read_sees_it(tmp_path, engine):
    """Items 1 and 23: a long-lived Index (the server's) keeps answering across a rebuild and
    moves to the new data; after build_index returns, the very next read sees the commit."""
    write_jsonl(tmp_path / "a" / "a.jsonl", [{"id": "a1", "text": "the first zyzzogeton note"}])
    write_jsonl(tmp_path / "b" / "b.jsonl", [{"id": "b1", "text": "a quokka note"}])
    ix_dir = tmp_path / "ix"
    build_index([tmp_path / "a"], ix_dir, engine=engine)
    with open_index(ix_dir) as reader:
        assert reader.search("zyzzogeton", translate=False).total == 1
        build_index([tmp_path / "b"], ix_dir, rebuild=True)
        assert reader.search("quokka", translate=False).total == 1  # no waiting
        assert reader.search("zyzzogeton", translate=False).total == 0
        assert reader.get("b1").id == "b1" and reader.stats()["entries"] == 1
        write_jsonl(tmp_path / "b" / "c.jsonl", [{"id": "c1", "text": "another quokka"}])
        build_index([tmp_path / "b"], ix_dir)
        assert reader.search("quokka", translate=False).total == 2  # an update: at once too


def test_translation_caches_follow_new_commits(tmp_path, engine):
    """Item 2: mined pairs learnt by an update reach a reader that had already translated."""
    write_jsonl(tmp_path / "src" / "a.jsonl", [{"id": "a1", "text": "Notes on the zorbulator design."}])
    ix_dir = tmp_path / "ix"
    build_index([tmp_path / "src"], ix_dir, engine=engine)
    with open_index(ix_dir) as reader:
        before = reader.search("zorbulator", explain=True)
        assert not any(t["source"] == "mined" for u in before.explain["translations"] for t in u["translations"])
        write_jsonl(
            tmp_path / "src" / "b.jsonl", [{"id": "b1", "text": "新しいゾルビュレータ(zorbulator)の設計について。"}]
        )
        build_index([tmp_path / "src"], ix_dir)
        after = reader.search("zorbulator", explain=True)
        assert any(t["source"] == "mined" for u in after.explain["translations"] for t in u["translations"])


def test_a_damaged_manifest_is_recovered_by_a_rebuild(run, workdir):
    """Item 4."""
    assert run("index", "-q").exit_code == 0
    (workdir / "index" / "manifest.json").write_text("{not json", encoding="utf-8")
    line = one_error_line(run("search", "alignment"))
    assert "damaged" in line and "--rebuild" in line
    res = run("index", "--rebuild", "-q")
    assert res.exit_code == 0, res.stderr
    assert run("search", "alignment faking").exit_code == 0
    assert sorted(p.name for p in (workdir / "index").glob("data-*")) == [
        json.loads((workdir / "index" / "manifest.json").read_text(encoding="utf-8"))["data_dir"]
    ]


def test_a_failed_first_build_leaves_nothing(run, workdir):
    """Item 5: the failed command creates no index, so the next search says 'no index'."""
    one_error_line(run("index", "no-such-dir", "--index", "new-index"))
    assert not (workdir / "new-index").exists()
    assert "no searchkit index" in one_error_line(run("search", "x", "--index", "new-index"))
    one_error_line(run("index", "seeds", "--index", "new-index", env={"SEARCHKIT_MAX_FILE_MB": "abc"}))
    assert not (workdir / "new-index").exists()


def test_an_update_with_nothing_to_change_is_refused_while_another_runs(tmp_path, engine):
    """Item 21: every update takes the writer lock, also one that finds nothing to change."""
    write_jsonl(tmp_path / "src" / "a.jsonl", [{"id": f"a{i}", "text": f"note {i}"} for i in range(5)])
    build_index([tmp_path / "src"], tmp_path / "ix", engine=engine)
    write_jsonl(tmp_path / "src" / "b.jsonl", [{"id": f"b{i}", "text": f"more {i}"} for i in range(5)])
    refused = []

    def meanwhile(_n):
        if not refused:
            with pytest.raises(IndexLockedError):
                build_index([tmp_path / "src" / "a.jsonl"], tmp_path / "ix")  # unchanged: nothing to do
            refused.append(True)

    build_index([tmp_path / "src"], tmp_path / "ix", progress=meanwhile, workers=1)
    assert refused == [True]


def test_every_new_file_is_durable_before_the_manifest_moves(tmp_path, engine, monkeypatch):
    """Item 24: fsync every file of the new commit and its folders, then the manifest and the
    index folder; old data goes only after that."""
    write_jsonl(tmp_path / "src" / "a.jsonl", [{"id": f"a{i}", "text": f"note {i} about poisoning"} for i in range(20)])
    ix_dir = tmp_path / "ix"
    build_index([tmp_path / "src"], ix_dir, engine=engine)
    events: list[tuple[str, str]] = []
    real_fsync, real_replace, real_rmtree = os.fsync, os.replace, shutil.rmtree
    monkeypatch.setattr(
        os, "fsync", lambda fd: (events.append(("fsync", os.readlink(f"/proc/self/fd/{fd}"))), real_fsync(fd))[1]
    )
    monkeypatch.setattr(os, "replace", lambda a, b: (events.append(("replace", str(b))), real_replace(a, b))[1])
    monkeypatch.setattr(
        shutil, "rmtree", lambda p, *a, **k: (events.append(("rmtree", str(p))), real_rmtree(p, *a, **k))[1]
    )
    for rebuild in (False, True):
        events.clear()
        write_jsonl(tmp_path / "src" / f"b{rebuild}.jsonl", [{"id": f"b{rebuild}", "text": "a new note"}])
        build_index([tmp_path / "src"], ix_dir, rebuild=rebuild)
        data = ix_dir / json.loads((ix_dir / "manifest.json").read_text(encoding="utf-8"))["data_dir"]
        switch = events.index(("replace", str(ix_dir / "manifest.json")))
        synced = {path for kind, path in events[:switch] if kind == "fsync"}
        for f in [data, *data.rglob("*")]:
            assert str(f) in synced, f"{f} was not fsynced before the manifest moved"
        assert ("fsync", str(ix_dir)) in events[switch:]
        assert all(i > switch for i, (kind, _) in enumerate(events) if kind == "rmtree")
        assert rebuild == any(kind == "rmtree" for kind, _ in events)


# -- security ----------------------------------------------------------------------------------


def test_only_http_urls_become_links(tmp_path, engine):
    """Item 6: a javascript: (or data:, or relative) URL is shown as text."""
    from starlette.testclient import TestClient

    from searchkit.web.app import create_app, link_url

    rows = [
        {"id": "js1", "text": "click me", "url": "javascript:alert(1)"},
        {"id": "js2", "text": "and me", "url": " JaVa\tScRiPt:alert(2)"},
        {"id": "ok1", "text": "a paper", "url": "https://arxiv.org/abs/2412.14093"},
    ]
    write_jsonl(tmp_path / "src" / "u.jsonl", rows)
    build_index([tmp_path / "src"], tmp_path / "ix", engine=engine)
    with open_index(tmp_path / "ix") as ix:
        client = TestClient(create_app(ix))
        for rid in ("js1", "js2"):
            page = client.get(f"/entry/{rid}").text
            assert "alert(" in page and 'href="javascript' not in page.lower() and 'href=" java' not in page.lower()
        assert 'href="https://arxiv.org/abs/2412.14093"' in client.get("/entry/ok1").text
    assert (
        link_url("data:text/html,x") == ""
        and link_url("/etc/passwd") == ""
        and link_url("http://x.org/a") == "http://x.org/a"
    )


# -- errors that were tracebacks or unclear ------------------------------------------------------


@pytest.mark.parametrize(
    "args,env,expected",
    [
        (("search", "x", "--index", "README.md"), {}, "is a file"),
        (("index", "seeds", "--index", "README.md"), {}, "is a file"),
        (("search", "--batch", "/nonexistent"), {}, "cannot read"),
        (("search", "--batch", "seeds"), {}, "is a folder"),
        (("search", "--batch", "binary.bin"), {}, "binary"),
        (("search", "x"), {"SEARCHKIT_MAX_QUERY_CHARS": "abc"}, "SEARCHKIT_MAX_QUERY_CHARS"),
        (("index", "-q"), {"SEARCHKIT_MAX_FILE_MB": "abc"}, "SEARCHKIT_MAX_FILE_MB"),
        (("search", "-alignment"), {}, "searchkit search -- -alignment"),
        (("search", "-sycophancy"), {}, "put -- before the query"),
        (("search", "x", "--limit", "abc"), {}, "--limit"),
        (("similar", "000_2db909a8ebb65741:27", "--limit", "-1"), {}, "limit must be"),
        (("search", "lang:fr"), {}, "unknown lang 'fr'"),
        (("search", "x", "--lang", "fr"), {}, "unknown language 'fr'"),
        (("search", "date:2026..2025"), {}, "ends before it starts"),
        (("search", "(" * 200 + "cell" + ")" * 200), {}, "parentheses"),
        (("search", "lang:(ja en)"), {}, "takes one value"),  # found by bench.soak: a Whoosh QueryError
        (("search", 'kind:"paper x"'), {}, "unknown kind 'paper x'"),
        (("search", "date:(2025 2026)"), {}, "one date or range"),
    ],
)
def test_bad_input_is_one_error_line(run, workdir, args, env, expected):
    """Items 7, 8, 12, 18."""
    (workdir / "README.md").write_text("not an index\n", encoding="utf-8")
    (workdir / "binary.bin").write_bytes(b"\x00\x01\x02binary")
    assert run("index", "-q").exit_code == 0
    assert expected in one_error_line(run(*args, env=env))


def test_a_query_starting_with_a_dash_after_double_dash(run):
    """Item 8: `--` ends the options; documented in the README."""
    res = run("search", "--", "-sycophancy", "--json")
    assert res.exit_code in (0, 1) and json.loads(res.stdout)["query"] == "-sycophancy" if res.stdout else True
    res = run("search", "-n", "2", "--", "-sycophancy alignment")
    assert res.exit_code == 0


def test_serve_on_a_port_in_use_is_one_line(run, workdir):
    """Item 9: nothing is printed as if it worked."""
    assert run("index", "-q").exit_code == 0
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        res = run("serve", "--port", str(taken.getsockname()[1]))
    line = one_error_line(res)
    assert "in use" in line and "serving" not in res.stderr


def test_batch_keeps_ids_validates_and_answers_every_line(run):
    """Items 10 and 21."""
    lines = [
        '{"query": "alignment", "limit": "3", "id": "q1"}',
        "",
        '{"query": "alignment", "limit": "x", "id": "q2"}',
        '{"query": "alignment", "lim": 3, "id": "q3"}',
        '{"query": "alignment", "limit": true, "id": 4}',
        "alignment faking",
    ]
    res = run("search", "--batch", "-", input="\n".join(lines) + "\n")
    rows = [json.loads(line) for line in res.stdout.splitlines()]
    assert [r["line"] for r in rows] == [1, 2, 3, 4, 5, 6]  # one output line per input line
    assert rows[0]["id"] == "q1" and len(rows[0]["hits"]) == 3
    assert rows[1]["query"] == "" and rows[1]["total"] == 0 and "error" not in rows[1]
    assert (
        rows[2]["id"] == "q2" and rows[2]["query"] == "alignment" and "limit must be a whole number" in rows[2]["error"]
    )
    assert rows[3]["id"] == "q3" and "unknown option 'lim'" in rows[3]["error"]
    assert rows[4]["id"] == 4 and "whole number" in rows[4]["error"]
    assert rows[5]["total"] > 0
    assert res.exit_code == 2  # a line failed


def test_batch_lines_end_at_newlines_only(run):
    """Found by bench.soak: a query holding U+2028, U+0085 or a form feed was split into several
    lines by str.splitlines, and JSON left U+2028 raw in the output (a line break to most readers)."""
    queries = ["a\u2028b alignment", "foo\x0cbar", "\x85x", "alignment"]
    res = run("search", "--batch", "-", input="\n".join(queries) + "\n")
    rows = [json.loads(line) for line in res.stdout.splitlines()]
    assert [r["query"] for r in rows] == queries and [r["line"] for r in rows] == [1, 2, 3, 4]


def test_api_search_validates_like_the_cli(tmp_path, engine):
    """Item 11: one set of rules, a 400 with the message, the CLI's limits."""
    from starlette.testclient import TestClient

    from searchkit.web.app import create_app

    build_index([SEEDS], tmp_path / "ix", engine=engine)
    with open_index(tmp_path / "ix") as ix:
        client = TestClient(create_app(ix))
        for params, message in (
            ({"limit": "-1"}, "limit must be between 0 and 10,000"),
            ({"offset": "-5"}, "offset must be at least 0"),
            ({"limit": "abc"}, "limit must be a whole number"),
            ({"limit": "100000"}, "limit must be between 0 and 10,000"),
            ({"facets": "maybe"}, "facets must be true or false"),
            ({"lang": "fr"}, "unknown language"),
            ({"colour": "red"}, "unknown parameter 'colour'"),
        ):
            res = client.get("/api/search", params={"q": "alignment", **params})
            assert res.status_code == 400 and message in res.json()["error"], (params, res.text)
        data = client.get("/api/search", params={"q": "alignment", "limit": "2000", "facets": "yes"}).json()
        assert data["total"] == len(data["hits"]) and "facets" in data


def test_record_languages_follow_the_documented_values(tmp_path, engine):
    """Item 12 (and 22): a JSONL record's lang must be ja, en or und, like --lang and lang:."""
    write_jsonl(
        tmp_path / "src" / "l.jsonl",
        [
            {"id": "f1", "text": "bonjour", "lang": "fr"},
            {"id": "k1", "text": "nuqneH", "lang": "klingon"},
            {"id": "e1", "text": "hello", "lang": "EN"},
        ],
    )
    report = build_index([tmp_path / "src"], tmp_path / "ix", engine=engine)
    assert report.total_entries == 1 and len(report.warnings) == 2
    assert all("lang must be one of ja, en, und" in w for w in report.warnings)


# -- wrong results ---------------------------------------------------------------------------


@pytest.fixture
def mixed_index(tmp_path, engine):
    rows = [
        {"id": "ja-phrase", "lang": "ja", "title": "事例", "text": "報酬関数の典型的な事例を集めた。"},
        {"id": "ja-word", "lang": "ja", "title": "配分", "text": "報酬の配分だけを論じる。関数も別に論じる。"},
        {"id": "ja-title", "lang": "ja", "title": "報酬設計の基礎", "text": "入門的な解説。"},
        {"id": "en-phrase", "lang": "en", "title": "Notes", "text": "Reward hacking in reinforcement learning."},
    ]
    write_jsonl(tmp_path / "src" / "m.jsonl", rows)
    build_index([tmp_path / "src"], tmp_path / "ix", engine=engine)
    with open_index(tmp_path / "ix") as ix:
        yield ix


def test_a_quoted_phrase_translates_to_phrases(mixed_index):
    """Item 13: '"reward hacking"' does not match 報酬 alone (no Japanese text has a translation
    of "hacking"), and '"reward function"' matches 報酬関数 but not 報酬 … 関数 apart."""
    ids = {h.id for h in mixed_index.search('"reward hacking"').hits}
    assert ids == {"en-phrase"}
    ids = {h.id for h in mixed_index.search('"reward function"').hits}
    assert "ja-phrase" in ids and "ja-word" not in ids and "ja-title" not in ids


def test_field_scopes_apply_to_translations(mixed_index):
    """Item 14: title:reward and title:(reward hacking) are translated, within the title."""
    for q in ("title:reward", "title:(reward hacking)"):
        ids = {h.id for h in mixed_index.search(q).hits}
        assert "ja-title" in ids, q
        assert not ids & {"ja-word", "ja-phrase"}, q


def test_no_suggestion_for_a_word_the_index_has(seed_index):
    """Item 15: アライメント is indexed as its lemma アラインメント; it matched, so no suggestion."""
    result = seed_index.search("アライメント")
    assert result.total > 0 and result.suggestion is None
    assert seed_index.search("alignmnet").suggestion == "alignment"


def test_files_without_entries_and_bad_records_are_remembered(run, workdir):
    """Item 16: an empty CRLF .TXT is 'unchanged' on the next run, a .pdf is not an error, and a
    bad JSONL line is reported on every run."""
    (workdir / "seeds" / "EMPTY.TXT").write_bytes(b"\r\n\r\n")
    (workdir / "seeds" / "paper.pdf").write_bytes(b"%PDF-1.4")
    first = run("index")
    assert first.exit_code == 0, first.stderr
    assert "paper.pdf: not read" in first.stderr
    second = run("index")
    assert second.exit_code == 0 and "0 added" in second.stderr and "2 unchanged" in second.stderr
    (workdir / "seeds" / "bad.jsonl").write_text('{"text": "fine"}\n{oops\n', encoding="utf-8")
    for _ in range(2):
        res = run("index")
        assert res.exit_code == 1 and "bad.jsonl:2: skipped record" in res.stderr


def test_hidden_files_are_counted_and_every_problem_is_listed(run, workdir):
    """Item 22."""
    (workdir / "seeds" / ".drafts").mkdir()
    (workdir / "seeds" / ".drafts" / "d.md").write_text("# draft\n\ntext\n", encoding="utf-8")
    bad = "\n".join("{oops" for _ in range(30)) + "\n"
    (workdir / "seeds" / "bad.jsonl").write_text(bad, encoding="utf-8")
    res = run("index")
    assert res.stderr.count("skipped record") == 30
    assert ".drafts" in res.stderr and "1 not read" in res.stderr


def test_deep_nesting_and_every_kana_are_clear(seed_index):
    """Item 18: RecursionError and romanize's IndexError are gone."""
    from searchkit.crosslang.translit import romanize

    with pytest.raises(QuerySyntaxError):
        seed_index.search("(" * 195 + "cell" + ")" * 195)
    assert seed_index.search("(" * 20 + "cell" + ")" * 20).total >= 0
    seed_index.search("ズ愠ゎヱｰ錒")
    for code in range(0x30A0, 0x3100):
        romanize(chr(code) + "ー" + chr(code))


def _corpus(folder: Path) -> list[Path]:
    """Seven files of English and Japanese records (the test slices), for build-history tests."""
    rows = []
    for name in ("scifact.jsonl", "jsquad.jsonl"):
        for line in (DATA / "slices" / name).read_text(encoding="utf-8").splitlines():
            rec = json.loads(line)
            if rec.get("type", "doc") == "doc":
                rows.append({"id": f"{name[0]}{rec['id']}", "title": rec.get("title", ""), "text": rec.get("text", "")})
    rows.sort(key=lambda r: r["id"][::-1])  # the two languages interleaved
    size = len(rows) // 7 + 1
    return [write_jsonl(folder / f"part{i:02d}.jsonl", rows[i * size : (i + 1) * size]) for i in range(7)]


QUERIES = ("protein expression", "タンパク質", "cell", "gene", "日本の歴史", "weather", "川", "cancer risk", "免疫")


def test_ranking_does_not_depend_on_the_build_history(tmp_path, engine):
    """Item 19: all at once in parallel vs three files and then all seven: the same scores."""
    files = _corpus(tmp_path / "corpus")
    build_index([tmp_path / "corpus"], tmp_path / "A", engine=engine, workers=2)
    build_index(files[:3], tmp_path / "B", engine=engine, workers=1)
    build_index(files, tmp_path / "B", workers=2)
    with open_index(tmp_path / "A") as a, open_index(tmp_path / "B") as b:
        for q in QUERIES:
            ra, rb = a.search(q, limit=20), b.search(q, limit=20)
            assert [(h.id, h.score) for h in ra.hits] == [(h.id, h.score) for h in rb.hits], q


def test_a_translation_group_scores_a_document_by_its_own_terms(tmp_path, engine):
    """Item 19's cause in Whoosh: its DisjunctionMax gave a document the score of a *later*
    document matching another clause. A group's score is its best clause on this document."""
    from searchkit.query.tree import DisMaxQ, TermQ

    rows = [{"id": "d1", "text": "alpha " + "filler words " * 40}, {"id": "d2", "text": "beta beta beta"}]
    write_jsonl(tmp_path / "src" / "d.jsonl", rows)
    build_index([tmp_path / "src"], tmp_path / "ix", engine=engine)
    with open_index(tmp_path / "ix") as ix:
        alone = {h.record["id"]: h.score for h in ix.engine.search(TermQ("alpha"), [], limit=5).hits}
        group = {
            h.record["id"]: h.score
            for h in ix.engine.search(DisMaxQ((TermQ("alpha"), TermQ("beta"))), [], limit=5).hits
        }
        assert group["d1"] == pytest.approx(alone["d1"])


def test_equal_scores_are_ordered_by_id(tmp_path, engine):
    """Item 20: ties come back by id, whatever order the files were indexed in, page after page
    (more ties than the engines' first window of hits, so the window has to grow)."""
    rows = [{"id": f"t{i:02d}", "text": "identical words about gradient descent"} for i in range(75)]
    write_jsonl(tmp_path / "one" / "x.jsonl", rows)
    write_jsonl(tmp_path / "two" / "x.jsonl", rows[::-1])
    build_index([tmp_path / "one"], tmp_path / "A", engine=engine)
    build_index([tmp_path / "two"], tmp_path / "B", engine=engine)
    expected = sorted(r["id"] for r in rows)
    for ix_dir in ("A", "B"):
        with open_index(tmp_path / ix_dir) as ix:
            pages = [h.id for off in range(0, 75, 10) for h in ix.search("gradient descent", limit=10, offset=off).hits]
            assert pages == expected


def test_library_errors_are_searchkit_errors(tmp_path):
    """The Python API raises SearchkitError subclasses for the same bad input."""
    build_index([SEEDS], tmp_path / "ix")
    with open_index(tmp_path / "ix") as ix:
        for bad in (dict(limit=-1), dict(offset=-1), dict(lang="fr")):
            with pytest.raises(SearchkitError):
                ix.search("alignment", **bad)
        with pytest.raises(SearchkitError):
            ix.similar("000_2db909a8ebb65741:27", limit=-1)


def test_a_page_far_beyond_the_last_hit_is_empty(tmp_path, engine):
    """Found by bench.soak: an offset of 10**9 made tantivy allocate a top-n heap of two billion
    hits and abort the process ("memory allocation of 32000000416 bytes failed"). A page past the
    last hit is empty and the total stays exact (a real process: an abort is no exception)."""
    build_index([SEEDS], tmp_path / "ix", engine=engine)
    for query in ("alignment", "戦略的"):  # one ranked pass; a translated query merged across languages
        res = subprocess.run(
            [sys.executable, "-m", "searchkit", "search", query, "--index", str(tmp_path / "ix")]
            + ["--offset", str(10**12), "--json"],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert res.returncode in (0, 1) and "Traceback" not in res.stderr, res.stderr[-500:]
        data = json.loads(res.stdout)
        assert data["total"] > 0 and data["hits"] == []


def test_stats_while_files_come_and_go_in_the_index_folder(tmp_path, engine):
    """Found by the slow rebuild-under-a-server test: the web page's stats summed the index
    folder's file sizes while a rebuild created and removed its scratch folders, and a folder
    gone between listing and reading made the page answer 500."""
    import threading
    import time

    write_jsonl(tmp_path / "a.jsonl", [{"id": "a", "text": "alignment"}])
    build_index([tmp_path / "a.jsonl"], tmp_path / "ix", engine=engine)
    stop = threading.Event()

    def churn():
        scratch = tmp_path / "ix" / "scratch"
        while not stop.is_set():
            (scratch / "x" / "y").mkdir(parents=True, exist_ok=True)
            (scratch / "x" / "y" / "f").write_text("z")
            shutil.rmtree(scratch, ignore_errors=True)

    worker = threading.Thread(target=churn)
    worker.start()
    try:
        with open_index(tmp_path / "ix") as ix:
            deadline = time.monotonic() + 1.0
            while time.monotonic() < deadline:
                assert ix.stats()["size_bytes"] > 0
    finally:
        stop.set()
        worker.join()
