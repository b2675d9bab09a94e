"""Clearance: a 60,000-row customs decision file applied with its tracking events (issue 14:
under 60 s), on SQLite by default or the DATABASE_URL given (a database of its own).

Run: .venv/bin/python bench/bench_clearance.py [--parcels 60000] [--runs 3] [--broker URL]

Each run builds a fresh arrived flight of --parcels parcels for GRU (rows written with the
ORM's bulk_create: setting up is not what is measured), then times
1. presenting its manifest: a case and an EDB event per parcel (clearance.services
   .present_manifest);
2. the decision file as the job applies it: parsing the CSV (csvfile.parse) and
   services.apply_decisions — 90 % cleared, 3 % held for inspection, 3 % held for documents
   (a buyer request each), 2 % returned, 1 % held as prohibited, 1 % seized after a hold
   earlier in the file — with the decisions, the cases' UPDATE and every tracking event
   (EDC, EME, EDX) recorded through tracking.recording;
3. the same file again (all rows already recorded: what a re-upload costs).
With --assessed every parcel belongs to a paid BRL order (its duties in escrow) and every
cleared row carries customs' assessment (assessed_ii, assessed_icms, assessed_currency), so
each is recorded with its ledger postings (duties.services.record_assessments) in the same
transaction.
The after-commit notifications go to a Celery broker (--broker, Redis database 15 by
default), as in production, not run inline. Medians of --runs. Prints a markdown table and
writes bench/out/clearance-<vendor>.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import bench_env, machine, setup_django, write_result  # noqa: E402

DEFAULT_BROKER = "redis://127.0.0.1:6379/15"


def build_flight(n: int, run: int, assessed: bool = False):
    """An arrived SZX→GRU flight carrying `n` fresh parcels for GRU, in bags in one ULD."""
    from django.utils import timezone

    from caravana.catalog.models import Merchant
    from caravana.codes import s10
    from caravana.fulfillment.models import Bag, Parcel, Uld
    from caravana.network.models import Carrier, Flight, Gateway, Hub, Lane, ServiceLevel, UldType
    from tests import factories as f

    merchant = Merchant.objects.order_by("pk").first() or f.merchant()
    hub, gru = Hub.objects.get(code="SZX-HUB"), Gateway.objects.get(iata="GRU")
    lane = Lane.objects.filter(gateway=gru).first()
    level = ServiceLevel.objects.get(code="standard")
    carrier = Carrier.objects.get(code="br-correios")
    now = timezone.now()
    flight = Flight.objects.create(
        carrier="Bench Air", number=f"BX{run:04d}", date=now.date(), origin="SZX",
        destination="GRU", scheduled_departure=now - dt.timedelta(hours=15),
        scheduled_arrival=now - dt.timedelta(hours=1),
        actual_departure=now - dt.timedelta(hours=15),
        actual_arrival=now - dt.timedelta(hours=1), state=Flight.State.ARRIVED,
        aircraft_type_id=1,
    )  # fmt: skip
    uld = Uld.objects.create(
        identifier=f"PMC{run:05d}BX", uld_type=UldType.objects.first(), hub=hub, gateway=gru,
        flight=flight, state=Uld.State.LOADED,
    )  # fmt: skip
    bags = Bag.objects.bulk_create(
        Bag(identifier=f"BX{run % 1000:03d}{i:010d}", hub=hub, gateway=gru, service_level=level,
            carrier=carrier, state=Bag.State.CLOSED, uld=uld)
        for i in range(n // 100 + 1)
    )  # fmt: skip
    base = (run % 99) * 1_000_000
    parcels = [
        Parcel(
            s10=s10.build("HX", base + i, "CN"), merchant=merchant, hub=hub, lane=lane,
            service_level=level, gateway=gru, carrier=carrier, recipient_name="Ana Souza",
            recipient_address="Av. Paulista 1000", recipient_city="São Paulo",
            recipient_country="BR", declared_weight_g=500, declared_length_cm=20,
            declared_width_cm=15, declared_height_cm=10, declared_value="89.00",
            declared_currency="CNY", state=Parcel.State.ARRIVED, bag=bags[i // 100],
        )
        for i in range(n)
    ]  # fmt: skip
    if assessed:
        _paid_orders(parcels, merchant, run)
    Parcel.objects.bulk_create(parcels, batch_size=2000)
    return flight, gru, [p.s10 for p in parcels]


#: One bench order: goods, shipping, import tax (ii) and ICMS, in BRL.
GOODS, SHIPPING, II, ICMS = Decimal("100.00"), Decimal("20.00"), Decimal("24.00"), Decimal("30.28")


def _paid_orders(parcels, merchant, run: int) -> None:
    """A paid order per parcel (bulk_create) with its duties and taxes in the quote and its
    money captured into escrow (one ledger capture for all): what an assessment moves."""
    from django.utils import timezone

    from caravana.accounts.models import Role
    from caravana.orders.models import Order, OrderGroup, OrderStatus
    from caravana.payments import ledger
    from tests import factories as f

    buyer = f.user(Role.BUYER, username=f"bench-buyer-{run}-{time.time_ns()}")
    now = timezone.now()
    group = OrderGroup.objects.create(
        reference=f"BXG{run:06d}", buyer=buyer, country="BR", currency="BRL",
        service_level="standard", recipient="Ana Souza", street_address="Av. Paulista 1000",
        city="São Paulo", postal_code="01310-100", buyer_id_type="br.cpf",
        buyer_id_number="39053344705", total=0,
    )  # fmt: skip
    quote = {"duties": [{"code": "ii", "amount": str(II)}],
             "taxes": [{"code": "icms", "amount": str(ICMS)}]}  # fmt: skip
    orders = Order.objects.bulk_create(
        (
            Order(
                group=group, number=f"BX{run:06d}{i:07d}", buyer=buyer, merchant=merchant,
                status=OrderStatus.PAID, country="BR", currency="BRL",
                service_level="standard", goods=GOODS, shipping=SHIPPING, duties=II,
                taxes=ICMS, total=GOODS + SHIPPING + II + ICMS, quote=quote,
                rule_set_id="BR-bench", promised_from=now.date(), promised_by=now.date(),
                paid_at=now,
            )
            for i in range(len(parcels))
        ),
        batch_size=2000,
    )  # fmt: skip
    for parcel, order in zip(parcels, orders, strict=True):
        parcel.order_ref, parcel.ddp = order.number, True
    ledger.post_capture(f"capture:bench-{run}", "BRL", [(o, o.total) for o in orders])


def decision_file(identifiers: list[str], at: dt.datetime, assessed: bool = False) -> bytes:
    out = io.StringIO()
    out.write("s10,outcome,reason,decided_at,note,assessed_ii,assessed_icms,assessed_currency\n")
    stamp = at.isoformat()
    later = (at + dt.timedelta(minutes=5)).isoformat()
    for i, s in enumerate(identifiers):
        k = i % 100
        if k < 90:
            # Customs' figures: as collected, a real 2 % more import tax, or 1.10 less ICMS.
            ii = II + (II / 50 if i % 3 == 1 else 0)
            icms = ICMS - (Decimal("1.10") if i % 3 == 2 else 0)
            figures = f"{ii:.2f},{icms:.2f},BRL" if assessed else ",,"
            out.write(f"{s},cleared,,{stamp},,{figures}\n")
        elif k < 93:
            out.write(f"{s},held,inspection,{stamp},,,,\n")
        elif k < 96:
            out.write(f"{s},held,documents,{stamp},invoice,,,\n")
        elif k < 98:
            out.write(f"{s},returned,,{stamp},,,,\n")
        elif k < 99:
            out.write(f"{s},held,prohibited,{stamp},,,,\n")
        else:
            out.write(f"{s},held,prohibited,{stamp},,,,\n{s},seized,,{later},,,,\n")
    return out.getvalue().encode()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--parcels", type=int, default=60_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--broker", default=DEFAULT_BROKER)
    parser.add_argument("--assessed", action="store_true", help="rows carry customs' figures")
    args = parser.parse_args()
    env = bench_env("bench-clearance.sqlite3")
    if args.broker:
        env["CELERY_BROKER_URL"] = args.broker
    vendor = setup_django(env)
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from django.core.management import call_command
    from django.utils import timezone

    from caravana.clearance import csvfile, services
    from caravana.clearance.models import Source
    from caravana.network.models import AircraftType
    from caravana.network.seed import seed_network

    call_command("migrate", verbosity=0)
    seed_network(timezone.now().date())
    assert AircraftType.objects.filter(pk=1).exists()
    times: dict[str, list[float]] = {"present": [], "apply": [], "again": [], "apply_cpu": []}
    counts = {}
    start_run = int(time.time()) % 1000
    suffix = "-assessed" if args.assessed else ""
    for r in range(args.runs):
        flight, gru, identifiers = build_flight(args.parcels, start_run * 10 + r, args.assessed)
        t = time.perf_counter()
        manifest = services.present_manifest(flight, gru)
        times["present"].append(time.perf_counter() - t)
        data = decision_file(identifiers, timezone.now(), args.assessed)
        t, cpu = time.perf_counter(), time.process_time()
        items = csvfile.parse(data)
        result = services.apply_decisions(items, source=Source.CSV, gateway=gru, prefix="rows")
        times["apply"].append(time.perf_counter() - t)
        # This process's CPU seconds (on SQLite the database's work too): on a shared
        # machine the wall clock also counts the time other processes held the cores.
        times["apply_cpu"].append(time.process_time() - cpu)
        assert not result.errors, list(result.errors.items())[:3]
        counts = {"rows": len(items), "applied": result.applied, "requests": result.requests,
                  "cases": manifest.parcel_count, "assessed": result.assessed}  # fmt: skip
        t = time.perf_counter()
        items = csvfile.parse(data)
        again = services.apply_decisions(items, source=Source.CSV, gateway=gru, prefix="rows")
        times["again"].append(time.perf_counter() - t)
        assert again.applied == 0 and again.repeated == len(items) and again.assessed == 0
        # Written after every run: a run cut short on a busy machine keeps the ones before it.
        write_result(f"clearance-{vendor}{suffix}", {"machine": machine(), "counts": counts,
                                             "runs": times, "complete": False})  # fmt: skip
    med = {k: round(statistics.median(v), 2) for k, v in times.items()}
    info = machine()
    print("\n| database | rows | present manifest (s) | apply file (s) | apply, CPU (s) "
          "| same file again (s) | load |")  # fmt: skip
    print("|---|---|---|---|---|---|---|")
    print(f"| {vendor} | {counts['rows']:,} | {med['present']} | {med['apply']} "
          f"| {med['apply_cpu']} | {med['again']} | {info['load_1m']} |")  # fmt: skip
    path = write_result(f"clearance-{vendor}{suffix}", {"machine": info, "counts": counts,
                                                 "runs": times, "median_s": med})  # fmt: skip
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
