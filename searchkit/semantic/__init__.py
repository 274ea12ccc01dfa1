"""Semantic search (the optional ``semantic`` extra): a multilingual sentence-embedding model,
entry vectors stored beside each commit, and the fusion of cosine similarity with BM25.

``model`` loads and checks the embedding model; ``store`` keeps the vectors of one data folder
in step with the engine; ``hybrid`` ranks a query by both. Nothing here is imported unless an
index has vectors or a caller asks for them, so searchkit works without the extra.
"""
