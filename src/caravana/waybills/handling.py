"""What the handling-information box and the manifest say about lithium batteries, per battery
kind recorded on the parcels (catalog.BatteryType). Pure data, no Django.

Sources (read 2026-12-03):
* Packing instructions and sections: UN3480 lithium ion batteries alone, PI 965 (Sections IA,
  IB, II), cargo aircraft only since 2016-04-01 at a state of charge of at most 30%; UN3481
  packed with equipment PI 966, contained in equipment PI 967, Section II for the small
  excepted batteries (IATA Lithium Battery Guidance Document 2017/2021/2022, copies on
  fdocuments.us and studylib.net; dg-packaging.nl lithium tool pages un3480-pi965-ib,
  un3481-pi966-i, un3481-pi967-i; lithium.batteriestransport.org; FedEx lithium guide for
  PI 965 IB: "Dangerous Goods as per associated Shipper's Declaration" and "Cargo Aircraft
  Only" on the air waybill, CAO label).
* Special handling codes: Air France KLM Cargo's table (afklcargo.com, lithium_batteries):
  UN3480 PI 965 Section IA/IB -> RBI, UN3481 PI 966/967 Section I -> RLI, Section II -> ELI.
  Corrected 2026-12-03: standalone batteries carried RLI (the code of UN3481 Section I);
  their code is RBI.
* The three codes written (ELI, RLI, RBI) and CAO are individuals of the ONE Record
  SpecialHandlingCode list (IATA-1R-CL-Ontology.ttl 1.1.0, 2025-07 standard; its comment on RBI:
  "Fully regulated lithium ion batteries (Class 9, UN 3480) as per Section IA and IB of PI
  965"), recorded in shapes/onerecord-terms.ttl.
Not confirmed against the DGR text itself (the current edition is not public): whether the
Section II statement on the air waybill is still required."""

from __future__ import annotations

from collections.abc import Iterable

#: battery kind → (special handling codes, handling-information line)
LITHIUM = {
    "in_equipment": (
        ("ELI",),
        "UN3481 LITHIUM ION BATTERIES CONTAINED IN/PACKED WITH EQUIPMENT "
        "PI 966/967 SECTION II - LITHIUM BATTERY MARK",
    ),
    "standalone": (
        ("RBI", "CAO"),
        "UN3480 LITHIUM ION BATTERIES PI 965 SECTION IB - DANGEROUS GOODS AS PER ASSOCIATED "
        "SHIPPER'S DECLARATION - CARGO AIRCRAFT ONLY",
    ),
}


def special_handling(batteries: Iterable[str]) -> list[str]:
    """The special handling codes for the battery kinds present, in a stable order."""
    codes: list[str] = []
    for kind in sorted(set(batteries)):
        for code in LITHIUM.get(kind, ((), ""))[0]:
            if code not in codes:
                codes.append(code)
    return codes


def handling_lines(batteries: Iterable[str]) -> list[str]:
    """The handling-information lines for the battery kinds present."""
    return [LITHIUM[k][1] for k in sorted(set(batteries)) if k in LITHIUM]
