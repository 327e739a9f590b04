"""The inbox by keyboard in a real browser: j moves the focus down the rows, Enter opens the
focused lead; ? shows the shortcuts, / goes to the search box, and keys typed there stay there."""

import pytest
from django_tenants.utils import schema_context
from playwright.sync_api import expect

from leads.models import Band
from leads.prioritization import band_priority_range
from tests.e2e.conftest import committed_workspace, log_in, requires_chromium
from tests.factories import LeadFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db, requires_chromium]

# In the call queue's order.
LEADS = ["Ada Lovelace", "Grace Hopper", "Alan Turing"]


@pytest.fixture(scope="module")
def owner(django_db_setup, django_db_blocker):
    with committed_workspace(
        django_db_blocker, slug="e2e-inbox", email="owner@e2e-inbox.example", name="E2E Inbox"
    ) as owner:
        hot, _ = band_priority_range(Band.HOT)
        with django_db_blocker.unblock(), schema_context(owner.schema_name):
            for rank, name in enumerate(reversed(LEADS)):
                LeadFactory(full_name=name, band=Band.HOT, priority=hot + rank)
        yield owner


def open_inbox(page, live_url, owner):
    log_in(page, live_url, owner)
    page.goto(f"{live_url}/w/{owner.workspace_slug}/leads/")
    rows = page.locator("#inbox tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.first).to_contain_text(LEADS[0])
    return rows


def test_j_j_enter_opens_the_second_lead(owner, live_url, browser_page, steps):
    page = browser_page

    with steps("open the inbox"):
        rows = open_inbox(page, live_url, owner)
        second_lead_url = live_url + rows.nth(1).get_attribute("data-href")

    with steps("j, j: the focus is on the second row"):
        page.keyboard.press("j")
        expect(rows.nth(0)).to_be_focused()
        page.keyboard.press("j")
        expect(rows.nth(1)).to_be_focused()
        expect(rows.nth(1)).to_have_attribute("tabindex", "0")

    with steps("Enter opens the second lead"):
        page.keyboard.press("Enter")
        expect(page).to_have_url(second_lead_url)
        expect(page.get_by_role("heading", name=LEADS[1], level=1)).to_be_visible()


def test_the_other_keys_tick_help_search_and_assign_to_me(owner, live_url, browser_page, steps):
    page = browser_page

    with steps("open the inbox, focus the third row"):
        rows = open_inbox(page, live_url, owner)
        for _ in range(3):
            page.keyboard.press("ArrowDown")
        expect(rows.nth(2)).to_be_focused()
        page.keyboard.press("k")
        expect(rows.nth(1)).to_be_focused()

    with steps("x ticks the focused row"):
        page.keyboard.press("x")
        expect(rows.nth(1)).to_have_attribute("aria-selected", "true")
        expect(rows.nth(1).get_by_role("checkbox")).to_be_checked()

    with steps("? shows the shortcuts, Escape hides them"):
        page.keyboard.press("?")
        help_panel = page.get_by_role("dialog", name="Keyboard shortcuts")
        expect(help_panel).to_be_visible()
        expect(help_panel).to_contain_text("Assign the lead to me")
        page.keyboard.press("Escape")
        expect(help_panel).to_be_hidden()

    with steps("/ goes to the search box, where j is typed, not obeyed"):
        page.keyboard.press("/")
        search = page.get_by_role("searchbox")
        expect(search).to_be_focused()
        page.keyboard.type("j")
        expect(search).to_have_value("j")

    with steps("a assigns the focused lead to me"):
        rows.nth(1).focus()
        page.keyboard.press("a")
        expect(page.get_by_role("status")).to_have_text("1 lead assigned to you.")
        expect(rows.nth(1)).to_contain_text(owner.email)
