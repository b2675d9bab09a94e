"""What Caravana knows about each buyer country that is not law with an effective date: the
documents buyers identify themselves with and how addresses are written. Plain data, no
database, importable by every app."""

#: The language papers for each country are written in (labels, customs documents); the
#: storefront's BuyerCountry carries the same for pages.
LANGUAGES = {"BR": "pt-br", "MX": "es", "CL": "es", "CO": "es", "PE": "es", "AR": "es"}
