from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils.text import slugify

from leads.prioritization import PRIORITY_SCORE_WEIGHT_HELP
from leads.qualification.engines import ENGINE_NAMES
from tenants.identity import email_identity, email_normalize
from tenants.links import public_page_url
from tenants.models import ApiScope, Role, User, Workspace
from tenants.services import workspace_slug_validate


class IdentityEmailField(forms.EmailField):
    """An address that names a person (tenants/identity.py), validated in its normalised form:
    a spelling that folds to a valid address is that address. A field that names a new identity
    (sign-up, invitation) also refuses local parts that do not fold to plain letters; log-in and
    password reset look up existing ones, whatever they are."""

    def __init__(self, *, new_identity: bool, **kwargs):
        super().__init__(**kwargs)
        self.new_identity = new_identity

    def to_python(self, value):
        return email_normalize(super().to_python(value))

    def validate(self, value):
        super().validate(value)
        if value and self.new_identity:
            email_identity(value)


class EmailAuthenticationForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "That e-mail and password do not match an account. Check both and try "
        "again (the password is case-sensitive).",
    }
    username = IdentityEmailField(
        new_identity=False,
        label="E-mail",
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )


class PasswordResetRequestForm(PasswordResetForm):
    """Django's reset request, its link on Parley's configured address (tenants/links.py)."""

    email = IdentityEmailField(
        new_identity=False,
        label="E-mail",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    def get_users(self, email):
        # The account of the identity, exactly (Django's iexact would let PostgreSQL's upper()
        # match look-alikes); the e-mail goes to the stored address, never the one typed.
        users = User.objects.filter(email=email_normalize(email), is_active=True)
        return (user for user in users if user.has_usable_password())

    def send_mail(self, subject_template_name, email_template_name, context, *args, **kwargs):
        # Django's `protocol`, `domain` and `site_name` come from the request's Host header, which
        # a stranger chooses: the e-mail gets none of them, only the link.
        context = {
            key: value
            for key, value in context.items()
            if key not in {"protocol", "domain", "site_name"}
        }
        context["link"] = public_page_url(
            "password_reset_confirm", uidb64=context["uid"], token=context["token"]
        )
        super().send_mail(subject_template_name, email_template_name, context, *args, **kwargs)


def suggested_slug(name: str) -> str:
    """A URL-safe address for a workspace name ("Acme & Co." -> "acme-co")."""
    slug = slugify(name)[:40].strip("-")
    if slug and not slug[0].isalpha():
        slug = f"w-{slug}"[:40].strip("-")
    return slug


class WorkspaceFieldsMixin(forms.Form):
    workspace_name = forms.CharField(label="Workspace name", max_length=100)
    workspace_slug = forms.CharField(
        label="Workspace address",
        max_length=40,
        required=False,
        help_text="Lower-case letters, digits and dashes; leave empty to derive it from the name.",
    )

    def clean_workspace_slug(self):
        return self.cleaned_data["workspace_slug"].strip().lower()

    def clean(self):
        cleaned = super().clean()
        name = cleaned.get("workspace_name")
        if name is None:
            return cleaned
        slug = cleaned.get("workspace_slug") or suggested_slug(name)
        if not slug:
            self.add_error("workspace_slug", "Please choose an address for the workspace.")
            return cleaned
        try:
            workspace_slug_validate(slug)
        except ValidationError as error:
            self.add_error("workspace_slug", error)
        cleaned["workspace_slug"] = slug
        return cleaned


class SignupForm(WorkspaceFieldsMixin):
    full_name = forms.CharField(label="Your name", max_length=150, required=False)
    email = IdentityEmailField(
        new_identity=True,
        label="Work e-mail",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    password = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 10 characters, not a common or all-numeric password.",
    )

    field_order = ["full_name", "email", "password", "workspace_name", "workspace_slug"]

    def clean_email(self):
        email = self.cleaned_data["email"]
        if User.objects.filter(email=email).exists():
            raise ValidationError(
                "An account with this e-mail already exists. Log in, then create the workspace "
                "from your workspace list."
            )
        return email

    def clean(self):
        cleaned = super().clean()
        password = cleaned.get("password")
        if password:
            probe = User(email=cleaned.get("email") or "", full_name=cleaned.get("full_name") or "")
            try:
                validate_password(password, user=probe)
            except ValidationError as error:
                self.add_error("password", error)
        return cleaned


class WorkspaceCreateForm(WorkspaceFieldsMixin):
    pass


# A new delay is not applied backwards: a lead keeps the deadline it got on entering its band.
SLA_HELP_TAIL = (
    "counted from when the lead entered the band. A lead past it without a first call is "
    "e-mailed to its assignee, or to owners and admins. Applies to leads entering the band "
    "from now on."
)

# What leads/privacy/retention.py does, in the admin's words.
RETENTION_HELP = (
    "Checked every day. Deletes the transcripts of conversations whose last message is older "
    "(the messages, and the answers given step by step) and the page views and e-mail events "
    "that old. The conversation (form, dates, campaign), the lead's contact details, "
    "qualification and score are kept; erase a contact under Data & privacy to delete them."
)

ENGINE_LABELS = {"offline": "Offline (rules, French and English)", "openai": "OpenAI"}


class WorkspaceSettingsForm(forms.ModelForm):
    qualification_engine = forms.ChoiceField(
        label="Qualification engine",
        choices=[(name, ENGINE_LABELS.get(name, name)) for name in ENGINE_NAMES],
        help_text="OpenAI needs an API key on the server; without one, or when it fails, the "
        "offline engine answers.",
    )

    class Meta:
        model = Workspace
        fields = [
            "name",
            "qualification_engine",
            "sql_min_buying_signals",
            "priority_score_weight",
            "sla_hot_minutes",
            "sla_today_minutes",
            "sla_nurture_minutes",
            "retention_days",
        ]
        help_texts = {
            # Which leads each band holds is leads/prioritization.py's rule, in sales words.
            "sla_hot_minutes": "Sales-qualified leads (SQL). From 5 minutes to 7 days; "
            f"{SLA_HELP_TAIL}",
            "sla_today_minutes": "Marketing-qualified leads deciding within a year. From 5 "
            f"minutes to 14 days; {SLA_HELP_TAIL}",
            "sla_nurture_minutes": "Other marketing-qualified leads and leads not qualified "
            f"yet. From 60 minutes to 90 days, or empty for no deadline; {SLA_HELP_TAIL}",
            "priority_score_weight": PRIORITY_SCORE_WEIGHT_HELP,
            "retention_days": RETENTION_HELP,
            "sql_min_buying_signals": "Besides an identified need and a decision within the "
            "quarter, what makes a lead sales-qualified (SQL).",
        }


class InvitationForm(forms.Form):
    email = IdentityEmailField(new_identity=True, label="E-mail")
    role = forms.ChoiceField(choices=Role.choices, initial=Role.MEMBER)


class RoleChangeForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)


class InvitationSignupForm(forms.Form):
    full_name = forms.CharField(label="Your name", max_length=150, required=False)
    password = forms.CharField(
        label="Choose a password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, email: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email

    def clean(self):
        cleaned = super().clean()
        password = cleaned.get("password")
        if password:
            probe = User(email=self.email, full_name=cleaned.get("full_name") or "")
            try:
                validate_password(password, user=probe)
            except ValidationError as error:
                self.add_error("password", error)
        return cleaned


class ApiKeyCreateForm(forms.Form):
    name = forms.CharField(
        label="Name", max_length=100, help_text="Where the key is used, e.g. “Newsletter tool”."
    )
    scopes = forms.MultipleChoiceField(
        label="Scopes",
        choices=ApiScope.choices,
        initial=[ApiScope.READ, ApiScope.WRITE],
        widget=forms.CheckboxSelectMultiple,
        help_text="Read lets the key read leads; write lets it send events.",
    )
