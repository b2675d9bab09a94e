"""Many variants, their products and stock checked at once (a spreadsheet import, the API's bulk
upsert): every row's every error is found, named by row and field, before anything is written
(catalog.services.bulk_upsert writes a plan without errors, in one transaction).

A row is one variant, keyed by its SKU (unique per merchant): a known SKU updates its variant
and its product, a new one creates a variant. So applying the same rows again changes nothing.
The ``product`` field says which product a new SKU joins: the id of one of the merchant's
products, or any label shared by the rows of a new product (a label whose rows hold a known
SKU means that SKU's product). Blank cells leave a stored value as it is; a new product or
variant needs its required fields."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from caravana.catalog.languages import CONTENT_LANGUAGES, suffix
from caravana.catalog.models import (
    BatteryType,
    Category,
    Merchant,
    PriceCurrency,
    Product,
    Stock,
    Variant,
    Warehouse,
)
from caravana.catalog.validators import validate_hs_code
from caravana.catalog.variant_checks import check_variant
from caravana.limits import INT_MAX

TITLE_FIELDS = tuple(f"title_{suffix(lang)}" for lang in CONTENT_LANGUAGES)
PRODUCT_FIELDS = ("store", "category", "hs_code", *TITLE_FIELDS, "active")
VARIANT_FIELDS = (
    "options",
    "price",
    "currency",
    "weight_g",
    "length_cm",
    "width_cm",
    "height_cm",
    "battery",
)
#: Every field a row may carry, in the order an export writes them.
FIELDS = ("product", *PRODUCT_FIELDS, "sku", *VARIANT_FIELDS, "stock", "warehouse")
REQUIRED_NEW_VARIANT = ("price", "weight_g", "length_cm", "width_cm", "height_cm")
# Rows read per query when looking up known SKUs (below SQLite's 999 parameters).
LOOKUP_CHUNK = 500

_TRUE = {"1", "true", "yes", "y", "si", "sí", "sim", "是", "上架", "x"}
_FALSE = {"0", "false", "no", "n", "não", "nao", "否", "下架"}
_FORMULA_ESCAPED = ("'=", "'+", "'-", "'@")

Progress = Callable[..., None]


@dataclass(frozen=True)
class RowError:
    """One problem: the row's index in the input (0 first), the field, the message."""

    row: int
    field: str
    message: str


@dataclass
class Plan:
    """What the rows would write, or their errors (then nothing may be written)."""

    errors: list[RowError] = field(default_factory=list)
    new_products: list[Product] = field(default_factory=list)
    changed_products: list[Product] = field(default_factory=list)
    # (variant, key of its new product or None); the product gets its id when created.
    new_variants: list[tuple[Variant, str | None]] = field(default_factory=list)
    changed_variants: list[Variant] = field(default_factory=list)
    changed_variant_fields: set[str] = field(default_factory=set)
    changed_product_fields: set[str] = field(default_factory=set)
    # (variant or its SKU for a new one, warehouse, existing stock row or None, quantity)
    stock: list[tuple[Variant, Warehouse, Stock | None, int]] = field(default_factory=list)
    product_keys: dict[str, Product] = field(default_factory=dict)
    # The row that set a stored product's "active" field, to name it in an error.
    active_rows: dict[int, int] = field(default_factory=dict)
    unchanged: int = 0
    first: int = 0  # how messages number rows

    def summary(self) -> dict[str, int]:
        return {
            "new_products": len(self.new_products),
            "changed_products": len(self.changed_products),
            "new_variants": len(self.new_variants),
            "changed_variants": len(self.changed_variants),
            "stock": len(self.stock),
        }


def blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def text(value: Any) -> str:
    """A cell as text: numbers from a spreadsheet without a trailing .0, an export's
    formula-guard apostrophe (jobs.csvfile) taken off again."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    out = str(value).strip()
    if out.startswith(_FORMULA_ESCAPED):
        out = out[1:]
    return out


def _decimal(value: Any, places: int, low: Decimal, high: Decimal) -> Decimal:
    raw = text(value).replace(" ", "")
    if "," in raw and "." not in raw:
        raw = raw.replace(",", ".")  # 12,50 as written in Brazil and Argentina
    try:
        number = Decimal(raw)
    except InvalidOperation:
        raise ValueError(_("“%(value)s” is not a number.") % {"value": raw}) from None
    if not number.is_finite():
        raise ValueError(_("“%(value)s” is not a number.") % {"value": raw})
    # The range first: quantizing 1E30 to cents overflows the context (InvalidOperation).
    if not low <= number <= high:
        raise ValueError(_("Give a number from %(low)s to %(high)s.") % {"low": low, "high": high})
    if number != number.quantize(Decimal(1).scaleb(-places)):
        raise ValueError(_("Give at most %(n)d decimal places.") % {"n": places})
    return number.quantize(Decimal(1).scaleb(-places))


_WHOLE = re.compile(r"-?[0-9]+")


def _digits(ref: str) -> bool:
    """ASCII digits only: str.isdigit() also says yes to "²", which int() refuses."""
    return ref.isascii() and ref.isdigit()


def _int(value: Any, low: int, high: int) -> int:
    raw = text(value).replace(" ", "")
    if not _WHOLE.fullmatch(raw):  # ASCII digits only: "²".isdigit() is True, int("²") fails
        raise ValueError(_("“%(value)s” is not a whole number.") % {"value": raw})
    number = int(raw) if len(raw) < 30 else high + 1  # int() refuses 4,300+ digits
    if not low <= number <= high:
        raise ValueError(
            _("Give a whole number from %(low)d to %(high)d.") % {"low": low, "high": high}
        )
    return number


def parse_bool(value: Any) -> bool:
    raw = text(value).casefold()
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise ValueError(_("Write yes or no."))


def parse_options(value: Any) -> dict[str, str]:
    """``colour=red; size=M`` (an export writes them so) as {"colour": "red", "size": "M"}."""
    out: dict[str, str] = {}
    for part in text(value).replace("；", ";").split(";"):
        if not part.strip():
            continue
        name, sep, val = part.replace("＝", "=").partition("=")
        if not sep or not name.strip() or not val.strip():
            raise ValueError(_("Write options as name=value; name=value (colour=red; size=M)."))
        out[name.strip()] = val.strip()
    return out


def format_options(options: Mapping[str, Any]) -> str:
    return "; ".join(f"{k}={v}" for k, v in options.items())


def _field_messages(exc: ValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {k: list(v) for k, v in exc.message_dict.items()}
    return {"__all__": list(exc.messages)}


class _Context:
    """What the rows refer to, read once: the merchant's stores, warehouses, known SKUs, their
    products and stock rows."""

    def __init__(self, merchant: Merchant, rows: Sequence[Mapping[str, Any]]) -> None:
        self.merchant = merchant
        self.stores = {s.slug: s for s in merchant.stores.all()}
        self.categories = {c.slug: c for c in Category.objects.all()}
        warehouses = list(Warehouse.objects.filter(merchant=merchant).order_by("id"))
        self.warehouses = {w.name.casefold(): w for w in warehouses}
        self.default_warehouse = warehouses[0] if warehouses else None
        skus = sorted({text(r["sku"]) for r in rows if not blank(r.get("sku"))})
        self.variants: dict[str, Variant] = {}
        for i in range(0, len(skus), LOOKUP_CHUNK):
            for v in Variant.objects.filter(merchant=merchant, sku__in=skus[i : i + LOOKUP_CHUNK]):
                self.variants[v.sku] = v
        ids = {v.product_id for v in self.variants.values()}
        for r in rows:
            ref = "" if blank(r.get("product")) else text(r["product"])
            if _digits(ref) and len(ref) < 19:
                ids.add(int(ref))
        self.products: dict[int, Product] = {}
        ordered = sorted(ids)
        for i in range(0, len(ordered), LOOKUP_CHUNK):
            chunk = ordered[i : i + LOOKUP_CHUNK]
            for p in Product.objects.filter(store__merchant=merchant, pk__in=chunk):
                self.products[p.pk] = p
        known = [v.pk for v in self.variants.values()]
        self.stock: dict[tuple[int, int], Stock] = {}
        for i in range(0, len(known), LOOKUP_CHUNK):
            for s in Stock.objects.filter(variant_id__in=known[i : i + LOOKUP_CHUNK]):
                self.stock[(s.variant_id, s.warehouse_id)] = s


def plan(
    merchant: Merchant,
    rows: Sequence[Mapping[str, Any]],
    progress: Progress | None = None,
    first: int = 0,
) -> Plan:
    """Check `rows` (field name → cell) and say what they would write. Reads, never writes.
    A message naming another row numbers it from `first` (0 in the API, 2 for a file's line)."""
    out = Plan(first=first)
    report = progress or (lambda *a, **k: None)
    for i, row in enumerate(rows):
        for name in row:
            if name not in FIELDS:
                out.errors.append(RowError(i, name, _("Unknown field.")))
    ctx = _Context(merchant, rows)
    keys = _product_keys(ctx, rows, out)
    products = _products(ctx, rows, keys, out)
    seen_sku: dict[str, int] = {}
    for i, row in enumerate(rows):
        _variant_row(ctx, i, row, keys, products, seen_sku, out)
        if i % 200 == 0:
            report(i, len(rows))
    _check_activation(out)
    report(len(rows), len(rows))
    return out


def _product_keys(ctx: _Context, rows: Sequence[Mapping[str, Any]], out: Plan) -> list[str | None]:
    """Each row's product: "id:N" for a stored product, "new:label" for a new one, None when
    the row cannot say (its error is recorded)."""
    label_product: dict[str, int] = {}
    for row in rows:  # a label whose rows hold a known SKU is that SKU's product
        sku = "" if blank(row.get("sku")) else text(row["sku"])
        ref = "" if blank(row.get("product")) else text(row["product"])
        if sku in ctx.variants and ref and not _digits(ref):
            label_product.setdefault(ref, ctx.variants[sku].product_id)
    keys: list[str | None] = []
    for i, row in enumerate(rows):
        sku = "" if blank(row.get("sku")) else text(row["sku"])
        ref = "" if blank(row.get("product")) else text(row["product"])
        known = ctx.variants.get(sku)
        if _digits(ref):
            pid = int(ref) if len(ref) < 19 else 0
            if pid not in ctx.products:
                out.errors.append(
                    RowError(i, "product", _("You have no product %(id)s.") % {"id": ref})
                )
                keys.append(None)
                continue
            if known is not None and known.product_id != pid:
                out.errors.append(
                    RowError(
                        i,
                        "product",
                        _("SKU %(sku)s belongs to product %(id)d.")
                        % {"sku": sku, "id": known.product_id},
                    )
                )
                keys.append(None)
                continue
            keys.append(f"id:{pid}")
        elif known is not None:
            keys.append(f"id:{known.product_id}")
        elif ref in label_product:
            keys.append(f"id:{label_product[ref]}")
        else:
            keys.append(f"new:{ref or sku}")
    return keys


def _products(
    ctx: _Context, rows: Sequence[Mapping[str, Any]], keys: list[str | None], out: Plan
) -> dict[str, Product]:
    """Each product's fields from its rows (the first row giving a field gives it; a later
    row giving another value is an error), checked as the product's own form checks them."""
    given: dict[str, dict[str, tuple[int, str]]] = defaultdict(dict)
    for i, (row, key) in enumerate(zip(rows, keys, strict=True)):
        if key is None:
            continue
        for name in PRODUCT_FIELDS:
            if blank(row.get(name)):
                continue
            value = text(row[name])
            first = given[key].get(name)
            if first is None:
                given[key][name] = (i, value)
            elif first[1] != value:
                out.errors.append(
                    RowError(
                        i,
                        name,
                        _("The same product has “%(value)s” in row %(row)d.")
                        % {"value": first[1], "row": first[0] + out.first},
                    )
                )
    products: dict[str, Product] = {}
    for key in dict.fromkeys(k for k in keys if k is not None):
        values = given.get(key, {})
        first_row = min((i for i, _v in values.values()), default=keys.index(key))
        if key.startswith("id:"):
            product = ctx.products[int(key[3:])]
            new = False
        else:
            product = Product(is_active=True)
            new = True
        changed: set[str] = set()
        errors: list[RowError] = []
        for name, (i, value) in values.items():
            try:
                changed |= _set_product_field(ctx, product, name, value)
            except ValueError as exc:
                errors.append(RowError(i, name, str(exc)))
        if new:
            for name in ("store", "category", "hs_code"):
                if name not in values:
                    errors.append(RowError(first_row, name, _("A new product needs this field.")))
        if not any(getattr(product, t, "") for t in TITLE_FIELDS):
            errors.append(
                RowError(
                    first_row, "title_en", _("Give the product a title in at least one language.")
                )
            )
        if not errors:
            try:
                product.clean_fields(
                    exclude=["store", "category", "price_from", "price_currency", "rating_avg"]
                )
            except ValidationError as exc:
                for name, messages in _field_messages(exc).items():
                    where = values.get(name, (first_row, ""))[0]
                    errors += [RowError(where, name, m) for m in messages]
        out.errors += errors
        products[key] = product
        if errors:
            continue
        if new:
            out.new_products.append(product)
            out.product_keys[key] = product
        elif changed:
            out.changed_products.append(product)
            out.changed_product_fields |= changed
            if "active" in values:
                out.active_rows[product.pk] = values["active"][0]
    return products


def _set_product_field(ctx: _Context, product: Product, name: str, value: str) -> set[str]:
    """Set one product field from its cell; the model fields it changed."""
    if name == "store":
        store = ctx.stores.get(value)
        if store is None:
            raise ValueError(_("You have no store “%(slug)s”.") % {"slug": value})
        if product.pk and product.store_id != store.pk:
            raise ValueError(_("A product cannot move to another store."))
        product.store = store
        return set()
    if name == "category":
        cat = ctx.categories.get(value)
        if cat is None:
            raise ValueError(_("There is no category “%(slug)s”.") % {"slug": value})
        if product.category_id == cat.pk:
            return set()
        product.category = cat
        return {"category"}
    if name == "hs_code":
        code = value.replace(".", "").replace(" ", "")
        try:
            validate_hs_code(code)
        except ValidationError as exc:
            raise ValueError(" ".join(exc.messages)) from None
        return _put(product, "hs_code", code)
    if name == "active":
        return _put(product, "is_active", parse_bool(value))
    if len(value) > 200:
        raise ValueError(_("Write at most 200 characters."))
    return _put(product, name, value)


def _put(obj: Any, attr: str, value: Any) -> set[str]:
    if getattr(obj, attr) == value:
        return set()
    setattr(obj, attr, value)
    return {attr}


def _variant_row(
    ctx: _Context,
    i: int,
    row: Mapping[str, Any],
    keys: list[str | None],
    products: dict[str, Product],
    seen_sku: dict[str, int],
    out: Plan,
) -> None:
    if blank(row.get("sku")):
        out.errors.append(RowError(i, "sku", _("Every row needs its SKU.")))
        return
    sku = text(row["sku"])
    if len(sku) > 64:
        out.errors.append(RowError(i, "sku", _("Write at most 64 characters.")))
        return
    if sku in seen_sku:
        out.errors.append(
            RowError(
                i, "sku", _("This SKU is also in row %(row)d.") % {"row": seen_sku[sku] + out.first}
            )
        )
        return
    seen_sku[sku] = i
    key = keys[i]
    known = ctx.variants.get(sku)
    variant = known or Variant(
        merchant=ctx.merchant, sku=sku, currency=PriceCurrency.CNY, battery=BatteryType.NONE
    )
    errors: list[RowError] = []
    changed: set[str] = set()
    for name in VARIANT_FIELDS:
        if blank(row.get(name)):
            if known is None and name in REQUIRED_NEW_VARIANT:
                errors.append(RowError(i, name, _("A new variant needs this field.")))
            continue
        try:
            changed |= _put(variant, name, _variant_value(name, row[name]))
        except ValueError as exc:
            errors.append(RowError(i, name, str(exc)))
    if not errors:
        try:
            check_variant(variant)
            variant.clean_fields(exclude=["merchant", "product"])
        except ValidationError as exc:
            for name, messages in _field_messages(exc).items():
                errors += [RowError(i, name, m) for m in messages]
    warehouse = ctx.default_warehouse
    if not blank(row.get("warehouse")):
        warehouse = ctx.warehouses.get(text(row["warehouse"]).casefold())
        if warehouse is None:
            errors.append(RowError(i, "warehouse", _("You have no warehouse of that name.")))
    quantity = None
    if not blank(row.get("stock")):
        try:
            quantity = _int(row["stock"], 0, INT_MAX)
        except ValueError as exc:
            errors.append(RowError(i, "stock", str(exc)))
        if warehouse is None and "warehouse" not in {e.field for e in errors}:
            errors.append(RowError(i, "warehouse", _("You have no warehouse of that name.")))
    stock_row = None
    if quantity is not None and warehouse is not None and known is not None:
        stock_row = ctx.stock.get((known.pk, warehouse.pk))
        if stock_row is not None and quantity < stock_row.reserved:
            errors.append(
                RowError(
                    i,
                    "stock",
                    _("%(n)d units are reserved for orders.") % {"n": stock_row.reserved},
                )
            )
    if key is None or products.get(key) is None:
        return  # the product's error is recorded already
    out.errors += errors
    if errors:
        return
    if known is None:
        out.new_variants.append((variant, key if key.startswith("new:") else None))
        if key.startswith("id:"):
            variant.product = products[key]
    elif changed:
        out.changed_variants.append(variant)
        out.changed_variant_fields |= changed
    else:
        out.unchanged += 1
    if (
        quantity is not None
        and warehouse is not None
        and (stock_row is None or stock_row.quantity != quantity)
    ):
        out.stock.append((variant, warehouse, stock_row, quantity))


def _variant_value(name: str, value: Any) -> Any:
    if name == "options":
        return parse_options(value)
    if name == "price":
        return _decimal(value, 2, Decimal("0.01"), Decimal("9999999999.99"))
    if name == "currency":
        code = text(value).upper()
        if code not in PriceCurrency.values:
            raise ValueError(
                _("Choose one of %(codes)s.") % {"codes": ", ".join(PriceCurrency.values)}
            )
        return code
    if name == "weight_g":
        return _int(value, 1, 70_000)
    if name in ("length_cm", "width_cm", "height_cm"):
        return _decimal(value, 1, Decimal("0.1"), Decimal("300"))
    if name == "battery":
        code = text(value).casefold()
        if code not in BatteryType.values:
            raise ValueError(
                _("Choose one of %(codes)s.") % {"codes": ", ".join(BatteryType.values)}
            )
        return code
    raise AssertionError(name)


def _check_activation(out: Plan) -> None:
    """A product set active must hold no variant the network refuses (catalog.sellable):
    stored variants the rows do not mention are read for the products being activated."""
    from caravana.catalog import sellable

    activated = [p.pk for p in out.changed_products if p.is_active and p.pk]
    if not activated:
        return
    refused = set(
        Variant.objects.filter(sellable.refused_variants(), product_id__in=activated).values_list(
            "product_id", flat=True
        )
    )
    for p in out.changed_products:
        if p.pk in refused:
            out.errors.append(
                RowError(
                    out.active_rows.get(p.pk, 0),
                    "active",
                    _("Product %(id)d has a variant we cannot deliver: it stays inactive.")
                    % {"id": p.pk},
                )
            )


def sorted_errors(errors: Iterable[RowError]) -> list[RowError]:
    order = {name: n for n, name in enumerate(FIELDS)}
    return sorted(errors, key=lambda e: (e.row, order.get(e.field, len(order)), e.field))
