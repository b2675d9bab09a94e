"""The carrier adapters, one module per carrier family, each with the same names (base.py).

Carriers without a public document of their event payloads have no adapter (docs/last-mile.md,
"Carrier events", lists them): their events come in through the CSV upload or the carriers'
API (tracking.api) with UPU codes."""

from __future__ import annotations

from types import ModuleType

from caravana.carrier_events.adapters import correios, correos_chile, loggi, minutos99

ADAPTERS: dict[str, ModuleType] = {
    "99minutos": minutos99,
    "correios": correios,
    "correos-chile": correos_chile,
    "loggi": loggi,
}


def get(name: str) -> ModuleType:
    """The adapter module called `name` (KeyError for none)."""
    return ADAPTERS[name]


def choices() -> list[tuple[str, str]]:
    return [(key, f"{mod.NAME} ({mod.COUNTRY})") for key, mod in ADAPTERS.items()]


def can_poll(name: str) -> bool:
    """Whether the adapter reads a tracking API's answer for one number (its POLLED)."""
    return bool(getattr(ADAPTERS.get(name), "POLLED", False))
