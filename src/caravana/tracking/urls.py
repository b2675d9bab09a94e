from django.urls import path

from caravana.tracking import views

app_name = "tracking"
urlpatterns = [
    path("", views.search, name="search"),
    path("<str:identifier>/", views.parcel, name="parcel"),
]
