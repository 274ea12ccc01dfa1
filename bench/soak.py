"""Soak: the fault campaign as one repeatable command (outside CI; sizes set by flags).

    python -m bench.soak [--kills 100] [--queries 100000] [--files 1000] [--requests 10000]
                         [--engines whoosh,tantivy] [--data DIR] [--seed N]

Per engine:
- SIGKILL trials: ``searchkit index`` (a real process, analysis workers included) killed at a
  random moment of an update; afterwards the index must open and hold exactly the last commit or
  the new one, no worker may outlive its parent, and the next update must finish.
- fuzzed batch queries through ``searchkit search --batch`` (the real CLI path): random words,
  operators, field prefixes, every kana, any Unicode, nesting at any depth, JSON lines with wrong
  types. Every input line must get exactly one JSON output line (hits or a one-line error), the
  exit status must be 0, 1 or 2, and stderr must hold no traceback. Also reports queries/s and
  the slowest query.
- odd files (once, Whoosh): random bytes, every BOM, Shift_JIS / EUC-JP, NUL bytes, CRLF, lone
  CR, empty files, huge lines, bad JSONL, wrong JSON types, symlinks (dangling, looping,
  escaping), unknown suffixes, hidden folders. ``searchkit index`` must exit 0 or 1 without a
  traceback, account for every file, and report the same on a second run with nothing new.
- build history: the same files indexed at once (parallel workers) and as three files then all
  seven must rank every query identically (ids and scores, top 20). Needs ``--data`` (SciFact and
  JSQuAD corpora); skipped with a note when absent.
- web requests against ``searchkit serve``: searches with random queries and parameters (valid
  and invalid), entry pages, /papers; every answer must be 200, 400 or 404, never 500, and the
  server must still answer at the end.

Prints one table (trials, failures, time) and writes bench/results/soak.json.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from searchkit import build_index, open_index

from .common import DEFAULT_DATA, save, table

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
WORDS = (
    "alignment reward model tampering audit safety language evaluation poisoning classifier "
    "アライメント 報酬関数 改ざん 監査 安全性 言語モデル 評価 毒 分類器 研究"
).split()
SYMBOLS = list('"()+-:*[]~^\\ ') + [
    "AND",
    "OR",
    "NOT",
    "TO",
    "title:",
    "date:",
    "kind:",
    "lang:",
    "ti:",
    "id:",
    "lang:(",
    'kind:"',
    "date:(",
    "category:(",
    "title:(",
    "doc:",
]


def cli(*args, **kw) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "searchkit", *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kw,
    )


def ids_of(ix_dir: Path) -> frozenset:
    with open_index(ix_dir) as ix:
        return frozenset(r["id"] for r in ix.engine.scan([]))


def make_corpus(folder: Path, files: int, per_file: int, rng: random.Random) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for f in range(files):
        rows = []
        for i in range(per_file):
            words = rng.choices(WORDS, k=30)
            rows.append(json.dumps({"id": f"{folder.name}{f}-{i}", "text": " ".join(words)}, ensure_ascii=False))
        (folder / f"part{f:03d}.jsonl").write_text("\n".join(rows) + "\n", encoding="utf-8")


def survivors(marker: str) -> int:
    """Processes (not zombies) whose command line names ``marker``."""
    time.sleep(0.2)
    n = 0
    for proc_dir in Path("/proc").glob("[0-9]*"):
        try:
            cmd = (proc_dir / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            state = (proc_dir / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue
        if marker in cmd and state != "Z":
            n += 1
    return n


# -- SIGKILL --------------------------------------------------------------------------------


def kills(work: Path, engine: str, trials: int, rng: random.Random) -> dict:
    corpus = work / "corpus"
    make_corpus(corpus / "a", 5, 40, rng)
    make_corpus(corpus / "b", 60, 80, rng)  # the update that gets killed
    clean = work / "clean"
    build_index([corpus], clean, engine=engine)
    expected = ids_of(clean)
    ix_dir = work / "ix"
    failures, landed, problems = 0, 0, []
    for trial in range(trials):
        if ix_dir.exists():
            shutil.rmtree(ix_dir)
        build_index([corpus / "a"], ix_dir, engine=engine)
        committed = ids_of(ix_dir)
        proc = cli("index", corpus, "--index", ix_dir, "-q")
        time.sleep(rng.uniform(0.05, 2.5))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        try:
            if survivors(str(ix_dir)):
                raise AssertionError("a worker outlived its killed parent")
            now = ids_of(ix_dir)
            if now not in (committed, expected):
                raise AssertionError(f"{len(now)} entries: neither the last commit nor the new one")
            landed += now == expected
            done = cli("index", corpus, "--index", ix_dir, "-q")
            _, err = done.communicate(timeout=600)
            if done.returncode != 0 or ids_of(ix_dir) != expected:
                raise AssertionError(f"the next update did not finish: {err.strip()[:200]}")
        except Exception as exc:  # noqa: BLE001 - every failure is counted and shown
            failures += 1
            problems.append(f"trial {trial}: {exc}")
    return {"trials": trials, "failures": failures, "landed_before_kill": landed, "problems": problems[:5]}


# -- fuzzed batch queries ---------------------------------------------------------------------


def fuzz_query(rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.05:
        depth = rng.randint(0, 400)
        return "(" * depth + rng.choice(WORDS) + ")" * rng.randint(0, 400)
    if kind < 0.10:
        obj = {
            "query": rng.choice(WORDS),
            rng.choice(["limit", "offset", "lang", "kind", "since", "facets", "x"]): rng.choice(
                [3, -1, "3", "abc", True, None, [1], 10**9, "ja", "2025", ""]
            ),
        }
        return json.dumps(obj, ensure_ascii=False)
    parts = []
    for _ in range(rng.randint(0, 40)):
        r = rng.random()
        if r < 0.35:
            parts.append(rng.choice(WORDS))
        elif r < 0.6:
            parts.append(rng.choice(SYMBOLS))
        elif r < 0.75:
            parts.append("".join(chr(rng.randint(0x3040, 0x30FF)) for _ in range(rng.randint(1, 6))))
        elif r < 0.8:
            parts.append("".join(chr(rng.randint(0xFF61, 0xFF9F)) for _ in range(rng.randint(1, 4))))
        else:
            parts.append(
                chr(
                    rng.choice(
                        [
                            rng.randint(0x20, 0x7E),
                            rng.randint(0xA0, 0x2FFF),
                            rng.randint(0x3000, 0x9FFF),
                            rng.randint(0xE000, 0xFFFD),
                            rng.randint(0x10000, 0x1FFFF),
                        ]
                    )
                )
            )
        if rng.random() < 0.5:
            parts.append(" ")
    return "".join(parts).replace("\n", " ").replace("\r", " ")


def batches(work: Path, engine: str, total: int, rng: random.Random, chunk: int = 10_000) -> dict:
    ix_dir = work / "fuzz-ix"
    build_index([SEEDS], ix_dir, engine=engine)
    failures, problems, done, spent, slowest = 0, [], 0, 0.0, (0.0, "")
    while done < total:
        n = min(chunk, total - done)
        lines = [fuzz_query(rng) for _ in range(n)]
        path = work / "batch.txt"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        t0 = time.perf_counter()
        proc = cli("search", "--batch", path, "--index", ix_dir, "-n", "5")
        out, err = proc.communicate(timeout=36_000)
        elapsed = time.perf_counter() - t0
        spent += elapsed
        rows = out.splitlines()
        if proc.returncode not in (0, 1, 2) or "Traceback" in err or len(rows) != n:
            failures += 1
            problems.append(f"exit {proc.returncode}, {len(rows)} of {n} lines, stderr {err.strip()[:200]!r}")
        for row in rows:
            try:
                obj = json.loads(row)
                assert ("error" in obj) != ("hits" in obj) and "line" in obj
            except (ValueError, AssertionError):
                failures += 1
                problems.append(f"bad output line {row[:120]!r}")
        seen = len(problems)
        slowest = max(slowest, _slowest(ix_dir, lines, rng, problems))
        failures += len(problems) - seen
        done += n
    return {
        "queries": total,
        "failures": failures,
        "queries_per_s": total / spent if spent else 0.0,
        "slowest_s": round(slowest[0], 3),
        "slowest_query": slowest[1][:200],
        "problems": problems[:5],
    }


def _slowest(ix_dir: Path, lines: list[str], rng: random.Random, problems: list[str]) -> tuple[float, str]:
    """The slowest of a sample of the chunk's queries, timed in-process (an exception that is
    not a SearchkitError is a failure)."""
    from searchkit.errors import SearchkitError

    worst = (0.0, "")
    with open_index(ix_dir) as ix:
        for q in rng.sample(lines, min(200, len(lines))):
            t0 = time.perf_counter()
            try:
                ix.search(q, limit=5)
            except SearchkitError:
                pass
            except Exception as exc:  # noqa: BLE001 - counted, shown
                problems.append(f"{type(exc).__name__} for {q[:100]!r}")
            worst = max(worst, (time.perf_counter() - t0, q))
    return worst


# -- odd files ----------------------------------------------------------------------------------


def odd_file(folder: Path, i: int, rng: random.Random) -> None:
    text = " ".join(rng.choices(WORDS, k=rng.randint(1, 60)))
    kind = i % 20
    name = folder / f"f{i:04d}"
    if kind == 0:
        name.with_suffix(".txt").write_bytes(os.urandom(rng.randint(0, 4096)))
    elif kind == 1:
        name.with_suffix(".txt").write_bytes(
            rng.choice([b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"\xff\xfe\x00\x00"]) + text.encode("utf-8")
        )
    elif kind == 2:
        name.with_suffix(".txt").write_bytes(text.encode("cp932", "replace"))
    elif kind == 3:
        name.with_suffix(".md").write_bytes(text.encode("euc_jp", "replace"))
    elif kind == 4:
        name.with_suffix(".txt").write_bytes(text.encode() + b"\x00" + text.encode())
    elif kind == 5:
        name.with_suffix(".TXT").write_bytes(text.replace(" ", "\r\n").encode())
    elif kind == 6:
        name.with_suffix(".md").write_bytes(text.replace(" ", "\r").encode())
    elif kind == 7:
        name.with_suffix(".txt").write_bytes(b"")
    elif kind == 8:
        name.with_suffix(".md").write_text("x" * rng.randint(10_000, 200_000), encoding="utf-8")
    elif kind == 9:
        rows = [
            json.dumps({"text": text}),
            "{oops",
            "[1, 2]",
            json.dumps({"text": 5}),
            json.dumps({"title": ""}),
            json.dumps({"text": text, "lang": "klingon"}),
            json.dumps({"text": text, "date": "yesterday"}),
            json.dumps({"text": text, "id": "bad id!"}),
            json.dumps({"text": text, "url": "javascript:alert(1)"}),
        ]
        name.with_suffix(".jsonl").write_text("\n".join(rng.sample(rows, len(rows))) + "\n", encoding="utf-8")
    elif kind == 10:
        name.with_suffix(".jsonl").write_bytes(os.urandom(512))
    elif kind == 11:
        (folder / f"link{i}.txt").symlink_to(folder / "missing.txt")
    elif kind == 12:
        (folder / f"loop{i}.md").symlink_to(folder / f"loop{i}.md")
    elif kind == 13:
        (folder / f"out{i}.txt").symlink_to("/etc/hostname")
    elif kind == 14:
        name.with_suffix(rng.choice([".pdf", ".docx", ".png", ""])).write_bytes(os.urandom(256))
    elif kind == 15:
        hidden = folder / f".hidden{i}"
        hidden.mkdir()
        (hidden / "h.md").write_text(text, encoding="utf-8")
    elif kind == 16:
        name.with_suffix(".md").write_text(
            "# " + text + "\n\n" + "\n".join(f"- {w}" for w in text.split()), encoding="utf-8"
        )
    elif kind == 17:
        name.with_suffix(".txt").write_bytes(text.encode("utf-8")[:-1] + "\u3042".encode()[:2])
    elif kind == 18:
        name.with_suffix(".txt").write_text("\u202e\u200b\ufeff" + text + "\u0000\u0007", encoding="utf-8")
    else:
        name.with_suffix(".txt").write_text(text, encoding="utf-8")


def odd_files(work: Path, count: int, rng: random.Random) -> dict:
    folder = work / "odd"
    folder.mkdir()
    for i in range(count):
        odd_file(folder, i, rng)
    failures, problems = 0, []
    reports = []
    for run in range(2):
        proc = cli("index", folder, "--index", work / "odd-ix", "-q")
        _, err = proc.communicate(timeout=3_600)
        reports.append(err)
        if proc.returncode not in (0, 1) or "Traceback" in err:
            failures += 1
            problems.append(f"run {run}: exit {proc.returncode}: {err.strip()[-300:]}")
    summary = [r.strip().splitlines()[-1] if r.strip() else "" for r in reports]
    if " 0 added, 0 updated, 0 removed" not in " " + summary[1].split(": ", 1)[-1]:
        failures += 1
        problems.append(f"second run changed something: {summary[1]}")
    if sorted(reports[0].splitlines()[:-1]) != sorted(reports[1].splitlines()[:-1]):
        failures += 1
        problems.append("the second run reported different problems")
    return {"files": count, "failures": failures, "summary": summary[0], "problems": problems[:5]}


# -- build history ------------------------------------------------------------------------------


def history(work: Path, engine: str, data: Path, rng: random.Random) -> dict:
    sci, ja = data / "scifact" / "corpus.jsonl", data / "jsquad-retrieval-ja" / "corpus.jsonl"
    if not (sci.is_file() and ja.is_file()):
        return {"queries": 0, "failures": 0, "note": f"skipped: no SciFact/JSQuAD under {data}"}
    rows = []
    for path, prefix, n in ((sci, "s", 3000), (ja, "j", 1000)):
        with path.open(encoding="utf-8") as fh:
            for line, _ in zip(fh, range(n)):
                r = json.loads(line)
                rows.append(
                    {
                        "id": prefix + str(r.get("_id", r.get("id"))),
                        "title": r.get("title", ""),
                        "text": r.get("text", ""),
                    }
                )
    rng.shuffle(rows)
    corpus = work / f"history-{engine}"
    corpus.mkdir()
    size = len(rows) // 7 + 1
    files = []
    for i in range(7):
        f = corpus / f"part{i:02d}.jsonl"
        f.write_text(
            "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows[i * size : (i + 1) * size]), encoding="utf-8"
        )
        files.append(f)
    build_index([corpus], work / f"A-{engine}", engine=engine, workers=2)
    build_index(files[:3], work / f"B-{engine}", engine=engine, workers=1)
    build_index(files, work / f"B-{engine}", workers=2)
    queries = [
        " ".join(rng.sample(r["title"].split(), min(3, len(r["title"].split())))) or r["text"][:10]
        for r in rng.sample(rows, 300)
    ]
    failures, problems = 0, []
    with open_index(work / f"A-{engine}") as a, open_index(work / f"B-{engine}") as b:
        for q in queries:
            q = q.replace('"', " ").replace("(", " ").replace(")", " ")
            ra = [(h.id, h.score) for h in a.search(q, limit=20).hits]
            rb = [(h.id, h.score) for h in b.search(q, limit=20).hits]
            if ra != rb:
                failures += 1
                problems.append(q)
    return {"queries": len(queries), "failures": failures, "problems": problems[:5]}


# -- web -----------------------------------------------------------------------------------------


def web(work: Path, engine: str, requests: int, rng: random.Random) -> dict:
    ix_dir = work / "web-ix"
    build_index([SEEDS, ROOT / "tests" / "data" / "web"], ix_dir, engine=engine)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = cli("serve", "--index", ix_dir, "--port", port)
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            urllib.request.urlopen(base + "/", timeout=2).read()
            break
        except OSError:
            time.sleep(0.1)
    with open_index(ix_dir) as ix:
        ids = [r["id"] for r in ix.engine.scan([])]
    statuses: dict[int, int] = {}
    problems = []
    try:
        for _ in range(requests):
            r = rng.random()
            if r < 0.6:
                params = {"q": fuzz_query(rng)[:300]}
                for key in rng.sample(
                    ["limit", "offset", "lang", "kind", "since", "facets", "explain", "page", "year"], rng.randint(0, 3)
                ):
                    params[key] = rng.choice(
                        ["1", "0", "-1", "abc", "10", "100000", "ja", "paper", "2025", "true", "yes", ""]
                    )
                path = rng.choice(["/api/search", "/"]) + "?" + urllib.parse.urlencode(params)
            elif r < 0.85:
                path = "/entry/" + urllib.parse.quote(
                    rng.choice(ids) if rng.random() < 0.8 else fuzz_query(rng)[:50] or "x"
                )
            else:
                path = "/papers?" + urllib.parse.urlencode(
                    {
                        "category": rng.choice(["", "alignment", "<x>"]),
                        "year": rng.choice(["", "2025", "abc"]),
                        "sort": rng.choice(["", "oldest"]),
                    }
                )
            try:
                with urllib.request.urlopen(base + path, timeout=60) as res:
                    status = res.status
            except urllib.error.HTTPError as exc:
                status = exc.code
            except OSError as exc:
                status = 0
                problems.append(f"{path[:100]}: {exc}")
            statuses[status] = statuses.get(status, 0) + 1
            if status not in (200, 400, 404):
                problems.append(f"{status} {path[:100]}")
        alive = urllib.request.urlopen(base + "/api/search?q=alignment", timeout=30).status == 200
    finally:
        server.terminate()
        server.wait(timeout=30)
    failures = sum(n for s, n in statuses.items() if s not in (200, 400, 404)) + (not alive)
    return {
        "requests": requests,
        "failures": failures,
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "problems": problems[:5],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--kills", type=int, default=100)
    ap.add_argument("--queries", type=int, default=100_000)
    ap.add_argument("--files", type=int, default=1_000)
    ap.add_argument("--requests", type=int, default=10_000)
    ap.add_argument("--engines", default="whoosh,tantivy")
    ap.add_argument("--data", default=os.environ.get("SEARCHKIT_BENCH_DATA") or str(DEFAULT_DATA))
    ap.add_argument("--seed", type=int, default=20261204)
    ap.add_argument("--only", default="kills,queries,files,history,web", help="comma-separated parts to run")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    only = set(args.only.split(","))
    rows, results = [], {}
    with tempfile.TemporaryDirectory(prefix="searchkit-soak-") as tmp:
        tmp_path = Path(tmp)
        if "files" in only:
            t0 = time.perf_counter()
            res = odd_files(tmp_path, args.files, rng)
            results["odd files"] = res
            rows.append(
                ["odd files (whoosh)", res["files"], res["failures"], time.perf_counter() - t0, res["summary"][-60:]]
            )
        for engine in args.engines.split(","):
            parts = [
                (
                    "kills",
                    "SIGKILL during update",
                    lambda w, engine=engine: kills(w, engine, args.kills, rng),
                    "trials",
                    lambda r: f"{r['landed_before_kill']} landed before the kill",
                ),
                (
                    "queries",
                    "fuzzed batch queries",
                    lambda w, engine=engine: batches(w, engine, args.queries, rng),
                    "queries",
                    lambda r: f"{r['queries_per_s']:.0f} q/s, slowest {r['slowest_s']} s",
                ),
                (
                    "history",
                    "build-history ranking",
                    lambda w, engine=engine: history(w, engine, Path(args.data), rng),
                    "queries",
                    lambda r: r.get("note", "top 20 ids and scores"),
                ),
                (
                    "web",
                    "web requests",
                    lambda w, engine=engine: web(w, engine, args.requests, rng),
                    "requests",
                    lambda r: " ".join(f"{k}:{v}" for k, v in r["statuses"].items()),
                ),
            ]
            for key, label, fn, count, note in parts:
                if key not in only:
                    continue
                work = tmp_path / f"{key}-{engine}"
                work.mkdir()
                t0 = time.perf_counter()
                res = fn(work)
                results[f"{label} ({engine})"] = res
                rows.append([f"{label} ({engine})", res[count], res["failures"], time.perf_counter() - t0, note(res)])
                print(f"{label} ({engine}): {res['failures']} failures", file=sys.stderr, flush=True)
                shutil.rmtree(work, ignore_errors=True)
    print(table(["check", "trials", "failures", "seconds", "notes"], rows))
    for name, res in results.items():
        for p in res.get("problems", []):
            print(f"  {name}: {p}")
    print(f"results: {save('soak', results)}")
    if any(r[2] for r in rows):
        sys.exit(1)


if __name__ == "__main__":
    main()
