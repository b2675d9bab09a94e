"""What every carrier adapter returns, and the helpers they share. Pure: no Django.

An adapter module (one per carrier family, python-stdnum style) has the same names:

- ``NAME``, ``COUNTRY``, ``SOURCE`` (the public document it follows: URL and the date seen);
- ``STATUSES``: the carrier's status → ``Mapped`` (a UPU code, or "" for a step of the carrier's
  own with no UPU event, recorded as "in transit" on the timeline);
- ``parse(payload) -> list[CarrierEvent]``: the documented payload (webhook body or tracking
  API answer, already decoded from JSON) into events, raising ``PayloadError`` naming the
  field for a payload not of the documented shape;
- ``map_status(event) -> Mapped | None``: None for a status the document does not give (the
  event is then kept for operators, never dropped).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

#: Why an attempt failed (EMH's reason), the words the failed-delivery flow reads.
ABSENT = "absent"
WRONG_ADDRESS = "wrong_address"
REFUSED = "refused"
UNSAFE_AREA = "unsafe_area"
OTHER = "other"
REASONS = (ABSENT, WRONG_ADDRESS, REFUSED, UNSAFE_AREA, OTHER)


class PayloadError(ValueError):
    """The payload is not of the documented shape; `field` says where (``Events.3.CreatedAt``)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True, slots=True)
class Mapped:
    """A carrier status in UPU terms: `code` "" is a carrier's own step without a UPU event."""

    code: str
    reason: str = ""


@dataclass(slots=True)
class CarrierEvent:
    """One event as the carrier reported it, before mapping."""

    number: str  # the carrier's tracking number (or the S10 for a post)
    status: str  # the carrier's own status, as sent
    occurred_at: dt.datetime | None  # aware; None when the payload's time was unreadable
    key: str  # stable per event: the same report sent twice has the same key
    description: str = ""
    location: str = ""
    raw: Mapping[str, Any] = field(default_factory=dict)


def event_key(*parts: object) -> str:
    """A short stable id from the event's identifying parts (at most 64 characters)."""
    text = "|".join(map(str, parts))
    if len(text) <= 64:
        return text
    return "h:" + hashlib.blake2b(text.encode(), digest_size=20).hexdigest()


def need(obj: Any, key: str, where: str) -> Any:
    """`obj[key]` for a mapping that must have it, or PayloadError naming ``where``."""
    if not isinstance(obj, Mapping):
        raise PayloadError(where.rsplit(".", 1)[0] or where, "expected an object")
    value = obj.get(key)
    if value is None or value == "":
        raise PayloadError(where, "missing")
    return value


def need_list(obj: Any, key: str, where: str) -> list:
    value = need(obj, key, where)
    if not isinstance(value, list):
        raise PayloadError(where, "expected a list")
    return value
