"""Filters: restrictions of a search that do not affect the score, lowered to keyword and date
clauses of :mod:`searchkit.query.tree`."""

from __future__ import annotations

from dataclasses import dataclass

from .tree import DateRangeQ, KeywordQ, Query


@dataclass(frozen=True)
class Filters:
    """Restrictions that do not affect the score."""

    lang: str = ""
    kind: str = ""
    category: str = ""
    since: str = ""
    until: str = ""
    doc: str = ""

    def clauses(self) -> list[Query]:
        out: list[Query] = []
        for name in ("lang", "kind", "category", "doc"):
            value = getattr(self, name)
            if value:
                out.append(KeywordQ(name, value))
        if self.since or self.until:
            out.append(DateRangeQ(self.since, self.until))
        return out
