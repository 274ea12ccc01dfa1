"""Ranking parameters in one place, engine-agnostic. Change them only with numbers from bench/.

Tuned on SciFact *train* (809 queries; ``python -m bench.tune``), never on the reported test split:

| setting | train nDCG@10 |
|---|---|
| k1 0.9-1.2, b 0.6-0.75, title 0.1, phrase 1.5 | 0.686-0.687 (k1 and b barely matter) |
| same, title weight 0.5 | 0.678-0.681 (title weight above ~0.1 hurts: Whoosh adds per-field BM25 scores) |
| k1 1.2, b 0.6, title 0.1, phrase boost 0 / 0.5 / 1.5 / 3.0 | 0.700 / 0.697 / 0.687 / 0.668 |
| Whoosh idf, title 2.0, no body field (the first version) | 0.615 on test |
| after phrases were scored by their own frequency (2026-12-05): k1 1.2, title 0.1, b 0.6 / 0.75, phrase 0 / 0.5 / 1.0 / 1.5 | 0.700 / 0.698 / 0.696 / 0.692 at either b |

``b`` is 0.75 since then: SciFact cannot tell 0.6 from 0.75, and 0.75 is what tantivy's BM25 uses
(it does not expose k1 or b), so both engines rank with one function.

The phrase boost costs 0.003 on SciFact's long claims (which rarely have 2-6 words) and is kept
small because it is what ranks "alignment faking" side by side above the two words apart in short
queries. ``body`` (title + text as one field) carries the ranking; title and section add a little.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Ranking:
    k1: float = 1.2
    b: float = 0.75  # = tantivy's fixed value
    idf: str = "lucene"  # "lucene": log(1 + (N - n + .5)/(n + .5)); "whoosh": log(N/(n+1)) + 1
    # "body" is title + text in one field; "title" and "section" add a little on top
    field_weights: dict = field(default_factory=lambda: {"body": 1.0, "title": 0.1, "section": 0.2})
    # extra score for unquoted words that also occur as a phrase ("alignment faking")
    phrase_boost: float = 0.5
    # longest unquoted word sequence that gets a phrase boost (long claims would never match)
    phrase_boost_max_terms: int = 6


DEFAULT = Ranking()
