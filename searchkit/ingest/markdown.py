"""Markdown summaries: headings open sections, every paragraph, list item, quote or code block
is a passage. Parsed with markdown-it-py (CommonMark), which gives each block its source lines."""

from __future__ import annotations

from markdown_it import MarkdownIt

from ..analysis.unicode import detect_lang
from ..models import Document, Entry, Passage
from .common import clean_line


def _inline_text(token) -> str:
    """The reader-visible text of an inline token: markup and link targets dropped."""
    parts = []
    for child in token.children or ():
        if child.type in ("text", "code_inline", "html_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif child.type == "image":
            parts.append(child.content)
    return clean_line("".join(parts))


def parse(text: str, path: str, doc_id: str) -> Document:
    tokens = MarkdownIt("commonmark").parse(text)
    entries: list[Entry] = []
    title = ""
    section = ""
    heading_level = 0
    for i, tok in enumerate(tokens):
        if tok.type == "inline" and i > 0:
            opener = tokens[i - 1]
            content = _inline_text(tok)
            if not content:
                continue
            if opener.type == "heading_open":
                heading_level = int(opener.tag[1])
                if heading_level == 1 and not title:
                    title = content
                section = content
                continue
            line = (opener.map[0] + 1) if opener.map else 0
            entries.append(
                Passage(f"{doc_id}:{line}", doc_id, content, detect_lang(content), section, len(entries), line)
            )
        elif tok.type in ("fence", "code_block") and tok.content.strip():
            line = tok.map[0] + 1 if tok.map else 0
            content = tok.content.rstrip("\n")
            entries.append(
                Passage(f"{doc_id}:{line}", doc_id, content, detect_lang(content), section, len(entries), line)
            )
    return Document(path, title or doc_id.rsplit("/", 1)[-1], tuple(entries))
