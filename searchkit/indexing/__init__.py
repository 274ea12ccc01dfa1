"""Stage 3, indexing: the index on disk and its lifecycle.

``index`` (open, update, rebuild switch; the library API), ``manifest`` (what a folder holds),
``lock`` (one writer), ``durable`` (fsync and atomic replace), ``workers`` (the analysis process
pool), ``filenotes`` (what was skipped and why)."""
