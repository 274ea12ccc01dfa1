"""Differential test: Whoosh and tantivy answer the same random queries alike.

Queries are drawn (seeded, so every run draws the same) from the query language's whole grammar:
words in both scripts, stop words, phrases, field and keyword clauses, date ranges, ``+`` / ``-``,
``AND`` / ``OR`` / ``NOT`` and nested groups, with and without translation and options. Both
engines must give the same total, the same hits and the same error; their BM25 scores may differ
a little (each engine's own statistics), but never by a whole clause's worth: a structural
difference (a part scored on one engine and not on the other) shows as hits about 1.0 apart.
"""

from __future__ import annotations

import random
import shutil

import pytest

from searchkit import build_index, open_index
from searchkit.errors import SearchkitError

from .conftest import DATA, ENGINES, SEEDS

WORDS = ["alignment", "faking", "reward", "hacking", "language", "models", "アライメント", "報酬", "偽装", "研究"]
WORDS += ["safety", "the", "a", "に", "AI", "sycophancy", "報酬関数の改ざん", "jailbreak", "訓練", "xyzzy"]
FIELDS = ["title:", "text:", "section:", "kind:", "lang:", "category:", "date:", "", "", ""]
VALUES = {
    "kind:": ["paper", "passage"],
    "lang:": ["ja", "en"],
    "category:": ["alignment", "Alignment", "safety"],
    "date:": ["2025", "2026", "2025-11..2026-01", "..2025-12", "2026.."],
}
OPTIONS = [{}, {}, {"lang": "ja"}, {"lang": "en"}, {"kind": "paper"}, {"since": "2025-12"}]


def _query(rng: random.Random, depth: int = 0) -> str:
    def atom() -> str:
        r = rng.random()
        if r < 0.12 and depth < 2:
            return "(" + _query(rng, depth + 1) + ")"
        if r < 0.22:
            return '"' + " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 3))) + '"'
        field = rng.choice(FIELDS)
        return field + rng.choice(VALUES.get(field, WORDS))

    out = rng.choice(["", "", "", "+", "-"]) + atom()
    for _ in range(rng.randint(0, 3)):
        out += rng.choice([" ", " ", " AND ", " OR ", " NOT "]) + rng.choice(["", "", "", "+", "-"]) + atom()
    return out


@pytest.fixture(scope="module")
def both(tmp_path_factory):
    root = tmp_path_factory.mktemp("agree")
    shutil.copytree(SEEDS, root / "seeds")
    shutil.copytree(DATA / "corpus", root / "extra")
    indexes = []
    for engine in ENGINES:
        build_index([root / "seeds", root / "extra"], root / engine, engine=engine)
        indexes.append(open_index(root / engine))
    yield indexes
    for ix in indexes:
        ix.close()


def _answer(ix, query: str, translate: bool, options: dict):
    try:
        r = ix.search(query, limit=200, translate=translate, counterparts=False, suggest=False, **options)
    except SearchkitError as exc:
        return "error", str(exc)
    return r.total, {h.id: h.score for h in r.hits}


@pytest.mark.parametrize("seed", range(4))
def test_random_queries_find_and_score_alike_on_both_engines(both, seed):
    rng = random.Random(seed)
    whoosh, tantivy = both
    for _ in range(60):
        query, translate, options = _query(rng), rng.random() < 0.5, rng.choice(OPTIONS)
        a, b = _answer(whoosh, query, translate, options), _answer(tantivy, query, translate, options)
        where = f"{query!r} translate={translate} {options}"
        assert a[0] == b[0], where
        if a[0] == "error":
            assert a[1] == b[1], where
            continue
        assert a[1].keys() == b[1].keys(), where
        apart = {
            k: (a[1][k], b[1][k]) for k in a[1] if abs(a[1][k] - b[1][k]) > max(0.45, 0.25 * max(a[1][k], b[1][k]))
        }
        assert not apart, f"{where}: {apart}"
