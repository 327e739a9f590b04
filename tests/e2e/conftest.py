"""Browser tests: Playwright driving Debian's Chromium (/usr/bin/chromium; Playwright's own
browser download is not used) against a live server over the test database.

The live server is not pytest-django's `live_server` fixture: asking for that one turns on
`transactional_db`, whose teardown empties every table, the session's workspaces A and B
included. Here each test keeps the usual `django_db` transaction, the rows the live server must
see are created and committed beforehand (module-scoped fixtures, as in
tests/config/test_celery_worker.py) and deleted again afterwards.

While Playwright's synchronous API is open, an asyncio loop runs in the test's thread: Django
refuses ORM calls there (SynchronousOnlyOperation), and would hand them a connection of their own,
outside the test's transaction. So a browser test checks what it needs through the pages, and
its database work happens in fixtures, before the browser starts or after it stopped.
"""

import json
import os
import re
import threading
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection
from playwright.sync_api import FrameLocator, Page, expect, sync_playwright
from pytest_django.live_server_helper import LiveServer

from tenants.models import Workspace
from tenants.services import user_create, workspace_create
from tests.billing.fixtures import WEBHOOK_URL, signature_header
from tests.factories import PASSWORD

# A customer's webhook receiver (a local HTTP server thread) and the setting that lets Parley
# post to loopback, for journeys that end at an integrator's endpoint.
from tests.webhooks.conftest import loopback_allowed, receiver  # noqa: F401

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
# Where screenshots of a failed browser test go (git-ignored).
ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"
# Playwright waits up to this long for an element or a navigation before failing.
TIMEOUT_MS = 15_000

# Without Chromium, a laptop skips the browser tests; CI installs it (.ci/run) and must run them.
requires_chromium = pytest.mark.skipif(
    not CHROMIUM.exists() and os.environ.get("CI") != "true",
    reason=f"browser tests need Debian's Chromium at {CHROMIUM} (apt-get install chromium)",
)


@pytest.fixture(scope="session")
def live_url(django_db_setup) -> Iterator[str]:
    """Parley served by a thread of this process on a free port of 127.0.0.1 (a main host:
    workspaces are reached by /w/<slug>/), static files included."""
    server = LiveServer("127.0.0.1")
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture(autouse=True)
def _live_server_hosts(settings):
    # DJANGO_ALLOWED_HOSTS may be set without the loopback address the live server listens on.
    if "127.0.0.1" not in settings.ALLOWED_HOSTS and "*" not in settings.ALLOWED_HOSTS:
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "127.0.0.1"]


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


@dataclass
class HostSite:
    """A customer's plain static website, on an origin (and site) of its own."""

    root: Path
    url: str

    def page(self, name: str, html: str) -> str:
        (self.root / name).write_text(html, encoding="utf-8")
        return f"{self.url}/{name}"


@pytest.fixture
def host_site(tmp_path) -> Iterator[HostSite]:
    root = tmp_path / "site"
    root.mkdir()
    # 127.0.0.2 is loopback too, but another site than 127.0.0.1: the chat runs in a
    # third-party iframe, as on a real customer's website.
    server = ThreadingHTTPServer(("127.0.0.2", 0), partial(_QuietHandler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield HostSite(root=root, url=f"http://127.0.0.2:{server.server_port}")
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def browser_page() -> Iterator[Page]:
    """A fresh Chromium page. Started per test, so that no asyncio loop outlives the test."""
    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
            context.set_default_timeout(TIMEOUT_MS)
            yield context.new_page()
        finally:
            browser.close()


@dataclass
class Steps:
    """Names the steps of a journey. Each finished step is photographed in memory; when one
    fails, the photos of the steps before it and of the failure are written to
    test-artifacts/<test>/, and the error goes on."""

    page: Page
    test_name: str
    shots: list[tuple[str, bytes]] = field(default_factory=list)

    @contextmanager
    def __call__(self, title: str) -> Iterator[None]:
        try:
            yield
        except BaseException:
            self._save_all(failed=title)
            raise
        self.shots.append((title, self.page.screenshot(full_page=True)))

    def _save_all(self, failed: str) -> None:
        folder = ARTIFACTS / re.sub(r"[^\w.-]+", "_", self.test_name)
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("*.png"):
            old.unlink()
        for number, (title, shot) in enumerate(self.shots, start=1):
            (folder / f"{number:02d}-{_file_name(title)}.png").write_bytes(shot)
        failed_path = folder / f"{len(self.shots) + 1:02d}-{_file_name(failed)}-FAILED.png"
        try:
            self.page.screenshot(path=str(failed_path), full_page=True)
        except Exception as error:  # the browser may be what failed: keep the test's own error
            failed_path.with_suffix(".txt").write_text(f"no screenshot: {error}\n")


def _file_name(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:60]


@pytest.fixture
def steps(browser_page, request) -> Steps:
    return Steps(page=browser_page, test_name=request.node.name)


@dataclass
class Owner:
    email: str
    password: str
    workspace_slug: str
    schema_name: str


@contextmanager
def committed_workspace(django_db_blocker, *, slug: str, email: str, name: str) -> Iterator[Owner]:
    """An owner and their new workspace, committed for real so that the live server's own
    connections see them (for a module-scoped fixture); everything is removed again afterwards,
    schema included."""
    with django_db_blocker.unblock():
        user = user_create(email=email, password=PASSWORD, full_name="Olivia Owner")
        workspace = workspace_create(name=name, slug=slug, owner=user)
        connection.set_schema_to_public()
    try:
        yield Owner(email, PASSWORD, workspace.slug, workspace.schema_name)
    finally:
        with django_db_blocker.unblock():
            committed_workspace_remove(workspace, user)


def committed_workspace_remove(workspace, user) -> None:
    """Undo what a module fixture committed for the live server: the user's sessions, the
    workspace's schema, the workspace (memberships and billing rows go with it), the user. Call
    it with the database unblocked."""
    connection.set_schema_to_public()
    for session in Session.objects.all():
        if session.get_decoded().get("_auth_user_id") == str(user.pk):
            session.delete()
    with connection.cursor() as cursor:
        cursor.execute(f'DROP SCHEMA "{workspace.schema_name}" CASCADE')
    Workspace.objects.filter(pk=workspace.pk).delete()
    user.delete()


def log_in(page: Page, live_url: str, owner: Owner) -> None:
    """Log in through the login page; lands on the owner's workspace."""
    page.goto(f"{live_url}/login/")
    page.get_by_label("E-mail").fill(owner.email)
    page.get_by_label("Password").fill(owner.password)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{live_url}/w/{owner.workspace_slug}/")


class Chat:
    """The visitor's side, inside the embed's iframe, in the form's language."""

    WORDS = {"en": ("Your answer", "Send"), "fr": ("Votre réponse", "Envoyer")}

    def __init__(self, page: Page, language: str = "en"):
        self.frame: FrameLocator = page.frame_locator("iframe[title='Chat']")
        self.assistant = self.frame.locator("#parley-messages li.assistant")
        self.visitor = self.frame.locator("#parley-messages li.visitor")
        answer_label, self.send = self.WORDS[language]
        self.answer_box = self.frame.get_by_label(answer_label)

    def expect_question(self, prompt: str | re.Pattern) -> None:
        expect(self.assistant.last).to_have_text(prompt)

    def type_answer(self, prompt: str | re.Pattern, text: str) -> None:
        self.expect_question(prompt)
        self.answer_box.fill(text)
        self.frame.get_by_role("button", name=self.send).click()
        expect(self.visitor.last).to_have_text(text)

    def pick_answer(self, prompt: str, choice: str) -> None:
        self.expect_question(prompt)
        self.frame.locator("#parley-replies").get_by_role("button", name=choice).click()
        expect(self.visitor.last).to_have_text(choice)


def stripe_event_post(live_url: str, event: dict) -> int:
    """What Stripe does with an event: POST it to the live server, signed with the endpoint's
    secret; returns the answer's status."""
    payload = json.dumps(event).encode()
    request = urllib.request.Request(  # noqa: S310 - http to our own live server
        live_url + WEBHOOK_URL,
        data=payload,
        headers={"Content-Type": "application/json", "Stripe-Signature": signature_header(payload)},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        return response.status
