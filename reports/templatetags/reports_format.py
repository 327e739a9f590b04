"""How the reports write their figures: shares as percentages, durations in words."""

from django import template

register = template.Library()


@register.filter
def percent(rate) -> str:
    """0.1234 → "12.3 %"; nothing to divide → "—"."""
    if rate is None:
        return "—"
    return f"{rate * 100:.1f} %"


@register.filter
def duration(seconds) -> str:
    """Seconds in the two biggest units: "45 s", "2 min 5 s", "3 h 10 min", "2 d 4 h"."""
    if seconds is None:
        return "—"
    seconds = round(float(seconds))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [(days, "d"), (hours, "h"), (minutes, "min"), (secs, "s")]
    while len(parts) > 1 and parts[0][0] == 0:
        parts.pop(0)
    shown = [f"{value} {unit}" for value, unit in parts[:2] if value or unit == parts[0][1]]
    return " ".join(shown)


@register.filter
def timedelta_words(delta) -> str:
    if delta is None:
        return "none"
    return duration(delta.total_seconds())


@register.filter
def ratio(value) -> str:
    """A lift: 2.345 → "2.35x"."""
    if value is None:
        return "—"
    return f"{value:.2f}x"
