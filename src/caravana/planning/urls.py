from django.urls import path

from caravana.planning import views

app_name = "planning"
urlpatterns = [
    path("", views.flights, name="flights"),
    path("run/", views.run_plan, name="run_plan"),
    path("runs/<int:pk>/", views.plan_detail, name="run"),
    path("runs/<int:pk>/commit/", views.commit, name="commit"),
    path("flights/<int:pk>/", views.flight_load, name="flight"),
    path("forecast/", views.forecast, name="forecast"),
    path("bags/", views.bags, name="bags"),
    path("bags/carrier/", views.bag_carrier, name="bag_carrier"),
    path("parcels/carrier/", views.parcel_carrier, name="parcel_carrier"),
]
