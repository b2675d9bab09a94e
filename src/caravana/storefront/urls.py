from django.urls import path

from caravana.storefront import views

app_name = "storefront"
urlpatterns = [
    path("", views.home, name="home"),
    path("country/", views.choose_country, name="country"),
    path("search/", views.search, name="search"),
    path("search/suggest/", views.suggest, name="suggest"),
    path("c/<slug:slug>/", views.category, name="category"),
    path("s/<slug:slug>/", views.store, name="store"),
    path("p/<int:pk>/", views.product, name="product"),
]
