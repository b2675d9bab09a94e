"""Every write of the reviews app, and the read paths its pages and API share.

* ``write_review(buyer, line, stars, text, photos, language)`` — the order's buyer, once the
  order line is delivered (its order has ``delivered_at``, set by orders.lifecycle when tracking
  or the merchant confirms delivery), once per line.
* ``answer(review, user, text)`` — the merchant's staff, once.
* ``hide(review, operator, reason)`` / ``show(...)`` — operators; each decision is a row of
  the audit log (ModerationEntry).
* ``vote_helpful(review, buyer)`` — a logged-in buyer, once per review, not on their own.
* ``refresh_reputation(merchant_id)`` — the merchant's figures from its orders, disputes and
  reviews (reviews.reputation), after each order event (reviews.receivers) and nightly.

The product's average and count are kept on the product and its listing rows
(catalog.services.set_rating) in the transaction that changed a review's visibility, so
cards and rating sorts never read the reviews table.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from caravana.access.members import is_operator, merchant_of
from caravana.accounts.models import Role
from caravana.catalog import delivery_facts
from caravana.catalog import services as catalog
from caravana.catalog.images import clean_image
from caravana.catalog.models import Merchant, Product
from caravana.error_codes import CommonErrorCode
from caravana.errors import field_error
from caravana.orders.models import Dispute, Order, OrderLine
from caravana.reviews import reputation
from caravana.reviews.error_codes import ReviewsErrorCode as E
from caravana.reviews.models import (
    ANSWER_MAX,
    MAX_PHOTOS,
    REASON_MAX,
    TEXT_MAX,
    HelpfulVote,
    ModerationAction,
    ModerationEntry,
    Reputation,
    Review,
    ReviewPhoto,
)

logger = logging.getLogger(__name__)

LANGUAGES = tuple(code for code, _name in settings.LANGUAGES)


def _text(value: Any, field: str, limit: int, required: bool = True) -> str:
    text = str(value or "").replace("\x00", "").strip()
    if required and not text:
        raise field_error(field, _("This field is required."), CommonErrorCode.REQUIRED)
    if len(text) > limit:
        raise field_error(
            field,
            _("At most %(n)s characters.") % {"n": limit},
            CommonErrorCode.TOO_LONG,
        )
    return text


def _stars(value: Any) -> int:
    try:
        stars = int(str(value).strip())
    except (TypeError, ValueError):
        stars = 0
    if not 1 <= stars <= 5:
        raise field_error("stars", _("Give from 1 to 5 stars."), E.INVALID_STARS)
    return stars


def delivered(line: OrderLine) -> bool:
    """An order line is delivered when its order is: one order is one parcel, and
    orders.lifecycle.confirm_delivery sets ``delivered_at`` (a later refund keeps it)."""
    return line.order.delivered_at is not None


def reviewable_lines(buyer: Any, order: Order) -> list[OrderLine]:
    """The buyer's lines of a delivered order with no review yet."""
    if order.buyer_id != getattr(buyer, "pk", None) or order.delivered_at is None:
        return []
    return list(order.lines.filter(review__isnull=True).select_related("variant__product"))


def write_review(
    buyer: Any,
    line: OrderLine | int,
    stars: Any,
    text: Any,
    photos: Sequence[Any] = (),
    language: str | None = None,
) -> Review:
    """The buyer's review of a delivered line: once, 1-5 stars, text, up to MAX_PHOTOS
    photos. Nothing is written when any part is refused. The photos are stored before the
    transaction (storage may be a remote bucket, as catalog.services.add_image says) and
    deleted again when the transaction does not commit."""
    line_id = line.pk if isinstance(line, OrderLine) else line
    found = (
        OrderLine.objects.select_related("order", "variant__product")
        .filter(pk=line_id, order__buyer_id=getattr(buyer, "pk", None))
        .first()
    )
    if found is None:
        raise field_error("line", _("No such order line."), E.REVIEW_NOT_FOUND)
    if not delivered(found):
        raise field_error(
            "line", _("You can review an item once it has been delivered."), E.NOT_DELIVERED
        )
    if Review.objects.filter(line_id=found.pk).exists():
        raise field_error("line", _("You have already reviewed this item."), E.ALREADY_REVIEWED)
    stars = _stars(stars)
    body = _text(text, "text", TEXT_MAX)
    lang = (language or "").lower()
    if lang not in LANGUAGES:
        raise field_error(
            "language", _("Choose one of the languages offered."), CommonErrorCode.INVALID
        )
    if len(photos) > MAX_PHOTOS:
        raise field_error(
            "photos", _("At most %(n)s photos.") % {"n": MAX_PHOTOS}, E.TOO_MANY_PHOTOS
        )
    cleaned = [clean_image(p, field="photos") for p in photos]
    product = found.variant.product
    names = _store_photos(cleaned)
    try:
        with transaction.atomic():
            try:
                with transaction.atomic():
                    review = Review.objects.create(
                        line=found, product=product, merchant_id=found.order.merchant_id,
                        buyer=buyer, stars=stars, text=body, language=lang,
                    )  # fmt: skip
            except IntegrityError:  # a second submit raced the first
                raise field_error(
                    "line", _("You have already reviewed this item."), E.ALREADY_REVIEWED
                ) from None
            ReviewPhoto.objects.bulk_create(
                ReviewPhoto(review=review, image=name, position=i) for i, name in enumerate(names)
            )
            refresh_product_rating(product.pk)
            transaction.on_commit(lambda: refresh_reputation(review.merchant_id))
    except BaseException:
        _delete_photos(names)
        raise
    return review


def _store_photos(photos: Sequence[Any]) -> list[str]:
    """Save the cleaned photos under generated names (review_photo_path); the names. Outside
    any transaction of ours: a rolled-back row must not be what keeps a file."""
    field = ReviewPhoto._meta.get_field("image")
    names: list[str] = []
    try:
        for photo in photos:
            name = field.generate_filename(ReviewPhoto(), str(photo.name))
            names.append(field.storage.save(name, photo, max_length=field.max_length))
    except BaseException:
        _delete_photos(names)
        raise
    return names


def _delete_photos(names: Sequence[str]) -> None:
    """The files of a review that was not written (best effort: a failing delete leaves an
    orphan file, never an error over the buyer's)."""
    storage = ReviewPhoto._meta.get_field("image").storage
    for name in names:
        try:
            storage.delete(name)
        except Exception:  # noqa: BLE001
            logger.warning("review photo %s left in storage", name, exc_info=True)


@transaction.atomic
def answer(review: Review, user: Any, text: Any) -> Review:
    """The merchant's one public answer to a review of its product."""
    merchant = merchant_of(user)
    if merchant is None or merchant.pk != review.merchant_id:
        raise field_error("review", _("No such review."), E.REVIEW_NOT_FOUND)
    body = _text(text, "answer", ANSWER_MAX)
    now = timezone.now()
    done = Review.objects.filter(pk=review.pk, answer="").update(
        answer=body, answered_at=now, answered_by=user
    )
    if not done:
        raise field_error("answer", _("This review has already been answered."), E.ALREADY_ANSWERED)
    review.refresh_from_db()
    return review


def _moderate(review: Review, user: Any, reason: Any, hide: bool) -> Review:
    if not is_operator(user):
        raise field_error("review", _("Operators only."), CommonErrorCode.PERMISSION_DENIED)
    why = str(reason or "").strip()
    if not why:
        raise field_error("reason", _("Say why."), E.REASON_REQUIRED)
    why = _text(why, "reason", REASON_MAX)
    review = Review.objects.select_for_update().get(pk=review.pk)
    if review.hidden != hide:
        review.hidden = hide
        review.hidden_reason = why if hide else ""
        review.save(update_fields=["hidden", "hidden_reason"])
        refresh_product_rating(review.product_id)
        transaction.on_commit(lambda: refresh_reputation(review.merchant_id))
    ModerationEntry.objects.create(
        review=review,
        action=ModerationAction.HIDDEN if hide else ModerationAction.SHOWN,
        reason=why,
        actor=user,
    )
    return review


@transaction.atomic
def hide(review: Review, user: Any, reason: Any) -> Review:
    """An operator takes a review off the pages, saying why (kept in the audit log)."""
    return _moderate(review, user, reason, True)


@transaction.atomic
def show(review: Review, user: Any, reason: Any) -> Review:
    return _moderate(review, user, reason, False)


@transaction.atomic
def vote_helpful(review: Review, user: Any) -> Review:
    """A logged-in buyer finds a review helpful: once, and not their own."""
    if not getattr(user, "is_authenticated", False) or user.role != Role.BUYER:
        raise field_error(
            "review", _("Log in as a buyer to vote."), CommonErrorCode.NOT_AUTHENTICATED
        )
    if review.buyer_id == user.pk or review.hidden:
        raise field_error("review", _("You cannot vote on this review."), E.ALREADY_VOTED)
    try:
        with transaction.atomic():
            HelpfulVote.objects.create(review=review, buyer=user)
    except IntegrityError:
        raise field_error(
            "review", _("You have already found this review helpful."), E.ALREADY_VOTED
        ) from None
    Review.objects.filter(pk=review.pk).update(helpful=F("helpful") + 1)
    review.refresh_from_db(fields=["helpful"])
    return review


# --- figures ---------------------------------------------------------------------------------


@transaction.atomic
def refresh_product_rating(product_id: int) -> None:
    """The product's average and count over its visible reviews, onto the product and its
    listing rows (catalog.services.set_rating). The product's row is locked first: two
    reviews committing together would otherwise each count without the other (READ
    COMMITTED sees committed rows only) and the later write keep a count one short. FOR NO KEY
    UPDATE: the review's insert already holds the row's KEY SHARE (its foreign key), which
    FOR UPDATE would wait on in the other transaction, a deadlock; set_rating's UPDATE takes
    the same lock anyway.
    Meant to run in the transaction that changed the review."""
    Product.objects.select_for_update(no_key=True).filter(pk=product_id).values_list(
        "pk", flat=True
    ).first()
    row = Review.objects.filter(product_id=product_id, hidden=False).aggregate(
        n=Count("id"), total=Sum("stars")
    )
    avg = reputation.average(row["total"] or 0, row["n"]) or Decimal("0")
    catalog.set_rating(product_id, avg, row["n"])


@dataclass(frozen=True)
class Summary:
    average: Decimal | None
    count: int
    distribution: list[tuple[int, int, int]]  # (stars, count, percent), 5 down to 1


def summary(product_id: int) -> Summary:
    """Average, count and distribution of a product's visible reviews: one query."""
    rows = dict(
        Review.objects.filter(product_id=product_id, hidden=False)
        .values_list("stars")
        .annotate(n=Count("id"))
        .order_by()
    )
    count = sum(rows.values())
    total = sum(s * n for s, n in rows.items())
    return Summary(
        average=reputation.average(total, count),
        count=count,
        distribution=[
            (s, rows.get(s, 0), round(100 * rows.get(s, 0) / count) if count else 0)
            for s in range(5, 0, -1)
        ],
    )


def visible(
    product_id: int, stars: int | None = None, with_photos: bool = False
) -> QuerySet[Review]:
    """A product's visible reviews, most helpful first, newest next."""
    qs = Review.objects.filter(product_id=product_id, hidden=False)
    if stars:
        qs = qs.filter(stars=stars)
    if with_photos:
        qs = qs.filter(photos__isnull=False).distinct()
    return (
        qs.select_related("buyer")
        .prefetch_related("photos")
        .order_by("-helpful", "-created_at", "-id")
    )


def refresh_reputation(merchant_id: int, now: dt.datetime | None = None) -> Reputation:
    """Count the merchant's facts over reputation.WINDOW_DAYS and store its figures and badge.
    Three aggregate queries, whatever the number of orders."""
    now = now or timezone.now()
    since = now - dt.timedelta(days=reputation.WINDOW_DAYS)
    merchant = Merchant.objects.get(pk=merchant_id)
    ship_by = F("paid_at") + dt.timedelta(days=reputation.SHIP_WITHIN_DAYS)
    late_cutoff = now - dt.timedelta(days=reputation.SHIP_WITHIN_DAYS)
    orders = Order.objects.filter(merchant_id=merchant_id, paid_at__gte=since)
    o = orders.annotate(delivered_on=TruncDate("delivered_at")).aggregate(
        paid=Count("id"),
        ship_due=Count(
            "id",
            filter=Q(shipped_at__isnull=False)
            | Q(shipped_at__isnull=True, paid_at__lt=late_cutoff, refunded=0),
        ),
        shipped_on_time=Count("id", filter=Q(shipped_at__isnull=False, shipped_at__lte=ship_by)),
        delivery_due=Count(
            "id",
            filter=Q(delivered_at__isnull=False)
            | Q(delivered_at__isnull=True, shipped_at__isnull=False, promised_by__lt=now.date()),
        ),  # fmt: skip
        delivered_in_promise=Count(
            "id", filter=Q(delivered_at__isnull=False, delivered_on__lte=F("promised_by"))
        ),
        refunded=Count("id", filter=Q(refunded__gt=0)),
        recent=Count("id", filter=Q(paid_at__gte=now - dt.timedelta(days=reputation.RECENT_DAYS))),
    )
    disputed = (
        Dispute.objects.filter(order__merchant_id=merchant_id, order__paid_at__gte=since)
        .values("order_id")
        .distinct()
        .count()
    )
    r = Review.objects.filter(merchant_id=merchant_id, hidden=False).aggregate(
        n=Count("id"), total=Sum("stars")
    )
    months = max(0, (now.year - merchant.created_at.year) * 12 + now.month
                 - merchant.created_at.month - (now.day < merchant.created_at.day))  # fmt: skip
    counts = reputation.Counts(
        paid=o["paid"], ship_due=o["ship_due"], shipped_on_time=o["shipped_on_time"],
        delivery_due=o["delivery_due"], delivered_in_promise=o["delivered_in_promise"],
        disputed=disputed, refunded=o["refunded"], rating_sum=r["total"] or 0,
        rating_count=r["n"], months=months, recent=o["recent"],
    )  # fmt: skip
    fig = reputation.figures(counts)
    rep, _created = Reputation.objects.update_or_create(
        merchant=merchant,
        defaults={
            "orders_counted": counts.paid,
            "shipped_on_time": fig.shipped_on_time,
            "delivered_in_promise": fig.delivered_in_promise,
            "dispute_rate": fig.dispute_rate,
            "refund_rate": fig.refund_rate,
            "rating_avg": fig.rating_avg,
            "rating_count": counts.rating_count,
            "months_on_caravana": months,
            "orders_90_days": counts.recent,
            "badge": fig.badge,
            "computed_at": now,
        },
    )
    # The listings' delivery-speed filter reads this fact from the listing rows (decision 0028).
    delivery_facts.set_merchant_facts(
        merchant_id, ships_on_time=reputation.ships_on_time(fig, counts.paid)
    )
    return rep


def refresh_all_reputations() -> int:
    n = 0
    for pk in Merchant.objects.order_by("pk").values_list("pk", flat=True).iterator():
        refresh_reputation(pk)
        n += 1
    return n


def reputation_of(merchant_id: int) -> Reputation | None:
    return Reputation.objects.filter(merchant_id=merchant_id).first()
