"""What every REST API (/api/v1/) response shares: its errors, one JSON shape whatever went wrong,

    {"error": {"code": "invalid", "message": "…", "fields": {"email": "…"}}}

(the shape of the public conversation API as well), and replaying a request sent again with the
same Idempotency-Key. Services raise domain errors; DOMAIN_ERRORS maps them to HTTP here, in one
place."""

import hashlib
import json
import logging
from datetime import timedelta

from django.core.cache import cache
from django.http import JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

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
