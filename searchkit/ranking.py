"""Ranking parameters in one place, engine-agnostic. Change them only with numbers from bench/.

BM25 k1/b are Lucene's defaults until the relevance benchmark tunes them. Field weights are
query-time boosts: a paper whose title matches outranks a passing mention in a paragraph, while a
title weight above ~3 would let a one-word title beat every body match (Whoosh adds per-field
BM25 scores rather than combining term frequencies first).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Ranking:
    k1: float = 1.2
    b: float = 0.75
    idf: str = "lucene"  # "lucene": log(1 + (N - n + .5)/(n + .5)); "whoosh": log(N/(n+1)) + 1
    # "body" is title + text in one field; "title" and "section" add a little on top
    field_weights: dict = field(default_factory=lambda: {"body": 1.0, "title": 0.5, "section": 0.2})
    # extra score for unquoted words that also occur as a phrase ("alignment faking")
    phrase_boost: float = 1.5
    # longest unquoted word sequence that gets a phrase boost (long claims would never match)
    phrase_boost_max_terms: int = 6


DEFAULT = Ranking()
