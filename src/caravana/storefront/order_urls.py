from django.urls import path

from caravana.storefront import order_views as views

app_name = "orders"
urlpatterns = [
    path("cart/", views.cart, name="cart"),
    path("cart/add/", views.cart_add, name="cart_add"),
    path("cart/lines/<int:line_id>/", views.cart_update, name="cart_update"),
    path("cart/coupon/", views.cart_coupon, name="cart_coupon"),
    path("checkout/", views.checkout, name="checkout"),
    path("checkout/cep/", views.cep_lookup, name="cep"),
    path("orders/", views.order_list, name="list"),
    path("orders/<str:number>/", views.order_detail, name="detail"),
    path("orders/<str:number>/deliveries/<int:pk>/", views.delivery_choice, name="delivery_choice"),
    path("orders/<str:number>/<str:action>/", views.order_action, name="action"),
]
