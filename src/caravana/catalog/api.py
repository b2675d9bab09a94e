"""Catalog API: public reads, and merchant writes with a token. A merchant asking for another
merchant's product gets 404, not 403: whether it exists is not theirs to know."""

from __future__ import annotations

from decimal import Decimal

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, File, Form, Query, Router, Schema, UploadedFile
from ninja.errors import HttpError
from ninja.pagination import paginate
from ninja.responses import Status

from caravana import markets
from caravana.access.auth import MerchantAuth
from caravana.access.objects import owned, owned_or_404
from caravana.api.errors import validation_items
from caravana.api.pagination import Pagination
from caravana.catalog import queries, services
from caravana.catalog.bulk import format_options
from caravana.catalog.error_codes import CatalogErrorCode
from caravana.catalog.models import Category, Product, ProductImage, Store, Variant, Warehouse
from caravana.catalog.schemas import (
    BulkIn,
    BulkOut,
    ImageOut,
    ImagePatch,
    ProductDetailOut,
    ProductIn,
    ProductOut,
    ProductPatch,
    SearchOut,
    StockIn,
    StockOut,
    StoreOut,
    VariantIn,
    VariantOut,
    VariantPatch,
)
from caravana.catalog.search import SORTS, SearchRequest, search
from caravana.errors import field_error
from caravana.limits import PAGE_MAX
from caravana.markets.error_codes import MarketsErrorCode

router = Router(tags=["catalog"])


@router.get("/stores", response=list[StoreOut])
@paginate(Pagination, page_size=50)
def list_stores(request: HttpRequest):
    return Store.objects.select_related("merchant").order_by("id")


@router.get("/stores/{slug}", response=StoreOut)
def get_store(request: HttpRequest, slug: str):
    return get_object_or_404(Store.objects.select_related("merchant"), slug=slug)


class SearchParams(Schema):
    q: str = ""
    language: str = "en"
    # The buyer's country: the listing is the storefront's there (landed prices, its sorts and
    # indexes). Without one, the default market's (markets.DEFAULT_CODE): a price order needs
    # one currency and one landed price per product, and a country gives both.
    country: str | None = None
    category: str | None = None
    store: str | None = None
    sort: str = "relevance"
    rating_min: int | None = Field(
        None, ge=1, le=4, description="Only products whose reviews average this or more"
    )
    page: int = Field(1, ge=1, le=PAGE_MAX)
    per_page: int = Field(24, ge=1, le=100)


@router.get("/products", response=SearchOut)
def search_products(request: HttpRequest, params: Query[SearchParams]):
    """Full-text search in one language, with category and store filters, as the storefront
    lists it in `country` (by default the default market): a listing without words reads one
    index of the landed-price table (docs/decisions/0010-listings-read-one-index.md)."""
    market = markets.get(params.country) if params.country else markets.default()
    if market is None:
        raise field_error(
            "country",
            f"choose one of {', '.join(markets.codes())}",
            MarketsErrorCode.UNSUPPORTED_COUNTRY,
        )
    if params.sort not in SORTS:
        raise field_error(
            "sort", f"choose one of {', '.join(SORTS)}", CatalogErrorCode.INVALID_SORT
        )
    category_ids: tuple[int, ...] = ()
    category_top = None
    if params.category:
        cat = queries.category_by_slug(params.category)
        if cat is None:
            raise field_error("category", "no such category", CatalogErrorCode.UNKNOWN_CATEGORY)
        category_ids = queries.category_ids_below(cat)
        category_top = cat.pk if cat.parent_id is None else None
    store_id = None
    if params.store:
        store_id = Store.objects.filter(slug=params.store).values_list("pk", flat=True).first()
        if store_id is None:
            raise field_error("store", "no such store", CatalogErrorCode.UNKNOWN_STORE)
    result = search(
        SearchRequest(
            text=params.q[:200],
            language=params.language,
            category_ids=category_ids,
            store_id=store_id,
            country=market.code,
            category_top=category_top,
            sort=params.sort,
            page=params.page,
            per_page=params.per_page,
            rating_min=Decimal(params.rating_min) if params.rating_min else None,
        )
    )
    products = Product.objects.filter(pk__in=result.ids).select_related("store", "category")
    by_id = {p.pk: p for p in products}
    return {
        "total": result.total,
        "capped": result.capped,
        "page": result.page,
        "pages": result.pages,
        "items": [by_id[i] for i in result.ids if i in by_id],
    }


@router.get("/products/{int:product_id}", response=ProductDetailOut)
def get_product(request: HttpRequest, product_id: int):
    product = queries.product_page(product_id)
    if product is None:
        raise HttpError(404, "Not Found")
    return product


# --- merchant writes -------------------------------------------------------------------------

merchant_router = Router(tags=["merchant catalog"], auth=MerchantAuth(scope="catalog"))


def _category(slug: str) -> Category:
    cat = Category.objects.filter(slug=slug).first()
    if cat is None:
        raise field_error("category", f"no category {slug!r}", CatalogErrorCode.UNKNOWN_CATEGORY)
    return cat


def _own_product(request: HttpRequest, product_id: int) -> Product:
    return owned_or_404(
        Product.objects.select_related("store", "category"), request.merchant, pk=product_id
    )


@merchant_router.get("/merchant/products", response=list[ProductOut])
@paginate(Pagination, page_size=50)
def my_products(request: HttpRequest):
    return owned(Product.objects.select_related("store", "category"), request.merchant)


@merchant_router.post("/merchant/products", response={201: ProductDetailOut})
def create_product(request: HttpRequest, payload: ProductIn):
    data = payload.dict()
    store = owned(Store, request.merchant).filter(slug=data.pop("store")).first()
    if store is None:
        raise field_error("store", "no such store of yours", CatalogErrorCode.UNKNOWN_STORE)
    data["category"] = _category(data["category"])
    product = services.create_product(store, data)
    return Status(201, queries.product_page(product.pk) or product)


@merchant_router.patch("/merchant/products/{int:product_id}", response=ProductDetailOut)
def update_product(request: HttpRequest, product_id: int, payload: ProductPatch):
    product = _own_product(request, product_id)
    data = payload.dict(exclude_unset=True)
    if "category" in data:
        data["category"] = _category(data["category"])
    services.update_product(product, data)
    return queries.product_page(product.pk) or Product.objects.get(pk=product.pk)


@merchant_router.delete("/merchant/products/{int:product_id}", response={204: None})
def delete_product(request: HttpRequest, product_id: int):
    services.delete_product(_own_product(request, product_id))
    return Status(204, None)


@merchant_router.post("/merchant/products/{int:product_id}/variants", response={201: VariantOut})
def create_variant(request: HttpRequest, product_id: int, payload: VariantIn):
    product = _own_product(request, product_id)
    return Status(201, services.create_variant(product, payload.dict()))


@merchant_router.patch("/merchant/variants/{int:variant_id}", response=VariantOut)
def update_variant(request: HttpRequest, variant_id: int, payload: VariantPatch):
    variant = owned_or_404(Variant, request.merchant, pk=variant_id)
    return services.update_variant(variant, payload.dict(exclude_unset=True))


@merchant_router.post("/merchant/products/{int:product_id}/images", response={201: ImageOut})
def add_image(
    request: HttpRequest,
    product_id: int,
    image: UploadedFile = File(...),
    variant: int | None = Form(None),
):
    """Multipart upload of one JPEG, PNG or WebP image, as the product's last picture (shown
    for `variant`, a variant id, when given). It is stored re-encoded, under a generated name,
    with its thumbnails: the file name and content type sent are not used."""
    product = _own_product(request, product_id)
    return Status(201, services.add_image(product, image, _variant_of(product, variant)))


@merchant_router.get("/merchant/products/{int:product_id}/images", response=list[ImageOut])
def list_images(request: HttpRequest, product_id: int):
    """The product's pictures in order: the first is the main one."""
    return list(_own_product(request, product_id).images.all())


@merchant_router.patch("/merchant/images/{int:image_id}", response=ImageOut)
def update_image(request: HttpRequest, image_id: int, payload: ImagePatch):
    """Move a picture (position 0: the main one) or show it for a variant (null: any)."""
    image = owned_or_404(
        ProductImage.objects.select_related("product"), request.merchant, pk=image_id
    )
    data = payload.dict(exclude_unset=True)
    if "variant" in data:
        services.set_image_variant(image, _variant_of(image.product, data["variant"]))
    if "position" in data:
        services.move_image(image, data["position"])
    return ProductImage.objects.get(pk=image.pk)


@merchant_router.delete("/merchant/images/{int:image_id}", response={204: None})
def delete_image(request: HttpRequest, image_id: int):
    services.delete_image(owned_or_404(ProductImage, request.merchant, pk=image_id))
    return Status(204, None)


def _variant_of(product: Product, variant_id: int | None) -> Variant | None:
    if variant_id is None:
        return None
    variant = product.variants.filter(pk=variant_id).first()
    if variant is None:
        raise field_error(
            "variant", "not a variant of this product", CatalogErrorCode.UNKNOWN_VARIANT
        )
    return variant


@merchant_router.put("/merchant/variants/{int:variant_id}/stock", response=StockOut)
def set_stock(request: HttpRequest, variant_id: int, payload: StockIn):
    variant = owned_or_404(Variant, request.merchant, pk=variant_id)
    warehouse = owned(Warehouse, request.merchant).filter(name=payload.warehouse).first()
    if warehouse is None:
        raise field_error(
            "warehouse", "no such warehouse of yours", CatalogErrorCode.UNKNOWN_WAREHOUSE
        )
    stock = services.set_stock(variant, warehouse, payload.quantity)
    return {
        "variant": variant.pk,
        "warehouse": warehouse.name,
        "quantity": stock.quantity,
        "reserved": stock.reserved,
    }


@merchant_router.post("/merchant/variants/bulk", response={200: BulkOut, 422: dict})
def bulk_upsert(request: HttpRequest, payload: BulkIn):
    """Create or update up to 1,000 variants (keyed by SKU), their products and stock in one
    call, checked and written as a console import is (catalog.bulk): all or nothing. Errors
    name the row (0 first) and the field, `["body", "rows", 3, "price"]`; with `dry_run`
    nothing is written and the counts say what would be."""
    rows = []
    for row in payload.rows:
        data = row.dict(exclude_unset=True)
        if isinstance(data.get("options"), dict):
            data["options"] = format_options(data["options"])
        if isinstance(data.get("active"), bool):
            data["active"] = "1" if data["active"] else "0"
        rows.append(data)
    plan = services.bulk_upsert(request.merchant, rows, dry_run=payload.dry_run)
    if plan.errors:
        detail = validation_items(services.bulk_errors(plan.errors), dotted=True)
        return Status(422, {"detail": detail})
    return {"dry_run": payload.dry_run, **plan.summary()}


router.add_router("", merchant_router)
