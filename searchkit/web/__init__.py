"""``searchkit serve``: a local web page over the same library API as the CLI (no search logic here)."""
