"""The command line: a thin typer layer over the library. The only module that prints or exits.

Exit codes (like ripgrep): 0 = results, 1 = no results, 2 = usage or input error.
"""

from __future__ import annotations

import errno
import json
import os
import sys
from pathlib import Path
from typing import Optional

import typer
from typer.core import TyperGroup, TyperOption

from . import errors
from .errors import IndexMissingError, NotFoundError, SearchkitError
from .search.options import from_command_line
from .search.present import counterpart_label, counterpart_title, display_title, segments

EXIT_OK, EXIT_NO_HITS, EXIT_ERROR, EXIT_INTERRUPTED = 0, 1, 2, 130


_LINE_BREAKS = str.maketrans({"\u2028": "\\u2028", "\u2029": "\\u2029", "\x85": "\\u0085"})


def _json(obj) -> str:
    """JSON on one line for any reader: the Unicode line separators a JSON encoder leaves raw
    (U+2028, U+2029, U+0085; str.splitlines and JavaScript split at them) are escaped."""
    return json.dumps(obj, ensure_ascii=False).translate(_LINE_BREAKS)


def _dash_word(command, args: list[str]) -> str:
    """The first argument that starts with '-' but is none of ``command``'s options (a query
    word such as ``-alignment``, which click would read as ``-a -l ignment``); '' if none."""
    if command is None:
        return ""
    takes_value, flags = set(), set()
    for p in command.params:
        if isinstance(p, TyperOption):
            names = p.opts + p.secondary_opts
            (flags if p.is_flag or p.count else takes_value).update(names)
    known = takes_value | flags | {"-h", "--help"}
    skip = False
    for arg in args:
        if skip:
            skip = False
            continue
        if arg == "--":
            return ""
        if not arg.startswith("-") or arg == "-":
            continue
        name = arg.split("=", 1)[0] if arg.startswith("--") else arg
        if name in known:
            skip = name in takes_value and "=" not in arg
            continue
        if not arg.startswith("--") and len(arg) > 2:
            if arg[:2] in takes_value and arg[2:].isdigit():
                continue  # -n5
            if all(f"-{c}" in flags for c in arg[1:]):
                continue  # -aq: several flags
        return arg
    return ""


class _Group(TyperGroup):
    """Every usage error (bad option, bad value, a query word read as options) is one
    ``searchkit: error:`` line and exit 2, never a usage box."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        args = list(sys.argv[1:] if args is None else args)
        if not args:  # the help text (no_args_is_help), as typer prints it
            return super().main(
                args=args, prog_name=prog_name, complete_var=complete_var, standalone_mode=standalone_mode, **extra
            )
        try:
            word = _dash_word(self.commands.get(args[0]) if args else None, args[1:])
            if word:
                raise typer.TyperException(
                    f"unknown option {word!r} (to search for a word that starts with '-', put -- before "
                    f"the query: searchkit {args[0]} -- {word})"
                )
            code = super().main(
                args=args, prog_name=prog_name, complete_var=complete_var, standalone_mode=False, **extra
            )
            code = code if isinstance(code, int) else EXIT_OK
        except typer.TyperException as exc:  # typer's usage errors (bad option, value, parameter)
            hint = f" (see: searchkit {args[0]} --help)" if args and args[0] in self.commands else ""
            message = " ".join(exc.format_message().split())
            typer.echo(f"searchkit: error: {message}{hint}", err=True)
            code = EXIT_ERROR
        except typer.Abort:
            typer.echo("searchkit: interrupted", err=True)
            code = EXIT_INTERRUPTED
        if not standalone_mode:
            return code
        sys.exit(code)


app = typer.Typer(
    cls=_Group,
    no_args_is_help=True,
    help="Full-text search for research summaries in Japanese and English.",
    context_settings={"help_option_names": ["-h", "--help"]},
    rich_markup_mode=None,  # plain help, as git and ripgrep print it: value names, no type labels on flags
)
COLOR_WHEN = ("auto", "always", "never")


def _version(value: bool) -> None:
    if value:
        from .version import __version__

        typer.echo(f"searchkit {__version__}")
        raise typer.Exit(EXIT_OK)


def _flag(*names: str, **kw):
    """An on/off option: help shows no value placeholder for it."""
    return typer.Option(False, *names, metavar="", **kw)


@app.callback()
def _global_options(
    ctx: typer.Context,
    color: str = typer.Option(
        "auto", "--color", metavar="WHEN", help="Colours: auto (a terminal, and NO_COLOR not set), always or never."
    ),
    version: bool = _flag("--version", callback=_version, is_eager=True, help="Print the version."),
) -> None:
    if color not in COLOR_WHEN:
        raise typer.BadParameter(f"{color!r} is not one of {', '.join(COLOR_WHEN)}", param_hint="'--color'")
    # click's echo strips colours from what it writes when the context says so (None: when the
    # stream is not a terminal); commands inherit it. https://no-color.org: any non-empty value
    auto = False if os.environ.get("NO_COLOR") else None
    ctx.color = {"always": True, "never": False}.get(color, auto)


DEFAULT_INDEX = "index"
DEFAULT_SOURCE = "seeds"

IndexOpt = typer.Option(
    None,
    "--index",
    "-i",
    metavar="DIR",
    help="Index folder (default: $SEARCHKIT_INDEX, else ./index).",
    show_default=False,
)
JsonOpt = _flag("--json", help="One JSON object on stdout.")
JsonlOpt = _flag("--jsonl", help="One JSON object per line on stdout.")
CsvOpt = _flag("--csv", help="CSV with a header row (columns in the README).")
SinceOpt = typer.Option("", "--since", metavar="DATE", help="Only entries dated on/after YYYY[-MM[-DD]].")
UntilOpt = typer.Option("", "--until", metavar="DATE", help="Only entries dated on/before YYYY[-MM[-DD]].")
CategoryOpt = typer.Option(
    "", "--category", "-c", metavar="NAME", help="Only entries of this category (case-insensitive)."
)
LangOpt = typer.Option("", "--lang", "-l", metavar="ja|en", help="Only entries in this language: ja or en.")


def _fail(message: str, code: int = EXIT_ERROR) -> None:
    typer.echo(f"searchkit: {message}", err=True)
    raise typer.Exit(code)


def describe(exc: SearchkitError) -> str:
    """A library error as one line for the terminal: what is wrong, then the command that fixes it."""
    remedy = {
        errors.REBUILD: f"; rebuild with: searchkit index --rebuild --index {exc.path}",
        errors.REBUILD_ENGINE: f": searchkit index --rebuild --engine {exc.detail} --index {exc.path}",
        errors.OTHER_FOLDER: "; choose another --index folder",
        errors.RETRY: ": run the same command again, perhaps with --workers 1",
        errors.SEMANTIC: f"; (re)compute them with: searchkit index --semantic --index {exc.path}",
        errors.TRANSLATE_DOCUMENTS: f": searchkit index --rebuild --translate-documents --index {exc.path}",
    }.get(exc.remedy, "")
    return f"{exc}{remedy}"


def _run(fn):
    """Turn library errors into one line on stderr and exit 2; Ctrl-C and closed pipes end quietly."""
    try:
        return fn()
    except SearchkitError as exc:
        _fail(f"error: {describe(exc)}")
    except KeyboardInterrupt:
        _fail("interrupted; the index keeps its last completed update", EXIT_INTERRUPTED)
    except BrokenPipeError:
        # stdout closed early (| head): exit quietly, and keep Python from complaining at shutdown
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        raise typer.Exit(EXIT_OK) from None


def _index_path(option: Optional[Path]) -> tuple[Path, bool]:
    """The index folder and whether the user named it (option or $SEARCHKIT_INDEX)."""
    if option is not None:
        return option, True
    env = os.environ.get("SEARCHKIT_INDEX")
    if env:
        return Path(env), True
    return Path(DEFAULT_INDEX), False


def _open(option: Optional[Path]):
    """Open the index; on a fresh clone build the default index from ./seeds first."""
    from . import build_index, open_index
    from .indexing import manifest

    path, named = _index_path(option)
    if path.exists() and not path.is_dir():
        raise IndexMissingError(f"{path} is a file, not an index folder; give the folder of an index with --index")
    if not manifest.exists(path):
        if named:
            raise IndexMissingError(
                f"no searchkit index at {path}; create it with: searchkit index PATH --index {path}"
            )
        if not Path(DEFAULT_SOURCE).is_dir():
            raise IndexMissingError(
                f"no index in ./{DEFAULT_INDEX} and no ./{DEFAULT_SOURCE} to build it from; run: searchkit index PATH"
            )
        typer.echo(f"searchkit: no index yet; building ./{DEFAULT_INDEX} from ./{DEFAULT_SOURCE}/ ...", err=True)
        report = build_index([DEFAULT_SOURCE], path, engine=os.environ.get("SEARCHKIT_ENGINE") or None)
        typer.echo(f"searchkit: {report.summary()}", err=True)
    return open_index(path)


class _Progress:
    """A progress bar on stderr, sized once the number of entries is known."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.bar = None

    def on_total(self, total: int) -> None:
        pass  # each stage announces its own total (stage)

    def stage(self, label: str, total: int) -> None:
        """A new bar per stage (embedding, indexing); the commit is a line of its own."""
        self.close()
        if not self.enabled:
            return
        if total:
            self.bar = typer.progressbar(length=total, label=f"{label:<9}", file=sys.stderr)
            self.bar.__enter__()
        elif label == "committing":
            typer.echo("committing ...", err=True)

    def advance(self, n: int) -> None:
        if self.bar is not None:
            self.bar.update(n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


@app.command("index")
def index_cmd(
    paths: list[Path] = typer.Argument(None, metavar="PATH...", help="Files or folders to index (default: ./seeds)."),
    index: Optional[Path] = IndexOpt,
    rebuild: bool = _flag("--rebuild", help="Start over: build a new index, then replace the old one."),
    quiet: bool = _flag("--quiet", "-q", help="No progress bar, only problems and the summary."),
    no_mine: bool = _flag(
        "--no-mine", help="With a new index or --rebuild: do not mine translation pairs from the text."
    ),
    workers: Optional[int] = typer.Option(
        None,
        "--workers",
        metavar="N",
        min=1,
        help="Analysis processes (default: every core for 2,000+ entries; 1: no pool).",
    ),
    engine: Optional[str] = typer.Option(
        None,
        "--engine",
        metavar="whoosh|tantivy",
        envvar="SEARCHKIT_ENGINE",
        show_envvar=False,
        help="With a new index or --rebuild: whoosh (the default) or tantivy (large collections); recorded in the index. Default: $SEARCHKIT_ENGINE.",
    ),
    semantic: bool = _flag(
        "--semantic",
        help="Also compute a vector of every entry for semantic search (needs the semantic extra; kept from then on).",
    ),
    exclude: list[str] = typer.Option(
        [],
        "--exclude",
        metavar="GLOB",
        help="Leave out files matching GLOB (git's syntax, relative to each folder; repeatable). .gitignore and .searchkitignore files are honoured too.",
    ),
    translate_documents: bool = _flag(
        "--translate-documents",
        help="With a new index or --rebuild: also keep each entry's dictionary translation, which re-ranks translated queries (better cross-language ranking; slower indexing; kept from then on).",
    ),
) -> None:
    """Index files (.txt summary pages, .md, .jsonl); unchanged files are skipped."""
    from . import build_index

    def go():
        sources = list(paths) if paths else [Path(DEFAULT_SOURCE)]
        path, _ = _index_path(index)
        progress = _Progress(enabled=not quiet and sys.stderr.isatty())
        try:
            report = build_index(
                sources,
                path,
                rebuild=rebuild,
                progress=progress.advance,
                on_total=progress.on_total,
                on_stage=progress.stage,
                mine_pairs=not no_mine,
                workers=workers,
                engine=engine,
                semantic=semantic,
                exclude=tuple(exclude),
                translate_documents=translate_documents,
            )
        finally:
            progress.close()
        if not quiet:
            for line in report.ignored + report.advice:  # not problems: the exit status stays
                typer.echo(f"searchkit: note: {line}", err=True)
        for line in report.skipped + report.warnings:  # every one, with its reason
            typer.echo(f"searchkit: {line}", err=True)
        typer.echo(f"{path}: {report.summary()}", err=True)
        if report.skipped or report.warnings:
            raise typer.Exit(EXIT_NO_HITS)  # indexed, but not everything: say so in the status

    _run(go)


# --csv: one row per hit, these columns, in this order (README, "JSON output")
CSV_COLUMNS = ("rank", "id", "kind", "lang", "score", "date", "category", "title", "snippet", "path", "line", "url")


def _write_csv(hits, offset: int = 0) -> None:
    import csv

    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(CSV_COLUMNS)
    for n, h in enumerate(hits, offset + 1):
        title = display_title(h)
        out.writerow(
            [
                n,
                h.id,
                h.kind,
                h.lang,
                h.score,
                h.date,
                h.category,
                title,
                h.snippet.replace("\n", " "),
                h.source["path"],
                h.source["line"],
                h.url,
            ]
        )


def _one_format(*chosen: bool) -> None:
    if sum(chosen) > 1:
        raise SearchkitError("choose one of --json, --jsonl and --csv")


@app.command("remove")
def remove_cmd(
    paths: list[Path] = typer.Argument(
        ..., metavar="PATH...", help="Indexed files or folders (they need not exist any more)."
    ),
    index: Optional[Path] = IndexOpt,
) -> None:
    """Take files out of the index (a folder: every indexed file under it)."""

    def go():
        with _open(index) as ix:
            report = ix.remove(list(paths))
        for path in report.removed:
            typer.echo(f"removed {_display_path(path)}", err=True)
        typer.echo(f"{ix.path}: {report.summary()}", err=True)

    _run(go)


def _emit_hits(result, as_json: bool, as_jsonl: bool, as_csv: bool = False, offset: int = 0, links=None) -> None:
    if as_json:
        typer.echo(_json(result.to_dict()))
    elif as_jsonl:
        for hit in result.hits:
            typer.echo(_json(hit.to_dict()))
    elif as_csv:
        _write_csv(result.hits, offset)
    else:
        _print_hits(result.hits, result.total, result.query, links)


def _translation_label(t: dict, siblings: list[dict]) -> str:
    """``curiosity [jmdict 0.45]``; a translation reached through something else (derived,
    chained, a related form) or standing for one of several term sets of the same word shows the
    index terms it searched: ``simplification = simplifi [jmdict 0.18, via a related form]``."""
    label = t["to"]
    if t.get("via") or sum(s["to"] == t["to"] for s in siblings) > 1:
        label += " = " + " ".join(t["terms"])
    via = f", via {t['via']}" if t.get("via") else ""
    return f"{label} [{t['source']} {t['weight']:.2f}{via}]"


def _print_explain(explain: dict, err: bool = False) -> None:
    typer.echo(f"query:  {explain['tree']}", err=err)
    for unit in explain["translations"]:
        tag = " (inside a longer unit)" if unit["partial"] else ""
        items = ", ".join(_translation_label(t, unit["translations"]) for t in unit["translations"])
        typer.echo(f"  {unit['unit']}{tag} -> {items}", err=err)
    if not explain["translations"]:
        typer.echo("  (no translations)", err=err)
    merge = explain.get("merge")
    if merge:
        scaled = ", ".join(f"{lang} x{f:.2f}" for lang, f in merge["factors"].items() if lang != merge["own_lang"])
        typer.echo(
            f"  merged by language: each scaled to the {merge['own_lang']} best ({scaled or 'nothing to scale'})",
            err=err,
        )
    typer.echo("", err=err)


def _print_facets(facets: dict, err: bool = False) -> None:
    for field, counts in facets.items():
        values = ", ".join(f"{v} {n}" for v, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
        typer.echo(f"{field + ':':10}{values or '-'}", err=err)


def _mark(snippet: str, spans) -> str:
    return "".join(
        typer.style(piece, fg=typer.colors.YELLOW, bold=True) if hit else piece
        for piece, hit in segments(snippet, spans)
    )


def _display_path(path: str) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:
        return path


def _links(ctx: typer.Context) -> bool:
    """Whether to print terminal hyperlinks: stdout is a terminal with colours on (or --color
    always); never into a pipe, with NO_COLOR, --color never or TERM=dumb."""
    wanted = ctx.color if ctx.color is not None else sys.stdout.isatty()
    return bool(wanted) and os.environ.get("TERM") != "dumb"


def _hyperlink(text: str, path: str, line: int, links: bool) -> str:
    """``text`` as an OSC 8 terminal hyperlink to the file (one click opens it in the terminal's
    editor) when ``links``; plain text otherwise."""
    if not links or not path:
        return text
    from urllib.parse import quote

    uri = "file://" + quote(os.path.abspath(path)) + f"#L{line}"  # the line: understood by some editors
    return f"\x1b]8;;{uri}\x1b\\{text}\x1b]8;;\x1b\\"


def _print_hits(hits, total: int | None, query: str | None, links: bool | None = False) -> None:
    for n, h in enumerate(hits, 1):
        tags = " ".join(x for x in (h.kind, h.lang, h.date, h.category) if x)
        heading = display_title(h)
        typer.echo(f"{n:>2}. {typer.style(heading, bold=True)}  " + typer.style(f"[{tags}]", dim=True))
        if h.snippet and h.snippet != h.title:
            typer.echo("    " + _mark(h.snippet, h.snippet_spans).replace("\n", " "))
        elif h.title and h.highlights:
            pass
        for cp in (h.counterparts or ())[:1]:
            label = counterpart_label(h.lang)
            # an untitled counterpart (a JSONL record) by its text's beginning, as the web page shows it
            name = counterpart_title(h, cp) if cp.get("title") else " ".join(cp.get("text", "").split())
            typer.echo(typer.style(f"    {label}: {cp['id']}  {name[:70]}", fg=typer.colors.CYAN))
        if h.score_parts is not None and h.explain is not None:
            sp = h.score_parts
            typer.echo(
                typer.style(
                    f"    = {h.score:.2f} fused: {sp['weight']} x BM25/best {sp['lexical']:.2f}"
                    f" + {1 - sp['weight']:.1f} x cosine {sp['semantic']:.2f}/best",
                    fg=typer.colors.BLUE,
                )
            )
        if h.explain is not None and "contributions" in h.explain:
            parts = ", ".join(f"{c['clause']} {c['score']:.2f}" for c in h.explain["contributions"])
            doc = h.explain.get("document_translation")
            if doc:
                parts += f"; document translation +{doc['added']:.2f} (ordered by {doc['fused']:.2f} within {h.lang})"
            placed = h.explain.get("merge")
            via = (
                f" (= {placed['raw_score']:.2f} x{placed['factor']:.2f} to match the query language's best)"
                if placed and placed["factor"] != 1.0
                else ""
            )
            typer.echo(typer.style(f"    = {h.score:.2f}{via}: {parts}", fg=typer.colors.BLUE))
        loc = _hyperlink(
            f"{_display_path(h.source['path'])}:{h.source['line']}", h.source["path"], h.source["line"], bool(links)
        )
        score = f"  score {h.score:.2f}" if query is not None else ""
        typer.echo(typer.style(f"    {h.id}  {loc}{score}", dim=True))
    if total is not None:
        shown = f"{len(hits)} of {total}" if total > len(hits) else f"{total}"
        noun = "result" if total == 1 else "results"
        typer.echo(typer.style(f"{shown} {noun}" + (f" for {query!r}" if query else ""), dim=True), err=True)


@app.command("search")
def search_cmd(
    ctx: typer.Context,
    words: Optional[list[str]] = typer.Argument(
        None,
        metavar="QUERY...",
        help='Query: words, "phrases", AND/OR/NOT, +must -not, field:value (several arguments are one query).',
    ),
    index: Optional[Path] = IndexOpt,
    limit: int = typer.Option(10, "--limit", "-n", metavar="N", help="Maximum number of hits."),
    offset: int = typer.Option(0, "--offset", metavar="N", help="Skip this many hits (paging)."),
    lang: str = LangOpt,
    kind: str = typer.Option(
        "", "--kind", "-k", metavar="passage|paper", help="Only passages or papers: passage | paper."
    ),
    since: str = SinceOpt,
    until: str = UntilOpt,
    category: str = CategoryOpt,
    require_all: bool = _flag("--all", "-a", help="Every word must match (default: rank by how many)."),
    as_json: bool = JsonOpt,
    as_jsonl: bool = JsonlOpt,
    as_csv: bool = CsvOpt,
    batch: Optional[str] = typer.Option(
        None,
        "--batch",
        metavar="FILE",
        help="Read queries from FILE (or - for stdin), one per line or JSON object; write JSONL.",
    ),
    no_translate: bool = _flag("--no-translate", help="Search only the words as typed (no ja<->en)."),
    glossary: Optional[Path] = typer.Option(
        None, "--glossary", metavar="FILE", help="Extra glossary file: term<TAB>translation;..."
    ),
    explain: bool = _flag("--explain", help="Show the expanded query and every translation."),
    no_suggest: bool = _flag("--no-suggest", help="No did-you-mean suggestion for misspelt queries."),
    facets: bool = _flag("--facets", help="Also count the matching entries by kind, lang, year and category."),
    semantic: bool = _flag(
        "--semantic", help="Fuse BM25 with the entries' vectors (the default when the index has them)."
    ),
    no_semantic: bool = _flag("--no-semantic", help="Lexical ranking only, even with vectors."),
    semantic_only: bool = _flag("--semantic-only", help="Rank by the vectors alone."),
    sort: str = typer.Option(
        "score",
        "--sort",
        metavar="score|date|-date",
        help="Relevance (default), oldest first, or newest first; undated entries come last.",
    ),
) -> None:
    """Search the index (Japanese and English, translated both ways). Exit status 0 with hits, 1 without, 2 on errors."""

    query = " ".join(words or [])  # what the shell split apart: `search alignment faking`

    def go():
        _one_format(as_json, as_jsonl, as_csv)
        opts = from_command_line(
            dict(
                limit=limit,
                offset=offset,
                lang=lang,
                kind=kind,
                since=since,
                until=until,
                category=category,
                all=require_all,
                no_translate=no_translate,
                explain=explain,
                no_suggest=no_suggest,
                facets=facets,
                semantic=_semantic_mode(semantic, no_semantic, semantic_only),
                sort=sort,
            )
        )
        opts["glossary"] = glossary
        with _open(index) as ix:
            if batch is not None:
                if query:
                    raise SearchkitError("give either a QUERY or --batch, not both")
                return _batch(ix, batch, opts)
            result = ix.search(query, **opts)
            if explain and not as_json:
                _print_explain(result.explain, err=as_jsonl)
            _emit_hits(result, as_json, as_jsonl, as_csv, offset, _links(ctx))
            if result.facets is not None and not as_json:
                _print_facets(result.facets, err=as_jsonl)
            if result.suggestion and not as_json:
                typer.echo(typer.style(f"did you mean: {result.suggestion}", fg=typer.colors.MAGENTA), err=True)
            raise typer.Exit(EXIT_OK if result.hits or result.total else EXIT_NO_HITS)

    _run(go)


def _semantic_mode(on: bool, off: bool, only: bool) -> str:
    if on + off + only > 1:
        raise SearchkitError("choose one of --semantic, --no-semantic and --semantic-only")
    return "on" if on else "off" if off else "only" if only else "auto"


def _batch_lines(source: str):
    """(line number, text) of a --batch file or stdin; a missing, binary or non-UTF-8 file is
    one clear error before any query runs."""
    if source == "-":
        data = sys.stdin.buffer.read() if hasattr(sys.stdin, "buffer") else sys.stdin.read().encode("utf-8")
    else:
        try:
            data = Path(source).read_bytes()
        except IsADirectoryError:
            raise SearchkitError(f"--batch {source}: is a folder; give a file with one query per line") from None
        except OSError as exc:
            raise SearchkitError(f"--batch {source}: cannot read ({exc.strerror or exc})") from None
    if b"\x00" in data[:8192]:
        raise SearchkitError(f"--batch {source}: looks like a binary file; give a text file with one query per line")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SearchkitError(f"--batch {source}: not UTF-8 text (byte {exc.start})") from None
    # lines end at "\n" only (str.splitlines would also split at U+2028, U+0085, form feeds
    # inside a query, and the output would no longer be one line per input line)
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return enumerate((line.removesuffix("\r") for line in lines), 1)


def _batch_query(line: str) -> tuple[object, str, dict]:
    """(id, query text, options) of one --batch line: plain text or a JSON object."""
    if not line.lstrip().startswith("{"):
        return None, line, {}
    try:
        obj = json.loads(line)
    except ValueError as exc:
        raise SearchkitError(f"not valid JSON ({exc.msg} at column {exc.colno})") from None
    if not isinstance(obj, dict):
        raise SearchkitError("a JSON line must be an object")
    return obj.pop("id", None), obj.pop("query", ""), obj


def _batch(ix, source: str, defaults: dict) -> None:
    """One JSONL result line per input line, in order, each with its ``line`` number (and ``id``
    when given); a bad line gives an ``error`` object and the batch goes on. Exit 2 when any line
    failed, else 0 when any query found something, else 1."""
    from .search.options import search_options

    any_hits = failed = False
    for n, line in _batch_lines(source):
        qid, text = None, "" if line.lstrip().startswith("{") else line
        try:
            if not line.strip():
                out = {"query": "", "total": 0, "suggestion": None, "hits": []}  # one output line per input line
            else:
                qid, text, given = _batch_query(line)
                if not isinstance(text, str):
                    raise SearchkitError(f"query must be a string, not {text!r}")
                result = ix.search(text, **{**defaults, **search_options(given)})
                out = result.to_dict()
                any_hits = any_hits or bool(result.total)
        except SearchkitError as exc:
            failed = True
            out = {"query": text if isinstance(text, str) else "", "error": describe(exc).splitlines()[0]}
        out["line"] = n
        if qid is not None:
            out["id"] = qid
        typer.echo(_json(out))
    raise typer.Exit(EXIT_ERROR if failed else EXIT_OK if any_hits else EXIT_NO_HITS)


@app.command("papers")
def papers_cmd(
    index: Optional[Path] = IndexOpt,
    since: str = SinceOpt,
    until: str = UntilOpt,
    category: str = CategoryOpt,
    lang: str = LangOpt,
    as_json: bool = JsonOpt,
    as_jsonl: bool = JsonlOpt,
    as_csv: bool = CsvOpt,
    limit: Optional[int] = typer.Option(None, "--limit", "-n", metavar="N", help="At most this many (default: all)."),
    offset: int = typer.Option(0, "--offset", metavar="N", help="Skip this many (paging)."),
    oldest: bool = _flag("--oldest", help="Oldest first (undated entries stay last)."),
) -> None:
    """List paper entries, newest first."""

    def go():
        _one_format(as_json, as_jsonl, as_csv)
        with _open(index) as ix:
            papers = ix.papers(
                since=since,
                until=until,
                category=category,
                lang=lang,
                limit=limit,
                offset=offset,
                order="oldest" if oldest else "newest",
            )
        if as_json:
            typer.echo(_json(papers.to_dict()))
        elif as_jsonl:
            for p in papers:
                typer.echo(_json(p.to_dict()))
        elif as_csv:
            _write_csv(papers.hits, offset)
        else:
            for p in papers:
                typer.echo(
                    f"{p.date or '          '}  {p.category or '-':<12}  {p.title}  " + typer.style(p.id, dim=True)
                )
        if not (as_json or as_jsonl or as_csv) and papers.total > len(papers):
            typer.echo(typer.style(f"{len(papers)} of {papers.total} paper entries", dim=True), err=True)
        raise typer.Exit(EXIT_OK if papers.total else EXIT_NO_HITS)

    _run(go)


@app.command("show")
def show_cmd(
    entry_id: str = typer.Argument(..., metavar="ID", help="An entry id, or a document id (shows all its entries)."),
    index: Optional[Path] = IndexOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Show one entry in full, or a whole document: its passages and paper entries in order."""

    def go():
        with _open(index) as ix:
            try:
                hits, whole = [ix.get(entry_id)], False
            except NotFoundError:
                hits, whole = ix.document(entry_id), True  # not an entry: perhaps a document
        if as_json:
            typer.echo(_json({"doc": entry_id, "entries": [h.to_dict() for h in hits]} if whole else hits[0].to_dict()))
            return
        if whole:
            where = f"{_display_path(hits[0].source['path'])}"
            typer.echo(typer.style(f"document {entry_id}: {len(hits)} entries from {where}", bold=True))
        for n, hit in enumerate(hits):
            if n:
                typer.echo("")
            fields = [("id", hit.id), ("kind", hit.kind), ("lang", hit.lang), ("title", hit.title)]
            fields += [("section", hit.section), ("date", hit.date), ("category", hit.category), ("url", hit.url)]
            fields.append(("source", f"{_display_path(hit.source['path'])}:{hit.source['line']}"))
            for label, value in fields:
                if value:
                    typer.echo(f"{label + ':':<9} {value}")
            if hit.text:
                typer.echo("")
                typer.echo(hit.text)

    _run(go)


LOOPBACK = ("127.0.0.1", "localhost", "::1")


def _listen(host: str, port: int):
    """A listening socket on host:port, or one clear error (port in use, unknown address)."""
    import socket

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise SearchkitError(f"--host {host}: not an address of this machine ({exc.strerror})") from None
    family, _, _, _, address = infos[0]
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
        sock.listen(128)
    except OSError as exc:
        sock.close()
        reason = "the port is in use (choose another with --port)" if exc.errno == errno.EADDRINUSE else exc.strerror
        raise SearchkitError(f"cannot listen on {host}:{port}: {reason}") from None
    return sock


@app.command("serve")
def serve_cmd(
    index: Optional[Path] = IndexOpt,
    host: str = typer.Option(
        "127.0.0.1", "--host", metavar="ADDRESS", help="Address to listen on (loopback by default)."
    ),
    port: int = typer.Option(8000, "--port", "-p", metavar="PORT", min=1, max=65535, help="Port to listen on."),
    allow_remote: bool = _flag("--allow-remote", help="Required to listen on a non-loopback address."),
) -> None:
    """Serve a local web page for searching and reading (and /api/search, the JSON of search --json)."""

    def go():
        if host not in LOOPBACK and not allow_remote:
            raise SearchkitError(
                f"--host {host} would make the index readable from other machines; add --allow-remote to do that"
            )
        import uvicorn

        from .web.app import create_app

        sock = _listen(host, port)  # before anything is printed: a port in use is one error line
        ix = _open(index)
        if host not in LOOPBACK:
            typer.echo(
                f"searchkit: warning: serving {ix.path} to the network on {host}:{port}; there is no authentication",
                err=True,
            )
        typer.echo(f"searchkit: serving {ix.path} on http://{host}:{port}/ (Ctrl-C stops)", err=True)
        try:
            config = uvicorn.Config(create_app(ix), log_level="warning")
            uvicorn.Server(config).run(sockets=[sock])
        finally:
            sock.close()
            ix.close()

    _run(go)


@app.command("similar")
def similar_cmd(
    ctx: typer.Context,
    entry_id: str = typer.Argument(..., metavar="ID", help="An id from search or papers output."),
    index: Optional[Path] = IndexOpt,
    limit: int = typer.Option(10, "--limit", "-n", metavar="N", help="Maximum number of entries."),
    as_json: bool = JsonOpt,
    as_jsonl: bool = JsonlOpt,
) -> None:
    """Entries similar to one entry, in both languages (more-like-this)."""

    def go():
        with _open(index) as ix:
            hits = ix.similar(entry_id, limit=limit)
        if as_json:
            typer.echo(_json({"id": entry_id, "total": len(hits), "hits": [h.to_dict() for h in hits]}))
        elif as_jsonl:
            for h in hits:
                typer.echo(_json(h.to_dict()))
        else:
            _print_hits(hits, len(hits), None, _links(ctx))
        raise typer.Exit(EXIT_OK if hits else EXIT_NO_HITS)

    _run(go)


@app.command("stats")
def stats_cmd(index: Optional[Path] = IndexOpt, as_json: bool = JsonOpt) -> None:
    """What the index holds: entries by kind, language and category; engine and versions."""

    def go():
        with _open(index) as ix:
            st = ix.stats()
        if as_json:
            typer.echo(_json(st))
            return
        typer.echo(f"index:    {st['index']} ({st['engine']}, {st['engine_version']})")
        typer.echo(f"entries:  {st['entries']} from {st['files']} files, {st['documents']} documents")
        for key in ("by_kind", "by_lang", "by_category"):
            counts = ", ".join(f"{k} {v}" for k, v in sorted(st[key].items(), key=lambda kv: -kv[1]))
            typer.echo(f"{key[3:] + ':':<9} {counts or '-'}")
        d = st["dictionary"]
        typer.echo(f"analysis: fugashi {d.get('fugashi')}, {d.get('dictionary')} {d.get('dictionary_version')}")
        typer.echo(f"updated:  {st['updated']}")
        newest = st["newest_file"]
        if newest:
            typer.echo(f"newest:   {_display_path(newest['path'])} ({newest['modified']})")
        typer.echo(f"size:     {st['size_bytes'] / 1e6:.1f} MB on disk")
        typer.echo(
            f"pairs:    {st['glossary_pairs']} from the glossary, {st['mined_pairs']} mined from parentheses, "
            f"{st['learned_pairs']} learned from linked passages"
        )
        typer.echo(f"documents translated: {'yes' if st['document_translations'] else 'no'}")
        sem = st["semantic"]
        typer.echo(f"vectors:  {sem['vectors']} ({sem['model']} {sem['version']})" if sem else "vectors:  none")

    _run(go)


def main() -> None:
    app()
