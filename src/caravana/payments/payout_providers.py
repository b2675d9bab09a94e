"""Payout providers: who moves a merchant's money to its account in China. Payments providers
(Stripe, Mercado Pago) take buyers' money; they do not pay merchants in China, so payouts have
an interface of their own (docs/decisions/0024-payouts-through-a-provider.md).

PAYOUTS_PROVIDER chooses one of the registered adapters (`sandbox` by default when the payments
sandbox is on). The outbox calls `send` outside any transaction with the payout's idempotency
key; an adapter must move the money at most once per key, whatever the retries.

- `sandbox`: books the transfer in the sandbox's own records (SandboxOperation), deduped on the
  key, and answers its reference at once.
- `wise_batch`: writes the payout as a batch-payment CSV for Wise Business ("Send to saved
  recipients" template), into the private payouts storage (settings STORAGES["payouts"],
  never public media) under PAYOUTS_BANK_FILE_DIR; an operator downloads it (Operations →
  Payouts) and uploads it to Wise. The transfer is then the
  partner's; the file's name is the key, so a retry finds the file already written.

Wise's batch template, as documented in its help centre, "How do I fill in my batch template?"
(https://wise.com/help/articles/2663302/how-do-i-fill-in-my-batch-template) and "What's a batch
payment template?" (https://wise.com/help/articles/2663296): columns `name`, `recipientId`,
`recipientDetail`, `recipientType`, `recipientEmail`, `sourceCurrency`, `targetCurrency`,
`amount`, `amountCurrency` (fixed source or fixed target). Unverified: the exact header
spelling and column order of a downloaded template, the `paymentReference` column (named in
older help pages, not in the article above), the literal values of `amountCurrency` (`source`
/ `target`) and `recipientType` (`BUSINESS`), and whether Wise pays CNY to a business
recipient at all (its CNY routes are documented for Alipay / UnionPay card holders). Check a
template downloaded from the account before going live.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import Storage, storages

from caravana.jobs.csvfile import cell
from caravana.payments import providers


@dataclass(frozen=True)
class PayoutOrder:
    """What the outbox asks an adapter to pay: the batch and its beneficiary."""

    key: str  # the idempotency key: one transfer per key
    reference: str  # the batch's PO… reference
    period: str
    merchant_id: int
    beneficiary: str  # the merchant's legal name
    email: str
    amount: Decimal
    currency: str
    source_currency: str  # the currency the platform funds the transfer from
    #: One (source currency, amount in `currency`) per PayoutItem: a merchant owed in several
    #: buyer currencies is paid from each clearing account its own converted share.
    lines: tuple[tuple[str, Decimal], ...] = ()


class PayoutProvider(Protocol):
    name: str

    def send(self, order: PayoutOrder) -> str:
        """Pay (or hand over for paying) once per key; the provider's reference."""
        ...


class SandboxPayouts:
    """The demo's payout partner: the payments sandbox's books (SandboxOperation kind payout)."""

    name = "sandbox"

    def send(self, order: PayoutOrder) -> str:
        return providers.sandbox().payout(
            key=order.key, beneficiary=f"merchant:{order.merchant_id}", amount=order.amount,
            currency=order.currency,
        )  # fmt: skip


#: The columns of the Wise "Send to saved recipients" batch template that Caravana fills (see
#: the module docstring for the source and what is unverified).
WISE_COLUMNS = (
    "recipientId",
    "name",
    "recipientEmail",
    "recipientType",
    "sourceCurrency",
    "targetCurrency",
    "amount",
    "amountCurrency",
    "paymentReference",  # unverified
)


def recipient_ids() -> dict[str, str]:
    """Merchant id → the recipient id saved in the partner's account
    (PAYOUTS_WISE_RECIPIENT_IDS, "12:148105813,13:…"); a merchant without one keeps its
    Caravana id, for the operator to fill in before uploading."""
    raw = str(getattr(settings, "PAYOUTS_WISE_RECIPIENT_IDS", "") or "")
    pairs = (p.split(":", 1) for p in raw.split(",") if ":" in p)
    return {k.strip(): v.strip() for k, v in pairs}


def wise_rows(order: PayoutOrder) -> list[list[str]]:
    """The header and one row per source currency (PayoutItem): sourceCurrency is the platform
    balance the transfer is funded from (the clearing account in that currency the ledger's
    payout posting credited), the amount that item's converted share as a fixed target amount
    (the merchant gets exactly what its statement says; the partner's fee is the platform's,
    already charged as our fee). Unverified: whether Wise accepts several rows to the same
    recipient with different source currencies in one batch file.
    Text a merchant chose (name, e-mail) goes through jobs.csvfile.cell: a spreadsheet never
    reads it as a formula."""
    recipient = recipient_ids().get(
        str(order.merchant_id), f"caravana-merchant-{order.merchant_id}"
    )
    lines = order.lines or ((order.source_currency, order.amount),)
    return [list(WISE_COLUMNS)] + [
        [
            cell(recipient), cell(order.beneficiary), cell(order.email), "BUSINESS",
            source, order.currency, f"{amount:.2f}", "target", cell(order.reference),
        ]
        for source, amount in lines
    ]  # fmt: skip


def file_storage() -> Storage:
    """The private storage of bank files (settings STORAGES["payouts"]): never public media,
    served only by the operators' view (payments.ops_views.payout_file)."""
    return storages["payouts"]


def bank_file_dir() -> str:
    return str(getattr(settings, "PAYOUTS_BANK_FILE_DIR", "payouts/bank-files")).rstrip("/")


def bank_file_name(key: str) -> str:
    return f"{bank_file_dir()}/{key.replace(':', '-')}.csv"


def file_of(provider: str, key: str) -> str:
    """The storage path a file-writing adapter used for `key`; "" for the others."""
    return bank_file_name(key) if provider == WiseBatchFile.name else ""


class WiseBatchFile:
    """Writes the payout into a Wise batch CSV in Django storage. The file's name is derived
    from the key: a retry after a crash finds it and answers the same reference, so the payout
    is in one file once. The transfer happens when an operator uploads the file to Wise."""

    name = "wise_batch"

    def send(self, order: PayoutOrder) -> str:
        path = bank_file_name(order.key)
        storage = file_storage()
        if not storage.exists(path):
            out = io.StringIO()
            csv.writer(out, lineterminator="\r\n").writerows(wise_rows(order))
            saved = storage.save(path, ContentFile(out.getvalue().encode("utf-8")))
            if saved != path:  # written meanwhile by another worker: keep one file
                storage.delete(saved)
        return f"file:{order.key}"[:64]


#: Every payout adapter this code knows.
PAYOUT_PROVIDERS: dict[str, PayoutProvider] = {
    "sandbox": SandboxPayouts(),
    "wise_batch": WiseBatchFile(),
}


def registered() -> dict[str, PayoutProvider]:
    """The adapters in use: the sandbox only with the payments sandbox on."""
    on = {"sandbox": providers.sandbox_enabled()}
    return {n: p for n, p in PAYOUT_PROVIDERS.items() if on.get(n, True)}


def default_name() -> str | None:
    """PAYOUTS_PROVIDER, else the sandbox when it is on; None when that is not registered."""
    name = getattr(settings, "PAYOUTS_PROVIDER", "") or (
        "sandbox" if providers.sandbox_enabled() else ""
    )
    return name if name in registered() else None


def get(name: str) -> PayoutProvider:
    """KeyError for an adapter that is unknown or not enabled."""
    return registered()[name]
