"""A team's own terms: a glossary file, kept with the index or given per query.

Format: UTF-8 text, one term per line, ``term<TAB>translation[;translation...]``; ``#`` starts a
comment. Both directions are used. A file kept with the index lives at ``<index>/glossary.tsv``.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import SearchkitError
from .mining import normalize_key

INDEX_GLOSSARY = "glossary.tsv"


class GlossaryError(SearchkitError):
    """A glossary file cannot be read or has a malformed line."""


def load(path: Path) -> dict[str, set[str]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError as exc:
        raise GlossaryError(f"glossary {path}: no such file") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise GlossaryError(f"glossary {path}: cannot read ({exc.__class__.__name__}); it must be UTF-8 text") from exc
    out: dict[str, set[str]] = {}
    for n, line in enumerate(text.splitlines(), 1):
        line = line.split("#", 1)[0].strip() if not line.lstrip().startswith("#") else ""
        if not line:
            continue
        if "\t" not in line:
            raise GlossaryError(f"glossary {path}:{n}: expected 'term<TAB>translation', got {line[:40]!r}")
        term, _, targets = line.partition("\t")
        targets_l = [t.strip() for t in targets.split(";") if t.strip()]
        if not term.strip() or not targets_l:
            raise GlossaryError(f"glossary {path}:{n}: empty term or translation")
        for t in targets_l:
            out.setdefault(normalize_key(term), set()).add(t)
            out.setdefault(normalize_key(t), set()).add(term.strip())
    return out
