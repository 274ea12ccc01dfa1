"""Build the compact JMdict table searchkit ships, from jamdict-data's SQLite database.

    pip install jamdict-data            # or download its sdist and unpack jamdict.db.xz
    python -m searchkit.crosslang.build_jmdict /path/to/jamdict.db[.xz]

Writes ``searchkit/crosslang/data/jmdict-eng.tsv.gz``: one line per entry,
``<common 0|1>\\t<headword>|<headword>...\\t<gloss>;<gloss>|<next sense>...``. Archaic, obsolete
and obscure senses are dropped; at most 5 senses of 6 glosses each are kept. The table is
derived from JMdict (© EDRDG, CC BY-SA 4.0) and keeps that licence (see data/README.md).
"""

from __future__ import annotations

import argparse
import gzip
import lzma
import shutil
import sqlite3
import tempfile
from collections import defaultdict
from pathlib import Path

OUT = Path(__file__).parent / "data" / "jmdict-eng.tsv.gz"
DROP_MISC = {"archaism", "obsolete term", "obscure term", "rare", "dated term"}
DROP_KANJI_INFO = {"irregular kanji usage", "out-dated kanji", "irregular okurigana usage", "search-only kanji form"}
COMMON = {"news1", "ichi1", "spec1", "spec2", "gai1"}
MAX_SENSES, MAX_GLOSSES, MAX_GLOSS_CHARS = 5, 6, 60


def _clean(text: str) -> str:
    return " ".join(text.replace("\t", " ").replace("|", "/").replace(";", ",").split())


def build(db_path: Path, out: Path = OUT) -> int:
    con = sqlite3.connect(db_path)
    kanji_info = defaultdict(set)
    for kid, text in con.execute("SELECT kid, text FROM KJI"):
        kanji_info[kid].add(text)
    common = {kid for kid, t in con.execute("SELECT kid, text FROM KJP") if t in COMMON}
    common_kana = {kid for kid, t in con.execute("SELECT kid, text FROM KNP") if t in COMMON}
    kanji = defaultdict(list)
    entry_common = set()
    for kid, idseq, text in con.execute("SELECT ID, idseq, text FROM Kanji ORDER BY ID"):
        if kanji_info[kid] & DROP_KANJI_INFO:
            continue
        kanji[idseq].append(text)
        if kid in common:
            entry_common.add(idseq)
    kana = defaultdict(list)
    for kid, idseq, text in con.execute("SELECT ID, idseq, text FROM Kana ORDER BY ID"):
        kana[idseq].append(text)
        if kid in common_kana:
            entry_common.add(idseq)
    misc = defaultdict(set)
    for sid, text in con.execute("SELECT sid, text FROM misc"):
        misc[sid].add(text)
    senses = defaultdict(list)  # idseq -> [(sid, [glosses])]
    glosses = defaultdict(list)
    for sid, text in con.execute("SELECT sid, text FROM SenseGloss WHERE lang = 'eng' ORDER BY rowid"):
        glosses[sid].append(text)
    usually_kana = set()
    for sid, idseq in con.execute("SELECT ID, idseq FROM Sense ORDER BY ID"):
        if misc[sid] & DROP_MISC or sid not in glosses:
            continue
        if "word usually written using kana alone" in misc[sid]:
            usually_kana.add(idseq)
        senses[idseq].append([_clean(g) for g in glosses[sid] if len(g) <= MAX_GLOSS_CHARS][:MAX_GLOSSES])
    n = 0
    out.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(out, "wt", encoding="utf-8", compresslevel=9) as fh:
        for (idseq,) in con.execute("SELECT idseq FROM Entry ORDER BY idseq"):
            ss = [s for s in senses.get(idseq, []) if s][:MAX_SENSES]
            if not ss:
                continue
            heads = list(kanji.get(idseq, []))
            if not heads or idseq in usually_kana:
                heads += kana.get(idseq, [])
            heads = [_clean(h) for h in dict.fromkeys(heads) if h]
            if not heads:
                continue
            fh.write(f"{int(idseq in entry_common)}\t{'|'.join(heads)}\t{'|'.join(';'.join(s) for s in ss)}\n")
            n += 1
    return n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("db", type=Path, help="jamdict.db or jamdict.db.xz from the jamdict-data package")
    ap.add_argument("-o", "--out", type=Path, default=OUT)
    args = ap.parse_args()
    db = args.db
    with tempfile.TemporaryDirectory() as tmp:
        if db.suffix == ".xz":
            plain = Path(tmp) / "jamdict.db"
            with lzma.open(db) as src, open(plain, "wb") as dst:
                shutil.copyfileobj(src, dst)
            db = plain
        n = build(db, args.out)
    print(f"{args.out}: {n} entries, {args.out.stat().st_size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
