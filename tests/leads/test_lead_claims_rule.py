"""The rule for a conversation that joins a lead on an e-mail typed into a form
(leads/claims.py): it fills the lead's blank contact fields and keeps its differing values as
claims; its qualification applies only when it ranks the lead higher in the call queue."""

import json
from decimal import Decimal

import pytest

from leads.claims import (
    claimed_qualification,
    claimed_qualification_fields,
    contact_merge,
    qualification_rank,
    qualification_settle,
)

# --- Contact ----------------------------------------------------------------------------------


def test_blank_fields_are_filled_and_differing_ones_kept_as_claims():
    merge = contact_merge(
        established={"full_name": "Béatrice Martin", "company": "PME Services", "phone": ""},
        given={"full_name": "Bob", "company": "PME Services", "phone": "+33 6", "job_title": "X"},
    )

    assert merge.filled == {"phone": "+33 6", "job_title": "X"}
    assert merge.claimed == {"full_name": "Bob"}


def test_the_same_value_written_otherwise_is_neither_a_fill_nor_a_claim():
    merge = contact_merge(
        established={"full_name": "Béatrice Martin", "company": "PME Services"},
        given={"full_name": "  béatrice   MARTIN ", "company": "pme services"},
    )

    assert (merge.filled, merge.claimed) == ({}, {})


def test_blank_answers_claim_nothing():
    merge = contact_merge(established={"company": "PME"}, given={"company": "  ", "phone": ""})

    assert (merge.filled, merge.claimed) == ({}, {})


# --- Qualification ----------------------------------------------------------------------------

SQL_NOW = {
    "disqualification": "",
    "budget_status": "confirmed",
    "authority": "decision_maker",
    "need": "identified",
    "timing": "now",
}
MQL_LATER = {**SQL_NOW, "budget_status": "unknown", "authority": "unknown", "timing": "later"}
STUDENT = {**SQL_NOW, "disqualification": "student"}


def rank(fields, score=0):
    return qualification_rank(fields, score=score, sql_min_buying_signals=1)


def test_disqualified_ranks_below_mql_below_sql():
    assert rank(STUDENT) < rank(MQL_LATER) < rank(SQL_NOW)


@pytest.mark.parametrize(("lower", "higher"), [("later", "unknown"), ("year", "quarter")])
def test_within_a_status_the_more_urgent_ranks_higher(lower, higher):
    assert rank({**MQL_LATER, "timing": lower}) < rank({**MQL_LATER, "timing": higher})


def settle(established, *candidates):
    return qualification_settle(
        established=established, candidates=list(candidates), score=40, sql_min_buying_signals=1
    )


def test_a_claim_that_would_lower_the_lead_is_not_applied():
    assert settle(SQL_NOW, STUDENT) == SQL_NOW
    assert settle(SQL_NOW, {**SQL_NOW, "timing": "later"}) == SQL_NOW


def test_a_claim_that_ranks_the_lead_as_it_is_changes_nothing():
    same_rank = {**SQL_NOW, "budget_amount": 99}
    assert settle(SQL_NOW, same_rank) == SQL_NOW


def test_a_claim_that_raises_the_lead_is_applied():
    assert settle(MQL_LATER, SQL_NOW) == SQL_NOW


def test_of_several_claims_the_highest_applies():
    assert settle(STUDENT, MQL_LATER, SQL_NOW, {**MQL_LATER, "timing": "year"}) == SQL_NOW


def test_with_nothing_established_the_claim_is_all_there_is():
    assert settle(None, STUDENT) == STUDENT


def test_a_claimed_qualification_is_kept_as_json_and_read_back_as_columns():
    fields = {**SQL_NOW, "budget_amount": Decimal("6000.50")}

    kept = claimed_qualification(fields)

    assert json.loads(json.dumps(kept)) == kept
    assert claimed_qualification_fields(kept) == fields
    assert claimed_qualification_fields(claimed_qualification(SQL_NOW)) == SQL_NOW
