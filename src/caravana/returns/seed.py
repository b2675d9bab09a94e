"""Each country's return rules with their sources (shared/reference/border-and-last-mile.md §5
and the sources named beside each row), and one demo returns point per country: made-up
addresses, marked is_demo, for the demo and tests only."""

from __future__ import annotations

from caravana.returns.models import CountryReturnRule, ReturnsPoint

RULES = [
    {
        "country": "BR", "window_days": 7, "business_days": False, "refunds_everything": True,
        "window_source": "CDC (Lei 8.078/1990) art. 49: 7 days from receipt for sales off the "
        "premises; its sole paragraph gives back at once all amounts paid, on any account "
        "(juridicobrasil.com; gazdaesiqueiraadvogados.adv.br)",
        "window_verified": True,
        "duty_reclaim": False,
        "duty_source": "After clearance, taxes come back only with the import declaration "
        "cancelled and the goods returned abroad (Regulamento Aduaneiro art. 71; IN RFB "
        "680/2006 art. 63, per gilli.adv.br comexlaw-21); a simplified path for remessas "
        "(DIR): unverified",
        "duty_verified": False,
    },
    {
        "country": "MX", "window_days": 5, "business_days": True,
        "window_source": "LFPC art. 56: 5 business days from delivery or signature, whichever "
        "later; the consumer pays return freight and insurance (juristas.mx, artículo 56)",
        "window_verified": True,
        "duty_source": "Refund of the courier global rate on a return: no source found, "
        "unverified",
    },
    {
        "country": "CL", "window_days": 10, "business_days": False,
        "window_source": "Ley 19.496 art. 3 bis: 10 days from receipt for distance sales "
        "(sernac.cl; carey.cl); exclusions DS 42/2024",
        "window_verified": True,
        "duty_reclaim": True,
        "duty_source": "DL 825 art. 21 nº 2: IVA on goods returned within three months is taken "
        "off the seller's tax debit; that it covers the platform IVA of Ley 21.713: unverified",
        "duty_verified": False,
    },
    {
        "country": "CO", "window_days": 5, "business_days": True,
        "window_source": "Ley 1480/2011 art. 47: 5 business days from delivery; the consumer "
        "pays return transport; refund within 30 calendar days (valoraanalitik.com)",
        "window_verified": True,
        "duty_source": "Refund of duty and IVA on a returned postal import: unverified",
    },
    {
        "country": "PE", "window_days": 7, "business_days": False,
        "window_source": "No general withdrawal right found (Ley 29571 art. 59 only after "
        "aggressive or deceptive methods): 7 days is Caravana's own floor, as Brazil's law; "
        "unverified",
        "window_verified": False,
        "duty_source": "Refund of duty and IGV on a returned express import: unverified",
    },
    {
        "country": "AR", "window_days": 10, "business_days": False,
        "window_source": "Ley 24.240 art. 34 / CCyC art. 1110: 10 calendar days from delivery "
        "or contract, whichever later; the seller pays the return (ahkargentina.com.ar)",
        "window_verified": True,
        "duty_source": "Refund of duties and IVA on a returned courier import: unverified",
    },
]  # fmt: skip

POINTS = [
    ("demo-br-sao-paulo", "BR", "Demo returns point São Paulo", "Rua Exemplo, 100",
     "São Paulo", "01310-100", "Correios"),
    ("demo-mx-cdmx", "MX", "Demo returns point Ciudad de México", "Calle Ejemplo 100",
     "Ciudad de México", "06600", "Estafeta"),
    ("demo-cl-santiago", "CL", "Demo returns point Santiago", "Calle Ejemplo 100",
     "Santiago", "8320000", "Chilexpress"),
    ("demo-co-bogota", "CO", "Demo returns point Bogotá", "Calle Ejemplo # 10-00",
     "Bogotá", "110231", "Servientrega"),
    ("demo-pe-lima", "PE", "Demo returns point Lima", "Av. Ejemplo 100", "Lima", "15001",
     "Olva Courier"),
    ("demo-ar-buenos-aires", "AR", "Demo returns point Buenos Aires", "Calle Ejemplo 100",
     "Buenos Aires", "C1043AAZ", "Andreani"),
]  # fmt: skip


def ensure_reference() -> None:
    """The rules and the demo points, added where missing (an operator's edits are kept)."""
    for row in RULES:
        country = row["country"]
        CountryReturnRule.objects.get_or_create(country=country, defaults=row)
    for code, country, name, address, city, postal, carrier in POINTS:
        ReturnsPoint.objects.get_or_create(
            code=code,
            defaults={"country": country, "name": name, "address": address, "city": city,
                      "postal_code": postal, "carrier_name": carrier, "is_demo": True},
        )  # fmt: skip
