"""Billing's eraser (leads/privacy/erasure.py), registered by BillingConfig.ready.

A QualifiedLeadRecord names an erased lead by its id: once the lead is gone the id names nobody,
but the row still says that this person was qualified in that month, so it goes too. The month's
usage counter (Usage) is kept: the workspace did qualify that lead. A meter report still waiting
to be sent for the lead is dropped with the row (billing.tasks.qualified_lead_report finds
nothing), so an erased lead is not billed."""

from django.db.models import Q

from billing.models import QualifiedLeadRecord
from leads.privacy.erasure import eraser_register, rows_eraser

eraser_register(
    "billing.qualified_lead_records",
    rows_eraser(QualifiedLeadRecord, lambda t: Q(workspace=t.workspace, lead_id__in=t.lead_ids)),
)
