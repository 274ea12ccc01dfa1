"""searchkit: full-text search for research summaries in Japanese and English."""

from .errors import SearchkitError
from .indexing.index import Index, IndexReport, build_index, open_index
from .models import Document, Hit, Paper, Passage, Span
from .search.run import SearchResult
from .version import __version__


def search(index: Index, query: str, **options) -> SearchResult:
    """``index.search(query, **options)``: ranked, highlighted hits."""
    return index.search(query, **options)


__all__ = [
    "Document",
    "Hit",
    "Index",
    "IndexReport",
    "Paper",
    "Passage",
    "SearchResult",
    "SearchkitError",
    "Span",
    "__version__",
    "build_index",
    "open_index",
    "search",
]
