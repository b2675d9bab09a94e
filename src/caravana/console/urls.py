from django.urls import path

from caravana.console import (
    dashboard_views,
    export_views,
    matrix_views,
    merchant_customs_views,
    product_import,
    product_views,
    promotion_views,
    statement_views,
    views,
)

app_name = "console"
urlpatterns = [
    path("", dashboard_views.overview, name="dashboard"),
    path("pick-list/", dashboard_views.pick_list_pdf, name="pick_list"),
    path("stores/", views.dashboard, name="stores"),
    path("products/<int:pk>/matrix/", matrix_views.matrix, name="variant_matrix"),
    path("stores/new/", views.store_new, name="store_new"),
    path("products/", product_views.product_list, name="products"),
    path("products/bulk/", product_views.bulk_action, name="product_bulk"),
    path("products/import/", product_import.import_page, name="product_import"),
    path("products/import/<int:pk>/", product_import.import_result, name="product_import_result"),
    path(
        "products/import/<int:pk>/apply/", product_import.import_apply, name="product_import_apply"
    ),
    path("products/export/", product_import.export_start, name="product_export"),
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
