"""Every write to the catalog goes through here, inside a transaction, after full validation: a
bad field raises ValidationError naming it and nothing is written."""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Max, OuterRef, ProtectedError, RestrictedError, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image

from caravana.catalog import thumbnails
from caravana.catalog.error_codes import CatalogErrorCode
from caravana.catalog.images import clean_image
from caravana.catalog.languages import CONTENT_LANGUAGES, suffix
from caravana.catalog.models import (
    ListingPrice,
    Merchant,
    MerchantMember,
    Product,
    ProductImage,
    Stock,
    Store,
    Variant,
    Warehouse,
)
from caravana.catalog.variant_checks import check_variant
from caravana.error_codes import CommonErrorCode
from caravana.errors import coded_fields_error, field_error, fields_error
from caravana.limits import INT_MAX
from caravana.updates import update_many

PRODUCT_FIELDS = (
    "category",
    "category_id",
    "hs_code",
    "is_active",
    *[f"title_{suffix(lang)}" for lang in CONTENT_LANGUAGES],
    *[f"description_{suffix(lang)}" for lang in CONTENT_LANGUAGES],
)
VARIANT_FIELDS = (
    "sku",
    "options",
    "option_translations",
    "price",
    "currency",
    "weight_g",
    "length_cm",
    "width_cm",
    "height_cm",
    "battery",
)
TITLE_FIELDS = tuple(f"title_{suffix(lang)}" for lang in CONTENT_LANGUAGES)


def _assign(obj: Any, data: Mapping[str, Any], allowed: tuple[str, ...]) -> None:
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise fields_error(
            {name: _("Unknown field.") for name in unknown}, CommonErrorCode.UNKNOWN_FIELD
        )
    nulls = {
        name: _("This field cannot be null.")
        for name, value in data.items()
        if value is None and not _nullable(obj, name)
    }
    if nulls:
        raise fields_error(nulls, CommonErrorCode.NOT_NULL)
    for name, value in data.items():
        setattr(obj, name, value)


def _nullable(obj: Any, name: str) -> bool:
    """Whether the model's column for ``name`` takes NULL (an explicit null for one that does
    not was an IntegrityError: a 500)."""
    return obj._meta.get_field(name).null  # finds attnames (category_id) too


def _check_titles(product: Product) -> None:
    if not any((getattr(product, f) or "").strip() for f in TITLE_FIELDS):
        raise field_error(
            "title_en",
            _("Give the product a title in at least one language."),
            CatalogErrorCode.TITLE_REQUIRED,
        )


@transaction.atomic
def create_merchant(**data: Any) -> Merchant:
    merchant = Merchant(**data)
    if merchant.uscc:
        merchant.uscc = merchant.uscc.strip().upper()
    merchant.full_clean()
    merchant.save()
    Warehouse.objects.create(merchant=merchant, name="Main", city=merchant.city)
    return merchant


@transaction.atomic
def update_identity(merchant: Merchant, legal_name: str, uscc: str) -> Merchant:
    """The merchant's legal name (in Latin letters, as customs papers print it) and its unified
    social credit code, both checked before anything is saved. A code another merchant holds
    is refused: it names one legal entity."""
    legal_name, uscc = legal_name.strip(), uscc.strip().upper().replace(" ", "")
    locked = Merchant.objects.select_for_update().get(pk=merchant.pk)
    if not legal_name:
        raise field_error("legal_name", _("This field is required."), CommonErrorCode.REQUIRED)
    if uscc != locked.uscc and Merchant.objects.filter(uscc=uscc).exclude(pk=merchant.pk).exists():
        raise field_error(
            "uscc",
            _("Another merchant account holds this code: ask the operator to check it."),
            CatalogErrorCode.USCC_TAKEN,
        )
    locked.legal_name, locked.uscc = legal_name[:200], uscc
    others = [f.name for f in Merchant._meta.fields if f.name not in ("legal_name", "uscc")]
    locked.clean_fields(exclude=others)
    locked.save(update_fields=["legal_name", "uscc"])
    merchant.legal_name, merchant.uscc = locked.legal_name, locked.uscc
    return locked


@transaction.atomic
def add_member(merchant: Merchant, user: Any) -> MerchantMember:
    from caravana.accounts.models import Role

    if user.role != Role.MERCHANT:
        user.role = Role.MERCHANT
        user.save(update_fields=["role"])
    member, _created = MerchantMember.objects.update_or_create(
        user=user, defaults={"merchant": merchant}
    )
    return member


@transaction.atomic
def create_store(merchant: Merchant, **data: Any) -> Store:
    if data.get("logo"):
        data["logo"] = clean_image(data["logo"], field="logo")
    store = Store(merchant=merchant, **data)
    store.full_clean()
    store.save()
    return store


@transaction.atomic
def create_product(store: Store, data: Mapping[str, Any]) -> Product:
    product = Product(store=store)
    _save_product(product, data)
    return product


@transaction.atomic
def update_product(product: Product, data: Mapping[str, Any]) -> Product:
    product = Product.objects.select_for_update().get(pk=product.pk)
    _save_product(product, data)
    return product


def _save_product(product: Product, data: Mapping[str, Any]) -> None:
    """Set the fields `data` gives, check and save. The listing price is left out of the
    checks: it is the variants' (_refresh_price_from)."""
    _assign(product, data, PRODUCT_FIELDS)
    _check_titles(product)
    product.full_clean(exclude=["price_from", "price_currency"])
    product.save()


def set_rating(product_id: int, average: Decimal, count: int) -> None:
    """The product's review figures (caravana.reviews computes them), on the product for cards
    and on its listing rows for the rating sort and filter. An UPDATE of these columns alone:
    ``updated_at`` does not move, so the stored landed prices stay current (decision 6)."""
    Product.objects.filter(pk=product_id).update(rating_avg=average, rating_count=count)
    ListingPrice.objects.filter(product_id=product_id).update(rating=average)


def _refresh_price_from(product: Product) -> None:
    """Keep the listing price: the cheapest variant, preferring its own currency."""
    cheapest = product.variants.order_by("price").values("price", "currency").first()
    Product.objects.filter(pk=product.pk).update(
        price_from=cheapest["price"] if cheapest else None,
        price_currency=cheapest["currency"] if cheapest else product.price_currency,
    )


@transaction.atomic
def create_variant(product: Product, data: Mapping[str, Any]) -> Variant:
    variant = Variant(product=product, merchant_id=product.store.merchant_id)
    _assign(variant, data, VARIANT_FIELDS)
    _save_variant(variant)
    _refresh_price_from(product)
    return variant


@transaction.atomic
def update_variant(variant: Variant, data: Mapping[str, Any]) -> Variant:
    variant = Variant.objects.select_for_update().get(pk=variant.pk)
    _assign(variant, data, VARIANT_FIELDS)
    _save_variant(variant)
    _refresh_price_from(variant.product)
    return variant


def _save_variant(variant: Variant) -> None:
    check_variant(variant)
    variant.full_clean(exclude=["merchant", "product"])
    try:
        with transaction.atomic():
            variant.save()
    except IntegrityError as exc:
        raise field_error(
            "sku", _("This SKU is already used by another variant."), CatalogErrorCode.SKU_TAKEN
        ) from exc


@transaction.atomic
def set_stock(variant: Variant, warehouse: Warehouse, quantity: int) -> Stock:
    """Set on-hand stock; refused when it would fall below what is reserved for orders."""
    if warehouse.merchant_id != variant.merchant_id:
        raise field_error(
            "warehouse",
            _("This warehouse belongs to another merchant."),
            CatalogErrorCode.OTHER_MERCHANTS_WAREHOUSE,
        )
    if type(quantity) is not int or not 0 <= quantity <= INT_MAX:
        raise field_error(
            "quantity",
            _("Stock is a whole number from 0 to %(max)d.") % {"max": INT_MAX},
            CatalogErrorCode.INVALID_QUANTITY,
        )
    stock, _created = Stock.objects.select_for_update().get_or_create(
        variant=variant, warehouse=warehouse
    )
    if quantity < stock.reserved:
        raise field_error(
            "quantity",
            _("%(n)d units are reserved for orders.") % {"n": stock.reserved},
            CatalogErrorCode.STOCK_RESERVED,
        )
    stock.quantity = quantity
    stock.save(update_fields=["quantity"])
    return stock


def add_image(product: Product, upload: Any, variant: Variant | None = None) -> ProductImage:
    """Store an upload as the product's last picture (of `variant`, when given), re-encoded
    under a generated name, its thumbnails written beside it (catalog.thumbnails) before the
    row exists: storage may be a remote bucket, which is not called inside a transaction."""
    image = clean_image(upload, field="image")
    _check_variant(product, variant)
    field = ProductImage._meta.get_field("image")
    name = field.generate_filename(ProductImage(product=product), str(image.name))
    name = field.storage.save(name, image, max_length=field.max_length)
    image.seek(0)
    with Image.open(image) as img:
        img.load()
        thumbnails.write(field.storage, name, img)
    with transaction.atomic():
        locked = Product.objects.select_for_update().get(pk=product.pk)
        last = locked.images.aggregate(m=Max("position"))["m"]
        return ProductImage.objects.create(
            product=locked,
            variant=variant,
            image=name,
            position=0 if last is None else last + 1,
            width=image.width,
            height=image.height,
        )


def _check_variant(product: Product, variant: Variant | None) -> None:
    if variant is not None and variant.product_id != product.pk:
        raise field_error(
            "variant",
            _("Choose one of this product's variants."),
            CatalogErrorCode.UNKNOWN_VARIANT,
        )


@transaction.atomic
def move_image(image: ProductImage, position: int) -> list[ProductImage]:
    """Put a picture at `position` (0 is the main picture) among its product's, renumbering
    the others 0, 1, 2... in their order. Returns the product's pictures in the new order."""
    Product.objects.select_for_update().filter(pk=image.product_id).first()
    images = list(
        ProductImage.objects.filter(product_id=image.product_id).order_by("position", "id")
    )
    if not 0 <= position < len(images):
        raise field_error(
            "position",
            _("Position must be between %(low)d and %(high)d.")
            % {"low": 0, "high": len(images) - 1},
            CatalogErrorCode.INVALID_POSITION,
        )
    moving = next(i for i in images if i.pk == image.pk)
    images.remove(moving)
    images.insert(position, moving)
    changed = []
    for n, img in enumerate(images):
        if img.position != n:
            img.position = n
            changed.append(img)
    update_many(changed, ["position"])
    return images


def set_main_image(image: ProductImage) -> list[ProductImage]:
    """The product's main picture (cards, the page's first view): first of all. A picture of
    a variant also becomes that variant's main one, being first among its pictures."""
    return move_image(image, 0)


@transaction.atomic
def set_image_variant(image: ProductImage, variant: Variant | None) -> ProductImage:
    """Show the picture when the buyer picks `variant` (None: the product's, for any)."""
    _check_variant(image.product, variant)
    image.variant = variant
    image.save(update_fields=["variant"])
    return image


def delete_image(image: ProductImage) -> None:
    """Delete the picture and renumber the rest; its file and thumbnails go too unless another
    row names the same file (seeded pictures share theirs), after the rows are committed."""
    field = ProductImage._meta.get_field("image")
    name = str(image.image.name)
    with transaction.atomic():
        Product.objects.select_for_update().filter(pk=image.product_id).first()
        ProductImage.objects.filter(pk=image.pk).delete()
        rest = ProductImage.objects.filter(product_id=image.product_id).order_by("position", "id")
        changed = []
        for n, img in enumerate(rest):
            if img.position != n:
                img.position = n
                changed.append(img)
        update_many(changed, ["position"])
        shared = ProductImage.objects.filter(image=name).exists()
    if not shared:
        thumbnails.delete(field.storage, name)


def delete_product(product: Product) -> None:
    """Delete a product nobody has ordered. A product with orders stays on record (its orders
    point at its variants for returns, disputes and refunds, as on every marketplace): it is
    refused, naming the product, and the merchant deactivates it instead (is_active false),
    which takes it off sale at once. Nothing is deleted when refused."""
    try:
        with transaction.atomic():
            Product.objects.filter(pk=product.pk).delete()
    except (ProtectedError, RestrictedError) as exc:
        raise field_error(
            "product",
            _("This product has orders, so it cannot be deleted: deactivate it instead."),
            CatalogErrorCode.HAS_ORDERS,
        ) from exc


# --- many at once: the import, the API's bulk upsert, the product list's bulk actions ----------

#: Rows one API call may upsert; a file import takes up to MAX_IMPORT_ROWS.
MAX_API_ROWS = 1_000
MAX_IMPORT_ROWS = 20_000
_BATCH = 500
_PRICE_MAX = Decimal("9999999999.99")  # Variant.price: max_digits 12, 2 places


def bulk_errors(errors: list[Any], label: Any = None) -> ValidationError:
    """The plan's errors as one ValidationError keyed ``rows.<index>.<field>`` (or by
    ``label(error)`` when given: the console names the file's line and column)."""
    from caravana.catalog.bulk import sorted_errors

    messages: dict[str, list[ValidationError]] = {}
    for e in sorted_errors(errors):
        key = label(e) if label else f"rows.{e.row}.{e.field}"
        messages.setdefault(key, []).append(
            ValidationError(e.message, code=CatalogErrorCode.INVALID_ROW.value)
        )
    return ValidationError(messages)


def bulk_upsert(
    merchant: Merchant,
    rows: list[Mapping[str, Any]],
    *,
    dry_run: bool = False,
    progress: Any = None,
    first: int = 0,
) -> Any:
    """Check every row (catalog.bulk) and, when none has an error and this is no dry run,
    write them all in one transaction: products, variants and stock, then each touched
    product's ``price_from`` and ``updated_at``, and its listing prices refreshed after the
    commit (catalog.receivers.schedule, as a saved variant does). Returns the plan; its
    ``errors`` say what is wrong (nothing is written when there are any). The merchant's row
    is locked first, so two imports of one merchant run one after the other."""
    from caravana.catalog import bulk

    with transaction.atomic():
        Merchant.objects.select_for_update().filter(pk=merchant.pk).first()
        plan = bulk.plan(merchant, rows, progress, first)
        if plan.errors or dry_run:
            return plan
        _write_plan(plan, progress, len(rows))
    return plan


def _write_plan(plan: Any, progress: Any, total: int) -> None:
    from caravana.catalog import receivers

    now = timezone.now()
    Product.objects.bulk_create(plan.new_products, batch_size=_BATCH)
    fields = sorted(plan.changed_product_fields)
    if fields:
        update_many(plan.changed_products, fields, batch_size=_BATCH)
    for variant, key in plan.new_variants:
        if key is not None:
            variant.product = plan.product_keys[key]
    try:
        with transaction.atomic():
            Variant.objects.bulk_create([v for v, _k in plan.new_variants], batch_size=_BATCH)
    except IntegrityError as exc:  # a SKU taken since the check, by a write outside an import
        raise field_error(
            "sku", _("This SKU is already used by another variant."), CatalogErrorCode.SKU_TAKEN
        ) from exc
    if plan.changed_variants:
        update_many(plan.changed_variants, sorted(plan.changed_variant_fields), batch_size=_BATCH)
    if progress:
        progress(total, total, _("Saving stock…"))
    new_stock = [
        Stock(variant=v, warehouse=w, quantity=q) for v, w, row, q in plan.stock if not row
    ]
    Stock.objects.bulk_create(new_stock, batch_size=_BATCH)
    stored = []
    for _v, _w, row, quantity in plan.stock:
        if row is not None:
            row.quantity = quantity
            stored.append(row)
    # A reservation made since the check: the database's own check refuses it, and all rolls back.
    update_many(stored, ["quantity"], batch_size=_BATCH)
    touched = {p.pk for p in plan.new_products} | {p.pk for p in plan.changed_products}
    touched |= {v.product_id for v, _k in plan.new_variants}
    touched |= {v.product_id for v in plan.changed_variants}
    touch_products(sorted(touched), now)
    receivers.schedule(product_ids=sorted(touched))


def touch_products(product_ids: list[int], now: Any = None) -> None:
    """Each product's cheapest variant as its ``price_from`` (as _refresh_price_from does for
    one) and its ``updated_at`` moved, one UPDATE per 500 products: a card then stops trusting
    its stored listing price until the refresh has run (decision 6)."""
    now = now or timezone.now()
    cheapest = Variant.objects.filter(product_id=OuterRef("pk")).order_by("price", "id")
    for i in range(0, len(product_ids), _BATCH):
        Product.objects.filter(pk__in=product_ids[i : i + _BATCH]).update(
            price_from=Subquery(cheapest.values("price")[:1]),
            price_currency=Coalesce(Subquery(cheapest.values("currency")[:1]), F("price_currency")),
            updated_at=now,
        )


def _own_products(merchant: Merchant, product_ids: list[int]) -> list[int]:
    if len(product_ids) > MAX_BULK_SELECTION:
        raise field_error(
            "ids",
            _("Choose at most %(n)d products at once.") % {"n": MAX_BULK_SELECTION},
            CatalogErrorCode.TOO_MANY_ROWS,
        )
    ids = list(
        Product.objects.filter(store__merchant=merchant, pk__in=product_ids).values_list(
            "pk", flat=True
        )
    )
    if not ids:
        raise field_error("ids", _("Choose at least one product."), CommonErrorCode.REQUIRED)
    return sorted(ids)


#: Products one bulk action of the product list may change.
MAX_BULK_SELECTION = 200


@transaction.atomic
def set_products_active(merchant: Merchant, product_ids: list[int], active: bool) -> int:
    """Publish or unpublish the merchant's chosen products; publishing one that holds a
    variant the network refuses (catalog.sellable) refuses the whole action, naming it."""
    from caravana.catalog import receivers, sellable

    ids = _own_products(merchant, product_ids)
    if active:
        refused = (
            Variant.objects.filter(sellable.refused_variants(), product_id__in=ids)
            .values_list("product_id", flat=True)
            .first()
        )
        if refused is not None:
            raise field_error(
                "ids",
                _("Product %(id)d has a variant we cannot deliver: it stays inactive.")
                % {"id": refused},
                CatalogErrorCode.UNDELIVERABLE_VARIANT,
            )
    n = Product.objects.filter(pk__in=ids).update(is_active=active, updated_at=timezone.now())
    receivers.schedule(product_ids=ids)
    return n


@transaction.atomic
def change_prices(merchant: Merchant, product_ids: list[int], percent: Decimal) -> int:
    """Every variant of the chosen products priced ``percent`` up (or down, negative), to the
    cent, half up; from -90 to +1000 % so a slip of the finger cannot give goods away."""
    from caravana.catalog import receivers

    # NaN first: comparing it raises InvalidOperation.
    if (
        not isinstance(percent, Decimal)
        or not percent.is_finite()
        or not Decimal(-90) <= percent <= Decimal(1000)
    ):
        raise field_error(
            "percent",
            _("Give a change from -90 to 1000 %."),
            CatalogErrorCode.INVALID_PERCENT,
        )
    ids = _own_products(merchant, product_ids)
    variants = list(Variant.objects.select_for_update().filter(product_id__in=ids))
    factor = (Decimal(100) + percent) / Decimal(100)
    for v in variants:
        v.price = max(
            Decimal("0.01"), (v.price * factor).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        )
        if v.price > _PRICE_MAX:
            raise field_error(
                "percent",
                _("This change would price %(sku)s above %(max)s.")
                % {"sku": v.sku, "max": _PRICE_MAX},
                CatalogErrorCode.INVALID_PERCENT,
            )
    update_many(variants, ["price"], batch_size=_BATCH)
    touch_products(ids)
    receivers.schedule(product_ids=ids)
    return len(variants)


@transaction.atomic
def set_products_stock(
    merchant: Merchant, product_ids: list[int], warehouse: Warehouse, quantity: int
) -> int:
    """Every variant of the chosen products with ``quantity`` on hand in ``warehouse``;
    refused, naming the SKU, where orders have reserved more."""
    if warehouse.merchant_id != merchant.pk:
        raise field_error(
            "warehouse",
            _("This warehouse belongs to another merchant."),
            CatalogErrorCode.OTHER_MERCHANTS_WAREHOUSE,
        )
    if type(quantity) is not int or not 0 <= quantity <= INT_MAX:
        raise field_error(
            "quantity",
            _("Stock is a whole number from 0 to %(max)d.") % {"max": INT_MAX},
            CatalogErrorCode.INVALID_QUANTITY,
        )
    ids = _own_products(merchant, product_ids)
    variants = list(Variant.objects.filter(product_id__in=ids).order_by("id"))
    rows = {
        s.variant_id: s
        for s in Stock.objects.select_for_update().filter(variant__in=variants, warehouse=warehouse)
    }
    short = [v.sku for v in variants if v.pk in rows and rows[v.pk].reserved > quantity]
    if short:
        raise field_error(
            "quantity",
            _("Orders have reserved more than that of %(skus)s.") % {"skus": ", ".join(short[:5])},
            CatalogErrorCode.STOCK_RESERVED,
        )
    for row in rows.values():
        row.quantity = quantity
    update_many(list(rows.values()), ["quantity"], batch_size=_BATCH)
    Stock.objects.bulk_create(
        [
            Stock(variant=v, warehouse=warehouse, quantity=quantity)
            for v in variants
            if v.pk not in rows
        ],
        batch_size=_BATCH,
    )
    return len(variants)


@transaction.atomic
def set_variant_grid(
    product: Product,
    warehouse: Warehouse,
    cells: Mapping[int, Mapping[str, Any]],
    new: Mapping[str, Mapping[str, Any]] | None = None,
) -> int:
    """Prices and on-hand stock of many of one product's variants at once (the console's
    variant matrix): ``cells`` maps a variant id to {"price": Decimal, "quantity": int}, either
    optional. Every cell is checked as update_variant and set_stock check one; the errors of
    all cells are raised together, keyed "<variant id>.price" / "<variant id>.quantity", and
    then nothing is written. A variant whose price moved is saved, so the product's listing
    prices are refreshed once after commit (catalog.receivers, decision 0006). Returns the
    number of cells changed."""
    if warehouse.merchant_id != product.store.merchant_id:
        raise field_error(
            "warehouse",
            _("This warehouse belongs to another merchant."),
            CatalogErrorCode.OTHER_MERCHANTS_WAREHOUSE,
        )
    variants = {
        v.pk: v
        for v in Variant.objects.select_for_update()
        .filter(product=product, pk__in=list(cells))
        .order_by("pk")
    }
    stocks = {
        s.variant_id: s
        for s in Stock.objects.select_for_update()
        .filter(warehouse=warehouse, variant_id__in=list(variants))
        .order_by("pk")
    }
    errors: dict[str, Any] = {}
    codes: dict[str, CatalogErrorCode | CommonErrorCode] = {}
    changed = 0
    for vid, cell in cells.items():
        variant = variants.get(vid)
        if variant is None:
            errors[f"{vid}.variant"] = _("Choose one of this product's variants.")
            codes[f"{vid}.variant"] = CatalogErrorCode.UNKNOWN_VARIANT
            continue
        price = cell.get("price")
        if price is not None and price != variant.price:
            variant.price = price
            try:
                _save_variant(variant)
            except ValidationError as exc:
                for field, messages in exc.message_dict.items():
                    errors[f"{vid}.{field}"] = messages[0]
                    codes[f"{vid}.{field}"] = CommonErrorCode.INVALID
                continue
            changed += 1
        quantity = cell.get("quantity")
        stock = stocks.get(vid)
        if quantity is None or (stock is not None and stock.quantity == quantity):
            continue
        reserved = stock.reserved if stock else 0
        if type(quantity) is not int or not 0 <= quantity <= INT_MAX:
            errors[f"{vid}.quantity"] = _("Stock is a whole number from 0 to %(max)d.") % {
                "max": INT_MAX
            }
            codes[f"{vid}.quantity"] = CatalogErrorCode.INVALID_QUANTITY
        elif quantity < reserved:
            errors[f"{vid}.quantity"] = _("%(n)d units are reserved for orders.") % {"n": reserved}
            codes[f"{vid}.quantity"] = CatalogErrorCode.STOCK_RESERVED
        elif stock is None:
            Stock.objects.create(variant=variant, warehouse=warehouse, quantity=quantity)
            changed += 1
        else:
            stock.quantity = quantity
            stock.save(update_fields=["quantity"])
            changed += 1
    for key, cell in (new or {}).items():
        changed += _new_grid_variant(product, warehouse, key, cell, errors, codes)
    if errors:
        raise coded_fields_error(errors, codes)
    _refresh_price_from(product)
    return changed


def _grid_sku(product: Product, options: Mapping[str, str]) -> str:
    """A SKU for a variant made in the grid: the product's first SKU's stem and the options'
    values (ASCII, upper case; a Chinese value keeps its characters), numbered on a clash."""
    first = product.variants.order_by("pk").values_list("sku", flat=True).first() or ""
    stem = first.rsplit("-", 1)[0] if "-" in first else (first or f"P{product.pk}")
    parts = [re.sub(r"[^0-9A-Za-z\u4e00-\u9fff]+", "", str(v)).upper() for v in options.values()]
    base = "-".join([stem, *[p for p in parts if p]])[:60]
    sku, n = base, 2
    while Variant.objects.filter(merchant_id=product.store.merchant_id, sku=sku).exists():
        sku, n = f"{base[:58]}-{n}", n + 1
    return sku


def _new_grid_variant(
    product: Product,
    warehouse: Warehouse,
    key: str,
    cell: Mapping[str, Any],
    errors: dict[str, Any],
    codes: dict[str, CatalogErrorCode | CommonErrorCode],
) -> int:
    """A variant for an empty cell of the grid (options `cell["options"]`, a price, stock and
    an SKU typed or made by _grid_sku), sized and weighed as the product's first variant.
    Errors go under "<key>.<field>"; the caller's transaction then writes nothing."""
    like = product.variants.order_by("pk").first()
    options = dict(cell["options"])
    sku = (cell.get("sku") or "").strip() or _grid_sku(product, options)
    data: dict[str, Any] = {"sku": sku, "options": options, "price": cell["price"]}
    if like is not None:
        for name in ("currency", "weight_g", "length_cm", "width_cm", "height_cm", "battery"):
            data[name] = getattr(like, name)
    variant = Variant(product=product, merchant_id=product.store.merchant_id)
    _assign(variant, data, VARIANT_FIELDS)
    try:
        with transaction.atomic():
            _save_variant(variant)
            Stock.objects.create(
                variant=variant, warehouse=warehouse, quantity=cell.get("quantity") or 0
            )
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors[f"{key}.{field}"] = messages[0]
            codes[f"{key}.{field}"] = (
                CatalogErrorCode.SKU_TAKEN if field == "sku" else CommonErrorCode.INVALID
            )
        return 0
    return 1
