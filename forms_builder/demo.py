"""The demo workspace's forms and conversations (`manage.py demo_seed`, development only): an
English and a French form, published, and visitors like the seed's Lead A and Lead B."""

from forms_builder.models import Form, Language
from forms_builder.services import form_create, form_publish, form_update
from leads.models import ConversationStatus
from leads.qualification.followups import MAX_FOLLOWUPS
from leads.services.conversations import conversation_start, conversation_turn

NOTHING_TO_ADD = {Language.ENGLISH: "Nothing to add.", Language.FRENCH: "Rien à ajouter."}

OFFER = {
    Language.ENGLISH: "Parley qualifies inbound B2B leads with a conversational form and tells "
    "sales whom to call first, and why.",
    Language.FRENCH: "Parley qualifie les leads B2B entrants avec un formulaire conversationnel "
    "et dit aux commerciaux qui appeler d'abord, et pourquoi.",
}

# (form language, UTM, answers to the starter steps: need, e-mail, name, company, role, size,
# then to the discovery follow-ups the runtime adds, in order)
VISITORS = [
    (
        Language.ENGLISH,
        {"utm_source": "linkedin", "utm_campaign": "q4-launch"},
        [
            "Our qualification takes too long: my reps call 50 leads to close 2. We must decide "
            "before the end of the quarter and the budget is approved.",
            "marie.dubois@northwind.example",
            "Marie Dubois",
            "Northwind",
            "Sales manager",
            "30",
        ],
        [],
    ),
    (
        Language.ENGLISH,
        {"utm_source": "google", "utm_campaign": "brand"},
        [
            "Just benchmarking tools for a project we may start in 18 months.",
            "ceo@bigcorp.example",
            "Alex Carter",
            "BigCorp",
            "CEO",
            "200",
        ],
        [
            "Our sales team will double in size and we want a qualification process ready then.",
            "Not urgent at all: the project starts in about 18 months.",
            "We will set a budget when the project starts.",
        ],
    ),
    (
        Language.FRENCH,
        {"utm_source": "newsletter"},
        [
            "Je suis étudiant et je fais un mémoire sur la qualification de leads.",
            "lucas.martin@univ.example",
            "Lucas Martin",
            "Université de Lyon",
            "Étudiant",
            "1",
        ],
        [],
    ),
]


def demo_forms_seed() -> list[Form]:
    """Create the demo forms and conversations once; later runs leave them as they are."""
    forms = {}
    for language, name in (
        (Language.ENGLISH, "Talk to sales"),
        (Language.FRENCH, "Parlons projet"),
    ):
        form = Form.objects.filter(name=name).first()
        if form is None:
            form = form_create(name=name, language=language)
            form_update(form=form, offer_description=OFFER[language])
            form_publish(form=form)
        forms[language] = form
    if not any(form.conversations.exists() for form in forms.values()):
        for language, utm, answers, followup_answers in VISITORS:
            conversation = conversation_start(form=forms[language], utm=utm).conversation
            for text in answers:
                conversation = conversation_turn(token=conversation.token, text=text).conversation
            # The discovery follow-ups the runtime may add, answered until the end.
            replies = [*followup_answers, *[NOTHING_TO_ADD[language]] * MAX_FOLLOWUPS]
            for text in replies[:MAX_FOLLOWUPS]:
                if conversation.status == ConversationStatus.COMPLETED:
                    break
                conversation = conversation_turn(token=conversation.token, text=text).conversation
    return list(forms.values())
