"""Stage 4, queries: query text -> a tree the engines run.

``compile`` (parse the syntax, analyse the words, add translations, lower to per-field leaves),
``tree`` (the small frozen query types every engine translates)."""
