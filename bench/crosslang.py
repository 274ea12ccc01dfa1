"""Cross-language retrieval benchmark on NLP Journal (ja/en titles and abstracts).

    python -m bench.crosslang [--data DIR] [--engines whoosh,tantivy] [--papers N] [--semantic auto|on|off]

Every complete paper's two abstracts are passages of one index (ja and en separately, 499 papers
= 998 passages). Queries are titles; the relevant passage is the same paper's abstract in the
target language (search restricted to that language). Papers at even positions are the **dev**
half (settings were chosen on these), odd positions the **test** half (reported); both halves
query the same full index. Per engine: EN->JA and JA->EN with and without translation, EN->EN and
JA->JA as monolingual references, an ablation (each translation source switched off in turn, test
half), and the **mixed-index merge** measure: no language filter, a title in one language, MRR of
the same paper's abstract in the query's language ("own") and in the other ("other"), with the
fair merge across languages on and off.

Semantic rows (when the ``semantic`` extra is installed, or ``--semantic on``): a second index with
entry vectors; "semantic only" ranks by the vectors, "hybrid" is searchkit's default for an index
with vectors. The fusion table compares fusion methods and weights on both halves (the default was
chosen on dev) from the same candidates.

No leakage: the index is built with pair mining switched off (``mine_pairs=False``), no glossary
is used, and the dictionaries (JMdict, UniDic) ship with searchkit, built from their own sources:
nothing from this dataset's title/abstract pairs feeds any translation resource.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from searchkit import build_index, open_index
from searchkit.crosslang.translate import SOURCES, TranslatorConfig
from searchkit.search.run import make_filters
from searchkit.search.run import run as run_search

from .common import data_dir, evaluate, interval, percentiles, save, table

MEASURES = ["RR@10", "R@10"]


def load(data: Path, limit: int | None) -> list[dict]:
    """Complete papers, in file order (dev = even positions, test = odd)."""
    rows = [json.loads(line) for line in (data / "nlp-journal-ja-en" / "papers.jsonl").open(encoding="utf-8")]
    rows = [r for r in rows if r["has_all_four"]]
    return rows[:limit] if limit else rows


def halves(rows: list[dict]) -> dict[str, list[dict]]:
    return {"dev": rows[0::2], "test": rows[1::2]}


def write_corpus(rows: list[dict], folder: Path) -> Path:
    path = folder / "nlp-journal.jsonl"
    with path.open("w", encoding="utf-8") as fh:
        for r in rows:
            for lang in ("ja", "en"):
                fh.write(
                    json.dumps(
                        {
                            "id": f"{r['id']}-{lang}",
                            "doc": f"{r['id']}-{lang}",
                            "lang": lang,
                            "text": r[f"abstract_{lang}"],
                        },
                        ensure_ascii=False,
                    )
                    + "\n"
                )
    return path


def write_linked_corpus(rows: list[dict], folder: Path) -> Path:
    """The same passages, the dev half's two abstracts linked (one document, ``translation_of``):
    what a collection of summary pages gives the learned lexicon. The test half stays unlinked."""
    path = folder / "nlp-journal-linked.jsonl"
    dev = {r["id"] for r in halves(rows)["dev"]}
    with path.open("w", encoding="utf-8") as fh:
        for r in rows:
            linked = r["id"] in dev
            for lang in ("ja", "en"):
                rec = {
                    "id": f"{r['id']}-{lang}",
                    "doc": r["id"] if linked else f"{r['id']}-{lang}",
                    "lang": lang,
                    "text": r[f"abstract_{lang}"],
                }
                if linked and lang == "en":
                    rec["translation_of"] = f"{r['id']}-ja"
                fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    return path


def run_queries(
    ix,
    rows,
    q_lang: str,
    d_lang: str | None,
    translate=True,
    sources=SOURCES,
    merge=True,
    judge: str | None = None,
    count_source: str = "",
    overrides: dict | None = None,
):
    """Title queries in ``q_lang``; ``d_lang`` filters the results (None: both languages); the
    relevant passage is the abstract in ``judge`` (default ``d_lang``)."""
    run, times, counted = {}, [], 0
    translator = None
    if translate:
        translator = ix.translator()
        translator.config = TranslatorConfig(sources=tuple(sources), **(overrides or {}))
    judge = judge or d_lang
    for r in rows:
        q = r[f"title_{q_lang}"]
        t0 = time.perf_counter()
        res = run_search(
            ix,
            q.replace('"', " "),
            make_filters(lang=d_lang or ""),
            limit=10,
            translator=translator,
            merge=merge,
        )
        times.append((time.perf_counter() - t0) * 1000)
        run[r["id"]] = [(h.id, h.score) for h in res.hits]
        if count_source:  # counted outside the timing: an explained search costs more
            res = run_search(
                ix, q.replace('"', " "), make_filters(lang=d_lang or ""), limit=10, translator=translator, explain=True
            )
            counted += sum(t["source"] == count_source for u in res.explain["translations"] for t in u["translations"])
    qrels = {r["id"]: {f"{r['id']}-{judge}": 1} for r in rows}
    metrics = evaluate(run, qrels, MEASURES)
    metrics["RR@10_ci"] = interval(run, qrels, "RR@10")
    if count_source:
        metrics["per_query"] = counted / max(len(rows), 1)
    return metrics, percentiles(times)


def bench_engine(engine: str, rows: list[dict], tmp: Path) -> tuple[list[dict], float]:
    corpus = write_corpus(rows, tmp)
    t0 = time.perf_counter()
    build_index([corpus], tmp / f"ix-{engine}", mine_pairs=False, engine=engine)
    build_s = time.perf_counter() - t0
    results = []

    def add(name, half, metrics, lat, **extra):
        results.append(
            {"engine": engine, "half": half, "run": name, **metrics, **{f"ms_{k}": v for k, v in lat.items()}, **extra}
        )

    with open_index(tmp / f"ix-{engine}") as ix:
        _ = ix.translator().sound  # build the transliteration index once, outside the timings
        for half, part in halves(rows).items():
            for name, ql, dl, tr in (
                ("EN->EN (reference)", "en", "en", False),
                ("JA->JA (reference)", "ja", "ja", False),
                ("EN->JA no translation", "en", "ja", False),
                ("EN->JA", "en", "ja", True),
                ("JA->EN no translation", "ja", "en", False),
                ("JA->EN", "ja", "en", True),
            ):
                add(name, half, *run_queries(ix, part, ql, dl, tr))
            for ql, other in (("en", "ja"), ("ja", "en")):
                for merge in (False, True):
                    own, lat = run_queries(ix, part, ql, None, merge=merge, judge=ql)
                    oth, _ = run_queries(ix, part, ql, None, merge=merge, judge=other)
                    name = f"mixed {ql.upper()} query, merge {'on' if merge else 'off'}"
                    add(name, half, {k: oth[k] for k in ("RR@10", "RR@10_ci", "R@10")}, lat, own_rr=own["RR@10"])
        test = halves(rows)["test"]
        for source in SOURCES:
            if source in ("mined", "glossary", "learned"):
                continue  # off in this index anyway (no leakage, no glossary, no linked pairs); learned: below
            without = tuple(x for x in SOURCES if x != source)
            for ql, dl in (("en", "ja"), ("ja", "en")):
                add(
                    f"{ql.upper()}->{dl.upper()} without {source}",
                    "test",
                    *run_queries(ix, test, ql, dl, True, without),
                )
        for ql, dl in (("en", "ja"), ("ja", "en")):  # a translation's derivational relatives (summary: summarization)
            add(
                f"{ql.upper()}->{dl.upper()} without related forms",
                "test",
                *run_queries(ix, test, ql, dl, True, overrides={"related_factor": 0.0}),
            )
            add(  # a phrase translation missing from the index, searched by its most specific word
                f"{ql.upper()}->{dl.upper()} without phrase parts",
                "test",
                *run_queries(ix, test, ql, dl, True, overrides={"phrase_parts": False}),
            )
    # the learned lexicon: learnt from the dev half's linked abstracts, judged on the test half;
    # mined parenthetical glosses stay off (they would come from the test abstracts themselves)
    build_index([write_linked_corpus(rows, tmp)], tmp / f"ix-linked-{engine}", engine=engine)
    with open_index(tmp / f"ix-linked-{engine}") as ix:
        _ = ix.translator().sound
        test = halves(rows)["test"]
        base = tuple(x for x in SOURCES if x != "mined")
        for ql, dl in (("en", "ja"), ("ja", "en")):
            add(
                f"{ql.upper()}->{dl.upper()} + learned (dev pairs)",
                "test",
                *run_queries(ix, test, ql, dl, True, base, count_source="learned"),
            )
            add(
                f"{ql.upper()}->{dl.upper()} same index, learned off",
                "test",
                *run_queries(ix, test, ql, dl, True, tuple(x for x in base if x != "learned")),
            )
    # document translation: the same passages, each translated by the dictionaries at index time
    t0 = time.perf_counter()
    build_index([corpus], tmp / f"ix-doc-{engine}", mine_pairs=False, engine=engine, translate_documents=True)
    doc_build_s = time.perf_counter() - t0
    with open_index(tmp / f"ix-doc-{engine}") as ix:
        _ = ix.translator().sound
        for half, part in halves(rows).items():
            for ql, dl in (("en", "ja"), ("ja", "en")):
                add(f"{ql.upper()}->{dl.upper()} + document translation", half, *run_queries(ix, part, ql, dl, True))
            for ql, other in (("en", "ja"), ("ja", "en")):
                own, lat = run_queries(ix, part, ql, None, judge=ql)
                oth, _ = run_queries(ix, part, ql, None, judge=other)
                name = f"mixed {ql.upper()} query, merge on + document translation"
                add(name, half, {k: oth[k] for k in ("RR@10", "RR@10_ci", "R@10")}, lat, own_rr=own["RR@10"])
    # both: the learned lexicon of the dev half's linked pairs and document translations
    build_index(
        [write_linked_corpus(rows, tmp)], tmp / f"ix-linked-doc-{engine}", engine=engine, translate_documents=True
    )
    with open_index(tmp / f"ix-linked-doc-{engine}") as ix:
        _ = ix.translator().sound
        base = tuple(x for x in SOURCES if x != "mined")
        for ql, dl in (("en", "ja"), ("ja", "en")):
            name = f"{ql.upper()}->{dl.upper()} + learned + document translation"
            add(name, "test", *run_queries(ix, halves(rows)["test"], ql, dl, True, base))
    print(f"{engine}: index with document translations built in {doc_build_s:.1f} s (without: {build_s:.1f} s)")
    return results, build_s


FUSION_WEIGHTS = (0.4, 0.5, 0.6, 0.7, 0.8)


def bench_semantic(engine: str, rows: list[dict], tmp: Path) -> tuple[list[dict], list[list], float]:
    """Semantic-only and hybrid rows, and the fusion comparison (method x weight, both halves)."""
    from searchkit.semantic.hybrid import METHODS, combine

    corpus = write_corpus(rows, tmp)
    t0 = time.perf_counter()
    build_index([corpus], tmp / f"ix-sem-{engine}", mine_pairs=False, engine=engine, semantic=True)
    build_s = time.perf_counter() - t0
    results, sweep = [], {}
    with open_index(tmp / f"ix-sem-{engine}") as ix:
        _ = ix.translator().sound
        ix.search("warm up", semantic="on")
        for half, part in halves(rows).items():
            for ql, dl in (("en", "ja"), ("ja", "en"), ("en", "en"), ("ja", "ja")):
                for mode in ("only", "on"):
                    run, times, parts = {}, [], {}
                    for r in part:
                        t0 = time.perf_counter()
                        res = ix.search(
                            r[f"title_{ql}"].replace('"', " "),
                            lang=dl,
                            limit=10 if mode == "only" else 200,
                            semantic=mode,
                            counterparts=False,
                            suggest=False,
                        )
                        times.append((time.perf_counter() - t0) * 1000)
                        run[r["id"]] = [(h.id, h.score) for h in res.hits[:10]]
                        parts[r["id"]] = {h.id: h.score_parts for h in res.hits}
                    qrels = {r["id"]: {f"{r['id']}-{dl}": 1} for r in part}
                    name = f"{ql.upper()}->{dl.upper()} {'semantic only' if mode == 'only' else 'hybrid'}"
                    results.append(
                        {
                            "engine": engine,
                            "half": half,
                            "run": name,
                            **evaluate(run, qrels, MEASURES),
                            **{f"ms_{k}": v for k, v in percentiles(times).items()},
                        }
                    )
                    if mode == "on":
                        for method in METHODS:
                            for w in FUSION_WEIGHTS:
                                fused = {}
                                for qid, ps in parts.items():
                                    lex = {d: p["lexical"] for d, p in ps.items() if p["lexical"] > 0}
                                    sc = combine(lex, {d: p["semantic"] for d, p in ps.items()}, w, method)
                                    fused[qid] = sorted(sc.items(), key=lambda kv: (-kv[1], kv[0]))[:10]
                                key = (f"{ql.upper()}->{dl.upper()}", method, w)
                                sweep.setdefault(key, {})[half] = evaluate(fused, qrels, ["RR@10"])["RR@10"]
    table_rows = [[k[0], k[1], k[2], v.get("dev", ""), v.get("test", "")] for k, v in sweep.items()]
    return results, table_rows, build_s


def _cell(r: dict | None, k: str):
    return r[k] if r else ""


def main() -> None:
    ap = argparse.ArgumentParser(description="cross-language retrieval benchmark (NLP Journal ja/en)")
    ap.add_argument("--data", help="folder holding nlp-journal-ja-en/ (default ../shared/data)")
    ap.add_argument("--papers", type=int, default=None, help="use only the first N complete papers")
    ap.add_argument("--engines", default="whoosh,tantivy", help="comma-separated: whoosh, tantivy")
    ap.add_argument(
        "--semantic",
        choices=("auto", "on", "off"),
        default="auto",
        help="semantic rows (auto: if the extra is installed)",
    )
    ap.add_argument("--only-semantic", action="store_true", help="skip the lexical rows")
    args = ap.parse_args()
    rows = load(data_dir(args.data), args.papers)
    semantic = args.semantic == "on" or (args.semantic == "auto" and _has_semantic())
    everything = {}
    for engine in args.engines.split(","):
        results, build_s, sweep, sem_build_s = [], 0.0, [], None
        with tempfile.TemporaryDirectory() as tmp:
            if not args.only_semantic:
                results, build_s = bench_engine(engine, rows, Path(tmp))
            if semantic:
                sem, sweep, sem_build_s = bench_semantic(engine, rows, Path(tmp))
                results += sem
        everything[engine] = {"build_s": build_s, "semantic_build_s": sem_build_s, "runs": results, "fusion": sweep}
        print(
            f"\nNLP Journal ja/en, {engine}: {len(rows)} papers ({len(rows[0::2])} dev / {len(rows[1::2])} test "
            f"queries), {2 * len(rows)} passages, index built in {build_s:.1f} s (pair mining off: no leakage)"
        )
        by_run: dict[str, dict] = {}
        for r in results:
            by_run.setdefault(r["run"], {})[r["half"]] = r
        table_rows = []
        for name, got in by_run.items():
            dev, test = got.get("dev"), got.get("test")
            table_rows.append(
                [
                    name,
                    _cell(dev, "RR@10"),
                    _cell(test, "RR@10"),
                    "{:.3f}–{:.3f}".format(*test["RR@10_ci"]) if test and "RR@10_ci" in test else "",
                    _cell(test, "R@10"),
                    _cell(dev, "own_rr") if dev and "own_rr" in dev else "",
                    _cell(test, "own_rr") if test and "own_rr" in test else "",
                    test["ms_p50"] if test else "",
                    test["ms_p95"] if test else "",
                    round(test["per_query"], 2) if test and "per_query" in test else "",
                ]
            )
        print(
            table(
                [
                    "run",
                    "dev MRR@10",
                    "test MRR@10",
                    "test 95% interval",
                    "test R@10",
                    "dev own",
                    "test own",
                    "p50 ms",
                    "p95 ms",
                    "learned/query",
                ],
                table_rows,
            )
        )
        if sweep:
            print(f"\nfusion of BM25 and cosine, {engine} (index with vectors built in {sem_build_s:.1f} s); MRR@10")
            print(table(["direction", "method", "lexical weight", "dev", "test"], sweep))
    if not semantic:
        print("semantic rows: not run (install the extra: pip install -e '.[semantic]')")
    print(
        "95% interval: bootstrap over the test queries (how far a mean of this many queries moves by chance); "
        "mixed rows: MRR@10 of the other-language abstract; 'own': MRR@10 of the query language's abstract; "
        "learned rows: a second index whose dev-half abstracts are linked pairs (learned/query: learned "
        "translations added per query)"
    )
    print(f"results: {save('crosslang', {'papers': len(rows), 'engines': everything})}")


def _has_semantic() -> bool:
    from searchkit.semantic.model import Embedder, SemanticUnavailable

    try:
        Embedder()
    except SemanticUnavailable:
        return False
    return True


if __name__ == "__main__":
    main()
