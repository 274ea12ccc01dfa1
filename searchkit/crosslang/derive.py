"""Derivational morphology shared by both directions: a Japanese derivational suffix and the
English endings that make the same derivation (頑健性 = robust-ness, 戦略的 = strateg-ic,
最適化 = optimiz-ation, 攻撃者 = attack-er, 利用可能性 = us-ability). A rule over word classes,
not a word list: the words themselves come from the dictionaries and the index."""

from __future__ import annotations

# Japanese suffix -> English endings (longest first where they overlap)
SUFFIX_ENDINGS: dict[str, tuple[str, ...]] = {
    "可能性": ("ability", "ibility"),
    "性": ("ness", "ity"),
    "化": ("ization", "isation", "ize", "ise"),
    "的": ("ically", "ical", "ally", "ic", "al", "ly"),
    "者": ("er", "or", "ist"),
}
JA_SUFFIXES = frozenset(SUFFIX_ENDINGS) | {"可能"}


def english_derivation(word: str) -> tuple[str, str] | None:
    """(base word, Japanese suffix) of an English derived word: robustness -> (robust, 性),
    deliberately -> (deliberate, 的); None when no ending applies or too little is left."""
    w = word.lower()
    best = None
    for suffix, endings in SUFFIX_ENDINGS.items():
        for ending in endings:
            if w.endswith(ending) and len(w) - len(ending) >= 4 and (best is None or len(ending) > len(best[2])):
                best = (w[: -len(ending)], suffix, ending)
    if best is None:
        return None
    base, suffix, _ = best
    return base, suffix  # a lost final e does not matter: dictionary keys are stemmed
