"""How advance data reaches each destination's customs: one adapter per country's system,
found in a registry, and one that leaves the files for a customs broker to upload.

None of the six national formats is used here. Where a system's electronic format is not
public (or not found when this was written) the adapter sends the documented generic form,
caravana.ead/1 as JSON and CSV (docs/customs.md), and says so in `note`:

* BR — the DIR in Siscomex Remessa is registered by Correios or a habilitated courier
  (IN RFB 1.737/2017; gov.br/receitafederal … remessas-postal-e-expressa); no public file
  layout found.
* MX — express parcels clear through a broker's pedimento (key T1, RGCE 3.7.3/3.7.35); the
  pedimento's electronic layout is the broker's (idconline.mx 2022-07-04).
* CL — guía courier and manifiesto de carga courier per flight (Aduana Res. Ex. 7042/2016);
  the electronic format was not found.
* CO — the signed transport document is the simplified declaration (Decreto 1165/2019); the
  DIAN's electronic format was not found.
* PE — de-consolidated manifest and DSEER (SUNAT DESPA-PG.28 v3); format not found.
* AR — couriers report arrivals to ARCA (RG ARCA 5608/2024); format not found.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from caravana.customs import ead
from caravana.jobs import csvfile


@dataclass(frozen=True)
class Export:
    """One flight's advance data for one destination country."""

    flight: str  # flight number
    date: dt.date
    destination: str  # ISO country
    records: Sequence[dict[str, Any]]

    @property
    def stem(self) -> str:
        return f"ead-{self.flight}-{self.date.isoformat()}-{self.destination}"


@dataclass(frozen=True)
class File:
    name: str
    body: bytes
    content_type: str


class Adapter(Protocol):
    """`system`: the customs system it feeds; `public_format` False: the national format is not
    public and the generic form is sent; `note` says so."""

    @property
    def code(self) -> str: ...

    @property
    def system(self) -> str: ...

    @property
    def public_format(self) -> bool: ...

    @property
    def note(self) -> str: ...

    def files(self, export: Export) -> list[File]: ...


def generic_files(export: Export) -> list[File]:
    """caravana.ead/1 as one JSON file and one CSV (one row per item)."""
    header = {
        "flight": export.flight,
        "date": export.date.isoformat(),
        "destination": export.destination,
    }
    body = ead.to_json(export.records, header).encode("utf-8")
    return [
        File(f"{export.stem}.json", body, "application/json"),
        File(f"{export.stem}.csv", _csv(export.records), "text/csv"),
    ]


#: Columns whose text comes from people (names, addresses, descriptions): a spreadsheet would
#: run one starting with = + - @ as a formula, so jobs.csvfile.cell quotes it. The others are
#: numbers and codes Caravana wrote, passed as they are (60,000 parcels × 44 columns).
_TEXT_COLUMNS = tuple(
    i
    for i, name in enumerate(ead.CSV_COLUMNS)
    if name.startswith(("sender_", "consignee_", "item_description", "invoice", "order_"))
)


def _csv(records: Sequence[dict[str, Any]]) -> bytes:
    """UTF-8 CSV with a BOM (spreadsheets then read accents and Chinese right)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(ead.CSV_COLUMNS)
    cell = csvfile.cell
    for rec in records:
        for row in ead.csv_rows(rec):
            for i in _TEXT_COLUMNS:
                row[i] = cell(row[i])
            writer.writerow(row)
    return out.getvalue().encode("utf-8-sig")


@dataclass(frozen=True)
class GenericAdapter:
    """A country whose system's format is not public: the generic form, for the courier or
    broker who files the national declaration."""

    code: str
    system: str
    note: str
    public_format: bool = False

    def files(self, export: Export) -> list[File]:
        return generic_files(export)


@dataclass(frozen=True)
class BrokerDrop:
    """Writes each export's files into the storage under `folder/<country>/` for a customs
    broker to collect and upload (an SFTP or bucket the broker reads). Returns the same
    files, with their stored names."""

    folder: str = "customs/outbox"
    code: str = "broker"
    system: str = "broker upload"
    public_format: bool = False
    note: str = "Files left for the broker to upload to the national system."
    written: list[str] = field(default_factory=list)

    def files(self, export: Export) -> list[File]:
        out = []
        stamp = timezone.now().strftime("%Y%m%dT%H%M%S")
        for f in generic_files(export):
            name = default_storage.save(
                f"{self.folder}/{export.destination}/{stamp}-{f.name}", ContentFile(f.body)
            )
            self.written.append(name)
            out.append(File(name.rpartition("/")[2], f.body, f.content_type))
        return out


_REGISTRY: dict[str, Adapter] = {}


def register(country: str, adapter: Adapter) -> None:
    """Install the adapter that feeds `country`'s customs (replaces any before it)."""
    _REGISTRY[country.upper()] = adapter


def adapter_for(country: str) -> Adapter:
    """The adapter of `country`'s customs system; KeyError for a country without one."""
    return _REGISTRY[country.upper()]


def registered() -> dict[str, Adapter]:
    return dict(_REGISTRY)


_NOT_PUBLIC = "The national electronic format is not public: the generic form is sent."
for _country, _system in (
    ("BR", "Siscomex Remessa (DIR)"),
    ("MX", "Pedimento T1 (agente aduanal)"),
    ("CL", "Aduana: manifiesto de carga courier"),
    ("CO", "DIAN: tráfico postal y envíos urgentes"),
    ("PE", "SUNAT: manifiesto desconsolidado / DSEER"),
    ("AR", "ARCA: régimen courier"),
):
    register(
        _country,
        GenericAdapter(code=f"{_country.lower()}.generic", system=_system, note=_NOT_PUBLIC),
    )
