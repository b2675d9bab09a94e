"""Reviews API: a product's visible reviews and summary, and a seller's reputation (public);
a buyer's review of a delivered order line (a token with the orders scope, or the session
with CSRF); a merchant's reads of the reviews of its own products and of its own reputation
(merchant staff, the catalog scope). Photos are added on the review page (multipart), not
here. Every write is a reviews service."""

import datetime as dt
from decimal import Decimal

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from caravana.access.auth import MerchantAuth, token_or_session
from caravana.api.pagination import Pagination
from caravana.api.types import Id
from caravana.catalog.models import Product, Store
from caravana.reviews import services
from caravana.reviews.models import Review

router = Router(tags=["reviews"])
merchant_router = Router(tags=["merchant reviews"], auth=MerchantAuth(scope="catalog"))


class ReviewOut(Schema):
    id: int
    product_id: int
    stars: int
    text: str
    language: str = Field(..., description="The language it is written in (es, pt-br, en, zh-hans)")
    helpful: int
    answer: str = Field(..., description="The merchant's answer; empty when none")
    answered_at: dt.datetime | None
    photos: list[str]
    created_at: dt.datetime

    @staticmethod
    def resolve_photos(obj) -> list[str]:
        return [p.image.url for p in obj.photos.all()]


class SummaryOut(Schema):
    average: Decimal | None
    count: int
    distribution: dict[str, int] = Field(..., description="Reviews per star, '5' to '1'")


class ReviewFilter(Schema):
    stars: int | None = Field(None, ge=1, le=5)
    with_photos: bool = False


class ReviewIn(Schema):
    line_id: Id = Field(..., description="The delivered order line reviewed")
    stars: int = Field(..., description="1 to 5")
    text: str
    language: str = Field(..., description="es, pt-br, en or zh-hans")


class MerchantReviewOut(ReviewOut):
    sku: str = Field(..., description="The variant bought")
    order: str = Field(..., description="The order's number")

    @staticmethod
    def resolve_sku(obj) -> str:
        return obj.line.sku

    @staticmethod
    def resolve_order(obj) -> str:
        return obj.line.order.number


class MerchantReviewFilter(Schema):
    product_id: int | None = None
    stars: int | None = Field(None, ge=1, le=5)
    unanswered: bool = Field(False, description="Only the reviews not answered yet")


class ReputationOut(Schema):
    store: str
    badge: str = Field(..., description="Caravana's own scale: top, good, fair, new")
    orders_counted: int
    shipped_on_time: Decimal | None = Field(..., description="Share 0-1; null: nothing due yet")
    delivered_in_promise: Decimal | None
    dispute_rate: Decimal | None
    refund_rate: Decimal | None
    rating_avg: Decimal | None
    rating_count: int
    months_on_caravana: int
    orders_90_days: int
    computed_at: dt.datetime


@router.get("/products/{int:product_id}/reviews", response=list[ReviewOut])
@paginate(Pagination, page_size=20)
def list_reviews(request: HttpRequest, product_id: int, filters: Query[ReviewFilter]):
    """A product's visible reviews, most helpful first."""
    get_object_or_404(Product.objects.only("pk"), pk=product_id, is_active=True)
    return services.visible(product_id, filters.stars, filters.with_photos)


@router.get("/products/{int:product_id}/reviews/summary", response=SummaryOut)
def review_summary(request: HttpRequest, product_id: int):
    get_object_or_404(Product.objects.only("pk"), pk=product_id, is_active=True)
    s = services.summary(product_id)
    return {
        "average": s.average,
        "count": s.count,
        "distribution": {str(stars): n for stars, n, _pct in s.distribution},
    }


@router.post("/reviews", response={201: ReviewOut}, auth=token_or_session("orders"))
def create_review(request: HttpRequest, payload: ReviewIn):
    """The buyer's review of one of their delivered order lines: once per line."""
    review = services.write_review(
        request.user, payload.line_id, payload.stars, payload.text, (), payload.language
    )
    return Status(201, review)


@router.get("/stores/{slug}/reputation", response=ReputationOut)
def store_reputation(request: HttpRequest, slug: str):
    """The seller's reputation, computed from its orders (never typed)."""
    store = get_object_or_404(Store.objects.only("pk", "slug", "merchant_id"), slug=slug)
    rep = services.reputation_of(store.merchant_id) or services.refresh_reputation(
        store.merchant_id
    )
    return {**{f.name: getattr(rep, f.name) for f in rep._meta.fields}, "store": store.slug}


class MerchantReputationOut(Schema):
    badge: str = Field(..., description="Caravana's own scale: top, good, fair, new")
    orders_counted: int
    shipped_on_time: Decimal | None
    delivered_in_promise: Decimal | None
    dispute_rate: Decimal | None
    refund_rate: Decimal | None
    rating_avg: Decimal | None
    rating_count: int
    months_on_caravana: int
    orders_90_days: int
    computed_at: dt.datetime


@merchant_router.get("/merchant/reviews", response=list[MerchantReviewOut])
@paginate(Pagination, page_size=50)
def my_reviews(request: HttpRequest, filters: Query[MerchantReviewFilter]):
    """The visible reviews of the merchant's own products, newest first (the review_merchant
    index): to answer them (the console's reviews page) or to follow them."""
    qs = Review.objects.filter(merchant=request.merchant, hidden=False)
    if filters.product_id is not None:
        qs = qs.filter(product_id=filters.product_id)
    if filters.stars:
        qs = qs.filter(stars=filters.stars)
    if filters.unanswered:
        qs = qs.filter(answer="")
    return (
        qs.select_related("line__order").prefetch_related("photos").order_by("-created_at", "-id")
    )


@merchant_router.get("/merchant/reputation", response=MerchantReputationOut)
def my_reputation(request: HttpRequest):
    """The merchant's own reputation, as its stores' pages show it."""
    merchant_id = request.merchant.pk
    return services.reputation_of(merchant_id) or services.refresh_reputation(merchant_id)
