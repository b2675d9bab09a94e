"""Operators' exports, mounted at /operations/exports/."""

from django.urls import path

from caravana.console import export_views

app_name = "ops_exports"
urlpatterns = [path("", export_views.operations_exports, name="index")]
