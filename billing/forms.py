from django import forms

from billing.plans import INTERVALS, paid_plans


class CheckoutForm(forms.Form):
    plan = forms.ChoiceField(choices=lambda: [(p.slug, p.name) for p in paid_plans()])
    interval = forms.ChoiceField(choices=[(name, name.capitalize()) for name in INTERVALS])
