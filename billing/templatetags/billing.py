from django import template

from billing.selectors import hidden_lead_count

register = template.Library()


@register.inclusion_tag("billing/_hidden_leads_notice.html", takes_context=True)
def hidden_leads_notice(context):
    """The inbox's "upgrade to see N more leads" notice, drawn only when leads are hidden."""
    return {"hidden": hidden_lead_count(), "request": context.get("request")}


@register.filter
def euros(cents: int) -> str:
    whole, rest = divmod(int(cents), 100)
    return f"€{whole:,}" + (f".{rest:02d}" if rest else "")
