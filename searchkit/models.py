"""Plain, frozen data types shared by every stage. No behaviour beyond conversions."""

from __future__ import annotations

from dataclasses import asdict, dataclass

PASSAGE, PAPER = "passage", "paper"
KINDS = (PASSAGE, PAPER)
LANGS = ("ja", "en", "und")  # Japanese, English, undetermined (no letters); the same rule everywhere
# The section title of a passage from a paper's original text beside its write-up (the summary
# page names it so; ingest sets it, the presentation labels counterparts by it).
ORIGINAL_SECTION = "原文"
ID_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:/#@+")


def valid_id(value: str) -> bool:
    """Ids are short and plain: letters, digits and -_.:/#@+ (never read as a path)."""
    return 0 < len(value) <= 256 and all(c in ID_CHARS for c in value)


@dataclass(frozen=True)
class Passage:
    """A paragraph, bullet or lede of a summary."""

    id: str
    doc: str
    text: str
    lang: str
    section: str = ""
    position: int = 0
    line: int = 0
    title: str = ""
    date: str = ""
    category: str = ""
    url: str = ""
    translation_of: str = ""  # id of the entry this one translates or summarises, if known
    kind: str = PASSAGE


@dataclass(frozen=True)
class Paper:
    """A paper entry: a title, optionally a description, an ISO date and a category."""

    id: str
    doc: str
    title: str
    lang: str
    description: str = ""
    date: str = ""
    category: str = ""
    section: str = ""
    position: int = 0
    line: int = 0
    url: str = ""
    translation_of: str = ""
    kind: str = PAPER

    @property
    def text(self) -> str:
        return self.description


Entry = Passage | Paper


@dataclass(frozen=True)
class Document:
    """Everything one source file yields. ``warnings`` lists records that were skipped."""

    path: str
    title: str
    entries: tuple[Entry, ...]
    warnings: tuple[str, ...] = ()

    @property
    def passages(self) -> list[Passage]:
        return [e for e in self.entries if isinstance(e, Passage)]

    @property
    def papers(self) -> list[Paper]:
        return [e for e in self.entries if isinstance(e, Paper)]


@dataclass(frozen=True)
class Span:
    """A highlighted match: ``[start, end)`` into the stored ``field`` (``text`` or ``title``)."""

    field: str
    start: int
    end: int
    term: str


@dataclass(frozen=True)
class Hit:
    """One search result, with everything needed to show and highlight it."""

    id: str
    kind: str
    lang: str
    score: float
    title: str
    text: str
    section: str
    date: str
    category: str
    doc: str
    url: str
    source: dict
    snippet: str = ""
    snippet_spans: tuple[tuple[int, int], ...] = ()
    highlights: tuple[Span, ...] = ()
    matched_terms: tuple[dict, ...] = ()  # {"term", "origin"}: what the highlights mark and why
    translation_of: str = ""  # the id this entry translates, as its file said
    # entries of the same document in the other language that this one translates or summarises
    # ({"id", "lang", "kind", "title", "text", "score"}); None: not looked up
    counterparts: tuple[dict, ...] | None = None
    explain: dict | None = None  # score contributions, when asked for
    # hybrid search: {"lexical": BM25 / best BM25, "semantic": cosine, "weight": lexical share}
    score_parts: dict | None = None

    def to_dict(self) -> dict:
        d = asdict(self)
        d["snippet_spans"] = [list(s) for s in self.snippet_spans]
        d["matched_terms"] = list(self.matched_terms)
        for key in ("counterparts", "explain", "score_parts"):
            if d[key] is None:
                del d[key]
        if self.counterparts is not None:
            d["counterparts"] = list(self.counterparts)
        return d
