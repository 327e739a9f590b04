"""Engines by name: `offline` (rules, always available) and `openai` (with an API key)."""

from django.conf import settings

from leads.qualification.base import Engine

ENGINE_NAMES = ("offline", "openai")


def engine_get(name: str) -> Engine:
    """A new engine of that name, made with the current settings.

    `openai` without `OPENAI_API_KEY` raises ValueError rather than quietly handing back the
    offline engine: asking for OpenAI by name (`evaluate_qualifier --engine openai`) must not
    measure another engine. Code that picks an engine for a workspace checks the key first (or
    catches the ValueError) and uses `offline` when there is none. Once made, the OpenAI engine
    never fails: it answers with the offline engine when OpenAI does not, and says so on the
    Qualification (`fallback_from`, `fallback_reason`).
    """
    if name == "offline":
        from leads.qualification.offline import OfflineEngine

        return OfflineEngine()
    if name == "openai":
        if not settings.OPENAI_API_KEY:
            raise ValueError("The openai qualification engine needs OPENAI_API_KEY; it is not set.")
        from leads.qualification.openai_engine import OpenAIEngine

        return OpenAIEngine()
    raise ValueError(f"Unknown qualification engine {name!r}; known: {', '.join(ENGINE_NAMES)}.")
