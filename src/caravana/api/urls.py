from django.core.exceptions import ValidationError

from caravana import __version__
from caravana.accounts.limits import api_throttles
from caravana.api import errors
from caravana.api.auth import ScopedNinjaAPI
from caravana.catalog.api import router as catalog_router
from caravana.fulfillment.api import router as fulfillment_router
from caravana.orders.api import router as orders_router
from caravana.payments.api import router as payments_router
from caravana.pricing.api import router as pricing_router
from caravana.tracking.api import router as tracking_router

api = ScopedNinjaAPI(
    title="Caravana API",
    version=__version__,
    description="Cross-border commerce China → Latin America: catalog, quotes, orders, logistics.",
    urls_namespace="api-1",
    # Every operation: per API token, and per address without one (operations with a
    # stricter scope of their own, e.g. tracking and quotes, pass api_throttles(scope)).
    throttle=api_throttles(),
)
api.add_exception_handler(ValidationError, lambda r, e: errors.validation_error(api, r, e))
api.add_router("/", catalog_router)
api.add_router("/", fulfillment_router)
api.add_router("/", pricing_router)
api.add_router("/", orders_router)
api.add_router("/", payments_router)
api.add_router("/", tracking_router)
