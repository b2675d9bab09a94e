"""The customs desk, mounted at /clearance/ (and the buyer's answer under /orders/)."""

from django.urls import path

from caravana.clearance import views

app_name = "clearance"
urlpatterns = [
    path("", views.index, name="index"),
    path("<str:iata>/", views.desk, name="desk"),
    path("<str:iata>/scan/", views.scan, name="scan"),
    path("<str:iata>/flights/<int:flight>/present/", views.present, name="present"),
    path("<str:iata>/manifests/<int:pk>/", views.manifest, name="manifest"),
    path("<str:iata>/parcels/<str:s10>/", views.case, name="case"),
    path("<str:iata>/upload/", views.upload, name="upload"),
    path("<str:iata>/dashboard/", views.dashboard, name="dashboard"),
    path("answer/<str:number>/<int:pk>/", views.answer, name="answer"),
]
