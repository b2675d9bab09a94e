from django.urls import path

from caravana.payments import sandbox_views as views

app_name = "sandbox_provider"
urlpatterns = [
    path("v1/card_tokens", views.card_tokens, name="card_tokens"),
    path("challenges/<str:reference>/", views.challenge, name="challenge"),
]
