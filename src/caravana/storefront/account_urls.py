from django.urls import path

from caravana.storefront import account_views as views
from caravana.storefront import wishlist_views

app_name = "account"
urlpatterns = [
    path("", views.account, name="home"),
    path("cards/<str:reference>/delete/", views.delete_card, name="delete_card"),
    path("wishlist/", wishlist_views.wishlist_page, name="wishlist"),
    path("wishlist/<int:pk>/", wishlist_views.wish, name="wish"),
]
