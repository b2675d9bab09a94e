from django.urls import path

from caravana.storefront import account_views as views

app_name = "account"
urlpatterns = [
    path("", views.account, name="home"),
    path("cards/<str:reference>/delete/", views.delete_card, name="delete_card"),
]
