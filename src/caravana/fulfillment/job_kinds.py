"""A batch of labels is a job: up to 500 pages of PDF, too long to build inside a request."""

from __future__ import annotations

import io
from collections.abc import Iterator

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from caravana.access.members import merchant_of
from caravana.fulfillment import labels
from caravana.fulfillment.models import Parcel
from caravana.fulfillment.services import parcels as parcel_services
from caravana.jobs.kinds import Outcome, Progress, register
from caravana.jobs.models import Job

LABELS = "fulfillment.labels"
MAX_LABELS = parcel_services.MAX_LABELS  # parcels_for_labels takes no more


def _counted(parcels: list[Parcel], progress: Progress) -> Iterator[Parcel]:
    for n, parcel in enumerate(parcels):
        progress(n, len(parcels))
        yield parcel
    progress(len(parcels), len(parcels))


@register(LABELS, gettext_lazy("Label batch"), console=True)
def label_batch(job: Job, progress: Progress) -> Outcome:
    merchant = merchant_of(job.owner)
    if merchant is None or merchant.pk != job.params.get("merchant"):
        raise ValidationError({"merchant": _("You no longer print labels for this merchant.")})
    parcels = parcel_services.parcels_for_labels(merchant, job.params.get("s10", []))
    if not parcels:
        raise ValidationError({"s10": _("None of these parcels is yours.")})
    progress(0, len(parcels), _("Drawing labels"))
    body = labels.render_labels(_counted(parcels, progress))
    return Outcome(
        message=ngettext("%(n)d label.", "%(n)d labels.", len(parcels)) % {"n": len(parcels)},
        filename=f"labels-{job.pk}.pdf",
        file=io.BytesIO(body),
    )
