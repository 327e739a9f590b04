"""Who decides: from the job title, and from what the visitor says about the decision.

What they say wins over the title: a CEO who says "my partner decides" is an influencer, an
operations head who says "I own this decision" is the decision maker. Works on folded text.
"""

import re

DECISION_MAKER = "decision_maker"
INFLUENCER = "influencer"
NO_AUTHORITY = "no_authority"
UNKNOWN = "unknown"

# Titles that run the company or a budget line of their own.
_TITLE_DECIDES = re.compile(
    r"\b(?:ceo|pdg|p-dg|dg|president(?:e)?|gerant(?:e)?|co-?gerant(?:e)?|(?:co-?)?fondat(?:eur|rice)|"
    r"(?:co-?)?founder|owner|proprietaire|dirigeant(?:e)?|chef d'entreprise|patron(?:ne)?|"
    r"managing (?:director|partner)|general manager|associe(?:e)?(?: gerant(?:e)?)?|"
    r"(?:directeur|directrice) general(?:e)?|entrepreneur|cfo|cto|cio|coo|cmo|cro|"
    r"chief \w+ officer|principal|partner|daf|dsi|drh|raf|"
    r"(?:directeur|directrice) (?:administratif|financier|financiere|des systemes d'information|"
    r"des ressources humaines|technique|informatique))\b"
    # A bare "Director"/"Directeur" is a company director; "Director of X" is a function.
    r"|^(?:director|directeur|directrice)$"
)
_TITLE_VICE = re.compile(r"\bvice[- ]president|\bvp\b|assistant|adjoint|deputy")
_TITLE_NO_AUTHORITY = re.compile(
    r"\b(?:stagiaire|intern|internship|apprenti(?:e)?|alternant(?:e)?|etudiant(?:e)?|student|"
    r"trainee|working student)\b"
)

# First-person decision, as a statement ("c'est moi qui signe", "I own this decision").
_SELF_DECIDES = re.compile(
    r"c'est (?:moi|nous) qui (?:decid|signe|valide|tranche|choisi|arbitr|prend|porte|achete|"
    r"ai le dernier mot)"
    r"|\bje (?:decide|signe|valide seul|tranche|choisis|arbitre|prends la decision)"
    r"|\b(?:la decision|le choix) (?:me revient|m'appartient|est (?:pour )?moi)"
    r"|c'est a moi de (?:decider|trancher|choisir|valider)"
    r"|\bje suis (?:le |la |l')?(?:seul(?:e)? )?(?:decideur|decisionnaire|gerant|dirigeant|patron|"
    r"pdg|ceo|fondat|associe|proprietaire)"
    r"|c'est (?:ma|mon|notre) (?:societe|entreprise|boite|cabinet|agence|structure|affaire|"
    r"magasin|restaurant|commerce)"
    r"|on decide a deux|nous decidons|\bje porte (?:la decision|le projet et (?:je )?decide)"
    r"|\bi (?:decide|sign|approve|choose|will decide|make (?:the )?(?:final )?(?:call|decision)|"
    r"own (?:the |this )?(?:\w+ )?(?:decision|choice|budget|call)|"
    r"sign (?:it )?off|handle (?:this|it|that)|have (?:the )?final say|call the shots|"
    r"hold the budget)"
    r"|\b(?:i'?m|i am) (?:the )?(?:sole |final |main )?(?:decision[- ]maker|owner|founder|ceo|"
    r"one who decides|budget holder)"
    r"|\b(?:it'?s|it is) my (?:practice|company|business|firm|shop|call|decision|store|agency|"
    r"budget)"
    r"|\bown (?:the|this) (?:vendor )?(?:decision|choice)"
    r"|\bthe decision is mine|\bup to me\b|\bme and my co-?founder|\bmy co-?founder and i"
)

# Denials that would otherwise read as the above ("ce n'est pas moi qui décide").
_SELF_DENIED = re.compile(
    r"(?:ce n'est|c'est) pas moi qui|\bje ne (?:decide|signe|valide) pas|pas (?:le|la) decideu|"
    r"\bnot (?:the |a )?decision[- ]maker|\bi (?:don'?t|do not) (?:decide|sign|make)|"
    r"not (?:my|up to me)|\bnot me\b|pas a moi de|\bi'?m not the one|\bpas moi\b"
)

# Someone else decides, signs or approves.
_OTHER_DECIDES = re.compile(
    r"c'est (?:eux|elle|lui|(?:mon|ma|notre|nos|le|la|les) [\w' -]{1,40}?) qui (?:decid|signe|"
    r"valide|tranche|choisi|arbitr|voi|verr|ont le dernier mot|a le dernier mot)"
    r"|\b(?:mon|ma|notre|nos|le|la|les|au|du) (?:dg|pdg|ceo|directeur|directrice|direction|patron|"
    r"patronne|boss|n\+1|n\+2|responsable|manager|gerant|president|associes?|fondateurs|"
    r"conseil|comite|commission|codir|comex|daf|dsi|drh|hierarchie|chef)"
    r"[\w' -]{0,40}?\b(?:decid|tranche|valide|signe|arbitr|choisi|approuv|a le dernier mot)"
    r"|\b(?:il|elle|ils|elles) (?:decide|decident|signe|signent|valide|validera|tranchera|"
    r"decidera|signera|verra|voit|voient|a le dernier mot)"
    r"|decision (?:finale )?(?:en|par le|par la) (?:comite|commission|codir|comex|conseil|"
    r"direction)"
    r"|\b(?:my|our|the) [\w&/ -]{1,40}?\b(?:decides?|signs?|approves?|will decide|'ll decide|"
    r"makes? the (?:final )?(?:call|decision)|has the final say|signs off|owns the decision|"
    r"is the decision maker|holds the budget)"
    r"|\b(?:she|he|they)(?:'ll| will)? (?:decide|sign|approve|make the call|handle)"
    r"|\bfinal (?:sign[- ]?off|say|decision|award|call|approval) (?:is|by|with|rests with|from)"
    r"|\bdecision maker is|my boss is\b|\bsign[- ]?off (?:is|from|by) (?:our|my|the)"
    r"|\b(?:valide|validee|approuve|approuvee|signe|vote|arbitre)s? par (?:le |la |les |notre |"
    r"nos |"
    r"mon |ma |l')"
    r"|\b(?:approved|signed off|validated|signed) by (?:the |our |my )"
    r"|\b(?:directors|founders|partners|owners|associes|the board|le conseil) (?:have |has |ont |"
    r"a )?"
    r"(?:approved|signed off|decided|valide|approuve|decide)"
)

# The visitor prepares the decision for someone else.
_PREPARES = re.compile(
    r"\bje (?:dois|vais) (?:le |la |les |lui |leur )?(?:faire )?(?:valider|presenter|defendre|"
    r"soumettre|proposer)|\bje (?:presente|propose|monte le dossier|fais une short-?list|"
    r"prepare le dossier|redige|recommande|porte le sujet)|\bshort-?list pour|"
    r"\baupres de (?:mon|ma|notre|nos)|\bje dois (?:voir|valider) avec|\bmes recos"
    r"|\bi'?m (?:recommending|leading the evaluation|running the (?:process|evaluation)|"
    r"pulling together|putting together|the one evaluating)"
    r"|\bi(?:'d| would| will)? (?:put together|show it|present|recommend|push for|make the case)"
    r"|\bi run the process|\bmy recommendation|\bwhat i recommend|\bi need to (?:convince|get "
    r"approval|run it by|check with)|\bsign[- ]?off from"
)

# The visitor has no say at all.
_NO_SAY = re.compile(
    r"\bje fais juste|\bje ne fais que|\bje n'ai (?:aucun|pas de) (?:pouvoir|poids|"
    r"mot a dire|role)|\bje ne suis pas implique|\bjust (?:collecting|gathering|asking)|"
    r"\bi'?m just (?:collecting|gathering|an intern|helping|asking)|\bi have no say|"
    r"\bnot involved in the decision|\bjuste (?:un|une) (?:comparatif|liste|recherche)"
)

# A bare answer to "who decides?" that names the visitor, or to "who else takes part?" that
# names nobody else.
_ANSWER_SELF = re.compile(
    r"^(?:oui[ ,.!]+)?(?:moi|moi-meme|me|myself|i do|i will|just me|c'est moi|yes,? (?:me|i do)|"
    r"yes[ ,.!]+i'?m|personne(?! n)|nobody|no one|only me|juste moi|moi seul)\b"
)
_ANSWER_DONT_KNOW = re.compile(
    r"^(?:je ne sais pas|je sais pas|aucune idee|no idea|not sure|i don'?t know|pas sur)"
)


def authority_from_title(title: str) -> str:
    """What a job title alone suggests; `unknown` when it could be either."""
    if not title:
        return UNKNOWN
    if _TITLE_NO_AUTHORITY.search(title):
        return NO_AUTHORITY
    if _TITLE_VICE.search(title):
        return UNKNOWN
    if _TITLE_DECIDES.search(title.strip()):
        return DECISION_MAKER
    return UNKNOWN


def authority_from_sentence(folded: str, *, answers_who_decides: bool) -> str | None:
    """What one sentence says about the visitor's say in the decision, or None."""
    denied = _SELF_DENIED.search(folded)
    if _NO_SAY.search(folded):
        return NO_AUTHORITY
    if not denied and _SELF_DECIDES.search(folded):
        return DECISION_MAKER
    if answers_who_decides and not denied and _ANSWER_SELF.match(folded):
        return DECISION_MAKER
    if denied or _OTHER_DECIDES.search(folded) or _PREPARES.search(folded):
        return INFLUENCER
    if answers_who_decides and not _ANSWER_DONT_KNOW.match(folded) and len(folded) > 2:
        # "our GM", "ma directrice commerciale": someone else, named in answer to the question.
        return INFLUENCER
    return None
