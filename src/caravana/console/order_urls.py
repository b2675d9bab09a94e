from django.urls import path

from caravana.console import order_views as views

app_name = "console_orders"
urlpatterns = [
    path("", views.order_list, name="list"),
    path("refunds/", views.refunds, name="refunds"),
    path("payouts/", views.payouts, name="payouts"),
    path("<str:number>/", views.order_detail, name="detail"),
    path("<str:number>/<str:action>/", views.order_action, name="action"),
]
