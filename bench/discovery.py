"""Discovery: do the chat's questions qualify? Scripted visitors talk to a published starter form
through the real public chat API until its closing message; each answers by keyword and says
what it knows only when asked (an urgent buyer mentions its approved budget only to the budget
question, as the seed's Lead B). Then its lead is qualified as in production.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/parley .venv/bin/python bench/discovery.py

Goal: every SQL persona ends as SQL, in a median of at most 9 visitor turns. Prints one line per
persona, then `personas=… sql_found=… sql_missed=… median_turns=… disqualified_found=…
disqualified_missed=…` (a disqualified persona is found when its reason is). Everything it
creates is removed.
"""

import os
import re
import statistics
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django_tenants.utils import schema_context  # noqa: E402

from config.celery import app as celery_app  # noqa: E402
from forms_builder.models import Language  # noqa: E402
from forms_builder.services import form_create, form_publish  # noqa: E402
from leads.models import Conversation  # noqa: E402
from tenants.models import User  # noqa: E402
from tenants.services import workspace_create  # noqa: E402

OFFER = {
    "en": "Conversational forms that qualify and prioritize B2B leads, from 400 EUR a month.",
    "fr": "Des formulaires conversationnels qui qualifient et priorisent les leads B2B, "
    "à partir de 400 € par mois.",
}
MAX_TURNS = 20

# The questions a persona recognises, by topic: the form's own steps, then the follow-ups.
TOPICS = {
    "email": r"e-mail|mail",
    "name": r"\bname\b|\bnom\b",
    "company": r"company are you|entreprise",
    "role": r"role|poste",
    "size": r"people|personnes",
    "problem": r"wrong|not working|coince|ne va pas",
    "impact": r"change|difference|apporterait|solved|résolu",
    "urgency": r"urgent|deadline|rush|échéance|presse",
    "budget": r"budget|enveloppe",
    "authority": r"decision|final call|décision|qui prend",
}


@dataclass
class Persona:
    name: str
    lang: str
    expected: str  # sql, mql, or the disqualification reason
    opening: str
    role: str
    size: str = "11-50"
    said: dict[str, str] = field(default_factory=dict)  # topic -> answer when asked

    def answer(self, question: str) -> str:
        for topic, pattern in TOPICS.items():
            if re.search(pattern, question, re.IGNORECASE):
                return self._answer(topic)
        return {"en": "Not sure", "fr": "Je ne sais pas"}[self.lang]

    def _answer(self, topic: str) -> str:
        contact = {
            "email": f"{self.name.lower().replace(' ', '.')}@example.com",
            "name": self.name,
            "company": "Acme",
            "role": self.role,
            "size": self.size,
        }
        if topic in contact:
            return contact[topic]
        return self.said.get(topic) or {"en": "Not sure yet", "fr": "Pas encore sûr"}[self.lang]


PERSONAS = [
    # --- Buyers who should end as SQL --------------------------------------------------------
    Persona(
        "Lea Martin",
        "fr",
        "sql",
        "Notre process de qualification prend trop de temps, c'est urgent",
        "Directrice commerciale",
        said={
            "problem": "Mes commerciaux appellent 50 leads pour en signer 2",
            "impact": "On pourrait doubler les rendez-vous sans recruter",
            "urgency": "On doit décider avant la fin du mois",
            "budget": "Oui, 6 000 euros par an sont validés",
            "authority": "C'est moi qui signe",
        },
    ),
    Persona(
        "Paul Girard",
        "fr",
        "sql",
        "On perd des leads entrants, personne ne les rappelle à temps",
        "Gérant",
        said={
            "problem": "Les demandes du site attendent deux jours avant un appel",
            "urgency": "Il faut que ce soit en place ce trimestre",
            "budget": "On a prévu 500 € par mois",
            "authority": "Je décide seul",
        },
    ),
    Persona(
        "Sophie Blanc",
        "fr",
        "sql",
        "Nos formulaires ramènent beaucoup de contacts mais très peu de clients",
        "Responsable marketing",
        said={
            "problem": "Sur 200 contacts par mois, 5 deviennent clients",
            "urgency": "Nous choisissons un outil d'ici trois semaines",
            "budget": "Le budget de 8 000 € est approuvé",
            "authority": "Mon directeur valide, je recommande",
        },
    ),
    Persona(
        "Marc Petit",
        "fr",
        "sql",
        "Je cherche un outil pour trier les demandes de devis, on est débordés",
        "PDG",
        size="51-200",
        said={
            "problem": "Trois commerciaux passent leurs journées sur des devis perdus",
            "urgency": "Décision avant la fin du trimestre",
            "authority": "C'est moi qui décide",
        },
    ),
    Persona(
        "Ada Lovelace",
        "en",
        "sql",
        "Our reps waste hours every week on leads that never buy, it's urgent",
        "Head of Sales",
        said={
            "problem": "They call 50 leads to close 2",
            "impact": "We could double our meetings without hiring",
            "urgency": "We must decide this month",
            "budget": "Yes, 15k a year is approved",
            "authority": "My CEO signs off, I recommend",
        },
    ),
    Persona(
        "John Smith",
        "en",
        "sql",
        "We need to qualify inbound leads faster, our response time is terrible",
        "Founder",
        size="1-10",
        said={
            "problem": "Leads wait three days before anyone calls them back",
            "urgency": "We want something running within a month",
            "authority": "I decide, it's my company",
            "budget": "We can spend 500 dollars a month",
        },
    ),
    Persona(
        "Grace Hopper",
        "en",
        "sql",
        "Our website form gets lots of junk and the good leads get lost",
        "VP Marketing",
        size="201-1000",
        said={
            "problem": "Sales ignore form leads because most are junk",
            "urgency": "We pick a vendor before the end of the quarter",
            "budget": "Budget is approved: 20,000 USD for the year",
            "authority": "I own the decision with our CRO",
        },
    ),
    Persona(
        "Alan Turing",
        "en",
        "sql",
        "I'm looking for a way to prioritize which leads my team calls first",
        "CEO",
        said={
            "problem": "My team calls leads in the order they arrive, not by value",
            "urgency": "It's urgent, we're losing deals now",
            "budget": "Yes there is a budget",
            "authority": "I'm the one who decides",
        },
    ),
    # --- Real prospects, not ready: MQL -------------------------------------------------------
    Persona(
        "Julie Roux",
        "fr",
        "mql",
        "On réfléchit à mieux qualifier nos leads pour l'an prochain",
        "Chargée de marketing",
        said={
            "problem": "On ne sait pas quels leads sont sérieux",
            "urgency": "Pas urgent, plutôt dans un an",
            "budget": "Pas encore de budget",
            "authority": "Ma responsable décidera",
        },
    ),
    Persona(
        "Nicolas Faure",
        "fr",
        "mql",
        "Nos commerciaux se plaignent de la qualité des leads",
        "Commercial",
        said={
            "problem": "Beaucoup de demandes ne sont pas pour nous",
            "urgency": "Aucune échéance pour l'instant",
            "authority": "Je n'ai pas la main là-dessus",
        },
    ),
    Persona(
        "Claire Morel",
        "fr",
        "mql",
        "On voudrait automatiser la qualification un jour, le projet est prévu dans 18 mois",
        "Directrice générale",
        said={"problem": "Tout est fait à la main", "urgency": "Dans 18 mois"},
    ),
    Persona(
        "Emma Brown",
        "en",
        "mql",
        "We might look at lead scoring tools next year",
        "Marketing coordinator",
        said={
            "problem": "We don't know which leads are serious",
            "urgency": "No rush, probably next year",
            "budget": "No budget yet",
            "authority": "My manager decides",
        },
    ),
    Persona(
        "Liam Wilson",
        "en",
        "mql",
        "Our lead forms are clunky and people drop off",
        "Sales rep",
        said={
            "problem": "Half the visitors leave the form halfway",
            "urgency": "No deadline",
            "authority": "Not me, my boss",
        },
    ),
    Persona(
        "Olivia Jones",
        "en",
        "mql",
        "We're planning a new website in two years and want better forms then",
        "CEO",
        said={"urgency": "In about two years"},
    ),
    # --- Not prospects --------------------------------------------------------------------------
    Persona(
        "Bot Bot",
        "en",
        "spam",
        "Cheap backlinks!!! High DA guest posts, click here www.seo-cheap.xyz",
        "SEO",
    ),
    Persona(
        "Promo Promo",
        "fr",
        "spam",
        "Gagnez 500€ par semaine depuis chez vous, méthode 100% garantie, cliquez ici",
        "Conseiller",
    ),
    Persona(
        "Lucas Student",
        "en",
        "student",
        "Hi, I'm a student writing my master's thesis on lead qualification",
        "Student",
        said={"problem": "It's for my thesis, due in June"},
    ),
    Persona(
        "Ines Etudiante",
        "fr",
        "student",
        "Bonjour, je suis étudiante et je cherche un stage en marketing",
        "Étudiante",
    ),
    Persona(
        "Tom Seeker",
        "en",
        "job_seeker",
        "Hi, are you hiring? I'd love to join your sales team, my CV is ready",
        "Sales rep (looking for a job)",
    ),
    Persona(
        "Karim Candidat",
        "fr",
        "job_seeker",
        "Bonjour, je vous envoie mon CV, je cherche un poste de commercial chez vous",
        "Commercial",
    ),
    Persona(
        "Vera Vendor",
        "en",
        "vendor",
        "We're an agency offering outbound and SEO services: we could fill your pipeline with "
        "qualified meetings, can I book a call next week?",
        "Business developer",
    ),
    Persona(
        "Victor Fournisseur",
        "fr",
        "vendor",
        "Nous proposons un partenariat : notre agence peut vous apporter des rendez-vous "
        "qualifiés, seriez-vous disponible pour un appel la semaine prochaine ?",
        "Business developer",
    ),
    Persona(
        "Cory Curious",
        "en",
        "curious",
        "No project, just watching the market and curious how your product works",
        "Consultant",
    ),
    Persona(
        "Camille Curieuse",
        "fr",
        "curious",
        "Aucun projet pour l'instant, je fais juste de la veille sur les outils du marché",
        "Consultante",
    ),
]


def converse(client: Client, base: str, persona: Persona) -> tuple[str, int]:
    """The conversation's token and how many turns the visitor took to reach the end."""
    started = client.post(f"{base}conversations/", "{}", content_type="application/json")
    token = started.json()["token"]
    question = started.json()["messages"][-1]["text"]
    turns = 0
    text = persona.opening
    while turns < MAX_TURNS:
        response = client.post(
            f"{base}conversations/{token}/turns/",
            {"text": text},
            content_type="application/json",
        )
        turns += 1
        body = response.json()
        if response.status_code != 200 or body.get("status") == "completed":
            break
        question = body["messages"][-1]["text"]
        text = persona.answer(question)
    return token, turns


def outcome(workspace, token: str) -> str:
    with schema_context(workspace.schema_name):
        lead = Conversation.objects.select_related("lead").get(token=token).lead
        lead.refresh_from_db()
        return lead.disqualification or lead.qualification_status or "unqualified"


def main() -> None:
    call_command("migrate_schemas", interactive=False, verbosity=0)
    # The lead is qualified in this process when its conversation ends, as a worker would.
    celery_app.conf.task_always_eager = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    slug = f"bench-{uuid.uuid4().hex[:8]}"
    owner = User.objects.create(email=f"{slug}@parley.local")
    workspace = workspace_create(name=slug, slug=slug, owner=owner)
    results = []
    try:
        bases = {}
        with schema_context(workspace.schema_name):
            for lang, language in (("en", Language.ENGLISH), ("fr", Language.FRENCH)):
                form = form_create(name=f"Discovery {lang}", language=language)
                form.offer_description = OFFER[lang]
                form.save()
                form_publish(form=form)
                bases[lang] = f"/w/{slug}/f/{form.slug}/"
        for number, persona in enumerate(PERSONAS, 1):
            # Each visitor from an address of its own, as on the web: the chat's per-address
            # rate limit is not what this measures.
            client = Client(REMOTE_ADDR=f"10.0.0.{number}")
            token, turns = converse(client, bases[persona.lang], persona)
            got = outcome(workspace, token)
            results.append((persona, got, turns))
            mark = "ok " if got == persona.expected else "MISS"
            print(f"{mark} {persona.lang} {persona.expected:>10} -> {got:<12} {turns:>2} turns")
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP SCHEMA IF EXISTS "{workspace.schema_name}" CASCADE')
        workspace.delete()
        owner.delete()

    sql = [(p, got) for p, got, _ in results if p.expected == "sql"]
    dq = [(p, got) for p, got, _ in results if p.expected not in ("sql", "mql")]
    sql_found = sum(got == "sql" for _, got in sql)
    dq_found = sum(got == p.expected for p, got in dq)
    print(
        f"personas={len(results)} sql_found={sql_found} sql_missed={len(sql) - sql_found} "
        f"median_turns={statistics.median(turns for _, _, turns in results):g} "
        f"disqualified_found={dq_found} disqualified_missed={len(dq) - dq_found}"
    )


if __name__ == "__main__":
    main()
