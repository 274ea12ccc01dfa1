"""The seed page parser: counts, dates, titles, sections, chrome excluded."""

from __future__ import annotations

import pytest

from searchkit.ingest import SourceFile, ingest_file, ingest_text
from searchkit.models import Paper, Passage

from .conftest import SEED_FILE


@pytest.fixture(scope="module")
def doc():
    return ingest_file(SourceFile(SEED_FILE, "000_2db909a8ebb65741"))


def test_counts(doc):
    papers = doc.papers
    assert len(papers) == 13
    assert sum(1 for p in papers if p.description) == 3
    assert sum(1 for p in papers if p.date) == 10
    assert len(doc.passages) == 17


def test_title_is_the_topic(doc):
    assert doc.title == "アライメント"


def test_listing_rows_split_into_date_category_title(doc):
    dated = [p for p in doc.papers if p.date]
    first = dated[0]
    assert (first.date, first.category, first.title) == (
        "2026-01-29",
        "Alignment",
        "How AI assistance impacts the formation of coding skills",
    )
    assert all(p.category == "Alignment" for p in dated)
    titles = {p.title for p in dated}
    assert "A small number of samples can poison LLMs of any size" in titles
    assert "Claude Opus 4 and 4.1 can now end a rare subset of conversations" in titles
    assert [p.date for p in dated] == sorted((p.date for p in dated), reverse=True)


def test_described_papers(doc):
    described = {p.title: p.description for p in doc.papers if p.description}
    assert set(described) == {
        "Auditing language models for hidden objectives",
        "Alignment faking in large language models",
        "Sycophancy to subterfuge: Investigating reward tampering in language models",
    }
    assert described["Alignment faking in large language models"].startswith("This paper provides")


def test_chrome_and_toggles_are_not_passages(doc):
    texts = [e.text for e in doc.passages] + [p.title for p in doc.papers]
    for chrome in (
        "原文を表示",
        "影響分析・編集コメントを表示",
        "関連記事",
        "今日のまとめ",
        "AI日報で今日の重要ニュースをまとめ読み",
    ):
        assert all(chrome not in t for t in texts), chrome
    assert not any(t.startswith("DateCategoryTitle") for t in texts)


def test_sections_and_languages(doc):
    by_line = {e.line: e for e in doc.entries}
    assert by_line[4].section == "キーポイント"
    assert by_line[10].section == "影響分析"
    assert by_line[12].section == "編集コメント"
    assert by_line[14].section == "AIアライメント:強力なAIを安全に導くための研究と課題"
    assert by_line[21].lang == "en" and by_line[14].lang == "ja"
    assert by_line[5].lang == "ja"  # 「Claude 3では…」: mixed script is Japanese
    assert isinstance(by_line[27], Paper) and isinstance(by_line[2], Passage)


def test_ids_are_doc_and_line(doc):
    assert {e.id for e in doc.entries} == {f"000_2db909a8ebb65741:{e.line}" for e in doc.entries}


def test_category_vote_beats_camel_case_titles():
    text = "原文を表示\nDateCategoryTitleJan 2, 2026PolicyOpenAI and others sign a pledge\nJan 1, 2026PolicyNew rules\n"
    doc = ingest_text(text)
    assert [(p.category, p.title) for p in doc.papers] == [
        ("Policy", "OpenAI and others sign a pledge"),
        ("Policy", "New rules"),
    ]


def test_plain_text_without_labels():
    doc = ingest_text("Notes\nFirst paragraph here.\nSecond one.\n")
    assert doc.title == "Notes"
    assert [p.text for p in doc.passages] == ["First paragraph here.", "Second one."]
