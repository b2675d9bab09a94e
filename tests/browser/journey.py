"""A buyer's whole journey in one country, in a real Chromium, as steps the journey tests and
the screenshot run share: choose the country, search, open a product from its card, add it and
a second merchant's product to the cart, check out with the country's document and address,
pay through the sandbox, open the order, follow the parcel's tracking link.

The steps record what the buyer read (the landed price on the card, the product page, the cart,
the checkout, the order page) rather than asserting it, so that a run always reaches the end and
the test can compare every figure at once (a failure names them all)."""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from PIL import Image
from playwright.sync_api import Page, expect

from caravana.accounts.models import Role, User
from caravana.catalog.models import Product
from caravana.catalog.services import create_store
from caravana.fulfillment.models import Parcel
from caravana.network.seed import seed_network
from caravana.orders.models import Order, OrderStatus, RefundState, ServiceLevel
from caravana.orders.shipping import ship_as_parcel
from caravana.payments.ledger import order_escrow
from caravana.payments.models import PaymentStatus
from tests import factories as f
from tests.orders.support import ensure_pricing

HUB = "SZX-HUB"  # seed_network's working hub in Shenzhen, where merchants hand parcels in
SHOT_DIR = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
WIDTHS = ((1366, 900), (390, 844))


@dataclass(frozen=True)
class Buyer:
    """One country's buyer: what they search for, and a checkout form that must be accepted.

    Every document number is python-stdnum's own documented example (stdnum's module docs for
    br.cpf, mx.rfc, cl.rut, pe.cui, ar.cuit), checked again by tests/browser/test_buyer_journeys;
    Colombia's cédula de ciudadanía has no check digit (markets/documents.py). Addresses use
    each country's division names as the checkout offers them (markets/addresses.py) and, in
    Brazil, a CEP the demo knows (markets/demo_ceps.py)."""

    country: str
    words: tuple[str, str]  # a search word for the first merchant's product, then the second's
    form: dict[str, str]
    id_type: str
    method: str
    decimal_sep: str  # how the country writes money: R$ 1.234,56 or $1,234.56


_CARD = "4111 1111 1111 1111"  # the sandbox's Visa test number; it is approved

BUYERS: dict[str, Buyer] = {
    b.country: b
    for b in (
        Buyer(
            "BR",
            ("fone", "capinha"),
            {"recipient": "Ana Souza", "street_address": "Avenida Paulista, 1000",
             "city": "São Paulo", "state": "SP", "postal_code": "01310-100",
             "buyer_id": "390.533.447-05"},
            "br.cpf",
            "pix",
            ",",
        ),
        Buyer(
            "MX",
            ("audifonos", "funda"),
            {"recipient": "Luis Pérez", "street_address": "Av. Reforma 222",
             "city": "Ciudad de México", "state": "CDMX", "postal_code": "06600",
             "buyer_id": "GODE561231GR8"},
            "mx.rfc",
            "oxxo",
            ".",
        ),
        Buyer(
            "CL",
            ("audifonos", "funda"),
            {"recipient": "Catalina Muñoz", "street_address": "Av. Providencia 1234",
             "city": "Providencia", "state": "Región Metropolitana", "postal_code": "750-0000",
             "buyer_id": "12.531.909-2"},
            "cl.rut",
            "card",
            ",",
        ),
        Buyer(
            "CO",
            ("audifonos", "funda"),
            {"recipient": "Camila Rodríguez", "street_address": "Carrera 7 # 71-21",
             "city": "Bogotá", "state": "Bogotá", "postal_code": "110231",
             "buyer_id": "1020304050"},
            "co.cc",
            "card",
            ",",
        ),
        Buyer(
            "PE",
            ("audifonos", "funda"),
            {"recipient": "Rosa Quispe", "street_address": "Av. Arequipa 123",
             "city": "Miraflores", "state": "Lima", "postal_code": "15074",
             "buyer_id": "10117410"},
            "pe.cui",
            "card",
            ".",
        ),
        Buyer(
            "AR",
            ("audifonos", "funda"),
            {"recipient": "Martín García", "street_address": "Av. Corrientes 1234",
             "city": "Buenos Aires", "state": "Ciudad Autónoma de Buenos Aires",
             "postal_code": "C1043AAZ", "buyer_id": "20-05536168-2"},
            "ar.cuil",
            "card",
            ",",
        ),
    )
}  # fmt: skip
COUNTRIES = tuple(BUYERS)


@dataclass
class Shop:
    """Two merchants, one product each, and a buyer who has an account."""

    earphones: Product
    case: Product
    user: User
    merchant_staff: User


def make_shop(buyer: Buyer | None = None) -> Shop:
    """The smallest catalogue the journey needs, written through the services (factories), and
    the network the merchant ships through. Transactional tests empty every table, so each
    journey builds its own."""
    ensure_pricing()
    f.fx_rates()
    seed_network(dt.date.today())
    audio = f.category("audio", name_pt_br="Áudio", name_es="Audio")
    cases = f.category("cases", name_pt_br="Capinhas", name_es="Fundas")
    staff = f.user(Role.MERCHANT)
    first = create_store(
        f.merchant("Shenzhen Huaqiang Audio Co., Ltd.", staff=staff), slug="huaqiang",
        name="Huaqiang Audio",
    )  # fmt: skip
    earphones = f.product(
        first,
        cat=audio,
        price="129.00",
        title_en="TWS Bluetooth earphones",
        title_pt_br="Fone de ouvido Bluetooth TWS",
        title_es="Audífonos Bluetooth TWS",
        title_zh_hans="TWS 蓝牙耳机",
        description_pt_br="Fone sem fio com estojo de carga, 30 horas de bateria.",
        description_es="Audífonos inalámbricos con estuche de carga, 30 horas de batería.",
    )
    second = create_store(
        f.merchant("Dongguan Case Factory Co., Ltd."), slug="dongguan-cases", name="Dongguan Cases"
    )
    case = f.product(
        second,
        cat=cases,
        price="19.90",
        hs_code="392690",
        title_en="Silicone phone case",
        title_pt_br="Capinha de silicone para celular",
        title_es="Funda de silicona para celular",
        title_zh_hans="硅胶手机壳",
    )
    name = buyer.form["recipient"].split()[0].casefold() if buyer else None
    return Shop(earphones, case, f.user(username=name, email="buyer@example.com"), staff)


@dataclass
class Readings:
    """What the buyer read along the way, as Decimals in the buyer's currency."""

    country: str
    card: Decimal | None = None  # the landed price on the search card
    product: Decimal | None = None  # the product page's landed total
    cart: Decimal | None = None  # the product's parcel total in the cart
    checkout: Decimal | None = None  # the same parcel at checkout, once the address is in
    order_page: Decimal | None = None  # the order's total on its page
    order: Order | None = None  # the order of the first merchant (the product's parcel)
    parcel: Parcel | None = None
    texts: dict[str, str] = field(default_factory=dict)  # the raw texts, for messages


_MONEY = re.compile(r"(?:R\$|S/|\$)\s*\d[\d.,]*")


def amount(text: str, buyer: Buyer) -> Decimal:
    """The one amount of money in a text as the buyer's country writes it ("a partir de
    R$ 69,01" → 69.01, "$12.346" in Chile → 12346)."""
    found = _MONEY.findall(text.replace("\xa0", " ").replace("\u202f", " "))
    assert len(found) == 1, f"expected one amount of money in {text!r}, found {found}"
    number = re.sub(r"^\D+", "", found[0]).rstrip(".,")
    thousands = "." if buyer.decimal_sep == "," else ","
    number = number.replace(thousands, "").replace(buyer.decimal_sep, ".")
    return Decimal(number)


def choose_country(page: Page, url: str, country: str) -> None:
    page.goto(url + "/")
    expect(page).to_have_url(re.compile(r"/country/"))
    page.locator(f'button[data-country="{country}"]').click()
    expect(page.locator("html")).to_have_attribute("lang", "pt-br" if country == "BR" else "es")


def search(page: Page, word: str) -> None:
    box = page.locator("input[name=q]").first  # the header's box (a combobox), first on every page
    box.fill(word)
    box.press("Enter")
    expect(page).to_have_url(re.compile(r"/search/\?"))


def card(page: Page, product: Product):
    return page.locator(f'a.card[data-product="{product.pk}"]')


def add_to_cart(page: Page) -> None:
    page.get_by_test_id("add-to-cart").first.click()
    expect(page).to_have_url(re.compile(r"/cart/$"))


def parcel_box(page: Page, product_title: str):
    """The summary's parcel that holds a product (one parcel per merchant)."""
    return page.get_by_test_id("parcel").filter(has_text=product_title)


def log_in(page: Page, user: User) -> None:
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", f.PASSWORD)
    page.locator("main form button[type=submit]").last.click()


def fill_checkout(page: Page, buyer: Buyer) -> None:
    for name in ("recipient", "street_address", "city", "buyer_id"):
        page.fill(f"#{name}", buyer.form[name])
    page.fill("#postal_code", buyer.form["postal_code"])
    page.locator("#postal_code").blur()
    if buyer.country == "BR":  # the CEP fills street, city and state: the buyer's number stays
        expect(page.get_by_test_id("cep-filled")).to_be_visible()
        page.fill("#street_address", buyer.form["street_address"])
    page.select_option("#state", buyer.form["state"])
    page.select_option("#buyer_id_type", buyer.id_type)
    page.check(f'input[name=method][value="{buyer.method}"]')  # first: it may reveal the card
    if buyer.method == "card":
        enter_card(page, _CARD)


def enter_card(page: Page, number: str) -> None:
    """Type a card into the sandbox provider's fields (they have no name: its script turns
    them into a token on submit)."""
    page.fill("#card-number", number)
    page.fill("#card-expiry", f"12/{(dt.date.today().year + 2) % 100:02d}")
    page.fill("#card-cvc", "3782" if number.replace(" ", "").startswith(("34", "37")) else "123")


def pay_in_sandbox(page: Page) -> None:
    """The sandbox acts as the bank (its confirm button posts a signed webhook to us); a card
    the sandbox approves needs no confirmation."""
    expect(page).to_have_url(re.compile(r"/pay/"))
    status = page.get_by_test_id("payment-status")
    if status.get_attribute("data-status") == PaymentStatus.PENDING:
        page.get_by_test_id("sandbox-confirm").click()
    expect(page.get_by_test_id("payment-status")).to_have_attribute(
        "data-status", PaymentStatus.SUCCEEDED
    )


def ship(order: Order, staff: User) -> Parcel:
    """The merchant creates the parcel and its label, as the console's "ship" button does."""
    return ship_as_parcel(order, HUB, staff)


def shoot(page: Page, shots: Path | None, country: str, name: str) -> None:
    """The page at 1366 and 390 px wide into docs/screenshots/<country>-<name>-<width>.png: the
    viewport and a little more (at most 1.6 screens), in 256 colours, so the files stay small."""
    if shots is None:
        return
    shots.mkdir(parents=True, exist_ok=True)
    for width, height in WIDTHS:
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_timeout(150)  # layout settles after the resize
        full = page.evaluate("document.documentElement.scrollHeight")
        clip = {"x": 0, "y": 0, "width": width, "height": min(full, int(height * 1.6))}
        png = page.screenshot(full_page=True, clip=clip)
        save_small(png, shots / f"{country.lower()}-{name}-{width}.png")
    page.set_viewport_size({"width": WIDTHS[0][0], "height": WIDTHS[0][1]})


def save_small(png: bytes, path: Path) -> None:
    img = Image.open(io.BytesIO(png)).convert("RGB")
    img = img.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    img.save(path, "PNG", optimize=True)


def walk(page: Page, url: str, shop: Shop, buyer: Buyer, shots: Path | None = None) -> Readings:
    """The journey, each step checked for having happened (the page it leads to); the prices
    read along the way come back in Readings for the test to compare."""
    seen = Readings(buyer.country)
    first, second = shop.earphones, shop.case
    lang = "pt_br" if buyer.country == "BR" else "es"
    first_title = getattr(first, f"title_{lang}")

    choose_country(page, url, buyer.country)
    search(page, buyer.words[0])
    found = card(page, first)
    expect(found).to_be_visible()
    seen.texts["card"] = found.locator(".price").inner_text()
    seen.card = amount(seen.texts["card"], buyer)
    shoot(page, shots, buyer.country, "search")

    found.click()
    expect(page).to_have_url(re.compile(rf"/p/{first.pk}/$"))
    total = page.get_by_test_id("landed-total")
    expect(total).to_have_attribute("data-currency", page_currency(buyer.country))
    seen.texts["product"] = total.inner_text()
    seen.product = amount(seen.texts["product"], buyer)
    shoot(page, shots, buyer.country, "product")
    add_to_cart(page)

    search(page, buyer.words[1])
    card(page, second).click()
    expect(page).to_have_url(re.compile(rf"/p/{second.pk}/$"))
    add_to_cart(page)
    expect(page.locator("table.cart tbody tr")).to_have_count(2)
    expect(page.get_by_test_id("parcel")).to_have_count(2)  # two merchants, two parcels
    seen.texts["cart"] = parcel_box(page, first_title).get_by_test_id("parcel-total").inner_text()
    seen.cart = amount(seen.texts["cart"], buyer)
    shoot(page, shots, buyer.country, "cart")

    page.get_by_test_id("to-checkout").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    log_in(page, shop.user)  # the anonymous cart comes along
    expect(page).to_have_url(re.compile(r"/checkout/$"))
    fill_checkout(page, buyer)
    page.wait_for_load_state("networkidle")  # the summary re-quoted for the state chosen
    parcel = parcel_box(page, first_title).get_by_test_id("parcel-total")
    seen.texts["checkout"] = parcel.inner_text()
    seen.checkout = amount(seen.texts["checkout"], buyer)
    page.get_by_test_id("place-order").click()
    pay_in_sandbox(page)

    order = Order.objects.select_related("group").get(
        buyer=shop.user, merchant=first.store.merchant
    )
    assert order.status == OrderStatus.PAID, order.status
    assert (order.group.buyer_id_type, order.group.buyer_id_number) == (
        buyer.id_type,
        re.sub(r"[\s.\-/]", "", buyer.form["buyer_id"]),
    )
    seen.order = order
    seen.parcel = ship(order, shop.merchant_staff)

    page.get_by_test_id("paid-orders").get_by_role("link", name=order.number).click()
    expect(page).to_have_url(re.compile(rf"/orders/{order.number}/$"))
    seen.texts["order_page"] = page.get_by_test_id("order-total").inner_text()
    seen.order_page = amount(seen.texts["order_page"], buyer)
    seen.texts["order_main"] = page.locator("main").inner_text()
    shoot(page, shots, buyer.country, "order")

    link = page.get_by_test_id("parcel-tracking")
    expect(link).to_have_text(seen.parcel.s10)
    seen.texts["tracking_href"] = link.get_attribute("href") or ""
    link.click()
    expect(page).to_have_url(re.compile(rf"/track/{seen.parcel.s10}/$"))
    expect(page.locator(f'[data-tracking="{seen.parcel.s10}"]')).to_be_visible()
    expect(page.locator("h1")).to_have_text(seen.parcel.s10)
    return seen


def page_currency(country: str) -> str:
    from caravana import markets

    return markets.get(country).currency


#: Every code the order page could leak instead of its label: order, refund and payment
#: statuses, parcel states and service levels. Labels never equal a code (case included).
RAW_CODES: tuple[str, ...] = tuple(
    sorted(
        {
            *OrderStatus.values,
            *RefundState.values,
            *PaymentStatus.values,
            *Parcel.State.values,
            *ServiceLevel.values,
        }
    )
)


def raw_codes_in(text: str) -> list[str]:
    return [code for code in RAW_CODES if re.search(rf"(?<![\w-]){code}(?![\w-])", text)]


def as_dict(seen: Readings) -> dict[str, Any]:
    return {
        "card": seen.card,
        "product page": seen.product,
        "cart parcel": seen.cart,
        "checkout parcel": seen.checkout,
        "order page": seen.order_page,
        "order total": seen.order.total if seen.order else None,
        # What the payment put in escrow for this order: the amount charged for its parcel.
        "charged": order_escrow(seen.order) if seen.order else None,
    }
