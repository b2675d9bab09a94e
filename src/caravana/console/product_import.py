"""Product import and export as jobs (decision 9): an uploaded file is first checked (a dry run
listing every row's errors, its line and column named in the merchant's language), then applied
with one click, whole in one transaction (catalog.services.bulk_upsert) or not at all. The
export writes the same columns, so an exported file edited and imported again updates by SKU."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from caravana.access.members import merchant_of
from caravana.access.pages import merchant_required
from caravana.catalog import services
from caravana.catalog.bulk import FIELDS, RowError, format_options, sorted_errors
from caravana.catalog.models import Merchant, Stock, Variant, Warehouse
from caravana.console import product_files
from caravana.console.product_columns import label
from caravana.jobs.kinds import Outcome, Progress, register
from caravana.jobs.models import Job

# jobs.launch is imported in the views, not here: jobs.apps loads this module (through
# console.job_kinds) as Django starts, and launch loads Celery, which the management commands
# run from src/caravana (makemessages) must not import then (caravana/celery.py would shadow it).

CHECK = "console.products_check"
APPLY = "console.products_import"
EXPORT = "console.products_export"
ERRORS_PER_PAGE = 100
CHUNK = 2000


def _merchant(job: Job) -> Merchant:
    merchant = merchant_of(job.owner)
    if merchant is None or merchant.pk != job.params.get("merchant"):
        raise ValidationError({"merchant": _("You no longer work for this merchant.")})
    return merchant


def _rows(job: Job) -> list[dict[str, Any]]:
    with job.input_file.open("rb") as fh:
        data = fh.read()
    return product_files.read(job.input_file.name, data, services.MAX_IMPORT_ROWS)


def _line(e: RowError) -> int:
    return e.row + 2  # the header is line 1


def _result(job: Job, stem: str, payload: dict) -> Outcome:
    body = tempfile.TemporaryFile()  # noqa: SIM115 — handed on open, closed by the storage
    body.write(json.dumps(payload, ensure_ascii=False).encode())
    body.seek(0)
    return Outcome(
        message=payload.get("message", ""),
        url=reverse("console:product_import_result", args=[job.pk]),
        filename=f"{stem}-{job.pk}.json",
        file=body,
    )


@register(CHECK, gettext_lazy("Product import: check"), console=True)
def check(job: Job, progress: Progress) -> Outcome:
    """The dry run: every row checked, nothing written; the errors go to the result file."""
    merchant = _merchant(job)
    rows = _rows(job)
    plan = services.bulk_upsert(merchant, rows, dry_run=True, progress=progress, first=2)
    errors = [[_line(e), e.field, e.message] for e in sorted_errors(plan.errors)]
    message = (
        ngettext("%(n)d error.", "%(n)d errors.", len(errors)) % {"n": len(errors)}
        if errors
        else ngettext("%(n)d row ready.", "%(n)d rows ready.", len(rows)) % {"n": len(rows)}
    )
    return _result(
        job,
        "check",
        {"rows": len(rows), "errors": errors, "summary": plan.summary(), "message": message},
    )


@register(APPLY, gettext_lazy("Product import"), console=True)
def apply(job: Job, progress: Progress) -> Outcome:
    """Everything or nothing: any error (found again now, the catalogue may have moved since
    the check) fails the job, naming line and column, with nothing written."""
    merchant = _merchant(job)
    rows = _rows(job)
    language = job.params.get("language")
    plan = services.bulk_upsert(merchant, rows, progress=progress, first=2)
    if plan.errors:
        raise services.bulk_errors(
            plan.errors,
            lambda e: (
                _("line %(line)d, %(column)s")
                % {"line": _line(e), "column": label(e.field, language)}
            ),
        )
    summary = plan.summary()
    return _result(
        job,
        "import",
        {
            "rows": len(rows),
            "errors": [],
            "summary": summary,
            "applied": True,
            "message": _("Saved: %(p)d new products, %(v)d new variants, %(c)d changed.")
            % {
                "p": summary["new_products"],
                "v": summary["new_variants"],
                "c": summary["changed_variants"] + summary["changed_products"],
            },
        },
    )


def export_rows(merchant: Merchant, progress: Progress) -> Iterator[list[Any]]:
    """One row a variant, in id order, 2,000 a query (keyset on the id)."""
    variants = Variant.objects.filter(merchant=merchant)
    total = variants.count()
    progress(0, total)
    warehouse = Warehouse.objects.filter(merchant=merchant).order_by("id").first()
    last, done = 0, 0
    while True:
        chunk = list(
            variants.filter(pk__gt=last)
            .select_related("product__store", "product__category")
            .order_by("pk")[:CHUNK]
        )
        if not chunk:
            break
        stock = dict(
            Stock.objects.filter(variant__in=chunk, warehouse=warehouse).values_list(
                "variant_id", "quantity"
            )
        )
        for v in chunk:
            p = v.product
            values = {
                "product": p.pk,
                "store": p.store.slug,
                "category": p.category.slug,
                "hs_code": p.hs_code,
                "title_es": p.title_es,
                "title_pt_br": p.title_pt_br,
                "title_en": p.title_en,
                "title_zh_hans": p.title_zh_hans,
                "active": "1" if p.is_active else "0",
                "sku": v.sku,
                "options": format_options(v.options),
                "price": v.price,
                "currency": v.currency,
                "weight_g": v.weight_g,
                "length_cm": v.length_cm,
                "width_cm": v.width_cm,
                "height_cm": v.height_cm,
                "battery": v.battery,
                "stock": stock.get(v.pk, 0),
                "warehouse": warehouse.name if warehouse else "",
            }
            yield [values[name] for name in FIELDS]
        last = chunk[-1].pk
        done += len(chunk)
        progress(done, max(total, done))


@register(EXPORT, gettext_lazy("Products export"), console=True)
def export(job: Job, progress: Progress) -> Outcome:
    from caravana.jobs import csvfile

    merchant = _merchant(job)
    header = [label(name, job.params.get("language")) for name in FIELDS]
    rows = export_rows(merchant, progress)
    if job.params.get("format") == "xlsx":
        return Outcome(
            filename=f"products-{job.pk}.xlsx", file=product_files.write_xlsx(header, rows)
        )
    return Outcome(filename=f"products-{job.pk}.csv", file=csvfile.spool(header, rows))


# --- pages ----------------------------------------------------------------------------------


@merchant_required
def import_page(request: HttpRequest) -> HttpResponse:
    """The upload form, the export buttons, and the merchant's recent imports."""
    error = None
    if request.method == "POST":
        upload = request.FILES.get("file")
        name = (upload.name or "").lower() if upload else ""
        if upload is None or not name.endswith((".csv", ".xlsx")):
            error = _("Choose a CSV or XLSX file.")
        elif upload.size > product_files.MAX_BYTES:
            error = _("The file is larger than 20 MB: split it.")
        else:
            from caravana.jobs import launch

            job = launch.start(request.user, CHECK, {"merchant": request.merchant.pk}, upload)
            job.refresh_from_db()
            if job.state == Job.State.DONE:  # eager Celery: straight to the dry run
                return redirect("console:product_import_result", pk=job.pk)
            return redirect("jobs:detail", pk=job.pk)
    recent = Job.objects.filter(owner=request.user, kind__in=[CHECK, APPLY]).order_by("-pk")[:5]
    return render(
        request,
        "console/product_import.html",
        {"error": error, "recent": recent, "columns": [label(f, get_language()) for f in FIELDS]},
        status=422 if error else 200,
    )


def _own_job(request: HttpRequest, pk: int, kinds: tuple[str, ...]) -> Job:
    job = get_object_or_404(Job, pk=pk, owner=request.user, kind__in=kinds)
    if job.params.get("merchant") != request.merchant.pk:
        raise Http404("no such import")
    return job


@merchant_required
def import_result(request: HttpRequest, pk: int) -> HttpResponse:
    """The dry run's findings (each error's line, column in this page's language, message) and
    the apply button; or what an applied import saved."""
    job = _own_job(request, pk, (CHECK, APPLY))
    if job.state != Job.State.DONE:
        return redirect("jobs:detail", pk=job.pk)
    with job.result_file.open("rb") as fh:
        result = json.loads(fh.read())
    language = get_language()
    errors = [
        {"line": line, "column": label(field, language), "message": message}
        for line, field, message in result["errors"]
    ]
    page = Paginator(errors, ERRORS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "console/product_import_result.html",
        {"job": job, "result": result, "page": page, "applied": job.kind == APPLY},
    )


@merchant_required
@require_POST
def import_apply(request: HttpRequest, pk: int) -> HttpResponse:
    """Apply a checked file without errors: a new job over a copy of the same upload."""
    checked = _own_job(request, pk, (CHECK,))
    if checked.state != Job.State.DONE:
        raise Http404("not checked")
    with checked.input_file.open("rb") as fh:
        upload = File(fh, name=checked.input_file.name.rsplit("/", 1)[-1])
        from caravana.jobs import launch

        job = launch.start(request.user, APPLY, {"merchant": request.merchant.pk}, upload)
    job.refresh_from_db()
    if job.state == Job.State.DONE:
        return redirect("console:product_import_result", pk=job.pk)
    return redirect("jobs:detail", pk=job.pk)


@merchant_required
@require_POST
def export_start(request: HttpRequest) -> HttpResponse:
    fmt = "xlsx" if request.POST.get("format") == "xlsx" else "csv"
    from caravana.jobs import launch

    job = launch.start(request.user, EXPORT, {"merchant": request.merchant.pk, "format": fmt})
    return redirect("jobs:detail", pk=job.pk)
