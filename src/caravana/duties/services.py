"""Every write of the duties app, each in one transaction and idempotent under retry:

* ``record_assessment(parcel, amounts, source)`` — what customs assessed for a parcel, by tax.
  The order's duties and taxes leave escrow for the liability account of each tax (duties:
  <currency>:<country>:<tax>), and the difference to what the buyer paid is booked: a shortfall
  absorbed by the platform or to recover from the buyer (the country's setting), a surplus
  held in duty_surplus.
* ``record_assessments(items)`` — the same for many parcels at once, set-wise (a few statements
  per thousand parcels): the customs desk's decisions (a scan, a broker's file, the API) carry
  customs' figures and call it in the transaction that records them.
* ``record_return(parcel)`` — the parcel goes back (returned or refused before delivery): both
  postings are reversed, the duties are in escrow again and the order's refund returns them.
* ``remit(authority, currency, period_start, period_end, paid_reference)`` — pay an authority
  everything its accounts owe up to the end of the period: Dr duties / Cr clearing.

Parcels without an order, and DDU parcels (the buyer pays customs on arrival), are recorded
but move no money: nothing was collected for them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from caravana import inserts, markets
from caravana.duties.error_codes import DutiesErrorCode
from caravana.duties.models import (
    AssessmentStatus,
    CountryDutySetting,
    DifferencePolicy,
    DutyAssessment,
    DutyAuthority,
    RemittanceBatch,
)
from caravana.errors import field_error
from caravana.fulfillment.models import Parcel
from caravana.money import round_money
from caravana.orders.models import Order
from caravana.payments import ledger
from caravana.payments.models import AccountKind, LedgerEntry, LedgerTransaction
from caravana.payments.references import new_reference
from caravana.pricing.models import RuleSetVersion

ZERO = Decimal(0)
#: The longest remittance period (and report period): a year, leap day included.
MAX_PERIOD_DAYS = 366


def country_taxes(country: str) -> list[str]:
    """The rule components (duties and taxes) any of the country's rule sets has had."""
    codes: list[str] = []
    for version in RuleSetVersion.objects.filter(country=country).only("body"):
        for comp in (version.body or {}).get("components", []):
            if comp.get("id") and comp["id"] not in codes:
                codes.append(comp["id"])
    return codes


def tax_labels(country: str) -> dict[str, str]:
    """Every rule component of the country (country_taxes) with its label in the newest rule
    set that has it: what a form shows beside the amount customs assessed."""
    labels: dict[str, str] = {}
    for version in RuleSetVersion.objects.filter(country=country).order_by("-effective_from"):
        for comp in (version.body or {}).get("components", []):
            if comp.get("id"):
                labels.setdefault(comp["id"], str(comp.get("label") or comp["id"]))
    return labels


def read_amount(raw: Any) -> Decimal | None:
    """An assessed amount as entered (a Decimal, a number, a file's cell with a decimal point
    or comma), or None when it is not a finite amount of zero or more."""
    if isinstance(raw, float):
        raw = repr(raw)
    try:
        value = raw if isinstance(raw, Decimal) else Decimal(str(raw).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        return None
    if not value.is_finite() or value < 0 or value >= Decimal(10) ** 12:
        return None
    return value


def _post(key: str, kind: str, legs: list, order: Order | None, memo: str) -> None:
    try:
        ledger.post(key, kind, legs, order=order, memo=memo)
    except ledger.LedgerError as exc:
        raise field_error("ledger", str(exc), DutiesErrorCode.LEDGER_REFUSED) from exc


def _held_order(order_id: int) -> Order:
    """The order, locked, while its escrow still holds its duties: once released (delivery
    confirmed) an assessment or a return can no longer move them."""
    order = Order.objects.select_for_update().get(pk=order_id)
    if order.ledger_transactions.filter(kind="release").exists():
        raise field_error(
            "parcel",
            _("Order %(o)s was already settled: its duties are no longer held.")
            % {"o": order.number},
            DutiesErrorCode.ALREADY_RELEASED,
        )
    return order


def policy_of(country: str) -> str:
    setting = CountryDutySetting.objects.filter(country=country).first()
    return setting.difference_policy if setting else DifferencePolicy.ABSORB


@transaction.atomic
def record_assessment(
    parcel: Parcel,
    amounts: Mapping[str, Any],
    source: str,
    at: dt.datetime | None = None,
) -> DutyAssessment:
    """Record customs' assessment of `parcel` (amounts by tax: {"ii": "12.30", "icms": ...}, in
    the order's currency) and book it against what the buyer paid. `source` says where the
    figures come from (the customs declaration's number, the broker's file). Calling it again
    with the same amounts returns the first record; other amounts are refused. One parcel's
    record_assessments: the rules and the bookings live there once."""
    Parcel.objects.select_for_update().filter(pk=parcel.pk).first()
    result = record_assessments([AssessmentIn(parcel.pk, amounts, source, at or timezone.now())])
    if result.errors:
        name, message, code = result.errors[0]
        # A refusal of the parcel as a whole names the parcel, as the desk's one-parcel forms do.
        raise field_error("parcel" if name == "amounts" else name, message, code)
    return DutyAssessment.objects.get(parcel_id=parcel.pk)


@dataclass
class AssessmentIn:
    """One parcel's assessment for record_assessments: `amounts` by tax as entered (checked
    there), `currency` the order's (blank: not checked), `source` where the figures come from."""

    parcel_id: int
    amounts: Mapping[str, Any]
    source: str
    at: dt.datetime
    currency: str = ""


@dataclass
class AssessedMany:
    """What record_assessments did: assessments recorded, assessments that repeated one
    recorded already, and the refused items' errors by index: (field, message, code), the field
    being ``amounts.<tax>``, ``currency``, ``amounts`` (the parcel as a whole) or ``source``."""

    recorded: int = 0
    repeated: int = 0
    errors: dict[int, tuple[str, str, StrEnum]] = field(default_factory=dict)
    #: The indexes of the repeats: nothing to write for them.
    repeats: set[int] = field(default_factory=set)


#: Rows read per query in record_assessments (under SQLite's parameter limit).
CHUNK = 900
#: What record_assessments' checks read of an order (check_only).
CHECKED_ORDER_FIELDS = ("pk", "number", "merchant_id", "paid_at", "country", "currency")
#: ... and what it writes from: the money and the quote (collected_by_tax).
WRITTEN_ORDER_FIELDS = (
    *CHECKED_ORDER_FIELDS, "refunded", "goods", "shipping", "duties", "taxes", "quote"
)  # fmt: skip
ESCROW, DUTIES, SURPLUS = (
    AccountKind.ESCROW.value, AccountKind.DUTIES.value, AccountKind.DUTY_SURPLUS.value
)  # fmt: skip
#: The DutyAssessment columns record_assessments writes, in order.
ASSESSMENT_COLUMNS = (
    "parcel", "order", "country", "currency", "amounts", "collected", "differences",
    "assessed_total", "collected_total", "difference_total", "policy", "source", "status",
    "assessed_at", "returned_at",
)  # fmt: skip


def _chunks(values: Sequence[Any]) -> Iterator[Sequence[Any]]:
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


@transaction.atomic
def record_assessments(items: Sequence[AssessmentIn], *, check_only: bool = False) -> AssessedMany:
    """record_assessment for many parcels, set-wise: the parcels, their orders (locked unless
    `check_only`), earlier assessments, releases and duties already moved are read a chunk at a
    time; the assessments are inserted in bulk and their postings written by
    ledger.post_many under the same keys as one parcel's (duty-collect:<S10>,
    duty-diff:<S10>). Same rules: an unknown tax, an unreadable or negative amount, another
    currency than the order's, a parcel of no paid order, an order already settled, or other
    amounts for a parcel already assessed refuse that item (in `errors`, nothing written when
    any is refused); the same amounts again are repeats. `check_only` reads and checks
    without writing (the customs file's row checks, before its transaction); otherwise it
    joins the caller's transaction (the decisions'), or is one of its own."""
    result = AssessedMany()
    if not items:
        return result
    parcels = {
        row[0]: row
        for ids in _chunks(sorted({i.parcel_id for i in items}))
        for row in Parcel.objects.filter(pk__in=ids).values_list(
            "pk", "s10", "ddp", "order_ref", "merchant_id"
        )
    }
    numbers = sorted({p[3] for p in parcels.values() if p[3]})
    orders: dict[str, Order] = {}
    for chunk in _chunks(numbers):
        query = Order.objects.filter(number__in=chunk)
        if check_only:  # what the checks read: no quote to decode
            query = query.only(*CHECKED_ORDER_FIELDS)
        else:
            query = query.only(*WRITTEN_ORDER_FIELDS).select_for_update().order_by("pk")
        orders.update((o.number, o) for o in query)
    order_ids = sorted(o.pk for o in orders.values())
    released = {
        pk
        for chunk in _chunks(order_ids)
        for pk in LedgerTransaction.objects.filter(order_id__in=chunk, kind="release").values_list(
            "order_id", flat=True
        )
    }
    moved: dict[int, Decimal] = {}
    for chunk in _chunks([] if check_only else order_ids):
        moved.update(
            (pk, Decimal(total or 0).quantize(Decimal("0.01")))
            for pk, total in LedgerEntry.objects.filter(
                order_id__in=chunk,
                account__kind=AccountKind.ESCROW,
                transaction__kind__in=ledger.DUTY_ESCROW_KINDS,
            )
            .values("order_id")
            .annotate(s=Sum("amount"))
            .values_list("order_id", "s")
        )
    earlier: dict[int, tuple[dict[str, Decimal], str]] = {}
    for chunk in _chunks(sorted(parcels)):
        for pid, amounts, status in DutyAssessment.objects.filter(parcel_id__in=chunk).values_list(
            "parcel_id", "amounts", "status"
        ):
            earlier[pid] = ({k: Decimal(v) for k, v in amounts.items()}, status)
    taxes: dict[str, set[str]] = {}
    policies = dict(CountryDutySetting.objects.values_list("country", "difference_policy"))
    accounts: dict[tuple[str, ...], Any] = {}

    def acct(kind: str, order: Order, tax: str = "") -> Any:
        key = (kind, order.currency, order.country, tax)
        found = accounts.get(key)
        if found is None:
            country = "" if kind == ESCROW else order.country
            found = accounts[key] = ledger.account(kind, order.currency, country=country, tax=tax)
        return found

    rows: list[tuple[Any, ...]] = []
    postings: list[ledger.Posting] = []
    for index, item in enumerate(items):
        row = parcels.get(item.parcel_id)
        pid, s10, ddp, ref, merchant_id = row or (item.parcel_id, "", False, "", 0)
        order = orders.get(ref) if ref else None
        if order is None or order.merchant_id != merchant_id or order.paid_at is None:
            result.errors[index] = (
                "amounts",
                _("Parcel %(s)s belongs to no paid order: there are no collected duties to match.")
                % {"s": s10 or pid},
                DutiesErrorCode.NO_ORDER,
            )
            continue
        if order.country not in taxes:
            taxes[order.country] = set(country_taxes(order.country))
        known = taxes[order.country]
        clean: dict[str, Decimal] = {}
        for code, raw in (item.amounts or {}).items():
            value = read_amount(raw)
            if code not in known and (check_only or code not in ledger.collected_by_tax(order)):
                result.errors[index] = (
                    f"amounts.{code}",
                    _("%(t)s is not a duty or tax of %(c)s (it has: %(k)s).")
                    % {"t": code, "c": order.country, "k": ", ".join(sorted(taxes[order.country]))},
                    DutiesErrorCode.INVALID_ASSESSMENT,
                )
                break
            if value is None:
                result.errors[index] = (
                    f"amounts.{code}",
                    _("Give an amount of zero or more."),
                    DutiesErrorCode.INVALID_ASSESSMENT,
                )
                break
            clean[code] = round_money(value, order.currency)
        if index in result.errors:
            continue
        if item.currency and item.currency.strip().upper() != order.currency:
            result.errors[index] = (
                "currency",
                _("Customs assesses a parcel to %(c)s in %(m)s, not %(g)s.")
                % {"c": order.country, "m": order.currency, "g": item.currency[:3]},
                DutiesErrorCode.INVALID_ASSESSMENT,
            )
            continue
        if not str(item.source or "").strip():
            result.errors[index] = (
                "source",
                _("Say where the assessment comes from."),
                DutiesErrorCode.INVALID_ASSESSMENT,
            )
            continue
        if pid in earlier:
            before, status = earlier[pid]
            if before == clean and status == AssessmentStatus.ASSESSED:
                result.repeated += 1
                result.repeats.add(index)
                continue
            total = sum(before.values(), ZERO)
            result.errors[index] = (
                "amounts",
                _("Parcel %(s)s was already assessed (%(a)s %(c)s).")
                % {"s": s10, "a": total, "c": order.currency},
                DutiesErrorCode.ALREADY_ASSESSED,
            )
            continue
        if order.pk in released:
            result.errors[index] = (
                "amounts",
                _("Order %(o)s was already settled: its duties are no longer held.")
                % {"o": order.number},
                DutiesErrorCode.ALREADY_RELEASED,
            )
            continue
        earlier[pid] = (clean, AssessmentStatus.ASSESSED)  # the same parcel later in the batch
        if check_only:
            continue
        cur, country = order.currency, order.country
        zero = round_money(ZERO, cur)
        by_tax = ledger.collected_by_tax(order) if ddp else {}
        if by_tax:
            rest = max(order.refunded - order.goods - order.shipping, ZERO)
            held = max(order.duties + order.taxes - rest - moved.get(order.pk, ZERO), ZERO)
            collected = ledger.allocate(by_tax, held)
        else:
            collected = {}
        all_taxes = list(dict.fromkeys([*collected, *clean]))
        diffs = {t: clean.get(t, zero) - collected.get(t, zero) for t in all_taxes}
        policy = policies.get(country, DifferencePolicy.ABSORB)
        rows.append(
            (
                pid, order.pk, country, cur,
                {t: str(v) for t, v in clean.items()},
                {t: str(v) for t, v in collected.items()},
                {t: str(v) for t, v in diffs.items()},
                sum(clean.values(), zero), sum(collected.values(), zero),
                sum(diffs.values(), zero) if ddp else zero,
                policy, str(item.source).strip()[:200], AssessmentStatus.ASSESSED.value, item.at,
                None,
            )
        )  # fmt: skip
        if not ddp:
            continue  # DDU: the buyer pays customs on arrival, no money of ours moves
        taken = sum(collected.values(), zero)
        moved[order.pk] = moved.get(order.pk, ZERO) + taken
        if taken:
            legs = [ledger.debit(acct(ESCROW, order), taken, order)]
            legs += [ledger.credit(acct(DUTIES, order, t), v, order) for t, v in collected.items()]
            postings.append(
                ledger.Posting(
                    f"duty-collect:{s10}",
                    "duty_collect",
                    legs,
                    order,
                    f"duties of {s10} before customs",
                )
            )
        shortfall = (
            AccountKind.DUTY_RECEIVABLE.value
            if policy == DifferencePolicy.RECOVER
            else AccountKind.DUTY_ABSORBED.value
        )
        legs = []
        for tax, diff in diffs.items():
            if diff > 0:
                legs += [
                    ledger.debit(acct(shortfall, order), diff, order),
                    ledger.credit(acct(DUTIES, order, tax), diff, order),
                ]
            elif diff < 0:
                legs += [
                    ledger.debit(acct(DUTIES, order, tax), -diff, order),
                    ledger.credit(acct(SURPLUS, order), -diff, order),
                ]
        if legs:
            postings.append(
                ledger.Posting(
                    f"duty-diff:{s10}",
                    "duty_diff",
                    legs,
                    order,
                    f"customs assessed {s10}: {policy}",
                )
            )
    if check_only or result.errors or not rows:
        return result
    with transaction.atomic():
        ledger.lock(accounts.values())
        inserts.insert_rows(DutyAssessment, ASSESSMENT_COLUMNS, rows)
        try:
            ledger.post_many(postings)
        except ledger.LedgerError as exc:
            raise field_error("ledger", str(exc), DutiesErrorCode.LEDGER_REFUSED) from exc
    result.recorded = len(rows)
    return result


def _liability(order: Order, tax: str):
    return ledger.account(AccountKind.DUTIES, order.currency, country=order.country, tax=tax)


def _shortfall_account(order: Order, policy: str):
    kind = (
        AccountKind.DUTY_RECEIVABLE
        if policy == DifferencePolicy.RECOVER
        else AccountKind.DUTY_ABSORBED
    )
    return ledger.account(kind, order.currency, country=order.country)


def _surplus_account(order: Order):
    return ledger.account(AccountKind.DUTY_SURPLUS, order.currency, country=order.country)


def _lock_accounts(order: Order, taxes: list[str]) -> None:
    """Every account these postings touch, locked at once in the ledger's order (no deadlock
    with a capture, a release or a remittance)."""
    cur = order.currency
    accounts = [ledger.account(AccountKind.ESCROW, cur), _surplus_account(order)]
    accounts += [_shortfall_account(order, p) for p in DifferencePolicy.values]
    accounts += [_liability(order, t) for t in taxes]
    ledger.lock(accounts)


@transaction.atomic
def record_return(parcel: Parcel, reason: str = "returned") -> DutyAssessment | None:
    """The parcel goes back before delivery (customs returned it, the buyer refused it): its
    duties leave the liability for escrow again and the difference booked against the platform
    or the buyer is reversed, so the order's refund gives the buyer back what was paid. None
    when the parcel was never assessed; idempotent."""
    assessment = DutyAssessment.objects.select_for_update().filter(parcel_id=parcel.pk).first()
    if assessment is None:
        return None
    if assessment.status == AssessmentStatus.RETURNED:
        return assessment
    order = _held_order(assessment.order_id)
    _lock_accounts(order, list(assessment.differences))
    for key, kind in ((f"duty-diff:{parcel.s10}", "duty_diff_rev"),
                      (f"duty-collect:{parcel.s10}", "duty_return")):  # fmt: skip
        txn = LedgerTransaction.objects.filter(key=key).first()
        if txn is None:
            continue
        legs = [(e.account, -e.amount, e.order) for e in txn.entries.select_related("account")]
        _post(f"{key}:reversed", kind, legs, order, f"{reason}: {parcel.s10}")
    assessment.status = AssessmentStatus.RETURNED
    assessment.returned_at = timezone.now()
    assessment.save(update_fields=["status", "returned_at"])
    return assessment


# --- remittance ---------------------------------------------------------------------------------


def authority_taxes(authority: DutyAuthority) -> list[str]:
    """The taxes `authority` collects: those it lists, or every tax of its country that no other
    authority of the country lists."""
    if authority.taxes:
        return list(authority.taxes)
    claimed = {
        t
        for taxes in DutyAuthority.objects.filter(country=authority.country)
        .exclude(pk=authority.pk)
        .values_list("taxes", flat=True)
        for t in taxes
    }
    keys = ledger_tax_keys(authority.country)
    return [t for t in keys if t not in claimed]


def ledger_tax_keys(country: str) -> list[str]:
    """Every tax with a liability account in the country (from the accounts' keys), plus the
    country's rule components."""
    found = list(country_taxes(country))
    from caravana.payments.models import LedgerAccount

    for key in LedgerAccount.objects.filter(kind=AccountKind.DUTIES, country=country).values_list(
        "key", flat=True
    ):
        parts = key.split(":")
        tax = parts[3] if len(parts) > 3 else ""
        if tax and tax not in found:
            found.append(tax)
    return found


def balance_before(account_id: int, end: dt.datetime) -> Decimal:
    """An account's credit-normal balance from its entries before `end`."""
    total = LedgerEntry.objects.filter(
        account_id=account_id, transaction__created_at__lt=end
    ).aggregate(s=Sum("amount"))["s"]
    return -Decimal(total or 0).quantize(Decimal("0.01"))


def day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)


def _check_remittance(
    authority: DutyAuthority,
    currency: str,
    period_start: dt.date,
    period_end: dt.date,
    paid_reference: str,
) -> None:
    """Refuse, by field, a remittance that cannot be right: another currency than the
    country's, a period that has not begun, is longer than a year (a far end would close the
    authority's books for good) or reaches back into a period already paid."""
    market = markets.get(authority.country)
    if market is None or currency != market.currency:
        raise field_error(
            "currency",
            _("%(a)s is paid in %(c)s.")
            % {"a": authority.code, "c": market.currency if market else "—"},
            DutiesErrorCode.INVALID_PERIOD,
        )
    if not str(paid_reference or "").strip():
        raise field_error("paid_reference", _("Give the authority's receipt number."),
                          DutiesErrorCode.INVALID_PERIOD)  # fmt: skip
    if period_start > timezone.now().date():
        raise field_error("period_start", _("The period has not begun yet."),
                          DutiesErrorCode.INVALID_PERIOD)  # fmt: skip
    if period_end <= period_start:
        raise field_error("period_end", _("The period must end after it starts."),
                          DutiesErrorCode.INVALID_PERIOD)  # fmt: skip
    if (period_end - period_start).days > MAX_PERIOD_DAYS:
        raise field_error("period_end", _("Choose a period of at most a year."),
                          DutiesErrorCode.INVALID_PERIOD)  # fmt: skip
    last = RemittanceBatch.objects.filter(authority=authority, currency=currency).first()
    if last is not None and period_start < last.period_end:
        raise field_error(
            "period_start",
            _("%(a)s was already paid up to %(d)s.") % {"a": authority.code, "d": last.period_end},
            DutiesErrorCode.INVALID_PERIOD,
        )


@transaction.atomic
def remit(
    authority: DutyAuthority,
    currency: str,
    period_start: dt.date,
    period_end: dt.date,
    paid_reference: str,
    actor: Any = None,
) -> RemittanceBatch:
    """Pay `authority` everything its accounts owed in `currency` before `period_end` (UTC,
    exclusive; before now for a period still running): each tax's liability is debited and
    the money leaves clearing. `paid_reference` is the authority's receipt (DARF, pedimento,
    …). A period starts where the last one paid ended or later, has begun and lasts at most
    a year; the same period twice returns the first batch (a retry)."""
    existing = RemittanceBatch.objects.filter(
        authority=authority, currency=currency, period_end=period_end
    ).first()
    if existing is not None:
        return _same_remittance(existing, period_start, paid_reference)
    _check_remittance(authority, currency, period_start, period_end, paid_reference)
    # A period still running pays what was owed up to now; the next period pays the rest.
    end = min(day_start(period_end), timezone.now())
    taxes = authority_taxes(authority)
    accounts = {
        t: ledger.account(AccountKind.DUTIES, currency, country=authority.country, tax=t)
        for t in taxes
    }
    locked = ledger.lock([*accounts.values(), ledger.account(AccountKind.CLEARING, currency)])
    # What was owed at the end of the period, less what went back to buyers since (a parcel
    # returned after the period): the authority is not paid for a returned parcel.
    lines = {t: min(balance_before(a.pk, end), locked[a.pk].balance) for t, a in accounts.items()}
    lines = {t: v for t, v in lines.items() if v > 0}
    total = sum(lines.values(), ZERO)
    batch = RemittanceBatch.objects.create(
        reference=new_reference("REM"), authority=authority, currency=currency,
        period_start=period_start, period_end=period_end,
        lines={t: str(v) for t, v in lines.items()}, total=total,
        paid_reference=str(paid_reference).strip()[:80],
        created_by=actor if getattr(actor, "pk", None) else None,
    )  # fmt: skip
    if total:
        legs = [ledger.debit(accounts[t], v) for t, v in lines.items()]
        legs.append(ledger.credit(ledger.account(AccountKind.CLEARING, currency), total))
        _post(f"duty-remit:{batch.reference}", "duty_remit", legs, None,
              f"paid to {authority.code} ({batch.paid_reference})")  # fmt: skip
    return batch


def _same_remittance(
    batch: RemittanceBatch, period_start: dt.date, paid_reference: str
) -> RemittanceBatch:
    """`batch` when the request repeats it (a retry); another receipt or start for a period
    already paid is a second payment, refused."""
    if (
        batch.period_start == period_start
        and batch.paid_reference == (str(paid_reference or "").strip()[:80])
    ):
        return batch
    raise field_error(
        "period_end",
        _("%(a)s was already paid up to %(d)s (%(r)s).")
        % {"a": batch.authority.code, "d": batch.period_end, "r": batch.paid_reference},
        DutiesErrorCode.INVALID_PERIOD,
    )


def remit_safely(*args: Any, **kwargs: Any) -> RemittanceBatch:
    """remit(), answering a concurrent duplicate with the batch the other request wrote."""
    try:
        return remit(*args, **kwargs)
    except IntegrityError:
        authority, currency, period_start, period_end, paid_reference = args[:5]
        batch = RemittanceBatch.objects.get(
            authority=authority, currency=currency, period_end=period_end
        )
        return _same_remittance(batch, period_start, paid_reference)
