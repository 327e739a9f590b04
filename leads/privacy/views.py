"""Data & privacy pages: find a contact, download their export, erase them (admins only)."""

import json

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from leads.privacy.contacts import (
    contact_export,
    contact_find,
    erasure_record_list,
    erasure_records_for,
)
from leads.privacy.erasure import contact_erase
from leads.privacy.forms import ContactEraseForm, ContactSearchForm
from tenants.permissions import admin_required


def _no_store(response: HttpResponse) -> HttpResponse:
    # These pages and files hold a person's data: no copy in any cache, shared or the browser's.
    response["Cache-Control"] = "no-store"
    return response


def _render_privacy(request, form, *, email: str = "", status: int = 200) -> HttpResponse:
    context = {"form": form, "records": erasure_record_list()}
    if email:
        context["found"] = contact_find(email=email)
        context["erased_before"] = erasure_records_for(email=email, workspace=request.tenant)
    return _no_store(render(request, "leads/privacy.html", context, status=status))


@admin_required
def privacy(request):
    if request.method != "POST":
        return _render_privacy(request, ContactSearchForm())
    form = ContactSearchForm(request.POST)
    if not form.is_valid():
        return _render_privacy(request, form, status=400)
    return _render_privacy(request, form, email=form.cleaned_data["email"])


@require_POST
@admin_required
def contact_export_download(request):
    form = ContactSearchForm(request.POST)
    if not form.is_valid():
        return _render_privacy(request, form, status=400)
    data = contact_export(email=form.cleaned_data["email"], workspace=request.tenant)
    # Named by workspace and date, not by the address: the file name shows in download lists.
    filename = f"{request.tenant.slug}-contact-{timezone.now():%Y%m%d-%H%M%S}.json"
    return _no_store(
        HttpResponse(
            json.dumps(data, ensure_ascii=False, indent=2),
            content_type="application/json; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )
    )


def _render_erase(request, form, email: str, status: int = 200) -> HttpResponse:
    context = {"form": form, "found": contact_find(email=email)}
    return _no_store(render(request, "leads/privacy_erase.html", context, status=status))


@require_POST
@admin_required
def contact_erase_confirm(request):
    """From the search page (the address alone): the confirmation page. From that page (the
    address typed again): the erasure."""
    if "confirm_email" not in request.POST:
        form = ContactSearchForm(request.POST)
        if not form.is_valid():
            return _render_privacy(request, form, status=400)
        email = form.cleaned_data["email"]
        return _render_erase(request, ContactEraseForm(initial={"email": email}), email)
    form = ContactEraseForm(request.POST)
    if not form.is_valid():
        if "email" in form.errors:  # the hidden address was tampered with
            return _render_privacy(request, ContactSearchForm(request.POST), status=400)
        return _render_erase(request, form, form.cleaned_data["email"], status=400)
    record = contact_erase(
        email=form.cleaned_data["email"], workspace=request.tenant, by=request.user
    )
    # The message names no address: it is kept in the session until shown.
    messages.success(
        request,
        f"The contact was erased: {record.rows_deleted} rows deleted. The record below keeps "
        "when and by whom, not the address.",
    )
    return redirect("privacy")
