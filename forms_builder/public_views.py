"""The public conversation: the chat page and its JSON endpoints. No login; a visitor is known
by the conversation's secret token. CSRF does not apply: these endpoints act on no cookie or
session (the chat often runs in an iframe on another site, where cookies are not sent), only on
the token the visitor holds."""

from functools import wraps

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET
from django_ratelimit.decorators import ratelimit

from config.untrusted import (
    InvalidJson,
    InvalidText,
    body_too_large_message,
    json_read,
    text_check,
    text_problems,
)
from forms_builder.counters import form_view_record
from forms_builder.models import Form, FormStatus
from leads.models import Conversation
from leads.services.conversations import (
    MAX_MESSAGE_LENGTH,
    ConversationBusy,
    ConversationClosed,
    ConversationNotFound,
    conversation_is_resumable,
    conversation_start,
    conversation_turn,
    step_payload,
)
from tenants.permissions import workspace_public

UTM_KEYS = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")


# Visitors are throttled per address, and each form as a whole, so one noisy source cannot
# flood a workspace; normal visitors never get near these numbers.
def _form_key(group, request):
    return request.resolver_match.kwargs["form_slug"]


starts_per_address = ratelimit(key="ip", rate="20/m", method="POST")
turns_per_address = ratelimit(key="ip", rate="60/m", method="POST")


def _per_form_rate(group, request):
    return settings.PARLEY_RATE_PER_FORM


per_form = ratelimit(key=_form_key, rate=_per_form_rate, method="POST")


def error_response(status: int, code: str, message: str, fields: dict | None = None):
    """The REST API's error shape (config/api.py), for the public endpoints."""
    return JsonResponse(
        {"error": {"code": code, "message": message, "fields": fields or {}}}, status=status
    )


def json_method(method: str):
    """require_POST / require_GET for a JSON endpoint: another method is a 405 in the error
    shape, with the Allow header, not an empty HTML page."""

    def decorator(view):
        @wraps(view)
        def only(request, *args, **kwargs):
            if request.method != method:
                response = error_response(
                    405, "method_not_allowed", f"This address answers {method} only."
                )
                response["Allow"] = method
                return response
            return view(request, *args, **kwargs)

        return only

    return decorator


class BodyRefused(Exception):
    """The request's body is not one a public endpoint reads; `response()` says why."""

    def __init__(self, status: int, code: str, message: str, fields: dict | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.fields = status, code, message, fields

    def response(self):
        return error_response(self.status, self.code, self.message, self.fields)


def _published_form(form_slug: str) -> Form:
    return get_object_or_404(
        Form.objects.select_related("published_version"),
        slug=form_slug,
        status=FormStatus.PUBLISHED,
    )


def json_object_body(request) -> dict:
    """The body's JSON object (config/untrusted.py reads it); BodyRefused when there is none:
    413 over the size limit, 400 for anything but a JSON object."""
    try:
        raw = request.body
    except RequestDataTooBig:
        raise BodyRefused(413, "too_large", body_too_large_message()) from None
    try:
        body = json_read(raw or b"{}")
    except InvalidJson as error:
        raise BodyRefused(400, "invalid_json", str(error)) from None
    if not isinstance(body, dict):
        raise BodyRefused(400, "invalid_json", "The request body must be a JSON object.")
    return body


def _invalid_text(error: InvalidText):
    return error_response(400, "invalid_text", str(error), error.fields)


def _message_payload(message) -> dict:
    return {"role": message.role, "text": message.text, "step_key": message.step_key}


def _conversation_payload(conversation: Conversation, messages) -> dict:
    return {
        "token": conversation.token,
        "status": conversation.status,
        "messages": [_message_payload(m) for m in messages],
        "step": step_payload(conversation),
    }


@workspace_public
@xframe_options_exempt  # made to be embedded in the customer's site (embed.js)
@require_GET
def form_page(request, form_slug):
    form = _published_form(form_slug)
    # The embed's frame loads this same page: both are counted here, once per load.
    form_view_record(form=form)
    definition = form.published_version.definition
    return render(
        request,
        "forms_builder/public/chat.html",
        {
            "form": form,
            "definition": definition,
            "hidden_field_names": definition["hidden_fields"],
            "max_message_length": MAX_MESSAGE_LENGTH,
        },
    )


@workspace_public
@csrf_exempt
@json_method("POST")
@per_form
@starts_per_address
def conversation_create(request, form_slug):
    try:
        form = _published_form(form_slug)
    except Http404:
        return error_response(404, "form_not_found", "No published form at this address.")
    try:
        body = json_object_body(request)
        # Ids, addresses, UTM values and hidden fields: refused whole, never altered.
        text_check(body)
    except BodyRefused as refused:
        return refused.response()
    except InvalidText as error:
        return _invalid_text(error)
    if body.get("website"):  # the honeypot field people never see nor fill
        return error_response(400, "rejected", "This submission was rejected.")
    hidden = body.get("hidden_fields") or {}
    utm = body.get("utm") or {}
    if not isinstance(hidden, dict) or not isinstance(utm, dict):
        return error_response(
            400,
            "invalid",
            "hidden_fields and utm must be objects.",
            {"hidden_fields": "object expected", "utm": "object expected"},
        )
    result = conversation_start(
        form=form,
        visitor_id=str(body.get("visitor_id") or ""),
        hidden_fields=hidden,
        utm={key: value for key, value in utm.items() if key in UTM_KEYS},
        # Only what the chat says: the request's own Referer is the chat page (or the frame)
        # itself, never where the visitor came from.
        referrer=str(body.get("referrer") or ""),
        landing_page=str(body.get("landing_page") or ""),
    )
    return JsonResponse(_conversation_payload(result.conversation, result.messages), status=201)


def _conversation_or_404(form_slug: str, token: str) -> Conversation:
    if text_problems(token):  # no conversation has such a token, and no query could say so
        raise Http404
    return get_object_or_404(
        Conversation.objects.select_related("form_version"), token=token, form__slug=form_slug
    )


@workspace_public
@json_method("GET")
def conversation_detail(request, form_slug, token):
    """Everything a reloaded chat needs to continue where the visitor stopped."""
    try:
        conversation = _conversation_or_404(form_slug, token)
    except Http404:
        return error_response(404, "conversation_not_found", "No such conversation.")
    payload = _conversation_payload(conversation, conversation.messages.all())
    payload["resumable"] = conversation_is_resumable(conversation)
    return JsonResponse(payload)


@workspace_public
@csrf_exempt
@json_method("POST")
@per_form
@turns_per_address
def turn_create(request, form_slug, token):
    try:
        body = json_object_body(request)
    except BodyRefused as refused:
        return refused.response()
    text = body.get("text", "")
    if not isinstance(text, str):
        return error_response(400, "invalid", "text must be a string.", {"text": "string expected"})
    if len(text) > MAX_MESSAGE_LENGTH:
        return error_response(
            400,
            "too_long",
            f"Messages are limited to {MAX_MESSAGE_LENGTH} characters.",
            {"text": f"at most {MAX_MESSAGE_LENGTH} characters"},
        )
    try:
        result = conversation_turn(token=token, form_slug=form_slug, text=text)
    except ConversationNotFound:
        return error_response(404, "conversation_not_found", "No such conversation.")
    except ConversationClosed:
        return error_response(409, "conversation_closed", "This conversation is over.")
    except ConversationBusy:
        return error_response(
            409, "conversation_busy", "Other answers to this conversation came at once: send again."
        )
    payload = _conversation_payload(result.conversation, result.messages)
    if result.error:
        payload["error"] = {
            "code": "invalid_answer",
            "message": result.error,
            "fields": {"text": result.error},
        }
        return JsonResponse(payload, status=422)
    return JsonResponse(payload)
