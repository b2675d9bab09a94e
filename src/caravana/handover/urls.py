"""The handover to last-mile carriers at a gateway, mounted at /handover/."""

from django.urls import path

from caravana.handover import views

app_name = "handover"
urlpatterns = [
    path("", views.index, name="index"),
    path("<str:iata>/", views.gateway, name="gateway"),
    path("<str:iata>/open/", views.open_manifest, name="open"),
    path("<str:iata>/manifests/<int:pk>/", views.manifest, name="manifest"),
    path("<str:iata>/manifests/<int:pk>/scan/", views.scan, name="scan"),
    path("<str:iata>/manifests/<int:pk>/close/", views.close, name="close"),
    path("<str:iata>/manifests/<int:pk>.<str:fmt>", views.export, name="export"),
]
