"""Plain-text research-summary pages (the format of ``seeds/``), and plain text in general.

A summary page saved as text is a sequence of lines: a topic title and lede, template labels
(キーポイント, 影響分析, 編集コメント) that open sections, UI toggles, a Japanese article
(headline + paragraphs), the English original after the 原文を表示 toggle, in which paper
entries appear as a title line followed by a description paragraph, then a paper listing whose
header and rows lost their cell separators (``DateCategoryTitleJan 29, 2026AlignmentHow ...``),
then page chrome (関連記事, 今日のまとめ, footer). A text file without those labels is parsed by
the same rules: headings open sections, every other line is a passage.
"""

from __future__ import annotations

import re
from collections import Counter

from ..analysis.unicode import detect_lang
from ..models import ORIGINAL_SECTION, Document, Entry, Paper, Passage
from .common import clean_line, parse_date

ORIGINAL_TOGGLE = "原文を表示"
# UI toggles of the page template: buttons, not content.
TOGGLES = frozenset({ORIGINAL_TOGGLE, "原文を隠す", "影響分析・編集コメントを表示", "影響分析・編集コメントを隠す"})
# Section labels of the page template.
LABELS = frozenset({"キーポイント", "影響分析", "編集コメント"})
# Navigation that ends the page's content: nothing from here on is searchable.
CHROME = frozenset({"関連記事", "今日のまとめ"})

_LISTING_HEADER = re.compile(r"^Date\s*Category\s*Title\s*")
_MONTHS = "Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec"
_DATED_ROW = re.compile(
    rf"^(?P<date>(?:(?:{_MONTHS})[a-z]*\.? \d{{1,2}}, \d{{4}})|\d{{4}}-\d{{2}}-\d{{2}})\s*(?P<rest>\S.*)$"
)
_SENTENCE_END = tuple("。．.!?！？")
_NOT_HEADING_END = tuple("。．.!?！？:：;；、,")


def _is_heading(line: str, following: str | None) -> bool:
    """A short line without final punctuation, followed by a longer paragraph that ends a sentence."""
    return (
        following is not None
        and len(line) <= 120
        and not line.endswith(_NOT_HEADING_END)
        and following.endswith(_SENTENCE_END)
        and len(following) > len(line)
    )


def _split_category(rows: list[str]) -> list[tuple[str, str]]:
    """Split glued ``CategoryTitle`` cells, letting the rows vote for the category.

    A candidate split is a lower-case letter directly followed by an upper-case one or a digit
    (``AlignmentHow``, ``Societal ImpactsA``). The category a row takes is its candidate that
    most rows share, so a title such as "OpenAI" inside a row cannot win over a real category.
    """
    candidates = []
    for rest in rows:
        cands = [k for k in range(1, len(rest)) if rest[k - 1].islower() and (rest[k].isupper() or rest[k].isdigit())]
        candidates.append(cands)
    votes = Counter(rest[:k] for rest, cands in zip(rows, candidates) for k in set(cands))
    out = []
    for rest, cands in zip(rows, candidates):
        if not cands:
            out.append(("", rest.strip()))
            continue
        best = max(cands, key=lambda k: (votes[rest[:k]], -k))
        out.append((rest[:best].strip(), rest[best:].strip()))
    return out


def parse(text: str, path: str, doc_id: str) -> Document:
    lines = [(n, clean_line(raw)) for n, raw in enumerate(text.split("\n"), start=1)]
    lines = [(n, s) for n, s in lines if s]
    entries: list[Entry] = []
    if not lines:
        return Document(path, doc_id, ())

    def structural(s: str) -> bool:
        return s in TOGGLES or s in LABELS or s in CHROME or bool(_LISTING_HEADER.match(s))

    def next_content(i: int) -> str | None:
        if i + 1 < len(lines) and not structural(lines[i + 1][1]):
            return lines[i + 1][1]
        return None

    title = doc_id.rsplit("/", 1)[-1]
    i = 0
    first = lines[0][1]
    if not structural(first) and not first.endswith(_SENTENCE_END) and len(first) <= 120:
        title = first
        i = 1
    section = title
    in_original = in_listing = False
    listing: list[tuple[int, str, str]] = []  # (line, iso date, "CategoryTitle")

    def add_passage(line_no: int, s: str) -> None:
        entries.append(Passage(f"{doc_id}:{line_no}", doc_id, s, detect_lang(s), section, len(entries), line_no))

    while i < len(lines):
        n, s = lines[i]
        if s in CHROME:
            break
        if s in TOGGLES:
            if s == ORIGINAL_TOGGLE:
                in_original, section = True, ORIGINAL_SECTION
            i += 1
            continue
        if s in LABELS:
            section = s
            i += 1
            continue
        header = _LISTING_HEADER.match(s)
        if header:
            in_listing = True
            s = s[header.end() :]
            if not s:
                i += 1
                continue
        row = _DATED_ROW.match(s) if in_listing else None
        if row:
            listing.append((n, parse_date(row["date"]), row["rest"]))
            i += 1
            continue
        in_listing = False
        following = next_content(i)
        if _is_heading(s, following):
            if in_original:
                entries.append(
                    Paper(
                        f"{doc_id}:{n}",
                        doc_id,
                        s,
                        detect_lang(s + " " + following),
                        description=following,
                        section=section,
                        position=len(entries),
                        line=n,
                    )
                )
                i += 2
                continue
            section = s
            i += 1
            continue
        add_passage(n, s)
        i += 1

    for (n, iso, _), (category, paper_title) in zip(listing, _split_category([r for _, _, r in listing])):
        entries.append(
            Paper(
                f"{doc_id}:{n}",
                doc_id,
                paper_title,
                detect_lang(paper_title),
                date=iso,
                category=category,
                section=section if in_original else "",
                position=len(entries),
                line=n,
            )
        )
    return Document(path, title, tuple(entries))
