"""Cross-language lookup: Japanese <-> English query translation from real resources.

- ``lexicon``: the shipped JMdict and UniDic-loanword tables behind a SQLite cache;
- ``translit``: katakana romanisation and sound-alike matching against the index's vocabulary;
- ``mining``: gloss pairs mined from the indexed text itself (``毒づけ(ポイズニング)``);
- ``glossary``: a user's own term list;
- ``translate``: turns query words into weighted translation groups using all of the above.
"""
