"""Shared benchmark plumbing: where the data is, metrics (ir-measures), tables, JSON results."""

from __future__ import annotations

import json
import os
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = ROOT.parent / "shared" / "data"
RESULTS = ROOT / "bench" / "results"


def data_dir(arg: str | None) -> Path:
    path = Path(arg or os.environ.get("SEARCHKIT_BENCH_DATA") or DEFAULT_DATA)
    if not path.is_dir():
        sys.exit(
            f"benchmark data not found at {path}: pass --data DIR (the folder holding scifact/, "
            f"nlp-journal-ja-en/, ...) or set SEARCHKIT_BENCH_DATA"
        )
    return path


def evaluate(run: dict[str, list[tuple[str, float]]], qrels: dict[str, dict[str, int]], measures: list[str]) -> dict:
    """Mean of each measure over the queries in ``qrels`` (ir-measures, trec_eval semantics).

    Each run list is judged in the order given: trec_eval re-sorts by score and breaks equal
    scores by document id, which is not the order searchkit returned (its ties go by id
    ascending, and a merged list's ties to the query language), so scores are replaced by
    strictly decreasing ranks."""
    import ir_measures

    parsed = [ir_measures.parse_measure(m) for m in measures]
    agg = ir_measures.calc_aggregate(parsed, *_judged(run, qrels))
    return {m: agg[p] for m, p in zip(measures, parsed)}


def _judged(run: dict[str, list[tuple[str, float]]], qrels: dict[str, dict[str, int]]) -> tuple[list, list]:
    """ir-measures' judgements and run, each run list in the order given (see evaluate)."""
    import ir_measures

    q = [ir_measures.Qrel(qid, did, rel) for qid, docs in qrels.items() for did, rel in docs.items()]
    r = [
        ir_measures.ScoredDoc(qid, did, float(len(docs) - i))
        for qid, docs in run.items()
        for i, (did, _score) in enumerate(docs)
    ]
    return q, r


def interval(run: dict[str, list[tuple[str, float]]], qrels: dict[str, dict[str, int]], measure: str) -> tuple:
    """A 95% percentile-bootstrap interval of ``measure``'s mean over the queries (2,000
    resamples, fixed seed): how far the mean of this many queries could move by chance."""
    import random

    import ir_measures

    parsed = ir_measures.parse_measure(measure)
    got = {m.query_id: m.value for m in ir_measures.iter_calc([parsed], *_judged(run, qrels))}
    values = [got.get(qid, 0.0) for qid in qrels]
    rng = random.Random(0)
    means = sorted(sum(rng.choices(values, k=len(values))) / len(values) for _ in range(2000))
    return means[49], means[1949]


def percentiles(ms: list[float]) -> dict[str, float]:
    if not ms:
        return {"p50": 0.0, "p95": 0.0, "p99": 0.0}
    qs = statistics.quantiles(ms, n=100, method="inclusive") if len(ms) > 1 else [ms[0]] * 99
    return {"p50": statistics.median(ms), "p95": qs[94], "p99": qs[98]}


def table(headers: list[str], rows: list[list]) -> str:
    cells = [[_fmt(c) for c in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(headers)]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths))
    out = [line, "  ".join("-" * w for w in widths)]
    out += ["  ".join(c.ljust(w) for c, w in zip(r, widths)) for r in cells]
    return "\n".join(out)


def _fmt(c) -> str:
    if isinstance(c, float):
        return f"{c:.3f}" if abs(c) < 100 else f"{c:.0f}"
    return str(c)


def save(name: str, payload: dict) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(payload, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path
