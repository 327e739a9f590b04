import pytest

from tenants.models import Workspace

pytestmark = pytest.mark.django_db


def settings_data(**changes) -> dict:
    """The settings form as a browser posts it, every field filled with its default."""
    return {
        "name": "Alpha Corp",
        "qualification_engine": "offline",
        "sql_min_buying_signals": "1",
        "priority_score_weight": "bant_first",
        "sla_hot_minutes": "60",
        "sla_today_minutes": "480",
        "sla_nurture_minutes": "4320",
        **changes,
    }


@pytest.mark.parametrize("manager", ["owner_client", "admin_client_a"])
def test_owner_or_admin_renames_the_workspace(request, manager, workspace_a):
    client = request.getfixturevalue(manager)

    response = client.post(f"/w/{workspace_a.slug}/settings/", settings_data(name="Alpha Renamed"))

    assert response.status_code == 302
    assert response["Location"] == f"/w/{workspace_a.slug}/settings/"
    workspace_a.refresh_from_db()
    assert workspace_a.name == "Alpha Renamed"
    assert b"Alpha Renamed" in client.get(f"/w/{workspace_a.slug}/").content


def test_renaming_keeps_the_address_and_schema(owner_client, workspace_a):
    slug, schema = workspace_a.slug, workspace_a.schema_name

    owner_client.post(
        f"/w/{workspace_a.slug}/settings/",
        settings_data(name="Alpha Renamed", slug="hijacked", schema_name="public"),
    )

    workspace_a.refresh_from_db()
    assert (workspace_a.slug, workspace_a.schema_name) == (slug, schema)
    assert not Workspace.objects.filter(slug="hijacked").exists()


def test_workspace_name_is_required(owner_client, workspace_a):
    name = workspace_a.name

    response = owner_client.post(f"/w/{workspace_a.slug}/settings/", settings_data(name=""))

    assert response.status_code == 400
    assert response.context["form"].errors["name"]
    workspace_a.refresh_from_db()
    assert workspace_a.name == name


def test_member_sees_the_settings_but_cannot_change_them(member_client, workspace_a):
    name = workspace_a.name

    page = member_client.get(f"/w/{workspace_a.slug}/settings/")
    response = member_client.post(
        f"/w/{workspace_a.slug}/settings/",
        settings_data(name="Took Over", sql_min_buying_signals="2"),
    )

    assert page.status_code == 200
    assert b'name="name"' not in page.content
    assert response.status_code == 403
    workspace_a.refresh_from_db()
    assert workspace_a.name == name
    assert workspace_a.sql_min_buying_signals == 1


def test_a_new_workspace_qualifies_offline_by_the_format_rule(workspace_a):
    assert workspace_a.qualification_engine == "offline"
    assert workspace_a.sql_min_buying_signals == 1


def test_admin_chooses_the_engine_and_the_buying_signals_an_sql_needs(admin_client_a, workspace_a):
    response = admin_client_a.post(
        f"/w/{workspace_a.slug}/settings/",
        settings_data(qualification_engine="openai", sql_min_buying_signals="2"),
    )

    assert response.status_code == 302
    workspace_a.refresh_from_db()
    assert workspace_a.qualification_engine == "openai"
    assert workspace_a.sql_min_buying_signals == 2


@pytest.mark.parametrize(
    "changes", [{"qualification_engine": "magic"}, {"sql_min_buying_signals": "3"}]
)
def test_an_unknown_engine_or_signal_count_is_refused(owner_client, workspace_a, changes):
    response = owner_client.post(f"/w/{workspace_a.slug}/settings/", settings_data(**changes))

    assert response.status_code == 400
    assert response.context["form"].errors.keys() == {next(iter(changes))}
    workspace_a.refresh_from_db()
    assert (workspace_a.qualification_engine, workspace_a.sql_min_buying_signals) == (
        "offline",
        1,
    )


def test_member_reads_how_leads_are_qualified(member_client, workspace_a):
    page = member_client.get(f"/w/{workspace_a.slug}/settings/").content.decode()

    assert "Qualification engine: Offline" in page
    assert "Buying signals an SQL needs: One: a confirmed budget or a decision maker" in page


# --- Service levels ----------------------------------------------------------------------------


@pytest.mark.parametrize("manager", ["owner_client", "admin_client_a"])
def test_owner_or_admin_sets_how_soon_each_band_must_be_called(request, manager, workspace_a):
    client = request.getfixturevalue(manager)

    response = client.post(
        f"/w/{workspace_a.slug}/settings/",
        settings_data(sla_hot_minutes="15", sla_today_minutes="240", sla_nurture_minutes=""),
    )

    assert response.status_code == 302
    workspace_a.refresh_from_db()
    assert (
        workspace_a.sla_hot_minutes,
        workspace_a.sla_today_minutes,
        workspace_a.sla_nurture_minutes,
    ) == (15, 240, None)


def test_the_settings_form_explains_each_service_level(owner_client, workspace_a):
    page = owner_client.get(f"/w/{workspace_a.slug}/settings/").content.decode()

    assert 'name="sla_hot_minutes" value="60"' in page
    assert "Sales-qualified leads (SQL). From 5 minutes to 7 days" in page
    assert "or empty for no deadline" in page


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("sla_hot_minutes", "4"),  # under five minutes: nobody can keep it
        ("sla_hot_minutes", "-10"),
        ("sla_hot_minutes", "an hour"),
        ("sla_hot_minutes", ""),  # the top band always has a deadline
        ("sla_hot_minutes", "10081"),  # over a week
        ("sla_today_minutes", "0"),
        ("sla_today_minutes", "99999999999999999999"),
        ("sla_nurture_minutes", "30"),
        ("sla_nurture_minutes", "1.5"),
    ],
)
def test_a_service_level_out_of_bounds_is_a_field_error_and_nothing_changes(
    owner_client, workspace_a, field, value
):
    response = owner_client.post(
        f"/w/{workspace_a.slug}/settings/", settings_data(**{field: value})
    )

    assert response.status_code == 400
    assert response.context["form"].errors.keys() == {field}
    workspace_a.refresh_from_db()
    assert (
        workspace_a.sla_hot_minutes,
        workspace_a.sla_today_minutes,
        workspace_a.sla_nurture_minutes,
    ) == (60, 480, 4320)


def test_member_reads_the_service_levels(member_client, workspace_a):
    page = member_client.get(f"/w/{workspace_a.slug}/settings/").content.decode()

    assert "Call within the hour: first call within 60 minutes" in page
    assert "Nurture: follow up within 4320 minutes" in page


def test_dashboard_offers_inviting_teammates_to_admins_only(
    admin_client_a, member_client, workspace_a
):
    invite_link = f'<a href="/w/{workspace_a.slug}/members/">Invite teammates</a>'.encode()

    assert invite_link in admin_client_a.get(f"/w/{workspace_a.slug}/").content
    assert invite_link not in member_client.get(f"/w/{workspace_a.slug}/").content


def test_retention_is_off_by_default_and_admins_choose_one_of_the_periods(
    owner_client, workspace_a
):
    assert workspace_a.retention_days is None

    response = owner_client.post(
        f"/w/{workspace_a.slug}/settings/", settings_data(retention_days="180")
    )

    assert response.status_code == 302
    workspace_a.refresh_from_db()
    assert workspace_a.retention_days == 180


def test_a_retention_period_not_offered_is_a_form_error(owner_client, workspace_a):
    response = owner_client.post(
        f"/w/{workspace_a.slug}/settings/", settings_data(retention_days="7")
    )

    assert response.status_code == 400
    assert response.context["form"].errors["retention_days"]
    workspace_a.refresh_from_db()
    assert workspace_a.retention_days is None


def test_members_see_the_retention_period_and_what_it_deletes(member_client, workspace_a):
    workspace_a.retention_days = 90
    workspace_a.save(update_fields=["retention_days"])

    page = member_client.get(f"/w/{workspace_a.slug}/settings/")

    assert b"Delete transcripts and events after: 90 days" in page.content
    assert b"the answers given step by step" in page.content
