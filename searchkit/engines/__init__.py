"""Search engines behind one small interface. Nothing outside this package imports an engine's
library; engine objects never leave it. ``get_engine(name)`` returns the engine class."""

from __future__ import annotations

from .base import Engine, EngineHit, SearchPage

ENGINES = ("whoosh", "tantivy")


def get_engine(name: str) -> type[Engine]:
    if name == "whoosh":
        from .whoosh_engine import WhooshEngine

        return WhooshEngine
    if name == "tantivy":
        try:
            from .tantivy_engine import TantivyEngine
        except ImportError as exc:
            from ..errors import SearchkitError

            raise SearchkitError(
                f"the tantivy engine needs the tantivy package ({exc}); install it with: pip install 'searchkit[tantivy]'"
            ) from exc
        return TantivyEngine
    from ..errors import SearchkitError

    raise SearchkitError(f"unknown engine {name!r} (available: {', '.join(ENGINES)})")


__all__ = ["ENGINES", "Engine", "EngineHit", "SearchPage", "get_engine"]
