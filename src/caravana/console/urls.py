from django.urls import path

from caravana.console import (
    export_views,
    merchant_customs_views,
    promotion_views,
    statement_views,
    views,
)

app_name = "console"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("stores/new/", views.store_new, name="store_new"),
    path("products/", views.product_list, name="products"),
    path("products/new/", views.product_new, name="product_new"),
    path("products/<int:pk>/", views.product_edit, name="product_edit"),
    path("products/<int:pk>/variants/", views.variant_new, name="variant_new"),
    path("variants/<int:pk>/stock/", views.stock_set, name="stock_set"),
    path("products/<int:pk>/images/", views.image_add, name="image_add"),
    path("images/<int:pk>/", views.image_change, name="image_change"),
    path("exports/orders/", export_views.orders_csv, name="export_orders"),
    path("exports/parcels/", export_views.parcels_csv, name="export_parcels"),
    path("customs/", merchant_customs_views.overview, name="customs"),
    path("customs/sender/", merchant_customs_views.sender, name="customs_sender"),
    path(
        "products/<int:pk>/customs/",
        merchant_customs_views.product_codes,
        name="customs_product",
    ),
    path("statement/", statement_views.statement_page, name="statement"),
    path("statement/csv/", statement_views.statement_csv, name="statement_csv"),
    path("statement/pdf/", statement_views.statement_pdf, name="statement_pdf"),
    path("promotions/", promotion_views.promotions_page, name="promotions"),
    path(
        "promotions/coupons/<int:pk>/delete/", promotion_views.coupon_delete, name="coupon_delete"
    ),
    path("promotions/deals/<int:pk>/end/", promotion_views.deal_end, name="deal_end"),
    path("tokens/", views.tokens, name="tokens"),
    path("tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
]
