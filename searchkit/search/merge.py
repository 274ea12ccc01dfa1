"""Fair merging across languages: the original next to the summary.

A translated query scores other-language entries through translations weighted 0.1-0.5 of a
typed word, so without merging nearly every own-language hit outranks every other-language hit,
however good. When a query is translated and not filtered by language, each language's hits are
ranked on their own (one engine pass, grouped by the ``lang`` column), and the other languages'
scores are scaled towards the query language's best score before the lists are merged:

    merged = score * (own_best / lang_best) ** alpha

``alpha = 1`` puts each language's best hit level with the query language's best (ties go to the
query language); ``alpha = 0`` is plain score order. ``alpha`` was chosen on the dev half of the
mixed-index benchmark (``bench.crosslang``, "merge" rows): the other-language counterpart rises
while the own-language results keep their place.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..engines.base import EngineHit, SearchPage
from ..models import LANGS

ALPHA = 0.5


@dataclass(frozen=True)
class Placement:
    """How the merge placed one hit (shown by --explain)."""

    lang: str
    raw_score: float
    factor: float

    def to_dict(self) -> dict:
        return {"lang": self.lang, "raw_score": round(self.raw_score, 4), "factor": round(self.factor, 4)}


def merged_page(
    engine,
    tree,
    clauses,
    limit: int,
    offset: int,
    own: str,
    languages: tuple[str, ...] = LANGS,
    alpha: float = ALPHA,
    rerank=None,
    depth: int = 0,
) -> tuple[SearchPage, dict, dict[str, Placement]]:
    """(page, what the merge did, placement of each hit by id); ``languages``: those the index
    holds (no search for a language without entries). ``rerank(hits) -> hits``, when given,
    re-orders each other language's best ``depth`` (at least the page) before they are merged."""
    groups = engine.search_groups(tree, clauses, "lang", languages, max(offset + limit, depth if rerank else 0))
    if rerank is not None:
        groups = {
            lang: page if lang == own else SearchPage(page.total, rerank(page.hits)) for lang, page in groups.items()
        }
    best = {lang: page.hits[0].score for lang, page in groups.items() if page.hits and page.hits[0].score > 0}
    ref = best.get(own) or max(best.values(), default=1.0)
    factors = {lang: 1.0 if lang == own else (ref / b) ** alpha for lang, b in best.items()}
    ranked = []
    for lang, page in groups.items():
        f = factors.get(lang, 1.0)
        for h in page.hits:
            ranked.append((h.score * f, lang != own, h.record["id"], h, Placement(lang, h.score, f)))
    # ties (to 1e-9: a scaled best equals the query language's best up to rounding) go to the
    # query's language, then by id
    ranked.sort(key=lambda r: (-round(r[0], 9), r[1], r[2]))
    window = ranked[offset : offset + limit]
    hits = [EngineHit(h.record, score) for score, _, _, h, _ in window]
    total = sum(page.total for page in groups.values())
    info = {
        "own_lang": own,
        "alpha": alpha,
        "best": {k: round(v, 4) for k, v in best.items()},
        "factors": {k: round(v, 4) for k, v in factors.items()},
    }
    return SearchPage(total, hits), info, {h.record["id"]: p for _, _, _, h, p in window}
