"""Hybrid ranking: BM25 (with query translation, as :func:`searchkit.search.run.rank` ranks it)
fused with the cosine similarity of the query's vector and every entry's vector.

Fusion (chosen on the dev half of ``python -m bench.crosslang``, README "Semantic search"): each
side is divided by its own best score on this query (BM25 / best BM25, cosine / best cosine),
then ``WEIGHT * lexical + (1 - WEIGHT) * semantic``; min-max normalisation and reciprocal-rank
fusion scored lower on dev (:func:`combine` has all three). The candidates are the lexical top
``DEPTH`` and the ``DEPTH`` nearest vectors that pass the filters and reach ``MIN_COSINE`` (an
unrelated query then matches nothing instead of everything: nonsense scores below 0.1, the
relevant abstract above 0.2 in 9 of 10 benchmark queries).

The vectors are searched exactly (one matrix product); filters are applied to the vectors'
own copy of each entry's keyword fields, so no engine query is needed to find candidates.
"""

from __future__ import annotations

import re
from dataclasses import replace

from ..engines.base import keyword_term
from ..models import Hit
from ..query.parse import operator_sign
from ..query.tree import BoolQ, DateRangeQ, KeywordQ, Query, is_restriction
from ..search.highlight import snippet
from ..search.run import FACETS, Ranked, SearchResult, present, record_to_hit

WEIGHT = 0.6  # the lexical share of the fused score
DEPTH = 100  # candidates from each side
MIN_COSINE = 0.15  # a nearest vector below this is not a candidate
BEST_SENTENCES = 20  # hits found by meaning alone whose closest sentence is sought (a page of 100
# would embed ~800 sentences: a second per query); the others show their text's beginning
METHODS = ("top", "minmax", "rrf")
MODES = ("auto", "on", "off", "only")  # auto: hybrid when the index has vectors

_OPERATOR = re.compile(r"^(AND|OR|NOT)$")
_FIELD = re.compile(r"^[+-]?[A-Za-z_]+:")
_SENTENCE = re.compile(r"[^。．！？!?.]+[。．！？!?.]*\s*")
_FACET_KEYS = {"kind": "kind", "lang": "lang", "year": "year", "category": "category"}


def semantic_text(query: str) -> str:
    """The words a query asks for, without operators, field filters and excluded words."""
    words, skip = [], False
    for tok in re.findall(r'-?"[^"]*"|\S+', query):
        if skip:
            skip = False
            continue
        if tok == "NOT":
            skip = True
            continue
        if _OPERATOR.match(tok) or _FIELD.match(tok) or operator_sign(tok) == "-":
            continue
        words.append(tok.lstrip("+-").replace('"', "").strip("()"))
    return " ".join(w for w in words if w)


def query_filters(tree: Query | None) -> tuple[list[Query], list[Query]]:
    """The required and excluded keyword/date clauses of a query (``lang:ja``, ``-kind:paper``),
    which a semantic candidate must respect too: those of the query and of its required parts
    (``(words lang:ja) AND more``: whatever a required part demands, the query demands)."""
    if is_restriction(tree):
        return [tree], []
    if not isinstance(tree, BoolQ):
        return [], []
    required = [c for c in tree.must if is_restriction(c)]
    excluded = [c for c in tree.must_not if is_restriction(c)]
    for part in tree.must:
        if isinstance(part, BoolQ) and not is_restriction(part):
            more, less = query_filters(part)
            required += more
            excluded += less
    return required, excluded


class Vectors:
    """The live vectors of one commit (float32, for the matrix product) and their filter fields."""

    def __init__(self, store, sources: dict[str, str]) -> None:
        import numpy as np

        live = store.live(sources)
        rows = [store.rows[i] for i in live]
        self.ids = [r.id for r in rows]
        dim = store.info["dim"]
        self.matrix = np.asarray(store.matrix[live], dtype=np.float32) if live else np.zeros((0, dim), np.float32)
        self.row = {rid: n for n, rid in enumerate(self.ids)}
        self._rows = dict(zip(self.ids, rows))
        fields = {k for r in rows for k in r.keys}
        self._columns = {f: np.array([r.keys.get(f, "") for r in rows], dtype=object) for f in fields}
        self._dates = np.array([r.date for r in rows], dtype=object)
        self.info = store.info

    def __len__(self) -> int:
        return len(self.ids)

    def cosines(self, qvec):
        return self.matrix @ qvec

    def mask(self, required: list[Query], excluded: list[Query]):
        """Which vectors pass every required clause and no excluded one."""
        import numpy as np

        ok = np.ones(len(self.ids), dtype=bool)
        for clause in required:
            ok &= self._matches(clause)
        for clause in excluded:
            ok &= ~self._matches(clause)
        return ok

    def _matches(self, clause: Query):
        """Which vectors ``clause`` allows: a keyword or date clause, or a group of them (any other
        clause, a word, allows every vector: words are the lexical side's business)."""
        import numpy as np

        if isinstance(clause, BoolQ) and is_restriction(clause):
            if clause.should:
                return np.logical_or.reduce([self._matches(c) for c in clause.should])
            ok = np.logical_and.reduce([self._matches(c) for c in clause.must])
            excluded = [self._matches(c) for c in clause.must_not if is_restriction(c)]
            return ok & ~np.logical_or.reduce(excluded) if excluded else ok
        if isinstance(clause, KeywordQ):
            field, term = keyword_term(clause)
            column = self._columns.get(field)
            return column == term if column is not None else np.zeros(len(self.ids), dtype=bool)
        if isinstance(clause, DateRangeQ):
            d = self._dates
            ok = d != ""
            if clause.start:
                ok &= d >= clause.start
            if clause.end:
                ok &= d <= clause.end
            return ok
        return np.ones(len(self.ids), dtype=bool)

    def nearest(self, cos, k: int) -> list[int]:
        """The ``k`` rows of highest ``cos``, best first (equal cosines by id)."""
        import numpy as np

        k = min(k, len(cos))
        if k <= 0:
            return []
        top = np.argpartition(-cos, k - 1)[:k]
        return sorted(top.tolist(), key=lambda n: (-float(cos[n]), self.ids[n]))

    def facet_values(self, rid: str) -> dict[str, str]:
        keys = self._rows[rid].keys
        return {f: keys.get(k, "") for f, k in _FACET_KEYS.items()}


def combine(
    lexical: dict[str, float], cosine: dict[str, float], weight: float = WEIGHT, method: str = "top"
) -> dict[str, float]:
    """Fused scores of the candidates. ``lexical``: BM25 of the lexical candidates; ``cosine``:
    the cosine of every candidate (lexical ones too). ``method``: "top" (each side divided by
    its best), "minmax" (each side scaled to 0..1 over its candidates), "rrf" (reciprocal ranks,
    k = 60, weighted)."""
    ids = set(lexical) | set(cosine)
    if method == "rrf":
        lex_rank = {d: n for n, d in enumerate(sorted(lexical, key=lambda d: (-lexical[d], d)))}
        cos_rank = {d: n for n, d in enumerate(sorted(cosine, key=lambda d: (-cosine[d], d)))}
        return {
            d: (weight / (60 + lex_rank[d]) if d in lex_rank else 0.0)
            + ((1 - weight) / (60 + cos_rank[d]) if d in cos_rank else 0.0)
            for d in ids
        }

    def scaled(values: dict[str, float]) -> dict[str, float]:
        if not values:
            return {}
        hi = max(values.values())
        lo = min(values.values()) if method == "minmax" else 0.0
        span = (hi - lo) or 1.0
        return {d: max(v - lo, 0.0) / span for d, v in values.items()}

    lex, cos = scaled(lexical), scaled(cosine)
    return {d: weight * lex.get(d, 0.0) + (1 - weight) * cos.get(d, 0.0) for d in ids}


def fuse(
    index,
    ranked: Ranked,
    vectors: Vectors,
    qvec,
    embedder,
    filters: list[Query],
    *,
    limit: int,
    offset: int,
    only: bool,
    explain: bool,
    facets: bool,
) -> SearchResult:
    """The fused page. ``ranked`` holds the lexical top hits from offset 0 (at least DEPTH of
    them; none for ``only``)."""
    import numpy as np

    tree = ranked.compiled.tree if ranked.compiled is not None else None
    required, excluded = query_filters(tree)
    cos = vectors.cosines(qvec)
    allowed = np.where(vectors.mask(filters + required, excluded), cos, -np.inf)
    near = [n for n in vectors.nearest(allowed, max(DEPTH, offset + limit)) if allowed[n] >= MIN_COSINE]
    lex_hits = {} if only else {h.record["id"]: h for h in ranked.page.hits}
    lex_scores = {rid: h.score for rid, h in lex_hits.items()}
    cosines = {rid: float(cos[vectors.row[rid]]) if rid in vectors.row else 0.0 for rid in lex_hits}
    extra = [vectors.ids[n] for n in near if vectors.ids[n] not in lex_hits]
    cosines.update((vectors.ids[n], float(cos[n])) for n in near)
    w = 0.0 if only else WEIGHT
    fused = combine(lex_scores, cosines, w)
    lex_top = max(list(lex_scores.values()) + [1e-9])
    order = sorted(fused, key=lambda rid: (-fused[rid], rid))
    page = order[offset : offset + limit]
    # hits found by meaning: highlighted where they hold the query's words (below the lexical
    # top, or with --semantic-only), else shown by their sentence closest to the query
    want = ranked.compiled.highlight if ranked.compiled is not None else None
    found = {rid: index.engine.get(rid) for rid in page if rid not in lex_hits}
    extra_hits = {rid: record_to_hit(index, rec, fused[rid], want) for rid, rec in found.items() if rec}
    unmarked = [found[rid] for rid, hit in extra_hits.items() if not hit.snippet_spans]
    sentences = _best_sentences(embedder, qvec, unmarked[:BEST_SENTENCES])
    hits: list[Hit] = []
    for rid in page:
        parts = {
            "lexical": round(lex_scores.get(rid, 0.0) / lex_top, 4),
            "semantic": round(cosines[rid], 4),
            "weight": w,
        }
        if rid in lex_hits:
            hit = present(index, ranked, lex_hits[rid].record, fused[rid], explain)
        elif rid in extra_hits:
            hit = extra_hits[rid]
            if rid in sentences:
                hit = replace(hit, snippet=sentences[rid], snippet_spans=())
        else:
            continue  # removed between the two reads (a commit under way): the retry handles it
        if explain:
            how = f"{w} x BM25/best BM25 + {round(1 - w, 2)} x cosine/best cosine"
            hit = replace(
                hit, explain={**(hit.explain or {}), "hybrid": {**parts, "fused": round(fused[rid], 4), "how": how}}
            )
        hits.append(replace(hit, score=round(fused[rid], 4), score_parts=parts))
    if only:
        total = len(near)
    else:
        total = ranked.page.total + len(extra) - _lexical_matches(index.engine, ranked, extra)
    counts = None
    if facets:
        counts = {f: {} for f in FACETS} if only else {f: dict(v) for f, v in (ranked.facets or {}).items()}
        for rid in extra:
            for f, value in vectors.facet_values(rid).items():
                if value:
                    counts[f][value] = counts[f].get(value, 0) + 1
    explained = ranked.explained
    if explained is not None:
        explained = {**explained, "semantic": {"model": vectors.info, "weight": w, "candidates": len(near)}}
    return SearchResult(ranked.query, total, hits, explained, facets=counts)


def _lexical_matches(engine, ranked: Ranked, ids: list[str]) -> int:
    """How many of ``ids`` the lexical query matches below its top hits (counted once; the
    filters need no second look: the vectors' candidates passed them already)."""
    if not ids or ranked.compiled is None or ranked.page.total <= len(ranked.page.hits):
        return 0  # every lexical match is among the top hits
    return engine.matching_among(ranked.compiled.tree, ids)


def _best_sentences(embedder, qvec, records: list[dict]) -> dict[str, str]:
    """For hits found by meaning alone: the sentence of their text closest to the query."""
    pieces, texts = [], []
    for rec in records:
        text = rec.get("text", "")
        for m in _SENTENCE.finditer(text):
            if m.group().strip():
                pieces.append((rec["id"], m.start(), text, rec.get("lang", "")))
                texts.append(m.group())
    if not pieces:
        return {}
    cos = embedder.passages(texts) @ qvec
    best: dict[str, tuple[float, int, str, str]] = {}
    for piece, c in zip(pieces, cos):
        rid = piece[0]
        if rid not in best or c > best[rid][0]:
            best[rid] = (float(c), *piece[1:])
    out = {}
    for rid, (_, start, text, lang) in best.items():
        snip, _ = snippet(text[start:], [], lang)
        out[rid] = ("…" if start > 0 else "") + snip
    return out
