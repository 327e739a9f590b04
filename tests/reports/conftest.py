"""Hand-made data for the report tests: a published three-question form of workspace A, and
conversations and leads in exactly the states a report counts."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from forms_builder.models import LeadField, StepKind
from forms_builder.services import form_publish
from leads.models import Conversation, ConversationStatus
from tests.factories import FormFactory, StepFactory


@pytest.fixture
def in_a(workspace_a):
    return lambda: schema_context(workspace_a.schema_name)


@pytest.fixture
def now():
    return timezone.now()


@pytest.fixture
def survey(in_a):
    """A published form of three questions, keys "q-need", "q-email", "q-plan" in that order."""
    with in_a():
        form = FormFactory(name="Talk to sales")
        StepFactory(form=form, position=0, key="q-need", prompt="What do you need?")
        StepFactory(
            form=form,
            position=1,
            key="q-email",
            kind=StepKind.EMAIL,
            prompt="Your e-mail?",
            lead_field=LeadField.EMAIL,
        )
        StepFactory(
            form=form,
            position=2,
            key="q-plan",
            kind=StepKind.SINGLE_CHOICE,
            prompt="Which plan?",
            options=["Starter", "Pro"],
        )
        form_publish(form=form)
        form.refresh_from_db()
    return form


@pytest.fixture
def conversation(now):
    """`conversation(form, status, at=…, answered=[keys], lead=…, utm=…, minutes=…)`: a
    conversation started `ago` before now, waiting on `at` (abandoned or active), or completed
    after `minutes`."""

    def make(
        form,
        status,
        *,
        at="",
        answered=(),
        lead=None,
        utm=None,
        ago=timedelta(days=2),
        minutes=None,
    ):
        started = now - ago
        ended = None
        if status == ConversationStatus.COMPLETED:
            ended = started + timedelta(minutes=minutes or 1)
        elif status == ConversationStatus.ABANDONED:
            ended = started + timedelta(minutes=40)
        return Conversation.objects.create(
            form=form,
            form_version=form.published_version,
            status=status,
            current_step_key="" if status == ConversationStatus.COMPLETED else at,
            answers={key: "an answer" for key in answered},
            utm=utm or {},
            lead=lead,
            started_at=started,
            last_turn_at=started,
            ended_at=ended,
        )

    return make
