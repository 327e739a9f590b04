"""The tracking endpoint embed.js sends page views to: public (no login, no cookie), under
/w/<workspace>/track/ on Parley's host or /track/ on a workspace's own host, so that a view lands
in the workspace of the form the page embeds. CSRF does not apply: it is a cross-site beacon
that acts on no cookie or session, only on the visitor id it carries, and it can do no more than
add a page view to that visitor."""

from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django_ratelimit.core import is_ratelimited
from rest_framework import serializers

from config.api import validation_error_body
from forms_builder.public_views import BodyRefused, error_response, json_method, json_object_body
from leads.api_fields import HttpUrlField, VisitorIdField
from leads.services.events import page_view_record
from tenants.permissions import workspace_public

# A page view is a visitor id and two addresses: a few kilobytes at the very most.
TRACK_MAX_BODY_BYTES = 8 * 1024
# A visitor reads a page every few seconds at the fastest; an address may hide many visitors
# (an office behind one NAT), hence its higher allowance.
TRACK_RATE_PER_ADDRESS = "120/m"
TRACK_RATE_PER_VISITOR = "30/m"


class PageViewInput(serializers.Serializer):
    visitor_id = VisitorIdField()
    url = HttpUrlField()
    referrer = HttpUrlField(required=False, allow_blank=True, default="")


def _too_many():
    response = error_response(429, "rate_limited", "Too many page views: retry in a minute.")
    response["Retry-After"] = "60"
    return response


@workspace_public
@csrf_exempt
@json_method("POST")
def track(request):
    if is_ratelimited(
        request, group="track-address", key="ip", rate=TRACK_RATE_PER_ADDRESS, increment=True
    ):
        return _too_many()
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > TRACK_MAX_BODY_BYTES:
        return error_response(
            413, "too_large", f"A page view is at most {TRACK_MAX_BODY_BYTES} bytes."
        )
    # embed.js sends text/plain (a beacon with no CORS preflight): the body is read as JSON
    # whatever its declared type.
    try:
        body = json_object_body(request)
    except BodyRefused as refused:
        return refused.response()
    page_view = PageViewInput(data=body)
    if not page_view.is_valid():
        return error_response(400, **validation_error_body(page_view.errors)["error"])
    data = page_view.validated_data
    if is_ratelimited(
        request,
        group="track-visitor",
        key=lambda group, request: data["visitor_id"],
        rate=TRACK_RATE_PER_VISITOR,
        increment=True,
    ):
        return _too_many()
    page_view_record(visitor_id=data["visitor_id"], url=data["url"], referrer=data["referrer"])
    return HttpResponse(status=204)
