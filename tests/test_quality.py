"""Quality floors on small slices of real benchmark data (``pytest -m bench``; CI runs them).

The floors sit a little under what the slices measured when they were set (README, Benchmarks):
a change that costs ranking quality fails here before it lands.
"""

from __future__ import annotations

import json

import pytest

from searchkit import build_index, open_index
from searchkit.search.run import make_filters, run

from .conftest import DATA

pytestmark = pytest.mark.bench
SLICES = DATA / "slices"
# measured on the slices (2026-11-30: 0.851, 0.966, 0.992, 0.819) minus a margin for harmless changes;
# both engines must clear the same floors
FLOORS = {"scifact_ndcg10": 0.82, "jsquad_ndcg10": 0.94, "nlp_ja_mrr10": 0.97, "nlp_en_ja_mrr10": 0.78}


def _ndcg(runs, qrels, measure):
    import ir_measures

    q = [ir_measures.Qrel(qid, d, r) for qid, ds in qrels.items() for d, r in ds.items()]
    r = [ir_measures.ScoredDoc(qid, d, s) for qid, ds in runs.items() for d, s in ds]
    m = ir_measures.parse_measure(measure)
    return ir_measures.calc_aggregate([m], q, r)[m]


def _index(tmp_path, records, engine):
    path = tmp_path / "corpus.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    build_index([path], tmp_path / "ix", mine_pairs=False, engine=engine)
    return open_index(tmp_path / "ix")


def _beir_slice(name, tmp_path, lang, engine):
    rows = [json.loads(line) for line in (SLICES / f"{name}.jsonl").open(encoding="utf-8")]
    docs = [
        {"id": r["id"], "doc": r["id"], "title": r["title"], "text": r["text"], "lang": lang}
        for r in rows
        if r["type"] == "doc"
    ]
    queries = [r for r in rows if r["type"] == "query"]
    with _index(tmp_path, docs, engine) as ix:
        runs = {}
        for q in queries:
            res = run(ix, q["text"].replace('"', " ").replace("(", " ").replace(")", " "), make_filters(), limit=10)
            runs[q["id"]] = [(h.id, h.score) for h in res.hits]
    return _ndcg(runs, {q["id"]: q["qrels"] for q in queries}, "nDCG@10")


def test_scifact_slice(tmp_path, engine):
    assert _beir_slice("scifact", tmp_path, "en", engine) >= FLOORS["scifact_ndcg10"]


def test_jsquad_slice(tmp_path, engine):
    assert _beir_slice("jsquad", tmp_path, "ja", engine) >= FLOORS["jsquad_ndcg10"]


def test_nlp_journal_monolingual_and_cross_language(tmp_path, engine):
    papers = [json.loads(line) for line in (SLICES / "nlp-journal.jsonl").open(encoding="utf-8")]
    records = [
        {"id": f"{p['id']}-{lang}", "doc": f"{p['id']}-{lang}", "lang": lang, "text": p[f"abstract_{lang}"]}
        for p in papers
        for lang in ("ja", "en")
    ]
    with _index(tmp_path, records, engine) as ix:
        qrels = {p["id"]: {f"{p['id']}-ja": 1} for p in papers}
        mono, cross = {}, {}
        for p in papers:
            res = run(ix, p["title_ja"], make_filters(lang="ja"), limit=10)
            mono[p["id"]] = [(h.id, h.score) for h in res.hits]
            res = run(ix, p["title_en"], make_filters(lang="ja"), limit=10, translator=ix.translator())
            cross[p["id"]] = [(h.id, h.score) for h in res.hits]
    assert _ndcg(mono, qrels, "RR@10") >= FLOORS["nlp_ja_mrr10"]
    assert _ndcg(cross, qrels, "RR@10") >= FLOORS["nlp_en_ja_mrr10"]
