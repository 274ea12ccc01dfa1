"""Speed benchmark: indexing and query latency, searchkit beside its floor and a reference engine.

    python -m bench.speed [--data DIR] [--sizes 10000] [--ja 20000] [--runs 3] [--engines whoosh,tantivy]

Corpora: arXiv AI abstracts (first N, English) and a Japanese set of the same shape (NLP Journal
abstracts + JSQuAD paragraphs, replicated with distinct ids up to --ja passages; the table says so).
Columns, each a median of --runs runs where cheap enough:
- floor: raw fugashi over the same text, and searchkit's analysis layer alone (analyse_record, one
  process, best of --runs): the ratio between the two is the analysis layer's overhead;
- searchkit index: wall s, passages/s, MB/s, index MB, peak memory (PSS of the indexing process
  and its workers), ratio to floor;
- reference: SQLite FTS5 (standard library) on the same pre-tokenized text;
- queries (warm, in-process, limit 10, with highlights): p50/p95/p99 for term, phrase, boolean,
  filtered, Japanese and translated queries, and batch throughput; cold CLI search.
Each engine (--engines) gets its own rows: index build, latencies and cold CLI on the same text.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .common import data_dir, percentiles, save, table

QUERIES = {
    "term": ["transformer", "segmentation", "alignment", "robustness", "diffusion"],
    "phrase": ['"large language models"', '"reinforcement learning"', '"object detection"'],
    "boolean": ["vision AND language", "(agent OR planning) -robot", "+reasoning +benchmark"],
    "filtered": ["language models --lang en", "diffusion --since 2025-04", "agents --category cs.AI"],
    "japanese": ["機械翻訳", "形態素解析", "係り受け解析の精度", "文書要約"],
    "translated": ["machine translation", "morphological analysis", "要約", "言語モデル"],
}


def arxiv(data: Path, n: int) -> list[dict]:
    out = []
    with gzip.open(data / "arxiv-ai-abstracts" / "arxiv_ai_abstracts.jsonl.gz", "rt", encoding="utf-8") as fh:
        for line in fh:
            r = json.loads(line)
            out.append(
                {
                    "id": r["id"],
                    "title": r["title"],
                    "text": " ".join(r["abstract"].split()),
                    "date": r["listing_date"],
                    "category": r["categories"][0],
                    "kind": "paper",
                    "lang": "en",
                }
            )
            if len(out) >= n:
                break
    return out


def japanese(data: Path, n: int) -> list[dict]:
    base = []
    for r in map(json.loads, (data / "nlp-journal-ja-en" / "papers.jsonl").open(encoding="utf-8")):
        if r["abstract_ja"]:
            base.append({"title": r["title_ja"], "text": r["abstract_ja"]})
    for r in map(json.loads, (data / "jsquad-retrieval-ja" / "corpus.jsonl").open(encoding="utf-8")):
        base.append({"title": r["title"], "text": r["text"]})
    out = []
    i = 0
    while len(out) < n:
        b = base[i % len(base)]
        out.append({"id": f"ja{i}", "title": b["title"], "text": b["text"], "lang": "ja"})
        i += 1
    return out


def write(records: list[dict], folder: Path, per_file: int = 5000) -> Path:
    """The records as JSONL files of ``per_file`` records in ``folder/corpus`` (one big file
    would exceed the ingest size limit, and a collection is many files anyway)."""
    out = folder / "corpus"
    out.mkdir()
    for i in range(0, len(records), per_file):
        with (out / f"part{i // per_file:04d}.jsonl").open("w", encoding="utf-8") as fh:
            for r in records[i : i + per_file]:
                fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    return out


def floor(records: list[dict], runs: int) -> dict:
    """Seconds (best of ``runs``) for searchkit's analysis of every record in one process (what
    indexing does before the engine sees a term: ``prepare.analyse_record``) and for raw fugashi
    parsing the same text (title + newline + text), reading nothing from its nodes: the floor."""
    import fugashi

    from searchkit.analysis.analyzer import Analyzer
    from searchkit.analysis.record import analyse_record

    analysis, raw = [], []
    tagger = fugashi.Tagger()
    texts = [r["title"] + "\n" + r["text"] for r in records]
    for _ in range(runs):
        a = Analyzer()
        t0 = time.perf_counter()
        for r in records:
            analyse_record(a, r)
        analysis.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        for text in texts:
            for _node in tagger(text):
                pass
        raw.append(time.perf_counter() - t0)
    return {"analysis_s": min(analysis), "raw_fugashi_s": min(raw)}


def build_in_child(
    corpus: Path,
    ix: Path,
    engine: str,
    expected: int,
    semantic: bool = False,
    mine_pairs: bool = False,
    anon: list[float] | None = None,
) -> tuple[float, float]:
    """Wall seconds and peak memory (MB) of `build_index` in a fresh process. Memory is the
    largest sum, sampled every 0.2 s, of the proportional set size (PSS: shared pages split
    between the processes sharing them) of the indexing process and all its descendants (analysis
    and segment-writing workers): what the build costs the machine. (getrusage's ru_maxrss
    would be wrong twice over: it survives execve, so it reports this benchmark's own size, and
    it does not add up workers.) ``anon``, when given, gets the peak of the anonymous part
    (``Pss_Anon``: the processes' own memory, without the pages of files they map)."""
    code = (
        "import sys,time; from searchkit import build_index; t=time.perf_counter(); "
        "r = build_index([sys.argv[1]], sys.argv[2], mine_pairs=sys.argv[5] == '1', engine=sys.argv[3], "
        "semantic=sys.argv[4] == '1'); "
        "print(time.perf_counter()-t, r.total_entries)"
    )
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            code,
            str(corpus),
            str(ix),
            engine,
            "1" if semantic else "0",
            "1" if mine_pairs else "0",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    peak = 0
    while proc.poll() is None:
        peak = max(peak, tree_pss_kb(proc.pid))
        if anon is not None:
            anon[0] = max(anon[0], tree_pss_kb(proc.pid, "Pss_Anon:") / 1024)
        time.sleep(0.2)
    out, err = proc.communicate()
    if proc.returncode:
        sys.exit(f"bench.speed: the {engine} build failed: {err.strip()}")
    wall, entries = out.strip().splitlines()[-1].split()
    if int(entries) != expected:
        sys.exit(f"bench.speed: the {engine} index holds {entries} entries, expected {expected}: {err.strip()}")
    return float(wall), peak / 1024


def tree_pss_kb(root: int, field: str = "Pss:") -> int:
    """PSS (kB) of process ``root`` and its descendants, from /proc (Linux; 0 elsewhere);
    ``field`` another line of smaps_rollup (``Pss_Anon:``, ``Pss_File:``)."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            parents[int(stat.parent.name)] = int(fields[1])
        except (OSError, IndexError, ValueError):
            continue
    tree, frontier = {root}, [root]
    while frontier:
        pid = frontier.pop()
        for child, parent in parents.items():
            if parent == pid and child not in tree:
                tree.add(child)
                frontier.append(child)
    total = 0
    for pid in tree:
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith(field):
                    total += int(line.split()[1])
                    break
        except OSError:
            continue
    return total


def fts5(records: list[dict], folder: Path) -> float:
    from searchkit.analysis.analyzer import Analyzer

    a = Analyzer()
    rows = [(r["id"], " ".join(a.index_terms(r["title"] + "\n" + r["text"]))) for r in records]
    t0 = time.perf_counter()
    con = sqlite3.connect(folder / "fts.db")
    con.execute("CREATE VIRTUAL TABLE t USING fts5(id UNINDEXED, body, tokenize='unicode61')")
    con.executemany("INSERT INTO t VALUES (?, ?)", rows)
    con.commit()
    con.close()
    return time.perf_counter() - t0


def du(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6


def kind_latency(ix, kinds: dict[str, list[str]], runs: int, warm_round: bool = False) -> dict:
    """p50/p95/p99 ms per query kind (warm, in-process, limit 10 with highlights; "translated"
    queries translate, "did-you-mean" ones suggest) and for facet counts over the "term" queries.
    A query may end in `` --option value``. ``warm_round``: one untimed round of everything first
    (what a process reads once is then the cold CLI row's business)."""
    times: dict[str, list[float]] = {}
    for round_ in range(runs + warm_round):
        timed = round_ >= warm_round
        for kind, qs in kinds.items():
            for q in qs:
                opts = {}
                if " --" in q:
                    q, flag = q.split(" --")
                    name, value = flag.split(" ")
                    opts[name] = value
                t0 = time.perf_counter()
                ix.search(
                    q,
                    limit=10,
                    translate=(kind == "translated"),
                    counterparts=False,
                    suggest=(kind == "did-you-mean"),
                    **opts,
                )
                if timed:
                    times.setdefault(kind, []).append((time.perf_counter() - t0) * 1000)
        for q in kinds["term"]:
            t0 = time.perf_counter()
            ix.search(q, limit=0, translate=False, counterparts=False, suggest=False, facets=True)
            if timed:
                times.setdefault("facets", []).append((time.perf_counter() - t0) * 1000)
    return {kind: percentiles(ms) for kind, ms in times.items()}


def query_latency(ix_dir: Path, runs: int) -> dict:
    from searchkit import open_index

    with open_index(ix_dir) as ix:
        ix.search("warm up")
        out = kind_latency(ix, QUERIES, runs)
        batch = [q for qs in QUERIES.values() for q in qs if " --" not in q] * 4
        t0 = time.perf_counter()
        for q in batch:
            ix.search(q, limit=10, counterparts=False, suggest=False)
        out["batch_qps"] = len(batch) / (time.perf_counter() - t0)
    return out


SEMANTIC_KINDS = ("term", "phrase", "japanese", "translated")


def semantic_section(data: Path, n: int, engines: list[str], runs: int) -> tuple[list[list], dict]:
    """Embedding throughput per language, index time/size/memory with and without vectors at
    ``n`` arXiv abstracts, and hybrid vs lexical query latency on the same index."""
    from searchkit import open_index
    from searchkit.semantic.indexing import entry_text
    from searchkit.semantic.model import Embedder

    rows, payload = [], {}
    embedder = Embedder()
    for lang, sample in (("en", arxiv(data, 500)), ("ja", japanese(data, 500))):
        texts = [entry_text(r) for r in sample]
        t0 = time.perf_counter()
        embedder.passages(texts)
        rate = len(texts) / (time.perf_counter() - t0)
        rows.append([f"embedding throughput, {lang}", "", f"{rate:.0f} entries/s", "", ""])
        payload[f"embed_{lang}_per_s"] = rate
    records = arxiv(data, n)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        corpus = write(records, tmp)
        for engine in engines:
            for semantic in (False, True):
                ix = tmp / f"ix-{engine}-{semantic}"
                wall, pss = build_in_child(corpus, ix, engine, len(records), semantic)
                label = "with vectors" if semantic else "lexical only"
                rows.append(
                    [f"arXiv {n:,} index, {label}", engine, f"{wall:.1f} s", f"{du(ix):.0f} MB", f"{pss:.0f} MB"]
                )
                payload[f"{engine}/{label}"] = {"index_s": wall, "index_mb": du(ix), "peak_pss_mb": pss}
            with open_index(tmp / f"ix-{engine}-True") as idx:
                idx.search("warm up", semantic="on")
                for mode in ("off", "on"):
                    times = []
                    for _ in range(runs):
                        for kind in SEMANTIC_KINDS:
                            for q in QUERIES[kind]:
                                t0 = time.perf_counter()
                                idx.search(q, limit=10, counterparts=False, suggest=False, semantic=mode)
                                times.append((time.perf_counter() - t0) * 1000)
                    p = percentiles(times)
                    name = "hybrid" if mode == "on" else "lexical"
                    rows.append(
                        [f"arXiv {n:,} {name} query", engine, f"p50 {p['p50']:.1f} ms", f"p99 {p['p99']:.1f} ms", ""]
                    )
                    payload[f"{engine}/{name}_query"] = p
    return rows, payload


def cold_cli(ix_dir: Path, runs: int) -> float:
    """Median wall time of a ``searchkit search`` in a new process each time.

    As a user meets it: after one untimed run, with Python writing its bytecode cache (a sandbox's
    PYTHONDONTWRITEBYTECODE would otherwise recompile every module of searchkit on every run, ~0.2 s
    that no installed copy pays) and the index files in the OS page cache."""
    command = [sys.executable, "-m", "searchkit", "search", "alignment", "--index", str(ix_dir), "-n", "3"]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run(command, capture_output=True, check=False, env=env)
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(command, capture_output=True, check=False, env=env)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description="speed benchmark")
    ap.add_argument("--data")
    ap.add_argument("--sizes", default="10000", help="arXiv sizes, comma-separated (full: 74728)")
    ap.add_argument("--ja", type=int, default=20000, help="Japanese passages (replicated set)")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--engines", default="whoosh,tantivy", help="comma-separated: whoosh, tantivy")
    ap.add_argument(
        "--semantic", type=int, default=0, help="also measure vectors at this many arXiv abstracts (needs the extra)"
    )
    ap.add_argument("--only-semantic", action="store_true", help="skip the lexical tables")
    args = ap.parse_args()
    data = data_dir(args.data)
    engines = args.engines.split(",")
    if args.only_semantic:
        srows, spay = semantic_section(data, args.semantic or 10_000, engines, args.runs)
        print(table(["semantic", "engine", "", "", "peak MB (PSS)"], srows))
        print(f"results: {save('speed-semantic', spay)}")
        return
    sets = [(f"arXiv en {int(n):,}", arxiv(data, int(n))) for n in args.sizes.split(",") if int(n)]
    if args.ja:
        sets.append((f"ja {args.ja:,} (NLP Journal + JSQuAD, replicated)", japanese(data, args.ja)))
    rows, qrows, payload = [], [], {}
    for name, records in sets:
        mb = sum(len((r["title"] + r["text"]).encode()) for r in records) / 1e6
        with tempfile.TemporaryDirectory() as tmp:
            tmp = Path(tmp)
            corpus = write(records, tmp)
            fl = floor(records, args.runs if len(records) <= 20_000 else 1)
            ref = fts5(records, tmp)
            for engine in engines:
                ix = tmp / f"ix-{engine}"
                wall, rss = build_in_child(corpus, ix, engine, len(records))
                size = du(ix)
                lat = query_latency(ix, args.runs)
                cold = cold_cli(ix, args.runs)
                rows.append(
                    [
                        name,
                        engine,
                        len(records),
                        mb,
                        fl["raw_fugashi_s"],
                        fl["analysis_s"],
                        fl["analysis_s"] / fl["raw_fugashi_s"],
                        wall,
                        len(records) / wall,
                        mb / wall,
                        size,
                        rss,
                        wall / fl["analysis_s"],
                        ref,
                        cold,
                    ]
                )
                for kind in [*QUERIES, "facets"]:
                    p = lat[kind]
                    qrows.append([name, engine, kind, p["p50"], p["p95"], p["p99"]])
                qrows.append([name, engine, "batch (queries/s)", lat["batch_qps"], "", ""])
                payload[f"{name} / {engine}"] = {
                    "records": len(records),
                    "mb": mb,
                    **fl,
                    "index_s": wall,
                    "peak_pss_mb": rss,
                    "index_mb": size,
                    "fts5_s": ref,
                    "cold_cli_s": cold,
                    "latency": lat,
                }
    seeds = Path(__file__).resolve().parent.parent / "seeds"
    for engine in engines:
        with tempfile.TemporaryDirectory() as tmp:
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "searchkit",
                    "index",
                    str(seeds),
                    "--index",
                    f"{tmp}/ix",
                    "-q",
                    "--engine",
                    engine,
                ],
                check=True,
                capture_output=True,
            )
            cold = cold_cli(Path(tmp) / "ix", max(args.runs, 5))
        qrows.append(["seeds/ (30 entries)", engine, "cold CLI search (s)", cold, "", ""])
        payload[f"seeds / {engine}"] = {"cold_cli_s": cold}
    print(
        table(
            [
                "corpus",
                "engine",
                "passages",
                "MB",
                "fugashi s",
                "analysis s",
                "analysis/fugashi",
                "index s",
                "pass/s",
                "MB/s",
                "index MB",
                "peak MB (PSS, all processes)",
                "index/analysis",
                "FTS5 s",
                "cold CLI s",
            ],
            rows,
        )
    )
    print()
    print(table(["corpus", "engine", "query", "p50 ms", "p95 ms", "p99 ms"], qrows))
    if args.semantic:
        srows, payload["semantic"] = semantic_section(data, args.semantic, engines, args.runs)
        print()
        print(table(["semantic", "engine", "", "", "peak MB (PSS)"], srows))
    print(f"results: {save('speed', payload)}")


if __name__ == "__main__":
    main()
