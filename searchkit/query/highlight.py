"""What a compiled query asks the search stage to mark in a hit."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Highlight:
    """What to mark in a hit: single terms anywhere, phrases only where they occur whole.

    ``origins`` maps a term (or a phrase's space-joined terms) to where it came from when it is
    not a word the user typed: e.g. ``"translation of 'alignment' (unidic)"``.
    """

    terms: frozenset[str] = frozenset()
    phrases: tuple[tuple[str, ...], ...] = field(default=())
    origins: dict = field(default_factory=dict, hash=False, compare=False)
