"""The OpenAI engine, the real `openai` client against a local fake server (../conftest.py): what a
good answer becomes, what is checked again, and the offline fall-back on every kind of failure."""

import copy
import json
import time
from datetime import date

import pytest

from leads.qualification.base import Transcript
from leads.qualification.engines import engine_get
from leads.qualification.offline import OfflineEngine
from leads.qualification.openai_engine import OpenAIEngine
from tests.fakes.openai_server import Reply
from tests.leads.conftest import FAKE_OPENAI_KEY

OFFER = "Maintenance planning software for industrial workshops, from 400 €/month"
TRANSCRIPT = Transcript(
    lang="en",
    offer=OFFER,
    contact={"email": "c.martin@acme.example", "job_title": "Head of maintenance"},
    messages=[
        {"role": "assistant", "text": "What brings you here?"},
        {"role": "visitor", "text": "We lose hours every week  scheduling repairs in Excel."},
        {"role": "assistant", "text": "Do you have a budget for this?"},
        {"role": "visitor", "text": "Yes, 15k€ a year, approved by our board."},
        {"role": "assistant", "text": "When would you like to start?"},
        {"role": "visitor", "text": "Before the end of the quarter. I'm the one who signs."},
    ],
    today=date(2026, 3, 2),
)
GOOD_ANSWER = {
    "disqualified": None,
    "disqualification_reason": "",
    "budget": {
        "status": "confirmed",
        "amount": 15000,
        "currency": "EUR",
        "period": "year",
        "evidence": ["15k€ a year, approved by our board"],
        "confidence": 0.9,
    },
    "authority": {
        "value": "decision_maker",
        "evidence": ["I'm the one who signs."],
        "confidence": 0.85,
    },
    "need": {
        "value": "identified",
        "evidence": ["We lose hours every week  scheduling repairs in Excel."],
        "confidence": 0.8,
    },
    "timing": {
        "value": "quarter",
        "evidence": ["Before the end of the quarter."],
        "confidence": 0.8,
    },
    "brief": {
        "problem": "Repairs are scheduled in Excel.",
        "impact": "Hours lost every week.",
        "stakes": "",
        "timeline": "Before the end of the quarter.",
    },
}


def answer(**changes) -> dict:
    """GOOD_ANSWER with some top-level keys or `box.key` paths changed."""
    changed = copy.deepcopy(GOOD_ANSWER)
    for path, value in changes.items():
        *boxes, key = path.split("__")
        target = changed
        for box in boxes:
            target = target[box]
        target[key] = value
    return changed


def offline_labels() -> dict:
    return OfflineEngine().qualify(TRANSCRIPT).as_labels()


# --- A good answer ---------------------------------------------------------------------------


def test_a_good_answer_becomes_the_qualification_with_its_evidence(openai_fake):
    openai_fake.replies = [Reply(content=GOOD_ANSWER)]

    q = engine_get("openai").qualify(TRANSCRIPT)

    assert (q.engine, q.engine_version) == ("openai", "1:gpt-fake")
    assert (q.fallback_from, q.fallback_reason) == ("", "")
    assert q.as_labels() == {
        "disqualified": None,
        "budget": {"status": "confirmed", "amount": 15000, "currency": "EUR", "period": "year"},
        "authority": "decision_maker",
        "need": "identified",
        "timing": {"bucket": "quarter"},
        "status": "sql",
    }
    assert q.budget.evidence == ["15k€ a year, approved by our board"]
    assert q.authority.evidence == ["I'm the one who signs."]
    assert q.timing.confidence == 0.8
    assert q.brief == {
        "problem": "Repairs are scheduled in Excel.",
        "impact": "Hours lost every week.",
        "timeline": "Before the end of the quarter.",
    }


def test_the_status_follows_our_rule_not_the_models_claim(openai_fake):
    # Given a model that says "sql" for a lead whose timing is next year
    claimed = answer(timing__value="year", status="sql")
    openai_fake.replies = [Reply(content=claimed)]

    # When it qualifies
    q = engine_get("openai").qualify(TRANSCRIPT)

    # Then FORMAT.md's rule decides
    assert q.engine == "openai"
    assert q.status == "mql"


def test_a_disqualification_gets_its_status_and_words(openai_fake):
    vendor = answer(
        disqualified="vendor",
        disqualification_reason="",
        budget__status="unknown",
        budget__evidence=[],
    )
    openai_fake.replies = [Reply(content=vendor)]

    q = engine_get("openai").qualify(TRANSCRIPT)

    assert q.status == "disqualified"
    assert q.disqualified == "vendor"
    assert q.disqualification_reason == "Vendor: trying to sell to us."
    # An amount only belongs to a budget that exists.
    assert (q.budget.amount, q.budget.currency, q.budget.period) == (None, None, None)


@pytest.mark.parametrize("said", ["XYZ", "euros", ""])
def test_a_currency_iso_4217_does_not_list_is_dropped(openai_fake, said):
    openai_fake.replies = [Reply(content=answer(budget__currency=said))]

    q = engine_get("openai").qualify(TRANSCRIPT)

    assert (q.budget.amount, q.budget.currency) == (15000, None)


def test_a_currency_in_lower_case_is_read_as_its_code(openai_fake):
    openai_fake.replies = [Reply(content=answer(budget__currency="chf"))]

    assert engine_get("openai").qualify(TRANSCRIPT).budget.currency == "CHF"


def test_evidence_the_visitor_did_not_say_is_dropped(openai_fake):
    quotes = [
        "Do you have a budget for this?",  # the assistant's words
        "We have 50k to spend.",  # invented
        "15K€ A YEAR",  # the visitor's, in another case: kept as they wrote it
        "we lose hours every week scheduling repairs",  # the visitor's, spaces squeezed
    ]
    openai_fake.replies = [Reply(content=answer(budget__evidence=quotes))]

    q = engine_get("openai").qualify(TRANSCRIPT)

    assert q.budget.evidence == ["15k€ a year", "We lose hours every week  scheduling repairs"]
    assert all(
        any(quote in line for line in TRANSCRIPT.visitor_lines) for quote in q.budget.evidence
    )


def test_asks_for_the_schema_with_the_offer_the_date_and_the_transcript(openai_fake):
    openai_fake.replies = [Reply(content=GOOD_ANSWER)]

    engine_get("openai").qualify(TRANSCRIPT)

    (request,) = openai_fake.requests
    assert request.headers["authorization"] == f"Bearer {FAKE_OPENAI_KEY}"
    assert request.body["model"] == "gpt-fake"
    response_format = request.body["response_format"]
    assert response_format["type"] == "json_schema"
    assert response_format["json_schema"]["strict"] is True
    schema = response_format["json_schema"]["schema"]
    assert schema["properties"]["disqualified"]["anyOf"][0]["enum"] == [
        "spam",
        "student",
        "job_seeker",
        "vendor",
        "curious",
    ]
    system, user = request.body["messages"]
    assert OFFER in system["content"]
    assert "2026-03-02" in system["content"]
    conversation = json.loads(user["content"])
    assert conversation["messages"] == TRANSCRIPT.messages
    assert conversation["contact"]["job_title"] == "Head of maintenance"


# --- Failures: the offline engine answers, and the Qualification says why ---------------------


def test_a_timeout_falls_back_to_offline_within_the_time_box(openai_fake, settings):
    # Given a server slower than the client's timeout, and no retry
    settings.OPENAI_TIMEOUT_SECONDS = 0.5
    settings.OPENAI_MAX_RETRIES = 0
    openai_fake.replies = [Reply(content=GOOD_ANSWER, delay=30)]
    engine = engine_get("openai")

    # When it qualifies
    started = time.monotonic()
    q = engine.qualify(TRANSCRIPT)
    elapsed = time.monotonic() - started

    # Then the offline engine answered after about one timeout
    assert (q.engine, q.fallback_from, q.fallback_reason) == ("offline", "openai", "timeout")
    assert q.as_labels() == offline_labels()
    # Long before the server's 30 s: the time box held (with room for a loaded machine).
    assert elapsed < 5, elapsed
    assert len(openai_fake.requests) == 1


def test_a_rate_limit_is_retried_then_succeeds(openai_fake, settings):
    settings.OPENAI_MAX_RETRIES = 2
    openai_fake.replies = [Reply(status=429), Reply(content=GOOD_ANSWER)]

    q = engine_get("openai").qualify(TRANSCRIPT)

    assert q.engine == "openai"
    assert q.fallback_reason == ""
    assert len(openai_fake.requests) == 2
    assert openai_fake.requests[1].headers["x-stainless-retry-count"] == "1"


def test_a_rate_limit_that_lasts_falls_back_after_the_retries(openai_fake, settings):
    settings.OPENAI_MAX_RETRIES = 2
    openai_fake.replies = [Reply(status=429)]

    q = engine_get("openai").qualify(TRANSCRIPT)

    assert (q.engine, q.fallback_reason) == ("offline", "rate limited")
    assert len(openai_fake.requests) == 3


def test_a_server_error_falls_back_after_the_retries(openai_fake, settings):
    settings.OPENAI_MAX_RETRIES = 1
    openai_fake.replies = [Reply(status=500)]

    q = engine_get("openai").qualify(TRANSCRIPT)

    assert (q.engine, q.fallback_from, q.fallback_reason) == (
        "offline",
        "openai",
        "server error 500",
    )
    assert q.as_labels() == offline_labels()
    assert len(openai_fake.requests) == 2


def test_malformed_json_falls_back(openai_fake):
    openai_fake.replies = [Reply(content='{"disqualified": null, "budget": {')]

    q = engine_get("openai").qualify(TRANSCRIPT)

    assert (q.engine, q.fallback_reason) == ("offline", "malformed JSON")
    assert q.as_labels() == offline_labels()


@pytest.mark.parametrize(
    "broken",
    [
        pytest.param(answer(need__value="maybe"), id="unknown-label"),
        pytest.param(answer(disqualified="competitor"), id="unknown-reason"),
        pytest.param(answer(budget__period="week"), id="unknown-period"),
        pytest.param({k: v for k, v in GOOD_ANSWER.items() if k != "timing"}, id="missing-box"),
        pytest.param(answer(authority__evidence="I sign"), id="evidence-not-a-list"),
        pytest.param([GOOD_ANSWER], id="not-an-object"),
    ],
)
def test_an_answer_outside_the_schema_falls_back(openai_fake, broken):
    openai_fake.replies = [Reply(content=json.dumps(broken))]

    q = engine_get("openai").qualify(TRANSCRIPT)

    assert (q.engine, q.fallback_reason) == ("offline", "schema violation")
    assert q.as_labels() == offline_labels()


def test_an_empty_answer_falls_back(openai_fake):
    openai_fake.replies = [Reply(content=None)]

    q = engine_get("openai").qualify(TRANSCRIPT)

    assert (q.engine, q.fallback_reason) == ("offline", "empty answer")


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        pytest.param(Reply(refusal="I can't help with that."), "refused", id="refusal"),
        pytest.param(
            # The model ran out of tokens: the JSON stops half-way.
            Reply(content=json.dumps(GOOD_ANSWER)[:200], finish_reason="length"),
            "answer cut off (length)",
            id="length",
        ),
        pytest.param(
            Reply(content=GOOD_ANSWER, finish_reason="content_filter"),
            "content filter",
            id="content-filter",
        ),
    ],
)
def test_a_model_that_will_not_or_cannot_finish_falls_back_and_says_why(
    openai_fake, caplog, reply, reason
):
    openai_fake.replies = [reply]

    q = engine_get("openai").qualify(TRANSCRIPT)

    assert (q.engine, q.fallback_from, q.fallback_reason) == ("offline", "openai", reason)
    assert q.as_labels() == offline_labels()
    assert len(openai_fake.requests) == 1  # not retried: asking again would say the same
    [warning] = [r for r in caplog.records if r.name == "leads.qualification.openai_engine"]
    assert warning.levelname == "WARNING"
    assert reason in warning.getMessage()
    # The refusal's text may quote the conversation: it is not logged.
    assert "help with that" not in caplog.text


def test_an_unreachable_server_falls_back(settings):
    # Port 9 (discard) has no listener here: the connection is refused at once.
    engine = OpenAIEngine(api_key="sk-x", base_url="http://127.0.0.1:9/v1", max_retries=0)

    q = engine.qualify(TRANSCRIPT)

    assert (q.engine, q.fallback_reason) == ("offline", "connection failed")


# --- Without a key ---------------------------------------------------------------------------


def test_engine_get_refuses_openai_without_a_key(settings):
    settings.OPENAI_API_KEY = ""

    with pytest.raises(ValueError, match="needs OPENAI_API_KEY"):
        engine_get("openai")


def test_an_engine_made_without_a_key_answers_offline_without_asking(openai_fake):
    q = OpenAIEngine(api_key="").qualify(TRANSCRIPT)

    assert (q.engine, q.fallback_from, q.fallback_reason) == ("offline", "openai", "no API key")
    assert openai_fake.requests == []


def test_settings_are_read_when_the_engine_is_made(openai_fake, settings):
    settings.OPENAI_MODEL = "gpt-other"
    openai_fake.replies = [Reply(content=GOOD_ANSWER)]

    q = engine_get("openai").qualify(TRANSCRIPT)

    assert q.engine_version == "1:gpt-other"
    assert openai_fake.requests[0].body["model"] == "gpt-other"
