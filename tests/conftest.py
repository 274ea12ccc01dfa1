from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from searchkit import build_index, open_index
from searchkit.analysis.analyzer import Analyzer

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
SEED_FILE = SEEDS / "000_2db909a8ebb65741.txt"
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="session")
def analyzer() -> Analyzer:
    return Analyzer()


ENGINES = ("whoosh", "tantivy")


@pytest.fixture(scope="session", params=ENGINES)
def engine(request) -> str:
    """Every test that uses an index runs once per engine: the engines must behave alike."""
    return request.param


@pytest.fixture(scope="session")
def seed_index(tmp_path_factory, engine):
    """The seed corpus plus the small test corpus, indexed once per session and engine (read-only)."""
    root = tmp_path_factory.mktemp(f"corpus-{engine}")
    shutil.copytree(SEEDS, root / "seeds")
    shutil.copytree(DATA / "corpus", root / "extra")
    ix_dir = root / "index"
    build_index([root / "seeds", root / "extra"], ix_dir, engine=engine)
    ix = open_index(ix_dir)
    yield ix
    ix.close()


@pytest.fixture
def workdir(tmp_path, monkeypatch, engine):
    """A fresh clone-like working directory with ./seeds and no index, as cwd; an index built
    there uses ``engine`` (through $SEARCHKIT_ENGINE)."""
    shutil.copytree(SEEDS, tmp_path / "seeds")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SEARCHKIT_INDEX", raising=False)
    monkeypatch.setenv("SEARCHKIT_ENGINE", engine)
    return tmp_path


def child_pids(pid: int | None = None) -> list[int]:
    """Live (not zombie) child processes of ``pid`` (default: this process), from /proc."""
    import os

    pid = os.getpid() if pid is None else pid
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(stat.parent.name))
    return found
