"""A response schema filled straight from an object, without validating it through pydantic:
for a hot endpoint that answers with objects it has just written (checkout), where Ninja's
per-request validation of its own rows (attribute by attribute through its Django getter)
costs more than the rest of the view. The operation still declares its schema, so the OpenAPI
document is unchanged; Ninja serialises a schema instance of the declared type without
validating it again, with the API's own renderer. A test compares the two bodies.

Only flat schemas (no nested schema as a field): nest by constructing the outer one by hand."""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable
from typing import Any, TypeVar

from ninja import Schema

S = TypeVar("S", bound=Schema)


@functools.cache
def _getters(schema: type[Schema]) -> tuple[tuple[str, Callable[[Any], Any]], ...]:
    out = []
    for name, field in schema.model_fields.items():
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, Schema):
            raise TypeError(f"{schema.__name__}.{name}: nested schemas are composed by hand")
        # An alias like "group.reference" is a path, as Ninja resolves it from an object.
        out.append((name, operator.attrgetter(field.alias or name)))
    return tuple(out)


def fields(schema: type[Schema], obj: Any) -> dict[str, Any]:
    """The schema's fields of `obj`, by field name (as Ninja dumps them: not by alias)."""
    return {name: get(obj) for name, get in _getters(schema)}


def build(schema: type[S], obj: Any) -> S:
    """`schema` filled from `obj` with no validation: only for values of the declared types."""
    return schema.model_construct(**fields(schema, obj))
