import pytest
from django_tenants.utils import schema_context

from leads.models import Lead
from tests.fakes.openai_server import FakeOpenAIServer
from tests.leads.conversations import abandon, converse, discovery_form

FAKE_OPENAI_KEY = "sk-test-fake"


@pytest.fixture
def in_a(workspace_a):
    """Run ORM code in workspace A's schema: `with in_a(): ...` (some files have their own)."""
    return lambda: schema_context(workspace_a.schema_name)


@pytest.fixture
def pipeline(workspace_a, django_capture_on_commit_callbacks):
    """Hold a conversation as a visitor does, on a discovery form of workspace A, and let the
    worker (eager) qualify its lead; returns the lead."""
    form = discovery_form(workspace_a)

    def talk(answers, *, finish=True, visitor_id=""):
        # The worker runs the task in the schema it was queued from: keep the workspace's.
        with schema_context(workspace_a.schema_name):
            with django_capture_on_commit_callbacks(execute=True):
                conversation = converse(
                    workspace_a, form, answers, finish=finish, visitor_id=visitor_id
                )
                if not finish:
                    conversation = abandon(workspace_a, conversation)
            return Lead.objects.get(pk=conversation.lead_id)

    return talk


@pytest.fixture
def openai_fake(settings):
    """A local fake OpenAI server, with the OPENAI_* settings pointing at it.

    One attempt per call and a short timeout unless a test says otherwise; engines read the
    settings when they are made, so a test may change them before making one.
    """
    with FakeOpenAIServer() as fake:
        settings.OPENAI_API_KEY = FAKE_OPENAI_KEY
        settings.OPENAI_BASE_URL = fake.base_url
        settings.OPENAI_MODEL = "gpt-fake"
        settings.OPENAI_TIMEOUT_SECONDS = 2.0
        settings.OPENAI_MAX_RETRIES = 0
        yield fake
