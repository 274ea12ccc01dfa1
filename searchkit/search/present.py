"""How a hit is shown, the same in the terminal and on the web page: highlighted segments of a
text and the label of a hit's counterpart in the other language."""

from __future__ import annotations

from collections.abc import Iterable

from ..models import ORIGINAL_SECTION


def segments(text: str, spans: Iterable[tuple[int, int]]) -> list[tuple[str, bool]]:
    """``text`` cut into (piece, highlighted) segments at the [start, end) ``spans`` (overlapping
    or out-of-range spans are skipped)."""
    out, last = [], 0
    for s, e in sorted(spans):
        if s < last or e > len(text):
            continue
        if s > last:
            out.append((text[last:s], False))
        out.append((text[s:e], True))
        last = e
    if last < len(text):
        out.append((text[last:], False))
    return out


def counterpart_label(lang: str) -> str:
    """What a hit's counterpart is to it: a Japanese write-up's English original, or an English
    original's Japanese translation (or summary)."""
    return "原文 / original" if lang == "ja" else "訳 / translation"


def display_title(hit) -> str:
    """What a hit is called on screen: its title; else its section; but a passage of a summary
    page's "原文" section (the English original, which has no heading of its own on the page) is
    named after the article its linked Japanese passages are under, as "<article> · 原文"."""
    if hit.title:
        return hit.title
    if hit.section == ORIGINAL_SECTION:
        for cp in hit.counterparts or ():
            if cp.get("title") and cp["title"] != ORIGINAL_SECTION:
                return f"{cp['title']} · {ORIGINAL_SECTION}"
    return hit.section or hit.doc or hit.id


def counterpart_title(hit, cp: dict) -> str:
    """A counterpart's name under ``hit``: an untitled "原文" passage is the original of the
    article ``hit`` belongs to."""
    if cp.get("title") == ORIGINAL_SECTION and cp.get("kind") == "passage":
        return f"{hit.title or hit.section} · {ORIGINAL_SECTION}"
    return cp.get("title") or cp.get("id", "")
