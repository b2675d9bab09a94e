"""One error shape for the whole API. A field error is HTTP 422 with
{"detail": [{"loc", "msg", "type", "code"}]}, the shape Ninja uses for schema errors; a refusal
that names no field (401, 403, 404, 409, 429 …) is {"detail": "text", "code": …}. ``code`` is
stable and machine-readable (one of ERROR_CODES, listed in the OpenAPI schema as ErrorCode):
clients switch on it, never on ``msg``, which is translated. Services raise Django's
ValidationError with a code from their app's error_codes.py (caravana.errors); one without a
code we know answers ``invalid``."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from enum import StrEnum
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from ninja.errors import HttpError
from ninja.errors import ValidationError as SchemaError

from caravana.access.error_codes import AccessErrorCode
from caravana.accounts.error_codes import AccountsErrorCode
from caravana.carrier_events.error_codes import CarrierEventsErrorCode
from caravana.catalog.error_codes import CatalogErrorCode
from caravana.clearance.error_codes import ClearanceErrorCode
from caravana.duties.error_codes import DutiesErrorCode
from caravana.error_codes import CommonErrorCode
from caravana.fulfillment.error_codes import FulfillmentErrorCode
from caravana.markets.error_codes import MarketsErrorCode
from caravana.network.error_codes import NetworkErrorCode
from caravana.orders.error_codes import OrdersErrorCode
from caravana.payments.error_codes import PaymentsErrorCode
from caravana.planning.error_codes import PlanningErrorCode
from caravana.pricing.error_codes import PricingErrorCode
from caravana.promotions.error_codes import PromotionsErrorCode
from caravana.redelivery.error_codes import RedeliveryErrorCode
from caravana.reviews.error_codes import ReviewsErrorCode
from caravana.shelves.error_codes import ShelvesErrorCode
from caravana.tracking.error_codes import TrackingErrorCode

#: Every app's codes; an app's new enum is added here, and so appears in the OpenAPI schema.
ENUMS: tuple[type[StrEnum], ...] = (
    CommonErrorCode,
    AccessErrorCode,
    AccountsErrorCode,
    CarrierEventsErrorCode,
    CatalogErrorCode,
    DutiesErrorCode,
    ClearanceErrorCode,
    FulfillmentErrorCode,
    MarketsErrorCode,
    NetworkErrorCode,
    OrdersErrorCode,
    PaymentsErrorCode,
    PlanningErrorCode,
    PricingErrorCode,
    PromotionsErrorCode,
    RedeliveryErrorCode,
    ReviewsErrorCode,
    ShelvesErrorCode,
    TrackingErrorCode,
)
ERROR_CODES: tuple[str, ...] = tuple(sorted({member.value for enum in ENUMS for member in enum}))
_KNOWN = frozenset(ERROR_CODES)

#: Django's own codes (model and form field validation) that have a name of ours.
_DJANGO_CODES = {
    "null": CommonErrorCode.NOT_NULL,
    "blank": CommonErrorCode.REQUIRED,
    "max_length": CommonErrorCode.TOO_LONG,
}
#: Pydantic's error types (Ninja's 422 for a body, query or path that fails its schema).
_SCHEMA_CODES = {
    "missing": CommonErrorCode.REQUIRED,
    "string_too_long": CommonErrorCode.TOO_LONG,
    "too_long": CommonErrorCode.TOO_LONG,
}
#: The code of a refusal that does not bring its own, by HTTP status.
STATUS_CODES = {
    400: CommonErrorCode.BAD_REQUEST,
    401: CommonErrorCode.NOT_AUTHENTICATED,
    403: CommonErrorCode.PERMISSION_DENIED,
    404: CommonErrorCode.NOT_FOUND,
    405: CommonErrorCode.METHOD_NOT_ALLOWED,
    409: CommonErrorCode.CONFLICT,
    413: CommonErrorCode.TOO_LARGE,
    422: CommonErrorCode.INVALID,
    429: CommonErrorCode.THROTTLED,
}


class CodedHttpError(HttpError):
    """An HttpError with its own code, e.g. ``CodedHttpError(403, msg, code)``."""

    def __init__(self, status_code: int, message: str, code: StrEnum) -> None:
        super().__init__(status_code, message)
        self.code = code.value


def known(code: Any) -> str:
    """``code`` if it is one of ours (or a Django code we name), else ``invalid``."""
    code = _DJANGO_CODES.get(code, code)
    return str(code) if code in _KNOWN else CommonErrorCode.INVALID.value


def for_status(status: int) -> str:
    return STATUS_CODES.get(status, CommonErrorCode.INVALID).value


def item(loc: Sequence[Any], msg: str, code: Any, type_: str = "value_error") -> dict[str, Any]:
    return {"loc": list(loc), "msg": str(msg), "type": type_, "code": known(code)}


def _errors(errors: Iterable[ValidationError]) -> Iterable[tuple[str, Any]]:
    for error in errors:
        for message in error:  # one formatted message (params applied)
            yield str(message), error.code


def validation_items(
    exc: ValidationError, prefix: Sequence[Any] = ("body",), *, dotted: bool = False
) -> list[dict[str, Any]]:
    """Each message of a Django ValidationError with its field's loc and its code. ``dotted``:
    a key such as ``events.3.code`` is the loc ``[*prefix, "events", 3, "code"]``."""
    if not hasattr(exc, "error_dict"):
        return [item(prefix, msg, code) for msg, code in _errors(exc.error_list)]
    detail = []
    for field, errors in exc.error_dict.items():
        parts: list[Any] = [field]
        if dotted:
            parts = [int(p) if p.isdigit() else p for p in field.split(".")]
        detail += [item([*prefix, *parts], msg, code) for msg, code in _errors(errors)]
    return detail


def validation_error(api, request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return api.create_response(request, {"detail": validation_items(exc)}, status=422)


def value_error(api, request: HttpRequest, exc: ValueError) -> HttpResponse:
    field, _, msg = str(exc).partition(": ")
    loc = ["body", field] if msg else ["body"]
    code = getattr(exc, "code", None)
    return api.create_response(request, {"detail": [item(loc, msg or field, code)]}, status=422)


def schema_error(api, request: HttpRequest, exc: SchemaError) -> HttpResponse:
    """Ninja's 422 for input that fails its schema, each error with a code."""
    detail = [
        {**error, "code": _SCHEMA_CODES.get(error.get("type"), CommonErrorCode.INVALID).value}
        for error in exc.errors
    ]
    return api.create_response(request, {"detail": detail}, status=422)


def http_error(api, request: HttpRequest, exc: HttpError) -> HttpResponse:
    """A refusal naming no field (Ninja's HttpError, AuthenticationError, Throttled …)."""
    code = getattr(exc, "code", None) or for_status(exc.status_code)
    return api.create_response(
        request, {"detail": str(exc), "code": known(code)}, status=exc.status_code
    )


def not_found(api, request: HttpRequest, exc: Exception) -> HttpResponse:
    """Http404 (get_object_or_404): the same answer as Ninja's, with its code."""
    return api.create_response(
        request, {"detail": "Not Found", "code": CommonErrorCode.NOT_FOUND.value}, status=404
    )


def with_codes(body: dict[str, Any], status: int) -> dict[str, Any]:
    """An error body built elsewhere (a webhook's answer) given the codes it lacks."""
    if status < 400:
        return body
    detail = body.get("detail")
    if isinstance(detail, list):
        body["detail"] = [
            {"loc": ["body"], "msg": str(d), "code": for_status(status)}
            if not isinstance(d, dict)
            else {**d, "code": known(d.get("code", for_status(status)))}
            for d in detail
        ]
    else:
        body.setdefault("code", for_status(status))
    return body


def schema(title: str = "Error") -> dict[str, Any]:
    """The OpenAPI schema of every error answer, with the codes as an enum (ErrorCode)."""
    code = {"$ref": "#/components/schemas/ErrorCode"}
    return {
        "title": title,
        "type": "object",
        "required": ["detail"],
        "properties": {
            "detail": {
                "anyOf": [
                    {"type": "string"},
                    {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {
                                "loc": {
                                    "type": "array",
                                    "items": {"type": ["string", "integer"]},
                                },
                                "msg": {"type": "string"},
                                "type": {"type": "string"},
                                "code": code,
                            },
                            "required": ["loc", "msg", "code"],
                        },
                    },
                ]
            },
            "code": {**code, "description": "With a text detail: the refusal's code."},
        },
        # A text detail comes with its code at the top; a list has one in each item.
        "anyOf": [
            {"properties": {"detail": {"type": "string"}}, "required": ["code"]},
            {"properties": {"detail": {"type": "array"}}},
        ],
    }


CODE_SCHEMA = {
    "title": "ErrorCode",
    "type": "string",
    "enum": list(ERROR_CODES),
    "description": "A stable, machine-readable error code; switch on it, not on the text. "
    "Each app's codes are listed in its error_codes.py.",
}
