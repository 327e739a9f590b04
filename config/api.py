"""What every REST API (/api/v1/) response shares: its errors, one JSON shape whatever went wrong,

    {"error": {"code": "invalid", "message": "…", "fields": {"email": "…"}}}

(the shape of the public conversation API as well); replaying a request sent again with the
same Idempotency-Key; strict input (an unknown field is an error, not ignored); cursor pages,
`{"data": [...], "next_cursor": "…"}`; and the OpenAPI document's share of all this (every
operation lists the error answers). Services raise domain errors; DOMAIN_ERRORS maps them to
HTTP here, in one place."""

import hashlib
import json
import logging
from datetime import timedelta

from django.core.cache import cache
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from config.untrusted import InvalidText, body_too_large_message
from leads.pagination import (
    ExpiredCursor,
    ForeignCursor,
    InvalidCursor,
    Keyset,
    cursor_read,
    keyset_page,
)
from leads.services.events import LeadNotFound

logger = logging.getLogger(__name__)

# Domain error -> (HTTP status, code). The exception's own text is the message.
DOMAIN_ERRORS = {
    LeadNotFound: (status.HTTP_404_NOT_FOUND, "lead_not_found"),
}


def error_body(code: str, message: str, fields: dict | None = None) -> dict:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def _first_message(detail) -> str:
    """A field's errors as one sentence (DRF gives a list, or a dict for a nested object)."""
    if isinstance(detail, dict):
        return " ".join(f"{key}: {_first_message(value)}" for key, value in detail.items())
    if isinstance(detail, list):
        return " ".join(_first_message(item) for item in detail)
    return str(detail)


def validation_error_body(detail) -> dict:
    """A serializer's errors in the shape: the first message of each field."""
    if not isinstance(detail, dict):  # raised with a message, not per field
        return error_body("invalid", _first_message(detail))
    fields = {name: _first_message(errors) for name, errors in detail.items()}
    general = fields.pop("non_field_errors", "")
    return error_body("invalid", general or "Some fields are not valid.", fields)


def api_exception_handler(exc, context):
    """DRF's handler (statuses, Retry-After, WWW-Authenticate), then our shape. An unexpected
    error is logged and still answers in the shape, as a 500."""
    for error_class, (status_code, code) in DOMAIN_ERRORS.items():
        if isinstance(exc, error_class):
            return Response(error_body(code, str(exc)), status=status_code)
    if isinstance(exc, InvalidText):
        return Response(
            error_body("invalid_text", str(exc), exc.fields), status=status.HTTP_400_BAD_REQUEST
        )
    if isinstance(exc, RequestDataTooBig):
        return Response(
            error_body("too_large", body_too_large_message()),
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
    if isinstance(exc, DjangoValidationError):
        # A service's rules (leads.services.sales.lead_outcome_record...): per field when it
        # names them.
        detail = exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        return Response(validation_error_body(detail), status=status.HTTP_400_BAD_REQUEST)
    response = exception_handler(exc, context)
    if response is None:
        logger.exception("API error", exc_info=exc)
        return Response(
            error_body("server_error", "Something went wrong on our side."),
            status=status.HTTP_500_INTERNAL_SERVER_ERROR,
        )
    if isinstance(exc, exceptions.ValidationError):
        response.data = validation_error_body(exc.detail)
    elif isinstance(exc, exceptions.APIException):
        response.data = error_body(exc.get_codes(), _first_message(exc.detail))
    else:  # Http404 and PermissionDenied, which DRF turned into responses
        code = "not_found" if response.status_code == 404 else "permission_denied"
        response.data = error_body(code, _first_message(response.data.get("detail", "")))
    return response


# CSRF protects sessions, and the API has none (a key authenticates each request): without this,
# a POST to an address no endpoint answers would get the CSRF middleware's HTML 403 first.
@csrf_exempt
def api_not_found(request, *args, **kwargs):
    """Any /api/v1/ address no endpoint answers: JSON, like the rest of the API."""
    return JsonResponse(error_body("not_found", "No such API endpoint."), status=404)


# --- Idempotency-Key -------------------------------------------------------------------------

IDEMPOTENCY_WINDOW = timedelta(hours=24)
# While the first request is being served, a second one with its key waits for nothing: it is
# told to retry (409) rather than served twice.
IDEMPOTENCY_LOCK_SECONDS = 60
IDEMPOTENCY_KEY_MAX_LENGTH = 200


def idempotent(request, serve) -> Response:
    """`serve()`, or, when the request carries an Idempotency-Key already used with the same key
    and body in the last 24 hours, the first response again (header Idempotent-Replayed: true).
    Only successful responses are kept: a request that failed may be sent again as it is."""
    header = request.headers.get("Idempotency-Key", "")
    if not header:
        return serve()
    if len(header) > IDEMPOTENCY_KEY_MAX_LENGTH:
        raise exceptions.ValidationError(
            {"Idempotency-Key": f"At most {IDEMPOTENCY_KEY_MAX_LENGTH} characters."}
        )
    body = json.dumps(request.data, sort_keys=True, default=str).encode()
    fingerprint = hashlib.sha256(body).hexdigest()
    # Cache keys carry the schema (the key's workspace) already; the key's id keeps two keys of
    # one workspace apart, and the header is hashed to bound the key's length.
    name = hashlib.sha256(header.encode()).hexdigest()
    cache_key = f"api-idempotency:{request.auth.pk}:{name}"
    if not cache.add(cache_key, {"fingerprint": fingerprint}, IDEMPOTENCY_LOCK_SECONDS):
        stored = cache.get(cache_key) or {}
        if stored.get("fingerprint") != fingerprint:
            raise IdempotencyKeyReused
        if "status" not in stored:
            raise IdempotencyKeyInUse
        return Response(
            stored["data"], status=stored["status"], headers={"Idempotent-Replayed": "true"}
        )
    try:
        response = serve()
    except BaseException:
        cache.delete(cache_key)
        raise
    if response.status_code >= 300:
        cache.delete(cache_key)
        return response
    stored = {"fingerprint": fingerprint, "status": response.status_code, "data": response.data}
    cache.set(cache_key, stored, IDEMPOTENCY_WINDOW.total_seconds())
    return response


class IdempotencyKeyReused(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_code = "idempotency_key_reused"
    default_detail = "This Idempotency-Key was used with another request body."


class IdempotencyKeyInUse(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "idempotency_key_in_use"
    default_detail = "A request with this Idempotency-Key is still being served: retry shortly."


IDEMPOTENCY_KEY_PARAMETER = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    description="Sent again with the same key and body within 24 hours, the request gets the "
    "first answer again (header `Idempotent-Replayed: true`) and does nothing; the same key "
    "with another body gets 422.",
)


# --- Strict input -----------------------------------------------------------------------------


# Input that names a field the endpoint does not know is refused (400, naming it), rather than
# silently ignored: a misspelt `asignee` must not look like it worked. (A comment, not a
# docstring: drf-spectacular would print a docstring into every input's description.)
class StrictSerializer(serializers.Serializer):
    def validate(self, data):
        if isinstance(self.initial_data, dict):
            unknown = sorted(set(self.initial_data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError(dict.fromkeys(unknown, "Unknown field."))
        return super().validate(data)


# --- Cursor pages -----------------------------------------------------------------------------

PAGE_SIZE_DEFAULT = 50
PAGE_SIZE_MAX = 100
# A cursor is for walking a list now; resuming a sync later is what updated_since is for. A day
# covers any walk, and an old cursor tells the client to start over rather than trust it.
CURSOR_MAX_AGE = timedelta(hours=24)


class PageQuerySerializer(StrictSerializer):
    """`?cursor=…&limit=…`, and the list's filters in subclasses. Unknown query parameters are
    refused like unknown body fields."""

    cursor = serializers.CharField(
        required=False,
        max_length=1000,
        help_text="`next_cursor` of the previous page; valid for 24 hours.",
    )
    limit = serializers.IntegerField(
        required=False, min_value=1, max_value=PAGE_SIZE_MAX, default=PAGE_SIZE_DEFAULT
    )


def query_read(serializer_class, request) -> dict:
    """The request's query string, validated by `serializer_class` (400 naming the field)."""
    serializer = serializer_class(data=request.query_params.dict())
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def api_page(queryset: QuerySet, *, keyset: Keyset, query: dict):
    """The page of `queryset` that the validated `query` asks for (leads/pagination.py)."""
    try:
        cursor = cursor_read(query.get("cursor"), keyset, max_age=CURSOR_MAX_AGE)
    except ExpiredCursor as error:
        raise exceptions.ValidationError(
            {"cursor": "This cursor has expired: list again from the first page."}
        ) from error
    except ForeignCursor as error:
        raise exceptions.ValidationError(
            {"cursor": "This cursor was made in another workspace: list from the first page."}
        ) from error
    except InvalidCursor as error:
        raise exceptions.ValidationError(
            {"cursor": "Not a cursor of this list (edited, cut, or of another order)."}
        ) from error
    return keyset_page(queryset, keyset=keyset, cursor=cursor, size=query["limit"])


def page_response(page, item_serializer_class, **context) -> Response:
    return Response(
        {
            "data": item_serializer_class(page.rows, many=True, context=context).data,
            "next_cursor": page.next_cursor,
        }
    )


def page_serializer(name: str, item_serializer_class):
    """A page's shape in the OpenAPI document."""
    return inline_serializer(
        name=name,
        fields={
            "data": item_serializer_class(many=True),
            "next_cursor": serializers.CharField(
                allow_null=True, help_text="The next page's cursor; null on the last page."
            ),
        },
    )


# --- The OpenAPI document ---------------------------------------------------------------------


class ErrorSerializer(serializers.Serializer):
    class ErrorDetailSerializer(serializers.Serializer):
        code = serializers.CharField(help_text="Stable, for programs: `invalid`, `not_found`, …")
        message = serializers.CharField(help_text="For people.")
        fields = serializers.DictField(
            child=serializers.CharField(), help_text="A message per field or query parameter."
        )

        class Meta:
            ref_name = "ErrorDetail"

    error = ErrorDetailSerializer()

    class Meta:
        ref_name = "Error"


ERROR_ANSWERS = {
    "400": "Invalid input: `error.fields` names each wrong field or parameter.",
    "401": "No key, or a key that is not valid or was revoked.",
    "403": "The key lacks the scope (read, or write for changes).",
    "404": "No such object in the key's workspace.",
    "429": "Too many requests for this key: wait the `Retry-After` header's seconds.",
}
IDEMPOTENCY_ANSWERS = {
    "409": "A request with this Idempotency-Key is still being served: retry shortly.",
    "422": "This Idempotency-Key was used with another body.",
}


BLANK_STRING = {"type": "string", "maxLength": 0}


class ApiAutoSchema(AutoSchema):
    """drf-spectacular's schema, with the error answers every endpoint may give, in their one
    shape, on every operation (and the Idempotency-Key's on those that take one)."""

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        answers = dict(ERROR_ANSWERS)
        if IDEMPOTENCY_KEY_PARAMETER in self.get_override_parameters():
            answers.update(IDEMPOTENCY_ANSWERS)
        for code, description in answers.items():
            responses.setdefault(
                code,
                self._get_response_for_code(
                    OpenApiResponse(ErrorSerializer, description=description), code
                ),
            )
        return responses

    def _insert_field_validators(self, field, schema):
        super()._insert_field_validators(field, schema)
        # drf-spectacular writes a blank-allowed address or e-mail as oneOf(the format, "")
        # with nothing keeping "" out of the first branch: a validator that does not check that
        # format (jsonschema checks "uri" only with rfc3987 installed) finds "" valid under
        # both, and a oneOf then fails. The format's branch is made non-empty, and the default
        # ("") moved out beside the oneOf.
        branches = schema.get("oneOf")
        if branches and len(branches) == 2 and branches[1] == BLANK_STRING:
            formatted = branches[0]
            formatted["minLength"] = max(formatted.get("minLength", 0), 1)
            if "default" in formatted:
                schema["default"] = formatted.pop("default")
