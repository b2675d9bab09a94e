"""The authorities each country's duties and taxes are paid to, and each country's difference
policy, as data with their sources (facts gathered 2026-11; the operator edits them in the
admin). Rows that already exist are left as the operator edited them."""

from __future__ import annotations

from typing import Any

#: (code, country, name, taxes it collects (rule components; [] = the rest), source, verified, note)
AUTHORITIES = [
    ("BR-RFB", "BR", "Receita Federal do Brasil", ["ii"],
     "Lei 14.902/2024, MP 1.236/2024 (RTS import tax); Programa Remessa Conforme", True, ""),
    ("BR-SEFAZ", "BR", "Secretarias de Fazenda estaduais (ICMS)", ["icms"],
     "Convênio ICMS 81/2023 (legisweb.com.br/?legislacao=446703, read 2026-12-03): states may "
     "cut the ICMS base so the load is 17% on RTS remessas", False,
     "That text sets the rate only: which state gets the ICMS a PRC platform collects, and how "
     "it is paid to it, was searched and not found"),
    ("MX-SAT", "MX", "Servicio de Administración Tributaria (SAT)", [],
     "RGCE rule 3.7.35 (courier global rate: duty and IVA in one)", True, ""),
    ("CL-SNA", "CL", "Servicio Nacional de Aduanas", ["duty", "iva_import"],
     "Ley 21.713; aduana.cl", True, ""),
    ("CL-SII", "CL", "Servicio de Impuestos Internos (SII)", ["iva_platform"],
     "Ley 21.713 (19% IVA collected by platforms registered with the SII)", True, ""),
    ("CO-DIAN", "CO", "Dirección de Impuestos y Aduanas Nacionales (DIAN)", [],
     "Decreto 1165/2019 art. 261; Decreto 1090/2020", True, ""),
    ("PE-SUNAT", "PE",
     "Superintendencia Nacional de Aduanas y de Administración Tributaria (SUNAT)", [],
     "RS 000184-2020/SUNAT; Ley General de Aduanas art. 147", True, ""),
    ("AR-ARCA", "AR", "Agencia de Recaudación y Control Aduanero (ARCA, formerly AFIP)", [],
     "Decreto 1065/2024; RG ARCA 5608/2024", True, ""),
]  # fmt: skip
COUNTRIES = ("BR", "MX", "CL", "CO", "PE", "AR")
DEFAULT_NOTE = "Starting setting: the platform absorbs shortfalls until the operator decides"


def ensure_reference(authority: Any = None, setting: Any = None) -> int:
    """Create the missing authorities and country settings (migration 0002 passes the
    historical models); returns how many rows were created."""
    if authority is None or setting is None:
        from caravana.duties.models import CountryDutySetting, DutyAuthority

        authority, setting = DutyAuthority, CountryDutySetting
    created = 0
    for code, country, name, taxes, source, verified, note in AUTHORITIES:
        _row, new = authority.objects.get_or_create(
            code=code,
            defaults={"country": country, "name": name, "taxes": taxes, "source": source,
                      "verified": verified, "note": note},
        )  # fmt: skip
        created += new
    for country in COUNTRIES:
        _row, new = setting.objects.get_or_create(
            country=country, defaults={"difference_policy": "absorb", "note": DEFAULT_NOTE}
        )
        created += new
    return created
