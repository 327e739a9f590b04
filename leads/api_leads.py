"""Leads in the REST API (/api/v1/leads/): the list (the call queue, or oldest change first for an
incremental sync), one lead with everything sales see of it, its assignee and custom fields, and
its outcomes. Leads hidden past the plan's limits answer 404, as missing ones do."""

from django.db import transaction
from django.http import Http404
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import (
    IDEMPOTENCY_KEY_PARAMETER,
    PageQuerySerializer,
    StrictSerializer,
    api_page,
    idempotent,
    page_response,
    page_serializer,
    query_read,
)
from leads.api_conversations import ID_MAX, ConversationDetailSerializer
from leads.api_selectors import (
    lead_api_get,
    lead_api_rows,
    lead_qualification_facts,
    member_id_by_email,
    visible_lead_get,
)
from leads.models import (
    Authority,
    Band,
    BudgetPeriod,
    BudgetStatus,
    Disqualification,
    Lead,
    LeadOutcome,
    LeadScoreItem,
    LostReason,
    Need,
    Outcome,
    Timing,
)
from leads.pagination import Keyset
from leads.selectors import (
    LEAD_LIST_ORDERS,
    NO_OUTCOME,
    QUALIFICATION_FILTERS,
    UNASSIGNED,
)
from leads.services.leads import lead_custom_fields_update
from leads.services.sales import lead_assign, lead_outcome_record
from leads.sla import TimerState, lead_timer
from tenants.models import User

OUTCOME_ORDER = Keyset("outcomes", ("id",), ascending=True)
API_ORDERS = {
    "priority": "The call queue: who to call first (the default).",
    "updated": "Oldest change first, for an incremental sync with updated_since.",
}


API_ACTOR_PREFIX = "api:"


def api_actor(request) -> str:
    """Who did it, on the lead's timeline, when an API key did: "api:<key name>"."""
    return f"{API_ACTOR_PREFIX}{request.auth.name}"


# anyOf, not oneOf: a key may be named like an address ("api:sync@crm"), and match both.
@extend_schema_field(
    {
        "anyOf": [
            {"type": "string", "format": "email", "minLength": 1},
            {"type": "string", "pattern": f"^{API_ACTOR_PREFIX}"},
            {"type": "string", "maxLength": 0},
        ],
        "maxLength": 254,
    }
)
class ActorField(serializers.CharField):
    """Who did it: a member's e-mail, "api:<key name>" when an API key did, or empty when
    nobody did (a system change)."""


# --- Output ----------------------------------------------------------------------------------


class TimerSerializer(serializers.Serializer):
    state = serializers.ChoiceField(
        choices=[
            TimerState.MET,
            TimerState.LATE,
            TimerState.WAITING,
            TimerState.OVERDUE,
            TimerState.NONE,
        ]
    )
    text = serializers.CharField(help_text='As the inbox shows it: "due in 37 min".')
    due_at = serializers.DateTimeField(allow_null=True)
    waited_seconds = serializers.IntegerField()

    class Meta:
        ref_name = "SpeedToLeadTimer"


class LeadSerializer(serializers.ModelSerializer):
    qualification = serializers.SerializerMethodField(
        help_text="sql, mql, disqualified, or null before the first qualification."
    )
    assignee = serializers.EmailField(
        source="assignee_email", allow_null=True, help_text="The member who calls the lead."
    )
    outcome = serializers.ChoiceField(
        choices=Outcome.choices, allow_null=True, help_text="The latest outcome recorded."
    )
    timer = serializers.SerializerMethodField()
    custom_fields = serializers.DictField(
        child=serializers.JSONField(), help_text="Names to strings, numbers or booleans."
    )

    class Meta:
        model = Lead
        fields = [
            "id",
            "email",
            "full_name",
            "company",
            "job_title",
            "company_size",
            "phone",
            "country",
            "qualification",
            "band",
            "priority",
            "score",
            "timer",
            "first_contacted_at",
            "assignee",
            "outcome",
            "custom_fields",
            "created_at",
            "updated_at",
            "last_activity_at",
        ]
        ref_name = "Lead"

    def to_representation(self, lead):
        data = super().to_representation(lead)
        data["outcome"] = lead.outcome or None
        return data

    @extend_schema_field(
        serializers.ChoiceField(choices=["sql", "mql", "disqualified"], allow_null=True)
    )
    def get_qualification(self, lead):
        if lead.disqualification:
            return "disqualified"
        return lead.qualification_status or None

    @extend_schema_field(TimerSerializer)
    def get_timer(self, lead):
        timer = lead_timer(lead, now=self.context.get("now") or timezone.now())
        return {
            "state": timer.state,
            "text": timer.text,
            "due_at": timer.due_at,
            "waited_seconds": int(timer.waited.total_seconds()),
        }


class BoxSerializer(serializers.Serializer):
    confidence = serializers.FloatField(allow_null=True, help_text="The engine's, 0 to 1.")
    evidence = serializers.ListField(
        child=serializers.CharField(), help_text="The visitor's own sentences."
    )
    corrected = serializers.BooleanField(help_text="An admin corrected the value.")


class BudgetBoxSerializer(BoxSerializer):
    value = serializers.ChoiceField(choices=BudgetStatus.choices)
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    currency = serializers.CharField(allow_null=True)
    period = serializers.ChoiceField(choices=BudgetPeriod.choices, allow_null=True)

    class Meta:
        ref_name = "BudgetBox"


def _box_serializer(name: str, choices):
    return type(
        f"{name}BoxSerializer",
        (BoxSerializer,),
        {
            "value": serializers.ChoiceField(choices=choices),
            "Meta": type("Meta", (), {"ref_name": f"{name}Box"}),
        },
    )


class BriefSerializer(serializers.Serializer):
    problem = serializers.CharField(allow_blank=True)
    impact = serializers.CharField(allow_blank=True)
    stakes = serializers.CharField(allow_blank=True)
    timeline = serializers.CharField(allow_blank=True)

    class Meta:
        ref_name = "Brief"


class QualificationSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["sql", "mql", "disqualified"])
    disqualification = serializers.ChoiceField(choices=Disqualification.choices, allow_null=True)
    disqualification_reason = serializers.CharField(allow_blank=True)
    budget = BudgetBoxSerializer()
    authority = _box_serializer("Authority", Authority.choices)()
    need = _box_serializer("Need", Need.choices)()
    timing = _box_serializer("Timing", Timing.choices)()
    brief = BriefSerializer()
    engine = serializers.CharField(allow_blank=True)
    qualified_at = serializers.DateTimeField(allow_null=True)

    class Meta:
        ref_name = "Qualification"


class ScoreItemSerializer(serializers.ModelSerializer):
    rule = serializers.CharField(source="rule.name")

    class Meta:
        model = LeadScoreItem
        fields = ["rule_id", "rule", "points", "reason", "occurred_at"]
        ref_name = "ScoreItem"


class OutcomeSerializer(serializers.ModelSerializer):
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    recorded_by_email = ActorField(
        read_only=True,
        help_text='The member\'s e-mail, or "api:<key name>" when an API key recorded it.',
    )

    class Meta:
        model = LeadOutcome
        fields = [
            "id",
            "kind",
            "amount",
            "currency",
            "lost_reason",
            "note",
            "recorded_by_email",
            "created_at",
        ]
        ref_name = "Outcome"


class LeadDetailSerializer(LeadSerializer):
    qualification_detail = serializers.SerializerMethodField()
    score_breakdown = ScoreItemSerializer(source="score_items", many=True)
    outcomes = OutcomeSerializer(many=True)
    conversations = ConversationDetailSerializer(many=True, help_text="Newest first.")

    class Meta(LeadSerializer.Meta):
        fields = [
            *LeadSerializer.Meta.fields,
            "qualification_detail",
            "score_breakdown",
            "outcomes",
            "conversations",
        ]
        ref_name = "LeadDetail"

    @extend_schema_field(QualificationSerializer(allow_null=True))
    def get_qualification_detail(self, lead):
        facts = lead_qualification_facts(lead)
        return QualificationSerializer(facts).data if facts else None


def _lead_or_404(lead_id: int):
    lead = lead_api_get(lead_id=lead_id)
    if lead is None:
        raise Http404("No such lead.")
    return lead


# --- Endpoints -------------------------------------------------------------------------------


class LeadListApi(APIView):
    """GET /api/v1/leads/: the workspace's visible leads, filtered, in cursor pages."""

    class QuerySerializer(PageQuerySerializer):
        qualification = serializers.ChoiceField(
            choices=list(QUALIFICATION_FILTERS), required=False, help_text="none: not yet."
        )
        band = serializers.ChoiceField(choices=Band.choices, required=False)
        form = serializers.IntegerField(
            required=False, min_value=1, max_value=ID_MAX, help_text="Talked to this form."
        )
        assignee = serializers.CharField(
            required=False, max_length=254, help_text="A member's e-mail, or none."
        )
        outcome = serializers.ChoiceField(
            choices=[*Outcome.values, NO_OUTCOME], required=False, help_text="The latest one."
        )
        updated_since = serializers.DateTimeField(
            required=False, help_text="Changed at or after this time (ISO 8601)."
        )
        order = serializers.ChoiceField(choices=list(API_ORDERS.items()), default="priority")

        class Meta:
            ref_name = "LeadListQuery"

        def validate_assignee(self, value):
            if value == UNASSIGNED:
                return UNASSIGNED
            member_id = member_id_by_email(workspace=self.context["workspace"], email=value)
            if member_id is None:
                raise serializers.ValidationError("No member of this workspace has this e-mail.")
            return member_id

    @extend_schema(
        operation_id="leads_list",
        parameters=[QuerySerializer],
        responses={200: page_serializer("LeadPage", LeadSerializer)},
        tags=["leads"],
    )
    def get(self, request):
        serializer = self.QuerySerializer(
            data=request.query_params.dict(), context={"workspace": request.tenant}
        )
        serializer.is_valid(raise_exception=True)
        query = serializer.validated_data
        filters = {
            "qualification": query.get("qualification"),
            "band": query.get("band"),
            "form_id": query.get("form"),
            "assignee": query.get("assignee"),
            "outcome": query.get("outcome"),
            "updated_since": query.get("updated_since"),
        }
        leads = lead_api_rows(filters=filters, order=query["order"])
        page = api_page(leads, keyset=LEAD_LIST_ORDERS[query["order"]], query=query)
        return page_response(page, LeadSerializer, now=timezone.now())


class LeadDetailApi(APIView):
    """GET /api/v1/leads/{id}/: everything sales see of a lead. PATCH: its assignee and
    custom fields."""

    class UpdateSerializer(StrictSerializer):
        assignee = serializers.EmailField(
            required=False,
            allow_null=True,
            max_length=254,
            help_text="A member's e-mail, or null for nobody.",
        )
        custom_fields = serializers.DictField(
            required=False,
            child=serializers.JSONField(allow_null=True),
            help_text="Merged in: each name set to its value (a string, number or boolean), "
            "a name set to null removed. At most 50 names of 40 characters, texts of 500.",
        )

        class Meta:
            ref_name = "LeadUpdate"

    @extend_schema(operation_id="leads_read", responses={200: LeadDetailSerializer}, tags=["leads"])
    def get(self, request, lead_id: int):
        lead = _lead_or_404(lead_id)
        return Response(LeadDetailSerializer(lead, context={"now": timezone.now()}).data)

    @extend_schema(
        operation_id="leads_update",
        request=UpdateSerializer,
        responses={200: LeadDetailSerializer},
        tags=["leads"],
    )
    def patch(self, request, lead_id: int):
        lead = visible_lead_get(lead_id=lead_id)
        if lead is None:
            raise Http404("No such lead.")
        serializer = self.UpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        # All of the update or none of it: custom fields refused after the assignee was set
        # must not leave the lead assigned (its side effects wait for the commit).
        with transaction.atomic():
            if "assignee" in data:
                assignee = None
                if data["assignee"] is not None:
                    member_id = member_id_by_email(workspace=request.tenant, email=data["assignee"])
                    if member_id is None:
                        raise serializers.ValidationError(
                            {"assignee": "No member of this workspace has this e-mail."}
                        )
                    assignee = User.objects.get(pk=member_id)
                lead_assign(lead=lead, assignee=assignee, by=None, by_email=api_actor(request))
            if "custom_fields" in data:
                lead_custom_fields_update(lead=lead, changes=data["custom_fields"])
        return self.get(request, lead_id)


class LeadOutcomesApi(APIView):
    """GET /api/v1/leads/{id}/outcomes/: what came of the lead, oldest first. POST: record one,
    with the rules of the lead page (a won deal has its amount, a lost one its reason)."""

    class CreateSerializer(StrictSerializer):
        kind = serializers.ChoiceField(choices=Outcome.choices)
        amount = serializers.DecimalField(
            max_digits=14,
            decimal_places=2,
            required=False,
            allow_null=True,
            help_text="A won deal's amount, above zero.",
        )
        currency = serializers.CharField(
            required=False,
            allow_blank=True,
            max_length=3,
            default="",
            help_text="A won deal's: an ISO 4217 code, such as EUR (in any case).",
        )
        lost_reason = serializers.ChoiceField(
            choices=LostReason.choices, required=False, default="", allow_blank=True
        )
        note = serializers.CharField(required=False, max_length=500, default="", allow_blank=True)

        class Meta:
            ref_name = "OutcomeCreate"

    @extend_schema(
        operation_id="leads_outcomes_list",
        parameters=[PageQuerySerializer],
        responses={200: page_serializer("OutcomePage", OutcomeSerializer)},
        tags=["leads"],
    )
    def get(self, request, lead_id: int):
        lead = visible_lead_get(lead_id=lead_id)
        if lead is None:
            raise Http404("No such lead.")
        query = query_read(PageQuerySerializer, request)
        page = api_page(LeadOutcome.objects.filter(lead=lead), keyset=OUTCOME_ORDER, query=query)
        return page_response(page, OutcomeSerializer)

    @extend_schema(
        operation_id="leads_outcomes_create",
        request=CreateSerializer,
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        responses={201: OutcomeSerializer},
        tags=["leads"],
    )
    def post(self, request, lead_id: int):
        def serve():
            lead = visible_lead_get(lead_id=lead_id)
            if lead is None:
                raise Http404("No such lead.")
            serializer = self.CreateSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            outcome = lead_outcome_record(
                lead=lead, by=None, by_email=api_actor(request), **serializer.validated_data
            )
            return Response(OutcomeSerializer(outcome).data, status=status.HTTP_201_CREATED)

        return idempotent(request, serve)
