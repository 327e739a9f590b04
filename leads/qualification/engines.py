"""Engines by name. The OpenAI engine joins here in a later change (issue 5, part 2)."""

from leads.qualification.base import Engine

ENGINE_NAMES = ("offline",)


def engine_get(name: str) -> Engine:
    if name == "offline":
        from leads.qualification.offline import OfflineEngine

        return OfflineEngine()
    raise ValueError(f"Unknown qualification engine {name!r}; known: {', '.join(ENGINE_NAMES)}.")
