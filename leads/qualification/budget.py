"""Whether a budget exists: confirmed (approved or set aside, amount or not), none (no budget,
cannot pay), unknown (not discussed, or vague: "rien n'est validé", "depends on the quotes").

A sentence speaks of the budget when it answers the form's budget question or names the budget
itself; amounts elsewhere ("on a failli faire un virement de 12 000 €") are part of the problem.
Works on folded text.
"""

import re
from dataclasses import dataclass

from leads.qualification.amounts import Amount, find_amounts

CONFIRMED = "confirmed"
NONE = "none"
UNKNOWN = "unknown"

# The budget named as such: what makes a sentence about it without the form's question.
_BUDGET_NOUN = re.compile(
    r"budget|enveloppe|\bfunding|set aside|earmarked|\bmis de cote|provisionne"
)

# Approval or money set aside.
_APPROVED = re.compile(
    r"\bvalide|\bvote|approuve|alloue|debloque|prevu (?:au|dans le) budget|budget prevu|"
    r"\b(?:j'ai|on a|nous avons|c'est) (?:deja )?prevu|provisionne|inscrit|accorde|"
    r"approved|allocated|set aside|earmarked|signed off|budgeted|in the plan|"
    r"in the budget|au budget|dans le budget|confirmed|confirme|secured|\bfunded|"
    r"\bon a (?:un|une|le|la) (?:budget|enveloppe)|\bnous avons (?:un|une) (?:budget|enveloppe)|"
    r"\bwe have (?:a |the )?budget|\bthere(?:'s| is) (?:a )?budget|\bbudget is there|"
    r"\bcan spend|\bcould spend|\bwilling to (?:spend|pay|invest)|\bon peut (?:mettre|investir|"
    r"depenser)|\bpret(?:e|s)? a (?:payer|mettre|investir)|\bj'ai (?:un|une) (?:budget|enveloppe)|"
    r"\bup to\b|\bjusqu'a\b"
)

# No money, said outright. "no idea about budget" is not "no budget".
_NO_BUDGET = re.compile(
    r"\b(?:pas|plus|aucune?|sans|zero|point) (?:encore |vraiment |de vrai )?(?:de |d')?"
    r"(?:budget|enveloppe|moyens|argent|fonds)(?! (?:defini|precis|fixe|arrete|limite|probleme))"
    r"|\bn'(?:avons|a|ai|ont) (?:pas|aucun|plus) (?:de |d')?(?:budget|enveloppe|moyens|argent)"
    r"|budget (?:est |a ete )?(?:gele|bloque|coupe|supprime|epuise)|tout est gele"
    r"|\bno (?:budget|money|funds|funding)(?! (?:limit|issue|problem|constraint|cap))"
    r"|\b(?:don'?t|do not|doesn'?t|does not|haven'?t|have not|didn'?t) (?:have |got )?(?:a |any |"
    r"the )?"
    r"(?:budget|money|funds|funding)"
    r"|\bcan'?t afford|\bcannot afford|\bno way to pay|\bbudget (?:is |was )?(?:frozen|cut|"
    r"locked|gone)|everything'?s (?:locked|frozen)|\bbudget freeze|\bpas les moyens"
    r"|\bon ne peut pas (?:payer|investir|se permettre)|\bzero budget"
    r"|\bnothing (?:\w+ )?(?:allocated|approved|set aside|budgeted|earmarked)"
    r"|\bnot (?:yet )?(?:allocated|budgeted)|\brien (?:d'alloue|de debloque|de budgete)"
)

# Vague, pending or unknown: never a confirmation, even with a figure.
_VAGUE = re.compile(
    r"aucune idee|\bno idea|pas vraiment|not really|\bdepend|\bnot sure|pas sur|je ne sais pas|"
    r"je sais pas|\bdon'?t know|\bdo not know|i'?d have to check|\bto check|a verifier|on verra|"
    r"we'?ll see|will be defined|sera defini|\bto be (?:defined|approved|confirmed|validated)|"
    r"haven'?t thought|pas encore reflechi|rien n'est (?:valide|vote|signe|decide|fait)|"
    r"(?:pas|non|not) (?:encore |yet )?(?:valide|approved|approuve|confirme|confirmed|signed off|"
    r"decide|defini|fixe)|a (?:faire )?valider|je pensais|i was thinking|thinking about|"
    r"\bmaybe\b|peut-etre|what does it (?:usually )?cost|combien (?:ca|cela) coute|"
    r"on n'en est pas la|not there yet|not that i know|pas a ma connaissance|"
    r"\bestimate|\ben attente|\bpending|\bwaiting for"
)

_YES = re.compile(
    r"^(?:oui|yes|yeah|yep|yup|absolument|absolutely|bien sur|of course|tout a fait)\b"
)


@dataclass(frozen=True)
class BudgetReading:
    status: str
    amount: Amount | None
    approved: bool  # said approved or set aside, not only a figure


def budget_from_sentence(
    folded: str, *, answers_budget_question: bool, default_currency: str | None
) -> BudgetReading | None:
    """What one sentence says about the budget, or None when it does not speak of it."""
    names_budget = bool(_BUDGET_NOUN.search(folded))
    approved = bool(_APPROVED.search(folded))
    amounts = [a for a in find_amounts(folded, default_currency) if a.period != "other"]
    if not (answers_budget_question or names_budget or (amounts and approved)):
        return None
    if _NO_BUDGET.search(folded):
        return BudgetReading(NONE, None, approved=False)
    if _VAGUE.search(folded):
        return BudgetReading(UNKNOWN, None, approved=False)
    if amounts:
        return BudgetReading(CONFIRMED, amounts[-1], approved=approved)
    if approved and (names_budget or answers_budget_question):
        return BudgetReading(CONFIRMED, None, approved=True)
    if answers_budget_question and _YES.match(folded):
        return BudgetReading(CONFIRMED, None, approved=True)
    return None
