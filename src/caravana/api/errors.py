"""One error shape for the whole API: HTTP 422 with {"detail": [{"loc", "msg", "type"}]}, the
same shape Ninja uses for schema errors, so a client handles one format."""

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse


def validation_error(api, request: HttpRequest, exc: ValidationError) -> HttpResponse:
    if hasattr(exc, "error_dict"):
        detail = [
            {"loc": ["body", field], "msg": str(msg), "type": "value_error"}
            for field, msgs in exc.message_dict.items()
            for msg in msgs
        ]
    else:
        detail = [{"loc": ["body"], "msg": str(m), "type": "value_error"} for m in exc.messages]
    return api.create_response(request, {"detail": detail}, status=422)


def value_error(api, request: HttpRequest, exc: ValueError) -> HttpResponse:
    field, _, msg = str(exc).partition(": ")
    loc = ["body", field] if msg else ["body"]
    return api.create_response(
        request, {"detail": [{"loc": loc, "msg": msg or field, "type": "value_error"}]}, status=422
    )
