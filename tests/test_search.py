"""Ranking, phrases in both languages, filters, highlight offsets, totals (monolingual:
translation is switched off here and tested in test_crosslang.py)."""

from __future__ import annotations

import pytest

from searchkit.errors import NotFoundError, QuerySyntaxError, SearchkitError


def hit_ids(result):
    return [h.id for h in result.hits]


def test_alignment_faking_ranks_the_paper_first(seed_index):
    res = seed_index.search("alignment faking")
    top = res.hits[0]
    assert top.kind == "paper" and top.title == "Alignment faking in large language models"


def test_english_phrase(seed_index):
    res = seed_index.search('"alignment faking"', translate=False)
    assert [h.title for h in res.hits] == ["Alignment faking in large language models"]
    assert res.total == 1


def test_japanese_phrase_matches_exactly_the_phrase(seed_index):
    res = seed_index.search('"報酬関数の改ざん"')
    assert res.total >= 2
    for h in res.hits:
        assert "報酬関数の改ざん" in h.text or "報酬関数を改竄" in h.text
    # the variant spelling meets: 改竄 in the notes file matches 改ざん in the query
    assert any("改竄" in h.text for h in res.hits)


def test_phrase_does_not_match_scattered_words(seed_index):
    # both words occur in passages, but never adjacent
    loose = seed_index.search("報酬 偽装", require_all=True, translate=False)
    exact = seed_index.search('"報酬偽装"', translate=False)
    assert loose.total >= 1 and exact.total == 0


def test_unknown_katakana_word(seed_index):
    res = seed_index.search("ポイズニング")
    assert {h.id for h in res.hits} >= {"000_2db909a8ebb65741:18", "rec-2"}


def test_full_width_query_matches_ascii_text(seed_index):
    assert seed_index.search("ＣＬＡＵＤＥ").total == seed_index.search("claude").total > 0


def test_stemming_meets_inflections(seed_index):
    titles = [h.title for h in seed_index.search("evaluation", kind="paper").hits]
    assert "Introducing Bloom: an open source tool for automated behavioral evaluations" in titles


def test_highlighted_substring_equals_the_matched_word(seed_index):
    for query, expected in [
        ("faking", {"faking"}),
        ("改竄", {"改ざん", "改竄"}),
        ("ＡＩ日報", {"ＡＩ日報", "AI", "ＡＩ", "AI日報", "日報"}),
        ("ガイド", {"ｶﾞｲﾄﾞ"}),
        ("evaluations", {"evaluations", "evaluate", "Evaluations", "evaluation"}),
    ]:
        res = seed_index.search(query, limit=50, translate=False)
        assert res.hits, query
        for h in res.hits:
            for sp in h.highlights:
                source = h.text if sp.field == "text" else h.title
                assert source[sp.start : sp.end] in expected, (query, source[sp.start : sp.end])
            for s, e in h.snippet_spans:
                assert h.snippet[s:e] in expected


def test_phrase_highlight_marks_only_the_phrase(seed_index):
    res = seed_index.search('"報酬関数の改ざん"')
    h = next(h for h in res.hits if h.id == "000_2db909a8ebb65741:17")
    marked = [h.text[s.start : s.end] for s in h.highlights]
    # the phrase where it occurs (particles are not terms, so 報酬関数を改ざん is the same
    # phrase), never a lone の or 報酬 elsewhere
    assert marked == ["報酬関数の改ざん", "報酬関数を改ざん"]


def test_kind_and_lang_filters(seed_index):
    res = seed_index.search("alignment", kind="paper", limit=100)
    assert res.hits and all(h.kind == "paper" for h in res.hits)
    res = seed_index.search("アライメント", lang="ja", limit=100)
    assert res.hits and all(h.lang == "ja" for h in res.hits)


def test_date_and_category_filters(seed_index):
    res = seed_index.search("alignment OR model OR AI", since="2025-10", until="2025-12-31", limit=100)
    assert res.hits and all("2025-10-01" <= h.date <= "2025-12-31" for h in res.hits)
    res = seed_index.search("reward OR poisoning", category="security", limit=100)
    assert [h.id for h in res.hits] == ["rec-3"]


@pytest.mark.parametrize(
    "words,inline,options",
    [
        ("alignment", "kind:paper", {"kind": "paper"}),
        ("alignment faking", "lang:en", {"lang": "en"}),
        ("アライメント", "lang:ja", {"lang": "ja"}),
        ("(alignment OR model)", "date:2025-10..2025-12", {"since": "2025-10", "until": "2025-12"}),
        ("reward poisoning", "+category:security", {"category": "security"}),
    ],
)
def test_a_filter_written_in_the_query_filters_like_the_option(seed_index, words, inline, options):
    """``alignment kind:paper`` restricts the words to papers, as --kind paper does: the words
    still have to match, and the restriction adds nothing to the score."""
    for translate in (False, True):
        written = seed_index.search(f"{words} {inline}", translate=translate, limit=100)
        given = seed_index.search(words, translate=translate, limit=100, **options)
        assert written.total == given.total
        assert [(h.id, h.score) for h in written.hits] == [(h.id, h.score) for h in given.hits]
    alone = seed_index.search(inline, limit=100)  # a restriction alone lists what it allows, alike on both engines
    assert alone.hits and {h.score for h in alone.hits} == {1.0}


@pytest.mark.parametrize(
    "spelt,plain",
    [
        ("alignment AND NOT faking", "alignment -faking"),
        ("alignment AND -faking", "alignment -faking"),
        ("+alignment +(-faking)", "alignment -faking"),
        ("alignment AND kind:paper", "alignment kind:paper"),
        ("alignment (NOT lang:ja)", "alignment -lang:ja"),
        ("(NOT faking) alignment", "alignment -faking"),
        ("alignment (NOT faking NOT kind:paper)", "alignment -faking -kind:paper"),
        ("(alignment OR reward) AND lang:en AND NOT kind:paper", "(alignment OR reward) lang:en -kind:paper"),
    ],
)
def test_a_filter_joined_by_and_finds_and_scores_as_beside_the_words(seed_index, spelt, plain):
    """``a AND NOT b`` is ``a -b`` and ``a AND kind:paper`` is ``a kind:paper``: the same hits and
    scores (a part that only filters was a required match of everything allowed: Whoosh added
    1.0 to every hit for each, tantivy 1.0 for a restriction and nothing for an exclusion).
    ``a (NOT b)`` is ``a -b`` too: the group was an alternative listing everything but b."""
    for translate in (False, True):
        want = seed_index.search(plain, translate=translate, limit=100)
        got = seed_index.search(spelt, translate=translate, limit=100)
        assert got.total == want.total > 0
        assert [(h.id, h.score) for h in got.hits] == [(h.id, h.score) for h in want.hits]


@pytest.mark.parametrize(
    "query,allowed",
    [
        ("alignment (lang:ja OR kind:paper)", lambda h: h.lang == "ja" or h.kind == "paper"),
        ("alignment AND (lang:ja OR kind:paper)", lambda h: h.lang == "ja" or h.kind == "paper"),
        ("(kind:paper OR lang:ja) AND alignment", lambda h: h.lang == "ja" or h.kind == "paper"),
        ("alignment ((lang:ja kind:passage) OR kind:paper)", lambda h: h.lang == "ja" or h.kind == "paper"),
        ("+alignment +(lang:ja OR lang:en)", lambda h: True),
        ("alignment (lang:en OR date:2025)", lambda h: h.lang == "en" or h.date.startswith("2025")),
    ],
)
def test_a_group_of_filters_restricts_the_words_and_scores_nothing(seed_index, query, allowed):
    """``alignment (lang:ja OR kind:paper)`` restricts the words as ``alignment lang:ja`` does:
    the group was an alternative that listed every entry it allows (30 hits for 6 with
    alignment), and required (``AND``, ``+``) it added 1.0 to every score, +2.0 where both held."""
    for translate in (False, True):
        plain = seed_index.search("alignment", translate=translate, limit=100)
        want = [(h.id, h.score) for h in plain.hits if allowed(h)]
        got = seed_index.search(query, translate=translate, limit=100)
        assert got.total == len(want) > 0
        assert [(h.id, h.score) for h in got.hits] == want
    # alone, filters list what they allow, each entry once (1.0), also where both hold (English papers)
    for either in (("lang:ja", "kind:paper"), ("lang:en", "kind:paper")):
        allowed_ids = {h.id for q in either for h in seed_index.search(q, limit=100).hits}
        for alone in ("({} OR {})", "{} OR {}"):
            got = seed_index.search(alone.format(*either), limit=100)
            assert {h.id for h in got.hits} == allowed_ids and {h.score for h in got.hits} == {1.0}


@pytest.mark.parametrize(
    "grouped,bare",
    [
        ("報酬 model (lang:en)", "報酬 model lang:en"),
        ("alignment 研究 (lang:ja)", "alignment 研究 lang:ja"),
        ("アライメント faking (lang:en kind:paper)", "アライメント faking lang:en kind:paper"),
        ("アライメント faking (lang:en OR lang:en)", "アライメント faking lang:en"),
    ],
)
def test_a_language_in_a_group_of_filters_is_the_language_beside_the_words(seed_index, grouped, bare):
    """``報酬 model (lang:en)`` is ``報酬 model lang:en``: the words are translated only into the
    language the results can be in, whether the restriction stands alone or in a group."""
    want = seed_index.search(bare, limit=100)
    got = seed_index.search(grouped, limit=100)
    assert got.total == want.total > 0
    assert [(h.id, h.score) for h in got.hits] == [(h.id, h.score) for h in want.hits]


def test_field_query_title(seed_index):
    res = seed_index.search("title:bloom")
    assert [h.kind for h in res.hits] == ["paper"]


def test_total_is_exact_with_filters_and_small_limits(seed_index):
    full = seed_index.search("alignment", kind="passage", limit=1000)
    small = seed_index.search("alignment", kind="passage", limit=1)
    assert small.total == full.total == len(full.hits)
    assert len(small.hits) == 1


def test_offset_pages_through_results(seed_index):
    all_ids = hit_ids(seed_index.search("alignment", limit=100))
    page2 = hit_ids(seed_index.search("alignment", limit=3, offset=3))
    assert page2 == all_ids[3:6]


def test_bad_options(seed_index):
    with pytest.raises(QuerySyntaxError, match="unknown kind"):
        seed_index.search("x", kind="blog")
    with pytest.raises(QuerySyntaxError, match="bad date"):
        seed_index.search("x", since="last week")
    with pytest.raises(QuerySyntaxError, match="empty query"):
        seed_index.search("")


def test_stop_words_only_finds_nothing(seed_index):
    assert seed_index.search("、。").total == 0


def test_papers_listing(seed_index):
    papers = seed_index.papers()
    dated = [p.date for p in papers if p.date]
    assert dated == sorted(dated, reverse=True)
    assert len(papers) == seed_index.stats()["by_kind"]["paper"] > 0  # every paper entry, once
    assert [p.title for p in seed_index.papers(since="2026")][
        0
    ] == "How AI assistance impacts the formation of coding skills"


def test_show(seed_index):
    hit = seed_index.get("000_2db909a8ebb65741:27")
    assert hit.title == "Alignment faking in large language models"
    assert hit.source["line"] == 27
    with pytest.raises(NotFoundError):
        seed_index.get("nope:1")
    with pytest.raises(SearchkitError, match="not a valid id"):
        seed_index.get("bad id\n")


def test_facet_counts_equal_counting_the_matching_records(seed_index):
    from collections import Counter

    from searchkit.query.tree import KeywordQ, TermQ

    engine = seed_index.engine
    matching = engine.search(TermQ("model"), [], limit=1000)
    assert matching.total > 3
    got = engine.facets(TermQ("model"), [], ("kind", "lang"))
    assert got["lang"] == dict(Counter(h.record["lang"] for h in matching.hits))
    for filters in ([], [KeywordQ("lang", "en")]):
        records = engine.scan(filters)
        got = engine.facets(None, filters, ("kind", "lang", "category", "year", "doc"))
        for f in ("kind", "lang", "category", "doc"):
            assert got[f] == dict(Counter(r[f] for r in records if r.get(f))), f
        assert got["year"] == dict(Counter(r["date"][:4] for r in records if r.get("date")))
        assert sum(got["kind"].values()) == len(records)


@pytest.mark.parametrize(
    "query,opts", [("model", {}), ("alignment faking", {"lang": "en"}), ("報酬", {"kind": "passage"})]
)
def test_counts_only_search_gives_the_same_total(seed_index, query, opts):
    full = seed_index.search(query, limit=10, facets=True, **opts)
    counts_only = seed_index.search(query, limit=0, facets=True, **opts)
    assert counts_only.total == full.total > 0 and counts_only.hits == []
    assert counts_only.facets == full.facets


@pytest.mark.parametrize(
    "query",
    ["alignment faking", "報酬関数の改ざん", '"reward tampering"', "モデル OR model", "アライメント", "ti:sycophancy"],
)
def test_stored_offsets_highlight_exactly_like_a_fresh_analysis(seed_index, query):
    from searchkit.query.compile import QueryCompiler
    from searchkit.search.highlight import highlight_record

    want = QueryCompiler(seed_index.analyzer, seed_index.ranking).compile(query).highlight
    tree = QueryCompiler(seed_index.analyzer, seed_index.ranking).compile(query).tree
    page = seed_index.engine.search(tree, [], limit=50)
    assert page.hits
    marked = 0
    for h in page.hits:
        assert h.record.get("_spans"), "the engine returns the stored offsets"
        fresh = {k: v for k, v in h.record.items() if k != "_spans"}
        stored = highlight_record(seed_index.analyzer, h.record, want)
        assert stored == highlight_record(seed_index.analyzer, fresh, want)
        marked += bool(stored)  # a hit matched only in its section has no title/text spans
    assert marked


def test_snippets_are_cut_on_word_and_morpheme_boundaries(analyzer):
    """Issue (everyday features): '…is paper demonstrates' was cut inside a word."""
    from searchkit.models import Span
    from searchkit.search.highlight import snippet

    en = ("Large language models are trained on vast corpora of text. " * 3) + (
        "This paper demonstrates that reward hacking generalises to tampering with rewards. " * 4
    )
    for first in range(150, 190):  # the lead cut lands at every position of a few words
        text, _ = snippet(en, [Span("text", first, first + 6, "x")], "en", analyzer)
        body = text.strip("…")
        at = en.index(body)
        assert at == 0 or not en[at - 1].isalnum(), (first, text[:30])
        end = at + len(body)
        assert end == len(en) or not en[end].isalnum(), (first, text[-30:])
    ja = (
        "近年の研究は、AIの振る舞いの複雑な危険性を浮き彫りにしている。" * 3
        + "アライメント研究の核心は、訓練時とは大きく異なる状況でも安全であることを検証することだ。" * 3
    )
    bounds = {0, len(ja)} | {x for t in analyzer.analyze(ja) for x in (t.start, t.end)}
    bounds |= {i for i, c in enumerate(ja) if c in "、。"} | {i + 1 for i, c in enumerate(ja) if c in "、。"}
    for first in range(60, 120, 3):
        text, _ = snippet(ja, [Span("text", first, first + 2, "x")], "ja", analyzer)
        body = text.strip("…")
        at = ja.index(body)
        assert at in bounds and at + len(body) in bounds, (first, text)
