"""Customs: declarations and the electronic advance data (EAD) export for a 100-tonne flight.

Run: .venv/bin/python bench/bench_customs.py [--parcels 60000] [--runs 3] [--labels 200]

1. A throw-away database (a fresh SQLite file under var/ by default, or the DATABASE_URL given:
   point it at a database of its own, it is written to) is migrated and seeded: the network,
   FX rates, one merchant with two products titled in English and Portuguese and with their
   Brazilian NCM codes, and one real checkout (the landed-cost quote of a Brazilian order).
   That order is then cloned in bulk: --parcels paid orders with two lines each, their parcels
   (two items, 1.67 kg each: 60,000 parcels ≈ 100 t) in 30-kg bags built into PMC pallets
   loaded on the SZX→GRU charter. Generating is not timed.
2. Declarations: customs.services.declare_parcels for every parcel on the flight (what a
   flight of parcels made before the customs app costs; new labels declare one by one).
3. EAD export: customs.services.ead_records(flight) and the BR adapter's JSON and CSV files.
4. Label creation with and without the customs receiver, one parcel at a time (--labels of
   each, alternated): what declaring costs each label, against the code before customs.

Goal (issue 14): declarations and the export of a 100-tonne flight (≈ 60,000 parcels) under
30 s. Medians of --runs runs; prints a markdown table, writes bench/out/customs-<vendor>.json.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, bench_env, machine, setup_django, write_result  # noqa: E402

PARCEL_G = 1667  # 100 t / 60,000 parcels
BAG_PARCELS = 17  # ≤ 30 kg a bag
ULD_BAGS = 100  # ≈ 2.8 t a PMC


def seed(n: int):
    from django.core.management import call_command
    from django.utils import timezone
    from stdnum.cn import uscc

    from caravana.accounts.models import Role, User
    from caravana.catalog import services as catalog
    from caravana.checkout import services as checkout
    from caravana.codes import s10 as s10_codes
    from caravana.customs import services as customs
    from caravana.fulfillment.models import Bag, Parcel, ParcelItem, SerialCounter, Uld
    from caravana.network.models import Flight, Hub, Lane, UldType
    from caravana.network.seed import seed_network
    from caravana.orders.models import Order, OrderGroup, OrderLine, OrderStatus
    from caravana.pricing.models import FxRate

    call_command("migrate", verbosity=0)
    today = timezone.now().date()
    seed_network(today)
    for quote, rate in {"CNY": "7.10", "BRL": "5.40"}.items():
        FxRate.objects.update_or_create(
            base="USD", quote=quote, date=today, defaults={"rate": Decimal(rate), "source": "bench"}
        )
    merchant = catalog.create_merchant(
        legal_name="深圳市卡拉瓦纳电子有限公司",
        uscc="91440300MA5F0000" + "0" + uscc.calc_check_digit("91440300MA5F00000"),
        contact_name="Li Wei",
        contact_email="bench@example.cn",
        city="Shenzhen",
    )
    store = catalog.create_store(merchant, slug="bench", name="Bench")
    from caravana.catalog.models import Category

    cat, _ = Category.objects.get_or_create(slug="audio", defaults={"name_en": "Audio"})
    variants = []
    for hs, en, pt, ncm in (
        ("851830", "Wireless earphones", "Fones de ouvido sem fio", "85183000"),
        ("392690", "Phone case", "Capa de celular", "39269090"),
    ):
        product = catalog.create_product(
            store, {"category": cat, "hs_code": hs, "title_en": en, "title_pt_br": pt}
        )
        variant = catalog.create_variant(
            product,
            {
                "sku": hs,
                "price": Decimal("60.00"),
                "currency": "CNY",
                "weight_g": 800,
                "length_cm": Decimal(15),
                "width_cm": Decimal(10),
                "height_cm": Decimal(5),
                "battery": "none",
            },
        )
        catalog.set_stock(variant, merchant.warehouses.get(name="Main"), 10_000_000)
        customs.set_national_code(product, "BR", ncm)
        variants.append(variant)
    buyer = User.objects.create_user("bench-buyer", role=Role.BUYER)
    group, _payment, _r = checkout.checkout(
        buyer,
        "BR",
        {
            "recipient": "Ana Souza",
            "email": "ana@example.com.br",
            "street_address": "Av. Paulista, 1000",
            "city": "São Paulo",
            "state": "SP",
            "postal_code": "01310-100",
            "buyer_id": "390.533.447-05",
            "service_level": "standard",
            "method": "pix",
        },
        [(variants[0].pk, 1), (variants[1].pk, 1)],
    )
    template = group.orders.get()
    lines = list(template.lines.all())
    hub = Hub.objects.get(code="SZX-HUB")
    lane = Lane.objects.select_related("gateway", "carrier", "service_level").get(
        hub=hub, destination_country="BR", service_level__code="standard"
    )
    flight = Flight.objects.filter(origin="SZX", destination="GRU").order_by("pk").first()
    pmc = UldType.objects.get(code="PMC")

    groups = [
        OrderGroup(
            reference=f"B{i:09d}",
            buyer=buyer,
            country="BR",
            currency=group.currency,
            service_level=group.service_level,
            recipient=f"Cliente {i}",
            street_address=f"Rua {i}, 100",
            city="São Paulo",
            state="SP",
            postal_code="01310-100",
            buyer_id_type="br.cpf",
            buyer_id_number="39053344705",
            total=group.total,
        )
        for i in range(n)
    ]
    OrderGroup.objects.bulk_create(groups, batch_size=2000)
    groups = list(OrderGroup.objects.filter(reference__startswith="B").order_by("pk"))
    fields = {
        f.name: getattr(template, f.name)
        for f in Order._meta.concrete_fields
        if f.name not in ("id", "group", "number", "created_at")
    }
    fields["status"] = OrderStatus.IN_FULFILMENT
    Order.objects.bulk_create(
        [Order(group=g, number=f"CV-B{i:09d}", **fields) for i, g in enumerate(groups)],
        batch_size=2000,
    )
    orders = list(Order.objects.filter(number__startswith="CV-B").order_by("pk"))
    line_fields = [
        {
            f.name: getattr(ln, f.name)
            for f in OrderLine._meta.concrete_fields
            if f.name not in ("id", "order")
        }
        for ln in lines
    ]
    OrderLine.objects.bulk_create(
        [OrderLine(order=o, **lf) for o in orders for lf in line_fields], batch_size=4000
    )
    ulds, bags = [], []
    bag_count = (n + BAG_PARCELS - 1) // BAG_PARCELS
    for u in range((bag_count + ULD_BAGS - 1) // ULD_BAGS):
        ulds.append(
            Uld(identifier=f"PMC{u:05d}CV", uld_type=pmc, hub=hub, gateway=lane.gateway,
                flight=flight, state=Uld.State.LOADED)
        )  # fmt: skip
    Uld.objects.bulk_create(ulds)
    ulds = list(Uld.objects.filter(flight=flight).order_by("pk"))
    for b in range(bag_count):
        bags.append(
            Bag(identifier=f"BENCH{b:08d}", hub=hub, gateway=lane.gateway,
                service_level=lane.service_level, carrier=lane.carrier,
                state=Bag.State.CLOSED, uld=ulds[b // ULD_BAGS])
        )  # fmt: skip
    Bag.objects.bulk_create(bags, batch_size=2000)
    bags = list(Bag.objects.filter(identifier__startswith="BENCH").order_by("pk"))
    parcels = [
        Parcel(
            s10=s10_codes.build("HC", 50_000_000 + i, "CN"),
            merchant=merchant,
            order_ref=o.number,
            hub=hub,
            lane=lane,
            service_level=lane.service_level,
            gateway=lane.gateway,
            carrier=lane.carrier,
            recipient_name=g.recipient,
            recipient_address=g.street_address,
            recipient_city=g.city,
            recipient_state=g.state,
            recipient_postal_code=g.postal_code,
            recipient_country="BR",
            recipient_email="cliente@example.com.br",
            recipient_tax_id="39053344705",
            recipient_tax_id_type="br.cpf",
            declared_weight_g=PARCEL_G,
            declared_length_cm=20,
            declared_width_cm=15,
            declared_height_cm=10,
            declared_value=Decimal("120.00"),
            declared_currency="CNY",
            state=Parcel.State.LOADED,
            bag=bags[i // BAG_PARCELS],
        )
        for i, (o, g) in enumerate(zip(orders, groups, strict=True))
    ]
    Parcel.objects.bulk_create(parcels, batch_size=2000)
    ids = list(
        Parcel.objects.filter(s10__startswith="HC5").order_by("pk").values_list("pk", flat=True)
    )
    ParcelItem.objects.bulk_create(
        [
            ParcelItem(parcel_id=pid, description=ln.title, hs_code=ln.hs_code,
                       quantity=ln.quantity, unit_value=ln.unit_price,
                       currency=ln.price_currency, unit_weight_g=800)
            for pid in ids
            for ln in lines
        ],
        batch_size=4000,
    )  # fmt: skip
    SerialCounter.objects.update_or_create(scope="s10:HC:CN", defaults={"next_value": 90_000_000})
    return flight, merchant, hub, lane


def run_once(flight) -> tuple[float, float, int, float]:
    from django.db import connection

    from caravana.customs import adapters
    from caravana.customs import services as customs
    from caravana.customs.models import Declaration

    Declaration.objects.filter(parcel__bag__uld__flight=flight).delete()
    if connection.vendor == "postgresql":  # the last run's dead rows are not this run's cost
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE customs_declaration")
    cpu = time.process_time()
    start = time.perf_counter()
    ids = list(customs.flight_parcels(flight).values_list("pk", flat=True))
    made, refused = customs.declare_parcels(ids)
    declared = time.perf_counter() - start
    assert not refused, list(refused.items())[:3]
    start = time.perf_counter()
    size = 0
    for country, records in customs.ead_records(flight).items():
        export = adapters.Export(flight.number, flight.date, country, records)
        size += sum(len(f.body) for f in adapters.adapter_for(country).files(export))
    exported = time.perf_counter() - start
    return declared, exported, made, time.process_time() - cpu


def labels(merchant, n: int) -> tuple[float, float]:
    """Median ms per label with the customs receiver connected, and disconnected."""
    from caravana.customs.receivers import on_label_created
    from caravana.fulfillment.events import label_created
    from caravana.fulfillment.services import parcels

    data = {
        "hub": "SZX-HUB",
        "service_level": "standard",
        "recipient_name": "Ana Souza",
        "recipient_address": "Av. Paulista, 1000",
        "recipient_city": "São Paulo",
        "recipient_postal_code": "01310-100",
        "recipient_country": "BR",
        "recipient_tax_id": "39053344705",
        "recipient_tax_id_type": "br.cpf",
        "declared_weight_g": 900,
        "declared_length_cm": 20,
        "declared_width_cm": 15,
        "declared_height_cm": 10,
        "items": [
            {"description": "Wireless earphones", "hs_code": "851830", "quantity": 1,
             "unit_value": "60.00", "currency": "CNY", "unit_weight_g": 800}
        ],
    }  # fmt: skip
    with_, without = [], []
    for i in range(2 * n):
        connected = i % 2 == 0
        if not connected:
            label_created.disconnect(dispatch_uid="customs.label_created")
        start = time.perf_counter()
        parcels.create_parcel(merchant, data)
        (with_ if connected else without).append((time.perf_counter() - start) * 1000)
        if not connected:
            label_created.connect(on_label_created, dispatch_uid="customs.label_created")
    return statistics.median(with_), statistics.median(without)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--parcels", type=int, default=60_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--labels", type=int, default=200)
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep and reuse the seeded flight (SQLite file or DATABASE_URL)",
    )
    args = parser.parse_args()
    sqlite = ROOT / "var" / f"bench-customs-{args.parcels}.sqlite3"
    external = "DATABASE_URL" in os.environ
    reuse = args.keep and (external or sqlite.exists())
    if not reuse and not external:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{sqlite}{suffix}").unlink(missing_ok=True)
    sqlite.parent.mkdir(exist_ok=True)
    vendor = setup_django(bench_env(sqlite.name))
    start = time.perf_counter()
    if reuse:
        from django.db import DatabaseError

        from caravana.catalog.models import Merchant
        from caravana.fulfillment.models import Uld

        try:
            reuse = Uld.objects.filter(identifier="PMC00000CV").exists()
        except DatabaseError:  # a database not migrated yet
            reuse = False
    if reuse:
        flight = Uld.objects.get(identifier="PMC00000CV").flight
        merchant = Merchant.objects.get(contact_email="bench@example.cn")
    else:
        flight, merchant, _hub, _lane = seed(args.parcels)
        if vendor == "postgresql":
            from django.db import connection

            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
    print(f"seeded {args.parcels} parcels in {time.perf_counter() - start:.1f} s ({vendor})")
    runs = []
    for _ in range(args.runs):
        declared, exported, made, cpu = run_once(flight)
        load = machine()["load_1m"]
        runs.append(
            {"declare_s": declared, "export_s": exported, "made": made, "cpu_s": cpu, "load": load}
        )
        print(
            f"declare {declared:.2f} s · export {exported:.2f} s · {made} parcels · "
            f"process CPU {cpu:.2f} s · load {load}"
        )
    with_ms, without_ms = labels(merchant, args.labels)
    result = {
        "machine": machine(),
        "vendor": vendor,
        "parcels": args.parcels,
        "runs": runs,
        "declare_median_s": round(statistics.median(r["declare_s"] for r in runs), 2),
        "export_median_s": round(statistics.median(r["export_s"] for r in runs), 2),
        "total_median_s": round(statistics.median(r["declare_s"] + r["export_s"] for r in runs), 2),
        "cpu_median_s": round(statistics.median(r["cpu_s"] for r in runs), 2),
        "label_ms_with_customs": round(with_ms, 2),
        "label_ms_without_customs": round(without_ms, 2),
    }
    print(
        "| database | parcels | declarations (s) | EAD JSON+CSV (s) | total (s) | label with / "
        "without customs (ms) | load |\n|---|---|---|---|---|---|---|\n"
        f"| {vendor} | {args.parcels} | {result['declare_median_s']} | "
        f"{result['export_median_s']} | {result['total_median_s']} | {with_ms:.1f} / "
        f"{without_ms:.1f} | {runs[-1]['load']} |"
    )
    write_result(f"customs-{vendor}", result)
    if vendor == "sqlite" and not args.keep:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{sqlite}{suffix}").unlink(missing_ok=True)


if __name__ == "__main__":
    main()
