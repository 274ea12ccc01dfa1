"""Ranked-search features: did-you-mean, more-like-this, per-hit explain."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from searchkit.cli import app


def test_did_you_mean_corrects_unknown_words(seed_index):
    res = seed_index.search("alignmnet faking")
    assert res.suggestion == "alignment faking"
    assert seed_index.search("sycophansy").suggestion == "sycophancy"


def test_no_suggestion_for_known_words_or_when_switched_off(seed_index):
    assert seed_index.search("alignment faking").suggestion is None
    assert seed_index.search("alignmnet", suggest=False).suggestion is None
    assert seed_index.search("zzqqxxyy").suggestion is None  # nothing close


def test_did_you_mean_katakana(seed_index):
    # ポイズニング is in the seed; a one-letter slip is corrected as a whole word
    assert seed_index.search("ポイズニンク").suggestion == "ポイズニング"


def test_similar_lists_both_languages(seed_index):
    hits = seed_index.similar("000_2db909a8ebb65741:27", limit=6)
    ids = [h.id for h in hits]
    assert "000_2db909a8ebb65741:27" not in ids
    assert hits[0].lang == "ja"  # its linked Japanese summary first
    assert any(h.lang == "en" for h in hits)


def test_explain_contributions_add_up(seed_index):
    res = seed_index.search("alignment faking", explain=True, translate=False, limit=3)
    for h in res.hits:
        parts = h.explain["contributions"]
        assert parts and abs(sum(p["score"] for p in parts) - h.score) < 0.01 * max(1.0, h.score)
        assert {p["field"] for p in parts} <= {"body", "title", "section", ""}


def test_cli_suggestion_and_similar(workdir):
    runner = CliRunner()
    res = runner.invoke(app, ["search", "sycophansy"])
    assert "did you mean: sycophancy" in res.stderr
    res = runner.invoke(app, ["search", "sycophansy", "--json"])
    assert json.loads(res.stdout)["suggestion"] == "sycophancy"
    res = runner.invoke(app, ["similar", "000_2db909a8ebb65741:27", "--json"])
    assert res.exit_code == 0 and json.loads(res.stdout)["total"] >= 3
    res = runner.invoke(app, ["similar", "nope:1"])
    assert res.exit_code == 2
