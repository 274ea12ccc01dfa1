"""The web application: Starlette routes, Jinja2 templates (autoescaped), local static files.

Every page calls :class:`searchkit.Index` exactly as the CLI does; ``/api/search`` returns the
JSON of ``searchkit search --json``. Document text reaches the page only through Jinja2's
autoescaping; highlights are rendered from :func:`searchkit.search.present.segments`, so ``<mark>`` is the only markup
added to document text.
"""

from __future__ import annotations

import threading
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from ..errors import REBUILD, REBUILD_ENGINE, RETRY, NotFoundError, QuerySyntaxError, SearchkitError
from ..indexing.index import Index
from ..search.options import COMMAND_LINE, from_command_line
from ..search.present import counterpart_label, counterpart_title, display_title, segments
from ..search.run import FACETS

HERE = Path(__file__).parent
PAGE_SIZE = 10
PAPERS_PAGE = 100  # paper entries per page of /papers
PAGE_OPTIONS = (
    "sort",
    "semantic",
    "lang",
    "kind",
    "category",
    "since",
    "until",
    "all",
    "no_translate",
    "no_suggest",
)  # the page sets the rest


def link_url(url: str) -> str:
    """``url`` if it may be a link: an absolute http(s) address; '' for anything else
    (``javascript:``, ``data:``, relative paths), which the page shows as text."""
    from urllib.parse import urlsplit

    url = url.strip()
    if any(ord(c) < 33 or c in "\\\x7f" for c in url):
        return ""  # browsers drop tabs and newlines inside a scheme ("java\tscript:")
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    return url if parts.scheme.lower() in ("http", "https") and parts.netloc else ""


def query_with(params: dict, **changes) -> str:
    """The query string of ``params`` with ``changes`` applied; empty values are left out."""
    from urllib.parse import urlencode

    merged = {**params, **{k: str(v) for k, v in changes.items()}}
    return urlencode({k: v for k, v in merged.items() if v not in ("", None)})


def _int(value: str | None, default: int, lo: int, hi: int) -> int:
    try:
        return min(max(int(value), lo), hi) if value not in (None, "") else default
    except ValueError:
        return default


PAGE_PARAMS = ("q", "year", "page")


def _search_options(params, allowed: tuple[str, ...] = tuple(COMMAND_LINE)) -> dict:
    """Query-string parameters -> keyword arguments of Index.search, checked by the same rules
    as --batch and the CLI (:func:`searchkit.search.options.from_command_line`); a bad one is an error."""
    unknown = sorted(k for k in params if k not in allowed and k not in PAGE_PARAMS)
    if unknown:
        raise QuerySyntaxError(
            f"unknown parameter {', '.join(map(repr, unknown))} (known: {', '.join(PAGE_PARAMS + allowed)})"
        )
    opts = from_command_line({k: params[k] for k in allowed if params.get(k, "") != ""})
    year = params.get("year", "")
    if year:
        opts["since"] = opts["until"] = year
    return opts


def _message(exc: SearchkitError) -> str:
    """A library error for a reader of the page (who may not run the server): what is wrong, and
    what the server's owner must do about the index, without a command line."""
    return {
        REBUILD: f"{exc} (the index needs to be rebuilt)",
        REBUILD_ENGINE: f"{exc} (the index needs to be rebuilt)",
        RETRY: f"{exc} (try again)",
    }.get(exc.remedy, str(exc))


def create_app(index: Index) -> Starlette:
    """The app serving one open index; calls into the index are serialised by a lock (the
    engines' searchers are not shared between threads)."""
    lock = threading.Lock()
    env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html"]))
    env.globals["marked"] = segments
    env.globals["counterpart_label"] = counterpart_label
    env.globals["display_title"] = display_title
    env.globals["counterpart_title"] = counterpart_title
    env.globals["query_with"] = query_with
    env.globals["link_url"] = link_url
    env.globals["has_vectors"] = index.has_vectors
    env.globals["spans_of"] = lambda hit, field: [(s.start, s.end) for s in hit.highlights if s.field == field]

    def page(name: str, status: int = 200, **ctx) -> HTMLResponse:
        return HTMLResponse(env.get_template(name).render(**ctx), status_code=status)

    def error_page(message: str, status: int, q: str = "") -> HTMLResponse:
        return page("error.html", status=status, message=message, q=q)

    def home(request: Request):
        params = request.query_params
        q = params.get("q", "").strip()
        filters = {k: params.get(k, "") for k in FACETS if params.get(k)}  # a facet click filters
        if not q and not filters:
            with lock:
                stats = index.stats()
            return page("search.html", q="", result=None, filters={}, stats=stats)
        pg = _int(params.get("page"), 1, 1, 1000)
        try:
            opts = _search_options(params, PAGE_OPTIONS)
            with lock:
                result = index.search(q, limit=PAGE_SIZE, offset=(pg - 1) * PAGE_SIZE, facets=True, **opts)
        except SearchkitError as exc:
            return error_page(_message(exc), 400, q)
        pages = max(1, -(-result.total // PAGE_SIZE))
        return page(
            "search.html",
            q=q,
            result=result,
            filters=filters,
            page=pg,
            pages=pages,
            page_size=PAGE_SIZE,
            params=dict(params),
            stats=None,
            semantic=params.get("semantic", ""),
            sort=params.get("sort", ""),
        )

    def entry(request: Request):
        entry_id = request.path_params["entry_id"]
        try:
            with lock:
                hit = index.get(entry_id)
                originals = [index.get(c["id"]) for c in (hit.counterparts or ())[:1]]
                pg = _int(request.query_params.get("page"), 1, 1, 100_000)
                papers = (
                    index.papers(doc=hit.doc, limit=PAPERS_PAGE, offset=(pg - 1) * PAPERS_PAGE) if hit.doc else None
                )
                similar = index.similar(entry_id, limit=5)
        except NotFoundError as exc:
            return error_page(_message(exc), 404)
        except SearchkitError as exc:
            return error_page(_message(exc), 400)
        pages = max(1, -(-papers.total // PAPERS_PAGE)) if papers else 1
        return page(
            "entry.html", hit=hit, originals=originals, papers=papers, similar=similar, page=pg, pages=pages, q=""
        )

    def papers(request: Request):
        params = request.query_params
        category, year = params.get("category", ""), params.get("year", "")
        order = "oldest" if params.get("sort") == "oldest" else "newest"
        pg = _int(params.get("page"), 1, 1, 100_000)
        try:
            with lock:
                every = index.papers()
                shown = index.papers(
                    category=category,
                    since=year,
                    until=year,
                    order=order,
                    limit=PAPERS_PAGE,
                    offset=(pg - 1) * PAPERS_PAGE,
                )
        except SearchkitError as exc:
            return error_page(_message(exc), 400)
        categories = sorted({p.category for p in every if p.category})
        years = sorted({p.date[:4] for p in every if p.date}, reverse=True)
        return page(
            "papers.html",
            papers=shown.hits,
            matching=shown.total,
            total=every.total,
            categories=categories,
            years=years,
            category=category,
            year=year,
            order=order,
            page=pg,
            pages=max(1, -(-shown.total // PAPERS_PAGE)),
            page_size=PAPERS_PAGE,
            params=dict(params),
            q="",
        )

    def api_search(request: Request):
        params = request.query_params
        q = params.get("q", "")
        try:
            opts = _search_options(params)
            with lock:
                result = index.search(q, **opts)
        except SearchkitError as exc:
            return JSONResponse({"error": _message(exc), "remedy": exc.remedy}, status_code=400)
        return JSONResponse(result.to_dict())

    routes = [
        Route("/", home),
        Route("/entry/{entry_id:path}", entry),
        Route("/papers", papers),
        Route("/api/search", api_search),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    return Starlette(routes=routes)
