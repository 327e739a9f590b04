"""Highlighting the qualification's evidence in what a visitor wrote, without trusting it."""

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


def _spans(text: str, quotes: list[str]) -> list[tuple[int, int]]:
    """Where the quotes occur in the text, longest quote first, never overlapping."""
    spans: list[tuple[int, int]] = []
    for quote in sorted({q for q in quotes if q and q.strip()}, key=len, reverse=True):
        start = text.find(quote)
        while start != -1:
            end = start + len(quote)
            if all(end <= s or start >= e for s, e in spans):
                spans.append((start, end))
            start = text.find(quote, end)
    return sorted(spans)


@register.filter
def mark_evidence(text: str, quotes: list[str] | None) -> SafeString:
    """The text, escaped, with each quote wrapped in <mark>. Every piece of the visitor's text
    goes through escape(); only the <mark> tags are markup, so nothing they wrote runs."""
    text = str(text)
    pieces, position = [], 0
    for start, end in _spans(text, quotes or []):
        pieces.append(escape(text[position:start]))
        pieces.append(f"<mark>{escape(text[start:end])}</mark>")
        position = end
    pieces.append(escape(text[position:]))
    return mark_safe("".join(pieces))  # noqa: S308 (every piece of text is escaped above)
