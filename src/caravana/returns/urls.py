from django.urls import path

from caravana.returns import views

app_name = "returns"
urlpatterns = [
    path("orders/<str:number>/return/", views.request_return, name="request"),
    path(
        "orders/<str:number>/returns/<str:reference>/label.pdf",
        views.return_label,
        name="label",
    ),
    path("console/returns/", views.merchant_returns, name="console"),
    path("console/returns/held/<int:pk>/", views.merchant_choose, name="console_choose"),
    path(
        "console/returns/<str:reference>/<str:action>/",
        views.merchant_decide,
        name="console_decide",
    ),
    path("operations/returns/", views.operator_returns, name="operations"),
    path(
        "operations/returns/<str:reference>/<str:action>/",
        views.operator_decide,
        name="operations_decide",
    ),
    path("returns-point/", views.point_desk, name="point"),
    path("returns-point/held/<int:pk>/disposed/", views.point_disposed, name="point_disposed"),
    path("returns-point/local/<str:number>/send/", views.point_send_local, name="send_local"),
    path("returns-point/manifests/open/", views.point_manifest_open, name="manifest_open"),
    path(
        "returns-point/manifests/<str:reference>/close/",
        views.point_manifest_close,
        name="manifest_close",
    ),
    path(
        "returns-point/manifests/<str:reference>.<str:fmt>",
        views.point_manifest_export,
        name="manifest_export",
    ),
]
