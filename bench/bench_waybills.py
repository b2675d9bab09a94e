"""Air waybills for a full freighter: `.venv/bin/python bench/bench_waybills.py [--parcels 60000]`
on SQLite by default or the DATABASE_URL given.

One SZX→GRU charter carrying about 100 tonnes: --parcels parcels (1.67 kg each on average) in
30-kg bags of one of six consignments (3 service levels × 2 last-mile carriers), the bags built
into PMC pallets, all written straight into the tables (bulk_create) and planned onto the
flight. Then, each --runs times (median shown):

1. build: waybills.services.build_for_flights, what a plan commit adds (the master, six houses
   and a version with every bag and ULD), from nothing each run;
2. export: waybills.onerecord.dumps of the master's current version: the Waybill, Shipment,
   Piece (every bag and every parcel), ULD and TransportMovement objects as one JSON-LD string.

Wall and CPU seconds (time.process_time) are both kept: the machine is shared.

Goal (issue 14): the ONE Record export of a 100-tonne flight (about 60,000 parcels) in under
30 s. Prints a markdown row and writes bench/out/waybills-<vendor>.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import bench_env, machine, setup_django, write_result  # noqa: E402

INDICATOR = "HW"  # S10 service indicator of the bench's parcels
BAG_KG = 30


def prepare(parcels: int) -> int:
    """Write the flight's cargo once (reused by a later run of the same size); its flight id."""
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from caravana.catalog.models import Merchant
    from caravana.codes import bag as bag_codes
    from caravana.codes import s10
    from caravana.fulfillment.models import Bag, Parcel, Uld
    from caravana.network.models import Flight, Hub, Lane, UldType
    from caravana.network.seed import seed_network
    from caravana.waybills.seed import seed_airlines

    if not Lane.objects.exists():
        seed_network(dt.date.today())
    seed_airlines()
    flight = Flight.objects.filter(number="5Y8301").order_by("scheduled_departure").first()
    if Parcel.objects.filter(s10__startswith=INDICATOR).count() == parcels:
        return flight.pk
    Parcel.objects.filter(s10__startswith=INDICATOR).delete()
    Bag.objects.filter(identifier__startswith="CBSZX9").delete()
    Uld.objects.filter(identifier__startswith="PMC9").delete()
    merchant = Merchant.objects.order_by("pk").first()
    if merchant is None:
        from stdnum.cn import uscc

        from caravana.catalog import services as catalog

        body = "91440300000000010"
        merchant = catalog.create_merchant(
            legal_name="Shenzhen Bench Co., Ltd.",
            uscc=body + uscc.calc_check_digit(body),
            contact_name="Li Wei",
            contact_email="bench@example.cn",
            city="Shenzhen",
        )
    hub = Hub.objects.get(code="SZX-HUB")
    lanes = list(Lane.objects.filter(hub=hub, gateway__iata="GRU").select_related("service_level"))
    pmc = UldType.objects.get(code="PMC")
    rnd = random.Random(14)
    t0 = time.perf_counter()
    ulds: list[Uld] = []
    bags: list[Bag] = []
    per_bag: list[list[Parcel]] = []
    current: list[Parcel] = []
    weight = 0
    lane = lanes[0]
    for i in range(parcels):
        g = rnd.randint(300, 3000)
        if current and (weight + g > BAG_KG * 1000):
            per_bag.append(current)
            current, weight = [], 0
        if not current:
            lane = lanes[len(per_bag) % len(lanes)]
        battery = "in_equipment" if i % 25 == 0 else "none"
        current.append(
            Parcel(
                s10=s10.build(INDICATOR, i + 1, "BR"),
                merchant=merchant,
                hub=hub,
                lane=lane,
                service_level=lane.service_level,
                gateway=lane.gateway,
                carrier_id=lane.carrier_id,
                recipient_name="Ana Souza",
                recipient_address="Av. Paulista, 1000",
                recipient_city="São Paulo",
                recipient_country="BR",
                declared_weight_g=g,
                declared_length_cm=rnd.randint(15, 40),
                declared_width_cm=rnd.randint(10, 30),
                declared_height_cm=rnd.randint(3, 20),
                declared_value="50.00",
                declared_currency="USD",
                battery=battery,
                state=Parcel.State.IN_ULD,
            )
        )
        weight += g
    per_bag.append(current)
    for n, group in enumerate(per_bag):
        first = group[0]
        bags.append(
            Bag(
                identifier=bag_codes.build("SZX", 9_000_000 + n),
                hub=hub,
                gateway=first.gateway,
                service_level=first.service_level,
                carrier_id=first.carrier_id,
                state=Bag.State.CLOSED,
                dangerous_goods=any(p.battery != "none" for p in group),
                weight_g=sum(p.declared_weight_g for p in group),
                volume_cm3=sum(p.declared_volume_cm3 for p in group),
                parcel_count=len(group),
                planned_flight=flight,
            )
        )
    per_uld = 110  # about 3.3 t of bags on each pallet
    for n in range(0, len(bags), per_uld):
        chunk = bags[n : n + per_uld]
        ulds.append(
            Uld(
                identifier=f"PMC9{n // per_uld:04d}5Y",
                uld_type=pmc,
                hub=hub,
                gateway=chunk[0].gateway,
                planned_flight=flight,
                state=Uld.State.CLOSED,
                weight_g=sum(b.weight_g for b in chunk),
                volume_cm3=sum(b.volume_cm3 for b in chunk),
                bag_count=len(chunk),
                dg_bag_count=sum(b.dangerous_goods for b in chunk),
            )
        )
    Uld.objects.bulk_create(ulds, batch_size=500)
    for n, b in enumerate(bags):
        b.uld = ulds[n // per_uld]
    Bag.objects.bulk_create(bags, batch_size=500)
    for b, group in zip(bags, per_bag, strict=True):
        for p in group:
            p.bag = b
    Parcel.objects.bulk_create([p for g in per_bag for p in g], batch_size=2000)
    print(
        f"prepared {parcels} parcels, {len(bags)} bags, {len(ulds)} ULDs, "
        f"{sum(b.weight_g for b in bags) / 1e6:.1f} t in {time.perf_counter() - t0:.1f} s",
        file=sys.stderr,
    )
    return flight.pk


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--parcels", type=int, default=60_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    vendor = setup_django(bench_env("bench_waybills.sqlite3"))
    flight_id = prepare(args.parcels)
    from caravana.waybills import onerecord, services
    from caravana.waybills.models import MasterWaybill, WaybillVersion

    build, export, export_cpu, size = [], [], [], 0
    for _ in range(args.runs):
        WaybillVersion.objects.all().delete()
        MasterWaybill.objects.filter(flight_id=flight_id).delete()
        start = time.perf_counter()
        services.build_for_flights([flight_id], reason="bench")
        build.append(time.perf_counter() - start)
        master = MasterWaybill.objects.get(flight_id=flight_id)
        content = master.versions.get(number=master.version).content
        start, cpu = time.perf_counter(), time.process_time()
        body = onerecord.dumps({**content, "version": master.version})
        export.append(time.perf_counter() - start)
        export_cpu.append(time.process_time() - cpu)
        size = len(body)
    result = {
        **machine(),
        "vendor": vendor,
        "parcels": content["totals"]["slac"],
        "bags": content["totals"]["pieces"],
        "ulds": len(content["ulds"]),
        "tonnes": round(content["totals"]["weight_g"] / 1e6, 1),
        "build_seconds": [round(s, 2) for s in build],
        "build_median": round(statistics.median(build), 2),
        "export_seconds": [round(s, 2) for s in export],
        "export_median": round(statistics.median(export), 2),
        "export_cpu_seconds": [round(s, 2) for s in export_cpu],
        "export_cpu_median": round(statistics.median(export_cpu), 2),
        "export_mb": round(size / 1e6, 1),
    }
    path = write_result(f"waybills-{vendor}", result)
    print(
        f"| {vendor} | {result['parcels']} | {result['tonnes']} t | {result['build_median']} s "
        f"| {result['export_median']} s, CPU {result['export_cpu_median']} s "
        f"({result['export_mb']} MB) | load {result.get('load_1m')} |"
    )
    print(f"written {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
