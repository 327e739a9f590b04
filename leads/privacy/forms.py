from django import forms
from django.core.exceptions import ValidationError


class ContactSearchForm(forms.Form):
    email = forms.EmailField(
        label="Contact's e-mail",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
        help_text="Upper or lower case does not matter.",
    )

    def clean_email(self):
        return self.cleaned_data["email"].lower()


class ContactEraseForm(ContactSearchForm):
    """The erase confirmation: the address comes from the search, and is typed again."""

    email = forms.EmailField(max_length=254, widget=forms.HiddenInput)
    confirm_email = forms.CharField(
        label="Type the e-mail again to confirm",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )

    def clean(self):
        cleaned = super().clean()
        email, typed = cleaned.get("email"), cleaned.get("confirm_email")
        if email and typed and typed.strip().lower() != email:
            self.add_error(
                "confirm_email",
                ValidationError("This is not the e-mail searched for: nothing was erased."),
            )
        return cleaned
