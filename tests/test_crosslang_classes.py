"""Classes of cross-language lookup, each on small indexes of its own (issue: cross-language
lookup that does not miss): fair merging, loanwords both ways, derived and chained translations,
mis-split compounds. The words come from the dictionaries and the index, not from lists."""

from __future__ import annotations

import json
import shutil

import pytest

from searchkit import build_index, open_index

from .conftest import DATA


def write_jsonl(path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")


def _ids(result) -> list[str]:
    return [h.id for h in result.hits]


def _sources(result, unit: str) -> set[str]:
    return {t["source"] for u in result.explain["translations"] if u["unit"] == unit for t in u["translations"]}


@pytest.fixture(scope="module")
def loanwords(tmp_path_factory, engine):
    """The five loanwords of the issue, written as katakana compounds MeCab splits or does not
    gloss, next to English text with the same words; one written with a middle dot."""
    root = tmp_path_factory.mktemp(f"loan-{engine}")
    rows = [
        ("j1", "ja", "大規模言語モデルのハルシネーションを減らす手法。"),
        ("j2", "ja", "学習データに仕込まれたバックドアの検出。"),
        ("j3", "ja", "生成テキストへのウォーター・マーキングの研究。"),
        ("j4", "ja", "小さなデータでのオーバーフィッティングを防ぐ。"),
        ("j5", "ja", "評価時に能力を隠すサンドバッギングの分析。"),
        ("e1", "en", "Reducing hallucination in large language models."),
        ("e2", "en", "Detecting a backdoor planted in training data."),
        ("e3", "en", "Watermarking generated text."),
        ("e4", "en", "Preventing overfitting on small data."),
        ("e5", "en", "Sandbagging: models hiding capabilities during evaluation."),
    ]
    (root / "src").mkdir()
    (root / "src" / "p.jsonl").write_text(
        "".join(json.dumps({"id": i, "lang": lang, "text": t}, ensure_ascii=False) + "\n" for i, lang, t in rows),
        encoding="utf-8",
    )
    build_index([root / "src"], root / "ix", engine=engine)
    with open_index(root / "ix") as ix:
        yield ix


@pytest.mark.parametrize(
    "en,ja,jid,eid",
    [
        ("hallucination", "ハルシネーション", "j1", "e1"),
        ("backdoor", "バックドア", "j2", "e2"),
        ("watermarking", "ウォーターマーキング", "j3", "e3"),
        ("overfitting", "オーバーフィッティング", "j4", "e4"),
        ("sandbagging", "サンドバッギング", "j5", "e5"),
    ],
)
def test_loanwords_both_ways(loanwords, en, ja, jid, eid):
    forward = loanwords.search(en, explain=True)  # by sound, or through the dictionary (backdoor -> 裏口 -> back door)
    assert jid in _ids(forward) and _sources(forward, en) & {"translit", "chain"}
    backward = loanwords.search(ja, explain=True)
    assert eid in _ids(backward) and _sources(backward, ja) & {"translit", "chain"}


def test_a_known_word_is_not_guessed_at(loanwords):
    """plus is in the dictionary; プロセス sounds a little like it but is not it."""
    result = loanwords.search("plus", explain=True)
    assert not result.explain["translations"]


@pytest.fixture(scope="module")
def page(tmp_path_factory, engine):
    """A summary page in the seed's layout with other vocabulary (tests/data/pages)."""
    root = tmp_path_factory.mktemp(f"page-{engine}")
    shutil.copytree(DATA / "pages", root / "pages")
    build_index([root / "pages"], root / "ix", engine=engine)
    with open_index(root / "ix") as ix:
        yield ix


def _langs(result, n: int = 10) -> set[str]:
    return {h.lang for h in result.hits[:n]}


@pytest.mark.parametrize(
    "query,unit,source",
    [
        ("robustness", "robustness", "derived"),  # robust-ness -> 頑健 (gloss "robust health") + 性
        ("頑健性", "頑健性", "derived"),  # 頑健 + 性 -> robust
        ("協働", "協働", "chain"),  # 協働 -> cooperation -> 協力 -> collaboration
        ("deliberately", "deliberately", "chain"),  # deliberately -> 故意 -> intentionally -> 意図的
        ("hallucination", "hallucination", "translit"),
        ("バックドア", "バックドア", "translit"),
    ],
)
def test_derived_chained_and_loanwords_on_a_page(page, query, unit, source):
    result = page.search(query, explain=True)
    assert source in _sources(result, unit), result.explain["translations"]
    assert _langs(result) == {"ja", "en"}  # found in both languages


def test_a_mis_split_compound_is_tried_as_dictionary_words(page):
    """MeCab reads 実証例 as 実 / 証例; 実証 + 例 are dictionary words, so 例 -> example."""
    result = page.search("実証例", explain=True)
    units = {u["unit"] for u in result.explain["translations"]}
    assert "例" in units and "en" in _langs(result)


def test_derived_translations_name_what_they_came_from(page):
    result = page.search("robustness", explain=True)
    derived = [t for u in result.explain["translations"] for t in u["translations"] if t["source"] == "derived"]
    assert derived and all("via" in t and "+" in t["via"] for t in derived)


def test_suffixes_alone_are_not_translated(page):
    """的 inside 意図的 is a suffix, not the word "-like"."""
    result = page.search("意図的", explain=True)
    assert not any(u["unit"] == "的" for u in result.explain["translations"])


def test_fair_merge_puts_the_original_next_to_the_summary(seed_index):
    """戦略的: the English passage with "strategically" was 7th below six Japanese passages."""
    merged = seed_index.search("戦略的", explain=True)
    plain = seed_index.search("戦略的", merge=False)
    rank = lambda r: next(i for i, h in enumerate(r.hits) if h.lang == "en")  # noqa: E731
    assert rank(merged) < rank(plain) and rank(merged) < 5
    assert merged.hits[0].lang == "ja"  # the query's language keeps its best hit first
    assert merged.explain["merge"]["own_lang"] == "ja" and merged.explain["merge"]["factors"]["en"] > 1
    placed = [h.explain["merge"] for h in merged.hits if h.lang == "en"]
    assert placed and all(
        p["factor"] > 1 and p["raw_score"] < h.score for p, h in zip(placed, [h for h in merged.hits if h.lang == "en"])
    )


def test_merge_keeps_totals_filters_and_paging(seed_index):
    full = seed_index.search("戦略的", limit=50)
    assert full.total == seed_index.search("戦略的", merge=False, limit=0).total
    pages = [h.id for off in range(0, 12, 4) for h in seed_index.search("戦略的", limit=4, offset=off).hits]
    assert pages == [h.id for h in full.hits[:12]]
    only_ja = seed_index.search("戦略的", lang="ja")
    assert _langs(only_ja) == {"ja"} and "merge" not in (only_ja.explain or {})


def test_merge_is_off_without_translation(seed_index):
    a = seed_index.search("戦略的", translate=False, explain=True)
    assert "merge" not in a.explain


def _linked_pair(doc: str, ja: str, en: str) -> list[dict]:
    """A Japanese passage and its English original, linked (one document, ``translation_of``)."""
    return [
        {"id": f"{doc}-ja", "doc": doc, "lang": "ja", "text": ja},
        {"id": f"{doc}-en", "doc": doc, "lang": "en", "translation_of": f"{doc}-ja", "text": en},
    ]


def _linked_corpus(folder, pairs: int = 5):
    """Linked ja/en passages, ``pairs`` of them sharing a coined word pair no dictionary knows
    and as many without it, and one unlinked Japanese passage that uses the coined word."""
    rows = []
    topics = ["訓練", "評価", "検出", "分析", "比較", "改良", "設計", "実装", "調査", "検証"]
    en_topics = [
        "training",
        "evaluation",
        "detection",
        "analysis",
        "comparison",
        "refinement",
        "design",
        "implementation",
        "survey",
        "verification",
    ]
    for i in range(2 * pairs):
        coined = i < pairs
        rows += _linked_pair(
            f"p{i}",
            f"{'閃光法による' if coined else ''}{topics[i]}の研究。",
            f"A study of {en_topics[i]}{' with flashwise' if coined else ''}.",
        )
    rows.append({"id": "lone-ja", "doc": "lone", "lang": "ja", "text": "閃光法を使った新しい実験。"})
    rows.append({"id": "other-en", "doc": "other", "lang": "en", "text": "An unrelated note about gardens."})
    folder.mkdir()
    (folder / "linked.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8"
    )


def test_a_lexicon_learned_from_linked_passages(tmp_path, engine):
    _linked_corpus(tmp_path / "src")
    build_index([tmp_path / "src"], tmp_path / "ix", engine=engine)
    with open_index(tmp_path / "ix") as ix:
        result = ix.search("flashwise", explain=True, limit=20)
        assert "learned" in _sources(result, "flashwise")
        learned = {
            t["to"] for u in result.explain["translations"] for t in u["translations"] if t["source"] == "learned"
        }
        assert "閃光" in learned and "研究" not in learned  # in every linked pair: no evidence
        assert "lone-ja" in _ids(result)  # an unlinked passage found through the learned pair
        back = ix.search("閃光法", lang="en", explain=True)
        assert any(t["source"] == "learned" for u in back.explain["translations"] for t in u["translations"])
    build_index([tmp_path / "src"], tmp_path / "plain", engine=engine, mine_pairs=False)  # --no-mine
    with open_index(tmp_path / "plain") as ix:
        assert "learned" not in _sources(ix.search("flashwise", explain=True), "flashwise")


def test_the_learned_lexicon_follows_the_files(tmp_path, engine):
    """What is learned is kept with the index (a new process reads it) and follows its files:
    removing the linked pages forgets it, adding them back learns it again."""
    _linked_corpus(tmp_path / "src")
    (tmp_path / "more").mkdir()
    (tmp_path / "more" / "note.md").write_text("# 無関係\n\n庭の話。\n", encoding="utf-8")
    build_index([tmp_path / "src", tmp_path / "more"], tmp_path / "ix", engine=engine)
    with open_index(tmp_path / "ix") as ix:
        assert ix.stats()["learned_pairs"] > 0
        ix.remove([tmp_path / "src"])
    with open_index(tmp_path / "ix") as ix:
        assert ix.stats()["learned_pairs"] == 0
        assert "learned" not in _sources(ix.search("flashwise", explain=True), "flashwise")
        ix.update([tmp_path / "src"])
    with open_index(tmp_path / "ix") as ix:
        assert "learned" in _sources(ix.search("flashwise", explain=True), "flashwise")


def test_learning_needs_evidence(tmp_path, engine):
    """One linked pair is no evidence: nothing is learned from it."""
    _linked_corpus(tmp_path / "src", pairs=1)
    build_index([tmp_path / "src"], tmp_path / "ix", engine=engine)
    with open_index(tmp_path / "ix") as ix:
        assert "learned" not in _sources(ix.search("flashwise", explain=True), "flashwise")


def test_a_phrase_is_scored_by_its_own_frequency(tmp_path, engine):
    """Item 5: translated pairs are phrases, and Whoosh scored a phrase as the sum of its words'
    scores, i.e. counted the words anywhere in the field (twice tantivy's score, the EN->JA gap
    between the engines). Two documents of one length that hold the phrase once score alike,
    however often the words occur apart, on both engines."""
    rows = [
        {"id": "apart", "text": "alpha beta alpha gamma beta delta alpha epsilon beta zeta"},
        {"id": "once", "text": "alpha beta eta theta iota kappa lambda omicron sigma omega"},
    ]
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "d.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    build_index([tmp_path / "src"], tmp_path / "ix", engine=engine)
    with open_index(tmp_path / "ix") as ix:
        scores = {h.id: h.score for h in ix.search('"alpha beta"').hits}
    assert set(scores) == {"apart", "once"}
    assert scores["apart"] == pytest.approx(scores["once"], rel=0.01)


def test_a_suffix_variant_does_not_take_another_translation_s_place(tmp_path, engine):
    """lexical -> 語彙的 also searches 語彙 (the noun without its suffix); that variant rides along
    with 語彙的 instead of pushing the next translation (レキシカル) out of the group."""
    rows = [{"id": f"a{i}", "lang": "ja", "text": "語彙的な特徴を分析する。"} for i in range(5)]
    rows += [{"id": f"n{i}", "lang": "ja", "text": "語彙の大きさを測る。"} for i in range(25)]  # 語彙 far more common
    rows += [
        {"id": "b", "lang": "ja", "text": "レキシカルな規則を用いる手法を提案する。"},
        {"id": "c", "lang": "en", "text": "A lexical analysis of rules."},
    ]
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "d.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8"
    )
    build_index([tmp_path / "src"], tmp_path / "ix", engine=engine)
    with open_index(tmp_path / "ix") as ix:
        result = ix.search("lexical", lang="ja", explain=True)
    targets = {t["to"] for u in result.explain["translations"] for t in u["translations"]}
    assert {"語彙的", "レキシカル"} <= targets
    assert "b" in _ids(result)


def test_co_occurrence_counted_by_the_engine_chooses_as_id_sets_do(tmp_path, engine, monkeypatch):
    """Issue (scale): candidates held by many records measure co-occurrence with engine counts
    instead of sets of record ids. Both choose "bank" -> 土手 beside "river" (川 keeps company
    with 土手, not 銀行)."""
    import searchkit.crosslang.translate as translate_module

    rows = [{"id": f"r{i}", "lang": "ja", "text": f"川の土手を散歩した。土手の草{i}。"} for i in range(6)]
    rows += [{"id": f"b{i}", "lang": "ja", "text": f"銀行の口座を開いた。銀行の支店{i}。"} for i in range(6)]
    rows += [{"id": f"d{i}", "lang": "ja", "text": f"堤防の工事が進む。バンクの話{i}。"} for i in range(6)]
    rows.append({"id": "e1", "lang": "en", "text": "A walk along the river bank."})
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "a.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8"
    )
    build_index([tmp_path / "src"], tmp_path / "ix", engine=engine)

    def chosen():
        with open_index(tmp_path / "ix") as ix:
            result = ix.search("river bank", lang="ja", explain=True)
            return [[t["to"] for t in u["translations"]] for u in result.explain["translations"]], result.hits[0].id

    by_sets = chosen()
    monkeypatch.setattr(translate_module, "SET_BUDGET", 0)
    assert chosen() == by_sets
    assert "土手" in by_sets[0][1] and "銀行" not in by_sets[0][1] and by_sets[1].startswith("r")


def test_co_occurrence_is_counted_only_where_it_can_change_the_choice(tmp_path, engine, monkeypatch):
    """Issue (scale): co-occurrence only chooses among a word's candidates, so a word with no
    more candidates than are kept (and no equal weights to order) costs no engine counts:
    "zorblax quintrel" (one glossary translation each) asks for none, "river bank" (bank: 土手,
    銀行, ...) still counts, and both keep what they kept before."""
    import searchkit.crosslang.translate as translate_module

    rows = [{"id": f"r{i}", "lang": "ja", "text": f"川の土手を散歩した。土手の草{i}。"} for i in range(6)]
    rows += [{"id": f"b{i}", "lang": "ja", "text": f"銀行の口座を開いた。銀行の支店{i}。"} for i in range(6)]
    rows += [{"id": f"d{i}", "lang": "ja", "text": f"堤防の工事が進む。バンクの話{i}。"} for i in range(6)]
    rows += [{"id": f"v{i}", "lang": "ja", "text": f"検証手順と策略の記録{i}。"} for i in range(4)]
    rows.append({"id": "e1", "lang": "en", "text": "A walk along the river bank."})
    write_jsonl(tmp_path / "src" / "a.jsonl", rows)
    build_index([tmp_path / "src"], tmp_path / "ix", engine=engine)
    (tmp_path / "ix" / "glossary.tsv").write_text("zorblax\t検証手順\nquintrel\t策略\n", encoding="utf-8")
    monkeypatch.setattr(translate_module, "SET_BUDGET", 0)  # the engine counts, as in a large index
    with open_index(tmp_path / "ix") as ix:
        counted = []
        count_each = type(ix.engine).count_each

        def spy(self, queries):
            counted.extend(queries)
            return count_each(self, queries)

        monkeypatch.setattr(type(ix.engine), "count_each", spy)
        plain = ix.search("zorblax quintrel", lang="ja", explain=True)
        assert counted == []
        assert {t["to"] for u in plain.explain["translations"] for t in u["translations"]} == {"検証手順", "策略"}
        assert {h.id for h in plain.hits} == {f"v{i}" for i in range(4)}
        bank = ix.search("river bank", lang="ja", explain=True)
        assert counted  # bank has more candidates than are kept: co-occurrence chooses
        kept = [t["to"] for u in bank.explain["translations"] if u["unit"] == "bank" for t in u["translations"]]
        assert "土手" in kept and "銀行" not in kept and bank.hits[0].id.startswith("r")


def test_a_word_typed_twice_is_not_paired_with_itself(seed_index):
    """研究 研究 translated searches no "research research" pair phrase (it matched a single
    "research" on tantivy, not on Whoosh), and finds what 研究 finds."""
    twice = seed_index.search("ti:(研究 研究)", explain=True, limit=50)
    assert "research research" not in twice.explain["tree"]
    assert {h.id for h in twice.hits} == {h.id for h in seed_index.search("ti:研究", limit=50).hits}


# ten topics of linked pairs, in both languages
TOPICS = list(
    zip(
        ["訓練", "検出", "分析", "比較", "設計", "実装", "調査", "検証", "改良", "運用"],
        ["training", "detection", "analysis", "comparison", "design", "implementation"]
        + ["survey", "verification", "refinement", "operation"],
    )
)


def _explained(ix, word, lang):
    result = ix.search(word, lang=lang, explain=True, limit=20)
    return result, [t for u in result.explain["translations"] if u["unit"] == word for t in u["translations"]]


def test_the_learned_lexicon_confirms_a_dictionary_sense(tmp_path, engine):
    """A word the dictionaries translate keeps their translations, and the dictionary sense the
    collection's linked passages confirm gains weight (評価 as "rating" among valuation,
    appraisal, ...)."""
    rows = []
    for i, (ja, en) in enumerate(TOPICS):
        rated = i < 5
        rows += _linked_pair(
            f"r{i}", f"{ja}{'の評価' if rated else ''}を数える。", f"Counting {en}{' ratings' if rated else ''}."
        )
    rows.append({"id": "x1", "doc": "x1", "lang": "en", "text": "An appraisal of the house and its valuation."})
    write_jsonl(tmp_path / "src" / "rated.jsonl", rows)
    build_index([tmp_path / "src"], tmp_path / "ix", engine=engine)
    build_index([tmp_path / "src"], tmp_path / "plain", engine=engine, mine_pairs=False)
    with open_index(tmp_path / "ix") as ix, open_index(tmp_path / "plain") as plain:
        result, found = _explained(ix, "評価", "en")
        rating = [t for t in found if t["to"] == "rating"]
        assert rating and rating[0]["source"] == "jmdict" and "linked passages" in rating[0]["via"]
        assert {"r0-en", "r4-en"} <= set(_ids(result))
        assert "rating" not in {t["to"] for t in _explained(plain, "評価", "en")[1]}  # the dictionary alone


@pytest.mark.parametrize("partners", [("flashwise",), ("flashwise", "glimmerly")])
def test_a_learned_translation_joins_the_dictionaries_only_as_a_mutual_best(tmp_path, engine, partners):
    """The collection's own word for 閃光 joins the dictionary's "flash" when each is the
    other's one strongest partner; two coined words that always come together are no evidence
    for either (a tie), so neither joins."""
    rows = []
    for i, (ja, en) in enumerate(TOPICS):
        coined = i < 5
        rows += _linked_pair(
            f"p{i}",
            f"{'閃光で' if coined else ''}{ja}を調べる。",
            f"Probing {en}{' with ' if coined else ''}{' '.join(partners) if coined else ''}.",
        )
    rows.append({"id": "x2", "doc": "x2", "lang": "en", "text": "A flash of light over the assessment."})
    write_jsonl(tmp_path / "src" / "coined.jsonl", rows)
    build_index([tmp_path / "src"], tmp_path / "ix", engine=engine)
    with open_index(tmp_path / "ix") as ix:
        result, found = _explained(ix, "閃光", "en")
        if len(partners) == 1:
            assert {t["source"] for t in found} == {"jmdict", "learned"}
            assert "flashwise" in {t["to"] for t in found}  # as the collection writes it, not its stem
            assert {"p0-en", "x2"} <= set(_ids(result))
        else:
            assert {t["source"] for t in found} == {"jmdict"}


def test_an_index_from_before_the_written_forms_still_learns(tmp_path, engine):
    """Linked pairs and learned tables stored before the English words' written forms were kept
    (entries of two items) still translate, by stem."""
    _linked_corpus(tmp_path / "src")
    build_index([tmp_path / "src"], tmp_path / "ix", engine=engine)
    for name in ("linked-pairs.json", "learned-table.json"):
        for path in (tmp_path / "ix").rglob(name):
            kept = json.loads(path.read_text(encoding="utf-8"))
            old = {k: [item[:2] for item in items] for k, items in kept.items()}
            path.write_text(json.dumps(old, ensure_ascii=False), encoding="utf-8")
    with open_index(tmp_path / "ix") as ix:
        result = ix.search("閃光法", lang="en", explain=True)
        assert "p0-en" in _ids(result)
        ix.update([tmp_path / "src"])  # nothing changed: the old tables stay usable
        assert "learned" in _sources(ix.search("flashwise", explain=True), "flashwise")


def _the_translation_that_finds(tmp_path, engine, query: str, lang: str, written: str, found: str) -> dict:
    """Index ``written`` (in ``lang``) beside two unrelated passages, search ``query`` in ``lang``:
    the passage must be the one hit, and the translation that searched ``found`` is returned."""
    write_jsonl(
        tmp_path / "src" / "d.jsonl",
        [
            {"id": "hit", "lang": lang, "text": written},
            {"id": "en", "lang": "en", "text": "The proof of the parser is long."},
            {"id": "ja", "lang": "ja", "text": "証明は長い。"},
        ],
    )
    build_index([tmp_path / "src"], tmp_path / "ix", engine=engine)
    with open_index(tmp_path / "ix") as ix:
        result = ix.search(query, lang=lang, explain=True)
    assert _ids(result) == ["hit"]
    (translation,) = [t for u in result.explain["translations"] for t in u["translations"] if t["terms"] == [found]]
    return translation


@pytest.mark.parametrize(
    "query,written,found",
    [
        ("単純化", "We simplify the proof by induction.", "simplifi"),  # simplification: simplif
        ("分析", "We analyze the failures of the parser.", "analyz"),  # analysis: analysi
    ],
)
def test_a_translation_finds_its_derivational_relatives(tmp_path, engine, query, written, found):
    """The dictionary says "simplification"; the English text says "simplify", which Snowball
    stems apart. The translation's relatives in the dictionary's English (stems sharing all but
    its last two letters) are searched too, lower, and --explain names the form they came from."""
    related = _the_translation_that_finds(tmp_path, engine, query, "en", written, found)
    assert related["via"] == "a related form" and related["weight"] < 0.5


@pytest.mark.parametrize(
    "query, written, found",
    [
        ("直線", "We test the linearity of the response.", "linear"),
        ("社交", "Sociability shapes the group.", "sociabl"),
    ],
)
def test_a_word_without_translations_borrows_its_property_noun(tmp_path, engine, query, written, found):
    """直線 is only "straight line" in the dictionary, which this English never writes; 直線性,
    the property of being 直線, is "linearity". A word none of whose translations occur in the
    index is looked up as X+性 too, and --explain says so."""
    derived = _the_translation_that_finds(tmp_path, engine, query, "en", written, found)
    assert derived["source"] == "derived" and derived["via"] == f"{query}性 - 性"


@pytest.mark.parametrize(
    "query, lang, written, found, phrase",
    [
        ("社交", "en", "Social networks grow fast.", "social", "social life"),
        ("旋光", "en", "The rotation of the polarised light was measured.", "rotat", "optical rotation"),
        ("submarine", "ja", "潜水の記録を調べた。", "潜水", "潜水艦"),
    ],
)
def test_a_phrase_translation_missing_from_the_index_is_searched_by_its_word(
    tmp_path, engine, query, lang, written, found, phrase
):
    """The dictionary translates 社交 only as "social life" / "social intercourse" and submarine
    only as compounds (潜水艦), none of which this index holds as written; the phrase's most
    specific word that it does hold is searched instead, and --explain names the phrase."""
    part = _the_translation_that_finds(tmp_path, engine, query, lang, written, found)
    assert part["via"] == f"a word of {phrase!r}" and part["weight"] < 0.3


def test_a_chain_goes_through_a_word_that_shares_a_character(tmp_path, engine):
    """基づく is glossed "to be based on; to be grounded on". "grounded" leads to 境内 (temple
    grounds), glossed "compound": a chain through another sense. A Japanese word's chain goes
    only through dictionary words that share a kanji with it (協働 -> 協力, as the page test shows)."""
    write_jsonl(
        tmp_path / "src" / "d.jsonl",
        [
            {"id": "sense", "lang": "en", "text": "The chemical compound was heated inside the temple precincts."},
            {"id": "base", "lang": "en", "text": "We train the base model."},
            {"id": "ja", "lang": "ja", "text": "証明は長い。"},
        ],
    )
    build_index([tmp_path / "src"], tmp_path / "ix", engine=engine)
    with open_index(tmp_path / "ix") as ix:
        result = ix.search("基づく", lang="en", explain=True)
    assert "sense" not in _ids(result)
    chained = [t for u in result.explain["translations"] for t in u["translations"] if t["source"] == "chain"]
    assert all(set(t["via"].split(" / ")[-1]) & set("基づく") for t in chained)


def test_the_text_explain_names_what_a_translation_came_from(tmp_path, engine):
    """JSON had each derived, chained and related translation's ``via``; the text --explain
    printed only the dictionary word, so a chained translation looked like a dictionary one
    and a related form like a duplicate of its word."""
    from typer.testing import CliRunner

    from searchkit.cli import app

    shutil.copytree(DATA / "pages", tmp_path / "pages")
    write_jsonl(tmp_path / "pages" / "more.jsonl", [{"id": "s", "lang": "en", "text": "We simplify the proof."}])
    build_index([tmp_path / "pages"], tmp_path / "ix", engine=engine)
    runner = CliRunner()
    for query, expected in (
        ("協働", "collaboration = collabor [chain"),
        ("協働", "via cooperation"),
        ("単純化", "simplification = simplifi [jmdict"),
        ("単純化", "via a related form"),
    ):
        res = runner.invoke(app, ["search", query, "-i", str(tmp_path / "ix"), "--explain"], catch_exceptions=False)
        assert res.exit_code == 0 and expected in res.output, res.output


def test_a_short_stem_brings_only_its_closest_relatives(tmp_path, engine):
    """ "intern" (インターン) shares its prefix "inter" with a hundred dictionary words; they are
    not its relatives, and a query must not search them all."""
    words = "interaction interest interface interval interview internet internal interpretation intervention"
    write_jsonl(
        tmp_path / "src" / "d.jsonl",
        [{"id": "e", "lang": "en", "text": f"An intern studied {words}."}, {"id": "j", "lang": "ja", "text": "研修。"}],
    )
    build_index([tmp_path / "src"], tmp_path / "ix", engine=engine)
    with open_index(tmp_path / "ix") as ix:
        result = ix.search("インターン", lang="en", explain=True)
    related = [t for u in result.explain["translations"] for t in u["translations"] if t.get("via") == "a related form"]
    assert _ids(result) == ["e"] and len(related) <= 3, related
