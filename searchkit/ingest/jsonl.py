"""JSON Lines: one record per line, the format scripts and benchmarks feed data in.

Fields: ``id``, ``doc``, ``kind`` (passage|paper), ``title``, ``text``, ``lang``, ``section``,
``date`` (ISO), ``category``, ``url``, ``translation_of`` (the id of the entry this one translates).
Only ``text`` or ``title`` is required. A bad line is
skipped with a warning naming the file and line; the other lines are still ingested.
"""

from __future__ import annotations

import json

from ..analysis.unicode import detect_lang
from ..models import KINDS, LANGS, PAPER, Document, Entry, Paper, Passage, valid_id
from .common import iso_date

FIELDS = ("id", "doc", "kind", "title", "text", "lang", "section", "date", "category", "url", "translation_of")


def _record(obj: object, line: int, doc_default: str, position: int) -> Entry:
    if not isinstance(obj, dict):
        raise ValueError("not a JSON object")
    rec = {}
    for key in FIELDS:
        value = obj.get(key, "")
        if value is None:
            value = ""
        if not isinstance(value, (str, int)) or isinstance(value, bool):
            raise ValueError(f"field {key!r} must be a string")
        rec[key] = str(value).strip()
    if not rec["text"] and not rec["title"]:
        raise ValueError("needs 'text' or 'title'")
    kind = rec["kind"] or "passage"
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
    doc = rec["doc"] or doc_default
    rid = rec["id"] or f"{doc_default}:{line}"
    if not valid_id(rid):
        raise ValueError(f"id {rid!r} may only use letters, digits and -_.:/#@+")
    date = iso_date(rec["date"]) if rec["date"] else ""
    lang = rec["lang"].lower() or detect_lang(rec["title"] + " " + rec["text"])
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {', '.join(LANGS)}, not {rec['lang']!r}")
    if rec["translation_of"] and not valid_id(rec["translation_of"]):
        raise ValueError(f"translation_of {rec['translation_of']!r} is not a valid id")
    common = dict(
        section=rec["section"],
        position=position,
        line=line,
        url=rec["url"],
        date=date,
        category=rec["category"],
        translation_of=rec["translation_of"],
    )
    if kind == PAPER:
        return Paper(rid, doc, rec["title"], lang, description=rec["text"], **common)
    return Passage(rid, doc, rec["text"], lang, title=rec["title"], **common)


def parse(text: str, path: str, doc_id: str) -> Document:
    entries: list[Entry] = []
    warnings: list[str] = []
    for n, raw in enumerate(text.split("\n"), start=1):
        if not raw.strip():
            continue
        try:
            entries.append(_record(json.loads(raw), n, doc_id, len(entries)))
        except ValueError as exc:  # json.JSONDecodeError is a ValueError
            warnings.append(f"{path}:{n}: skipped record, {str(exc).splitlines()[0]}")
    return Document(path, doc_id.rsplit("/", 1)[-1], tuple(entries), tuple(warnings))
