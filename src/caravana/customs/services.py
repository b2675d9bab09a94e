"""Customs declarations: built when a parcel's label is created (fulfillment sends
``label_created``, customs.receivers calls ``declare_parcel``), in bulk for parcels that have
none (``declare_parcels``, used by the advance-data export and the benchmark), and read back
(``declaration_for``). What a declaration holds is computed by customs.declaration from
plain data; this module only gathers that data in a bounded number of queries per batch and
saves the result."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from functools import cache
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from caravana import markets, statements
from caravana.catalog.models import Merchant, Product
from caravana.codes import cn23
from caravana.customs import cn23_pdf, ead
from caravana.customs import declaration as decl
from caravana.customs.error_codes import CustomsErrorCode
from caravana.customs.models import Declaration, NationalTariffCode, SenderAddress
from caravana.errors import coded_fields_error, field_error
from caravana.fulfillment.models import Parcel, ParcelItem
from caravana.jobs.kinds import Progress
from caravana.markets import documents
from caravana.network.models import Flight
from caravana.orders.models import Order, OrderLine

BATCH = 1000
USD = "USD"

_PARCEL_FIELDS = (
    "id",
    "s10",
    "merchant_id",
    "order_ref",
    "recipient_country",
    "recipient_tax_id",
    "recipient_tax_id_type",
    "declared_weight_g",
    "measured_weight_g",
    "declared_currency",
)


def _title_field(language: str) -> str:
    return "title_" + language.lower().replace("-", "_")


def _sender_address(merchant: Any, address: Any) -> str:
    """The sender box: the street address the merchant gave customs, else its city, China."""
    if address is None:
        return f"{merchant['city']}, China"
    parts = [address["street_address"], address["postal_code"], address["province"]]
    return ", ".join(p for p in [*parts, merchant["city"], "China"] if p)


def _inputs(parcel_ids: Sequence[int]) -> Iterator[tuple[int, decl.DeclarationIn]]:
    """Each parcel's declaration input, from its items, its order (quote and lines), the
    products' titles and national codes and the merchant: seven queries per batch."""
    parcels = list(Parcel.objects.filter(pk__in=parcel_ids).values(*_PARCEL_FIELDS))
    if not parcels:
        return
    items: dict[int, list[Any]] = defaultdict(list)
    for row in (
        ParcelItem.objects.filter(parcel_id__in=[p["id"] for p in parcels])
        .order_by("id")
        .values(
            "parcel_id",
            "description",
            "hs_code",
            "quantity",
            "unit_value",
            "currency",
            "unit_weight_g",
            "origin_country",
        )
    ):
        items[row["parcel_id"]].append(row)
    merchant_ids = {p["merchant_id"] for p in parcels}
    merchants: dict[int, Any] = {
        m["id"]: m
        for m in Merchant.objects.filter(pk__in=merchant_ids).values(
            "id", "legal_name", "uscc", "city"
        )
    }
    addresses: dict[int, Any] = {
        a["merchant_id"]: a
        for a in SenderAddress.objects.filter(merchant_id__in=merchant_ids).values(
            "merchant_id", "street_address", "postal_code", "province"
        )
    }
    refs = {p["order_ref"] for p in parcels if p["order_ref"]}
    orders: dict[tuple[int, str], Any] = {
        (o["merchant_id"], o["number"]): o
        for o in Order.objects.filter(number__in=refs).values(
            "id",
            "number",
            "merchant_id",
            "quote__lines",
            "quote__shipping__usd_exact",
            "quote__insurance__usd_exact",
        )
    }
    lines: dict[int, list[Any]] = defaultdict(list)
    languages = {_title_field(markets.language(p["recipient_country"])) for p in parcels}
    title_fields = sorted(languages | {"title_en"})
    for line in (
        OrderLine.objects.filter(order_id__in=[o["id"] for o in orders.values()])
        .order_by("id")
        .values("order_id", "quantity", "variant__product_id")
    ):
        lines[line["order_id"]].append(line)
    product_ids = {ln["variant__product_id"] for rows in lines.values() for ln in rows}
    products: dict[int, Any] = {
        p["id"]: p for p in Product.objects.filter(pk__in=product_ids).values("id", *title_fields)
    }
    national = {
        (n["product_id"], n["country"]): n["code"]
        for n in NationalTariffCode.objects.filter(product_id__in=product_ids).values(
            "product_id", "country", "code"
        )
    }
    for p in parcels:
        merchant = merchants[p["merchant_id"]]
        country = p["recipient_country"]
        language = markets.language(country)
        order = orders.get((p["merchant_id"], p["order_ref"])) if p["order_ref"] else None
        order_lines = lines.get(order["id"], []) if order else []
        quote_lines = (order["quote__lines"] if order else None) or []
        parcel_items = items.get(p["id"], [])
        # The quote's USD values are what duties were computed on: declare them when the
        # parcel is an order's and its items are the order's lines, one for one.
        in_usd = bool(order) and len(order_lines) == len(parcel_items) == len(quote_lines)
        currency = USD if in_usd else p["declared_currency"]
        rows = []
        for i, it in enumerate(parcel_items):
            product = products.get(order_lines[i]["variant__product_id"]) if in_usd else None
            english = (product or {}).get("title_en") or it["description"]
            local = (product or {}).get(_title_field(language), "") if product else ""
            unit = it["unit_value"]
            if in_usd:
                unit = Decimal(quote_lines[i]["usd_exact"]) / it["quantity"]
            rows.append(
                decl.ItemIn(
                    description_en=english,
                    description_local=local or ("" if language != "en" else english),
                    hs_code=it["hs_code"],
                    quantity=it["quantity"],
                    unit_value=unit,
                    unit_weight_g=it["unit_weight_g"],
                    origin_country=it["origin_country"],
                    national_code=national.get((product["id"], country), "") if product else "",
                )
            )
        freight = insurance = Decimal(0)
        if in_usd:
            assert order is not None
            freight = Decimal(order["quote__shipping__usd_exact"] or 0)
            insurance = Decimal(order["quote__insurance__usd_exact"] or 0)
        yield (
            p["id"],
            decl.DeclarationIn(
                destination=country,
                language=language,
                currency=currency,
                items=rows,
                invoice_number=p["order_ref"] or p["s10"],
                sender_name=merchant["legal_name"],
                sender_address=_sender_address(merchant, addresses.get(p["merchant_id"])),
                sender_uscc=merchant["uscc"],
                buyer_document_type=p["recipient_tax_id_type"],
                buyer_document_number=p["recipient_tax_id"],
                freight=freight,
                insurance=insurance,
                gross_weight_g=p["measured_weight_g"] or p["declared_weight_g"],
                category=cn23.SALE_OF_GOODS,
            ),
        )


def _values(d: decl.Declaration) -> dict[str, Any]:
    """A Declaration row's field values (without the parcel and the creation time)."""
    return {
        "destination_country": d.destination,
        "language": d.language,
        "category": d.category,
        "invoice_number": d.invoice_number[:64],
        "currency": d.currency,
        "goods_value": d.goods_value,
        "freight": d.freight,
        "insurance": d.insurance,
        "customs_value": d.customs_value,
        "net_weight_g": d.net_weight_g,
        "gross_weight_g": d.gross_weight_g,
        "buyer_document_type": d.buyer_document_type,
        "buyer_document_number": d.buyer_document_number,
        "sender_name": d.sender_name[:200],
        "sender_address": d.sender_address[:400],
        "sender_uscc": d.sender_uscc,
        "items": [it.to_dict() for it in d.items],
        "warnings": list(d.warnings),
    }


_JSON_FIELDS = ("items", "warnings")


@cache
def _insert_sql(vendor: str) -> tuple[str, tuple[str, ...]]:
    """One parameterised INSERT of a declaration, skipping a parcel already declared (ON
    CONFLICT DO NOTHING: SQLite ≥ 3.24 and PostgreSQL). Built once: a flight's 60,000 rows go
    through executemany with no ORM compilation per row."""
    meta = Declaration._meta
    columns = tuple(str(f.column) for f in meta.concrete_fields if f is not meta.auto_field)
    qn = connection.ops.quote_name
    sql = (
        f"INSERT INTO {qn(meta.db_table)} ({', '.join(qn(c) for c in columns)}) "
        f"VALUES ({', '.join(['%s'] * len(columns))}) ON CONFLICT ({qn('parcel_id')}) DO NOTHING"
    )
    return sql, columns


def _insert(rows: list[tuple[int, decl.Declaration]]) -> None:
    sql, columns = _insert_sql(connection.vendor)
    now = timezone.now()
    params = []
    for parcel_id, d in rows:
        values = _values(d)
        for name in _JSON_FIELDS:
            values[name] = json.dumps(values[name], ensure_ascii=False, separators=(",", ":"))
        values["parcel_id"], values["created_at"] = parcel_id, now
        params.append([values[c] for c in columns])
    with statements.cursor() as cursor:
        cursor.executemany(sql, params)


@transaction.atomic
def declare_parcel(parcel: Parcel) -> Declaration:
    """The parcel's declaration, built now unless it has one (idempotent). Bad data raises a
    ValidationError naming the field, and the caller's transaction (the label) rolls back."""
    existing = Declaration.objects.filter(parcel_id=parcel.pk).first()
    if existing is not None:
        return existing
    for parcel_id, data in _inputs([parcel.pk]):
        try:
            built = decl.build(data)
        except decl.DeclarationError as exc:
            raise coded_fields_error(exc.errors, {}, CustomsErrorCode.INVALID_DECLARATION) from exc
        try:
            with transaction.atomic():
                return Declaration.objects.create(parcel_id=parcel_id, **_values(built))
        except IntegrityError:
            # Another request (two first prints of an old parcel's CN 23) declared it between
            # the check above and this insert: its declaration, built from the same data, wins.
            return Declaration.objects.get(parcel_id=parcel_id)
    raise field_error("parcel", _("Unknown parcel."), CustomsErrorCode.INVALID_DECLARATION)


def declare_parcels(parcel_ids: Iterable[int]) -> tuple[int, dict[int, dict[str, str]]]:
    """Declarations for every parcel among `parcel_ids` that has none, in batches of BATCH
    (each batch in its own transaction). Returns how many were made and, per parcel that
    could not be declared, the fields at fault."""
    made, refused = 0, {}
    ids = list(parcel_ids)
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        with transaction.atomic():
            have = set(
                Declaration.objects.filter(parcel_id__in=chunk).values_list("parcel_id", flat=True)
            )
            rows = []
            for parcel_id, data in _inputs([i for i in chunk if i not in have]):
                try:
                    rows.append((parcel_id, decl.build(data)))
                except decl.DeclarationError as exc:
                    refused[parcel_id] = exc.errors
            if rows:
                _insert(rows)
            made += len(rows)
    return made, refused


def declaration_for(parcel: Parcel) -> Declaration:
    """The parcel's declaration, built first if the parcel predates customs."""
    found = Declaration.objects.filter(parcel_id=parcel.pk).first()
    return found if found is not None else declare_parcel(parcel)


def items_of(declaration: Declaration) -> list[decl.Item]:
    """The declaration's items as customs.declaration.Item values."""
    return [decl.Item.from_dict(d) for d in declaration.items]


@transaction.atomic
def set_national_code(product: Product, country: str, code: str) -> NationalTariffCode | None:
    """Record (or, with an empty code, remove) the product's national tariff code for one
    destination; it must extend the product's HS subheading to the country's length."""
    country = country.upper()
    try:
        digits = decl.national_code(country, product.hs_code, code)
    except ValueError:
        raise field_error(
            "code",
            _("Give the %(country)s code: %(n)s digits starting with %(hs)s.")
            % {
                "country": country,
                "n": decl.NATIONAL_DIGITS.get(country, "?"),
                "hs": product.hs_code,
            },
            CustomsErrorCode.INVALID_NATIONAL_CODE,
        ) from None
    if not digits:
        NationalTariffCode.objects.filter(product=product, country=country).delete()
        return None
    row, _created = NationalTariffCode.objects.update_or_create(
        product=product, country=country, defaults={"code": digits}
    )
    return row


@transaction.atomic
def set_sender_address(
    merchant: Merchant, street_address: str, postal_code: str = "", province: str = ""
) -> SenderAddress:
    """The address the CN 23's sender box prints for this merchant."""
    if not street_address.strip():
        raise field_error(
            "street_address", _("This field is required."), CustomsErrorCode.INVALID_DECLARATION
        )
    row, _created = SenderAddress.objects.update_or_create(
        merchant=merchant,
        defaults={
            "street_address": street_address.strip()[:250],
            "postal_code": postal_code.strip()[:12],
            "province": province.strip()[:80],
        },
    )
    return row


# --- electronic advance data -------------------------------------------------------------------


def flight_parcels(flight: Flight) -> QuerySet[Parcel]:
    """The parcels a flight carries or is planned to carry: in a ULD loaded on it, in a ULD a
    committed plan puts on it and not yet loaded elsewhere, or in a bag planned onto it
    without a ULD. Advance data goes before departure, so the plan counts."""
    return Parcel.objects.filter(
        Q(bag__uld__flight=flight)
        | Q(bag__uld__flight__isnull=True, bag__uld__planned_flight=flight)
        | Q(bag__uld__isnull=True, bag__planned_flight=flight)
    ).exclude(state=Parcel.State.CANCELLED)


_EAD_VALUES = {
    "s10": "parcel__s10",
    "order_ref": "parcel__order_ref",
    "merchant_id": "parcel__merchant_id",
    "battery": "parcel__battery",
    "gross_weight_g": "gross_weight_g",
    "category": "category",
    "invoice_number": "invoice_number",
    "currency": "currency",
    "goods_value": "goods_value",
    "freight": "freight",
    "insurance": "insurance",
    "customs_value": "customs_value",
    "ddp": "parcel__ddp",
    "sender_name": "sender_name",
    "sender_address": "sender_address",
    "sender_uscc": "sender_uscc",
    "recipient_name": "parcel__recipient_name",
    "recipient_address": "parcel__recipient_address",
    "recipient_city": "parcel__recipient_city",
    "recipient_state": "parcel__recipient_state",
    "recipient_postal_code": "parcel__recipient_postal_code",
    "recipient_country": "destination_country",
    "recipient_phone": "parcel__recipient_phone",
    "recipient_email": "parcel__recipient_email",
    "document_type": "buyer_document_type",
    "document_number": "buyer_document_number",
    "items": "items",
    "uld": "parcel__bag__uld__identifier",
    "bag": "parcel__bag__identifier",
}


def ead_records(
    flight: Flight, destination: str = "", progress: Progress | None = None
) -> dict[str, list[dict[str, Any]]]:
    """The flight's advance data per destination country (only `destination` when given):
    declarations are made first for parcels that have none, then read CHUNK at a time."""
    parcels = flight_parcels(flight)
    if destination:
        parcels = parcels.filter(recipient_country=destination.upper())
    ids = list(parcels.order_by("pk").values_list("pk", flat=True))
    declare_parcels(ids)
    transport = {
        "flight": flight.number,
        "departure": flight.scheduled_departure.isoformat(timespec="seconds"),
        "origin": flight.origin,
        "destination": flight.destination,
    }
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    docs: dict[str, Any] = {}
    for start in range(0, len(ids), BATCH * 5):
        chunk = ids[start : start + BATCH * 5]
        rows = list(
            Declaration.objects.filter(parcel_id__in=chunk)
            .order_by("parcel_id")
            .values(
                *(k for k, v in _EAD_VALUES.items() if k == v),
                **{k: F(v) for k, v in _EAD_VALUES.items() if k != v},
            )
        )
        refs = {r["order_ref"] for r in rows if r["order_ref"]}
        taxes = {
            (o["merchant_id"], o["number"]): o
            for o in Order.objects.filter(number__in=refs).values(
                "merchant_id", "number", "currency", "duties", "taxes"
            )
        }
        for r in rows:
            order = taxes.get((r["merchant_id"], r["order_ref"]))
            doc = docs.get(r["document_type"], False)
            if doc is False:
                doc = docs[r["document_type"]] = documents.get(r["document_type"])
            r.update(transport)
            r["document_short"] = doc.short if doc else ""
            r["prepaid_currency"] = order["currency"] if order and r["ddp"] else ""
            r["prepaid_duties"] = order["duties"] if order else ""
            r["prepaid_taxes"] = order["taxes"] if order else ""
            out[r["recipient_country"]].append(ead.record(r))
        if progress is not None:
            progress(min(start + len(chunk), len(ids)), len(ids))
    return dict(out)


# --- CN 23 -------------------------------------------------------------------------------------

#: S10 service indicators whose items are postal parcels (C parcel, E EMS, H e-commerce
#: parcel: caravana.codes.s10): the CN 23 goes with every postal parcel, the CN 22 with small
#: letter-post items (border-and-last-mile.md §1, "CN 22 / CN 23").
POSTAL_PARCEL_SERIES = frozenset("CEH")


def travels_as_postal_item(parcel: Parcel) -> bool:
    """Whether the parcel travels as a UPU postal parcel, so its CN 23 is printed."""
    return parcel.s10[:1] in POSTAL_PARCEL_SERIES


def cn23_form(parcel: Parcel) -> cn23_pdf.Form:
    """What the parcel's CN 23 prints (the declaration is built first if missing)."""
    d = declaration_for(parcel)
    doc = documents.get(d.buyer_document_type)
    reference = d.buyer_document_number
    if doc is not None:
        with translation.override(markets.language(d.destination_country)):
            reference = f"{doc.short} {doc.format(d.buyer_document_number)}"
    place = " ".join(
        x
        for x in (parcel.recipient_postal_code, parcel.recipient_city, parcel.recipient_state)
        if x
    )
    return cn23_pdf.Form(
        s10=parcel.s10,
        category=d.category,
        sender_name=d.sender_name,
        sender_address=d.sender_address,
        sender_uscc=d.sender_uscc,
        addressee_name=parcel.recipient_name,
        addressee_lines=(parcel.recipient_address, place),
        addressee_country=markets.country_name(d.destination_country, "en").upper(),
        importer_reference=reference,
        importer_contact=" · ".join(
            x for x in (parcel.recipient_phone, parcel.recipient_email) if x
        ),
        items=tuple(items_of(d)),
        currency=d.currency,
        goods_value=str(d.goods_value),
        postal_charges=str(d.freight + d.insurance),
        gross_weight_kg=f"{d.gross_weight_g / 1000:.3f}",
        invoice_number=d.invoice_number,
        office_of_posting=parcel.hub.code,
        date_of_posting=parcel.created_at.date().isoformat(),
        comments="Lithium ion batteries contained in equipment (UN3481)"
        if parcel.battery == "in_equipment"
        else "",
    )


def cn23_pdf_for(parcels: Iterable[Parcel]) -> bytes:
    """The CN 23 forms of `parcels` (postal parcels only) as one PDF."""
    return cn23_pdf.render(cn23_form(p) for p in parcels if travels_as_postal_item(p))
