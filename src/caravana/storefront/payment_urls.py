from django.urls import path

from caravana.storefront import payment_views as views

app_name = "payments"
urlpatterns = [
    path("<str:reference>/", views.pay, name="pay"),
    path("<str:reference>/status/", views.status, name="status"),
    path("<str:reference>/voucher.pdf", views.voucher, name="voucher"),
    path("<str:reference>/sandbox/", views.sandbox_confirm, name="sandbox_confirm"),
    path("<str:reference>/authenticated/", views.challenge_return, name="challenge_return"),
    path("<str:reference>/gateway/", views.gateway, name="gateway"),
]
