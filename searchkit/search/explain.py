"""Why a hit scored what it did: each top-level clause of the query scored alone on it."""

from __future__ import annotations

from dataclasses import replace

from ..models import Hit
from ..query.compile import describe
from ..query.tree import BoolQ, KeywordQ, PhraseQ, Query, TermQ
from .searchable import Searchable


def explain_hit(index: Searchable, tree: Query, hit: Hit, placement=None, translated: dict | None = None) -> dict:
    """Score contributions of each top-level clause of the query to one hit, per field for
    plain terms and phrases. Each contribution is the clause scored alone on this record, so
    they add up to the final score when the clauses are alternatives (the default)."""
    clauses = list(tree.must + tree.should) if isinstance(tree, BoolQ) else [tree]
    parts = []
    only_me = [KeywordQ("id", hit.id)]
    for clause in clauses:
        if isinstance(clause, (TermQ, PhraseQ)) and clause.field is None:
            variants = [
                (f, replace(clause, field=f, boost=clause.boost * w)) for f, w in index.ranking.field_weights.items()
            ]
        else:
            variants = [("", clause)]
        for field, q in variants:
            page = index.engine.search(q, only_me, limit=1)
            if page.hits and page.hits[0].score:
                parts.append({"clause": describe(q), "field": field, "score": round(page.hits[0].score, 4)})
    out = {"score": hit.score, "contributions": parts}
    if translated:  # what the document translations added, and the score that ordered it (crosslang.doctrans)
        out["document_translation"] = {k: round(v, 4) for k, v in translated.items()}
    if placement is not None:  # how the merge across languages placed it (search.merge)
        out["merge"] = placement.to_dict()
    return out
