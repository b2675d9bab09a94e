"""Merchant console parcel pages, mounted at /console/parcels/."""

from django.urls import path

from caravana.fulfillment import console_views as views

app_name = "parcels"
urlpatterns = [
    path("", views.parcel_list, name="list"),
    path("new/", views.parcel_new, name="new"),
    path("labels/", views.labels_batch, name="labels"),
    path("<str:s10>/label.pdf", views.parcel_label, name="label"),
]
