"""Every clearance outcome — cleared, a hold for each of the five reasons, released, returned,
seized, disposed of — reaches tracking as its UPU event and the buyer's tracking page in the
buyer's words: a Brazilian parcel read in Portuguese, a Mexican one in Spanish. The expected
words are written out here (not read back from the catalogues), so a missing or wrong
translation fails."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from caravana.clearance import outcomes as o
from caravana.clearance import services
from caravana.clearance.models import Case
from caravana.fulfillment.models import Parcel
from caravana.tracking.models import TrackingEvent

pytestmark = pytest.mark.django_db

#: What the timeline says for each customs event, in the page's language.
MEANING = {
    "pt-br": {
        "EDB": "Apresentado à alfândega de importação",
        "EME": "Retido pela alfândega de importação",
        "EDC": "Liberado pela alfândega de importação",
        "EDX": "Importação encerrada",
    },
    "es": {
        "EDB": "Presentado a la aduana de importación",
        "EME": "Retenido por la aduana de importación",
        "EDC": "Liberado por la aduana de importación",
        "EDX": "Importación terminada",
    },
}
#: The reason beside the event, recorded in the destination's language.
REASON = {
    "pt-br": {
        o.DOCUMENTS: "Documentos",
        o.VALUATION: "Valoração",
        o.INSPECTION: "Inspeção",
        o.PROHIBITED: "Proibido ou restrito",
        o.BUYER_ID: "Documento do comprador não confere",
        o.RETURNED: "A alfândega devolveu ao remetente",
        o.SEIZED: "Apreendido pela alfândega",
        o.DISPOSED: "Não liberado a tempo: descartado conforme as regras do país",
    },
    "es": {
        o.DOCUMENTS: "Documentos",
        o.VALUATION: "Valoración",
        o.INSPECTION: "Inspección",
        o.PROHIBITED: "Prohibido o restringido",
        o.BUYER_ID: "Identificación del comprador no coincide",
        o.RETURNED: "La aduana lo devolvió al remitente",
        o.SEIZED: "Incautado por la aduana",
        o.DISPOSED: "No liberado a tiempo: eliminado según las normas del país",
    },
}
#: The chip the page shows once the last decision is in.
STATUS = {
    o.CLEARED: "in_transit",
    o.RELEASED: "in_transit",
    o.HELD: "on_hold",
    o.RETURNED: "return_to_sender",
    o.SEIZED: "seized",
    o.DISPOSED: "disposed",
}
PATHS = [
    [(o.CLEARED, "")],
    *[[(o.HELD, reason), (o.RELEASED, "")] for reason in o.HOLD_REASONS],
    [(o.HELD, o.VALUATION)],
    [(o.RETURNED, "")],
    [(o.SEIZED, "")],
    [(o.HELD, o.PROHIBITED), (o.SEIZED, "")],
    [(o.HELD, o.DOCUMENTS), (o.RETURNED, "")],
    [(o.HELD, o.INSPECTION), (o.DISPOSED, "")],
]


def _item(page: str, code: str) -> str:
    found = re.search(rf'<li class="[^"]*" data-code="{code}">(.*?)</li>', page, re.S)
    assert found, f"no {code} in the timeline"
    return found.group(1)


@pytest.mark.parametrize("path", PATHS, ids=lambda p: "-".join(f"{s}{r and ':' + r}" for s, r in p))
def test_the_buyer_reads_each_outcome_with_its_upu_code(world, client, path):
    brazilian = world["parcel"]  # the buyer's paid order, shipped to São Paulo
    mexican = world["others"][0]
    Parcel.objects.filter(pk=mexican.pk).update(recipient_country="MX")
    services.present_manifest(world["flight"], world["gateway"], world["operator"])
    start = timezone.now()
    for parcel in (brazilian, mexican):
        for i, (outcome, reason) in enumerate(path):
            services.decide(parcel, outcome, reason, at=start + dt.timedelta(seconds=i + 1))

    expected = ["EDB", *(o.UPU_CODE[outcome] for outcome, _r in path)]
    last = path[-1][0]
    for parcel, language in ((brazilian, "pt-br"), (mexican, "es")):
        events = list(
            TrackingEvent.objects.filter(parcel=parcel, source="customs").order_by(
                "occurred_at", "pk"
            )
        )
        assert [e.code for e in events] == expected
        assert [e.details["decision"] for e in events[1:]] == [s for s, _r in path]
        assert Case.objects.get(parcel=parcel).status == last

        page = client.get(f"/track/{parcel.s10}/", HTTP_ACCEPT_LANGUAGE=language)
        assert page.status_code == 200
        html = page.content.decode()
        assert f'data-status="{STATUS[last]}"' in html
        for code in expected:
            item = _item(html, code)
            assert f"<strong>{MEANING[language][code]}</strong>" in item, (language, code)
            assert '<code class="upu"' in item and f">{code}</code>" in item
        for outcome, reason in path:
            words = REASON[language].get(reason or outcome)
            if words:
                assert f"Motivo: {words}</span>" in _item(html, o.UPU_CODE[outcome]), (
                    language,
                    outcome,
                )
        if path == [(o.CLEARED, "")]:
            assert "Motivo:" not in html  # a clearance needs no reason
