"""The leads app's REST API endpoints (/api/v1/, authenticated by a workspace API key, see
tenants/api_auth.py; errors in the shape of config/api.py)."""

from datetime import timedelta

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import IDEMPOTENCY_KEY_PARAMETER, StrictSerializer, idempotent
from leads.api_fields import HttpUrlField
from leads.models import EventKind, LeadEvent
from leads.services.events import lead_event_create

# How far an event's time may be off: a sender's clock a little ahead is tolerated, an event
# from the future is not; one older than the scoring's longest look-back is of no use to it.
EVENT_CLOCK_SKEW = timedelta(minutes=5)
EVENT_MAX_AGE = timedelta(days=90)
# Kinds whose address is what happened (the page seen, the link clicked): required for them.
# An e-mail open has none.
KINDS_WITH_URL = {EventKind.PAGE_VIEW, EventKind.EMAIL_CLICK}


class EventCreateApi(APIView):
    """POST /api/v1/events/: an e-mail tool (or any server-side source) reports what a lead
    did. The lead is named by e-mail (case-insensitive) or id, in the key's workspace."""

    class InputSerializer(StrictSerializer):
        email = serializers.EmailField(required=False, max_length=254)
        lead_id = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
        kind = serializers.ChoiceField(choices=EventKind.choices)
        url = HttpUrlField(required=False, allow_blank=True, default="")
        occurred_at = serializers.DateTimeField(required=False)

        class Meta:
            ref_name = "EventCreateInput"

        def validate_occurred_at(self, value):
            now = timezone.now()
            if value > now + EVENT_CLOCK_SKEW:
                raise serializers.ValidationError("Cannot be in the future.")
            if value < now - EVENT_MAX_AGE:
                raise serializers.ValidationError(
                    f"At most {EVENT_MAX_AGE.days} days ago: older events no longer score."
                )
            return value

        def validate(self, data):
            data = super().validate(data)
            if ("email" in data) == ("lead_id" in data):
                raise serializers.ValidationError(
                    {"email": "Give the lead's email or its lead_id (one of them)."}
                )
            if data["kind"] in KINDS_WITH_URL and not data["url"]:
                raise serializers.ValidationError({"url": f"Required for {data['kind']}."})
            return data

    class OutputSerializer(serializers.ModelSerializer):
        class Meta:
            model = LeadEvent
            fields = ["id", "lead_id", "kind", "url", "occurred_at"]
            ref_name = "Event"

    @extend_schema(
        operation_id="events_create",
        request=InputSerializer,
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        responses={201: OutputSerializer},
        tags=["events"],
    )
    def post(self, request):
        def serve():
            serializer = self.InputSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            event = lead_event_create(**serializer.validated_data)
            return Response(self.OutputSerializer(event).data, status=status.HTTP_201_CREATED)

        return idempotent(request, serve)
