"""Stage 2, analysis: text -> terms with exact offsets.

``unicode`` (script classes), ``tokenizer`` (the only fugashi import: MeCab for Japanese, simple
splitting for English), ``analyzer`` (normalised, stemmed index terms), ``record`` (a record ->
the terms an engine indexes), ``spans`` (the stored term offsets highlighting reads)."""
