"""What Caravana knows about each buyer country that is not law with an effective date: the
documents buyers identify themselves with, how addresses are written, the time zone their
"today" is counted in. Plain data, no
database, importable by every app."""

#: The language papers for each country are written in (labels, customs documents); the
#: storefront's BuyerCountry carries the same for pages.
LANGUAGES = {"BR": "pt-br", "MX": "es", "CL": "es", "CO": "es", "PE": "es", "AR": "es"}

#: IANA zone a buyer's times and "today" are counted in: the zone of the country's largest city,
#: as listed for it in the tz database's zone1970.tab (https://data.iana.org/time-zones/tzdb/).
#: Brazil, Mexico and Chile span several zones; these hold for most of their buyers.
TIME_ZONES = {
    "BR": "America/Sao_Paulo",
    "MX": "America/Mexico_City",
    "CL": "America/Santiago",
    "CO": "America/Bogota",
    "PE": "America/Lima",
    "AR": "America/Argentina/Buenos_Aires",
}
