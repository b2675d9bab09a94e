"""Operators' tracking pages, mounted at /operations/carriers/."""

from django.urls import path

from caravana.tracking import ops_views as views

app_name = "carrier_performance"
urlpatterns = [path("", views.performance, name="index")]
