"""How a hit is shown, the same in the terminal and on the web page: highlighted segments of a
text and the label of a hit's counterpart in the other language."""

from __future__ import annotations

from collections.abc import Iterable


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
