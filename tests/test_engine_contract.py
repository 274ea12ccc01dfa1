"""The contract between the core and the engines (searchkit.engines.base), stated once and run on
every engine: records in as analysed terms, lowered query trees in, ranked records out. A third
engine passes this file before anything else."""

from __future__ import annotations

import pytest

from searchkit.analysis.analyzer import Analyzer
from searchkit.analysis.record import analyse_record
from searchkit.engines import get_engine
from searchkit.engines.base import RECORD_FIELDS
from searchkit.query.tree import BoolQ, DateRangeQ, DisMaxQ, KeywordQ, MatchAllQ, PhraseQ, TermQ
from searchkit.ranking import DEFAULT


def _record(rid: str, text: str, *, path: str = "a.jsonl", position: int = 0, **fields) -> dict:
    rec = {f: "" for f in RECORD_FIELDS}
    rec.update(
        {
            "id": rid,
            "kind": "passage",
            "lang": "en",
            "doc": "d",
            "text": text,
            "path": path,
            "line": position + 1,
            "position": position,
            "source_hash": "h",
            **fields,
        }
    )
    return rec


RECORDS = [
    _record("r1", "alignment faking in language models", date="2024-12-18", category="cs.AI", position=0),
    _record("r2", "faking alignment is rare", date="2025-01-02", category="CS.CL", position=1),
    _record("r3", "reward hacking and alignment", date="2023-05-01", category="cs.AI", position=2),
    _record("r0", "undated alignment note", position=3),
    _record("j1", "報酬関数の改ざんについて", lang="ja", path="b.jsonl", position=0),
]


@pytest.fixture(scope="module")
def store(tmp_path_factory, engine):
    analyzer = Analyzer()
    path = tmp_path_factory.mktemp(f"contract-{engine}")
    eng = get_engine(engine).create(path, analyzer, DEFAULT)
    added = eng.apply([], [(r, analyse_record(analyzer, r)) for r in RECORDS])
    assert added == len(RECORDS)
    yield eng, analyzer
    eng.close()


def _terms(analyzer, text: str) -> list[str]:
    return [t.text for t in analyzer.analyze(text) if not t.stop]


def _ids(page) -> list[str]:
    return [h.record["id"] for h in page.hits]


def test_records_come_back_as_they_went_in(store):
    eng, _ = store
    assert eng.count() == len(RECORDS)
    got = eng.get("r2")
    given = {k: v for k, v in RECORDS[1].items() if v not in ("", None)}  # empty fields may be left out
    assert {k: got.get(k) for k in given} == given and set(got) <= {*RECORD_FIELDS, "_spans"}
    assert got["_spans"]  # the stored offsets highlighting reads
    assert eng.get("nope") is None


def test_a_term_on_every_text_field_ranks_and_counts_exactly(store):
    eng, analyzer = store
    [term] = _terms(analyzer, "alignment")
    page = eng.search(TermQ(term), [], limit=2)
    assert page.total == 4 and len(page.hits) == 2
    assert [h.score for h in page.hits] == sorted((h.score for h in page.hits), reverse=True)


def test_a_page_past_the_last_hit_is_empty_and_counts(store):
    eng, analyzer = store
    [term] = _terms(analyzer, "alignment")
    page = eng.search(TermQ(term), [], limit=10, offset=10**12)  # no window of that size is made
    assert page.total == 4 and page.hits == []


def test_equal_scores_come_back_by_id(store):
    eng, _ = store
    page = eng.search(MatchAllQ(), [], limit=10)  # every record scores alike
    assert len({h.score for h in page.hits}) == 1
    assert _ids(page) == sorted(r["id"] for r in RECORDS)
    assert _ids(eng.search(MatchAllQ(), [], limit=2, offset=2)) == sorted(r["id"] for r in RECORDS)[2:4]


def test_phrases_need_the_words_side_by_side(store):
    eng, analyzer = store
    phrase = tuple(_terms(analyzer, "alignment faking"))
    assert set(_ids(eng.search(PhraseQ(phrase), [], limit=10))) == {"r1"}
    assert set(_ids(eng.search(PhraseQ(phrase, slop=1), [], limit=10))) == {"r1"}
    assert set(_ids(eng.search(PhraseQ(tuple(reversed(phrase))), [], limit=10))) == {"r2"}


def test_a_group_scores_its_best_clause_and_filters_do_not_score(store):
    eng, analyzer = store
    [a], [b] = _terms(analyzer, "reward"), _terms(analyzer, "rare")
    group = eng.search(DisMaxQ((TermQ(a), TermQ(b))), [], limit=10)
    assert set(_ids(group)) == {"r2", "r3"}
    alone = eng.search(TermQ(a), [], limit=1).hits[0].score
    filtered = eng.search(TermQ(a), [KeywordQ("lang", "en")], limit=1).hits[0].score
    assert filtered == pytest.approx(alone)


def test_keyword_filters_fold_case_but_ids_do_not(store):
    eng, _ = store
    assert set(_ids(eng.search(MatchAllQ(), [KeywordQ("category", "cs.cl")], limit=10))) == {"r2"}
    assert set(_ids(eng.search(MatchAllQ(), [KeywordQ("lang", "JA")], limit=10))) == {"j1"}
    assert _ids(eng.search(MatchAllQ(), [KeywordQ("id", "R1")], limit=10)) == []
    page = eng.search(MatchAllQ(), [DateRangeQ("2024-01-01", "2024-12-31")], limit=10)
    assert _ids(page) == ["r1"]


def test_scan_order_is_file_order(store):
    eng, _ = store
    assert [r["id"] for r in eng.scan([])] == ["r1", "r2", "r3", "r0", "j1"]  # path, then position in the file
    assert [r["id"] for r in eng.scan([KeywordQ("lang", "en")])] == ["r1", "r2", "r3", "r0"]


def test_an_exclusion_that_starts_before_the_first_match_still_excludes(store):
    """ "rare -alignment": r2 is the only record saying rare, and it says alignment, while the
    first record saying alignment comes before it (Whoosh's AndNot never checked its first match
    against an exclusion that had already started)."""
    eng, analyzer = store
    (rare,) = _terms(analyzer, "rare")
    (align,) = _terms(analyzer, "alignment")
    assert _ids(eng.search(TermQ(rare), [], 10)) == ["r2"]
    assert _ids(eng.search(BoolQ(must=(TermQ(rare),), must_not=(TermQ(align),)), [], 10)) == []
    assert _ids(eng.search(BoolQ(must=(KeywordQ("kind", "passage"),), must_not=(TermQ(align),)), [], 10)) == ["j1"]


def test_a_nested_exclusion_alone_scores_as_a_match_of_everything(store):
    """A part that only excludes (everything but b) matches like MatchAllQ and scores 1.0 on
    both engines wherever it stands: required beside a word (tantivy dropped it from the
    intersection and scored 0, Whoosh 1.0) or as an alternative."""
    eng, analyzer = store
    (rare,) = _terms(analyzer, "rare")
    (align,) = _terms(analyzer, "alignment")
    only = BoolQ(must_not=(TermQ(rare),))
    alone = {h.record["id"]: h.score for h in eng.search(TermQ(align), [], 10).hits}
    assert "r2" in alone  # the one record saying rare
    required = {h.record["id"]: h.score for h in eng.search(BoolQ(must=(TermQ(align), only)), [], 10).hits}
    assert required == pytest.approx({k: v + 1.0 for k, v in alone.items() if k != "r2"}, rel=1e-5)
    optional = {h.record["id"]: h.score for h in eng.search(BoolQ(must=(TermQ(align),), should=(only,)), [], 10).hits}
    assert optional == pytest.approx({k: v + (k != "r2") for k, v in alone.items()}, rel=1e-5)


def test_an_optional_word_inside_a_required_group_still_scores(tmp_path, engine):
    """``x AND (+y z)``: the record with all three scores x + y + z, as ``+x +y +z`` does. The
    layout is the one that broke Whoosh's AndMaybe: moved to record 1, its required side landed
    on record 2 and its optional side stayed on record 1, so record 2 lost z's score."""
    analyzer = Analyzer()
    eng = get_engine(engine).create(tmp_path, analyzer, DEFAULT)
    rows = [("r0", "beta gamma"), ("r1", "alpha gamma"), ("r2", "alpha beta gamma")]
    eng.apply(
        [], [(r, analyse_record(analyzer, r)) for r in (_record(i, t, position=n) for n, (i, t) in enumerate(rows))]
    )
    x, y, z = (TermQ(_terms(analyzer, w)[0]) for w in ("alpha", "beta", "gamma"))
    nested = eng.search(BoolQ(must=(x, BoolQ(must=(y,), should=(z,)))), [], 10)
    flat = eng.search(BoolQ(must=(x, y, z)), [], 10)
    assert _ids(nested) == _ids(flat) == ["r2"]
    assert nested.hits[0].score == pytest.approx(flat.hits[0].score, rel=1e-6)
    eng.close()


def test_a_pair_phrase_of_one_word_twice_needs_the_word_twice(tmp_path, engine):
    """An either-order pair of the same word is that word twice, as on Whoosh; tantivy put both
    at one offset, so a single occurrence matched. (The compiler no longer pairs a word with
    itself: "研究 研究" translated made "research research" with a slop, where tantivy's sloppy
    phrase still lets one occurrence stand for both.)"""
    analyzer = Analyzer()
    eng = get_engine(engine).create(tmp_path, analyzer, DEFAULT)
    rows = [("once", "alpha beta"), ("twice", "alpha alpha beta"), ("apart", "alpha beta alpha")]
    eng.apply(
        [], [(r, analyse_record(analyzer, r)) for r in (_record(i, t, position=n) for n, (i, t) in enumerate(rows))]
    )
    (a,) = _terms(analyzer, "alpha")
    assert _ids(eng.search(PhraseQ((a, a), either_order=True), [], 10)) == ["twice"]
    eng.close()


def test_facets_count_matching_records(store):
    eng, analyzer = store
    [term] = _terms(analyzer, "alignment")
    counts = eng.facets(TermQ(term), [], ("lang", "year", "category"))
    assert counts["lang"] == {"en": 4}
    assert counts["year"] == {"2023": 1, "2024": 1, "2025": 1}
    assert sum(counts["category"].values()) == 3


def test_fields_with_and_frequencies(store):
    eng, analyzer = store
    [term] = _terms(analyzer, "faking")
    assert eng.doc_frequency(term) == 2 and eng.doc_frequency("absent-term") == 0
    assert [f for f, _ in eng.fields_with(term)] == ["body"]  # no titles or sections here


def test_deleting_a_file_removes_its_records(tmp_path, engine):
    analyzer = Analyzer()
    eng = get_engine(engine).create(tmp_path, analyzer, DEFAULT)
    try:
        eng.apply([], [(r, analyse_record(analyzer, r)) for r in RECORDS])
        eng.apply(["h b.jsonl"], [])  # the source key of b.jsonl's version "h"
        assert eng.count() == len(RECORDS) - 1 and eng.get("j1") is None
        assert eng.sources() == {"a.jsonl": "h"}
    finally:
        eng.close()


def test_a_filter_that_allows_nothing_finds_nothing(store):
    eng, analyzer = store
    [term] = _terms(analyzer, "alignment")
    for nothing in ([KeywordQ("category", "none")], [DateRangeQ("1990-01-01", "1990-12-31")]):
        assert eng.search(TermQ(term), nothing, limit=10).total == 0
        assert eng.scan(nothing) == []
        assert eng.facets(TermQ(term), nothing, ("lang",)) == {"lang": {}}


def test_which_of_some_records_match_a_query(tmp_path, engine):
    """matching_among counts the given records that match (across commits, without the
    retired ones, ignoring ids it does not hold)."""
    analyzer = Analyzer()
    eng = get_engine(engine).create(tmp_path, analyzer, DEFAULT)
    try:
        eng.apply([], [(r, analyse_record(analyzer, r)) for r in RECORDS])
        later = [
            _record("s1", "alignment faking again", path="c.jsonl", source_hash="k"),
            _record("s2", "nothing of the kind", path="c.jsonl", position=1, source_hash="k"),
        ]
        eng.apply([], [(r, analyse_record(analyzer, r)) for r in later])
        eng.apply(["h b.jsonl"], [])
        [term] = _terms(analyzer, "alignment")
        everyone = ["r1", "r2", "r3", "r0", "j1", "s1", "s2", "missing"]
        assert eng.matching_among(TermQ(term), everyone) == 5  # r1, r2, r3, r0, s1
        assert eng.matching_among(TermQ(term), ["s2", "j1", "missing"]) == 0
        phrase = PhraseQ(tuple(_terms(analyzer, "alignment faking")))
        assert eng.matching_among(phrase, ["s1", "r1", "r2"]) == 2
        assert eng.matching_among(phrase, []) == 0
        [kanji] = _terms(analyzer, "改ざん")[:1]
        assert eng.matching_among(TermQ(kanji), ["j1"]) == 0  # retired with b.jsonl
    finally:
        eng.close()


def test_search_groups_are_the_filtered_searches(store):
    """Each value's page is the search filtered to that value: same hits, scores, order, total."""
    eng, analyzer = store
    query = DisMaxQ(tuple(TermQ(t) for t in _terms(analyzer, "alignment faking 報酬関数")))
    groups = eng.search_groups(query, [], "lang", ("en", "ja"), 10)
    assert set(groups) == {"en", "ja"}
    for lang, page in groups.items():
        alone = eng.search(query, [KeywordQ("lang", lang)], 10)
        assert page.total == alone.total > 0
        assert [(h.record["id"], h.score) for h in page.hits] == [(h.record["id"], h.score) for h in alone.hits]


def test_count_each_counts_every_query_in_order(store):
    eng, analyzer = store
    queries = [TermQ(t) for t in _terms(analyzer, "alignment faking reward nothingatall")]
    queries.append(KeywordQ("lang", "ja"))
    assert eng.count_each(queries) == [eng.count_matching(q) for q in queries] == [4, 2, 1, 0, 1]
    assert eng.count_each([]) == []


@pytest.fixture()
def gaps(tmp_path, engine):
    """One record per distance from "alpha" to "omega" (-3 = omega three words before)."""
    analyzer = Analyzer()
    eng = get_engine(engine).create(tmp_path, analyzer, DEFAULT)
    filler = "one two three four five six seven".split()
    records = []
    for gap in (-3, -2, -1, 1, 2, 3):
        words = list(filler)
        words[3] = "alpha"
        words[3 + gap] = "omega"
        records.append(_record(f"g{gap}", " ".join(words), position=len(records)))
    eng.apply([], [(r, analyse_record(analyzer, r)) for r in records])
    yield eng, analyzer
    eng.close()


def test_an_either_order_pair_is_the_phrase_or_its_reverse(gaps):
    """Two words within slop + 1 positions of each other, in either order: what the phrase
    and its reverse find together, and a record with one order scores as that phrase alone."""
    eng, analyzer = gaps
    pair = tuple(_terms(analyzer, "alpha omega"))
    either = eng.search(PhraseQ(pair, slop=1, either_order=True), [], limit=10)
    assert set(_ids(either)) == {"g-2", "g-1", "g1", "g2"}
    forward = eng.search(PhraseQ(pair, slop=1), [], limit=10)
    backward = eng.search(PhraseQ(pair[::-1], slop=1), [], limit=10)
    assert set(_ids(forward)) | set(_ids(backward)) == set(_ids(either))
    scores = {h.record["id"]: h.score for h in either.hits}
    for h in forward.hits + backward.hits:
        assert scores[h.record["id"]] == pytest.approx(h.score, rel=1e-5)
    assert set(_ids(eng.search(PhraseQ(pair, either_order=True), [], limit=10))) == {"g-1", "g1"}


def test_an_index_in_language_order_finds_and_scores_as_one_in_file_order(tmp_path, monkeypatch):
    """tantivy keeps a new index's records sorted by language (a pass restricted to one language
    skips the other's records); that order changes no hit, score, total or facet, and an index
    built before, in file order, still searches and updates."""
    pytest.importorskip("tantivy")
    import shutil

    from searchkit import build_index, open_index
    from searchkit.engines import tantivy_engine

    from .conftest import SEEDS

    shutil.copytree(SEEDS, tmp_path / "seeds")
    build_index([tmp_path / "seeds"], tmp_path / "sorted", engine="tantivy")
    monkeypatch.setattr(tantivy_engine, "SORTED_BY", None)  # as indexes were built before
    build_index([tmp_path / "seeds"], tmp_path / "file-order", engine="tantivy")
    monkeypatch.undo()
    queries = ["alignment faking", "報酬関数の改ざん", "reward model", "アライメント lang:en", "研究 -kind:paper"]
    with open_index(tmp_path / "sorted") as a, open_index(tmp_path / "file-order") as b:
        for q in queries:
            for lang in ("", "ja", "en"):
                got = [ix.search(q, lang=lang, limit=100, facets=True) for ix in (a, b)]
                assert got[0].total == got[1].total and got[0].facets == got[1].facets, q
                assert [(h.id, h.score) for h in got[0].hits] == [(h.id, h.score) for h in got[1].hits], q
    (tmp_path / "seeds" / "more.jsonl").write_text(
        '{"id": "m1", "lang": "ja", "text": "報酬ハッキングの研究"}\n', encoding="utf-8"
    )
    with open_index(tmp_path / "file-order") as b:
        b.update([tmp_path / "seeds" / "more.jsonl"])
        assert b.search("報酬ハッキング").hits[0].id == "m1"
