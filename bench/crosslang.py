"""Cross-language retrieval benchmark on NLP Journal (ja/en titles and abstracts).

    python -m bench.crosslang [--data DIR] [--papers N] [--half all|dev|test] [--engine whoosh|tantivy]

Every abstract is its own passage (ja and en separately). Queries are titles; the relevant
passage is the same paper's abstract in the target language (search restricted to that
language). EN->JA and JA->EN are run with and without translation, and with one source at a time
switched off; EN->EN and JA->JA are the monolingual references. Metrics: MRR@10, Recall@10.

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
from searchkit.search import make_filters
from searchkit.search import run as run_search

from .common import data_dir, evaluate, percentiles, save, table

MEASURES = ["RR@10", "R@10"]


def load(data: Path, limit: int | None, half: str = "all") -> list[dict]:
    """Complete papers; ``half`` = dev (even positions, used to choose settings), test (odd), all."""
    rows = [json.loads(line) for line in (data / "nlp-journal-ja-en" / "papers.jsonl").open(encoding="utf-8")]
    rows = [r for r in rows if r["has_all_four"]]
    rows = {"all": rows, "dev": rows[0::2], "test": rows[1::2]}[half]
    return rows[:limit] if limit else rows


def write_corpus(rows: list[dict], folder: Path) -> Path:
    path = folder / "nlp-journal.jsonl"
    with path.open("w", encoding="utf-8") as fh:
        for r in rows:
            for lang in ("ja", "en"):
                fh.write(json.dumps({"id": f"{r['id']}-{lang}", "doc": f"{r['id']}-{lang}", "lang": lang,
                                     "text": r[f"abstract_{lang}"]}, ensure_ascii=False) + "\n")
    return path


def run_direction(ix, rows, q_lang, d_lang, translate=True, sources=SOURCES):
    run, times = {}, []
    translator = None
    if translate:
        translator = ix.translator()
        translator.config = TranslatorConfig(sources=tuple(sources))
    for r in rows:
        q = r[f"title_{q_lang}"]
        t0 = time.perf_counter()
        res = run_search(ix, q.replace('"', " "), make_filters(lang=d_lang), limit=10, translator=translator)
        times.append((time.perf_counter() - t0) * 1000)
        run[r["id"]] = [(h.id, h.score) for h in res.hits]
    qrels = {r["id"]: {f"{r['id']}-{d_lang}": 1} for r in rows}
    return evaluate(run, qrels, MEASURES), percentiles(times)


def main() -> None:
    ap = argparse.ArgumentParser(description="cross-language retrieval benchmark (NLP Journal ja/en)")
    ap.add_argument("--data", help="folder holding nlp-journal-ja-en/ (default ../shared/data)")
    ap.add_argument("--papers", type=int, default=None, help="use only the first N complete papers")
    ap.add_argument("--half", choices=["all", "dev", "test"], default="all",
                    help="dev = even-indexed papers (settings were chosen on these), test = odd")
    ap.add_argument("--engine", default="whoosh", help="whoosh or tantivy (same analysis; latency differs)")
    args = ap.parse_args()
    rows = load(data_dir(args.data), args.papers, args.half)
    with tempfile.TemporaryDirectory() as tmp:
        corpus = write_corpus(rows, Path(tmp))
        t0 = time.perf_counter()
        build_index([corpus], Path(tmp) / "ix", mine_pairs=False, engine=args.engine)
        build_s = time.perf_counter() - t0
        with open_index(Path(tmp) / "ix") as ix:
            _ = ix.translator().sound  # build the transliteration index once, outside the timings
            configs = [
                ("EN->EN (reference)", "en", "en", False, SOURCES),
                ("JA->JA (reference)", "ja", "ja", False, SOURCES),
                ("EN->JA no translation", "en", "ja", False, SOURCES),
                ("EN->JA all sources", "en", "ja", True, SOURCES),
            ]
            configs += [(f"EN->JA without {s}", "en", "ja", True, tuple(x for x in SOURCES if x != s))
                        for s in ("unidic", "jmdict", "translit")]
            configs += [
                ("JA->EN no translation", "ja", "en", False, SOURCES),
                ("JA->EN all sources", "ja", "en", True, SOURCES),
            ]
            results = []
            for name, ql, dl, tr, sources in configs:
                metrics, lat = run_direction(ix, rows, ql, dl, tr, sources)
                results.append({"run": name, **metrics, **{f"ms_{k}": v for k, v in lat.items()}})
    print(f"NLP Journal ja/en ({args.half}): {len(rows)} papers, {2 * len(rows)} passages, index built in {build_s:.1f} s "
          f"(pair mining off: no leakage)")
    print(table(["run", "MRR@10", "R@10", "p50 ms", "p95 ms"],
                [[r["run"], r["RR@10"], r["R@10"], r["ms_p50"], r["ms_p95"]] for r in results]))
    print(f"results: {save('crosslang', {'papers': len(rows), 'build_s': build_s, 'runs': results})}")


if __name__ == "__main__":
    main()
