"""The operators' network dashboard, mounted at /operations/network/."""

from django.urls import path

from caravana.twin import views

app_name = "network_dashboard"
urlpatterns = [
    path("", views.network, name="index"),
    path("runs/<int:pk>/", views.network, name="run"),
    path("runs/<int:pk>/<str:table>.csv", views.network_csv, name="csv"),
]
