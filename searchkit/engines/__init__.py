"""Search engines behind one small interface. Nothing outside this package imports an engine's
library; engine objects never leave it. ``get_engine(name)`` returns the engine class."""

from __future__ import annotations

from .base import Engine, EngineHit, SearchPage

ENGINES = ("whoosh",)


def get_engine(name: str) -> type[Engine]:
    if name == "whoosh":
        from .whoosh_engine import WhooshEngine

        return WhooshEngine
    from ..errors import SearchkitError

    raise SearchkitError(f"unknown engine {name!r} (available: {', '.join(ENGINES)})")


__all__ = ["ENGINES", "Engine", "EngineHit", "SearchPage", "get_engine"]
