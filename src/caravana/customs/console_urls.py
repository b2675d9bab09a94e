"""Merchant console customs papers, mounted at /console/customs/."""

from django.urls import path

from caravana.customs import views

app_name = "customs_console"
urlpatterns = [path("<str:s10>/cn23.pdf", views.merchant_cn23, name="cn23")]
