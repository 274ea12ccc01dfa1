"""Ranking quality, side by side with a reference BM25 engine on the same documents and queries.

    python -m bench.relevance [--data DIR] [--sets scifact,jsquad,nlp] [--split test] [--engines whoosh,tantivy]
                              [--semantic auto|on|off]

Datasets (../shared/data, see each SOURCE.md):
- scifact: BEIR SciFact, English scientific abstracts; tune on ``train``, report ``test``.
- jsquad: JSQuAD questions -> Wikipedia paragraphs (Japanese); tune on ``dev``, report ``test``.
- nlp: NLP Journal, Japanese title -> Japanese abstract (499 papers).
Reference: bm25s (Lucene BM25, k1=1.2, b=0.75) with its own English tokenizer + Snowball stemmer,
and character bigrams for Japanese. Metrics from ir-measures: nDCG@10, MRR@10 (RR@10), R@100.
With the ``semantic`` extra installed (or ``--semantic on``) the index also holds vectors, and each
engine gets a "semantic only" and a "hybrid" row beside its lexical one (same index).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from searchkit import build_index
from searchkit.indexing.index import Index
from searchkit.ranking import DEFAULT
from searchkit.search.run import make_filters
from searchkit.search.run import run as run_search

from .common import data_dir, evaluate, percentiles, save, table

MEASURES = ["nDCG@10", "RR@10", "R@100"]


# -- datasets: (docs [{id,title,text}], queries {qid: text}, qrels {qid: {docid: rel}}) --
def _qrels(path: Path) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for i, line in enumerate(path.open(encoding="utf-8")):
        if i == 0 and line.startswith("query"):
            continue
        q, d, r = line.rstrip("\n").split("\t")
        out.setdefault(q, {})[d] = int(r)
    return out


def beir(folder: Path, split: str):
    docs = [json.loads(line) for line in (folder / "corpus.jsonl").open(encoding="utf-8")]
    docs = [{"id": d["_id"], "title": d.get("title", ""), "text": d.get("text", "")} for d in docs]
    queries = {q["_id"]: q["text"] for q in map(json.loads, (folder / "queries.jsonl").open(encoding="utf-8"))}
    qrels = _qrels(folder / "qrels" / f"{split}.tsv")
    return docs, {q: queries[q] for q in qrels}, qrels


def nlp_journal(folder: Path, split: str):
    rows = [json.loads(line) for line in (folder / "papers.jsonl").open(encoding="utf-8")]
    rows = [r for r in rows if r["title_ja"] and r["abstract_ja"]]
    docs = [{"id": r["id"], "title": "", "text": r["abstract_ja"]} for r in rows]
    return docs, {r["id"]: r["title_ja"] for r in rows}, {r["id"]: {r["id"]: 1} for r in rows}


SETS = {
    "scifact": (lambda d, s: beir(d / "scifact", s), "train", "test", "en"),
    "jsquad": (lambda d, s: beir(d / "jsquad-retrieval-ja", s), "dev", "test", "ja"),
    "nlp": (lambda d, s: nlp_journal(d / "nlp-journal-ja-en", s), "all", "all", "ja"),
}
PUBLISHED = {
    "scifact": "BM25: BEIR 0.665, Anserini 0.679, best bm25s variant 0.690",
    "jsquad": "char-bigram BM25 ~0.94",
    "nlp": "BM25 ~0.95",
}


# -- searchkit through its public API --
def searchkit_run(docs, queries, folder: Path, lang: str, ranking=None, engine: str = "whoosh", semantic=False):
    corpus = folder / "corpus.jsonl"
    with corpus.open("w", encoding="utf-8") as fh:
        for d in docs:
            fh.write(
                json.dumps(
                    {"id": d["id"], "doc": d["id"], "title": d["title"], "text": d["text"], "lang": lang},
                    ensure_ascii=False,
                )
                + "\n"
            )
    t0 = time.perf_counter()
    build_index([corpus], folder / f"ix-{engine}", mine_pairs=False, engine=engine, semantic=semantic)
    build_s = time.perf_counter() - t0
    with Index.open(folder / f"ix-{engine}", ranking=ranking or DEFAULT) as ix:
        runs = {"": query_all(ix, queries)}
        if semantic:
            runs[" semantic only"] = query_all(ix, queries, mode="only")
            runs[" hybrid"] = query_all(ix, queries, mode="on")
        return build_s, runs


def query_all(ix, queries, limit: int = 100, mode: str = "off"):
    """Lexical through search.run (no counterparts or suggestions to time), else Index.search."""
    run, times = {}, []
    filters = make_filters()
    for qid, text in queries.items():
        text = text.replace('"', " ").replace("(", " ").replace(")", " ")
        t0 = time.perf_counter()
        if mode == "off":
            res = run_search(ix, text, filters, limit=limit)
        else:
            res = ix.search(text, limit=limit, semantic=mode, counterparts=False, suggest=False)
        times.append((time.perf_counter() - t0) * 1000)
        run[qid] = [(h.id, h.score) for h in res.hits]
    return run, times


# -- reference: bm25s --
def _bigrams(text: str) -> str:
    import unicodedata

    t = unicodedata.normalize("NFKC", text).lower()
    chars = [c for c in t if c.isalnum()]
    return " ".join(a + b for a, b in zip(chars, chars[1:])) or t


def bm25s_run(docs, queries, lang: str):
    import bm25s
    import Stemmer

    texts = [f"{d['title']} {d['text']}" for d in docs]
    qids, qtexts = list(queries), list(queries.values())
    t0 = time.perf_counter()
    if lang == "en":
        stem = Stemmer.Stemmer("english")
        ctoks = bm25s.tokenize(texts, stopwords="en", stemmer=stem, show_progress=False)
    else:
        ctoks = bm25s.tokenize([_bigrams(t) for t in texts], token_pattern=r"\S+", stopwords=None, show_progress=False)
    model = bm25s.BM25(k1=1.2, b=0.75, method="lucene")
    model.index(ctoks, show_progress=False)
    build_s = time.perf_counter() - t0
    run, times = {}, []
    for qid, q in zip(qids, qtexts):
        t1 = time.perf_counter()
        if lang == "en":
            qt = bm25s.tokenize([q], stopwords="en", stemmer=stem, show_progress=False, return_ids=False)
        else:
            qt = bm25s.tokenize(
                [_bigrams(q)], token_pattern=r"\S+", stopwords=None, show_progress=False, return_ids=False
            )
        qt = [[t for t in qt[0] if t in model.vocab_dict]] if hasattr(model, "vocab_dict") else qt
        if not qt[0]:
            run[qid] = []
            times.append((time.perf_counter() - t1) * 1000)
            continue
        res, scores = model.retrieve(qt, k=min(100, len(docs)), show_progress=False)
        times.append((time.perf_counter() - t1) * 1000)
        run[qid] = [(docs[i]["id"], float(s)) for i, s in zip(res[0], scores[0])]
    return build_s, run, times


def main() -> None:
    ap = argparse.ArgumentParser(description="ranking quality benchmark (searchkit vs bm25s)")
    ap.add_argument("--data", help="folder holding the datasets (default ../shared/data)")
    ap.add_argument("--sets", default="scifact,jsquad,nlp")
    ap.add_argument("--split", choices=["test", "train"], default="test", help="report split (train = tuning split)")
    ap.add_argument("--max-queries", type=int, default=0, help="use only the first N queries (quick runs)")
    ap.add_argument("--engines", default="whoosh,tantivy", help="searchkit engines to run (comma-separated)")
    ap.add_argument(
        "--semantic",
        choices=("auto", "on", "off"),
        default="auto",
        help="semantic rows (auto: if the extra is installed)",
    )
    args = ap.parse_args()
    from .crosslang import _has_semantic

    semantic = args.semantic == "on" or (args.semantic == "auto" and _has_semantic())
    data = data_dir(args.data)
    rows, payload = [], {}
    for name in args.sets.split(","):
        loader, train, test, lang = SETS[name]
        split = test if args.split == "test" else train
        docs, queries, qrels = loader(data, split)
        if args.max_queries:
            queries = dict(list(queries.items())[: args.max_queries])
            qrels = {q: qrels[q] for q in queries}
        results = []
        for engine in args.engines.split(","):
            with tempfile.TemporaryDirectory() as tmp:
                build_s, runs = searchkit_run(docs, queries, Path(tmp), lang, engine=engine, semantic=semantic)
                results += [(f"searchkit {engine}{suffix}", build_s, *r) for suffix, r in runs.items()]
        results.append(("bm25s (lucene)", *bm25s_run(docs, queries, lang)))
        for engine, build_s, run, times in results:
            m = evaluate(run, qrels, MEASURES)
            lat = percentiles(times)
            rows.append([f"{name}/{split}", engine, m["nDCG@10"], m["RR@10"], m["R@100"], lat["p50"], build_s])
            payload[f"{name}/{split}/{engine}"] = {
                **m,
                **lat,
                "build_s": build_s,
                "queries": len(queries),
                "docs": len(docs),
            }
    print(table(["set", "engine", "nDCG@10", "MRR@10", "R@100", "p50 ms", "index s"], rows))
    for name in args.sets.split(","):
        print(f"published {name}: {PUBLISHED[name]}")
    print(f"results: {save('relevance-' + args.split, payload)}")


if __name__ == "__main__":
    main()
