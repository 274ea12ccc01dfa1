"""Tune BM25 and field weights on a training split only (never the reported test split).

    python -m bench.tune [--data DIR] [--set scifact] [--grid small|full]

Builds one index, then re-runs the training queries under each setting (ranking is read at query
time) with limit 10 and without highlighting, and prints the settings sorted by nDCG@10.
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import tempfile
import time
from pathlib import Path

from searchkit import open_index
from searchkit.query import QueryCompiler
from searchkit.ranking import DEFAULT

from .common import data_dir, evaluate, save, table
from .relevance import MEASURES, SETS, searchkit_run

GRIDS = {
    "small": {"k1": [0.9, 1.2], "b": [0.6, 0.75], "title": [0.1, 0.5], "phrase_boost": [1.5]},
    "phrase": {"k1": [1.2], "b": [0.6], "title": [0.1], "phrase_boost": [0.0, 0.5, 3.0]},
    "full": {"k1": [0.9, 1.2, 1.5], "b": [0.5, 0.6, 0.75, 0.9], "title": [0.0, 0.1, 0.3, 0.5, 1.0],
             "phrase_boost": [0.0, 0.5, 1.5]},
}


def run_setting(ix, queries, ranking) -> dict:
    ix.ranking = ranking
    ix.engine._ranking = ranking
    ix.engine._searcher = None  # new weighting
    compiler = QueryCompiler(ix.analyzer, ranking)
    run = {}
    for qid, text in queries.items():
        tree = compiler.compile(text.replace('"', " ").replace("(", " ").replace(")", " ")).tree
        page = ix.engine.search(tree, [], limit=10)
        run[qid] = [(h.record["id"], h.score) for h in page.hits]
    return run


def main() -> None:
    ap = argparse.ArgumentParser(description="tune ranking on a training split")
    ap.add_argument("--data")
    ap.add_argument("--set", default="scifact")
    ap.add_argument("--grid", default="small", choices=sorted(GRIDS))
    args = ap.parse_args()
    loader, train, _test, lang = SETS[args.set]
    docs, queries, qrels = loader(data_dir(args.data), train)
    grid = GRIDS[args.grid]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        searchkit_run(docs, {}, Path(tmp), lang)
        with open_index(Path(tmp) / "ix") as ix:
            for k1, b, title, pb in itertools.product(grid["k1"], grid["b"], grid["title"], grid["phrase_boost"]):
                weights = {"body": 1.0, "title": title, "section": DEFAULT.field_weights.get("section", 0.2)}
                weights = {f: w for f, w in weights.items() if w > 0}
                ranking = dataclasses.replace(DEFAULT, k1=k1, b=b, field_weights=weights, phrase_boost=pb)
                t0 = time.perf_counter()
                m = evaluate(run_setting(ix, queries, ranking), qrels, MEASURES)
                rows.append([k1, b, title, pb, m["nDCG@10"], m["RR@10"], time.perf_counter() - t0])
                print(rows[-1], flush=True)
    rows.sort(key=lambda r: -r[4])
    print(table(["k1", "b", "title w", "phrase", "nDCG@10", "MRR@10", "s"], rows))
    save(f"tune-{args.set}", {"split": train, "rows": rows})


if __name__ == "__main__":
    main()
