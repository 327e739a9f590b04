"""The whole journey in a real browser: an owner builds a form in the dashboard and publishes
it; a visitor meets it in the bubble of a plain website on another origin, reloads the page
half-way and carries on where they stopped, answers the discovery follow-ups, finishes; the lead
keeps the page's UTM parameters."""

import re

import pytest
from playwright.sync_api import expect

from leads.qualification.followups import QUESTIONS
from tests.e2e.conftest import Chat, committed_workspace, log_in, requires_chromium

pytestmark = [pytest.mark.e2e, pytest.mark.django_db, requires_chromium]

WORKSPACE_SLUG = "e2e-journey"
OWNER_EMAIL = "owner@e2e-journey.example"
FORM_NAME = "Demo request"
PLAN_QUESTION = "Which plan are you interested in?"
VISITOR_EMAIL = "ada.lovelace@example.com"
DECISION_TIME = "We must decide before the end of the quarter."


def followup(topic: str) -> re.Pattern:
    """A discovery follow-up's question, in either of its phrasings (each conversation gets one)."""
    phrasings = "|".join(re.escape(question) for question in QUESTIONS[topic]["en"])
    return re.compile(f"^(?:{phrasings})$")


@pytest.fixture(scope="module")
def owner(django_db_setup, django_db_blocker):
    with committed_workspace(
        django_db_blocker, slug=WORKSPACE_SLUG, email=OWNER_EMAIL, name="E2E Journey"
    ) as owner:
        yield owner


def _host_page_html(embed_snippet: str) -> str:
    """A customer's page with the embed snippet pasted in, and a line showing the embed's
    events, which a host page may listen to."""
    return f"""<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Analytical Engines</title></head>
<body>
  <h1>Analytical Engines</h1>
  <p>Events: <output id="events"></output></p>
  <script>
    ["started", "completed"].forEach(function (type) {{
      window.addEventListener("parley:" + type, function () {{
        document.getElementById("events").textContent += type + " ";
      }});
    }});
  </script>
  {embed_snippet}
</body>
</html>
"""


def test_a_form_built_in_the_dashboard_captures_a_lead_from_a_bubble_on_another_site(
    owner, live_url, host_site, browser_page, steps
):
    page = browser_page
    workspace_url = f"{live_url}/w/{owner.workspace_slug}/"

    with steps("log in"):
        log_in(page, live_url, owner)

    with steps("create a form"):
        page.get_by_role("navigation", name="Workspace").get_by_role("link", name="Forms").click()
        expect(page.get_by_role("heading", name="Forms", exact=True)).to_be_visible()
        page.get_by_label("Name").fill(FORM_NAME)
        page.get_by_label("Language").select_option(label="English")
        page.get_by_role("button", name="Create form").click()
        expect(page.get_by_role("heading", name=FORM_NAME, level=1)).to_be_visible()
        expect(page.get_by_text("Draft · never published")).to_be_visible()
        outline = page.get_by_role("navigation", name="Form outline")
        expect(outline.locator(".step-item")).to_have_count(6)  # the starter questions

    with steps("edit the first question"):
        outline.get_by_role("link", name=re.compile(r"What brings you here today\?")).click()
        expect(page.get_by_role("heading", name="Question 1")).to_be_visible()
        page.get_by_label("Question", exact=True).fill("What brings you to us today?")
        page.get_by_role("button", name="Save question").click()
        expect(page.get_by_role("status")).to_have_text("Question saved.")
        expect(outline.locator(".step-item").first).to_contain_text("What brings you to us today?")

    with steps("add a single-choice question"):
        page.get_by_text("+ Add a question").click()
        page.get_by_role("link", name="Single choice").click()
        expect(page.get_by_role("heading", name="New question")).to_be_visible()
        expect(page.get_by_label("Type")).to_have_value("single_choice")
        page.get_by_label("Question", exact=True).fill(PLAN_QUESTION)
        page.get_by_label("Choices").fill("Starter\nGrowth")
        page.get_by_role("button", name="Add question").click()
        expect(page.get_by_role("status")).to_have_text("Question added.")
        expect(outline.locator(".step-item")).to_have_count(7)
        expect(outline.locator(".step-item").last).to_contain_text(PLAN_QUESTION)
        # The live preview beside the editor shows the new question's quick replies.
        preview = page.get_by_role("list", name="Conversation preview")
        expect(preview.locator(".pv-reply")).to_have_text(
            ["1-10", "11-50", "51-200", "201-1000", "1000+", "Starter", "Growth"]
        )

    with steps("publish and copy the bubble snippet"):
        page.get_by_role("button", name="Publish", exact=True).click()
        expect(page.get_by_role("status")).to_have_text("Version 1 is live.")
        expect(page.get_by_text("Version 1", exact=True)).to_be_visible()
        # The share panel stands open while the form has had no conversation.
        bubble = page.get_by_role("textbox", name=re.compile(r"^Bubble"))
        expect(bubble).to_be_visible()
        snippet = bubble.input_value()
        assert f'data-form="{live_url}/w/{owner.workspace_slug}/f/' in snippet
        assert 'data-mode="bubble"' in snippet

    # The customer pastes the snippet in their site; a newsletter links to it with UTM tags.
    landing_url = host_site.page("index.html", _host_page_html(snippet))
    landing_url += "?utm_source=e2e&utm_campaign=launch"
    newsletter_url = host_site.page(
        "newsletter.html", f'<!doctype html><a href="{landing_url}">Read more</a>'
    )
    chat = Chat(page)
    launcher = page.get_by_role("button", name="Chat with us")

    with steps("open the bubble on the customer's site"):
        page.goto(newsletter_url)
        page.get_by_role("link", name="Read more").click()
        expect(page).to_have_url(landing_url)
        launcher.click()
        expect(chat.assistant.first).to_have_text(
            "Hi! A few quick questions so the right person gets back to you."
        )
        expect(page.locator("#events")).to_have_text("started")

    with steps("answer the first questions"):
        chat.type_answer("What brings you to us today?", "We need a calculating engine.")
        chat.type_answer("What is your work e-mail?", VISITOR_EMAIL)
        chat.type_answer("And your name?", "Ada Lovelace")
        chat.expect_question("Which company are you with?")

    with steps("reload the page and reopen the bubble"):
        page.reload()
        expect(page.locator("iframe[title='Chat']")).to_have_count(0)
        launcher.click()
        # The same conversation, where the visitor stopped: the earlier answers, once each.
        chat.expect_question("Which company are you with?")
        expect(chat.visitor).to_have_text(
            ["We need a calculating engine.", VISITOR_EMAIL, "Ada Lovelace"]
        )

    with steps("finish the conversation"):
        chat.type_answer("Which company are you with?", "Analytical Engines Ltd")
        chat.type_answer("What is your role there?", "Founder")
        chat.pick_answer("How many people work there?", "11-50")
        chat.pick_answer(PLAN_QUESTION, "Growth")

    with steps("answer the discovery follow-ups"):
        # "We need a calculating engine." names the need, not what goes wrong, nor why now.
        chat.type_answer(
            followup("problem"),
            "Our clerks compute the navigation tables by hand and make errors every week.",
        )
        chat.type_answer(followup("impact"), "It would save us weeks of checking.")
        chat.type_answer(followup("urgency"), DECISION_TIME)
        # A founder with a need and a decision this quarter: nothing more to ask.
        chat.expect_question("Thank you! We will get back to you very soon.")
        expect(chat.frame.get_by_label("Your answer")).to_be_hidden()
        expect(page.locator("#events")).to_have_text("completed")  # this page came after a reload

    with steps("find the lead in the leads list"):
        page.goto(workspace_url)
        page.get_by_role("navigation", name="Workspace").get_by_role("link", name="Leads").click()
        expect(page.get_by_role("heading", name="Leads", exact=True)).to_be_visible()
        row = page.get_by_role("row").filter(has_text=VISITOR_EMAIL)
        expect(row).to_have_count(1)
        expect(row).to_contain_text("Ada Lovelace")
        # The inbox is a grid (keyboard navigation): its cells are grid cells.
        expect(row.get_by_role("gridcell", name=FORM_NAME, exact=True)).to_be_visible()

    with steps("open the lead page"):
        row.get_by_role("link", name="Ada Lovelace").click()
        expect(page.get_by_role("heading", name="Ada Lovelace", level=1)).to_be_visible()
        contact = page.get_by_role("region", name="Contact")
        expect(contact.get_by_role("link", name=VISITOR_EMAIL)).to_be_visible()
        conversation = page.get_by_role("article", name=re.compile(FORM_NAME))
        expect(conversation).to_contain_text("Completed")
        where_from = {
            "utm_source": "e2e",
            "utm_campaign": "launch",
            "Referrer": newsletter_url,
            "Landing page": landing_url,
        }
        for name, value in where_from.items():
            expect(conversation.locator(f"dt:text-is('{name}') + dd")).to_have_text(value)
        expect(conversation.get_by_role("listitem").filter(has_text="Growth")).to_be_visible()
        expect(conversation).to_contain_text(DECISION_TIME)  # the follow-ups are in the transcript
