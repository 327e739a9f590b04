"""The forms of the key's workspace, read-only, in the REST API (/api/v1/forms/): which forms
exist, their questions and where visitors reach them."""

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import PageQuerySerializer, api_page, page_response, page_serializer, query_read
from forms_builder.models import Form, FormStatus, Step
from forms_builder.selectors import form_api_get, form_api_list, form_share_url
from leads.pagination import Keyset

# Oldest first, by id: the primary key's index serves it, and forms are few.
FORM_ORDER = Keyset("forms", ("id",), ascending=True)


class FormSerializer(serializers.ModelSerializer):
    share_url = serializers.SerializerMethodField(
        help_text="The public page visitors talk to; null while the form is not published."
    )
    step_count = serializers.IntegerField()
    published_version = serializers.IntegerField(
        source="published_version.number",
        allow_null=True,
        default=None,
        help_text="The version visitors get; null before the first publication.",
    )

    class Meta:
        model = Form
        fields = [
            "id",
            "name",
            "slug",
            "status",
            "language",
            "share_url",
            "step_count",
            "published_version",
            "created_at",
            "updated_at",
        ]
        ref_name = "Form"

    def get_share_url(self, form) -> str | None:
        return form_share_url(workspace=self.context["workspace"], form=form)


class StepSerializer(serializers.ModelSerializer):
    options = serializers.ListField(child=serializers.CharField())

    class Meta:
        model = Step
        fields = ["key", "position", "kind", "prompt", "required", "options", "lead_field"]
        ref_name = "FormStep"


class FormDetailSerializer(FormSerializer):
    steps = StepSerializer(many=True, help_text="The questions as edited, in their order.")

    class Meta(FormSerializer.Meta):
        fields = [*FormSerializer.Meta.fields, "offer_description", "steps"]
        ref_name = "FormDetail"


class FormListApi(APIView):
    """GET /api/v1/forms/: the workspace's forms, oldest first."""

    class QuerySerializer(PageQuerySerializer):
        status = serializers.ChoiceField(choices=FormStatus.choices, required=False)

        class Meta:
            ref_name = "FormListQuery"

    @extend_schema(
        operation_id="forms_list",
        parameters=[QuerySerializer],
        responses={200: page_serializer("FormPage", FormSerializer)},
        tags=["forms"],
    )
    def get(self, request):
        query = query_read(self.QuerySerializer, request)
        page = api_page(form_api_list(status=query.get("status")), keyset=FORM_ORDER, query=query)
        return page_response(page, FormSerializer, workspace=request.tenant)


class FormDetailApi(APIView):
    """GET /api/v1/forms/{id}/: a form with its questions."""

    @extend_schema(operation_id="forms_read", responses={200: FormDetailSerializer}, tags=["forms"])
    def get(self, request, form_id: int):
        form = form_api_get(form_id=form_id)
        if form is None:
            raise Http404("No such form.")
        return Response(FormDetailSerializer(form, context={"workspace": request.tenant}).data)
