import factory

from forms_builder.models import Form, Step, StepKind
from leads.models import Lead
from tenants.models import Invitation, Membership, Role, User, Workspace

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    full_name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class WorkspaceFactory(factory.django.DjangoModelFactory):
    """Creates a real schema (cloned from the template): use the session workspaces
    `workspace_a` / `workspace_b` from conftest unless a test needs a fresh one."""

    class Meta:
        model = Workspace
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Company {n}")
    slug = factory.Sequence(lambda n: f"company-{n}")
    schema_name = factory.LazyAttribute(lambda o: Workspace.schema_name_for_slug(o.slug))


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    workspace = factory.SubFactory(WorkspaceFactory)
    role = Role.MEMBER


class InvitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invitation

    workspace = factory.SubFactory(WorkspaceFactory)
    email = factory.Sequence(lambda n: f"invitee{n}@example.com")
    role = Role.MEMBER


class FormFactory(factory.django.DjangoModelFactory):
    """A draft form with no steps; create it while a workspace schema is active
    (django_tenants.utils.schema_context or tenant_context)."""

    class Meta:
        model = Form

    name = factory.Sequence(lambda n: f"Contact form {n}")
    slug = factory.Sequence(lambda n: f"contact-form-{n}")
    welcome_message = "Hi! A few quick questions."
    closing_message = "Thank you!"


class StepFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Step

    form = factory.SubFactory(FormFactory)
    position = factory.Sequence(lambda n: n)
    kind = StepKind.SHORT_TEXT
    prompt = factory.Sequence(lambda n: f"Question {n}?")


class LeadFactory(factory.django.DjangoModelFactory):
    """A lead with no conversation; create it while a workspace schema is active. Leads with
    conversations come from leads.services.conversations (conversation_start, conversation_turn)."""

    class Meta:
        model = Lead

    email = factory.Sequence(lambda n: f"lead{n}@example.com")
    full_name = factory.Faker("name")
    company = factory.Faker("company")
