"""Extract UniDic's loanword glosses (アラインメント-alignment) into a compact table.

    python -m searchkit.crosslang.build_unidic

UniDic writes the English source of a katakana loanword into the lemma field. fugashi only shows
it for words in a text, so this reads the feature strings of unidic-lite's ``sys.dic`` directly and
writes ``data/unidic-loanwords.tsv.gz`` (``<lemma>\\t<english>`` per line, sorted). The table
depends on the dictionary version, which is pinned and recorded in its first line.
"""

from __future__ import annotations

import gzip
import os
import re
from importlib.metadata import version
from pathlib import Path

OUT = Path(__file__).parent / "data" / "unidic-loanwords.tsv.gz"
# ",<katakana lemma>-<latin gloss>," inside a feature string; katakana is 3-byte UTF-8 (E3 8x xx)
_PAIR = re.compile(rb",((?:\xe3[\x82\x83][\x80-\xbf])+)-([A-Za-z][A-Za-z '.&]*),")


def extract(sys_dic: bytes) -> set[tuple[str, str]]:
    return {(m.group(1).decode("utf-8"), m.group(2).decode("ascii").lower()) for m in _PAIR.finditer(sys_dic)}


def main() -> None:
    import unidic_lite

    data = Path(os.path.join(unidic_lite.DICDIR, "sys.dic")).read_bytes()
    pairs = sorted(extract(data))
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(OUT, "wt", encoding="utf-8", compresslevel=9) as fh:
        fh.write(f"#unidic-lite\t{version('unidic-lite')}\n")
        for lemma, gloss in pairs:
            fh.write(f"{lemma}\t{gloss}\n")
    print(f"{OUT}: {len(pairs)} loanword pairs, {OUT.stat().st_size / 1e3:.0f} kB")


if __name__ == "__main__":
    main()
