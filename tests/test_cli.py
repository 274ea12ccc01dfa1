"""The command line: exit codes, one-line errors, JSON schema, auto-build on a fresh clone."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from searchkit.cli import app

HIT_KEYS = {
    "id",
    "kind",
    "lang",
    "title",
    "text",
    "section",
    "date",
    "category",
    "score",
    "snippet",
    "snippet_spans",
    "highlights",
    "source",
    "doc",
    "url",
    "matched_terms",
    "translation_of",
    "counterparts",
}


@pytest.fixture
def run(workdir):
    runner = CliRunner()

    def invoke(*args, input=None):
        return runner.invoke(app, list(args), input=input, catch_exceptions=False)

    return invoke


def test_fresh_clone_search_builds_the_default_index(run, workdir):
    res = run("search", "alignment faking")
    assert res.exit_code == 0
    assert "building ./index from ./seeds/" in res.stderr
    assert "Alignment faking in large language models" in res.stdout
    assert (workdir / "index" / "manifest.json").exists()
    res = run("search", "alignment faking")
    assert "building" not in res.stderr


def test_json_schema(run):
    res = run("search", "alignment faking", "--json", "--limit", "3")
    data = json.loads(res.stdout)
    assert set(data) == {"query", "total", "suggestion", "hits"}
    assert data["query"] == "alignment faking" and data["total"] >= 3 and len(data["hits"]) == 3
    hit = data["hits"][0]
    assert set(hit) == HIT_KEYS
    assert set(hit["source"]) == {"path", "line"}
    for sp in hit["highlights"]:
        assert set(sp) == {"field", "start", "end", "term"}
        text = hit[sp["field"]]
        assert text[sp["start"] : sp["end"]].lower() in {"alignment faking", "alignment", "faking"}
    for s, e in hit["snippet_spans"]:
        assert hit["snippet"][s:e].lower() in {"alignment faking", "alignment", "faking"}


def test_jsonl(run):
    res = run("search", "アライメント", "--jsonl", "-n", "4")
    lines = res.stdout.strip().split("\n")
    assert len(lines) == 4
    assert all(json.loads(line)["lang"] for line in lines)


def test_exit_codes(run):
    assert run("search", "zzqqxx").exit_code == 1
    res = run("search", "foo:bar")
    assert res.exit_code == 2
    assert res.stderr.strip().count("\n") == 0 and "unknown field 'foo:'" in res.stderr
    res = run("search", "x", "--since", "yesterday")
    assert res.exit_code == 2 and "bad date" in res.stderr
    res = run("search", "x", "--kind", "blog")
    assert res.exit_code == 2 and "unknown kind" in res.stderr


def test_named_missing_index_is_an_error(run, workdir):
    res = run("search", "x", "--index", str(workdir / "nope"))
    assert res.exit_code == 2
    assert "searchkit index PATH --index" in res.stderr
    assert not (workdir / "nope").exists()


def test_env_index(run, workdir, monkeypatch):
    monkeypatch.setenv("SEARCHKIT_INDEX", str(workdir / "envix"))
    assert run("search", "x").exit_code == 2
    assert run("index", "seeds").exit_code == 0
    assert (workdir / "envix" / "manifest.json").exists()


def test_index_command_reports_and_skips(run, workdir):
    (workdir / "seeds" / "junk.bin").write_bytes(b"\x00\x01")
    (workdir / "seeds" / "bad.jsonl").write_text('{"text": "fine"}\nnot json\n', encoding="utf-8")
    res = run("index")
    assert res.exit_code == 1  # indexed, but a record was skipped
    assert "junk.bin: not read" in res.stderr and "bad.jsonl:2: skipped record" in res.stderr
    entries = json.loads(run("stats", "--json").stdout)["entries"]
    assert f"{entries} in the index" in res.stderr
    res = run("index")  # unchanged: the bad record is reported again, the status stays 1
    assert res.exit_code == 1 and "bad.jsonl:2: skipped record" in res.stderr and "2 unchanged" in res.stderr
    res = run("index", "--rebuild")
    assert f"{entries} in the index" in res.stderr  # the same entries, the bad record skipped again


def test_index_missing_path(run):
    res = run("index", "does-not-exist")
    assert res.exit_code == 2 and "no such file or directory" in res.stderr


def test_filters_on_the_command_line(run):
    res = run(
        "search", "alignment OR AI", "--kind", "paper", "--since", "2025-10", "--until", "2025-12", "--json", "-n", "50"
    )
    hits = json.loads(res.stdout)["hits"]
    assert hits and all(h["kind"] == "paper" and "2025-10-01" <= h["date"] <= "2025-12-31" for h in hits)
    res = run("search", "アライメント", "--lang", "en", "--json")
    assert all(h["lang"] == "en" for h in json.loads(res.stdout)["hits"])


def test_papers_show_stats(run, engine):
    res = run("papers", "--since", "2026", "--json")
    data = json.loads(res.stdout)
    assert data["total"] == 3
    res = run("papers", "--category", "nothing")
    assert res.exit_code == 1
    res = run("show", "000_2db909a8ebb65741:27")
    assert "Alignment faking in large language models" in res.stdout and res.exit_code == 0
    res = run("show", "nope:1")
    assert res.exit_code == 2 and "no entry or document with id" in res.stderr
    res = run("stats", "--json")
    st = json.loads(res.stdout)
    papers = json.loads(run("papers", "--json").stdout)["total"]
    assert st["entries"] == sum(st["by_kind"].values()) and st["by_kind"]["paper"] == papers and st["engine"] == engine


def test_batch(run):
    queries = 'alignment faking\n{"query": "報酬関数の改ざん", "limit": 1, "id": "q2"}\n{"query": "foo:bar"}\nzzqqxx\n'
    res = run("search", "--batch", "-", input=queries)
    rows = [json.loads(line) for line in res.stdout.strip().split("\n")]
    assert len(rows) == 4
    assert rows[0]["total"] >= 1 and rows[1]["id"] == "q2" and len(rows[1]["hits"]) == 1
    assert "unknown field" in rows[2]["error"]
    assert rows[3]["total"] == 0
    assert res.exit_code == 2  # a line failed (documented: 2 when any line failed)
    assert [r["line"] for r in rows] == [1, 2, 3, 4]


def test_help_for_every_command(run):
    for cmd in ("index", "search", "papers", "show", "stats"):
        res = run(cmd, "--help")
        assert res.exit_code == 0 and "Usage" in res.stdout


def test_broken_pipe_and_module_entry_point(workdir):
    """`python -m searchkit ... | head -1` ends quietly (no traceback)."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    subprocess.run([sys.executable, "-m", "searchkit", "index", "-q"], cwd=workdir, check=True, capture_output=True)
    (workdir / "queries.txt").write_text("alignment\n" * 300, encoding="utf-8")  # ~MBs of output
    proc = subprocess.run(
        [
            "bash",
            "-c",
            f"'{sys.executable}' -m searchkit search --batch queries.txt -n 50 | head -1; exit ${{PIPESTATUS[0]}}",
        ],
        cwd=workdir,
        capture_output=True,
        text=True,
        env=env,
    )
    assert proc.returncode == 0
    assert proc.stdout.count("\n") == 1
    assert "Traceback" not in proc.stderr and "BrokenPipe" not in proc.stderr


def test_facets_count_every_match_not_just_the_page(run):
    res = run("search", "model", "--facets", "--json", "-n", "1")
    data = json.loads(res.stdout)
    assert len(data["hits"]) == 1 and data["total"] > 5
    assert sum(data["facets"]["kind"].values()) == data["total"] == sum(data["facets"]["lang"].values())
    narrowed = json.loads(run("search", "model", "--facets", "--json", "--lang", "ja").stdout)
    assert narrowed["facets"]["lang"] == {"ja": data["facets"]["lang"]["ja"]}
    assert "facets" not in json.loads(run("search", "model", "--json").stdout)


def test_version(run):
    from searchkit import __version__

    res = run("--version")
    assert res.exit_code == 0 and res.stdout.strip() == f"searchkit {__version__}"
    out = subprocess.run([sys.executable, "-m", "searchkit", "--version"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and out.stdout.strip() == f"searchkit {__version__}"


def test_a_search_loads_no_indexing_only_modules(seed_index):
    """A cold ``searchkit search`` pays for every module it imports: the search path must not load
    the file parsers (markdown-it, pathspec) or a validation library (pydantic, which typer 0.29
    imports at start-up: +0.1 s per command)."""
    heavy = ("pydantic", "markdown_it", "pathspec", "searchkit.ingest")
    script = (
        "import sys\n"
        "from searchkit.cli import main\n"
        f"sys.argv = ['searchkit', 'search', 'alignment', '--index', {str(seed_index.path)!r}, '-n', '1']\n"
        "try:\n    main()\nexcept SystemExit as exc:\n    code = exc.code\n"
        f"print('LOADED', sorted(m for m in {heavy!r} if m in sys.modules), code, file=sys.stderr)\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert "LOADED [] 0" in out.stderr, out.stderr


@pytest.mark.parametrize(
    "args,env,terminal,coloured",
    [
        ((), {}, True, True),  # a terminal: colours
        ((), {}, False, False),  # piped: none
        ((), {"NO_COLOR": "1"}, True, False),  # https://no-color.org
        (("--color", "always"), {"NO_COLOR": "1"}, False, True),
        (("--color", "never"), {}, True, False),
    ],
)
def test_colour_follows_the_terminal_no_color_and_the_option(workdir, args, env, terminal, coloured):
    res = CliRunner().invoke(app, [*args, "search", "alignment faking", "-n", "1"], env=env, color=terminal)
    assert res.exit_code == 0
    assert ("\x1b[" in res.stdout) == coloured


def test_colour_option_refuses_other_values(run):
    res = run("--color", "sometimes", "search", "x")
    assert res.exit_code == 2 and "'sometimes' is not one of auto, always, never" in res.stderr


def test_one_result_is_one_result(run):
    query = '"alignment faking in large language models"'
    total = json.loads(run("search", query, "--kind", "paper", "--json").stdout)["total"]
    assert total == 1  # the seed's one paper entry of that title
    res = run("search", query, "--kind", "paper")
    assert "1 result for" in res.stderr and "1 results" not in res.stderr


def test_shell_completion_is_on(workdir):
    res = CliRunner().invoke(app, ["--show-completion", "bash"], prog_name="searchkit")
    assert res.exit_code == 0 and "complete -o default -F _searchkit_completion searchkit" in res.stdout


def test_stats_tell_size_newest_file_and_what_the_collection_adds(run, workdir):
    run("index")
    newest = workdir / "seeds" / "newest.md"
    newest.write_text("A note with a gloss: アライメント (alignment).\n", encoding="utf-8")
    run("index")
    st = json.loads(run("stats", "--json").stdout)
    assert st["size_bytes"] == sum(f.stat().st_size for f in (workdir / "index").rglob("*") if f.is_file())
    assert st["newest_file"]["path"] == str(newest)
    assert st["mined_pairs"] > 0 and st["glossary_pairs"] == 0
    (workdir / "index" / "glossary.tsv").write_text("策略\tsubterfuge\n", encoding="utf-8")
    assert json.loads(run("stats", "--json").stdout)["glossary_pairs"] == 1
    text = run("stats").stdout
    assert "MB on disk" in text and "newest:   seeds/newest.md" in text and "1 from the glossary" in text


def test_help_shows_real_placeholders_not_python_types():
    """Issue (everyday features): typer showed <bool>, <int>, <str>, <path> as value names."""
    import re

    from typer.main import get_command
    from typer.testing import CliRunner

    runner = CliRunner()
    for name in get_command(app).commands:
        out = runner.invoke(app, [name, "--help"], env={"COLUMNS": "160"}).output
        options = out[out.index("Options:") :]
        assert not re.search(r"<(bool|int|str|path|float)>", options), (name, options)
    search = runner.invoke(app, ["search", "--help"], env={"COLUMNS": "160"}).output
    assert "--limit" in search and " N " in search and "DATE" in search


def test_terminal_hyperlinks_only_when_colours_are_on(workdir):
    """Issue (everyday features): OSC 8 links on path:line in a terminal, plain text when piped."""
    runner = CliRunner()
    assert runner.invoke(app, ["index", "-q"]).exit_code == 0
    linked = runner.invoke(app, ["--color", "always", "search", "alignment faking", "-n", "1"]).stdout
    assert "\x1b]8;;file://" in linked and "seeds/000_2db909a8ebb65741.txt:27" in linked
    plain = runner.invoke(app, ["search", "alignment faking", "-n", "1"]).stdout  # not a terminal
    assert "\x1b]8" not in plain and "seeds/000_2db909a8ebb65741.txt:27" in plain
    never = runner.invoke(app, ["--color", "never", "similar", "000_2db909a8ebb65741:27"]).stdout
    assert "\x1b" not in never
    with_term = runner.invoke(app, ["--color", "always", "search", "alignment", "-n", "1"], env={"TERM": "dumb"})
    assert "\x1b]8" not in with_term.stdout


def test_an_untitled_counterpart_is_named_by_its_text(run, tmp_path):
    """A counterpart without a title (JSONL records often have none) was shown as its id twice
    ("訳 / translation: p0-ja  p0-ja"); its text's beginning says what it is."""
    rows = [
        {"id": "p0-ja", "doc": "p0", "lang": "ja", "text": "閃光法による訓練の研究。"},
        {"id": "p0-en", "doc": "p0", "lang": "en", "translation_of": "p0-ja", "text": "A study of training."},
    ]
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "p.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8"
    )
    assert run("index", str(tmp_path / "src"), "--index", str(tmp_path / "ix"), "-q").exit_code == 0
    out = run("search", "training", "--index", str(tmp_path / "ix"), "--lang", "en").stdout
    line = next(x for x in out.splitlines() if "translation:" in x)
    assert "p0-ja" in line and "閃光法による訓練の研究。" in line and line.count("p0-ja") == 1


def test_a_query_of_several_unquoted_words_is_those_words(run):
    """`searchkit search alignment faking` searches for both words, as the quoted query does
    (the shell splits what a user types; options may stand between or after the words)."""
    quoted = json.loads(run("search", "alignment faking", "--json").stdout)
    res = run("search", "alignment", "faking", "--json")
    assert res.exit_code == 0, res.stderr
    assert json.loads(res.stdout) == quoted
    res = run("search", "alignment", "-n", "3", "faking", "--json")
    assert json.loads(res.stdout)["query"] == "alignment faking"
    assert len(json.loads(res.stdout)["hits"]) == 3
    res = run("search", "--json", "--", "-sycophancy", "alignment")
    assert json.loads(res.stdout)["query"] == "-sycophancy alignment"
    res = run("search", "alignment", "--batch", "-", input="faking\n")
    assert res.exit_code == 2 and "either a QUERY or --batch" in res.stderr
