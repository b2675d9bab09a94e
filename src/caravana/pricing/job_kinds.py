"""An FX file import is a job: a year of ECB history is some 7,000 rates, each an upsert. The
import is atomic: a file with one bad line saves nothing, and the error names the line and
the field."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from caravana.jobs.kinds import Outcome, Progress, register
from caravana.jobs.models import Job
from caravana.pricing import fx_import, services

FX_IMPORT = "pricing.fx_import"


def parse(data: bytes, fmt: str, source: str) -> list[fx_import.RateRow]:
    """The rows of an uploaded file, or a ValidationError on `file` naming the line and field."""
    try:
        if fmt == "ecb":
            return fx_import.parse_ecb(data)
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise fx_import.FxImportError(
                f"byte {exc.start}: not UTF-8 text (save the CSV as UTF-8)"
            ) from exc
        return fx_import.parse_csv(text, source)
    except fx_import.FxImportError as exc:
        raise ValidationError({"file": str(exc)}, code=exc.code.value) from exc


@register(FX_IMPORT, gettext_lazy("FX rates import"))
def import_rates(job: Job, progress: Progress) -> Outcome:
    if not job.owner.is_operator:  # (access imports catalog, which imports pricing)
        raise ValidationError({"owner": _("Only operators import FX rates.")})
    progress(0, 3, _("Reading the file"))
    with job.input_file.open("rb") as f:
        data = f.read()
    progress(1, 3, _("Checking every line"))
    rows = parse(data, job.params.get("format", "csv"), job.params.get("source", ""))
    progress(2, 3, _("Saving %(n)d rates, all or none") % {"n": len(rows)})
    saved = services.save_rates(rows)  # one transaction
    return Outcome(
        message=ngettext("%(n)d rate imported.", "%(n)d rates imported.", saved) % {"n": saved}
    )
