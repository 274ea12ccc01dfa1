"""The query parser and compiler: syntax, semantics, errors."""

from __future__ import annotations

import pytest

from searchkit.errors import QuerySyntaxError
from searchkit.query.compile import QueryCompiler
from searchkit.query.tree import BoolQ, DateRangeQ, KeywordQ, MatchAllQ, PhraseQ, TermQ


@pytest.fixture(scope="module")
def compile_(analyzer):
    return lambda q, **kw: QueryCompiler(analyzer, **kw).compile(q)


def test_quoted_phrase(compile_):
    c = compile_('"alignment faking"')
    assert c.tree == PhraseQ(("align", "fake"))
    assert c.highlight.phrases == (("align", "fake"),) and not c.highlight.terms


def test_japanese_phrase_drops_particles(compile_):
    assert compile_('"報酬関数の改ざん"').tree == PhraseQ(("報酬", "関数", "改竄"))


def test_bare_words_rank_with_a_phrase_boost(compile_):
    tree = compile_("alignment faking").tree
    assert isinstance(tree, BoolQ) and not tree.must
    assert TermQ("align") in tree.should and TermQ("fake") in tree.should
    assert any(isinstance(c, PhraseQ) and c.terms == ("align", "fake") for c in tree.should)


def test_unspaced_japanese_is_terms_plus_phrase(compile_):
    tree = compile_("報酬関数の改ざん").tree
    assert {TermQ("報酬"), TermQ("関数"), TermQ("改竄")} <= set(tree.should)


def test_require_all(compile_):
    tree = compile_("alignment faking", require_all=True).tree
    assert tree.must == (TermQ("align"), TermQ("fake"))


def test_operators(compile_):
    tree = compile_("reward AND (hacking OR tampering) -sycophancy").tree
    group = BoolQ(should=(TermQ("hack"), TermQ("tamper")))
    assert tree == BoolQ(must=(TermQ("reward"), BoolQ(should=(group,), must_not=(TermQ("sycoph"),))))


def test_not_alone_matches_everything_else(compile_):
    tree = compile_("NOT faking").tree
    assert tree == BoolQ(must=(MatchAllQ(),), must_not=(TermQ("fake"),))


def test_and_not_excludes_beside_the_other_words(compile_):
    """``a AND NOT b``, ``a AND -b`` and ``+a +(-b)`` mean ``a -b``: the exclusion stands beside
    the required words instead of being a required "everything but b" that scores as a match of
    its own (Whoosh added 1.0 to every hit for it, tantivy nothing)."""
    lifted = BoolQ(must=(TermQ("align"),), must_not=(TermQ("fake"),))
    for q in ("alignment AND NOT faking", "alignment AND -faking", "+alignment +(-faking)", "NOT faking AND alignment"):
        assert compile_(q).tree == lifted, q
    # without another required part the exclusion stays a part: "+(-b) a" still lists what lacks b
    assert compile_("+(-faking) alignment").tree.must == (BoolQ(must_not=(TermQ("fake"),)),)
    # exclusions only: one match of everything else, not one per part
    only = BoolQ(must=(MatchAllQ(),), must_not=(TermQ("fake"), TermQ("reward")))
    assert compile_("NOT faking AND NOT reward").tree == compile_("+(-faking) +(-reward)").tree == only
    # restrictions joined by AND restrict as they do beside the words
    assert compile_("interest rates AND lang:ja").tree == compile_("interest rates lang:ja").tree
    assert compile_("lang:ja AND kind:paper").tree == BoolQ(
        must=(KeywordQ("lang", "ja"), KeywordQ("kind", "paper"), MatchAllQ())
    )


def test_semantic_candidates_respect_the_filters_of_required_parts(compile_):
    """A semantic candidate must pass every restriction and exclusion the query demands, also
    those inside a required part (``(rates lang:ja) AND bank``)."""
    from searchkit.semantic.hybrid import query_filters

    required, excluded = query_filters(compile_("(rates lang:ja -kind:paper) AND bank").tree)
    assert required == [KeywordQ("lang", "ja")] and excluded == [KeywordQ("kind", "paper")]
    either = BoolQ(should=(KeywordQ("lang", "ja"), KeywordQ("kind", "paper")))
    assert query_filters(compile_("rates (lang:ja OR kind:paper)").tree) == ([either], [])


def test_a_group_of_filters_is_one_restriction(compile_):
    """``(lang:ja OR kind:paper)`` beside words or joined by AND restricts them as ``lang:ja``
    does, and scores nothing (no match of everything inside it)."""
    either = BoolQ(should=(KeywordQ("lang", "ja"), KeywordQ("kind", "paper")))
    want = BoolQ(must=(either, TermQ("rate")))
    for q in ("rates (lang:ja OR kind:paper)", "rates AND (lang:ja OR kind:paper)", "+(lang:ja OR kind:paper) rates"):
        assert compile_(q).tree == want, q
    # a filter with an exclusion inside the group stays whole; words inside a group are no filter
    nested = compile_("rates ((kind:paper -lang:en) OR date:2025)").tree
    assert nested.must[0] == BoolQ(
        should=(
            BoolQ(must=(KeywordQ("kind", "paper"),), must_not=(KeywordQ("lang", "en"),)),
            DateRangeQ("2025-01-01", "2025-12-31"),
        )
    )
    assert compile_("rates (lang:ja OR bank)").tree.should  # an alternative, as before
    # alone, the group lists what it allows (one match of everything)
    assert compile_("(lang:ja OR kind:paper)").tree == BoolQ(must=(either, MatchAllQ()))


def test_fields(compile_):
    tree = compile_("kind:paper category:Alignment date:2025-10..2026-01 title:bloom").tree
    assert KeywordQ("kind", "paper") in tree.must
    assert KeywordQ("category", "Alignment") in tree.must
    assert DateRangeQ("2025-10-01", "2026-01-31") in tree.must
    assert TermQ("bloom", "title") in tree.must and not tree.should  # restricted, the word still required


def _restriction(tree):
    """The restriction of a query that is only one (listed with a match-all beside it)."""
    assert isinstance(tree, BoolQ) and MatchAllQ() in tree.must and len(tree.must) == 2, tree
    return next(c for c in tree.must if c != MatchAllQ())


def test_date_forms(compile_):
    assert _restriction(compile_("date:2025").tree) == DateRangeQ("2025-01-01", "2025-12-31")
    assert _restriction(compile_("date:2024-02").tree) == DateRangeQ("2024-02-01", "2024-02-29")
    assert _restriction(compile_("date:..2025-06-30").tree) == DateRangeQ("", "2025-06-30")


def test_arxiv_style_prefixes(compile_):
    tree = compile_("ti:bloom abs:evaluation cat:alignment").tree
    assert KeywordQ("category", "alignment") in tree.must
    words = next(c for c in tree.must if isinstance(c, BoolQ))  # the words, restricted: at least one
    assert set(words.should) == {TermQ("bloom", "title"), TermQ("evalu", "text")}
    assert _restriction(compile_("date:[2025-01-01 TO 2025-12-31]").tree) == DateRangeQ("2025-01-01", "2025-12-31")
    assert _restriction(compile_("date:[2025-06 TO *]").tree) == DateRangeQ("2025-06-01", "")
    with pytest.raises(QuerySyntaxError, match="bad date range"):
        compile_("date:[2025 2026]")
    with pytest.raises(QuerySyntaxError, match="only works with date"):
        compile_("ti:[a TO b]")
    assert TermQ("cls") in compile_("[CLS] token").tree.should


def test_colon_followed_by_space_is_text(compile_):
    tree = compile_("Petri: tool").tree
    assert TermQ("petri") in tree.should


@pytest.mark.parametrize(
    "query, message",
    [
        ('"open phrase', "unbalanced quote"),
        ("(a b", r"unbalanced '\('"),
        ("a b)", r"unbalanced '\)'"),
        ("foo:bar", "unknown field 'foo:'"),
        ("a OR", "needs a word"),
        ("AND", "needs a word"),
        ("NOT", "NOT needs a word"),
        ("date:2025-13", "bad date"),
        ("date:yesterday", "bad date"),
        ("x" * 3000, "limit is"),
    ],
)
def test_errors_are_clear(compile_, query, message):
    with pytest.raises(QuerySyntaxError, match=message):
        compile_(query)


def test_only_stop_words_is_empty(compile_):
    assert compile_("the of").tree != MatchAllQ()
    assert compile_("、。").empty


def test_a_dash_run_is_punctuation_not_an_exclusion(compile_):
    # titles write "---" for a dash: "Grammar ---Refinement and Extension---" excludes nothing
    tree = compile_("grammar ---refinement").tree
    assert not tree.must_not and TermQ("refin") in tree.should
    assert not compile_("文法 ---実装に向けて---").tree.must_not
    assert not compile_("grammar --refinement ++extension").tree.must_not
    assert compile_("grammar -refinement").tree.must_not == (TermQ("refin"),)  # one sign stays an operator
