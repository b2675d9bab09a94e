"""Background work: the sandbox's delayed confirmations, payment expiry and payouts."""

from caravana.celery import app
from caravana.payments import services
from caravana.payments.models import Payment


@app.task
def sandbox_confirm(payment_reference: str, outcome: str = "succeeded") -> int:
    payment = Payment.objects.filter(reference=payment_reference).first()
    if payment is None:
        return 404
    status, _body = services.sandbox_simulate(payment, outcome)
    return status


@app.task
def expire_payments() -> int:
    return services.expire_payments()


@app.task
def run_payouts() -> int:
    return len(services.run_payouts())
