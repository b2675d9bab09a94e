"""Reviews: only the buyer of a delivered line, once; stars, text, photos; the merchant's one
answer; operators hide with a reason (audit log); helpful votes; the figures kept on the
product and its listing rows."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from caravana.catalog import landed
from caravana.catalog.models import ListingPrice, Product
from caravana.reviews import services
from caravana.reviews.models import ModerationEntry, Review, ReviewPhoto
from tests.imagefiles import image_bytes
from tests.reviews.conftest import deliver, paid

pytestmark = pytest.mark.django_db


def _code(exc: ValidationError, field: str) -> str:
    return exc.value.error_dict[field][0].code  # type: ignore[attr-defined]


def test_only_a_delivered_line_is_reviewed_and_only_once(world):
    order = paid(world["buyer"], world["variant"])
    line = order.lines.get()
    with pytest.raises(ValidationError) as exc:
        services.write_review(world["buyer"], line, 5, "Great", language="pt-br")
    assert _code(exc, "line") == "not_delivered"
    assert not Review.objects.exists()
    deliver(order)
    review = services.write_review(world["buyer"], line, 4, "Bom som", language="pt-br")
    assert review.stars == 4 and review.language == "pt-br"
    with pytest.raises(ValidationError) as exc:
        services.write_review(world["buyer"], line, 5, "Again", language="pt-br")
    assert _code(exc, "line") == "already_reviewed"
    assert Review.objects.count() == 1


def test_another_buyer_cannot_review_the_line(world):
    line = deliver(paid(world["buyer"], world["variant"])).lines.get()
    with pytest.raises(ValidationError) as exc:
        services.write_review(world["other"], line, 5, "Mine?", language="en")
    assert _code(exc, "line") == "review_not_found"


@pytest.mark.parametrize(
    ("stars", "text", "language", "field"),
    [(0, "ok", "en", "stars"), (6, "ok", "en", "stars"), ("x", "ok", "en", "stars"),
     (3, "  ", "en", "text"), (3, "x" * 4001, "en", "text"), (3, "ok", "fr", "language")],
)  # fmt: skip
def test_bad_input_names_its_field_and_writes_nothing(world, stars, text, language, field):
    line = deliver(paid(world["buyer"], world["variant"])).lines.get()
    with pytest.raises(ValidationError) as exc:
        services.write_review(world["buyer"], line, stars, text, language=language)
    assert field in exc.value.error_dict
    assert not Review.objects.exists()


def test_up_to_five_photos(world):
    line = deliver(paid(world["buyer"], world["variant"])).lines.get()

    def photo(i):
        return SimpleUploadedFile(f"p{i}.png", image_bytes(), content_type="image/png")

    with pytest.raises(ValidationError) as exc:
        services.write_review(world["buyer"], line, 5, "Six", [photo(i) for i in range(6)], "en")
    assert _code(exc, "photos") == "too_many_photos"
    review = services.write_review(world["buyer"], line, 5, "Two", [photo(1), photo(2)], "en")
    assert ReviewPhoto.objects.filter(review=review).count() == 2


def test_product_figures_follow_visible_reviews(world):
    landed.refresh(countries=["BR"])
    product = world["product"]
    before = Product.objects.get(pk=product.pk).updated_at
    for user, stars in ((world["buyer"], 5), (world["other"], 2)):
        line = deliver(paid(user, world["variant"])).lines.get()
        services.write_review(user, line, stars, "text", language="en")
    p = Product.objects.get(pk=product.pk)
    assert (p.rating_avg, p.rating_count) == (Decimal("3.50"), 2)
    assert p.updated_at == before  # the stored landed prices stay current
    assert ListingPrice.objects.get(product=product, country="BR").rating == Decimal("3.50")
    low = Review.objects.get(stars=2)
    services.hide(low, world["operator"], "Insults the seller")
    p.refresh_from_db()
    assert (p.rating_avg, p.rating_count) == (Decimal("5.00"), 1)
    s = services.summary(product.pk)
    assert s.count == 1 and s.distribution[0] == (5, 1, 100)


def test_a_refresh_keeps_the_rating_on_the_rows(world):
    line = deliver(paid(world["buyer"], world["variant"])).lines.get()
    services.write_review(world["buyer"], line, 4, "text", language="en")
    landed.refresh(countries=["BR"])
    assert ListingPrice.objects.get(product=world["product"], country="BR").rating == Decimal("4")


def test_the_merchant_answers_once(world):
    line = deliver(paid(world["buyer"], world["variant"])).lines.get()
    review = services.write_review(world["buyer"], line, 3, "Ok", language="en")
    from caravana.accounts.models import Role
    from tests import factories as f

    stranger = f.user(Role.MERCHANT)
    with pytest.raises(ValidationError):
        services.answer(review, stranger, "Not mine")
    with pytest.raises(ValidationError) as exc:
        services.answer(review, world["staff"], " ")
    assert "answer" in exc.value.error_dict
    services.answer(review, world["staff"], "谢谢 / Thank you")
    with pytest.raises(ValidationError) as exc:
        services.answer(review, world["staff"], "Again")
    assert _code(exc, "answer") == "already_answered"
    review.refresh_from_db()
    assert review.answer == "谢谢 / Thank you" and review.answered_by == world["staff"]


def test_operators_hide_with_a_reason_kept_in_the_log(world):
    line = deliver(paid(world["buyer"], world["variant"])).lines.get()
    review = services.write_review(world["buyer"], line, 1, "Spam link", language="en")
    with pytest.raises(ValidationError):
        services.hide(review, world["staff"], "I dislike it")
    with pytest.raises(ValidationError) as exc:
        services.hide(review, world["operator"], "")
    assert _code(exc, "reason") == "reason_required"
    services.hide(review, world["operator"], "Spam")
    services.show(review, world["operator"], "Appeal accepted")
    log = list(ModerationEntry.objects.filter(review=review).order_by("at", "id"))
    assert [(e.action, e.reason, e.actor) for e in log] == [
        ("hidden", "Spam", world["operator"]),
        ("shown", "Appeal accepted", world["operator"]),
    ]
    assert services.visible(world["product"].pk).count() == 1


def test_helpful_votes_once_per_buyer_not_on_ones_own(world):
    line = deliver(paid(world["buyer"], world["variant"])).lines.get()
    review = services.write_review(world["buyer"], line, 5, "Helpful?", language="en")
    with pytest.raises(ValidationError):
        services.vote_helpful(review, world["buyer"])
    assert services.vote_helpful(review, world["other"]).helpful == 1
    with pytest.raises(ValidationError) as exc:
        services.vote_helpful(review, world["other"])
    assert _code(exc, "review") == "already_voted"
    with pytest.raises(ValidationError):
        services.vote_helpful(review, world["staff"])  # staff are not buyers
    review.refresh_from_db()
    assert review.helpful == 1


def test_most_helpful_first_and_filters(world):
    reviews = []
    for user, stars in ((world["buyer"], 5), (world["other"], 3)):
        line = deliver(paid(user, world["variant"])).lines.get()
        reviews.append(services.write_review(user, line, stars, "t", language="en"))
    services.vote_helpful(reviews[1], world["buyer"])
    pk = world["product"].pk
    assert [r.stars for r in services.visible(pk)] == [3, 5]
    assert [r.stars for r in services.visible(pk, stars=5)] == [5]
    assert list(services.visible(pk, with_photos=True)) == []


def test_an_operator_hides_a_review_in_the_back_office(world):
    line = deliver(paid(world["buyer"], world["variant"])).lines.get()
    review = services.write_review(world["buyer"], line, 1, "Spam", language="en")
    from django.test import Client

    from caravana.accounts.models import Role
    from tests import factories as f

    operator = f.user(Role.OPERATOR, username="admin-op", is_staff=True, is_superuser=True)
    c = Client()
    c.force_login(operator)
    url = f"/admin/reviews/review/{review.pk}/change/"
    assert c.get(url).status_code == 200
    inline = {"moderation-TOTAL_FORMS": "0", "moderation-INITIAL_FORMS": "0"}
    r = c.post(url, {"decision": "hide", "reason": "", **inline})
    assert r.status_code == 200 and not Review.objects.get(pk=review.pk).hidden
    r = c.post(url, {"decision": "hide", "reason": "Spam link", **inline})
    assert r.status_code == 302, r.content[:500]
    review.refresh_from_db()
    assert review.hidden and review.hidden_reason == "Spam link"
    assert ModerationEntry.objects.get(review=review).actor == operator


def test_photos_of_a_review_not_written_are_deleted(world, media_root, monkeypatch):
    """The photos are stored before the review's transaction (storage may be a bucket) and
    deleted when it rolls back: no file is left without its row."""
    line = deliver(paid(world["buyer"], world["variant"])).lines.get()
    seen: list[int] = []

    def fails_after_the_rows(product_id: int) -> None:
        seen.append(sum(1 for p in media_root.rglob("*") if p.is_file()))
        raise RuntimeError("the database went away")

    monkeypatch.setattr(services, "refresh_product_rating", fails_after_the_rows)
    photos = [
        SimpleUploadedFile(f"p{i}.png", image_bytes(), content_type="image/png") for i in (1, 2)
    ]
    with pytest.raises(RuntimeError):
        services.write_review(world["buyer"], line, 5, "Two", photos, "en")
    assert seen == [2]  # both stored before the rows were written
    assert not Review.objects.exists() and not ReviewPhoto.objects.exists()
    assert [p for p in media_root.rglob("*") if p.is_file()] == []
    monkeypatch.undo()
    photos = [SimpleUploadedFile("p.png", image_bytes(), content_type="image/png")]
    review = services.write_review(world["buyer"], line, 5, "One", photos, "en")
    (kept,) = ReviewPhoto.objects.filter(review=review)
    assert kept.image.name.startswith("reviews/") and (media_root / kept.image.name).is_file()
