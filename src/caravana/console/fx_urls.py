"""Operators' FX pages, mounted at /operations/fx/."""

from django.urls import path

from caravana.console import fx_views as views

app_name = "fx"
urlpatterns = [path("", views.fx_upload, name="upload")]
