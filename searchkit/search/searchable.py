"""What the search stage needs from an index: its engine, its analyzer, its ranking and the
languages it holds. :class:`searchkit.indexing.index.Index` is one; the search stage does not
import the indexing stage (which calls it), so the dependency runs one way."""

from __future__ import annotations

from typing import Protocol

from ..analysis.analyzer import Analyzer
from ..engines.base import Engine
from ..ranking import Ranking


class Searchable(Protocol):
    engine: Engine
    analyzer: Analyzer
    ranking: Ranking

    def languages(self) -> frozenset[str]:
        """The languages of the indexed entries (ja, en, und)."""
        ...
