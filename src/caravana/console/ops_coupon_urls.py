"""Operators' platform coupons, mounted at /operations/coupons/."""

from django.urls import path

from caravana.console import promotion_views as views

app_name = "ops_coupons"
urlpatterns = [
    path("", views.platform_coupons, name="index"),
    path("<int:pk>/delete/", views.platform_coupon_delete, name="delete"),
]
