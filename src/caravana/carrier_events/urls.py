from django.urls import path

from caravana.carrier_events import views

app_name = "carrier_events"
urlpatterns = [path("", views.page, name="page")]
