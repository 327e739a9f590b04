"""Erasing a contact also removes what the webhooks and exports apps keep about them: the
events sent about the lead (and with them every delivery and the receivers' answers), and the
CSV exports whose file holds the address. What is about other people stays."""

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django_tenants.utils import schema_context

from exports.models import ExportStatus, LeadExport
from leads.models import Conversation
from leads.privacy.erasure import contact_erase
from tests.factories import LeadFactory, UserFactory
from webhooks.models import Delivery, Endpoint, Event

pytestmark = pytest.mark.django_db

EMAIL = "Zelda.Quokka@quokkaflux.example"


@pytest.fixture
def in_a(workspace_a):
    with schema_context(workspace_a.schema_name):
        yield workspace_a


def test_the_events_sent_about_the_contact_go_with_their_deliveries(in_a):
    lead, other = LeadFactory(email=EMAIL), LeadFactory(email="bystander@example.com")
    endpoint = Endpoint.objects.create(url="https://hooks.example/in", events=["lead.updated"])
    about_lead = Event.objects.create(type="lead.updated", payload={"lead": {"id": lead.pk}})
    quoting = Event.objects.create(
        type="conversation.completed",
        payload={"conversation": {"id": 999, "answers": [{"answer": EMAIL.lower()}]}},
    )
    kept = Event.objects.create(type="lead.updated", payload={"lead": {"id": other.pk}})
    Delivery.objects.create(endpoint=endpoint, event=about_lead, response_excerpt="ok")
    Delivery.objects.create(endpoint=endpoint, event=kept, response_excerpt="ok")

    contact_erase(email=EMAIL, workspace=in_a, by=UserFactory())

    assert list(Event.objects.values_list("pk", flat=True)) == [kept.pk]
    assert list(Delivery.objects.values_list("event_id", flat=True)) == [kept.pk]
    assert not Event.objects.filter(pk__in=[about_lead.pk, quoting.pk]).exists()


def test_an_export_holding_the_contact_goes_file_and_all(in_a):
    LeadFactory(email=EMAIL)
    holding = _export("holding.csv", f"id,email\n1,{EMAIL}\n")
    other = _export("other.csv", "id,email\n2,bystander@example.com\n")

    contact_erase(email=EMAIL, workspace=in_a, by=UserFactory())

    assert list(LeadExport.objects.values_list("pk", flat=True)) == [other.pk]
    assert not default_storage.exists(holding.file_name)
    assert default_storage.exists(other.file_name)
    default_storage.delete(other.file_name)


def test_a_conversation_only_quoting_the_address_is_erased_with_its_events(in_a):
    lead = LeadFactory(email=EMAIL)
    Event.objects.create(type="lead.created", payload={"lead": {"id": lead.pk, "email": EMAIL}})

    contact_erase(email=EMAIL.upper(), workspace=in_a, by=UserFactory())

    assert not Event.objects.exists()
    assert not Conversation.objects.filter(lead_id=lead.pk).exists()


def _export(name: str, content: str) -> LeadExport:
    stored = default_storage.save(f"exports/{name}", ContentFile(content.encode()))
    return LeadExport.objects.create(status=ExportStatus.DONE, file_name=stored, total=1, done=1)
