"""Scale benchmark: how indexing and query cost grow from 10k to 1M passages.

    python -m bench.scale [--data DIR] [--sizes 10000,100000,1000000] [--engines tantivy,whoosh]
                          [--whoosh-max 100000] [--work DIR] [--runs 3] [--plot docs/scale.png]
    python -m bench.scale --replot [--plot docs/scale.png]    # redraw from bench/results/scale.json

Collections (built once per size under --work, default a folder in the system temp dir, and
reused): files of 500 JSONL entries in the seed's mix (≈43% Japanese, paper entries beside
passages). English: each arXiv AI abstract gives a paper entry (title, date, category, first
sentences) and passages of two or three sentences; the NLP Journal's 499 paired abstracts
(Japanese with their English originals, ``translation_of``) come once. Japanese: JSQuAD
paragraphs and NLP Journal abstracts split the same way. When a language's real passages run
out (English after ≈300k, Japanese after ≈6k), further passages are random groups of two or three
of that language's sentences (seeded, so every run builds the same text): new passages over the
same vocabulary, so postings grow with the collection while the term list saturates, as it
does in a real collection of one field.

Per engine (Whoosh up to --whoosh-max entries: beyond it a build takes hours) and size: index
time, entries/s, peak memory (PSS of the indexing process and all its workers), index size,
warm in-process query p50/p95/p99 by kind (limit 10, highlights on), cold ``searchkit search``,
and the time to add, change and remove one 500-entry file (``Index.update([file])`` /
``Index.remove([file])`` on the full index), plus a rescan of the whole folder with nothing
changed. ``--plot`` draws cost against size, log-log, with the linear line for reference
(needs matplotlib: the ``bench`` extra).
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import re
import sys
import tempfile
import time
from pathlib import Path

from .common import RESULTS, data_dir, save, table
from .speed import QUERIES, build_in_child, cold_cli, du, kind_latency

PER_FILE = 500
JA_SHARE = 0.43  # the seed page: 13 of 30 entries are Japanese
KINDS = {
    **QUERIES,
    "did-you-mean": ["transfromer", "segmentaton", "halucination detection", "reinforcment learning", "difusion"],
}
_EN_SENT = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")
_JA_SENT = re.compile(r"(?<=[。．.])")


def _groups(sentences: list[str], rng: random.Random) -> list[str]:
    out, i = [], 0
    while i < len(sentences):
        k = rng.choice((2, 3))
        out.append(" ".join(sentences[i : i + k]) if sentences[i].isascii() else "".join(sentences[i : i + k]))
        i += k
    return out


def _english(data: Path, rng: random.Random):
    """Real English entries in corpus order, then the sentence pool for recombined ones."""
    pool: list[tuple[str, str, str, str]] = []  # (sentence, title, date, category)
    entries = []
    with gzip.open(data / "arxiv-ai-abstracts" / "arxiv_ai_abstracts.jsonl.gz", "rt", encoding="utf-8") as fh:
        for line in fh:
            r = json.loads(line)
            title, date, cat = " ".join(r["title"].split()), r["listing_date"], r["categories"][0]
            sents = [s for s in _EN_SENT.split(" ".join(r["abstract"].split())) if s]
            pool.extend((s, title, date, cat) for s in sents)
            groups = _groups(sents, rng)
            base = {"doc": r["id"], "title": title, "date": date, "category": cat, "lang": "en"}
            for j, text in enumerate(groups):
                entries.append({**base, "id": f"{r['id']}-{j}", "kind": "paper" if j == 0 else "passage", "text": text})
    return entries, pool


def _japanese(data: Path, rng: random.Random):
    pool: list[tuple[str, str]] = []
    entries, pairs = [], []
    texts = []
    for r in map(json.loads, (data / "nlp-journal-ja-en" / "papers.jsonl").open(encoding="utf-8")):
        if r["abstract_ja"] and r["abstract_en"]:
            texts.append((f"nlp{r['id']}", r["title_ja"], r["abstract_ja"]))
            pairs.append(
                {
                    "id": f"nlp{r['id']}-en",
                    "doc": f"nlp{r['id']}",
                    "title": r["title_en"],
                    "text": r["abstract_en"],
                    "lang": "en",
                    "translation_of": f"nlp{r['id']}-0",
                    "date": f"{r['year']}-01-01",
                }
            )
    for r in map(json.loads, (data / "jsquad-retrieval-ja" / "corpus.jsonl").open(encoding="utf-8")):
        texts.append((r["_id"], r["title"], r["text"]))
    for n, (doc, title, text) in enumerate(texts):
        sents = [s for s in _JA_SENT.split(text) if s.strip()]
        pool.extend((s, title) for s in sents)
        date = f"{2019 + n % 7}-{1 + n % 12:02d}-{1 + n % 28:02d}"
        for j, group in enumerate(_groups(sents, rng)):
            entries.append({"id": f"{doc}-{j}", "doc": doc, "title": title, "text": group, "lang": "ja", "date": date})
    return entries, pool, pairs


def collection(data: Path, n: int):
    """``n`` entries in the seed's language mix (module docstring), as a generator."""
    rng = random.Random(20261205)
    en, en_pool = _english(data, rng)
    ja, ja_pool, pairs = _japanese(data, rng)
    n_ja = round(n * JA_SHARE)
    n_en = n - n_ja
    pairs = pairs[: max(0, min(len(pairs), n_en // 10))]
    made = {"en": 0, "ja": 0}

    def english():
        yield from pairs
        yield from en
        for i in range(10**9):
            k = rng.choice((2, 3))
            picked = [en_pool[rng.randrange(len(en_pool))] for _ in range(k)]
            _, title, date, cat = picked[0]
            text = " ".join(s for s, *_ in picked)
            yield {"id": f"en-mix{i}", "title": title, "text": text, "date": date, "category": cat, "lang": "en"}

    def japanese():
        yield from ja
        for i in range(10**9):
            k = rng.choice((2, 3))
            picked = [ja_pool[rng.randrange(len(ja_pool))] for _ in range(k)]
            date = f"{2019 + i % 7}-{1 + i % 12:02d}-{1 + i % 28:02d}"
            text = "".join(s for s, _ in picked)
            yield {"id": f"ja-mix{i}", "title": picked[0][1], "text": text, "lang": "ja", "date": date}

    streams = {"en": english(), "ja": japanese()}
    quota = {"en": n_en, "ja": n_ja}
    total = 0
    while total < n:
        # interleave so every file has both languages in the overall proportion
        lang = "ja" if made["ja"] * n_en < made["en"] * n_ja and made["ja"] < quota["ja"] else "en"
        if made[lang] >= quota[lang]:
            lang = "ja" if lang == "en" else "en"
        made[lang] += 1
        total += 1
        yield next(streams[lang])


def build_collection(data: Path, n: int, work: Path) -> Path:
    """The collection of ``n`` entries as JSONL files under ``work`` (reused when complete)."""
    folder = work / f"scale-{n}"
    done = folder / "COMPLETE"
    corpus = folder / "corpus"
    if done.exists():
        return corpus
    corpus.mkdir(parents=True, exist_ok=True)
    for old in corpus.glob("*.jsonl"):
        old.unlink()
    fh, count = None, 0
    for rec in collection(data, n):
        if count % PER_FILE == 0:
            if fh:
                fh.close()
            fh = (corpus / f"part{count // PER_FILE:05d}.jsonl").open("w", encoding="utf-8")
        fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
        count += 1
    if fh:
        fh.close()
    done.write_text(f"{count}\n")
    return corpus


def extra_file(data: Path, path: Path, changed: bool = False) -> None:
    """A 500-entry file not in any collection (ids of its own), optionally with changed text."""
    rng = random.Random(7)
    _, pool = _english(data, rng)
    with path.open("w", encoding="utf-8") as fh:
        for i in range(PER_FILE):
            picked = [pool[rng.randrange(len(pool))] for _ in range(3)]
            text = " ".join(s for s, *_ in picked) + (" Revised." if changed else "")
            rec = {"id": f"extra{i}", "title": picked[0][1], "text": text, "date": picked[0][2], "lang": "en"}
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")


def latency(ix_dir: Path, runs: int) -> dict:
    """Warm in-process latency per query kind, after one untimed round (``kind_latency``)."""
    from searchkit import open_index

    with open_index(ix_dir) as ix:
        return kind_latency(ix, KINDS, runs, warm_round=True)


def one_file(data: Path, ix_dir: Path, tmp: Path) -> dict:
    """Seconds to add, change and remove one 500-entry file in the index, and to rescan the
    collection's folder with nothing changed."""
    from searchkit import open_index

    extra = tmp / "extra" / "extra.jsonl"
    extra.parent.mkdir(exist_ok=True)
    extra_file(data, extra)
    out = {}
    with open_index(ix_dir) as ix:
        t0 = time.perf_counter()
        ix.update([extra])
        out["add"] = time.perf_counter() - t0
        extra_file(data, extra, changed=True)
        t0 = time.perf_counter()
        ix.update([extra])
        out["change"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        ix.remove([extra])
        out["remove"] = time.perf_counter() - t0
    return out


def rescan(corpus: Path, ix_dir: Path) -> float:
    from searchkit import open_index

    with open_index(ix_dir) as ix:
        t0 = time.perf_counter()
        report = ix.update([corpus])
        took = time.perf_counter() - t0
    if report.added or report.updated or report.removed:
        sys.exit(f"bench.scale: a rescan with nothing changed changed the index: {report.summary()}")
    return took


def plot(results: dict, out: Path) -> None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("bench.scale: --plot needs matplotlib (pip install -e '.[bench]')", file=sys.stderr)
        return
    panels = [
        ("index time (s)", lambda r: r["index_s"]),
        ("peak memory, PSS (MB)", lambda r: r["peak_pss_mb"]),
        ("peak own memory, anonymous PSS (MB)", lambda r: r.get("peak_anon_mb") or float("nan")),
        ("index size (MB)", lambda r: r["index_mb"]),
        ("term query p50 (ms)", lambda r: r["latency"]["term"]["p50"]),
        ("phrase query p50 (ms)", lambda r: r["latency"]["phrase"]["p50"]),
        ("translated query p99 (ms)", lambda r: r["latency"]["translated"]["p99"]),
        ("add one 500-entry file (s)", lambda r: r["one_file"]["add"]),
    ]
    fig, axes = plt.subplots(2, 4, figsize=(17, 7.5))
    for ax, (label, value) in zip(axes.flat, panels):
        for engine, rows in results.items():
            points = [(int(n), value(rows[n])) for n in rows]
            points = sorted((x, y) for x, y in points if y == y)  # NaN: not measured at that size
            sizes, ys = [x for x, _ in points], [y for _, y in points]
            ax.plot(sizes, ys, marker="o", label=engine)
            if engine == next(iter(results)) and sizes:
                x0, y0 = sizes[0], ys[0]
                ax.plot([x0, sizes[-1]], [y0, y0 * sizes[-1] / x0], ls="--", color="grey", lw=0.8, label="linear")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_title(label)
        ax.set_xlabel("entries")
        ax.grid(True, which="both", lw=0.3)
        ax.legend(fontsize=8)
    fig.suptitle("searchkit cost against collection size (bench.scale, 2 cores)")
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=90)
    print(f"plot: {out}")


def main() -> None:
    ap = argparse.ArgumentParser(description="scale benchmark")
    ap.add_argument("--data")
    ap.add_argument("--sizes", default="10000,100000,1000000")
    ap.add_argument("--engines", default="tantivy,whoosh", help="comma-separated: tantivy, whoosh")
    ap.add_argument("--whoosh-max", type=int, default=100_000, help="largest collection Whoosh indexes")
    ap.add_argument("--work", help="where collections and indexes go (default: the system temp dir)")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--plot", help="write the log-log cost plot here (PNG)")
    ap.add_argument("--replot", action="store_true", help="only redraw --plot from bench/results/scale.json")
    args = ap.parse_args()
    if args.replot:
        plot(json.loads((RESULTS / "scale.json").read_text(encoding="utf-8")), Path(args.plot or "docs/scale.png"))
        return
    data = data_dir(args.data)
    work = Path(args.work or Path(tempfile.gettempdir()) / "searchkit-scale")
    work.mkdir(parents=True, exist_ok=True)
    sizes = [int(s) for s in args.sizes.split(",")]
    results: dict[str, dict[str, dict]] = {}
    rows, qrows = [], []
    for n in sizes:
        t0 = time.perf_counter()
        corpus = build_collection(data, n, work)
        print(f"collection {n:,}: {corpus} ({time.perf_counter() - t0:.0f} s)", file=sys.stderr)
        mb = sum(p.stat().st_size for p in corpus.glob("*.jsonl")) / 1e6
        for engine in args.engines.split(","):
            if engine == "whoosh" and n > args.whoosh_max:
                continue
            with tempfile.TemporaryDirectory(dir=work) as tmp:
                tmp = Path(tmp)
                ix = tmp / "ix"
                anon = [0.0]
                wall, pss = build_in_child(corpus, ix, engine, n, mine_pairs=True, anon=anon)
                print(f"  {engine}: indexed in {wall:.0f} s, peak {pss:.0f} MB", file=sys.stderr)
                lat = latency(ix, args.runs)
                cold = cold_cli(ix, args.runs)
                edits = one_file(data, ix, tmp)
                edits["rescan"] = rescan(corpus, ix)
                r = {
                    "entries": n,
                    "corpus_mb": mb,
                    "index_s": wall,
                    "entries_per_s": n / wall,
                    "peak_pss_mb": pss,
                    "peak_anon_mb": anon[0],
                    "index_mb": du(ix),
                    "cold_cli_s": cold,
                    "latency": lat,
                    "one_file": edits,
                }
            results.setdefault(engine, {})[str(n)] = r
            rows.append(
                [
                    engine,
                    f"{n:,}",
                    f"{mb:.0f}",
                    wall,
                    f"{n / wall:,.0f}",
                    f"{pss:,.0f}",
                    f"{anon[0]:,.0f}",
                    f"{r['index_mb']:,.0f}",
                    cold,
                    edits["add"],
                    edits["change"],
                    edits["remove"],
                    edits["rescan"],
                ]
            )
            for kind, p in lat.items():
                qrows.append([engine, f"{n:,}", kind, p["p50"], p["p95"], p["p99"]])
            save("scale", results)  # after every build: a long run keeps what it measured
    print(
        table(
            [
                "engine",
                "entries",
                "corpus MB",
                "index s",
                "entries/s",
                "peak MB (PSS)",
                "own MB (anon)",
                "index MB",
                "cold CLI s",
                "add file s",
                "change file s",
                "remove file s",
                "rescan s",
            ],
            rows,
        )
    )
    print()
    print(table(["engine", "entries", "query", "p50 ms", "p95 ms", "p99 ms"], qrows))
    if args.plot:
        plot(results, Path(args.plot))
    print(f"results: {save('scale', results)}")


if __name__ == "__main__":
    main()
