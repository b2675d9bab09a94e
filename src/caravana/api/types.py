"""Bounded field types for API schemas: an integer the database can hold, so an out-of-range
number is a 422 naming the field (and documented in the OpenAPI schema) instead of an
OverflowError or a database error."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from caravana.limits import ID_MAX, INT_MAX

#: A row id (path parameters and *_id fields).
Id = Annotated[int, Field(ge=1, le=ID_MAX)]
#: A count or measure stored in an ``integer`` column (stock, grams, centimetres), zero or more.
Count = Annotated[int, Field(ge=0, le=INT_MAX)]
#: As Count, at least one.
PositiveCount = Annotated[int, Field(ge=1, le=INT_MAX)]


def _no_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


def Unset(**constraints: Any) -> Any:  # noqa: N802  (used like pydantic's Field)
    """A PATCH field: leave it out to keep the value; ``null`` is refused with 422 naming the
    field (it was an IntegrityError on a NOT NULL column). Documented as not nullable."""
    return Field(None, json_schema_extra=_no_default, **constraints)
