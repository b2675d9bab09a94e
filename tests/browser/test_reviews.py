"""Reviews in a real Chromium: "review after delivery only". A buyer whose order line is not
delivered finds no way to review it (the form's page says why); once it is delivered, the
order page offers the form, the review is published with a photo, and a second try is told it
was already written. Then the product page (average, count, distribution, filters, reviews in
other languages marked, the seller's answer) and the store page with its reputation, checked
with axe and photographed at 1366 and 390 px (docs/screenshots/reviews-*.png)."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from caravana.accounts.models import Role
from caravana.catalog.models import MerchantMember
from caravana.reviews import services
from tests import factories as f
from tests import shots
from tests.browser.axe import violations
from tests.imagefiles import image_bytes
from tests.orders.support import ensure_pricing
from tests.reviews.conftest import deliver, paid

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"

HTMX_IDLE = (
    "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling, .htmx-added')"
)


@pytest.fixture
def shop(settings):
    from django.utils import timezone

    from caravana.network.seed import seed_network

    settings.PAYMENTS_SANDBOX_TRANSPORT = "inline"
    ensure_pricing()
    f.fx_rates()
    seed_network(timezone.now().date())
    product = f.product(price="129.00", stock=50, title_en="TWS earphones",
                        title_es="Audífonos TWS", title_pt_br="Fone de ouvido TWS")  # fmt: skip
    staff = f.user(Role.MERCHANT, username="seller")
    MerchantMember.objects.create(user=staff, merchant=product.store.merchant)
    return {"product": product, "variant": product.variants.get(), "staff": staff,
            "buyer": f.user(username="ana", email="ana@example.com")}  # fmt: skip


def _choose(page, url, country="BR", language="pt-br"):
    page.goto(url + "/country/")
    page.select_option("select[name=language]", language)
    page.locator(f'button[data-country="{country}"]').click()


def _login(page, url, user):
    page.goto(url + "/accounts/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", f.PASSWORD)
    page.locator("main form [type=submit]").last.click()


def _shots(page, name: str, problems: list[str]) -> None:
    for width in (1366, 390):
        page.set_viewport_size({"width": width, "height": 900 if width > 400 else 844})
        shots.take(page, SHOTS / f"reviews-{name}-{width}.png", full_page=True)
        problems += [f"{name} [{width}]: {v}" for v in violations(page)]


def test_review_after_delivery_only(live_server, page, shop):
    url = live_server.url
    order = paid(shop["buyer"], shop["variant"])
    line = order.lines.get()
    _choose(page, url)
    _login(page, url, shop["buyer"])
    page.goto(f"{url}/orders/{order.number}/")
    expect(page.get_by_test_id("write-review")).to_have_count(0)
    page.goto(f"{url}/orders/{order.number}/lines/{line.pk}/review/")
    expect(page.get_by_test_id("not-delivered")).to_be_visible()
    expect(page.get_by_test_id("review-form")).to_have_count(0)

    deliver(order)
    page.goto(f"{url}/orders/{order.number}/")
    page.get_by_test_id("write-review").click()
    page.locator('input[name=stars][value="5"]').check()
    page.fill("textarea[name=text]", "Chegou antes do prazo, som excelente.")
    page.set_input_files(
        "input[name=photos]",
        files=[{"name": "foto.png", "mimeType": "image/png", "buffer": image_bytes()}],
    )
    page.get_by_test_id("publish-review").click()
    expect(page.get_by_test_id("reviewed")).to_have_count(1)
    expect(page.get_by_test_id("write-review")).to_have_count(0)
    page.goto(f"{url}/orders/{order.number}/lines/{line.pk}/review/")
    expect(page.get_by_test_id("already-reviewed")).to_be_visible()
    review = services.visible(shop["product"].pk).get()
    assert review.stars == 5 and review.language == "pt-br" and review.photos.count() == 1


def test_product_and_store_pages_with_reviews(live_server, page, shop):
    url = live_server.url
    written = [
        ("lucia", 5, "pt-br", "Chegou antes do prazo e exatamente como na foto. Recomendo!"),
        ("mateo", 4, "es", "Muy buen producto, el empaque venía un poco dañado."),
        ("daniel", 3, "en", "Does the job; the case scratches easily."),
        ("joana", 5, "pt-br", "Bateria dura o dia todo."),
    ]
    reviews = []
    for username, stars, lang, text in written:
        buyer = f.user(username=username, email=f"{username}@example.com", first_name=username)
        line = deliver(paid(buyer, shop["variant"])).lines.get()
        photos = [image_bytes()] if username == "lucia" else []
        from django.core.files.uploadedfile import SimpleUploadedFile

        uploads = [SimpleUploadedFile("p.png", b, content_type="image/png") for b in photos]
        reviews.append(services.write_review(buyer, line, stars, text, uploads, lang))
    services.answer(reviews[1], shop["staff"], "¡Gracias! Reforzamos el embalaje.")
    services.vote_helpful(reviews[1], shop["buyer"])
    services.refresh_reputation(shop["product"].store.merchant_id)
    problems: list[str] = []
    _choose(page, url)
    _login(page, url, shop["buyer"])
    page.goto(f"{url}/p/{shop['product'].pk}/#reviews")
    expect(page.get_by_test_id("review-count")).to_contain_text("4")
    expect(page.get_by_test_id("review")).to_have_count(4)
    # Most helpful first; the Spanish and English ones are marked for a pt-BR reader.
    expect(page.get_by_test_id("review").first).to_have_attribute("data-language", "es")
    expect(page.get_by_test_id("review-language")).to_have_count(2)
    expect(page.get_by_test_id("review-answer")).to_have_count(1)
    page.get_by_test_id("reviews").locator("select[name=stars]").select_option("5")
    expect(page.get_by_test_id("review")).to_have_count(2)
    # The swapped-in form listens for changes only once htmx has settled it.
    page.wait_for_function(HTMX_IDLE)
    page.get_by_test_id("reviews").locator("select[name=stars]").select_option("")
    expect(page.get_by_test_id("review")).to_have_count(4)
    _shots(page, "product", problems)
    page.goto(f"{url}/s/{shop['product'].store.slug}/")
    expect(page.get_by_test_id("reputation")).to_be_visible()
    expect(page.get_by_test_id("card-rating")).to_have_count(1)
    _shots(page, "store", problems)
    assert not problems, "\n".join(problems)
