"""Fixtures for the qualification engines' tests."""

import pytest

from tests.fakes.openai_server import FakeOpenAIServer

FAKE_OPENAI_KEY = "sk-test-fake"


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
