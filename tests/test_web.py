"""The web page's routes through an HTTP test client (the browser tests are in test_browser.py)."""

from __future__ import annotations

import json
import re
import shutil

import pytest
from starlette.testclient import TestClient

from searchkit import build_index, open_index
from searchkit.search.present import segments
from searchkit.web.app import create_app

from .conftest import DATA, SEEDS


@pytest.fixture(scope="module")
def client(tmp_path_factory, engine):
    root = tmp_path_factory.mktemp(f"web-{engine}")
    shutil.copytree(SEEDS, root / "seeds")
    shutil.copytree(DATA / "web", root / "web")
    build_index([root / "seeds", root / "web"], root / "ix", engine=engine)
    with open_index(root / "ix") as ix:
        yield TestClient(create_app(ix))


def test_home_has_a_focused_search_box(client):
    page = client.get("/").text
    assert re.search(r'<input type="search" name="q"[^>]*autofocus', page)
    assert "/static/style.css" in page and "http://" not in page.split("<main>")[0].replace('name="q"', "")


def test_search_page_highlights_and_links_the_original(client):
    page = client.get("/", params={"q": "alignment faking"}).text
    assert "<mark>Alignment faking</mark> in large language models" in page
    assert "訳 / translation" in page and "原文 / original" in page  # each hit with its counterpart
    assert re.search(r'class="facet" data-field="lang" data-value="ja"', page)


def test_facet_links_filter(client):
    page = client.get("/", params={"q": "model"}).text
    href = re.search(r'data-field="lang" data-value="ja"\s+href="([^"]+)"', page).group(1)
    narrowed = client.get(href.replace("&amp;", "&")).text
    assert "lang: ja" in narrowed
    assert 'data-field="lang" data-value="en"' not in narrowed


def test_entry_page_shows_the_passage_beside_its_original(client):
    page = client.get("/entry/000_2db909a8ebb65741:6").text
    assert 'class="columns two"' in page and "原文 / original" in page
    assert "Paper entries in this document" in page and "2025-11-04" in page


def test_papers_sort_and_filter(client):
    newest = client.get("/papers").text
    dates = re.findall(r"<td>(\d{4}-\d{2}-\d{2})</td>", newest)
    assert dates and dates == sorted(dates, reverse=True)
    oldest = client.get("/papers", params={"sort": "oldest"}).text
    assert re.findall(r"<td>(\d{4}-\d{2}-\d{2})</td>", oldest) == sorted(dates)
    year = dates[0][:4]
    only = client.get("/papers", params={"year": year}).text
    assert all(d.startswith(year) for d in re.findall(r"<td>(\d{4}-\d{2}-\d{2})</td>", only))


def test_api_search(client):
    api = client.get("/api/search", params={"q": "報酬関数の改ざん", "limit": 3}).json()
    assert set(api) == {"query", "total", "suggestion", "hits"} and len(api["hits"]) == 3
    assert api["hits"][0]["highlights"]
    bad = client.get("/api/search", params={"q": '"unbalanced'})
    assert bad.status_code == 400 and "error" in bad.json()


def test_every_piece_of_document_text_is_escaped(client):
    for url in ("/?q=poisoning", "/?q=hostile&category=<i>cat</i>", "/entry/xss-1", "/papers"):
        page = client.get(url).text
        assert "xss-1" in page, url
        assert "<script>" not in page and "<img src=x" not in page and "<!-- a comment" not in page, url
        assert "<i>cat</i>" not in page and "<b>section</b>" not in page, url
        assert "&lt;script&gt;alert(&#39;title&#39;)&lt;/script&gt;" in page, url
    assert "&lt;!-- a comment that must show as text --&gt;" in client.get("/entry/xss-1").text


def test_errors_are_pages_not_tracebacks(client):
    assert client.get("/entry/nope:1").status_code == 404
    r = client.get("/", params={"q": "date:2025-13"})
    assert r.status_code == 400 and 'class="error"' in r.text
    assert client.get("/", params={"q": "x", "page": "abc"}).status_code == 200


def test_marked_segments():
    assert segments("abcdef", [(1, 3), (4, 5)]) == [("a", False), ("bc", True), ("d", False), ("e", True), ("f", False)]
    assert segments("ab", [(0, 9)]) == [("ab", False)]  # out-of-range spans are ignored


def test_serve_refuses_a_public_address_without_the_flag(workdir):
    from typer.testing import CliRunner

    from searchkit.cli import app

    res = CliRunner().invoke(app, ["serve", "--host", "0.0.0.0"])
    assert res.exit_code == 2 and "--allow-remote" in res.stderr


def test_api_json_matches_the_cli(workdir):
    from typer.testing import CliRunner

    from searchkit.cli import app

    cli = json.loads(CliRunner().invoke(app, ["search", "alignment faking", "--json", "-n", "5"]).stdout)
    with open_index(workdir / "index") as ix:
        api = TestClient(create_app(ix)).get("/api/search", params={"q": "alignment faking", "limit": 5}).json()
    assert api == cli


def test_api_errors_are_worded_for_the_web_not_the_command_line(client):
    """The library's errors carry no CLI flags; the API says what is wrong and a remedy code."""
    bad = client.get("/api/search", params={"q": "x", "since": "2026", "until": "2025"})
    assert bad.status_code == 400
    body = bad.json()
    assert "after" in body["error"] and "--" not in body["error"] and body["remedy"] == ""
