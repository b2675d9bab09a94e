"""API shapes for the catalog. Money goes over the wire as a decimal string, never a float."""

from __future__ import annotations

from decimal import Decimal

from ninja import Field, Schema
from pydantic import ConfigDict

from caravana.api.types import Count, PositiveCount, Unset


class StoreOut(Schema):
    id: int
    slug: str
    name: str
    description: str
    merchant: str = Field(..., alias="merchant.legal_name")


class VariantOut(Schema):
    id: int
    sku: str
    options: dict
    option_translations: dict = {}
    price: Decimal
    currency: str
    weight_g: int
    length_cm: Decimal
    width_cm: Decimal
    height_cm: Decimal
    battery: str


class ImageOut(Schema):
    """A product picture: position 0 is the main one; `variant` (an id) shows it for that
    variant. `thumbnails` are the stored resized copies by width and format."""

    id: int
    url: str
    width: int
    height: int
    position: int
    variant: int | None = Field(None, alias="variant_id")
    thumbnails: dict[str, str]

    @staticmethod
    def resolve_url(obj, context) -> str:
        return context["request"].build_absolute_uri(obj.image.url)

    @staticmethod
    def resolve_thumbnails(obj, context) -> dict[str, str]:
        from caravana.catalog import thumbnails

        storage = obj.image.storage
        build = context["request"].build_absolute_uri
        return {
            f"{w}.{ext}": build(storage.url(thumbnails.thumb_name(obj.image.name, w, ext)))
            for w in thumbnails.WIDTHS
            for ext, _ in thumbnails.FORMATS
        }


class ImagePatch(Schema):
    """Fields left out keep their value. `position` 0 makes it the main picture; `variant`
    null shows it for any variant."""

    model_config = ConfigDict(extra="forbid")
    position: int = Unset()
    variant: int | None = Unset()


class ProductOut(Schema):
    id: int
    store: str = Field(..., alias="store.slug")
    category: str = Field(..., alias="category.slug")
    hs_code: str
    title_es: str
    title_pt_br: str
    title_en: str
    title_zh_hans: str
    description_es: str
    description_pt_br: str
    description_en: str
    description_zh_hans: str
    price_from: Decimal | None
    price_currency: str
    rating_avg: Decimal = Field(..., description="Visible reviews' average stars; 0: none")
    rating_count: int
    is_active: bool


class ProductDetailOut(ProductOut):
    variants: list[VariantOut]


class ProductIn(Schema):
    model_config = ConfigDict(extra="forbid")
    store: str
    category: str
    hs_code: str
    title_es: str = ""
    title_pt_br: str = ""
    title_en: str = ""
    title_zh_hans: str = ""
    description_es: str = ""
    description_pt_br: str = ""
    description_en: str = ""
    description_zh_hans: str = ""
    is_active: bool = True


class ProductPatch(Schema):
    """Fields left out keep their value; null is refused (422 naming the field)."""

    model_config = ConfigDict(extra="forbid")
    category: str = Unset()
    hs_code: str = Unset()
    title_es: str = Unset()
    title_pt_br: str = Unset()
    title_en: str = Unset()
    title_zh_hans: str = Unset()
    description_es: str = Unset()
    description_pt_br: str = Unset()
    description_en: str = Unset()
    description_zh_hans: str = Unset()
    is_active: bool = Unset()


class VariantIn(Schema):
    model_config = ConfigDict(extra="forbid")
    sku: str
    options: dict[str, str] = {}
    #: The option values for buyers, per language: {"pt-br": {"colour": "preto"}}.
    option_translations: dict[str, dict[str, str]] = {}
    price: Decimal
    currency: str = "CNY"
    weight_g: PositiveCount
    length_cm: Decimal
    width_cm: Decimal
    height_cm: Decimal
    battery: str = "none"


class VariantPatch(Schema):
    """Fields left out keep their value; null is refused (422 naming the field)."""

    model_config = ConfigDict(extra="forbid")
    sku: str = Unset()
    options: dict[str, str] = Unset()
    option_translations: dict[str, dict[str, str]] = Unset()
    price: Decimal = Unset()
    currency: str = Unset()
    weight_g: PositiveCount = Unset()
    length_cm: Decimal = Unset()
    width_cm: Decimal = Unset()
    height_cm: Decimal = Unset()
    battery: str = Unset()


class StockIn(Schema):
    model_config = ConfigDict(extra="forbid")
    warehouse: str = "Main"
    quantity: Count


class StockOut(Schema):
    variant: int
    warehouse: str
    quantity: int
    reserved: int


class SearchOut(Schema):
    # When `capped`, there are more than `total` matches (a broad word: show "1,000+").
    total: int
    capped: bool
    page: int
    pages: int
    items: list[ProductOut]


# A cell of a bulk row: text or a number, parsed and checked by catalog.bulk as an imported
# file's cell is, so the API and the import refuse the same things with the same messages.
Cell = str | int | float | None


class BulkRowIn(Schema):
    """One variant, keyed by its SKU: a known SKU updates that variant (and its product), a new
    one is created in `product` (one of your product ids, or a label shared by the rows of a
    new product). Omitted fields keep their stored values."""

    model_config = ConfigDict(extra="forbid")

    sku: Cell = None
    product: Cell = None
    store: Cell = None
    category: Cell = None
    hs_code: Cell = None
    title_es: Cell = None
    title_pt_br: Cell = None
    title_en: Cell = None
    title_zh_hans: Cell = None
    active: Cell | bool = None
    options: Cell | dict[str, str] = None
    price: Cell = None
    currency: Cell = None
    weight_g: Cell = None
    length_cm: Cell = None
    width_cm: Cell = None
    height_cm: Cell = None
    battery: Cell = None
    stock: Cell = None
    warehouse: Cell = None


class BulkIn(Schema):
    rows: list[BulkRowIn] = Field(..., min_length=1, max_length=1000)
    dry_run: bool = False


class BulkOut(Schema):
    dry_run: bool
    new_products: int
    changed_products: int
    new_variants: int
    changed_variants: int
    stock: int
