"""End-to-end tests of ``searchkit serve`` in real headless Chromium (Debian's /usr/bin/chromium,
driven by Playwright; `.ci/run` installs both and a Japanese font). Marked ``browser``.

``SEARCHKIT_SCREENSHOTS=DIR`` saves the screenshots the README shows into DIR.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from .conftest import DATA, SEEDS

pytestmark = pytest.mark.browser
CHROMIUM = os.environ.get("SEARCHKIT_CHROMIUM", "/usr/bin/chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("serve")
    shutil.copytree(SEEDS, root / "seeds")
    shutil.copytree(DATA / "web", root / "web")
    subprocess.run(
        [sys.executable, "-m", "searchkit", "index", "seeds", "web", "--index", "ix", "-q"],
        cwd=root,
        check=True,
        capture_output=True,
    )
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "searchkit", "serve", "--index", "ix", "--port", str(port)],
        cwd=root,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(url + "/", timeout=1)
            break
        except OSError:
            time.sleep(0.1)
    else:
        proc.kill()
        pytest.fail("searchkit serve did not start: " + proc.stderr.read().decode())
    yield url
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (Debian package chromium; .ci/run installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    pg = context.new_page()
    dialogs = []
    pg.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    pg.dialogs = dialogs
    yield pg
    context.close()


def _shot(page, name: str) -> None:
    folder = os.environ.get("SEARCHKIT_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / name), full_page=False)


def test_type_a_query_and_see_highlighted_results(server, page):
    page.goto(server + "/")
    assert page.evaluate("document.activeElement.name") == "q"  # focus is on the box
    page.keyboard.type("alignment faking")
    page.keyboard.press("Enter")
    page.wait_for_selector("ol.hits li.hit")
    first = page.locator("ol.hits li.hit").first
    assert "Alignment faking in large language models" in first.inner_text()
    marks = page.locator("ol.hits mark").all_inner_texts()
    assert "Alignment faking" in marks or "alignment faking" in [m.lower() for m in marks]
    assert page.locator(".counterpart").count() >= 1  # linked original / translation under hits
    _shot(page, "search.png")


def test_japanese_query_finds_both_languages_and_renders_japanese(server, page):
    page.goto(server + "/?q=" + "報酬関数の改ざん")
    page.wait_for_selector("ol.hits li.hit")
    text = page.locator("ol.hits").inner_text()
    assert "報酬関数の改ざん" in text and "reward tampering" in text.lower()
    # a Japanese font is installed: the glyphs have width (no empty boxes of zero advance)
    width = page.evaluate("""() => { const c = document.createElement('canvas').getContext('2d');
        c.font = '16px sans-serif'; return c.measureText('報酬関数').width; }""")
    assert width > 40


def test_click_a_facet_filters(server, page):
    page.goto(server + "/?q=model")
    before = page.locator("#summary").inner_text()
    page.locator('a.facet[data-field="lang"][data-value="ja"]').click()
    page.wait_for_load_state()
    assert "lang: ja" in page.locator("#summary").inner_text() and before != page.locator("#summary").inner_text()
    langs = page.locator("ol.hits .meta").all_inner_texts()
    assert langs and all("ja" in m.split() for m in langs)


def test_open_a_document_and_see_the_linked_original(server, page):
    page.goto(server + "/?q=" + "アライメントの偽装")
    page.locator("ol.hits li.hit a.title").first.click()
    page.wait_for_selector("section.doc")
    docs = page.locator("section.doc")
    assert docs.count() == 2
    assert docs.nth(0).get_attribute("lang") == "ja" and docs.nth(1).get_attribute("lang") == "en"
    assert "原文 / original" in docs.nth(1).inner_text()
    _shot(page, "entry.png")


def test_hostile_document_shows_as_text(server, page):
    page.goto(server + "/entry/xss-1")
    body = page.locator("section.doc").first.inner_text()
    assert "<script>alert('xss')</script>" in body and "<!-- a comment that must show as text -->" in body
    assert page.locator("section.doc img").count() == 0 and page.locator("section.doc script").count() == 0
    for rid in ("xss-url", "xss-url2"):  # a javascript: URL is text, never a link to click
        page.goto(server + "/entry/" + rid)
        doc = page.locator("section.doc").first
        assert "alert('url" in doc.inner_text()
        assert doc.locator("a[href^='javascript' i]").count() == 0 and doc.locator(".meta a").count() == 0
        doc.locator(".meta").click()
    page.goto(server + "/?q=poisoning")
    page.wait_for_selector("ol.hits li.hit")
    assert page.dialogs == []  # no alert() ever ran


def test_paper_list_sorts_and_filters(server, page):
    page.goto(server + "/papers")
    dates = [d for d in page.locator("table.papers tbody td:first-child").all_inner_texts() if d != "–"]
    assert dates == sorted(dates, reverse=True)
    page.locator("table.papers thead a").click()
    page.wait_for_load_state()
    again = [d for d in page.locator("table.papers tbody td:first-child").all_inner_texts() if d != "–"]
    assert again == sorted(dates)
    page.select_option("select[name=year]", dates[0][:4])
    page.locator(".paperfilter button").click()
    page.wait_for_load_state()
    shown = [d for d in page.locator("table.papers tbody td:first-child").all_inner_texts() if d != "–"]
    assert shown and all(d.startswith(dates[0][:4]) for d in shown)


def test_phone_width_has_no_horizontal_scroll(server, browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    pg = context.new_page()
    for path in ("/?q=alignment", "/entry/000_2db909a8ebb65741:6", "/papers"):
        pg.goto(server + path)
        assert pg.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), path
    context.close()


def test_filters_stay_when_a_new_query_is_typed_and_more_like_this(server, page):
    page.goto(server + "/?q=model")
    page.locator('a.facet[data-field="lang"][data-value="ja"]').click()
    page.wait_for_load_state()
    box = page.locator("input[name=q]")
    box.fill("アライメント")
    box.press("Enter")
    page.wait_for_load_state()
    assert "lang: ja" in page.locator("#summary").inner_text()  # the filter came along
    langs = page.locator("ol.hits .meta").all_inner_texts()
    assert langs and all("ja" in m.split() for m in langs)
    page.locator("ol.hits li.hit a.title").first.click()
    page.wait_for_selector("section.similar")
    similar = page.locator("section.similar li.hit")
    assert similar.count() >= 1  # the same entries as `searchkit similar`
    similar.first.locator("a.title").click()
    page.wait_for_selector("section.doc")


def test_on_a_phone_the_filters_are_one_tap_from_the_top(server, browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    pg = context.new_page()
    pg.goto(server + "/?q=alignment")
    jump = pg.locator(".jump a")
    assert jump.is_visible() and jump.bounding_box()["y"] < 400  # above the first hits
    jump.click()
    pg.wait_for_timeout(200)
    assert pg.locator("#filters").bounding_box()["y"] < 844  # the facets are now in view
    context.close()
    desktop = browser.new_page()
    desktop.goto(server + "/?q=alignment")
    assert not desktop.locator(".jump a").is_visible()  # beside the results on a wide screen
    desktop.close()


def test_date_sort_on_the_search_page(server, page):
    page.goto(server + "/?q=AI")
    page.select_option("select#sort", "-date")
    page.locator("form.searchbox button").click()
    page.wait_for_load_state()
    assert "sort=-date" in page.url
    dates = [t for m in page.locator("ol.hits .meta").all_inner_texts() for t in m.split() if t[:2] == "20"]
    assert len(dates) >= 3 and dates == sorted(dates, reverse=True)
    assert page.locator("select#sort").input_value() == "-date"  # kept for the next query
