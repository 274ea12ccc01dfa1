"""Tune BM25 and field weights on a training split only (never the reported test split).

    python -m bench.tune [--data DIR] [--set scifact] [--grid small|phrase|full] [--engine whoosh|tantivy]

Builds one index, then re-runs the training queries under each setting (ranking is read when an
index is opened, so each setting opens it anew) through the public search API, limit 10, and
prints the settings sorted by nDCG@10.
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import tempfile
import time
from pathlib import Path

from searchkit.indexing.index import Index
from searchkit.ranking import DEFAULT

from .common import data_dir, evaluate, save, table
from .relevance import MEASURES, SETS, query_all, searchkit_run

GRIDS = {
    "small": {"k1": [0.9, 1.2], "b": [0.6, 0.75], "title": [0.1, 0.5], "phrase_boost": [0.5]},
    "phrase": {"k1": [1.2], "b": [0.6, 0.75], "title": [0.1], "phrase_boost": [0.0, 0.5, 1.0, 1.5]},
    "full": {
        "k1": [0.9, 1.2, 1.5],
        "b": [0.5, 0.6, 0.75, 0.9],
        "title": [0.0, 0.1, 0.3, 0.5, 1.0],
        "phrase_boost": [0.0, 0.5, 1.5],
    },
}


def main() -> None:
    ap = argparse.ArgumentParser(description="tune ranking on a training split")
    ap.add_argument("--data")
    ap.add_argument("--set", default="scifact")
    ap.add_argument("--grid", default="small", choices=sorted(GRIDS))
    ap.add_argument("--engine", default="whoosh", choices=["whoosh", "tantivy"])
    args = ap.parse_args()
    loader, train, _test, lang = SETS[args.set]
    docs, queries, qrels = loader(data_dir(args.data), train)
    grid = GRIDS[args.grid]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        searchkit_run(docs, {}, Path(tmp), lang, engine=args.engine)
        for k1, b, title, pb in itertools.product(grid["k1"], grid["b"], grid["title"], grid["phrase_boost"]):
            weights = {"body": 1.0, "title": title, "section": DEFAULT.field_weights.get("section", 0.2)}
            weights = {f: w for f, w in weights.items() if w > 0}
            ranking = dataclasses.replace(DEFAULT, k1=k1, b=b, field_weights=weights, phrase_boost=pb)
            t0 = time.perf_counter()
            with Index.open(Path(tmp) / f"ix-{args.engine}", ranking=ranking) as ix:
                run, _times = query_all(ix, queries, limit=10)
            m = evaluate(run, qrels, MEASURES)
            rows.append([k1, b, title, pb, m["nDCG@10"], m["RR@10"], time.perf_counter() - t0])
            print(rows[-1], flush=True)
    rows.sort(key=lambda r: -r[4])
    print(
        f"{args.set} {train}, {args.engine} (tantivy's BM25 k1/b are fixed at 1.2/0.75: those columns apply to Whoosh)"
    )
    print(table(["k1", "b", "title w", "phrase", "nDCG@10", "MRR@10", "s"], rows))
    save(f"tune-{args.set}-{args.engine}", {"split": train, "engine": args.engine, "rows": rows})


if __name__ == "__main__":
    main()
