"""Operators' customs advance-data exports, mounted at /operations/customs/."""

from django.urls import path

from caravana.console import customs_views

app_name = "ops_customs"
urlpatterns = [path("", customs_views.advance_data, name="index")]
