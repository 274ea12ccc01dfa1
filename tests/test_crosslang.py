"""Cross-language lookup: each translation source, the seed examples, explain, the no-leakage
switch, glossaries, linked originals, and odd input."""

from __future__ import annotations

import json
import shutil

import pytest

from searchkit import build_index, open_index
from searchkit.crosslang.glossary import GlossaryError
from searchkit.crosslang.glossary import load as load_glossary
from searchkit.crosslang.mining import mine
from searchkit.crosslang.translit import SoundIndex, romanize

from .conftest import SEEDS


def units(ix, *words, **config):
    tr = ix.translator()
    return {u.text: [(t.target, t.origin) for t in u.translations] for u in tr.units(list(words))}


# -- the three seed examples of the issue --
def test_english_query_finds_the_japanese_passage(seed_index):
    res = seed_index.search("alignment faking", limit=20)
    assert res.hits[0].title == "Alignment faking in large language models"
    ja = [h for h in res.hits if h.lang == "ja"]
    assert any("アライメントの偽装" in h.text or "アライメント偽装" in h.text for h in ja)


def test_japanese_query_finds_the_english_passage_and_paper(seed_index):
    res = seed_index.search("報酬関数の改ざん", limit=20)
    titles = [h.title for h in res.hits]
    assert "Sycophancy to subterfuge: Investigating reward tampering in language models" in titles
    assert any(h.lang == "ja" and "報酬関数の改ざん" in h.text for h in res.hits)


def test_katakana_loanword_finds_universal_jailbreaks(seed_index):
    res = seed_index.search("ジェイルブレイク", limit=10)
    assert any("universal jailbreaks" in h.title for h in res.hits)
    res = seed_index.search("ジェイルブレイク", limit=10, translate=False)
    assert not any("universal jailbreaks" in h.title for h in res.hits)


# -- one test per source --
def test_unidic_loanword_glosses_both_ways(seed_index):
    assert ("アラインメント", "unidic") in units(seed_index, "alignment")["alignment"]
    assert ("alignment", "unidic") in units(seed_index, "アライメント")["アライメント"]


def test_jmdict_general_vocabulary(seed_index):
    assert ("好奇心", "jmdict") in units(seed_index, "curiosity")["curiosity"]
    got = units(seed_index, "監査")["監査"]
    assert ("audit", "jmdict") in got or ("auditing", "jmdict") in got


def test_transliteration_of_words_in_no_dictionary(seed_index):
    assert units(seed_index, "ジェイルブレイク")["ジェイルブレイク"] == [("jailbreak", "translit")]
    assert romanize("ポイズニング") == "poizuningu"
    sound = SoundIndex(["poison", "model", "ポイズニング"])
    assert sound.english_for("ポイズニング")[0][0] == "poison"
    assert sound.katakana_for("poisoning")[0][0] == "ポイズニング"
    # a consonant skeleton alone would pair these; the spelling with vowels does not
    assert SoundIndex(["ダウンロード", "プロセッサー"]).katakana_for("termlist") == []
    assert SoundIndex(["ダウンロード", "プロセッサー"]).katakana_for("plus") == []


def test_mined_parenthetical_pairs(seed_index, analyzer):
    pairs = mine(
        "少数のデータで「毒づけ(ポイズニング)」できる。Claude（クロード）は reward hacking (報酬ハッキング) を",
        analyzer.tokenizer,
    )
    assert ("毒づけ", "ポイズニング") in pairs and ("Claude", "クロード") in pairs
    assert ("reward hacking", "報酬ハッキング") in pairs
    assert mine("2024年(令和6年)の研究(図3を参照している)", analyzer.tokenizer) == []
    # a mark in parentheses is not a gloss; English glossing English gives no pair
    assert mine("the model (*) works. モデル(※)を使う。a score (-) and", analyzer.tokenizer) == []
    assert mine("large language models (LLMs) and reinforcement learning (RL)", analyzer.tokenizer) == []
    assert mine("強化学習(reinforcement learning)を", analyzer.tokenizer) == [("強化学習", "reinforcement learning")]
    # mined from the seed at index time, and used in both directions
    assert "整合性" in seed_index.mined_pairs.table()["アライメント"]
    assert "アライメント" in seed_index.mined_pairs.table()["整合性"]
    assert any(o == "mined" for _, o in units(seed_index, "アライメント")["アライメント"])
    assert ("アライメント", "mined") in units(seed_index, "志向一致")["志向一致"]


def test_glossary(tmp_path, seed_index):
    g = tmp_path / "team.tsv"
    g.write_text("# our words\nsubterfuge\t策略;ごまかし\n", encoding="utf-8")
    assert load_glossary(g)["subterfuge"] == {"策略", "ごまかし"}
    tr = seed_index.translator(g)
    assert tr.glossary["策略"] == {"subterfuge"}
    with pytest.raises(GlossaryError, match="no such file"):
        load_glossary(tmp_path / "missing.tsv")
    bad = tmp_path / "bad.tsv"
    bad.write_text("no tab here\n", encoding="utf-8")
    with pytest.raises(GlossaryError, match=r"bad.tsv:1: expected 'term<TAB>translation'"):
        load_glossary(bad)


def test_glossary_term_reaches_the_other_language(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.jsonl").write_text(
        json.dumps({"id": "ja1", "text": "社内用語の検証手順について。"}, ensure_ascii=False)
        + "\n"
        + json.dumps({"id": "en1", "text": "Nothing relevant here."})
        + "\n",
        encoding="utf-8",
    )
    build_index([src], tmp_path / "ix")
    (tmp_path / "ix" / "glossary.tsv").write_text("zorblax\t検証手順\n", encoding="utf-8")
    with open_index(tmp_path / "ix") as ix:
        assert [h.id for h in ix.search("zorblax").hits] == ["ja1"]


def test_a_japanese_query_is_translated_into_an_english_only_collection(tmp_path, engine):
    """A word is translated into the languages the collection holds: a collection of English
    originals alone still answers a Japanese query (and an English query pays for no Japanese)."""
    src = tmp_path / "src"
    src.mkdir()
    rows = [
        {"id": "en1", "text": "Large language models learn to translate between languages."},
        {"id": "en2", "text": "Agents exploit their reward functions."},
    ]
    (src / "a.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    build_index([src], tmp_path / "ix", engine=engine)
    with open_index(tmp_path / "ix") as ix:
        assert [h.id for h in ix.search("言語モデル").hits] == ["en1"]
        assert [h.id for h in ix.search("報酬").hits] == ["en2"]
        assert not ix.search("language", explain=True).explain["translations"]


def test_a_language_filter_limits_what_the_query_is_translated_into(seed_index):
    """--lang en: only English entries can be found, so an English query is not translated into
    Japanese (nothing but code-switched words could match it), and a Japanese one still is."""
    own = seed_index.search("alignment faking", lang="en", explain=True, limit=20)
    assert not own.explain["translations"]
    plain = seed_index.search("alignment faking", lang="en", translate=False, limit=20)
    assert [(h.id, h.score) for h in own.hits] == [(h.id, h.score) for h in plain.hits]
    other = seed_index.search("アライメント偽装", lang="en", explain=True, limit=20)
    assert other.explain["translations"] and other.hits and all(h.lang == "en" for h in other.hits)
    both = seed_index.search("alignment faking", explain=True, limit=20)
    assert both.explain["translations"]  # no filter: both languages, as before
    # the same filter written in the query
    inline = seed_index.search("alignment faking lang:en", explain=True, limit=20)
    assert not inline.explain["translations"]
    untranslated = seed_index.search("alignment faking lang:en", translate=False, limit=20)
    assert [(h.id, h.score) for h in inline.hits] == [(h.id, h.score) for h in untranslated.hits]
    assert seed_index.search("アライメント偽装 +lang:en", explain=True).explain["translations"]
    assert seed_index.search("alignment faking -lang:en", explain=True).explain["translations"]
    assert seed_index.search("(alignment lang:en) OR faking", explain=True).explain["translations"]


# -- control, transparency, no leakage --
def test_translated_terms_weigh_less_than_typed_ones(seed_index):
    for u in seed_index.translator().units(["alignment", "faking"]):
        assert all(0 < t.weight < 1 for t in u.translations)


def test_explain_and_matched_terms(seed_index):
    res = seed_index.search("alignment", explain=True, limit=30)
    ex = res.explain
    assert ex["translations"][0]["unit"] == "alignment"
    assert {"from", "to", "terms", "source", "weight"} <= set(ex["translations"][0]["translations"][0])
    assert "max(" in ex["tree"]
    ja = next(h for h in res.hits if h.lang == "ja")
    origins = {m["origin"] for m in ja.matched_terms}
    assert any("translation of 'alignment'" in o for o in origins)


def test_no_translate(seed_index):
    res = seed_index.search("alignment faking", translate=False, limit=50)
    assert all(h.lang == "en" for h in res.hits)


def test_mining_can_be_switched_off(tmp_path):
    src = tmp_path / "src"
    shutil.copytree(SEEDS, src)
    build_index([src], tmp_path / "ix", mine_pairs=False)
    with open_index(tmp_path / "ix") as ix:
        assert ix.manifest.options["mine_pairs"] is False
        assert ix.mined_pairs.table() == {}
        assert all(o != "mined" for _, o in units(ix, "アライメント")["アライメント"])


# -- linked originals --
def test_counterparts_link_japanese_and_english(seed_index):
    hit = seed_index.get("000_2db909a8ebb65741:5")  # Claude 3 では「性格訓練」...
    assert hit.counterparts[0]["id"] == "000_2db909a8ebb65741:24"  # Claude 3 was the first ...
    hit = seed_index.get("000_2db909a8ebb65741:24")
    assert "000_2db909a8ebb65741:5" in [c["id"] for c in hit.counterparts]


def test_explicit_translation_of_wins(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    rows = [
        {"id": "en-a", "doc": "d", "text": "Cats sleep a lot."},
        {"id": "en-b", "doc": "d", "text": "Dogs bark."},
        {"id": "ja-b", "doc": "d", "text": "猫はよく眠る。", "translation_of": "en-b"},
    ]
    (src / "d.jsonl").write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    build_index([src], tmp_path / "ix")
    with open_index(tmp_path / "ix") as ix:
        assert [c["id"] for c in ix.get("ja-b").counterparts] == ["en-b"]


# -- odd input never crashes --
@pytest.mark.parametrize(
    "query",
    [
        "",
        "の",
        "のをにが",
        "、。！？",
        "・・・",
        "ＡＩ日報アライメントalignment",
        "ーーー",
        "x" * 1500,
        "アライメント " * 200,
        "𠮷野家",
        "\u200b",
        "ｶﾞ",
        "--",
        "++a",
    ],
)
def test_translated_queries_never_crash(seed_index, query):
    try:
        seed_index.search(query, explain=True)
    except Exception as exc:  # only the documented, one-line errors
        from searchkit.errors import QuerySyntaxError

        assert isinstance(exc, QuerySyntaxError)


def test_neighbouring_units_translations_are_tried_side_by_side(seed_index):
    from dataclasses import replace

    from searchkit.crosslang.translate import TranslatorConfig
    from searchkit.query.compile import QueryCompiler
    from searchkit.query.tree import DisMaxQ, PhraseQ

    tree = (
        QueryCompiler(seed_index.analyzer, seed_index.ranking, translator=seed_index.translator())
        .compile("alignment faking")
        .tree
    )
    groups = [c for c in tree.should if isinstance(c, DisMaxQ) and all(isinstance(p, PhraseQ) for p in c.clauses)]
    assert len(groups) == 1
    # one clause for both orders (アラインメント 改竄 / 改竄 アラインメント)
    pairs = {(p.terms, p.either_order) for p in groups[0].clauses}
    assert (("アラインメント", "改竄"), True) in pairs
    no_pairs = replace(seed_index.translator(), config=TranslatorConfig(pairs=0))  # a copy: the index's stays
    tree = QueryCompiler(seed_index.analyzer, seed_index.ranking, translator=no_pairs).compile("alignment faking").tree
    assert not [c for c in tree.should if isinstance(c, DisMaxQ) and all(isinstance(p, PhraseQ) for p in c.clauses)]


def test_a_pair_in_a_field_keeps_both_orders(seed_index):
    """title:(alignment faking): the pair of translations is searched in the title, still in
    either order (scoping a clause to a field must not drop what else it says)."""
    from searchkit.query.compile import QueryCompiler
    from searchkit.query.tree import DisMaxQ, PhraseQ

    compiler = QueryCompiler(seed_index.analyzer, seed_index.ranking, translator=seed_index.translator())
    tree = compiler.compile("title:(alignment faking)").tree
    pairs = [
        p
        for c in tree.should
        if isinstance(c, DisMaxQ) and all(isinstance(p, PhraseQ) for p in c.clauses)
        for p in c.clauses
    ]
    assert pairs and all(p.field == "title" for p in pairs)
    assert any(p.terms == ("アラインメント", "改竄") and p.either_order for p in pairs)


def test_japanese_derivational_suffix_also_stands_for_the_noun(seed_index):
    from searchkit.crosslang.translate import JA_DERIVATIONAL_SUFFIXES, Translator, TranslatorConfig

    assert {"的", "性", "化"} <= JA_DERIVATIONAL_SUFFIXES
    t = seed_index.translator()
    fake = Translator(
        t.analyzer,
        t.lexicon,
        lambda term: 5,
        lambda term: frozenset(),
        lambda terms: 0 if "的" in terms else 3,
        lambda: [],
        config=TranslatorConfig(per_unit=50),  # every candidate that occurs
    )
    got = {(tr.target, tr.terms) for u in fake.units(["probabilistic"]) for tr in u.translations}
    assert ("確率的", ("確率",)) in got and (
        "確率的",
        ("確率", "的"),
    ) not in got  # the phrase never occurs; the noun does
