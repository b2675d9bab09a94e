"""The last-mile carriers Caravana knows in its six countries, with the source of each fact.

REF is shared/reference/border-and-last-mile.md §4 (gathered 2026-11); "(i)" there means the
fact was seen only in third-party integration code, and that is said beside it here. No public
source gives cut-off times, contract prices or service areas, so none is seeded: the operator
enters them from the carrier's contract in the admin, and until then a carrier covers its
whole country, takes every service level and ranks after priced carriers
(network.carrier_choice). docs/last-mile.md has the same table."""

from __future__ import annotations

REF = "border-and-last-mile.md §4"
_I = f"{REF}; seen only in third-party integration code (i), unverified"
NO_CUTOFF = "unverified: no public cut-off found; enter the contract's"
NO_PRICE = "unverified: no public price found; enter the contract's (local currency)"

#: (code, name, country, website, format, format source, tracking link, link source)
CARRIERS: list[tuple[str, str, str, str, str, str, str, str]] = [
    ("br-correios", "Correios", "BR", "https://www.correios.com.br/", "s10",
     f"{REF}: S10 …BR",
     "https://rastreamento.correios.com.br/app/index.php?objeto={n}", _I),
    ("br-loggi", "Loggi", "BR", "https://www.loggi.com/", "unknown",
     f"{REF}: trackingCode per package; format unverified",
     "https://www.loggi.com/rastreador/{n}", _I),
    ("br-jadlog", "Jadlog", "BR", "https://www.jadlog.com.br/", "unknown",
     f"{REF}: shipmentId or CT-e/DANFE; format unverified",
     "https://www.jadlog.com.br/tracking?cte={n}", _I),
    ("mx-estafeta", "Estafeta", "MX", "https://www.estafeta.com/", "estafeta",
     f"{REF}: 22-char guía (e.g. 3039999999061710015581)",
     "https://www.estafeta.com/Herramientas/Rastreo?wayBillType=1&wayBill={n}", _I),
    ("mx-jt", "J&T Express", "MX", "https://www.jtexpress.mx/", "unknown",
     f"{REF}: format unverified",
     "https://www.jtexpress.mx/trajectoryQuery?expressList={n}", _I),
    ("mx-99minutos", "99minutos", "MX", "https://www.99minutos.com/", "unknown",
     f"{REF}: format unverified",
     "https://track.99minutos.com/?guide={n}", _I),
    ("mx-dhl-ecommerce", "DHL eCommerce", "MX", "https://www.dhl.com/", "dhl_ecommerce",
     f"{REF}: jkeen/tracking_number_data dhl.json (issue #101); Mexico unverified",
     "", f"{REF}: only dhl.com given; no link pattern"),
    ("cl-chilexpress", "Chilexpress", "CL", "https://www.chilexpress.cl/", "chilexpress",
     f"{REF}: 12-digit OT",
     "", f"{REF}: tracking link unverified"),
    ("cl-bluexpress", "Blue Express", "CL", "https://www.blue.cl/", "unknown",
     f"{REF}: nroOS; format unverified",
     "https://www.blue.cl/enviar/seguimiento?n_seguimiento={n}", _I),
    ("cl-correos", "Correos de Chile", "CL", "https://www.correos.cl/", "s10",
     f"{REF}: S10 …CL (12-digit domestic envío not used for imports)",
     "https://www.correos.cl/web/guest/seguimiento-en-linea?codigos={n}", _I),
    ("co-servientrega", "Servientrega", "CO", "https://www.servientrega.com/", "unknown",
     f"{REF}: format unverified",
     "https://www.servientrega.com/wps/portal/rastreo-envio?guia={n}", _I),
    ("co-coordinadora", "Coordinadora", "CO", "https://www.coordinadora.com/", "coordinadora",
     f"{REF}: 11-digit guía (one integrator), unverified",
     "https://www.coordinadora.com/rastreo/rastreo-de-guia/detalle-de-rastreo-de-guia/?guia={n}",
     _I),
    ("co-interrapidisimo", "Inter Rapidísimo", "CO", "https://www.interrapidisimo.com/",
     "unknown", f"{REF}: format unverified",
     "https://www.interrapidisimo.com/sigue-tu-envio/", f"{_I}; the page takes no number"),
    ("co-472", "4-72", "CO", "", "s10",
     f"{REF}: S10 …CO",
     "https://svc1.sipost.co/trazawebsip2/frmReportTrace.aspx?ShippingCode={n}", _I),
    ("pe-olva", "Olva Courier", "PE", "https://www.olvacourier.com/", "olva",
     f"{REF}: 4–12 digits + 2-digit issue year (i), unverified",
     "https://tracking.olvaexpress.pe/?emision={yy}&tracking={tracking}", _I),
    ("pe-serpost", "Serpost", "PE", "", "s10",
     f"{REF}: S10 …PE (+ year on site)",
     "", f"{REF}: clientes.serpost.com.pe (i), no link pattern"),
    ("pe-shalom", "Shalom", "PE", "https://www.shalomcontrol.com/", "unknown",
     f"{REF}: order no. + 4-char code; exact shape unverified",
     "https://shalom.com.pe/rastrea", f"{REF}; the page takes no number"),
    ("ar-andreani", "Andreani", "AR", "https://www.andreani.com/", "andreani",
     f"{REF}: 10 digits (e.g. 9134669991)",
     "https://www.andreani.com/#!/informacionEnvio/{n}", _I),
    ("ar-oca", "OCA", "AR", "https://www.oca.com.ar/", "unknown",
     f"{REF}: format unverified",
     "https://www1.oca.com.ar/OEPTrackingWeb/OEPTracking.html?numero={n}", _I),
    ("ar-correo", "Correo Argentino", "AR", "https://www.correoargentino.com.ar/", "s10",
     f"{REF}: S10 …AR",
     "https://www.correoargentino.com.ar/formularios/e-commerce?id={n}", _I),
]  # fmt: skip
