from django.urls import path

from caravana.payments import ops_chargebacks as cb
from caravana.payments import ops_views as views

app_name = "operations"
urlpatterns = [
    path("ledger/", views.ledger_page, name="ledger"),
    path("ledger/reconcile/", views.reconcile, name="reconcile"),
    path("payouts/", views.payouts, name="payouts"),
    path("payouts/<str:reference>/file/", views.payout_file, name="payout_file"),
    path("payouts/merchant/<int:pk>/", views.merchant_statement, name="merchant_statement"),
    path("disputes/", views.disputes, name="disputes"),
    path("disputes/<int:pk>/decide/", views.decide, name="decide"),
    path("review/", views.review, name="review"),
    path("review/<str:reference>/<str:action>/", views.review_action, name="review_action"),
    path("calls/<int:pk>/retry/", views.retry_call, name="retry_call"),
    path("chargebacks/", cb.chargeback_list, name="chargebacks"),
    path("chargebacks/<int:pk>/", cb.chargeback_detail, name="chargeback"),
    path("chargebacks/<int:pk>/submit/", cb.chargeback_submit, name="chargeback_submit"),
    path("settlement/", cb.settlement, name="settlement"),
]
