"""API shapes for the catalog. Money goes over the wire as a decimal string, never a float."""

from __future__ import annotations

from decimal import Decimal

from ninja import Field, Schema
from pydantic import ConfigDict


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
    price: Decimal
    currency: str
    weight_g: int
    length_cm: Decimal
    width_cm: Decimal
    height_cm: Decimal
    battery: str


class ImageOut(Schema):
    id: int
    url: str
    width: int
    height: int
    position: int

    @staticmethod
    def resolve_url(obj, context) -> str:
        return context["request"].build_absolute_uri(obj.image.url)


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
    model_config = ConfigDict(extra="forbid")
    category: str | None = None
    hs_code: str | None = None
    title_es: str | None = None
    title_pt_br: str | None = None
    title_en: str | None = None
    title_zh_hans: str | None = None
    description_es: str | None = None
    description_pt_br: str | None = None
    description_en: str | None = None
    description_zh_hans: str | None = None
    is_active: bool | None = None


class VariantIn(Schema):
    model_config = ConfigDict(extra="forbid")
    sku: str
    options: dict[str, str] = {}
    price: Decimal
    currency: str = "CNY"
    weight_g: int
    length_cm: Decimal
    width_cm: Decimal
    height_cm: Decimal
    battery: str = "none"


class VariantPatch(Schema):
    model_config = ConfigDict(extra="forbid")
    sku: str | None = None
    options: dict[str, str] | None = None
    price: Decimal | None = None
    currency: str | None = None
    weight_g: int | None = None
    length_cm: Decimal | None = None
    width_cm: Decimal | None = None
    height_cm: Decimal | None = None
    battery: str | None = None


class StockIn(Schema):
    model_config = ConfigDict(extra="forbid")
    warehouse: str = "Main"
    quantity: int


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
