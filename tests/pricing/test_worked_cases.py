"""Worked cases, one country at a time, each computed by hand from customs.md and its sources.

Common setup (tests/pricing/support.py): goods priced in USD; the standard test card ships a
500 g / 1,000 cm³ parcel for US$5.00 (chargeable 0.5 kg × US$10/kg = the US$5 minimum), no
insurance, so CIF = goods + 5. FX: 1 USD = 5 BRL = 20 MXN = 950 CLP = 4000 COP = 3.80 PEN =
1000 ARS. Each component is converted from its exact USD value and rounded once, half-up, to the
currency's minor unit (CLP and COP: none).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

from caravana.pricing.engine import quote

from .support import CARDS, FX, RULES, line, request


def q(req):
    return quote(req, RULES, CARDS, FX)


def amounts(qt) -> dict[str, D]:
    return {c.code: c.amount for c in qt.charges()}


# --- Brazil: RTS / Remessa Conforme, II 20% ≤ US$50, 60% − US$20 above; ICMS por dentro --------


def test_brazil_exactly_50_customs_value():
    # goods 45.00 + freight 5.00 = customs value 50.00 ≤ 50 → II = 20% × 50.00 = 10.00 USD
    # ICMS (SP 17%) = 0.17 × (50.00 + 10.00) / 0.83 = 12.2891566… USD
    # BRL: goods 225.00, freight 25.00, II 50.00, ICMS 61.4457… → 61.45; total 361.45
    # (the widely published example: US$50 at 17% → 50 × 1.20 / 0.83 = US$72.29 in all)
    qt = q(request("BR", line("45.00"), on=dt.date(2025, 6, 1)))
    assert qt.rule_set.id == "BR-RTS-2025-04"
    assert amounts(qt) == {
        "line:0": D("225.00"), "shipping": D("25.00"), "ii": D("50.00"), "icms": D("61.45"),
    }  # fmt: skip
    assert qt.total == D("361.45")
    assert qt.total_usd == D("72.29")
    assert qt.duties[0].rate == D("0.20") and qt.duties[0].kind == "duty"
    assert qt.taxes[0].code == "icms" and qt.taxes[0].rate == D("0.17")
    assert qt.ddp and qt.due_on_arrival == 0 and qt.collect_at_checkout == qt.total


def test_brazil_50_01_customs_value():
    # customs value 50.01 > 50 → II = 60% × 50.01 − 20 = 30.006 − 20 = 10.006 USD → 50.03 BRL
    # ICMS = 0.17 × (50.01 + 10.006) / 0.83 = 10.20272 / 0.83 = 12.2924337… → ×5 = 61.4621… → 61.46
    # goods 45.01 × 5 = 225.05; total 225.05 + 25.00 + 50.03 + 61.46 = 361.54
    qt = q(request("BR", line("45.01"), on=dt.date(2025, 6, 1)))
    assert amounts(qt) == {
        "line:0": D("225.05"), "shipping": D("25.00"), "ii": D("50.03"), "icms": D("61.46"),
    }  # fmt: skip
    assert qt.total == D("361.54")
    assert qt.duties[0].rate == D("0.60")


def test_brazil_band_change_is_continuous_so_total_is_monotone():
    # At the US$50 boundary 20% × 50 = 10 = 60% × 50 − 20: the US$20 deduction makes the II
    # continuous, so crossing the band never lowers the total.
    totals = [q(request("BR", line(p), on=dt.date(2025, 6, 1))).total for p in
              ("44.98", "44.99", "45.00", "45.01", "45.02")]  # fmt: skip
    assert totals == sorted(totals)


def test_brazil_icms_by_state_and_date():
    # From 2025-04-01 MG charges 20%: ICMS = 0.20 × 60.00 / 0.80 = 15.00 USD → 75.00 BRL
    qt = q(request("BR", line("45.00"), on=dt.date(2025, 6, 1), state="MG"))
    assert amounts(qt)["icms"] == D("75.00")
    assert qt.total == D("375.00")
    # The day before, the 2024 version applies: 17% everywhere → 61.45 as in SP
    qt = q(request("BR", line("45.00"), on=dt.date(2025, 3, 31), state="MG"))
    assert qt.rule_set.id == "BR-RTS-2024-08"
    assert amounts(qt)["icms"] == D("61.45")


def test_roraima_charges_20_percent_from_2025_04_01():
    # customs.md: 20% from 2025-04-01 in RR (three sources agree); ICMS = 0.20 × 60 / 0.80 = 15.00
    # USD → 75.00 BRL, as MG. The day before, the 2024 version: 17% → 61.45
    qt = q(request("BR", line("45.00"), on=dt.date(2025, 4, 1), state="RR"))
    assert qt.taxes[0].rate == D("0.20") and amounts(qt)["icms"] == D("75.00")
    assert "RR" in qt.taxes[0].source
    before = q(request("BR", line("45.00"), on=dt.date(2025, 3, 31), state="RR"))
    assert before.taxes[0].rate == D("0.17") and amounts(before)["icms"] == D("61.45")
    # no source lists Amapá: it stays at 17%
    assert q(request("BR", line("45.00"), on=dt.date(2025, 4, 1), state="AP")).taxes[0].rate == (
        D("0.17")
    )


def test_brazil_premium_with_insurance():
    # premium card: 0.5 kg × 20 = 10.00 (= minimum), insurance 1% × 100.00 = 1.00; CIF 111.00
    # II = 0.60 × 111 − 20 = 46.60 → 233.00 BRL
    # ICMS = 0.17 × (111 + 46.60) / 0.83 = 26.792 / 0.83 = 32.2795… → ×5 = 161.3975… → 161.40
    # total 500.00 + 50.00 + 5.00 + 233.00 + 161.40 = 949.40
    qt = q(request("BR", line("100.00"), service="premium"))
    assert amounts(qt) == {
        "line:0": D("500.00"), "shipping": D("50.00"), "insurance": D("5.00"),
        "ii": D("233.00"), "icms": D("161.40"),
    }  # fmt: skip
    assert qt.total == D("949.40")


def test_brazil_cap_and_id_type():
    # US$3,000 customs value per shipment: 2,995 + 5 = 3,000 is allowed, 2,995.01 + 5 is not
    assert q(request("BR", line("2995.00"))).ok
    refused = q(request("BR", line("2995.01")))
    assert not refused.ok and refused.total is None
    assert [r.code for r in refused.refusals] == ["value_cap"]
    assert refused.duties == [] and refused.taxes == []
    # CPF or CNPJ only
    assert q(request("BR", line("10.00"), buyer_id_type="br.cpf")).ok
    wrong = q(request("BR", line("10.00"), buyer_id_type="ar.cuit"))
    assert [r.code for r in wrong.refusals] == ["buyer_id_type"]


def test_priced_in_cny_converts_through_eur():
    # 70.00 CNY: 1 EUR = 7.70 CNY = 1.10 USD → 1 CNY = 1/7 USD → 10.00 USD → 50.00 BRL
    qt = q(request("BR", line("70.00", currency="CNY")))
    assert qt.lines[0].amount == D("50.00")
    assert qt.lines[0].amount_usd == D("10.00")
    used = {(u.base, u.quote): u for u in qt.fx}
    assert set(used) == {("USD", "BRL"), ("CNY", "USD")}
    assert "via EUR" in used[("CNY", "USD")].source


# --- Mexico: global rate 19% from 2025-01-01, 33.5% from 2025-08-15, up to US$2,500 ------------


def test_mexico_before_and_after_2025_08_15():
    # CIF = 100.00 + 5.00 = 105.00
    # 2025-08-14: 19% × 105 = 19.95 USD → 399.00 MXN; total 2,000 + 100 + 399 = 2,499.00
    before = q(request("MX", line("100.00"), on=dt.date(2025, 8, 14)))
    assert before.rule_set.id == "MX-RGCE-2025-01"
    assert amounts(before)["global"] == D("399.00")
    assert before.total == D("2499.00")
    # 2025-08-15: 33.5% × 105 = 35.175 USD → 703.50 MXN; total 2,803.50
    after = q(request("MX", line("100.00"), on=dt.date(2025, 8, 15)))
    assert after.rule_set.id == "MX-RGCE-2025-08"
    assert amounts(after)["global"] == D("703.50")
    assert after.total == D("2803.50")
    # collected at checkout (DDP, issue 12): the total is what the buyer pays, nothing on arrival
    assert after.ddp and not after.duties[0].estimate
    assert after.due_on_arrival == D("0.00") and after.collect_at_checkout == D("2803.50")


def test_mexico_cap():
    assert q(request("MX", line("2495.00"))).ok  # CIF 2,500.00
    assert not q(request("MX", line("2495.01"))).ok


# --- Chile: Ley 21.713 -------------------------------------------------------------------------


def test_chile_exactly_500_platform_iva():
    # CIF 495 + 5 = 500 ≤ 500: registered platform collects 19% IVA on goods + shipping
    # IVA = 0.19 × 500 = 95 USD → 90,250 CLP; goods 470,250; freight 4,750; total 565,250
    qt = q(request("CL", line("495.00")))
    assert amounts(qt) == {
        "line:0": D("470250"), "shipping": D("4750"), "iva_platform": D("90250"),
    }  # fmt: skip
    assert qt.total == D("565250")
    assert qt.ddp and qt.duties == []


def test_chile_500_01_duty_and_import_iva_on_arrival():
    # CIF 500.01 > 500: 6% duty + 19% import IVA, collected at checkout (DDP, issue 12)
    # goods 495.01 × 950 = 470,259.5 → 470,260 (half-up, CLP has no decimals)
    # duty 0.06 × 500.01 = 30.0006 → 28,500.57 → 28,501
    # IVA 0.19 × (500.01 + 30.0006) = 100.702014 → 95,666.91 → 95,667
    # total 470,260 + 4,750 + 28,501 + 95,667 = 599,178
    qt = q(request("CL", line("495.01")))
    assert amounts(qt) == {
        "line:0": D("470260"), "shipping": D("4750"), "duty": D("28501"),
        "iva_import": D("95667"),
    }  # fmt: skip
    assert qt.total == D("599178")
    assert qt.ddp
    assert qt.collect_at_checkout == D("599178") and qt.due_on_arrival == D("0")


# --- Colombia: duty 0 when FOB ≤ US$200 else 10%; IVA 19% on value + duty; 6 units, 2,000, 50 kg


def test_colombia_fob_200():
    # FOB 200 → duty 0%; CIF 205; IVA 0.19 × 205 = 38.95 → 155,800 COP
    # goods 800,000 + freight 20,000 + 0 + 155,800 = 975,800
    qt = q(request("CO", line("200.00")))
    assert amounts(qt) == {
        "line:0": D("800000"), "shipping": D("20000"), "duty": D("0"), "iva": D("155800"),
    }  # fmt: skip
    assert qt.total == D("975800")
    assert qt.duties[0].rate == D("0")


def test_colombia_fob_200_01():
    # duty 10% × CIF 205.01 = 20.501 → 82,004; IVA 0.19 × 225.511 = 42.84709 → 171,388.36 → 171,388
    # goods 200.01 × 4000 = 800,040; total 800,040 + 20,000 + 82,004 + 171,388 = 1,073,432
    qt = q(request("CO", line("200.01")))
    assert amounts(qt) == {
        "line:0": D("800040"), "shipping": D("20000"), "duty": D("82004"), "iva": D("171388"),
    }  # fmt: skip
    assert qt.total == D("1073432")


def test_colombia_sixth_unit_of_a_kind_allowed_seventh_refused():
    # "at most 6 units of the same kind" (Decreto 1165/2019 art. 261): kind = HS heading
    tee = dict(hs="610910", weight_g=100, dims=(10, 10, 2))
    assert q(request("CO", line("10.00", qty=6, **tee))).ok
    seventh = q(request("CO", line("10.00", qty=7, **tee)))
    assert [(r.code, r.limit, r.actual) for r in seventh.refusals] == [("units_cap", "6", "7")]
    # the same heading across two lines (6109.10 cotton, 6109.90 other) counts together
    split = q(request("CO", line("10.00", qty=3, **tee), line("10.00", qty=4, hs="610990")))
    assert [r.code for r in split.refusals] == ["units_cap"]
    # different headings do not
    assert q(request("CO", line("10.00", qty=6, **tee), line("10.00", qty=6))).ok


def test_colombia_weight_and_value_caps():
    heavy = q(request("CO", line("10.00", weight_g=50_001)))  # 50.001 kg > 50 kg
    assert [r.code for r in heavy.refusals] == ["weight_cap"]
    assert q(request("CO", line("1995.00"))).ok  # CIF 2,000
    assert [r.code for r in q(request("CO", line("1995.01"))).refusals] == ["value_cap"]


# --- Peru: ≤ US$200 FOB nothing; over it 4% + IGV 16% + IPM 2% on CIF + duty; US$2,000 FOB ----
# The limits are measured on FOB, goods without freight or insurance (customs.md: SUNAT's
# postal-shipment rules, sunat.gob.pe DespachoEP.html; postal regulation art. 4.1 b).


def test_peru_fob_exactly_200_pays_nothing_although_cif_is_over():
    # FOB 200.00, CIF 205.00: FOB ≤ 200, so no duty, no IGV, no IPM
    # goods 760.00 + freight 19.00 = 779.00 PEN
    qt = q(request("PE", line("200.00")))
    assert amounts(qt) == {"line:0": D("760.00"), "shipping": D("19.00")}
    assert qt.total == D("779.00")


def test_peru_fob_200_01():
    # FOB 200.01 > 200; the duty is still computed on CIF 205.01:
    # duty 4% × 205.01 = 8.2004 → ×3.80 = 31.16152 → 31.16 PEN
    # IGV 16% × (205.01 + 8.2004) = 34.113664 → 129.6319… → 129.63
    # IPM 2% × 213.2104 = 4.264208 → 16.2039… → 16.20
    # goods 200.01 × 3.80 = 760.038 → 760.04; freight 19.00
    # total 760.04 + 19.00 + 31.16 + 129.63 + 16.20 = 956.03
    qt = q(request("PE", line("200.01")))
    assert amounts(qt) == {
        "line:0": D("760.04"), "shipping": D("19.00"), "ad_valorem": D("31.16"),
        "igv": D("129.63"), "ipm": D("16.20"),
    }  # fmt: skip
    assert qt.total == D("956.03")
    assert [c.kind for c in qt.charges()[2:]] == ["duty", "tax", "tax"]
    assert all(c.base_usd == D("205.01") for c in qt.duties)


def test_peru_cap_on_fob_and_ids():
    ok = q(request("PE", line("2000.00")))  # FOB 2,000.00 (CIF 2,005.00) is allowed
    assert ok.ok
    over = q(request("PE", line("2000.01")))
    assert [(r.code, r.limit, r.actual) for r in over.refusals] == [
        ("value_cap", "2000", "2000.01")
    ]
    assert "FOB" in over.refusals[0].message
    assert q(request("PE", line("10.00"), buyer_id_type="pe.cui")).ok  # DNI
    assert q(request("PE", line("10.00"), buyer_id_type="pe.ruc")).ok


# --- Argentina: Decreto 1065/2024. Up to US$400 FOB only IVA 21% on the whole value; the excess
# pays the tariff of its HS heading plus the 3% statistics fee; US$3,000 FOB cap ---------------


def test_argentina_fob_400_pays_only_iva():
    # duty and statistics fee on max(0, 400 − 400) = 0; IVA = 0.21 × (CIF 405 + 0 + 0) = 85.05
    # → 85,050.00 ARS; total 400,000 + 5,000 + 0 + 0 + 85,050 = 490,050.00
    qt = q(request("AR", line("400.00"), on=dt.date(2025, 6, 1)))
    assert qt.rule_set.id == "AR-1065-2025-03"
    assert "Decreto 1065/2024" in qt.rule_set.source
    assert amounts(qt) == {
        "line:0": D("400000.00"), "shipping": D("5000.00"), "di": D("0.00"), "te": D("0.00"),
        "iva": D("85050.00"),
    }  # fmt: skip
    assert qt.total == D("490050.00")
    assert not qt.rule_set.verified and not qt.duties[0].verified


def test_argentina_excess_pays_the_tariff_of_its_heading_and_the_statistics_fee():
    # A T-shirt (6109.10), FOB 500, CIF 505. Apparel: 20% from 2025-03-31 (Decreto 236/2025)
    # duty 0.20 × 100 = 20 → 20,000.00; statistics 0.03 × 100 = 3 → 3,000.00
    # IVA 0.21 × (505 + 20 + 3) = 110.88 → 110,880.00
    # total 500,000 + 5,000 + 20,000 + 3,000 + 110,880 = 638,880.00
    tee = dict(hs="610910")
    qt = q(request("AR", line("500.00", **tee), on=dt.date(2025, 6, 1)))
    assert amounts(qt) == {
        "line:0": D("500000.00"), "shipping": D("5000.00"), "di": D("20000.00"),
        "te": D("3000.00"), "iva": D("110880.00"),
    }  # fmt: skip
    assert qt.total == D("638880.00")
    assert qt.duties[0].rate == D("0.20") and qt.duties[1].rate == D("0.03")
    # The day before Decreto 236/2025, apparel paid 35%: duty 35 → 35,000.00; statistics 3,000.00
    # IVA 0.21 × (505 + 35 + 3) = 114.03 → 114,030.00; total 657,030.00
    before = q(request("AR", line("500.00", **tee), on=dt.date(2025, 3, 30)))
    assert before.rule_set.id == "AR-1065-2024-12"
    assert amounts(before)["di"] == D("35000.00") and before.total == D("657030.00")
    # Toys (9503) went from 35% to 20% on 2025-11-01 (Decreto 781/2025)
    toy = dict(hs="950300")
    assert q(request("AR", line("500.00", **toy), on=dt.date(2025, 10, 31))).duties[0].rate == (
        D("0.35")
    )
    assert q(request("AR", line("500.00", **toy), on=dt.date(2025, 11, 1))).duties[0].rate == (
        D("0.20")
    )


def test_argentina_heading_without_a_source_pays_the_marked_default():
    # Earphones (8518.30): no source in customs.md for the heading's rate, so the 35% default,
    # marked unverified. duty 0.35 × 2,600 = 910 → 910,000.00; statistics 0.03 × 2,600 = 78
    # → 78,000.00; IVA 0.21 × (3,005 + 910 + 78) = 838.53 → 838,530.00
    # total 3,000,000 + 5,000 + 910,000 + 78,000 + 838,530 = 4,831,530.00
    qt = q(request("AR", line("3000.00"), on=dt.date(2025, 6, 1)))
    assert amounts(qt)["di"] == D("910000.00")
    assert amounts(qt)["te"] == D("78000.00")
    assert amounts(qt)["iva"] == D("838530.00")
    assert qt.total == D("4831530.00")
    di = qt.duties[0]
    assert not di.verified and "UNVERIFIED" in di.source
    over = q(request("AR", line("3000.01"), on=dt.date(2025, 6, 1)))
    assert [(r.code, r.limit, r.actual) for r in over.refusals] == [
        ("value_cap", "3000", "3000.01")
    ]


def test_argentina_every_heading_rate_cites_its_source():
    for rs in RULES.by_country["AR"]:
        di = next(c for c in rs.to_dict()["components"] if c["id"] == "di")
        for prefix, entry in di["params"]["rates_by_hs"].items():
            assert entry["source"], (rs.id, prefix)
        assert "35%" in rs.raw["note"] and "UNVERIFIED" in rs.raw["note"]


def test_argentina_three_identical_units():
    assert q(request("AR", line("10.00", qty=3), on=dt.date(2025, 6, 1))).ok
    four = q(request("AR", line("10.00", qty=4), on=dt.date(2025, 6, 1)))
    assert [r.code for r in four.refusals] == ["units_cap"]


def test_refusals_accumulate():
    # over the value cap, the units cap and with the wrong ID: every reason is reported
    qt = q(request("AR", line("1000.00", qty=4), on=dt.date(2025, 6, 1), buyer_id_type="br.cpf"))
    assert sorted(r.code for r in qt.refusals) == ["buyer_id_type", "units_cap", "value_cap"]


def test_unverified_id_rules_do_not_refuse():
    # Colombia's cédula-or-NIT rule is unverified (customs.md): another ID type is not refused
    assert q(request("CO", line("10.00"), buyer_id_type="co.cedula")).ok
    # Peru's DNI/RUC rule is sourced: a CUIT is refused
    assert not q(request("PE", line("10.00"), buyer_id_type="ar.cuit")).ok
