"""Stage 5, search: run a compiled query on an engine and make hits people can read.

``run`` (filters, paging, facets), ``merge`` (fair ranking across languages), ``highlight``
(offset-exact marks and snippets), ``suggest`` (did you mean), ``options`` (validated search
options shared by the CLI's batch mode and the web API)."""
