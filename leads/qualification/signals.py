"""Who is not a prospect (spam, student, job seeker, vendor, the merely curious) and whether there
is a need the offer can meet. Definitions in `shared/qualification/FORMAT.md`.

Each reason is a family of phrasings, not a list of cases: a link or a casino pitch is spam, "are
you hiring" is a job seeker, "a partnership with your company" is a vendor. A reason needs a
clear signal, because disqualifying a real buyer costs more than keeping a weak lead. Works on
folded text.
"""

import re

from leads.qualification.text import Sentence

SPAM = "spam"
STUDENT = "student"
JOB_SEEKER = "job_seeker"
VENDOR = "vendor"
CURIOUS = "curious"

# --- spam -------------------------------------------------------------------------------------

_LINK = re.compile(
    r"https?://|\bwww\.|\bbit\.ly|\btinyurl|\bgoo\.gl|\bt\.me/|"
    r"\b[a-z0-9-]+\.(?:top|xyz|click|win|bet|casino|loan|icu|buzz|rest|cam|ru|cn)\b"
)
_PROMO = re.compile(
    r"casino|free spins?|no deposit|jackpot|\bcrypto|bitcoin|forex|gagnez|gagner \d|"
    r"earn \$?\d|make money|cliquez ici|click here|offre limitee|limited offer|act now|"
    r"inscrivez[- ]vous maintenant|sign up now|reply yes|repondez oui|price list|backlinks?|"
    r"guest posts?|high da\b|(?:1st|first) page (?:of |on )?google|seo errors|whatsapp|telegram|"
    r"viagra|\bpret rapide|\bfast loan|\bweight loss|100% (?:legal|garanti|guaranteed)|"
    r"methode (?:100%|secrete)|travail a domicile|work from home|depuis chez vous|"
    r"par semaine depuis|dating|\bsexy\b|\bpromo code|code promo|rachat de credits?|"
    r"meilleur taux|sans frais de dossier|simulation gratuite|profitez[- ]en|gift card|claim now|"
    r"congratulations|felicitations|you have been selected|vous avez ete selectionne|"
    r"credit score|\bpayday loan|\bpromo -?\d+ ?%|-\d+ ?% aujourd'hui"
)
_GUARANTEE = re.compile(r"guaranteed|garanti|!!!|>>>|<<<|➡|👉|💰|🔥")
# Keyboard rows mashed: "qsdqsd", "fghjfghj", "asdf".
_MASH = re.compile(
    r"qsd|sdf|dfg|fgh|ghj|hjk|jkl|klm|wxc|xcv|cvb|vbn|bnm|zxc|qwe|asd|azer|poiu|mlkj"
)
_WORD = re.compile(r"[a-z]+")


def _nonsense_word(word: str) -> bool:
    if len(word) < 4:
        return False
    vowels = sum(c in "aeiouy" for c in word)
    return (
        vowels / len(word) < 0.2
        or re.search(r"(.)\1{3,}", word) is not None
        or (len(word) >= 5 and _MASH.search(word) is not None and vowels / len(word) < 0.35)
    )


def gibberish(folded_lines: list[str]) -> bool:
    """Every visitor message is keyboard mash or repeated letters."""
    lines_with_words = 0
    for line in folded_lines:
        words = _WORD.findall(line)
        if not words:
            continue
        lines_with_words += 1
        odd = sum(_nonsense_word(w) for w in words)
        if odd / len(words) < 0.5:
            return False
    return lines_with_words > 0


def spam_score(folded_lines: list[str], raw_lines: list[str]) -> int:
    text = " ".join(folded_lines)
    score = 0
    score += 2 * bool(_LINK.search(text))
    score += 2 * min(2, len(set(_PROMO.findall(text))))
    score += bool(_GUARANTEE.search(text))
    letters = [c for c in " ".join(raw_lines) if c.isalpha()]
    if len(letters) >= 15 and sum(c.isupper() for c in letters) / len(letters) > 0.6:
        score += 1  # shouting
    if len(raw_lines) >= 2 and len(set(raw_lines)) < len(raw_lines):
        score += 1  # a bot repeats itself
    return score


# --- students, job seekers, vendors, the curious ------------------------------------------------

_STUDENT = re.compile(
    r"\bje suis (?:en |un |une )?(?:etudiant|eleve|en (?:master|licence|bts|dut|but|m1|m2|"
    r"ecole|stage de fin))|\b(?:mes|nos) (?:recherches|etudes) (?:universitaires|scolaires)|"
    r"\bmon (?:enquete|questionnaire) (?:pour|de) (?:mon|ma)|\b(?:i'?m|i am) (?:a |"
    r"an )?(?:\w+ )?(?:\w+ )?(?:student|"
    r"undergrad|pupil)|\bstudent (?:at|in|from)\b|\b(?:mon|ma|notre) (?:memoire|these|rapport de "
    r"stage|projet (?:de fin d'etudes|scolaire|etudiant|tutore)|expose|devoir)|\bpour (?:mon|ma|"
    r"notre) (?:memoire|these|cours|ecole|fac|universite|master)|\b(?:my|our) (?:thesis|"
    r"dissertation|homework|assignment|class project|school project|group project|coursework|"
    r"capstone)|\bfor (?:my |a |our )?(?:class|school|university|uni|college|course)\b|"
    r"\bgroup project|\bour grade|\bmy grade|\bstage (?:de fin d'etudes|de \d+ mois|"
    r"d'\w+ mois)|\b(?:je (?:re)?cherche|a la recherche d') (?:un |une )?(?:stage|alternance|"
    r"apprentissage)|\blooking for (?:an? |my )?(?:\w+ )?(?:internship|placement|work placement|"
    r"apprenticeship)|\binternships?\b"
)
_JOB_SEEKER = re.compile(
    r"\b(?:vous|tu) (?:recrutez|embauchez|recrute|embauche)|\best-ce que vous (?:recrutez|"
    r"embauchez)|\bje (?:re)?cherche (?:un |une |du )?(?:poste|emploi|job|travail|cdi|cdd|"
    r"mission|nouveau poste|nouvel emploi)|\ben recherche d'emploi|\bmon cv\b|\bma candidature|"
    r"\bpostuler|\bcandidature spontanee|\boffres? d'emploi|\bpostes? (?:a pourvoir|ouverts?)|"
    r"\ba la recherche d'(?:un |une )?(?:nouveau |nouvel |nouvelle )?(?:poste|emploi|job|travail|"
    r"cdi|cdd|mission|opportunite)|\bvous avez des (?:missions|postes|offres)|"
    r"\blooking for (?:work|a job|employment)|\b(?:i'?m|i am) (?:currently )?(?:unemployed|"
    r"between jobs|job hunting)|\b(?:trouver|find)(?: me)? (?:un |une |a )?(?:nouvel |nouveau |"
    r"nouvelle |new )?(?:emploi|poste|job|travail|role|position)\b|\b(?:j'aimerais|je voudrais|"
    r"je veux|je souhaite|i'?d like to|i want to) (?:changer de (?:boite|job|poste|travail|"
    r"employeur)|change (?:jobs|employers|companies))|"
    r"\bare you (?:currently )?hiring|\b(?:any|have) (?:job )?openings|\blooking for (?:a |my "
    r"next |an? new )?(?:full[- ]time |part[- ]time |new )?(?:job|role|position|opportunity)|"
    r"\bmy (?:cv|resume|resumé)\b|\bsend (?:you )?(?:my|a) (?:cv|resume)|\bopen to relocation|"
    r"\bi was (?:laid off|let go)|\bjob (?:search|hunting)|\bapply for a (?:job|position|role)|"
    r"\bopen positions?|\bvacanc(?:y|ies)"
)
_VENDOR_STRONG = re.compile(
    r"\bpartenariat|\bpartnership|\bdevenir (?:votre|vos) (?:partenaire|fournisseur|prestataire|"
    r"sous-traitant)|\bbecome your (?:\w+ )?(?:partner|supplier|vendor|provider)|"
    r"\bsous-trait\w* (?:vos|chez nous)|\bvos projets chez nous|"
    r"\boutsource (?:your|to us)|\brate card|\bgrille tarifaire|\bplaquette commerciale|"
    r"\bpour des \w+ comme (?:vous|la votre)|\b(?:vous )?presenter (?:notre|nos) (?:offre|"
    r"solution|service|societe|agence|entreprise)|\b(?:present|introduce) (?:you )?(?:to )?our "
    r"(?:offer|solution|services|company|agency)|\byour (?:customers|clients|users) (?:could|"
    r"would|can)|\bdevenir (?:revendeur|distributeur|apporteur d'affaires)|\bbecome an? "
    r"(?:authori[sz]ed )?(?:reseller|distributor|affiliate)|\b(?:proposer|revendre|distribuer) "
    r"votre (?:logiciel|solution|produit|offre)|\b(?:resell|distribute) your|\byour (?:website|"
    r"site) (?:looks|is|has|could)|\bwe'?re an? [\w ]{0,25}agency and (?:can|could)|"
    r"\bshow you (?:some|our) (?:mockups|work|portfolio|case studies)|\bfor (?:\w+ )?(?:companies|"
    r"businesses|vendors|"
    r"agencies|firms|teams) like (?:you|yours)|\byour customers would|\bvos clients (?:pourraient|"
    r"auraient|gagneraient)|\b(?:transmettre|faire suivre|faire passer) a (?:votre|vos)|"
    r"\b(?:forward|pass) (?:this|it|my message) (?:on )?to (?:your|the right)|"
    r"\bagence de prospection|\ben regie\b|\bwe(?:'d| would) (?:like|love) to (?:work with|"
    r"partner|offer you|become)|\b(?:plug|integrate) into your|\baugmenter votre (?:marge|ca|"
    r"chiffre)|\bgrow your (?:revenue|margin|business)|\bwhite[- ]label our|\bresell"
)
_VENDOR_WEAK = re.compile(
    r"\bnous (?:proposons|offrons|fournissons|accompagnons les|aidons (?:les )?\w+)|"
    r"\b(?:integration|partner(?:ship)?|business) opportunit|\bsynergi|"
    r"\bwe run an? (?:\w+ )?(?:marketplace|agency|platform|network)|\bon propose\b|\bwe (?:offer|"
    r"provide|sell|supply|help \w+ (?:practices|companies|agencies|firms|businesses))|"
    r"\bnos (?:services|developpeurs|consultants|solutions|experts|equipes)|\bour (?:team|api|"
    r"platform|services|solution|offshore|agency|product|tool)|\bnous sommes une (?:agence|"
    r"societe|entreprise)|\bwe are an? (?:agency|company|firm)|\bun test d'un mois|"
    r"\bfree trial of our|"
    r"\b\d+ min(?:utes)? (?:this|next) week|\bdemo of our|\bvotre directeur commercial|"
    r"\byour (?:sales|marketing) (?:team|director)|\bqui puis-je contacter|\bwho (?:can|should) "
    r"i (?:talk|speak|reach out) to|\bbook a (?:quick )?call|\bnous distribuons|\bwe distribute"
)
# "aucun projet", "no plans to buy": said outright.
_NO_PROJECT = re.compile(
    r"\b(?:pas|aucun|sans) (?:de )?(?:projet|besoin)(?! (?:de (?:stage|these|memoire)))|"
    r"\brien de (?:prevu|planifie|concret)|\bno (?:project|plans?|need)\b|\bnot (?:planning|"
    r"looking) to (?:buy|purchase|change|switch|invest)|\bno plans? to (?:buy|purchase|change)|"
    r"\bnothing planned|\bn'(?:avons|ai|a) (?:aucun|pas de) (?:projet|besoin)|"
    r"\bpas l'intention d'(?:acheter|investir|changer)|\bwe (?:don'?t|do not) (?:need|plan)|"
    r"\bnot (?:a|any) project|\bno (?:current )?(?:requirement|use case)"
)
_CURIOSITY = re.compile(
    r"\bpar (?:simple )?curiosite|\bjuste (?:curieu|pour voir|regarder|jeter un oeil)|"
    r"\bje regarde (?:juste|simplement|par)|\bsimple curiosite|\bje fais de la veille|"
    r"\bjust (?:curious|browsing|looking|wondering|exploring)|\bout of curiosity|"
    r"\bi'?m (?:just )?curious|\bwriting (?:a|an) (?:report|article|paper|blog post|book)|"
    r"\b(?:un|mon) (?:article|rapport|livre|podcast) sur|\bacademic|\bresearch (?:project|paper)|"
    r"\bfor (?:a|my|our) (?:report|article|paper|study)|\bjust want to understand|"
    r"\bje veux juste comprendre"
)
# An answer that is only "non" / "no" / "aucun" to "do you have a project?"
_BARE_NO = re.compile(r"^(?:non|no|nope|aucun|aucune|pas du tout|not at all|not really)\b[ .!,]*$")

# What they tell the form to refuse the offer: "non c'est pour mon mémoire", "no, just for myself".
_NOT_FOR_A_COMPANY = re.compile(
    r"\bjust for (?:myself|me)|\bpour moi(?:-meme)?\b|\bpersonal (?:project|interest)"
)


def disqualification(
    sentences: list[Sentence],
    raw_visitor_lines: list[str],
    folded_visitor_lines: list[str],
    job_title: str,
    *,
    has_buying_signal: bool,
) -> tuple[str | None, list[Sentence]]:
    """The reason (or None) and the sentences it rests on."""
    if gibberish(folded_visitor_lines):
        return SPAM, sentences[:2]
    if spam_score(folded_visitor_lines, raw_visitor_lines) >= 3:
        hits = [s for s in sentences if _LINK.search(s.folded) or _PROMO.search(s.folded)]
        return SPAM, hits[:2] or sentences[:1]

    # One pitch phrase may be a buyer's turn of speech; two, or one with a sales line, is a pitch.
    strong = {m.group(0) for s in sentences for m in _VENDOR_STRONG.finditer(s.folded)}
    weak = {m.group(0) for s in sentences for m in _VENDOR_WEAK.finditer(s.folded)}
    if 2 * len(strong) + min(len(weak), 2) >= 3:
        pitch = [s for s in sentences if _VENDOR_STRONG.search(s.folded)]
        return VENDOR, (pitch + [s for s in sentences if _VENDOR_WEAK.search(s.folded)])[:2]

    student = [s for s in sentences if _STUDENT.search(s.folded)]
    job = [s for s in sentences if _JOB_SEEKER.search(s.folded)]
    title_student = re.search(r"\b(?:etudiant|student|eleve)", job_title) is not None
    internship = [
        s
        for s in student
        if re.search(
            r"stage|internship|alternance|placement|"
            r"apprentissage|apprenticeship",
            s.folded,
        )
    ]
    # An intern or apprentice asked by their manager speaks for a company: a prospect.
    for_a_company = any(_ON_BEHALF.search(s.folded) for s in sentences)
    if (internship or (student and not job)) and not for_a_company:
        return STUDENT, (internship or student)[:2]
    if job:
        return JOB_SEEKER, job[:2]
    if title_student and not has_buying_signal and not for_a_company:
        return STUDENT, sentences[:1]

    no_project = [
        s
        for s in sentences
        if _NO_PROJECT.search(s.folded) or (s.answers("project") and _BARE_NO.match(s.folded))
    ]
    curious = [s for s in sentences if _CURIOSITY.search(s.folded)]
    if (no_project and (curious or not has_buying_signal)) or (curious and not has_buying_signal):
        return CURIOUS, (no_project + curious)[:2]
    if any(_NOT_FOR_A_COMPANY.search(s.folded) for s in sentences) and not has_buying_signal:
        return CURIOUS, sentences[:1]
    return None, []


_ON_BEHALF = re.compile(
    r"\b(?:mon|ma|notre) (?:manager|responsable|patron(?:ne)?|chef|directeur|directrice|tuteur|"
    r"tutrice|n\+1|dg|boss) m'a (?:demande|charge)|\bmy (?:manager|boss|director|supervisor|"
    r"team lead|cfo|ceo) (?:asked|wants|told) me|\bon behalf of (?:my|our) (?:company|employer)|"
    r"\bpour (?:mon|notre) (?:entreprise|employeur|service)"
)


# --- need ---------------------------------------------------------------------------------------

# A problem, a pain or an intent to buy what such an offer sells.
_NEED = re.compile(
    # French: pains
    r"\bperd(?:s|ons|ent|u)?\b|\bperte|temps fou|\benfer\b|galere|cauchemar|trop de temps|"
    r"prend trop|(?:ne|n') ?(?:suit|tient|marche|fonctionne|repond) plus|\bon suit plus|"
    r"plus (?:mis a jour|maintenu|supporte)|arrete le produit|\berreurs?\b|\bretards?\b|oubli|"
    r"a la main|sur excel|sur papier|post-it|\bcahier\b|google sheet|tableur|ressaisi|mecontent|"
    r"stagne|personne ne|n'arrive (?:pas|jamais)|\bprobleme|\bsouci|difficult|\brisque|"
    r"ransomware|attaque|piratage|faux mail|phishing|failli|tentative|exige|obligatoire|"
    r"reglementaire|\bmanque|pas assez|insuffisant|bordel|chaos|\bgaspill|\bdebord|"
    r"part a la retraite|\bferme\b|ne sera plus|n'aboutissent pas|\bclose?r? \d|"
    # French: intents
    r"\bbesoin\b|\bon doit\b|\bnous devons|\bil (?:nous )?faut|\bje dois (?:changer|former|"
    r"trouver|remplacer)|\bon veut\b|\bnous voulons|\bnous souhaitons|\bje souhaite|"
    r"\bremplacer|\bchanger de|\bexternaliser|\bformer\b|\bmettre en place|cahier des charges|"
    r"\bconsultation\b|appel d'offres|\bpanel\b|\bbenchmark|\bdigitalis|\bautomatis|"
    r"\bpasser (?:a|sur) un|\bequiper|\bun outil pour|\bune solution (?:pour|de)|"
    # English: pains
    r"\bmess\b|\bmessy|chaos|nightmare|\bpain(?:ful)?\b|\bwast(?:e|ing)|too much time|"
    r"takes forever|\bcrash|\bbreaks?\b|\bbroken|\bdown for\b|\bmissed|\berrors?\b|mistakes|"
    r"delays?\b|\blate\b|dropped|\bdrop\b|\blost\b|\blosing|can'?t (?:handle|keep up|scale)|"
    r"cannot handle|doesn'?t scale|shutting down|discontinu|retiring|(?:no one|nobody) knows|"
    r"by hand|manual(?:ly)?\b|spreadsheets?|whiteboards?|on paper|flagged|\baudit\b|"
    r"compliance|\brequires?\b|wants? (?:a|proper|an)\b|struggl|\bproblems?\b|\bissues?\b|"
    r"not working|tripled|doubled|stagnat|almost no|attrition|\brfi\b|\brfp\b|tender|"
    r"have nothing|no (?:process|system|tool)\b|workarounds?|churn|complain|\bslow\b|"
    r"(?:has|have) never|bottleneck|overwhelm|behind on|\bno-shows?|\bbooks are|\bburn|"
    # English: intents
    r"\bwe need|\bneed (?:a|an|to|help|someone|proper|real)\b|\bneeds? to\b|\blooking for (?:a|"
    r"an)\b|"
    r"\blooking to\b|\breplac|\bswitch(?:ing)?\b|\bmove (?:\w+ )?off|\bwant to (?:fix|improve|"
    r"automate|move|replace|outsource|start|set up|get)|\bwe'?re (?:onboarding|promoting|"
    r"hiring|growing|launching|migrating)|\bset up\b|\bimplement|\boutsourc|\btrain(?:ing)? "
    r"(?:our|the|\d+)|\bevaluat|\bshortlist|\bfigure out|\bfix it\b"
)
# The offer cannot help: the form said so ("we don't run transport", "pas de dépannage").
_OFFER_REFUSES = re.compile(
    r"\bnous ne (?:faisons|proposons|realisons|vendons|sommes|gerons|traitons) pas|"
    r"\bne (?:faisons|proposons|realisons|vendons) pas|"
    r"\b(?:nous|on) (?:realisons|faisons|proposons|vendons|sommes)\b[^.]{0,80}, pas (?:de |d'|du )|"
    r"\bce n'est pas notre (?:metier|activite|offre)|\bhors (?:de notre|du) (?:perimetre|champ)|"
    r"\bwe (?:don'?t|do not) (?:do|offer|provide|run|sell|handle|cover)|\bunfortunately not\b|"
    r"\bmalheureusement (?:non|pas)|\bnot something we (?:do|offer)|\boutside (?:of )?(?:our|the) "
    r"scope|\bwe only (?:do|offer|provide)|\bnous (?:ne )?(?:faisons|proposons) (?:uniquement|que)"
)
# Still interested after hearing it: "oui, justement...", "yes, actually we also..."
_STILL_INTERESTED = re.compile(
    r"^(?:oui|yes|yeah|ok (?:then|alors)|d'accord,? (?:alors|on))\b"
    r"(?!.*(?:dommage|too bad|shame))"
)


# Asking the price is not stating a need.
_PRICE_ONLY = re.compile(
    r"\b(?:tarifs?|prix|combien|how much|price|pricing|cost|devis|quote|essai|trial|demo)\b"
)
# The form's opening: "Qu'est-ce qui vous amène ?", "What brings you here?", "How can we help?",
# and the follow-up asking what exactly is wrong (leads/qualification/followups.py).
_OPENING = re.compile(
    r"amene|brings you|\bhelp\b|aider|projet|project|probleme|problem|going on|se passe|"
    r"can we do|puis-je faire|looking for|recherchez|cherchez|ne va pas|coince|\bwrong\b|"
    r"not working"
)
SUBSTANTIVE_WORDS = 7


def need_sentences(sentences: list[Sentence]) -> list[Sentence]:
    """Sentences that state a problem or an intent the offer could serve.

    Besides the vocabulary of pains and intents, a visitor who answers the form's opening with a
    real statement (a sentence of some length, not a price question) has told us why they came.
    """
    found = []
    for s in sentences:
        if _NO_PROJECT.search(s.folded):
            continue
        if _NEED.search(s.folded):
            found.append(s)
            continue
        opening = s.message_index <= 1 or bool(_OPENING.search(s.question))
        if (
            opening
            and not s.text.rstrip().endswith("?")
            and len(s.folded.split()) >= SUBSTANTIVE_WORDS
            and not _PRICE_ONLY.search(s.folded)
        ):
            found.append(s)
    return found


def offer_cannot_help(
    assistant_lines: list[str], sentences: list[Sentence], messages: list[dict]
) -> bool:
    """The form told the visitor the offer does not cover their request, and they did not come
    back with something it does."""
    from leads.qualification.text import fold

    refused_at = None
    for index, message in enumerate(messages):
        if message.get("role") == "visitor":
            continue
        if _OFFER_REFUSES.search(fold(message.get("text") or "")):
            refused_at = index
    if refused_at is None:
        return False
    after = [s for s in sentences if s.message_index > refused_at and s.first_in_answer]
    return not any(_STILL_INTERESTED.match(s.folded) for s in after)
