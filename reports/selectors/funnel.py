"""The form reports: views, starts and completions of each form, and one form's funnel (where
visitors leave, how long a completion takes, what its leads turned out to be, and from which
UTM source and campaign they came), over a period. Each figure is one aggregate in the
database, however many conversations the form has had; a report takes the same few queries
whatever the data.

A conversation counts in the period it started in. Its status tells the funnel where it is:
completed (every question and follow-up answered), abandoned (no turn for 30 minutes: it keeps
the key of the step it was waiting on, which is where the visitor left) or active (still
going, or not yet swept as abandoned).
"""

from dataclasses import dataclass, field

from django.db import connection

from forms_builder.models import Form, FormVersion, FormViewDay
from leads.models import (
    Conversation,
    ConversationStatus,
    Disqualification,
    Lead,
    QualificationStatus,
)
from leads.qualification.followups import STEP_KEY_PREFIX
from reports.forms import Period

CONVERSATIONS = Conversation._meta.db_table
LEADS = Lead._meta.db_table
VIEW_DAYS = FormViewDay._meta.db_table
FORMS = Form._meta.db_table

# The discovery follow-ups are one stage of the funnel, after the form's own questions.
FOLLOWUPS = "followups"
FOLLOWUPS_LABEL = "Discovery follow-ups (after the form's questions)"

# UTM rows shown on a form's report; the biggest sources first.
UTM_ROWS = 50

NOT_QUALIFIED = "not_qualified"
QUALIFICATION_LABELS = {
    QualificationStatus.SQL: "SQL",
    QualificationStatus.MQL: "MQL",
    QualificationStatus.DISQUALIFIED: "Disqualified",
    NOT_QUALIFIED: "Not qualified yet",
}


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _rows(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


# --- Every form ------------------------------------------------------------------------------


@dataclass(frozen=True)
class FormSummary:
    form_id: int
    name: str
    status: str
    views: int
    starts: int
    completions: int

    @property
    def completion_rate(self) -> float | None:
        return _rate(self.completions, self.starts)


def forms_summary(*, period: Period) -> list[FormSummary]:
    """Every form ever published, by name, with its views, starts and completions in the
    period. One query."""
    # Only table names are formatted in; every value is a parameter.
    sql = f"""
        SELECT f.id, f.name, f.status, COALESCE(v.views, 0), COALESCE(c.starts, 0),
               COALESCE(c.completions, 0)
        FROM {FORMS} f
        LEFT JOIN (
            SELECT form_id, SUM(views) AS views FROM {VIEW_DAYS}
            WHERE day >= %s AND day <= %s GROUP BY form_id
        ) v ON v.form_id = f.id
        LEFT JOIN (
            SELECT form_id, COUNT(*) AS starts,
                   COUNT(*) FILTER (WHERE status = %s) AS completions
            FROM {CONVERSATIONS} WHERE started_at >= %s AND started_at < %s GROUP BY form_id
        ) c ON c.form_id = f.id
        WHERE f.published_version_id IS NOT NULL
        ORDER BY f.name, f.id
    """  # noqa: S608
    params = [
        period.first_day,
        period.last_day,
        ConversationStatus.COMPLETED,
        period.start,
        period.end,
    ]
    return [FormSummary(*row) for row in _rows(sql, params)]


# --- One form --------------------------------------------------------------------------------


@dataclass(frozen=True)
class StepStage:
    """One question of the form (or the follow-ups) as a stage of the funnel."""

    key: str
    label: str
    # Its number in the form's current version; None for a question only older versions had,
    # and for the follow-ups.
    number: int | None
    answered: int
    # Abandoned while this question waited for an answer: where these visitors left.
    left: int
    # Still waiting for an answer here (conversations in progress).
    waiting: int

    @property
    def reached(self) -> int:
        return self.answered + self.left + self.waiting

    @property
    def drop_off_rate(self) -> float | None:
        """Of the visitors who reached this question, the share who left on it."""
        return _rate(self.left, self.reached)


@dataclass(frozen=True)
class SourceRow:
    source: str
    campaign: str
    starts: int
    completions: int
    qualified: int
    disqualified: int

    @property
    def completion_rate(self) -> float | None:
        return _rate(self.completions, self.starts)

    @property
    def qualified_rate(self) -> float | None:
        return _rate(self.qualified, self.starts)


@dataclass(frozen=True)
class Share:
    key: str
    label: str
    count: int
    rate: float | None


@dataclass
class FormFunnel:
    views: int = 0
    starts: int = 0
    completions: int = 0
    abandoned: int = 0
    active: int = 0
    median_completion_seconds: float | None = None
    steps: list[StepStage] = field(default_factory=list)
    leads: int = 0
    qualification: list[Share] = field(default_factory=list)
    disqualification: list[Share] = field(default_factory=list)
    sources: list[SourceRow] = field(default_factory=list)
    more_sources: bool = False

    @property
    def start_rate(self) -> float | None:
        """Of the views, the share that started a conversation."""
        return _rate(self.starts, self.views)

    @property
    def completion_rate(self) -> float | None:
        return _rate(self.completions, self.starts)


_SCOPE = "c.form_id = %s AND c.started_at >= %s AND c.started_at < %s"


def _scope_params(form: Form, period: Period) -> list:
    return [form.pk, period.start, period.end]


def _step_labels(form: Form) -> tuple[list[str], dict[str, str]]:
    """The keys of the current version's questions in order, and the prompt of every question
    any version of the form had (the newest wording first). One query."""
    definitions = FormVersion.objects.filter(form=form).order_by("-number")
    order, prompts = [], {}
    for number, definition in enumerate(definitions.values_list("definition", flat=True)):
        for step in definition.get("steps", []):
            if number == 0:
                order.append(step["key"])
            prompts.setdefault(step["key"], step.get("prompt", ""))
    return order, prompts


def _totals(funnel: FormFunnel, form: Form, period: Period, keys: list[str]) -> list[int]:
    """Views, the conversations by status, the median completion, and how many conversations
    answered each of `keys`, in one scan of the period's conversations (a key test per
    question and row: `answers ? key` finds it without reading the answer). Returns the
    answered counts, in the order of `keys`."""
    answered = "".join(", COUNT(*) FILTER (WHERE c.answers ? %s)" for _ in keys)
    sql = f"""
        SELECT
            (SELECT COALESCE(SUM(views), 0) FROM {VIEW_DAYS}
             WHERE form_id = %s AND day >= %s AND day <= %s),
            COUNT(*),
            COUNT(*) FILTER (WHERE c.status = %s),
            COUNT(*) FILTER (WHERE c.status = %s),
            COUNT(*) FILTER (WHERE c.status = %s),
            percentile_cont(0.5) WITHIN GROUP (
                ORDER BY EXTRACT(EPOCH FROM c.ended_at - c.started_at)
            ) FILTER (WHERE c.status = %s AND c.ended_at IS NOT NULL)
            {answered}
        FROM {CONVERSATIONS} c WHERE {_SCOPE}
    """  # noqa: S608
    completed = ConversationStatus.COMPLETED
    params = [form.pk, period.first_day, period.last_day, completed]
    params += [ConversationStatus.ABANDONED, ConversationStatus.ACTIVE, completed, *keys]
    (row,) = _rows(sql, params + _scope_params(form, period))
    views, funnel.starts, funnel.completions, funnel.abandoned, funnel.active, median = row[:6]
    funnel.views = int(views)
    funnel.median_completion_seconds = float(median) if median is not None else None
    return list(row[6:])


def _waiting(form: Form, period: Period) -> dict[str, tuple[int, int]]:
    """{step key: (left, waiting)}: the conversations abandoned on each question, and those
    still waiting on it; the follow-ups under FOLLOWUPS."""
    sql = f"""
        SELECT CASE WHEN left(c.current_step_key, %s) = %s THEN %s ELSE c.current_step_key END,
               COUNT(*) FILTER (WHERE c.status = %s), COUNT(*) FILTER (WHERE c.status <> %s)
        FROM {CONVERSATIONS} c
        WHERE {_SCOPE} AND c.status <> %s AND c.current_step_key <> ''
        GROUP BY 1
    """  # noqa: S608
    abandoned = ConversationStatus.ABANDONED
    params = [len(STEP_KEY_PREFIX), STEP_KEY_PREFIX, FOLLOWUPS, abandoned, abandoned]
    params += [*_scope_params(form, period), ConversationStatus.COMPLETED]
    return {key: (left, waiting) for key, left, waiting in _rows(sql, params)}


def _steps(funnel: FormFunnel, answered: dict[str, int], waiting, order, prompts) -> None:
    """Per question: how many answered it, left on it, wait on it; the current version's
    questions in order, then those only older versions asked. The follow-ups last, as one
    stage that every completed conversation went through (asked none or some)."""
    current = set(order)
    keys = order + [key for key in prompts if key not in current]
    for key in keys:
        left, still = waiting.get(key, (0, 0))
        if key not in current and not (answered.get(key) or left or still):
            continue  # an old question nobody met in the period
        number = order.index(key) + 1 if key in current else None
        label = prompts.get(key) or key
        funnel.steps.append(StepStage(key, label, number, answered.get(key, 0), left, still))
    left, still = waiting.get(FOLLOWUPS, (0, 0))
    funnel.steps.append(
        StepStage(FOLLOWUPS, FOLLOWUPS_LABEL, None, funnel.completions, left, still)
    )


def _qualification(funnel: FormFunnel, form: Form, period: Period) -> None:
    """What the leads of the period's conversations on this form turned out to be, each lead
    once. A lead an admin marked disqualified counts so before its status is recomputed."""
    sql = f"""
        SELECT l.qualification_status, l.disqualification, COUNT(*)
        FROM {LEADS} l
        WHERE EXISTS (SELECT 1 FROM {CONVERSATIONS} c WHERE c.lead_id = l.id AND {_SCOPE})
        GROUP BY 1, 2
    """  # noqa: S608
    statuses = dict.fromkeys(QUALIFICATION_LABELS, 0)
    reasons: dict[str, int] = {}
    for status, reason, count in _rows(sql, _scope_params(form, period)):
        if status == QualificationStatus.DISQUALIFIED or reason:
            statuses[QualificationStatus.DISQUALIFIED] += count
            reasons[reason or "unknown"] = reasons.get(reason or "unknown", 0) + count
        else:
            statuses[status or NOT_QUALIFIED] += count
    funnel.leads = sum(statuses.values())
    funnel.qualification = [
        Share(key, QUALIFICATION_LABELS[key], count, _rate(count, funnel.leads))
        for key, count in statuses.items()
    ]
    disqualified = statuses[QualificationStatus.DISQUALIFIED]
    funnel.disqualification = [
        Share(reason, _disqualification_label(reason), count, _rate(count, disqualified))
        for reason, count in sorted(reasons.items(), key=lambda item: (-item[1], item[0]))
    ]


def _disqualification_label(reason: str) -> str:
    if reason in Disqualification.values:
        return Disqualification(reason).label
    return "No reason given"


def _sources(funnel: FormFunnel, form: Form, period: Period) -> None:
    """Starts, completions and what their leads became, by UTM source and campaign (as the
    visitor's link gave them: blank when it gave none). The biggest UTM_ROWS groups."""
    sql = f"""
        SELECT COALESCE(c.utm ->> 'utm_source', ''), COALESCE(c.utm ->> 'utm_campaign', ''),
               COUNT(*), COUNT(*) FILTER (WHERE c.status = %s),
               COUNT(l.id) FILTER (WHERE l.qualification_status IN (%s, %s)
                                   AND l.disqualification = ''),
               COUNT(l.id) FILTER (WHERE l.qualification_status = %s
                                   OR l.disqualification <> '')
        FROM {CONVERSATIONS} c LEFT JOIN {LEADS} l ON l.id = c.lead_id
        WHERE {_SCOPE}
        GROUP BY 1, 2
        ORDER BY 3 DESC, 1, 2
        LIMIT %s
    """  # noqa: S608
    params = [ConversationStatus.COMPLETED, QualificationStatus.SQL, QualificationStatus.MQL]
    params += [QualificationStatus.DISQUALIFIED, *_scope_params(form, period), UTM_ROWS + 1]
    rows = [SourceRow(*row) for row in _rows(sql, params)]
    funnel.sources, funnel.more_sources = rows[:UTM_ROWS], len(rows) > UTM_ROWS


def form_funnel(*, form: Form, period: Period) -> FormFunnel:
    """The form's funnel over the period: five queries whatever the data."""
    funnel = FormFunnel()
    order, prompts = _step_labels(form)
    keys = list(prompts)
    answered = dict(zip(keys, _totals(funnel, form, period, keys), strict=True))
    _steps(funnel, answered, _waiting(form, period), order, prompts)
    _qualification(funnel, form, period)
    _sources(funnel, form, period)
    return funnel
