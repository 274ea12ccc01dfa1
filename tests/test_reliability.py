"""Reliability: killed and interrupted indexing, two processes at once, hostile queries.

Marked ``slow`` (CI runs ``pytest -m slow``): they start real processes and run thousands of
generated queries.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from searchkit import build_index, open_index
from searchkit.errors import SearchkitError

from .conftest import child_pids

pytestmark = pytest.mark.slow
WORDS_EN = "alignment reward model tampering audit safety language evaluation poisoning classifier".split()
WORDS_JA = "アライメント 報酬関数 改ざん 監査 安全性 言語モデル 評価 毒 分類器 研究".split()


def make_corpus(folder: Path, files: int, per_file: int, seed: int = 1) -> None:
    rng = random.Random(seed)
    tag = folder.name
    folder.mkdir(parents=True, exist_ok=True)
    for f in range(files):
        rows = []
        for i in range(per_file):
            words = rng.choices(WORDS_EN, k=30) if i % 2 else rng.choices(WORDS_JA, k=30)
            rows.append(
                json.dumps({"id": f"{tag}{f}-{i}", "text": (" " if i % 2 else "の").join(words)}, ensure_ascii=False)
            )
        (folder / f"part{f:03d}.jsonl").write_text("\n".join(rows) + "\n", encoding="utf-8")


def cli(*args, **kw):
    return subprocess.Popen(
        [sys.executable, "-m", "searchkit", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw
    )


def survivors(marker: str, wait: float = 3.0) -> list[int]:
    """Pids of processes whose command line names ``marker`` (analysis workers carry their
    parent's command line after their own), after giving the kernel ``wait`` seconds to reap them."""
    deadline = time.monotonic() + wait
    while True:
        found = []
        for proc_dir in Path("/proc").glob("[0-9]*"):
            try:
                cmd = (proc_dir / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                state = (proc_dir / "stat").read_text().split()[2]
            except OSError:
                continue
            if marker in cmd and state != "Z":
                found.append(int(proc_dir.name))
        if not found or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def ids_of(ix_dir: Path) -> set[str]:
    with open_index(ix_dir) as ix:
        return {r["id"] for r in ix.engine.scan([])}


def test_sigkill_at_random_moments_keeps_the_last_commit(tmp_path):
    corpus = tmp_path / "corpus"
    make_corpus(corpus / "a", 10, 40)
    ix_dir = tmp_path / "ix"
    build_index([corpus], ix_dir)  # the first committed state
    committed = ids_of(ix_dir)
    make_corpus(corpus / "b", 100, 80, seed=2)  # the update that will be killed (seconds of work)
    clean = tmp_path / "clean"
    build_index([corpus], clean)
    expected = ids_of(clean)
    rng = random.Random(20261130)
    outcomes = []
    for _trial in range(20):
        proc = cli("index", str(corpus), "--index", str(ix_dir), "-q")
        time.sleep(rng.uniform(0.2, 4.0))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert not survivors(str(ix_dir)), "analysis workers outlived their killed parent"
        now = ids_of(ix_dir)  # opens: no corruption
        assert now in (committed, expected)
        outcomes.append(now == expected)
        if now == expected:  # the update landed before the kill: start from the old state again
            build_index([corpus / "a"], ix_dir, rebuild=True)
            committed = ids_of(ix_dir)
    done = cli("index", str(corpus), "--index", str(ix_dir), "-q")  # no stale lock
    _, err = done.communicate(timeout=600)
    assert done.returncode == 0, err
    assert ids_of(ix_dir) == expected
    assert not all(outcomes)  # at least one kill landed mid-update


def _sigint_default() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_ctrl_c_prints_one_line(tmp_path):
    corpus = tmp_path / "corpus"
    make_corpus(corpus, 100, 80)  # 8,000 entries: analysed by worker processes
    # as a terminal does it: SIGINT to the whole process group, workers included
    for attempt in range(3):
        ix = tmp_path / f"ix{attempt}"
        # SIGINT as a terminal leaves it: a test run started in the background (`.ci/run &`)
        # ignores SIGINT, and a Python started with it ignored never turns it into KeyboardInterrupt
        proc = cli("index", str(corpus), "--index", str(ix), "-q", start_new_session=True, preexec_fn=_sigint_default)
        # interrupt while the workers run (a fixed sleep raced the build, which now takes ~2 s);
        # a build that ends before its workers were seen is tried again
        deadline = time.monotonic() + 60
        while not child_pids(proc.pid) and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        if proc.poll() is None:
            break
        proc.communicate(timeout=60)
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and err.strip().splitlines() == [err.strip().splitlines()[-1]], err
    assert err.strip().startswith("searchkit: interrupted")
    assert not survivors(str(ix))


def test_second_writer_is_told_and_searches_keep_working(tmp_path):
    from searchkit.indexing.lock import writer_lock

    corpus = tmp_path / "corpus"
    make_corpus(corpus / "a", 5, 40)
    ix_dir = tmp_path / "ix"
    build_index([corpus / "a"], ix_dir)
    make_corpus(corpus / "b", 100, 80, seed=3)
    with writer_lock(ix_dir):  # another writer is in the middle of an update
        second = cli("index", str(corpus), "--index", str(ix_dir), "-q")
        _, err2 = second.communicate(timeout=120)
        search = cli("search", "alignment", "--index", str(ix_dir), "--json", "-n", "3")
        search.communicate(timeout=60)
    assert second.returncode == 2 and "being updated by another process" in err2 and "Traceback" not in err2
    assert search.returncode in (0, 1)
    first = cli("index", str(corpus), "--index", str(ix_dir), "-q")
    errors = []
    while first.poll() is None:  # searches while the update runs and commits (its output is small)
        s = cli("search", "alignment", "--index", str(ix_dir), "--json", "-n", "3")
        out, err = s.communicate(timeout=60)
        if s.returncode not in (0, 1):
            errors.append(err)
    assert first.wait(timeout=300) == 0
    assert not errors


@pytest.fixture(scope="module", params=["whoosh", "tantivy"])
def fuzz_index(tmp_path_factory, request):
    from .conftest import SEEDS

    ix_dir = tmp_path_factory.mktemp(f"fuzz-{request.param}") / "ix"
    build_index([SEEDS], ix_dir, engine=request.param)
    with open_index(ix_dir) as ix:
        yield ix


KANA = st.characters(min_codepoint=0x3040, max_codepoint=0x30FF) | st.characters(
    min_codepoint=0xFF61, max_codepoint=0xFF9F
)
QUERY_ALPHABET = st.one_of(
    st.characters(),  # every Unicode script, control characters included
    st.sampled_from(
        list('"()+-:*[]~^\\ ')
        + [
            "AND",
            "OR",
            "NOT",
            "TO",
            "title:",
            "date:",
            "kind:",
            "ti:",
            " ",
            "lang:(",
            "id:(",
            'kind:"',
            "date:(",
            "category:(",
        ]
    ),
    st.sampled_from(WORDS_EN + WORDS_JA),
    st.text(KANA, min_size=1, max_size=8),  # every kana, ー and the small ones included
    # nesting at any depth, balanced or not ('(' * 195 + 'cell' + ')' * 195 was a RecursionError)
    st.tuples(st.integers(0, 300), st.integers(0, 300), st.sampled_from(WORDS_EN + WORDS_JA)).map(
        lambda t: "(" * t[0] + t[2] + ")" * t[1]
    ),
)


@settings(max_examples=6_000, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(QUERY_ALPHABET, max_size=30).map("".join))
def test_any_query_gives_results_or_a_clear_error(fuzz_index, query):
    t0 = time.perf_counter()
    try:
        res = fuzz_index.search(query, limit=5, explain=True)
        assert res.total >= len(res.hits)
    except SearchkitError as exc:
        assert "\n" not in str(exc) and str(exc)
    assert time.perf_counter() - t0 < 10  # bounded (a generous bound, not a benchmark)


def test_very_long_query_is_refused_clearly(fuzz_index):
    with pytest.raises(SearchkitError, match="limit is"):
        fuzz_index.search("アライメント " * 2000)


@pytest.mark.parametrize("engine", ["whoosh", "tantivy"])
def test_a_killed_worker_fails_the_build_instead_of_hanging(tmp_path, engine):
    """multiprocessing.Pool loses the task of a worker that dies and starts another: without a
    check the parent would wait forever. It must stop with one line, commit nothing, and leave the
    index as it was."""
    corpus = tmp_path / "corpus"
    make_corpus(corpus / "a", 2, 20)
    ix_dir = tmp_path / "ix"
    build_index([corpus], ix_dir, engine=engine)
    committed = ids_of(ix_dir)
    make_corpus(corpus / "b", 60, 100, seed=3)  # 6,000 entries: analysed in worker processes
    proc = cli("index", str(corpus), "--index", str(ix_dir), "-q", "--workers", "2")
    deadline = time.monotonic() + 60
    while not (workers := child_pids(proc.pid)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert workers, "no worker processes started"
    os.kill(workers[0], signal.SIGKILL)  # at once: a tantivy build of these takes well under a second
    _, err = proc.communicate(timeout=120)
    assert proc.returncode != 0
    assert "worker" in err and "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    assert not survivors(str(ix_dir))
    assert ids_of(ix_dir) == committed


def _serve(ix_dir: Path):
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    proc = cli("serve", "--index", str(ix_dir), "--port", str(port))
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            _get(base + "/api/search?q=x")
            return proc, base
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise AssertionError("the server did not start")


def _get(url: str) -> tuple[int, str]:
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=30) as res:
            return res.status, res.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8", "replace")


@pytest.mark.parametrize("engine", ["whoosh", "tantivy"])
def test_a_rebuild_under_a_running_server(tmp_path, engine):
    """The old index answers during a rebuild; the server moves to the new one after the switch
    (Whoosh answered 500 until restarted); the first request after the rebuild sees it."""
    from urllib.parse import quote

    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "a.jsonl").write_text(json.dumps({"id": "old1", "text": "zyzzogeton alignment"}) + "\n")
    make_corpus(tmp_path / "new", 30, 100, seed=4)
    (tmp_path / "new" / "z.jsonl").write_text(json.dumps({"id": "new1", "text": "quokka alignment"}) + "\n")
    ix_dir = tmp_path / "ix"
    build_index([tmp_path / "old"], ix_dir, engine=engine)
    server, base = _serve(ix_dir)
    try:
        rebuild = cli("index", str(tmp_path / "new"), "--rebuild", "--index", str(ix_dir), "-q")
        statuses = []
        while rebuild.poll() is None:
            for path in ("/api/search?q=alignment", "/?q=" + quote("アライメント"), "/papers", "/"):
                statuses.append(_get(base + path)[0])
        assert rebuild.wait(timeout=300) == 0
        assert statuses and set(statuses) == {200}, statuses
        status, body = _get(base + "/api/search?q=quokka&no_translate=1")
        assert status == 200 and json.loads(body)["total"] == 1
        assert json.loads(_get(base + "/api/search?q=zyzzogeton&no_translate=1")[1])["total"] == 0
        assert _get(base + "/entry/new1")[0] == 200
    finally:
        server.terminate()
        server.wait(timeout=30)


class _Interrupt:
    """Raises KeyboardInterrupt at the ``at``-th step of whatever it wraps."""

    def __init__(self, at: int) -> None:
        self.at, self.n = at, 0

    def wrap(self, fn):
        def step(*args, **kwargs):
            self.n += 1
            if self.n == self.at:
                raise KeyboardInterrupt
            return fn(*args, **kwargs)

        return step


@pytest.mark.parametrize("engine", ["whoosh", "tantivy"])
def test_an_interrupted_rebuild_is_always_the_old_or_the_new_index(tmp_path, engine, monkeypatch):
    """Ctrl-C at every step of a rebuild (each file operation, engine call and side-file save):
    afterwards the index opens and is exactly the old one or exactly the new one."""
    import shutil

    from searchkit.crosslang.mining import MinedPairs
    from searchkit.engines import get_engine
    from searchkit.indexing.filenotes import FileNotes

    make_corpus(tmp_path / "old", 2, 20)
    make_corpus(tmp_path / "new", 3, 20, seed=5)
    (tmp_path / "new" / "g.md").write_text("# 用語\n\n毒づけ(ポイズニング)の例。\n", encoding="utf-8")
    template = tmp_path / "template"
    build_index([tmp_path / "old"], template, engine=engine)
    old_ids = ids_of(template)
    build_index([tmp_path / "new"], tmp_path / "reference", engine=engine)
    new_ids = ids_of(tmp_path / "reference")
    cls = get_engine(engine)
    targets = [
        (os, "fsync"),
        (os, "replace"),
        (os, "mkdir"),
        (shutil, "rmtree"),
        (cls, "apply"),
        (cls, "count"),
        (cls, "close"),
        (cls, "sources"),
        (FileNotes, "save"),
        (MinedPairs, "save"),
    ]
    originals = [(obj, name, getattr(obj, name)) for obj, name in targets]
    outcomes = set()
    for at in range(1, 500):
        ix_dir = tmp_path / f"ix{at}"
        shutil.copytree(template, ix_dir)
        step = _Interrupt(at)
        for obj, name, fn in originals:
            monkeypatch.setattr(obj, name, step.wrap(fn))
        try:
            build_index([tmp_path / "new"], ix_dir, rebuild=True)
            finished = True
        except KeyboardInterrupt:
            finished = False
        finally:
            for obj, name, fn in originals:
                monkeypatch.setattr(obj, name, fn)
        where = f"step {at} ({step.n} steps seen, {sorted(p.name for p in ix_dir.iterdir())})"
        try:
            ids = ids_of(ix_dir)
        except Exception as exc:  # noqa: BLE001 - say which step left an index that does not open
            raise AssertionError(f"{where}: the index does not open: {exc!r}") from exc
        assert ids in (old_ids, new_ids), f"{where}: neither the old nor the new index"
        outcomes.add("new" if ids == new_ids else "old")
        with open_index(ix_dir) as ix:
            assert ix.search("alignment").total >= 0
        try:
            build_index([tmp_path / "new"], ix_dir, rebuild=True)  # and the next rebuild works
        except Exception as exc:  # noqa: BLE001
            raise AssertionError(f"{where}: the next rebuild failed: {exc!r}") from exc
        assert ids_of(ix_dir) == new_ids
        shutil.rmtree(ix_dir)
        if finished:
            break
    assert finished and outcomes == {"old", "new"} and at > 20, at
