"""The demo workspace's inbox (`manage.py demo_seed`, development only): a few dozen visitors
held through the real conversation, qualification and scoring, with the behaviour the tracking
script would have seen, assignments and outcomes, spread over the last three weeks so that
every band, timer state and outcome shows.

Deterministic: the same visitors, answers and times (relative to now) on every machine."""

import random
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from forms_builder.models import Form, Language
from leads.models import (
    Band,
    Conversation,
    ConversationStatus,
    EventKind,
    Lead,
    LeadActivity,
    LeadEvent,
    LeadOutcome,
    Message,
)
from leads.prioritization import band_sla, leads_priority_refresh
from leads.scoring.rescore import leads_rescore
from leads.services.conversations import conversation_start, conversation_turn
from leads.services.leads import lead_qualify
from leads.services.sales import lead_assign, lead_outcome_record
from tenants.selectors import workspace_current

# Who the visitors are: (full name, company, role, company size).
PEOPLE = [
    ("Priya Raman", "Helix Analytics", "VP Sales", "120"),
    ("Tom Becker", "Brightline Logistics", "Head of Sales", "45"),
    ("Chloé Girard", "Atelier Numérique", "Directrice commerciale", "35"),
    ("Jonas Weber", "Kraftwerk Software", "Founder & CEO", "18"),
    ("Emily Shaw", "Cobalt Health", "Sales operations manager", "300"),
    ("Hugo Lefèvre", "Vertigo Conseil", "Gérant", "12"),
    ("Nina Petrova", "Polaris Fintech", "Chief Revenue Officer", "220"),
    ("Daniel Ortiz", "Sunstone Solar", "Marketing manager", "60"),
    ("Sofia Rossi", "Lumen Studio", "Account executive", "25"),
    ("Mathieu Caron", "Groupe Caron", "Directeur général", "80"),
    ("Aisha Khan", "Nimbus Cloud", "Demand generation lead", "150"),
    ("Liam O'Brien", "Harbor Insurance", "Sales director", "500"),
    ("Camille Roux", "Maison Roux", "Responsable marketing", "20"),
    ("Kenji Sato", "Tanuki Games", "COO", "70"),
    ("Laura Fischer", "Alpenblick Hotels", "Head of partnerships", "40"),
    ("Omar Haddad", "Cedar Payments", "Business developer", "90"),
    ("Julie Moreau", "Studio Moreau", "Fondatrice", "6"),
    ("Ben Carter", "Quarry Robotics", "Sales manager", "55"),
    ("Élodie Blanc", "Blanc & Associés", "Associée", "15"),
    ("Marcus Lee", "Orbit Media", "Growth marketer", "30"),
    ("Anna Kowalska", "Vistula Trade", "Export manager", "110"),
    ("Pierre Dumont", "Dumont Industrie", "Directeur commercial", "250"),
    ("Grace Kim", "Seoul Bites", "Owner", "8"),
    ("Victor Nguyen", "Mekong Freight", "Head of growth", "65"),
]

PROBLEMS = {
    Language.ENGLISH: [
        "Our reps waste hours calling demo requests that were never going to buy.",
        "We get 400 inbound leads a month and no way to tell which ones matter.",
        "Our web form converts at 2% and the leads it gives us are thin.",
        "Sales and marketing argue every week about lead quality.",
        "Speed to lead is terrible: we call back after two days on average.",
    ],
    Language.FRENCH: [
        "Nos commerciaux perdent des heures à rappeler des demandes qui n'achèteront jamais.",
        "On reçoit 400 leads par mois et impossible de savoir lesquels comptent.",
        "Notre formulaire convertit à 2 % et les leads sont pauvres en informations.",
        "Le marketing et les ventes se disputent chaque semaine sur la qualité des leads.",
    ],
}

# What else the visitor says: when, with what money, and who decides.
TIMINGS = {
    Language.ENGLISH: [
        "We need it live this month.",
        "We want to decide before the end of the quarter.",
        "It's on our roadmap for next year.",
        "Just looking for now, maybe in 18 months.",
        "",
    ],
    Language.FRENCH: [
        "Il nous le faut ce mois-ci.",
        "On veut décider avant la fin du trimestre.",
        "C'est prévu pour l'année prochaine.",
        "On regarde juste, peut-être dans 18 mois.",
        "",
    ],
}
BUDGETS = {
    Language.ENGLISH: ["The budget is approved, around 20k a year.", "No budget yet.", ""],
    Language.FRENCH: ["Le budget est validé, environ 20 k€ par an.", "Pas encore de budget.", ""],
}
AUTHORITIES = {
    Language.ENGLISH: ["I'm the one who signs.", "I'll need my boss's approval.", ""],
    Language.FRENCH: ["C'est moi qui signe.", "Il faudra l'accord de mon patron.", ""],
}

# Visitors no one should call: (language, need, e-mail, name, company, role, size).
NOT_PROSPECTS = [
    (
        Language.ENGLISH,
        "Hi! I'm a student writing my thesis on lead scoring, could you answer a few questions?",
        "zoe.student@campus.example",
        "Zoé Laurent",
        "University of Leeds",
        "Student",
        "1",
    ),
    (
        Language.ENGLISH,
        "We're an SEO agency and can bring you 10x more traffic. We'd love to partner with you.",
        "growth@seo-rocket.example",
        "Rick Vance",
        "SEO Rocket",
        "Partnerships",
        "10",
    ),
    (
        Language.FRENCH,
        "Je cherche un emploi de commercial, recrutez-vous en ce moment ?",
        "candidat.dupuis@mail.example",
        "Paul Dupuis",
        "Sans emploi",
        "Commercial",
        "1",
    ),
]

SITE = "https://www.demo-company.example"
PAGES = ["/", "/features", "/customers", "/blog/speed-to-lead", "/integrations"]
PRICING = "/pricing"
# From six minutes to three weeks ago: the oldest visitor arrived SPREAD times earlier.
SPREAD = 21 * 24 * 60 / 6
# Leads (by arrival, newest first) no one called yet: the newest wait within their delay, the
# older ones are overdue.
STILL_WAITING = {0, 1, 2, 3, 10, 14, 17}
NO_MORE = {Language.ENGLISH: "Nothing to add.", Language.FRENCH: "Rien à ajouter."}


def _visitors(rng: random.Random) -> list[tuple[str, list[str]]]:
    """(language, answers to the starter steps: need, e-mail, name, company, role, size)."""
    visitors = []
    for index, (name, company, role, size) in enumerate(PEOPLE):
        language = Language.FRENCH if index % 3 == 2 else Language.ENGLISH
        need = " ".join(
            sentence
            for sentence in (
                rng.choice(PROBLEMS[language]),
                rng.choice(TIMINGS[language]),
                rng.choice(BUDGETS[language]),
                rng.choice(AUTHORITIES[language]),
            )
            if sentence
        )
        first, *_ = name.lower().replace("é", "e").replace("'", "").split()
        domain = company.lower().replace(" & ", "-").replace(" ", "-").replace("é", "e")
        email = f"{first}@{domain}.example"
        visitors.append((language, [need, email, name, company, role, size]))
    for language, *answers in NOT_PROSPECTS:
        visitors.append((language, answers))
    return visitors


def _converse(form: Form, answers: list[str], language: str, visitor_id: str) -> Conversation:
    conversation = conversation_start(form=form, visitor_id=visitor_id).conversation
    for text in answers:
        conversation = conversation_turn(token=conversation.token, text=text).conversation
    # Discovery follow-ups the runtime may add get a short answer until the end.
    for _ in range(5):
        if conversation.status == ConversationStatus.COMPLETED:
            break
        conversation = conversation_turn(token=conversation.token, text=NO_MORE[language])
        conversation = conversation.conversation
    return conversation


def _behaviour(rng: random.Random, lead: Lead, visitor_id: str, since, now) -> list[LeadEvent]:
    """Page views around the conversation, and the nurture e-mails opened since."""
    events = []
    for _ in range(rng.randint(1, 9)):
        path = PRICING if rng.random() < 0.3 else rng.choice(PAGES)
        when = min(since + timedelta(minutes=rng.randint(-3 * 24 * 60, 60)), now)
        events.append(
            LeadEvent(
                lead=lead,
                visitor_id=visitor_id,
                kind=EventKind.PAGE_VIEW,
                url=SITE + path,
                occurred_at=when,
            )
        )
    for _ in range(rng.choice([0, 0, 1, 3, 4])):
        when = min(since + timedelta(hours=rng.randint(1, 72)), now)
        events.append(LeadEvent(lead=lead, kind=EventKind.EMAIL_OPEN, url="", occurred_at=when))
    return events


def _backdate(lead: Lead, arrived, workspace) -> None:
    """Move the lead, its conversation and its timer to when it arrived."""
    sla = band_sla(workspace, lead.band)
    Lead.objects.filter(pk=lead.pk).update(
        created_at=arrived,
        last_activity_at=arrived,
        band_since=arrived,
        sla_due_at=arrived + sla if sla else None,
    )
    Conversation.objects.filter(lead=lead).update(
        started_at=arrived - timedelta(minutes=3), last_turn_at=arrived, ended_at=arrived
    )
    Message.objects.filter(conversation__lead=lead).update(created_at=arrived)


def _outcome(lead: Lead, kind: str, by, when, **details) -> None:
    lead_outcome_record(lead=lead, kind=kind, by=by, **details)
    LeadOutcome.objects.filter(lead=lead, kind=kind).update(created_at=when)
    Lead.objects.filter(pk=lead.pk).update(outcome_at=when)
    Lead.objects.filter(pk=lead.pk, first_contacted_at__gt=when).update(first_contacted_at=when)


def demo_inbox_seed(*, forms: dict[str, Form], owner, member) -> int:
    """Add the demo inbox's visitors once (nothing when they are there); returns how many
    leads were added."""
    if Lead.objects.filter(email__endswith="@helix-analytics.example").exists():
        return 0
    rng = random.Random(6)  # noqa: S311 - a fixed demo, not a secret
    workspace = workspace_current()
    now = timezone.now()
    leads = []
    visitors = _visitors(rng)
    for index, (language, answers) in enumerate(visitors):
        visitor_id = f"demo-visitor-{index:03d}"
        conversation = _converse(forms[language], answers, language, visitor_id)
        lead = Lead.objects.get(pk=conversation.lead_id)
        # Newest first: a few minutes ago down to three weeks ago.
        arrived = now - timedelta(minutes=round(6 * SPREAD ** (index / (len(visitors) - 1))))
        LeadEvent.objects.bulk_create(_behaviour(rng, lead, visitor_id, arrived, now))
        leads.append((lead, arrived))
    leads_rescore(lead_ids=[lead.pk for lead, _ in leads], now=now)
    for lead, _ in leads:
        lead_qualify(lead=lead)
    leads_priority_refresh(lead_ids=[lead.pk for lead, _ in leads])
    for position, (lead, arrived) in enumerate(leads):
        lead.refresh_from_db()
        _backdate(lead, arrived, workspace)
        _sales_follow_up(rng, lead, arrived, position, owner=owner, member=member)
    return len(leads)


def _sales_follow_up(rng: random.Random, lead: Lead, arrived, position: int, *, owner, member):
    """What sales did: the newest leads are still waiting, older ones were called, some won."""
    if lead.band == Band.AUTOMATED:
        return
    caller = member if position % 2 else owner
    lead_assign(lead=lead, assignee=caller, by=owner)
    LeadActivity.objects.filter(lead=lead).update(created_at=arrived + timedelta(minutes=2))
    if position in STILL_WAITING:
        return
    contacted = arrived + timedelta(minutes=rng.choice([8, 25, 50, 95, 240, 600]))
    _outcome(lead, "contacted", caller, contacted)
    if position % 4 == 0:
        _outcome(lead, "meeting", caller, contacted + timedelta(days=1))
    if position % 8 == 0 and lead.band in (Band.HOT, Band.TODAY):
        amount = Decimal(rng.choice([4800, 12000, 24000]))
        _outcome(lead, "won", caller, contacted + timedelta(days=6), amount=amount, currency="EUR")
    elif position % 5 == 0:
        reason = rng.choice(["competitor", "no_budget", "timing"])
        _outcome(lead, "lost", caller, contacted + timedelta(days=4), lost_reason=reason)
