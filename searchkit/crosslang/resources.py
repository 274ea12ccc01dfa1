"""The cross-language resources of one commit of an index: the dictionaries, the per-file side
tables kept beside the engine's data (mined glosses, katakana words as written, linked pairs for
the learned lexicon), the counterpart linker and the query translators. Built on first use;
an index makes a new one whenever it moves to another commit."""

from __future__ import annotations

from pathlib import Path

from ..analysis.analyzer import Analyzer
from ..engines.base import Engine
from ..models import Hit
from ..query.tree import KeywordQ, PhraseQ


class CrossLanguage:
    def __init__(
        self,
        data: Path,
        index_dir: Path,
        engine: Engine,
        analyzer: Analyzer,
        mining: bool,
        lexicon,
        documents: bool = False,
    ) -> None:
        self.data = data  # the engine's data folder of this commit (the side tables live there)
        self.index_dir = index_dir  # where the index's own glossary file lives
        self.engine = engine
        self.analyzer = analyzer
        self.mining = mining  # mined glosses and linked pairs are on (off: --no-mine)
        self.lexicon = lexicon  # shared by every commit: it depends on the analyzer only
        self.documents = documents  # document translations are kept (index --translate-documents)
        self._document_translator = None
        self._side: dict = {}
        self._linker = None
        self._translators: dict = {}

    def record_file(self, path: str, entries) -> None:
        """Record the parenthetical glosses of a new or changed file's entries (unless mining is
        switched off), the katakana words they write (the index's own loanword vocabulary) and
        their linked pairs. Kept in memory until :meth:`save`."""
        from .learned import linked_terms
        from .mining import katakana_runs, mine

        found, written = [], set()
        # entries of one section share its title: each title is read once, in file order
        for text in [*dict.fromkeys(e.title for e in entries), *(e.text for e in entries)]:
            if self.mining:
                found += mine(text, self.analyzer.tokenizer)
            written |= katakana_runs(text)
        self.mined_pairs.replace(path, list(dict.fromkeys(found)))
        self.katakana_runs.replace(path, sorted(written))
        if self.mining:
            self.linked_pairs.replace(path, linked_terms(entries, self.linker, self.analyzer))
        if self.documents:
            from .doctrans import bags, document_translator

            if self._document_translator is None:
                self._document_translator = document_translator(self.analyzer, self.lexicon)
            self.document_translations.replace(path, bags(entries, self._document_translator))

    def forget_file(self, path: str) -> None:
        for table in (self.mined_pairs, self.katakana_runs, self.linked_pairs, self.document_translations):
            table.remove(path)

    def save(self) -> None:
        """Write the side tables (before the engine commit they belong to)."""
        if self.mining:
            self.mined_pairs.save()
            self.linked_pairs.save()
        self.katakana_runs.save()
        if self.documents:
            self.document_translations.save()

    def _side_file(self, name: str, kind):
        got = self._side.get(name)
        if got is None:
            got = self._side[name] = kind(self.data / name)
        return got

    @property
    def mined_pairs(self):
        from .mining import FILE, MinedPairs

        return self._side_file(FILE, MinedPairs)

    @property
    def katakana_runs(self):
        from .mining import KATAKANA_FILE, KatakanaRuns

        return self._side_file(KATAKANA_FILE, KatakanaRuns)

    @property
    def linked_pairs(self):
        from .learned import FILE, LinkedPairs

        return self._side_file(FILE, LinkedPairs)

    @property
    def document_translations(self):
        from .doctrans import FILE, DocumentTranslations

        return self._side_file(FILE, DocumentTranslations)

    @property
    def linker(self):
        if self._linker is None:
            from .linking import Linker

            self._linker = Linker(self.analyzer, self.lexicon)
        return self._linker

    def languages(self) -> frozenset:
        """The languages with at least one entry in this commit (one facet count)."""
        got = self._side.get("languages")
        if got is None:
            got = self._side["languages"] = frozenset(self.engine.facets(None, [], ("lang",))["lang"])
        return got

    def counts(self) -> dict[str, int]:
        """How much the collection itself adds to the dictionaries, in translation pairs (each is
        kept in both directions): the index's glossary file, glosses mined from parentheses, words
        learned from linked passages."""
        from . import glossary as gl

        kept = self.index_dir / gl.INDEX_GLOSSARY
        tables = {
            "glossary_pairs": gl.load(kept) if kept.exists() else {},
            "mined_pairs": self.mined_pairs.table(),
            "learned_pairs": self.linked_pairs.table(),
        }
        return {name: sum(len(v) for v in table.values()) // 2 for name, table in tables.items()}

    def translator(self, glossary: str | Path | None = None):
        """The query translator; ``glossary`` adds a glossary file to the index's own."""
        key = str(glossary or "")
        if key not in self._translators:
            from . import glossary as gl
            from .translate import Translator

            kept = self.index_dir / gl.INDEX_GLOSSARY  # optional; a --glossary file must exist
            files = ([kept] if kept.exists() else []) + ([Path(glossary)] if glossary else [])
            terms: dict[str, set[str]] = {}
            for path in files:
                for k, v in gl.load(path).items():
                    terms.setdefault(k, set()).update(v)
            self._translators[key] = Translator(
                self.analyzer,
                self.lexicon,
                self.engine.doc_frequency,
                self.engine.doc_ids,
                self._phrase_frequency,
                self.engine.vocabulary,
                words=self.engine.words,
                katakana=self.katakana_runs.words,
                count_each=self.engine.count_each,
                mined=self.mined_pairs.table(),
                glossary=terms,
                learned=self.linked_pairs.table(),
                languages=self.languages(),
                documents=self.document_translations.scorer() if self.documents else None,
            )
        return self._translators[key]

    def _phrase_frequency(self, terms: tuple[str, ...]) -> int:
        return self.engine.count_matching(PhraseQ(terms))

    def counterparts(self, hit: Hit, memo: dict | None = None) -> list[dict]:
        """The entries in the other language that this entry translates or is translated by.
        ``memo`` shares the per-document candidate lists between the hits of one result page."""
        if hit.lang not in ("ja", "en") or not hit.doc:
            return []
        other = "en" if hit.lang == "ja" else "ja"
        memo = {} if memo is None else memo
        key = (hit.doc, other)
        if key not in memo:
            memo[key] = self.engine.scan([KeywordQ("doc", hit.doc), KeywordQ("lang", other)])
        cands = memo[key]
        explicit = [r for r in cands if r.get("id") == hit.translation_of or r.get("translation_of") == hit.id]
        if explicit:
            ranked = [(r, 1.0) for r in explicit]
        else:
            ranked = self.linker.rank(f"{hit.title} {hit.text}", hit.lang, cands)
        return [
            {
                "id": r["id"],
                "lang": r.get("lang", ""),
                "kind": r.get("kind", ""),
                "title": r.get("title", "") or r.get("section", ""),
                "text": r.get("text", "")[:200],
                "score": round(s, 3),
            }
            for r, s in ranked
        ]
