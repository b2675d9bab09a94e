from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404
from ninja.errors import HttpError
from ninja.errors import ValidationError as SchemaError

from caravana import __version__
from caravana.accounts.limits import api_throttles
from caravana.api import errors
from caravana.api.auth import ScopedNinjaAPI
from caravana.carrier_events.api import router as carrier_events_router
from caravana.catalog.api import router as catalog_router
from caravana.checkout.api import router as checkout_router
from caravana.clearance.api import router as clearance_router
from caravana.fulfillment.api import router as fulfillment_router
from caravana.orders.api import router as orders_router
from caravana.payments.api import router as payments_router
from caravana.pricing.api import router as pricing_router
from caravana.promotions.api import router as promotions_router
from caravana.redelivery.api import router as redelivery_router
from caravana.reviews.api import merchant_router as reviews_merchant_router
from caravana.reviews.api import router as reviews_router
from caravana.shelves.api import router as shelves_router
from caravana.tracking.api import router as tracking_router

#: The errors any operation may answer, in one shape (caravana.api.errors): a list of located
#: errors, or a text for a refusal naming no field, each with a stable code. Documented on every
#: operation so clients (and the schemathesis run in the tests) know them.
ERRORS = {
    400: "Bad request",
    401: "Missing or invalid credentials",
    403: "Not allowed for this user",
    404: "No such object (or not yours)",
    405: "Method not allowed",
    409: "Conflict with the object's state",
    413: "Request body over the limit",
    422: "Invalid input; each error names its field in `loc`",
    429: "Too many requests",
}


class CaravanaAPI(ScopedNinjaAPI):
    def get_openapi_schema(self, **kwargs: Any) -> Any:
        """Ninja's schema with the error answers documented on every operation."""
        schema = super().get_openapi_schema(**kwargs)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components["Error"] = errors.schema()
        components["ErrorCode"] = errors.CODE_SCHEMA
        ref = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
        for item in schema["paths"].values():
            for operation in item.values():
                responses = operation.setdefault("responses", {})
                for code, text in ERRORS.items():
                    response = responses.setdefault(code, {"description": text})
                    # An operation's own error schema (a bare dict) gives way to the one shape.
                    response["content"] = ref
        return schema


api = CaravanaAPI(
    title="Caravana API",
    version=__version__,
    description="Cross-border commerce China → Latin America: catalog, quotes, orders, logistics.",
    urls_namespace="api-1",
    # Every operation: per API token, and per address without one (operations with a
    # stricter scope of their own, e.g. tracking and quotes, pass api_throttles(scope)).
    throttle=api_throttles(),
)
api.add_exception_handler(ValidationError, lambda r, e: errors.validation_error(api, r, e))
api.add_exception_handler(SchemaError, lambda r, e: errors.schema_error(api, r, e))
api.add_exception_handler(HttpError, lambda r, e: errors.http_error(api, r, e))
api.add_exception_handler(Http404, lambda r, e: errors.not_found(api, r, e))
api.add_router("/", catalog_router)
api.add_router("/", fulfillment_router)
api.add_router("/", pricing_router)
api.add_router("/", orders_router)
api.add_router("/", checkout_router)
api.add_router("/", payments_router)
api.add_router("/", tracking_router)
api.add_router("/", redelivery_router)
api.add_router("/", reviews_router)
api.add_router("/", reviews_merchant_router)
api.add_router("/", promotions_router)
api.add_router("/", carrier_events_router)
api.add_router("/", clearance_router)
api.add_router("/", shelves_router)
