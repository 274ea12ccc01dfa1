"""Helpers shared by the format parsers: decoding bytes and cleaning lines."""

from __future__ import annotations

import codecs
import re
from datetime import date, datetime
from pathlib import Path

from ..errors import IngestError
from ..settings import max_file_bytes

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Tried in order when there is no BOM. UTF-8 is strict enough that legacy Japanese encodings
# practically never decode as UTF-8 by accident; cp932 (Shift_JIS) is far more common than EUC-JP.
_FALLBACKS = ("utf-8", "cp932", "euc_jp")


def decode(data: bytes, name: str) -> str:
    """Decode file bytes: BOM first, then UTF-8, Shift_JIS, EUC-JP; binary files are refused."""
    for bom, enc in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(enc)
            except UnicodeDecodeError as exc:
                raise IngestError(f"{name}: not valid {enc} despite its byte-order mark") from exc
    if b"\x00" in data[:8192]:
        raise IngestError(f"{name}: skipped, looks like a binary file")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.reason == "unexpected end of data" and exc.start >= len(data) - 3:
            # a file cut inside its last character (an interrupted copy): keep everything before it
            return data[: exc.start].decode("utf-8")
    # Shift_JIS and EUC-JP bytes often decode (wrongly) as each other: keep the reading that looks
    # like Japanese (hiragana), not like mojibake (half-width katakana, private-use characters)
    readings = []
    for enc in _FALLBACKS[1:]:
        try:
            readings.append(data.decode(enc))
        except UnicodeDecodeError:
            continue
    if readings:
        return max(readings, key=_japanese_likeness)
    raise IngestError(f"{name}: skipped, not UTF-8, Shift_JIS or EUC-JP text")


def read_bytes(path: Path, limit: int | None = None) -> bytes:
    """A file's bytes; files over the size limit ($SEARCHKIT_MAX_FILE_MB, default 64) are refused."""
    limit = max_file_bytes() if limit is None else limit
    try:
        size = path.stat().st_size
        if size > limit:
            raise IngestError(
                f"{path}: skipped, {size / 1e6:.0f} MB is over the {limit / 1e6:.0f} MB limit "
                f"(raise it with SEARCHKIT_MAX_FILE_MB)"
            )
        return path.read_bytes()
    except OSError as exc:
        raise IngestError(f"{path}: skipped, cannot read ({exc.strerror or exc})") from exc


def _japanese_likeness(text: str) -> int:
    good = sum(1 for ch in text if "\u3041" <= ch <= "\u309f" or ch in "。、")
    bad = sum(1 for ch in text if "\uff61" <= ch <= "\uff9f" or "\ue000" <= ch <= "\uf8ff")
    return good - 2 * bad


def read_text(path: Path, data: bytes | None = None) -> str:
    if data is None:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise IngestError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    return decode(data, str(path)).replace("\r\n", "\n").replace("\r", "\n")


_SPACES = re.compile(r"[ \t\u3000]+")


def clean_line(line: str) -> str:
    return _SPACES.sub(" ", line).strip()


_DATE_FORMATS = ("%b %d, %Y", "%B %d, %Y", "%b. %d, %Y", "%Y-%m-%d", "%Y/%m/%d", "%Y年%m月%d日")


def parse_date(value: str) -> str:
    """A date in any of the common written forms -> ISO ``YYYY-MM-DD``; ValueError otherwise."""
    value = value.strip()
    if not value:
        return ""
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}[T ].*", value):
        value = value[:10]
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(value, fmt).date().isoformat()
        except ValueError:
            continue
    raise ValueError(f"not a date: {value!r} (use YYYY-MM-DD)")


def iso_date(value: str) -> str:
    """Validate a strict ISO date, returned unchanged."""
    return date.fromisoformat(value).isoformat()
