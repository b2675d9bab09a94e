"""Hub pages, mounted at /hub/."""

from django.urls import path

from caravana.fulfillment import views

app_name = "fulfillment"
urlpatterns = [
    path("", views.receive, name="receive"),
    path("parcels/", views.parcel_list, name="parcels"),
    path("bags/", views.bag_list, name="bags"),
    path("bags/<str:identifier>/close/", views.bag_close, name="bag_close"),
    path("bags/<str:identifier>/label.pdf", views.bag_label, name="bag_label"),
    path("ulds/", views.uld_build, name="ulds"),
    path("flights/", views.flight_list, name="flights"),
    path("flights/<int:pk>/", views.flight_handover, name="flight"),
]
