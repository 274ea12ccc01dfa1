"""Cut the small, deterministic data slices that the quality tests (``pytest -m bench``) use,
so that CI needs no ``../shared``. Run once; the output is committed under tests/data/slices/.

    python -m bench.make_slices [--data DIR]
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

from .common import ROOT, data_dir
from .relevance import beir

OUT = ROOT / "tests" / "data" / "slices"


def _write(name: str, docs: list[dict], queries: dict, qrels: dict) -> None:
    with (OUT / f"{name}.jsonl").open("w", encoding="utf-8") as fh:
        for d in docs:
            fh.write(json.dumps({"type": "doc", **d}, ensure_ascii=False) + "\n")
        for qid, text in queries.items():
            fh.write(
                json.dumps({"type": "query", "id": qid, "text": text, "qrels": qrels[qid]}, ensure_ascii=False) + "\n"
            )


def beir_slice(folder: Path, split: str, n_queries: int, n_distractors: int, seed: int):
    docs, queries, qrels = beir(folder, split)
    rng = random.Random(seed)
    qids = sorted(queries)
    rng.shuffle(qids)
    qids = qids[:n_queries]
    wanted = {d for q in qids for d in qrels[q]}
    by_id = {d["id"]: d for d in docs}
    others = sorted(set(by_id) - wanted)
    rng.shuffle(others)
    keep = sorted(wanted | set(others[:n_distractors]))
    return [by_id[i] for i in keep], {q: queries[q] for q in qids}, {q: qrels[q] for q in qids}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data")
    data = data_dir(ap.parse_args().data)
    OUT.mkdir(parents=True, exist_ok=True)
    _write("scifact", *beir_slice(data / "scifact", "test", 80, 220, 7))
    _write("jsquad", *beir_slice(data / "jsquad-retrieval-ja", "test", 120, 200, 7))
    rows = [json.loads(line) for line in (data / "nlp-journal-ja-en" / "papers.jsonl").open(encoding="utf-8")]
    rows = [r for r in rows if r["has_all_four"]]
    random.Random(7).shuffle(rows)
    rows = sorted(rows[:120], key=lambda r: r["id"])
    with (OUT / "nlp-journal.jsonl").open("w", encoding="utf-8") as fh:
        for r in rows:
            fh.write(
                json.dumps(
                    {k: r[k] for k in ("id", "title_ja", "title_en", "abstract_ja", "abstract_en")}, ensure_ascii=False
                )
                + "\n"
            )
    for p in sorted(OUT.glob("*.jsonl")):
        print(f"{p}: {p.stat().st_size / 1e3:.0f} kB")


if __name__ == "__main__":
    main()
