"""Tokenizer and analysis: variants, offsets, mixed script, full width, stop words.

Golden terms were written against unidic-lite 1.0.8 (UniDic 2.1.2 lemmas) and fugashi 1.5.
If the dictionary changes, these show exactly which lemma moved.
"""

from __future__ import annotations

import pickle

from hypothesis import example, given, settings
from hypothesis import strategies as st

from searchkit.analysis.tokenizer import Tokenizer, normalize


def terms(analyzer, text):
    return [t.text for t in analyzer.analyze(text)]


def test_orthographic_variants_meet(analyzer):
    assert terms(analyzer, "改ざん") == terms(analyzer, "改竄") == ["改竄"]
    assert terms(analyzer, "アライメント") == terms(analyzer, "アラインメント") == ["アラインメント"]


def test_conjugations_meet_their_base_form(analyzer):
    # 訓練された: 訓練 + さ(する, dependent verb) + れ + た (auxiliaries) -> only 訓練
    assert terms(analyzer, "訓練された") == ["訓練"]
    assert terms(analyzer, "隠した") == terms(analyzer, "隠す") == ["隠す"]


def test_particles_and_symbols_are_not_terms_but_positions_are_consecutive(analyzer):
    out = analyzer.analyze("報酬関数の改ざん。")
    assert [(t.text, t.pos) for t in out] == [("報酬", 0), ("関数", 1), ("改竄", 2)]


def test_loanword_gloss(analyzer):
    (t,) = analyzer.analyze("アライメント")
    assert t.gloss == "alignment"


def test_full_and_half_width(analyzer):
    assert terms(analyzer, "ＡＩ") == terms(analyzer, "AI") == ["ai"]
    text = "ｶﾞｲﾄﾞ"
    (t,) = analyzer.analyze(text)
    assert t.text == "ガイド" and (t.start, t.end) == (0, 5)


def test_english_stemming_and_stop_words(analyzer):
    assert terms(analyzer, "evaluation") == terms(analyzer, "evaluations")
    out = analyzer.analyze("the alignment of models")
    assert [(t.text, t.stop) for t in out] == [("the", True), ("align", False), ("of", True), ("model", False)]


def test_one_character_words_survive(analyzer):
    assert "猫" in terms(analyzer, "猫が好き")


def test_unknown_katakana_is_still_a_term(analyzer):
    assert "ポイズニング" in terms(analyzer, "毒づけ(ポイズニング)")


def test_offsets_mixed_script(analyzer):
    text = "「Claude 3」ではＡＩ日報のｶﾞｲﾄﾞと報酬関数の改ざん, that’s evaluations."
    for t in analyzer.analyze(text):
        surface = text[t.start : t.end]
        assert surface, t
    got = [(text[t.start : t.end], t.text) for t in analyzer.analyze(text)]
    assert ("Claude", "claud") in got
    assert ("ＡＩ", "ai") in got
    assert ("ｶﾞｲﾄﾞ", "ガイド") in got
    assert ("改ざん", "改竄") in got
    assert ("that’s", "that") in got
    assert ("evaluations", "evalu") in got


def test_repeated_words_get_their_own_offsets(analyzer):
    text = "のの猫の猫の猫"
    starts = [t.start for t in analyzer.analyze(text) if t.text == "猫"]
    assert starts == [2, 4, 6]


def test_normalize_offset_map():
    norm, starts, ends = normalize("ｶﾞｲﾄﾞＡ")
    assert norm == "ガイドa"
    assert list(starts) == [0, 2, 3, 5]
    assert list(ends) == [2, 3, 5, 6]
    norm, starts, ends = normalize("ＡＩ日報 Straße")  # casefold: ß -> ss
    assert norm == "ai日報 strasse" and ends[-1] == 11 and starts[-2] == 9 and starts[-3] == 9


def test_analyzer_pickles_without_its_tagger(analyzer):
    analyzer.analyze("猫")  # build the tagger
    clone = pickle.loads(pickle.dumps(analyzer))  # a fugashi Tagger cannot be pickled: it was left out
    assert terms(clone, "改ざん") == ["改竄"]  # and the clone builds its own


@settings(max_examples=300, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from(list("aZ9 ’'-.,。、「」ｶﾞﾟｲﾄﾞＡＢ１報酬の改ざんアライメントé\u0301\n\t㍿")), max_size=40
    )
)
def test_offsets_are_in_bounds_and_increasing(text):
    tok = Tokenizer()
    prev = (0, 0)
    for t in tok.tokenize(text):
        assert 0 <= t.start < t.end <= len(text)
        # tokens never overlap, except words that come from one expanding character
        # (㍿ -> 株式 会社): they share that character's span
        assert t.start >= prev[1] or (t.start, t.end) == prev
        prev = (t.start, t.end)


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=60))
def test_ascii_fast_path_matches_the_general_script_runs(text):
    from searchkit.analysis import unicode as scripts

    padded = text + "é"  # the same text through the general path (non-ASCII), minus the last run
    general = [r for r in scripts.script_runs(padded) if r[2] <= len(text)]
    fast = scripts.script_runs(text)
    assert fast[: len(general)] == general


# -- the fast paths (str.translate tables, regex runs) against the plain definitions --
_MIXED = st.text(
    alphabet=st.one_of(
        st.sampled_from(
            list("aZ9 ’'-.,。、「」・ｶﾞﾟｲﾄﾞＡＢ１報酬の改ざんアライメント々〇\u3099\u309aé\u0301㍿…ß①ｰİ\uff9e")
        ),
        st.characters(max_codepoint=0x3000),
    ),
    max_size=40,
)


def _normalize_reference(text):
    """NFKC + casefold one cluster (a character and the marks that attach to it) at a time;
    text that is NFKC already and keeps its length when case-folded maps character for character."""
    import unicodedata

    if unicodedata.is_normalized("NFKC", text) and len(text.casefold()) == len(text):
        return text.casefold(), list(range(len(text))), list(range(1, len(text) + 1))
    out, starts, ends, i = [], [], [], 0
    while i < len(text):
        j = i + 1
        while j < len(text) and (
            unicodedata.combining(text[j]) or (text[j] in "\uff9e\uff9f" and "\uff66" <= text[j - 1] <= "\uff9f")
        ):
            j += 1
        norm = unicodedata.normalize("NFKC", text[i:j]).casefold()
        out.append(norm)
        starts += [i] * len(norm)
        ends += [j] * len(norm)
        i = j
    return "".join(out), starts, ends


@settings(max_examples=500, deadline=None)
@given(_MIXED)
@example("ｶﾞｲﾄﾞ…ﾞＡ́ß")
@example("ﾞｶ")
def test_normalize_matches_the_cluster_by_cluster_definition(text):
    norm, starts, ends = normalize(text)
    assert (norm, list(starts), list(ends)) == _normalize_reference(text)


@settings(max_examples=500, deadline=None)
@given(_MIXED)
@example("゙か́a゙・")
@example("́a゙")
def test_script_runs_match_the_character_by_character_definition(text):
    import unicodedata

    from searchkit.analysis import unicode as scripts

    expected = []
    for i, ch in enumerate(text):
        # a mark continues the run it is in; the first character's own script starts the first run
        script = expected[-1][0] if i and unicodedata.category(ch)[0] == "M" else scripts.char_script(ch)
        if expected and expected[-1][0] == script:
            expected[-1][2] = i + 1
        else:
            expected.append([script, i, i + 1])
    assert scripts.script_runs(text) == [tuple(r) for r in expected]


def test_japanese_run_with_spaces_keeps_exact_offsets():
    # half- and full-width spaces between Japanese words: every word placed exactly
    tok = Tokenizer()
    text = "報酬 関数　改ざん"
    words = [(text[t.start : t.end], t.lemma) for t in tok.tokenize(text) if not t.function]
    assert words == [("報酬", "報酬"), ("関数", "関数"), ("改ざん", "改竄")]


def test_record_analysis_is_one_pass_over_title_and_text(analyzer):
    from searchkit.analysis.record import analyse_record
    from searchkit.analysis.spans import unpack_spans

    rec = {
        "title": "ＡＩ日報: Alignment faking",
        "text": "報酬関数の改ざん…\n２行目 Straße’s models",
        "section": "見出し",
    }
    got = analyse_record(analyzer, rec)
    whole = analyzer.analyze(rec["title"] + "\n" + rec["text"])
    assert got.body == tuple(t.text for t in whole)
    assert got.title + got.text == got.body and got.section == ("見出し",)
    spans = unpack_spans(got.spans)
    for field in ("title", "text"):
        terms, offsets = spans[field]
        assert [t.text for t in analyzer.analyze(rec[field])] == list(terms)
        assert [(t.start, t.end) for t in analyzer.analyze(rec[field])] == list(zip(offsets[::2], offsets[1::2]))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(_MIXED, st.text(alphabet=st.characters(max_codepoint=127), max_size=40)), max_size=4))
@example(["Alignment faking’s cost", "The models don't"])
def test_index_columns_are_the_analysis_as_columns(lines):
    from searchkit.analysis.analyzer import Analyzer

    analyzer = Analyzer()
    text = "\n".join(lines)
    terms, words = analyzer.analyze_words(text)
    got_terms, got_words, offsets = analyzer.index_columns(text)
    assert got_terms == [t.text for t in terms] and got_words == words
    assert list(offsets) == [x for t in terms for x in (t.start, t.end)]
