"""A flight's advance-data export is a job (docs/decisions/0009): 60,000 parcels take longer
than a request may. The result is one ZIP holding, per destination, the files its customs
adapter writes (the generic caravana.ead/1 JSON and CSV)."""

from __future__ import annotations

import io
import zipfile

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from caravana.access.members import is_operator
from caravana.customs import adapters, services
from caravana.jobs.kinds import Outcome, Progress, register
from caravana.jobs.models import Job
from caravana.network.models import Flight

EAD_EXPORT = "customs.ead_export"


@register(EAD_EXPORT, gettext_lazy("Customs advance data (JSON and CSV)"))
def ead_export(job: Job, progress: Progress) -> Outcome:
    """Params: flight (pk), destination (ISO country or "" for all), broker (also leave the
    files for the broker to upload)."""
    if not is_operator(job.owner):
        raise ValidationError({"owner": _("Only operators export customs advance data.")})
    flight = Flight.objects.filter(pk=job.params.get("flight")).first()
    if flight is None:
        raise ValidationError({"flight": _("Choose a flight.")})
    destination = str(job.params.get("destination") or "").upper()
    progress(0, 1, _("Declaring parcels"))
    per_country = services.ead_records(flight, destination, progress)
    buf = io.BytesIO()
    count = 0
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        for country, records in sorted(per_country.items()):
            export = adapters.Export(flight.number, flight.date, country, records)
            try:
                adapter = adapters.adapter_for(country)
            except KeyError:
                adapter = adapters.GenericAdapter(country.lower(), "", "")
            for f in adapter.files(export):
                archive.writestr(f.name, f.body)
            if job.params.get("broker"):
                adapters.BrokerDrop().files(export)
            count += len(records)
    buf.seek(0)
    return Outcome(
        message=ngettext("%(n)d parcel.", "%(n)d parcels.", count) % {"n": count},
        filename=f"ead-{flight.number}-{flight.date.isoformat()}-{destination or 'all'}.zip",
        file=buf,
    )
