"""Search options from outside (a --batch JSON line, a web query string) checked by one set of
rules: the names and types of :meth:`searchkit.Index.search`'s keywords, the same limits as the
command line. A bad value is a :class:`QuerySyntaxError` naming the option."""

from __future__ import annotations

from collections.abc import Mapping

from ..errors import QuerySyntaxError

MAX_LIMIT = 10_000
INTEGERS = {"limit": (0, MAX_LIMIT), "offset": (0, None)}
FLAGS = ("require_all", "translate", "explain", "suggest", "facets", "merge")
STRINGS = ("lang", "kind", "since", "until", "category", "semantic", "sort")
NAMES = frozenset(INTEGERS) | frozenset(FLAGS) | frozenset(STRINGS)
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def check_range(name: str, value: int) -> int:
    lo, hi = INTEGERS[name]
    if value < lo or (hi is not None and value > hi):
        bound = f"between {lo} and {hi:,}" if hi is not None else f"at least {lo}"
        raise QuerySyntaxError(f"{name} must be {bound}, not {value}")
    return value


def window(depth: int, limit: int, offset: int) -> int:
    """How many ranked hits a stage that re-ranks them reads: ``depth``, or down to the page's
    end when that is deeper, never more than MAX_LIMIT (deeper pages keep the engine's order)."""
    return min(max(depth, offset + limit), MAX_LIMIT)


def _integer(name: str, value: object) -> int:
    if isinstance(value, str):
        try:
            value = int(value.strip())
        except ValueError:
            raise QuerySyntaxError(f"{name} must be a whole number, not {value!r}") from None
    if not isinstance(value, int) or isinstance(value, bool):
        raise QuerySyntaxError(f"{name} must be a whole number, not {value!r}")
    return check_range(name, value)


def _flag(name: str, value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise QuerySyntaxError(f"{name} must be true or false, not {value!r}")


def search_options(values: Mapping[str, object]) -> dict:
    """``values`` (option name -> value, JSON-typed or strings) as keywords of Index.search."""
    unknown = sorted(set(values) - NAMES)
    if unknown:
        raise QuerySyntaxError(f"unknown option {', '.join(map(repr, unknown))} (known: {', '.join(sorted(NAMES))})")
    out: dict = {}
    for name, value in values.items():
        if name in INTEGERS:
            out[name] = _integer(name, value)
        elif name in FLAGS:
            out[name] = _flag(name, value)
        elif not isinstance(value, str):
            raise QuerySyntaxError(f"{name} must be a string, not {value!r}")
        else:
            out[name] = value
    return out


# the command-line names of the options (the CLI's flags, the web page's query string) -> the
# keywords of Index.search; a "no_" name is the negation of its keyword
COMMAND_LINE = {
    "limit": "limit",
    "offset": "offset",
    "lang": "lang",
    "kind": "kind",
    "category": "category",
    "since": "since",
    "until": "until",
    "all": "require_all",
    "no_translate": "translate",
    "no_suggest": "suggest",
    "explain": "explain",
    "facets": "facets",
    "semantic": "semantic",
    "sort": "sort",
}


def from_command_line(values: Mapping[str, object]) -> dict:
    """Options by their command-line names -> keywords of Index.search, checked by
    :func:`search_options`."""
    unknown = sorted(set(values) - set(COMMAND_LINE))
    if unknown:
        raise QuerySyntaxError(f"unknown option {', '.join(map(repr, unknown))} (known: {', '.join(COMMAND_LINE)})")
    opts = search_options({COMMAND_LINE[k]: v for k, v in values.items()})
    for name in values:
        if name.startswith("no_"):
            opts[COMMAND_LINE[name]] = not opts[COMMAND_LINE[name]]
    return opts
