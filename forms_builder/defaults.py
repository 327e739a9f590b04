"""What a new form starts with, in its language: a form that already qualifies, so an admin
edits rather than starts from a blank page."""

from forms_builder.models import Language, LeadField, StepKind

WELCOME = {
    Language.ENGLISH: "Hi! A few quick questions so the right person gets back to you.",
    Language.FRENCH: "Bonjour ! Quelques questions rapides pour que la bonne personne vous "
    "recontacte.",
}
CLOSING = {
    Language.ENGLISH: "Thank you! We will get back to you very soon.",
    Language.FRENCH: "Merci ! Nous revenons vers vous très vite.",
}

STARTER_STEPS = {
    Language.ENGLISH: [
        (StepKind.LONG_TEXT, "What brings you here today?", ""),
        (StepKind.EMAIL, "What is your work e-mail?", LeadField.EMAIL),
        (StepKind.SHORT_TEXT, "And your name?", LeadField.FULL_NAME),
        (StepKind.SHORT_TEXT, "Which company are you with?", LeadField.COMPANY),
        (StepKind.SHORT_TEXT, "What is your role there?", LeadField.JOB_TITLE),
        (StepKind.COMPANY_SIZE, "How many people work there?", LeadField.COMPANY_SIZE),
    ],
    Language.FRENCH: [
        (StepKind.LONG_TEXT, "Qu'est-ce qui vous amène ?", ""),
        (StepKind.EMAIL, "Quelle est votre adresse e-mail professionnelle ?", LeadField.EMAIL),
        (StepKind.SHORT_TEXT, "Et votre nom ?", LeadField.FULL_NAME),
        (StepKind.SHORT_TEXT, "Dans quelle entreprise êtes-vous ?", LeadField.COMPANY),
        (StepKind.SHORT_TEXT, "Quel est votre poste ?", LeadField.JOB_TITLE),
        (StepKind.COMPANY_SIZE, "Combien de personnes y travaillent ?", LeadField.COMPANY_SIZE),
    ],
}
