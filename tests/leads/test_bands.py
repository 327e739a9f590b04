"""Bands: the call queue cut into service levels (leads/prioritization.py). Each lead is in the
band of its status and urgency, gets the workspace's delay for that band from when it entered
it, and keeps band and timer when only its score moves."""

import itertools
from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from leads.models import Band, Lead
from leads.prioritization import (
    BAND_FLOORS,
    band_of,
    band_priority_range,
    lead_priority_compute,
    leads_priority_refresh,
)
from leads.services.leads import lead_correct
from tests.factories import LeadFactory
from tests.leads.conversations import LEAD_A, LEAD_B, converse, discovery_form

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("columns", "band"),
    [
        ({"qualification_status": "sql", "timing": "now"}, Band.HOT),
        ({"qualification_status": "sql", "timing": "quarter"}, Band.HOT),
        ({"qualification_status": "mql", "timing": "now"}, Band.TODAY),
        ({"qualification_status": "mql", "timing": "year"}, Band.TODAY),
        ({"qualification_status": "mql", "timing": "unknown"}, Band.NURTURE),
        ({"qualification_status": "mql", "timing": "later"}, Band.NURTURE),
        ({}, Band.NURTURE),  # not qualified yet
        ({"qualification_status": "disqualified", "disqualification": "spam"}, Band.AUTOMATED),
        ({"qualification_status": "mql", "disqualification": "student"}, Band.AUTOMATED),
    ],
)
def test_each_lead_falls_in_the_band_of_its_status_and_urgency(columns, band):
    assert band_of(lead_priority_compute(**columns)) == band


@pytest.mark.parametrize("score", [-10_000, 0, 45, 85, 89_999])
def test_the_score_never_changes_the_band(score):
    for status, timing in [("sql", "now"), ("mql", "year"), ("mql", "later"), ("", "")]:
        base = lead_priority_compute(qualification_status=status, timing=timing)
        scored = lead_priority_compute(qualification_status=status, timing=timing, score=score)
        assert band_of(scored) == band_of(base)


def test_band_ranges_cover_the_queue_without_overlap():
    ranges = [band_priority_range(band) for band, _ in BAND_FLOORS]
    assert ranges[0][1] is None and ranges[-1][0] == 0
    for (low, _), (_, high) in itertools.pairwise(ranges):
        assert high == low
    with pytest.raises(ValueError):
        band_priority_range("lukewarm")


def test_a_new_lead_waits_in_nurture_until_qualified(workspace_a):
    before = timezone.now()
    with schema_context(workspace_a.schema_name):
        # The conversation's end makes the lead; its qualification waits for the commit.
        conversation = converse(workspace_a, discovery_form(workspace_a), LEAD_A)
        lead = Lead.objects.get(pk=conversation.lead_id)

    assert not lead.qualification_status
    assert (lead.band, lead.priority) == (Band.NURTURE, lead_priority_compute())
    assert lead.band_since >= before
    assert lead.sla_due_at - lead.band_since == timedelta(minutes=workspace_a.sla_nurture_minutes)


def test_the_seeds_b_is_hot_and_due_within_the_hour_and_a_is_nurtured(pipeline, workspace_a):
    b = pipeline(LEAD_B)
    a = pipeline(LEAD_A)

    assert b.band == Band.HOT
    assert b.sla_due_at - b.band_since == timedelta(minutes=workspace_a.sla_hot_minutes)
    assert a.band == Band.NURTURE
    assert a.sla_due_at - a.band_since == timedelta(minutes=workspace_a.sla_nurture_minutes)


def test_a_correction_that_disqualifies_moves_the_lead_to_automated_without_a_timer(
    pipeline, workspace_a, admin
):
    b = pipeline(LEAD_B)
    with schema_context(workspace_a.schema_name):
        lead_correct(lead=b, values={"disqualification": "vendor"}, corrected_by=admin)
        b.refresh_from_db()

    assert b.band == Band.AUTOMATED
    assert b.sla_due_at is None


def test_the_workspace_delays_apply_to_leads_entering_a_band(pipeline, workspace_a):
    workspace_a.sla_hot_minutes = 15
    workspace_a.save(update_fields=["sla_hot_minutes"])

    b = pipeline(LEAD_B)

    assert b.sla_due_at - b.band_since == timedelta(minutes=15)


def test_a_rescore_keeps_band_and_timer(workspace_a):
    with schema_context(workspace_a.schema_name):
        lead = LeadFactory(qualification_status="sql", timing="now")
        leads_priority_refresh()
        lead.refresh_from_db()
        placed = (lead.band, lead.band_since, lead.sla_due_at)
        Lead.objects.filter(pk=lead.pk).update(score=70)

        assert leads_priority_refresh() == 1
        lead.refresh_from_db()

    assert placed[0] == Band.HOT
    assert (lead.band, lead.band_since, lead.sla_due_at) == placed


def test_a_lead_never_placed_gets_its_band_and_timer_from_the_set_based_refresh(workspace_a):
    with schema_context(workspace_a.schema_name):
        lead = LeadFactory(qualification_status="mql", timing="quarter")
        assert (lead.priority, lead.band) == (0, Band.AUTOMATED)

        leads_priority_refresh()
        lead.refresh_from_db()

    assert lead.band == Band.TODAY
    assert lead.sla_due_at - lead.band_since == timedelta(minutes=workspace_a.sla_today_minutes)
