"""Conversations in the REST API (/api/v1/conversations/): what visitors said to the workspace's
forms, with their transcripts; a sync reads them changed since a time, oldest change first."""

from django.http import Http404
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import PageQuerySerializer, api_page, page_response, page_serializer, query_read
from leads.api_selectors import conversation_api_get, conversation_api_list
from leads.models import Conversation, ConversationStatus, Message
from leads.pagination import Keyset
from leads.selectors import conversation_answers

# Oldest change first, on the conversation_updated index: a sync walks it to the end and asks
# again later from the last updated_at it saw.
CONVERSATION_ORDER = Keyset("conversations", ("updated_at", "id"), ascending=True)
ID_MAX = 2**63 - 1


class MessageSerializer(serializers.ModelSerializer):
    class Meta:
        model = Message
        fields = ["role", "text", "step_key", "created_at"]
        ref_name = "Message"


class AnswerSerializer(serializers.Serializer):
    question = serializers.CharField()
    answer = serializers.CharField()

    class Meta:
        ref_name = "Answer"


class ConversationSerializer(serializers.ModelSerializer):
    form_name = serializers.CharField(source="form.name")
    utm = serializers.DictField(child=serializers.CharField())
    hidden_fields = serializers.DictField(child=serializers.CharField())
    # Text, not addresses: the public chat keeps what the visitor's page sends, unchecked.
    referrer = serializers.CharField(
        max_length=2000,
        help_text="Where the visitor came from, as their chat page reported it (not checked to "
        "be an address); empty when unknown.",
    )
    landing_page = serializers.CharField(
        max_length=2000,
        help_text="The page the chat was opened on, as reported (not checked to be an address); "
        "empty when unknown.",
    )

    class Meta:
        model = Conversation
        fields = [
            "id",
            "form_id",
            "form_name",
            "lead_id",
            "status",
            "utm",
            "hidden_fields",
            "referrer",
            "landing_page",
            "started_at",
            "last_turn_at",
            "ended_at",
            "updated_at",
        ]
        ref_name = "Conversation"


class ConversationDetailSerializer(ConversationSerializer):
    answers = serializers.SerializerMethodField(
        help_text="Each answered question, in the order of the form version the visitor saw."
    )
    messages = MessageSerializer(many=True, help_text="The transcript, as said.")

    class Meta(ConversationSerializer.Meta):
        fields = [*ConversationSerializer.Meta.fields, "answers", "messages"]
        ref_name = "ConversationDetail"

    @extend_schema_field(AnswerSerializer(many=True))
    def get_answers(self, conversation):
        return [
            {"question": question, "answer": answer}
            for question, answer in conversation_answers(conversation)
        ]


class ConversationListApi(APIView):
    """GET /api/v1/conversations/: visible conversations, oldest change first."""

    class QuerySerializer(PageQuerySerializer):
        form = serializers.IntegerField(required=False, min_value=1, max_value=ID_MAX)
        status = serializers.ChoiceField(choices=ConversationStatus.choices, required=False)
        updated_since = serializers.DateTimeField(
            required=False, help_text="Changed at or after this time (ISO 8601)."
        )
        started_since = serializers.DateTimeField(
            required=False, help_text="Started at or after this time (ISO 8601)."
        )

        class Meta:
            ref_name = "ConversationListQuery"

    @extend_schema(
        operation_id="conversations_list",
        parameters=[QuerySerializer],
        responses={200: page_serializer("ConversationPage", ConversationSerializer)},
        tags=["conversations"],
    )
    def get(self, request):
        query = query_read(self.QuerySerializer, request)
        conversations = conversation_api_list(
            form_id=query.get("form"),
            status=query.get("status"),
            updated_since=query.get("updated_since"),
            started_since=query.get("started_since"),
        )
        page = api_page(conversations, keyset=CONVERSATION_ORDER, query=query)
        return page_response(page, ConversationSerializer)


class ConversationDetailApi(APIView):
    """GET /api/v1/conversations/{id}/: a conversation with its answers and transcript."""

    @extend_schema(
        operation_id="conversations_read",
        responses={200: ConversationDetailSerializer},
        tags=["conversations"],
    )
    def get(self, request, conversation_id: int):
        conversation = conversation_api_get(conversation_id=conversation_id)
        if conversation is None:
            raise Http404("No such conversation.")
        return Response(ConversationDetailSerializer(conversation).data)
