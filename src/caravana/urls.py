from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from caravana import media
from caravana.api.urls import api

handler400 = "caravana.guards.bad_request"
handler404 = "caravana.guards.not_found"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("caravana.accounts.urls")),
    # Before the storefront's and console's catch-alls (orders/<n>/<action>/, console/…).
    path("", include("caravana.returns.urls")),
    path("", include("caravana.reviews.urls")),
    path("console/parcels/", include("caravana.fulfillment.console_urls")),
    path("console/customs/", include("caravana.customs.console_urls")),
    path("console/orders/", include("caravana.console.order_urls")),
    path("console/", include("caravana.console.urls")),
    path("operations/exports/", include("caravana.console.ops_urls")),
    path("operations/customs/", include("caravana.console.customs_urls")),
    path("operations/fx/", include("caravana.console.fx_urls")),
    path("operations/coupons/", include("caravana.console.ops_coupon_urls")),
    path("operations/duties/", include("caravana.duties.ops_urls")),
    path("operations/carriers/", include("caravana.tracking.ops_urls")),
    path("operations/carrier-events/", include("caravana.carrier_events.urls")),
    path("operations/network/", include("caravana.twin.ops_urls")),
    path("operations/", include("caravana.payments.ops_urls")),
    path("pay/", include("caravana.storefront.payment_urls")),
    path("account/", include("caravana.storefront.account_urls")),
    # The sandbox provider's own pages, as a provider hosts them (404 unless the sandbox is on).
    path("sandbox-provider/", include("caravana.payments.sandbox_urls")),
    path("hub/customs/", include("caravana.customs.hub_urls")),
    path("hub/", include("caravana.fulfillment.urls")),
    path("planning/", include("caravana.planning.urls")),
    path("waybills/", include("caravana.waybills.urls")),
    path("clearance/", include("caravana.clearance.urls")),
    path("handover/", include("caravana.handover.urls")),
    path("jobs/", include("caravana.console.job_urls")),
    path("track/", include("caravana.tracking.urls")),
    path("", include("caravana.storefront.order_urls")),
    path("", include("caravana.storefront.urls")),
]
if media.serves_locally():
    # Not only under DEBUG: with file-system storage this is how images reach buyers.
    urlpatterns.insert(
        0, path(f"{settings.MEDIA_URL.strip('/')}/<path:path>", media.serve, name="media")
    )
