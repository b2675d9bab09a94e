"""A failed delivery as the buyer meets it, in a real Chromium at 1366 px and 390 px and in
es, pt-BR and en: the order page's panel asking what to do, a bad corrected address refused
beside its field, a new attempt chosen; the public tracking page saying what happened. With
REDELIVERY_SCREENSHOTS naming a folder, every page goes there as a PNG."""

from __future__ import annotations

import datetime as dt
import os

import pytest
from django.utils import timezone

from caravana.redelivery import services
from caravana.redelivery.models import FailedAttempt
from caravana.tracking import recording
from tests.browser.pages import look as look_at_both_widths
from tests.browser.pages import session
from tests.orders.support import market  # noqa: F401  (fixture)
from tests.redelivery.conftest import carrier_event, shipped  # noqa: F401  (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = os.environ.get("REDELIVERY_SCREENSHOTS", "")
#: The browser's language → the page's <html lang> and the panel's heading in it.
LANGUAGES = {
    "es-ES": ("es", "El transportista no pudo entregar"),
    "pt-BR": ("pt-br", "A transportadora não conseguiu entregar"),
    "en-US": ("en", "The carrier could not deliver"),
}


def look(page, name: str) -> None:
    look_at_both_widths(page, f"failed-delivery-{name}", SHOTS)


@pytest.fixture
def failed(shipped):  # noqa: F811
    order, parcel, user = shipped
    recording.record_batch(
        [carrier_event(parcel, "EMH", timezone.now() + dt.timedelta(minutes=1),
                       reason="Destinatário ausente", reason_code="absent")]
    )  # fmt: skip
    return order, parcel, user, FailedAttempt.objects.get(parcel=parcel)


def test_the_panel_and_the_tracking_page_in_three_languages(browser, live_server, failed):
    order, parcel, user, attempt = failed
    for locale, (lang, heading) in LANGUAGES.items():
        context, page = session(browser, live_server.url, user.username, locale)
        assert page.goto(live_server.url + f"/orders/{order.number}/").status == 200
        assert page.locator("html").get_attribute("lang") == lang
        panel = page.locator('[data-testid="failed-deliveries"]')
        assert heading in panel.inner_text()
        assert "Destinatário ausente" in panel.inner_text()
        look(page, f"order-{locale}")
        assert page.goto(live_server.url + f"/track/{parcel.s10}/").status == 200
        assert page.locator('[data-testid="delivery-failed"]').is_visible()
        look(page, f"tracking-{locale}")
        context.close()


def test_the_buyer_corrects_a_mistake_then_chooses_a_new_attempt(browser, live_server, failed):
    order, _parcel, user, attempt = failed
    context, page = session(browser, live_server.url, user.username, "pt-BR")
    page.goto(live_server.url + f"/orders/{order.number}/")
    form = page.locator('[data-testid="delivery-choice-form"]')
    form.locator('[data-testid="choice-address"]').check()
    form.locator('[name="street_address"]').fill("Rua Augusta, 500")
    form.locator('[name="city"]').fill("São Paulo")
    form.locator('[name="state"]').select_option("SP")
    form.locator('[name="postal_code"]').fill("99999-999")
    form.locator('[data-testid="send-choice"]').click()
    page.wait_for_load_state("networkidle")
    error = page.locator('[data-testid="error-postal_code"]')
    assert error.is_visible()
    assert page.locator('[name="street_address"]').input_value() == "Rua Augusta, 500"
    look(page, "address-error-pt-BR")
    attempt.refresh_from_db()
    assert attempt.state == "asking"

    day = services.redeliver_window("BR")[0] + dt.timedelta(days=2)
    form = page.locator('[data-testid="delivery-choice-form"]')
    form.locator('[data-testid="choice-redeliver"]').check()
    form.locator('[name="redeliver_on"]').fill(day.isoformat())
    form.locator('[data-testid="send-choice"]').click()
    page.wait_for_selector('[data-testid="choice-made"]')
    assert page.locator('[data-testid="choice-made"]').get_attribute("data-choice") == "redeliver"
    look(page, "chosen-pt-BR")
    attempt.refresh_from_db()
    assert (attempt.state, attempt.choice, attempt.redeliver_on) == ("chosen", "redeliver", day)
    context.close()
