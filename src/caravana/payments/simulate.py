"""The sandbox's "confirm payment" button, acting as the bank (the demo and the tests only)."""

from __future__ import annotations

from caravana.errors import field_error
from caravana.payments import providers
from caravana.payments.error_codes import PaymentsErrorCode
from caravana.payments.models import (
    Payment,
)


def sandbox_simulate(
    payment: Payment, outcome: str = "succeeded", *, at_once: bool = False
) -> tuple[int, dict]:
    """What the sandbox's "confirm payment" button does, acting as the bank: on success the
    money is booked at the sandbox, then the provider sends a signed event to our receiver (in
    process with eager Celery, from a worker otherwise), which captures, declines or expires the
    payment. `at_once`: the event goes into the receiver in this process even where a broker
    is set (the network twin, whose simulated moment lives in this process: caravana.clock)."""
    if not providers.sandbox_enabled():
        raise field_error("payment", "the sandbox is off", PaymentsErrorCode.SANDBOX_OFF)
    if payment.provider != "sandbox":
        raise field_error(
            "payment", "only sandbox payments can be simulated", PaymentsErrorCode.NOT_SANDBOX
        )
    if outcome not in ("succeeded", "failed", "expired"):
        raise field_error(
            "outcome", "succeeded, failed or expired", PaymentsErrorCode.INVALID_OUTCOME
        )
    sb = providers.sandbox()
    if outcome == "succeeded":
        sb.charge(payment.reference, payment.amount, payment.currency)
    return sb.notify(
        payment.reference, outcome, payment.amount, payment.currency, payment.notify_url,
        at_once=at_once,
    )  # fmt: skip
