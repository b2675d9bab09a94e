"""Each adapter reads its document's recorded shape and maps the statuses to UPU events."""

from __future__ import annotations

import datetime as dt

import pytest

from caravana.carrier_events import adapters
from caravana.carrier_events.adapters import correios, correos_chile, minutos99
from caravana.carrier_events.adapters.base import OTHER, PayloadError
from caravana.tracking import upu
from tests.carrier_events.conftest import recorded


def codes(adapter, events):
    return [(m.code if (m := adapter.map_status(e)) else None) for e in events]


def test_every_adapter_has_the_same_verbs_and_names_its_document():
    for name, mod in adapters.ADAPTERS.items():
        for attr in ("NAME", "COUNTRY", "SOURCE", "STATUSES", "parse", "map_status", "reason_text"):
            assert hasattr(mod, attr), (name, attr)
        assert "seen 2026-" in mod.SOURCE and "http" in mod.SOURCE, name
        for status, mapped in mod.STATUSES.items():
            assert mapped.code == "" or upu.lookup(mapped.code), (name, status)
            assert not (upu.lookup(mapped.code) or upu.CODES["EMA"]).needs_reason or mapped.reason


def test_99minutos_webhook_example():
    events = minutos99.parse(recorded("minutos99_webhook.json", number="2139671481"))
    assert len(events) == 9
    first = events[0]
    assert first.number == "2139671481" and first.status == "1002"
    assert first.occurred_at == dt.datetime(2023, 1, 2, 23, 55, 39, tzinfo=dt.UTC)
    assert codes(minutos99, events) == ["", "", "EDD", "", "EDD", "", "", "EDG", "EMI"]
    assert len({e.key for e in events}) == 9  # the two "stored" at different times differ


def test_99minutos_failed_attempt_and_unknown_status():
    events = minutos99.parse(recorded("minutos99_unknown.json", number="2139671481"))
    failed, unknown = events
    assert minutos99.map_status(failed).code == "EMH"
    assert minutos99.map_status(failed).reason == OTHER
    assert minutos99.reason_text(failed) == "Cliente ausente"
    assert minutos99.map_status(unknown) is None


def test_99minutos_names_the_missing_field():
    payload = recorded("minutos99_webhook.json", number="1")
    del payload["Events"][2]["CreatedAt"]
    with pytest.raises(PayloadError) as exc:
        minutos99.parse(payload)
    assert exc.value.field == "Events.2.CreatedAt"
    with pytest.raises(PayloadError) as exc:
        minutos99.parse({"Events": []})
    assert exc.value.field == "TrackingId"


def test_correios_sro_answer():
    events = correios.parse(recorded("correios_sro.json", s10="HC000000014CN"))
    assert [e.status for e in events] == ["BDE/01", "BDE/02", "OEC/01", "DO/01"]
    assert codes(correios, events) == ["EMI", None, "EDG", ""]
    delivered = events[0]
    assert delivered.occurred_at == dt.datetime(2012, 9, 11, 21, 52, tzinfo=dt.UTC)  # −03:00
    assert delivered.location == "CEE JUNDIAI, JUNDIAI, SP"
    with pytest.raises(PayloadError) as exc:
        correios.parse({"objeto": [{"numero": "X", "evento": [{"status": "01"}]}]})
    assert exc.value.field == "objeto.0.evento.0.tipo"


def test_correos_chile_trazabilidad():
    events = correos_chile.parse(recorded("correos_chile.json", s10="CP000000019CL"))
    assert [e.status for e in events] == ["ENVIO ENTREGADO", "ENVIO EN REPARTO",
                                          "RECIBIDO EN PLANTA ORIGEN"]  # fmt: skip
    assert codes(correos_chile, events) == ["EMI", "EDG", ""]
    assert events[0].occurred_at.utcoffset() == dt.timedelta(hours=-3)
    assert events[0].location == "CDD PROVIDENCIA"
    with pytest.raises(PayloadError) as exc:
        correos_chile.parse({"numeroEnvio": "1", "historial": [{"estado": "X"}]})
    assert exc.value.field == "historial.0.fecha"


def test_the_same_report_has_the_same_key():
    a = minutos99.parse(recorded("minutos99_webhook.json", number="7"))
    b = minutos99.parse(recorded("minutos99_webhook.json", number="7"))
    assert [e.key for e in a] == [e.key for e in b]


def test_loggi_webhook_example():
    from caravana.carrier_events.adapters import loggi

    events = loggi.parse(recorded("loggi_webhook.json", number="SH1007503594LG"))
    (delivered,) = events
    assert delivered.number == "SH1007503594LG" and delivered.status == "5"
    assert delivered.occurred_at == dt.datetime(2021, 5, 5, 10, 40, 18, 941518, tzinfo=dt.UTC)
    assert delivered.location == "São Paulo, SP"
    assert loggi.map_status(delivered).code == "EMI"
    with pytest.raises(PayloadError) as exc:
        loggi.parse({"packages": [{"trackingCode": "X", "trackingHistory": [{"status": {}}]}]})
    assert exc.value.field == "packages.0.trackingHistory.0.status.code"
