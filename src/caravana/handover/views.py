"""The handover pages at a gateway: the carriers with parcels customs released, each
carrier's open manifest with a scan field (bags or parcels, as the hub's scanning pages),
closing it, and its printed and exported copies. Operators work every gateway; a desk officer
(clearance.GatewayMember, kind officer) their own."""

from __future__ import annotations

import zoneinfo
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from caravana.access.members import is_operator
from caravana.handover import documents, members, services
from caravana.handover.models import HandoverManifest
from caravana.network.models import Carrier, Gateway

PER_PAGE = 100
RECENT = 20
EXPORTS = {
    "pdf": ("application/pdf", "inline", documents.to_pdf),
    "csv": ("text/csv; charset=utf-8", "attachment", documents.to_csv),
    "json": ("application/json; charset=utf-8", "attachment", documents.to_json),
}


def _gateway(request: HttpRequest, iata: str) -> Gateway:
    if not request.user.is_authenticated:
        raise PermissionDenied("sign in")
    gateway = get_object_or_404(Gateway, iata=iata.upper())
    members.check(request, gateway)
    return gateway


def _manifest(gateway: Gateway, pk: int) -> HandoverManifest:
    return get_object_or_404(
        HandoverManifest.objects.select_related("gateway", "carrier"), pk=pk, gateway=gateway
    )


def _errors(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return " ".join(str(m) for msgs in exc.message_dict.values() for m in msgs)
    return " ".join(exc.messages)


@login_required
def index(request: HttpRequest) -> HttpResponse:
    own = members.gateway_of(request.user)
    if own is not None:
        return redirect("handover:gateway", iata=own.iata)
    if not is_operator(request.user):
        raise PermissionDenied("handover staff only")
    return render(
        request, "handover/index.html", {"gateways": Gateway.objects.filter(is_active=True)}
    )


@login_required
def gateway(request: HttpRequest, iata: str) -> HttpResponse:
    gw = _gateway(request, iata)
    waiting = services.waiting(gw)
    open_ones = {
        m.carrier_id: m
        for m in HandoverManifest.objects.filter(gateway=gw, state=HandoverManifest.State.OPEN)
    }
    carriers = [
        {"carrier": c, "waiting": waiting.get(c.pk, 0), "open": open_ones.get(c.pk)}
        for c in Carrier.objects.filter(country=gw.country, is_active=True).order_by("name")
    ]
    recent = Paginator(
        HandoverManifest.objects.filter(gateway=gw).select_related("carrier", "gateway"), RECENT
    ).get_page(request.GET.get("page"))
    return render(
        request, "handover/gateway.html", {"gateway": gw, "carriers": carriers, "page": recent}
    )


@login_required
@require_POST
def open_manifest(request: HttpRequest, iata: str) -> HttpResponse:
    gw = _gateway(request, iata)
    try:
        found = services.open_manifest(request.user, gw, request.POST.get("carrier", ""))
    except ValidationError as exc:
        messages.error(request, _errors(exc))
        return redirect("handover:gateway", iata=gw.iata)
    return redirect("handover:manifest", iata=gw.iata, pk=found.pk)


@login_required
def manifest(request: HttpRequest, iata: str, pk: int) -> HttpResponse:
    gw = _gateway(request, iata)
    row = _manifest(gw, pk)
    lines = row.lines.select_related("parcel").order_by("-pk")
    page = Paginator(lines, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "handover/manifest.html",
        {"gateway": gw, "manifest": row, "page": page,
         "scans": request.session.get(f"handover_scans_{row.pk}", [])},
    )  # fmt: skip


def _entry(ok: bool, code: str, message: str, warn: bool = False, **extra: Any) -> dict[str, Any]:
    return {"ok": ok, "code": code[:20], "message": message, "warn": warn, **extra}


@login_required
@require_POST
def scan(request: HttpRequest, iata: str, pk: int) -> HttpResponse:
    """One scan: a parcel's S10 or a bag's identifier. The answer says which parcels went on
    and their carrier's numbers, or why nothing did."""
    gw = _gateway(request, iata)
    row = _manifest(gw, pk)
    code = request.POST.get("scan", "").strip()
    try:
        result = services.scan(request.user, row, code)
    except ValidationError as exc:
        entry = _entry(False, code, _errors(exc))
    else:
        shown = code.upper().replace(" ", "").replace("-", "")
        if result.added:
            numbers = ", ".join(f"{s} → {n}" for s, n in list(result.added.items())[:3])
            more = len(result.added) - 3
            message = _("On the manifest: %(list)s") % {"list": numbers}
            if more > 0:
                message += " " + _("and %(n)d more") % {"n": more}
            entry = _entry(True, shown, message, added=len(result.added))
        else:
            entry = _entry(True, shown, _("Already on this manifest: nothing changed."), warn=True)
    zone = zoneinfo.ZoneInfo(gw.timezone)
    entry["at"] = timezone.localtime(timezone.now(), zone).strftime("%H:%M:%S")
    key = f"handover_scans_{row.pk}"
    request.session[key] = [entry, *request.session.get(key, [])][:RECENT]
    status = 200 if entry["ok"] else 422
    if request.htmx:
        row.refresh_from_db(fields=["parcel_count", "weight_g"])
        return render(
            request, "handover/_scan.html", {"scan": entry, "manifest": row}, status=status
        )
    if not entry["ok"]:
        messages.error(request, entry["message"])
    return redirect("handover:manifest", iata=gw.iata, pk=row.pk)


@login_required
@require_POST
def close(request: HttpRequest, iata: str, pk: int) -> HttpResponse:
    gw = _gateway(request, iata)
    row = _manifest(gw, pk)
    try:
        services.close_manifest(request.user, row)
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    else:
        messages.success(
            request, _("Manifest %(m)s handed over to %(c)s.") % {"m": row.reference,
                                                                  "c": row.carrier.name}
        )  # fmt: skip
    return redirect("handover:manifest", iata=gw.iata, pk=row.pk)


@login_required
def export(request: HttpRequest, iata: str, pk: int, fmt: str) -> HttpResponse:
    gw = _gateway(request, iata)
    row = _manifest(gw, pk)
    if fmt not in EXPORTS:
        raise Http404("pdf, csv or json")
    content_type, disposition, make = EXPORTS[fmt]
    response = HttpResponse(make(row), content_type=content_type)
    response["Content-Disposition"] = f'{disposition}; filename="{row.reference}.{fmt}"'
    return response
