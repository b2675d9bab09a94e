"""The one place that decides which e-mails an order's life sends, to whom, in which language.

Moments, and where each comes from:

* buyer: order paid (a receipt), on its way, held by customs, out for delivery, delivered,
  refund issued, dispute answered;
* merchant: new (paid) order, dispute opened, refund issued.

Orders' own services (mark_paid, mark_shipped, confirm_delivery, record_refund, open_dispute,
answer_dispute) call :func:`owe` inside their transaction; the customs hold and the day of
delivery are tracking's moments, which orders hears through ``tracking.events.parcel_key_events``
(orders.receivers). :func:`owe` writes a Notification row, unique per (order, moment, ref), in
the caller's transaction, and enqueues its sending after commit: nothing is announced that
could roll back, a repeated event owes nothing more, and a row whose task was lost is sent by
the periodic sweep (:func:`send_pending`). Sending claims the row with a lease first, so two
workers never send the same e-mail.

The buyer reads their e-mails in the language they chose on the storefront (User.language, set
by the country and language picker), else the language of the order's country; a merchant in
the language of its contact person if that is English, else Simplified Chinese.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import smtplib
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_currency
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import connection, transaction
from django.db.models import Q
from django.dispatch import Signal
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from caravana import inserts, markets, selects
from caravana.orders.models import DisputeReason, Notification, Order

logger = logging.getLogger(__name__)

# Buyer moments
ORDER_PAID = "order_paid"
ON_ITS_WAY = "on_its_way"
CUSTOMS_HOLD = "customs_hold"
#: Customs needs something from the buyer by a deadline (caravana.clearance owes it).
CUSTOMS_REQUEST = "customs_request"
OUT_FOR_DELIVERY = "out_for_delivery"
DELIVERED = "delivered"
REFUND_ISSUED = "refund_issued"
DISPUTE_ANSWERED = "dispute_answered"
#: A voucher, code or transfer still unpaid expires soon (caravana.payments.reminders owes it).
PAYMENT_REMINDER = "payment_reminder"
# Merchant moments
MERCHANT_NEW_ORDER = "merchant_new_order"
MERCHANT_DISPUTE = "merchant_dispute"
MERCHANT_REFUND = "merchant_refund"

BUYER_MOMENTS = (
    ORDER_PAID, ON_ITS_WAY, CUSTOMS_HOLD, CUSTOMS_REQUEST, OUT_FOR_DELIVERY, DELIVERED,
    REFUND_ISSUED, DISPUTE_ANSWERED, PAYMENT_REMINDER,
)  # fmt: skip
MERCHANT_MOMENTS = (MERCHANT_NEW_ORDER, MERCHANT_DISPUTE, MERCHANT_REFUND)

#: Tracking's key events that are moments of an order (the others keep tracking's own e-mail).
MOMENT_OF_CODE = {"EME": CUSTOMS_HOLD, "EDG": OUT_FOR_DELIVERY}
#: Key events an order announces through its own transitions (mark_shipped on the flight's
#: departure, confirm_delivery with the last parcel): tracking need not e-mail them as well.
COVERED_BY_ORDER = {"EMC", "EMI"}

MERCHANT_LANGUAGES = ("zh-hans", "en")
#: A claim older than this is taken to be a dead sender's, and the row may be sent again.
LEASE = dt.timedelta(minutes=5)


class SendFailed(Exception):
    """The mail server refused or could not be reached: the row stays owed. `session_lost`:
    the session is gone (no next message can go over it), not only this message refused."""

    def __init__(self, reason: str, session_lost: bool = True) -> None:
        super().__init__(reason)
        self.session_lost = session_lost


#: What a server answers about one message (smtplib then resets the session for the next one):
#: a recipient or sender refused, the data refused.
REFUSED_MESSAGE = (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError)


# --- owing --------------------------------------------------------------------------------------


def owe(order: Order, moment: str, ref: Any = "", **data: Any) -> bool:
    """Record that `order` owes an e-mail for `moment` (and `ref`, for moments that recur) and
    send it after the current transaction commits. Returns False when it was already owed (the
    event repeated). Call inside the transaction that made the moment happen."""
    row = Notification(
        order_id=order.pk, moment=moment, ref=str(ref)[:40],
        data={k: str(v) for k, v in data.items()},
    )  # fmt: skip
    # One INSERT … ON CONFLICT DO NOTHING (get_or_create took four round trips, and a paid
    # order owes two e-mails on every confirmation).
    if not inserts.insert_new(row, ("order", "moment", "ref")):
        return False
    _owed_in_this_transaction(row.pk)
    return True


#: Sent after commit with the e-mails one transaction owed (providing `pks`); OrdersConfig.ready
#: connects the send_notifications task to it, so this module never imports the tasks that
#: import it.
notification_owed = Signal()


class _Owed:
    """The e-mails one transaction owes, announced together after it commits: a paid order owes
    two, and one task sends them over one mail-server session instead of a task and a session
    each."""

    def __init__(self, pk: int) -> None:
        self.pks = [pk]
        self.announced = False

    def announce(self) -> None:
        """The on-commit hook (a method: Django names a failing hook by its __qualname__)."""
        self.announced = True
        notification_owed.send(None, pks=list(self.pks))


#: E-mails one hook announces at most (a task's size).
OWED_PER_TASK = 100
#: How far back among the transaction's latest on-commit hooks an e-mail looks for one to join.
RECENT_HOOKS = 16


def _owed_in_this_transaction(pk: int) -> None:
    """Add `pk` to an e-mail hook among the transaction's latest on-commit hooks, or start one.

    It joins only a hook registered inside the same savepoints (Django keeps each hook's, and
    drops a hook with a savepoint that rolls back, and its e-mails with it, never part of a
    hook outside it) and not yet run; a rolled-back or committed transaction leaves no hooks
    behind. An e-mail owed at each of many sibling savepoints (one per order) gets a hook each,
    as before."""
    conn = transaction.get_connection()
    if conn.in_atomic_block:
        here = set(conn.savepoint_ids)
        for sids, hook, _robust in reversed(conn.run_on_commit[-RECENT_HOOKS:]):
            owed = getattr(hook, "__self__", None)
            if (
                isinstance(owed, _Owed)
                and sids == here
                and not owed.announced
                and len(owed.pks) < OWED_PER_TASK
            ):
                owed.pks.append(pk)
                return
    transaction.on_commit(_Owed(pk).announce, robust=True)


# --- sending ------------------------------------------------------------------------------------


def send(pk: int, mail: Any = None) -> str:
    """Send one owed e-mail, at most once: the row is claimed (a lease) before the message is
    built, marked sent after the server took it, released on failure (raises SendFailed).
    `mail`: an open mail connection to send it over (send_many's), else one of its own."""
    now = timezone.now()
    row = _claim(pk, now)
    if row is None:
        return "taken"
    message, language = build(row)
    if message is None:  # nobody to write to: nothing will ever be sent
        _mark_sent(pk, "", "", "no address")
        return "no address"
    try:
        (mail or get_connection()).send_messages([message])
    except (smtplib.SMTPException, OSError) as exc:
        reason = _reason(exc)
        Notification.objects.filter(pk=pk).update(claimed_at=None, last_error=reason)
        raise SendFailed(reason, not isinstance(exc, REFUSED_MESSAGE)) from exc
    _mark_sent(pk, message.to[0], language, "")
    return "sent"


def send_many(pks: list[int]) -> list[str]:
    """Send owed e-mails in order over one mail-server session (one connection, and with TLS one
    handshake, for the lot rather than one each); what send returned for each, "failed" where
    the server refused it, "error" where it could not be built (logged; its lease runs out for
    the sweep). A server that cannot be reached, or drops the session, leaves the rest owed
    (not tried: "failed") with the reason, for a retry of the same list (those sent are then
    "taken") or the sweep."""
    if not pks:
        return []
    mail = get_connection()
    try:
        mail.open()
    except (smtplib.SMTPException, OSError) as exc:
        _waiting(pks, exc)
        return ["failed"] * len(pks)
    out: list[str] = []
    try:
        for k, pk in enumerate(pks):
            try:
                out.append(send(pk, mail))
            except SendFailed as exc:
                out.append("failed")
                if exc.session_lost:
                    _waiting(pks[k + 1 :], exc)
                    out += ["failed"] * (len(pks) - k - 1)
                    break
            except Exception:  # one e-mail that cannot be built must not hold back the others
                logger.exception("order e-mail %s could not be sent", pk)
                out.append("error")
    finally:
        with contextlib.suppress(smtplib.SMTPException, OSError):
            mail.close()
    return out


def _waiting(pks: list[int], exc: BaseException) -> None:
    """Why owed e-mails not tried wait (a row another sender holds is left alone)."""
    Notification.objects.filter(pk__in=pks, sent_at__isnull=True, claimed_at__isnull=True).update(
        last_error=_reason(exc)
    )


def _reason(exc: BaseException) -> str:
    """What the mail server said, as a row keeps it."""
    return (str(exc) or type(exc).__name__)[:300]


def _mark_sent(pk: int, recipient: str, language: str, error: str) -> None:
    """The row sent (or never to be: no address), by a statement built once."""
    selects.update(
        Notification,
        "{sent_at} = %s, {recipient} = %s, {language} = %s, {last_error} = %s",
        "{id} = %s",
        [_db_time(timezone.now()), recipient, language, error, pk],
    )


def _claim(pk: int, now: dt.datetime) -> Notification | None:
    """Claim the row (a lease) if it is unsent and unclaimed or its lease ran out, and read it
    with its order, and the order's group, buyer and merchant: two statements built once
    (caravana.selects), where the ORM compiled the claim and four joined models anew for
    every e-mail, which cost more than the e-mail's own rendering. None: taken or sent."""
    claimed = selects.update(
        Notification,
        "{claimed_at} = %s, {attempts} = {attempts} + 1",
        "{id} = %s AND {sent_at} IS NULL AND ({claimed_at} IS NULL OR {claimed_at} < %s)",
        [_db_time(now), pk, _db_time(now - LEASE)],
    )
    if not claimed:
        return None
    (row,) = claimed
    (order,) = selects.fetch(Order, "{id} = %s", [row.order_id], related=ORDER_JOINS)
    row.order = order
    return row


def _db_time(value: dt.datetime) -> Any:
    """A time as the database's column takes it (SQLite: Django's naive UTC text)."""
    return connection.ops.adapt_datetimefield_value(value)


#: What build() reads of an order besides the order itself.
ORDER_JOINS = ("group", "buyer", "merchant")


def send_pending(limit: int = 200, older_than: dt.timedelta = dt.timedelta(minutes=2)) -> int:
    """Send what is owed and was not sent: its task was lost (a crash after commit) or the mail
    server was down. Run periodically (Celery beat). Returns how many were sent."""
    now = timezone.now()
    ids = list(
        Notification.objects.filter(
            sent_at__isnull=True,
            created_at__lt=now - older_than,
            attempts__lt=settings.NOTIFICATIONS_MAX_ATTEMPTS,
        )
        .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - LEASE))
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
    done = send_many(ids)
    if "failed" in done:
        logger.warning("%d order e-mails not sent: the mail server refused them or is down",
                       done.count("failed"))  # fmt: skip
    return done.count("sent")


# --- languages and formats ----------------------------------------------------------------------


def buyer_language(order: Order) -> str:
    chosen = (order.buyer.language or "").lower()
    if chosen in markets.BUYER_LANGUAGES:
        return chosen
    return markets.language(order.country)  # the market's when they never chose one


def merchant_contact(merchant: Any) -> tuple[str, str]:
    """(address, language) for a merchant's e-mails: its contact e-mail, in the language its
    contact person (or else any member) chose if that is one the console speaks, else zh-Hans."""
    from caravana.accounts.models import User

    members = list(
        User.objects.filter(merchant_membership__merchant=merchant)
        .order_by("pk")
        .values_list("email", "language")
    )
    members.sort(key=lambda m: m[0].lower() != merchant.contact_email.lower())
    for _email, language in members:
        if (language or "").lower() in MERCHANT_LANGUAGES:
            return merchant.contact_email, language.lower()
    return merchant.contact_email, "zh-hans"


def _locale(country: str, language: str) -> str:
    """CLDR locale to write money and dates: pt_BR, es_MX, zh_Hans_CN, en (or en_XX)."""
    if language.startswith("pt"):
        return "pt_BR"
    if language.startswith("es"):
        return f"es_{country}" if country else "es"
    if language.startswith("zh"):
        return "zh_Hans_CN"
    return "en"


@dataclass
class Formats:
    locale: str
    currency: str

    def money(self, amount: Any) -> str:
        return format_currency(Decimal(str(amount)), self.currency, locale=self.locale)

    def date(self, value: dt.date) -> str:
        return format_date(value, format="long", locale=self.locale)

    def country(self, code: str) -> str:
        return Locale.parse(self.locale).territories.get(code, code)


def url(path: str) -> str:
    return settings.CARAVANA_SITE_URL.rstrip("/") + path


# --- messages -----------------------------------------------------------------------------------


@dataclass
class Content:
    """What one e-mail says; the templates lay it out as text and as HTML."""

    subject: str
    heading: str
    paragraphs: list[str] = field(default_factory=list)
    receipt: dict | None = None
    lines: list[dict] = field(default_factory=list)
    parcels: list[dict] = field(default_factory=list)
    quote: str = ""
    steps: list[str] = field(default_factory=list)
    action: tuple[str, str] | None = None  # (label, absolute URL)


def build(row: Notification) -> tuple[EmailMultiAlternatives | None, str]:
    """The message for an owed row, rendered in its reader's language."""
    order = row.order
    if row.moment in MERCHANT_MOMENTS:
        to, language = merchant_contact(order.merchant)
    else:
        to, language = order.group.email or order.buyer.email, buyer_language(order)
    if not to:
        return None, language
    fmt = Formats(_locale(order.country, language), order.currency)
    with translation.override(language):
        content = WRITERS[row.moment](order, row, fmt, language)
        context = {"c": content, "order": order, "language": language}
        text = render_to_string("orders/email/message.txt", context)
        html = render_to_string("orders/email/message.html", context)
    message = EmailMultiAlternatives(
        content.subject,
        text,
        to=[to],
        headers={"Content-Language": language, "X-Caravana-Moment": row.moment},
    )
    message.attach_alternative(html, "text/html")
    return message, language


def _order_link(order: Order) -> tuple[str, str]:
    return _("See your order"), url(reverse("orders:detail", args=[order.number]))


def _console_link(order: Order) -> tuple[str, str]:
    return _("Open the order in the console"), url(
        reverse("console_orders:detail", args=[order.number])
    )


def _parcels(order: Order, only: str = "") -> list[dict]:
    from caravana.fulfillment.models import Parcel

    qs = Parcel.objects.filter(order_ref=order.number, merchant_id=order.merchant_id)
    if only:
        qs = qs.filter(s10=only)
    return [
        {"s10": s10, "url": url(reverse("tracking:parcel", args=[s10]))}
        for s10 in qs.order_by("pk").values_list("s10", flat=True)[:20]
    ]


def _lines(order: Order, fmt: Formats, language: str) -> list[dict]:
    return [
        {
            "title": line.variant.product.title(language) or line.title,
            "sku": line.sku,
            "quantity": line.quantity,
            "amount": fmt.money(line.amount),
        }
        for line in order.lines.select_related("variant__product")[:200]
    ]


def _receipt(order: Order, fmt: Formats) -> dict:
    """The landed price as the order snapshotted it: goods, shipping, each duty and tax by the
    name its rule gives it, what was paid and what is left to pay on arrival (DDU)."""
    quote = order.quote or {}
    rows = [(_("Products"), fmt.money(order.goods)), (_("Shipping"), fmt.money(order.shipping))]
    arrival = []
    for charge in [*quote.get("duties", []), *quote.get("taxes", [])]:
        target = arrival if charge.get("estimate") else rows
        target.append((charge.get("label") or charge.get("code"), fmt.money(charge["amount"])))
    if not quote.get("duties") and not quote.get("taxes"):
        rows += [(_("Duties"), fmt.money(order.duties)), (_("Taxes"), fmt.money(order.taxes))]
    return {
        "rows": rows,
        "total_label": _("Total paid (%(currency)s)") % {"currency": order.currency},
        "total": fmt.money(order.total),
        "arrival": arrival,
        "due_on_arrival": fmt.money(order.due_on_arrival) if order.due_on_arrival else "",
        "rules": order.rule_set_id,
    }


def _order_paid(order: Order, row: Notification, fmt: Formats, language: str) -> Content:
    n = order.number
    content = Content(
        subject=_("Payment received: order %(number)s") % {"number": n},
        heading=_("Thank you for your order"),
        paragraphs=[
            _(
                "Hello %(name)s, we received your payment for order %(number)s from %(merchant)s. "
                "This is your receipt."
            )
            % {"name": order.group.recipient, "number": n, "merchant": order.merchant.legal_name},
            _("Delivery expected between %(from)s and %(to)s.")
            % {"from": fmt.date(order.promised_from), "to": fmt.date(order.promised_by)},
        ],  # fmt: skip
        lines=_lines(order, fmt, language),
        receipt=_receipt(order, fmt),
        action=_order_link(order),
    )
    if order.due_on_arrival:
        content.paragraphs.append(
            _("To pay on delivery, about %(amount)s: the duties and taxes marked below, which "
              "customs collects on arrival.") % {"amount": fmt.money(order.due_on_arrival)}
        )  # fmt: skip
    return content


def _on_its_way(order: Order, row: Notification, fmt: Formats, language: str) -> Content:
    return Content(
        subject=_("Your order %(number)s is on its way") % {"number": order.number},
        heading=_("Your order is on its way"),
        paragraphs=[
            _(
                "Your parcel has left the merchant in China and is on its way to you. Follow "
                "every step with the tracking link below."
            )  # fmt: skip
        ],
        parcels=_parcels(order),
        action=_order_link(order),
    )


def _customs_hold(order: Order, row: Notification, fmt: Formats, language: str) -> Content:
    group = order.group
    steps = [
        _("Check that the ID number on your order, %(id)s, is yours and correct: customs "
          "identifies the buyer by it.") % {"id": group.buyer_id_number},
        _("If customs or the carrier asks you for a document (an invoice, proof of payment), "
          "answer them from your order page, where you also find your receipt."),
    ]  # fmt: skip
    if order.due_on_arrival:
        steps.append(
            _("Have about %(amount)s ready: the duties and taxes to pay on delivery.")
            % {"amount": fmt.money(order.due_on_arrival)}
        )
    else:
        steps.append(
            _(
                "You have nothing to pay: the duties and taxes were paid with your order. Never "
                "pay anyone who asks for them again."
            )  # fmt: skip
        )
    grace = getattr(settings, "ORDERS_PROTECTION_GRACE_DAYS", 3)
    steps.append(
        _("If it has not arrived by %(date)s, you can have your money back from your order "
          "page.") % {"date": fmt.date(order.promised_by + dt.timedelta(days=grace))}
    )  # fmt: skip
    paragraphs = [
        _("Customs is checking your parcel %(s10)s before releasing it. Most checks end within "
          "a few working days.") % {"s10": row.ref}
    ]  # fmt: skip
    if row.data.get("reason"):
        paragraphs.append(_("Reason given: %(reason)s") % {"reason": row.data["reason"]})
    return Content(
        subject=_("Your order %(number)s is held by customs") % {"number": order.number},
        heading=_("Held by customs"),
        paragraphs=paragraphs,
        steps=steps,
        parcels=_parcels(order, row.ref),
        action=_order_link(order),
    )


#: What each customs request asks, by hold reason (caravana.clearance.outcomes).
_ASKS = {
    "documents": gettext_noop(
        "Send customs the document it asks for (an invoice, a proof of payment)."
    ),
    "valuation": gettext_noop(
        "Tell customs what you paid for the goods, and send the receipt if you have it."
    ),
    "buyer_id": gettext_noop(
        "Give your ID number again, as it is on your document: customs could not match it."
    ),
}


def _customs_request(order: Order, row: Notification, fmt: Formats, language: str) -> Content:
    deadline = dt.datetime.fromisoformat(row.data["deadline"])
    ask = _ASKS.get(row.data.get("reason", ""), _ASKS["documents"])
    paragraphs = [
        _("Customs needs something from you to release your parcel %(s10)s.")
        % {"s10": row.data.get("s10", "")},
        _(ask),
        _("Answer on your order page by %(date)s. After that date the parcel follows the "
          "country's rule for parcels not released: it is sent back or disposed of.")
        % {"date": fmt.date(deadline.date())},
    ]  # fmt: skip
    if row.data.get("message"):
        paragraphs.append(_("Customs' note: %(note)s") % {"note": row.data["message"]})
    # Straight to the request's form on the order page (clearance's panel lists them all).
    anchor = f"#request-{row.ref[1:]}" if row.ref.startswith("r") else ""
    return Content(
        subject=_("Customs needs your answer for order %(number)s") % {"number": order.number},
        heading=_("Customs needs your answer"),
        paragraphs=paragraphs,
        parcels=_parcels(order, row.data.get("s10", "")),
        action=(
            _("Answer on your order page"),
            url(reverse("orders:detail", args=[order.number]) + anchor),
        ),
    )


def _out_for_delivery(order: Order, row: Notification, fmt: Formats, language: str) -> Content:
    group = order.group
    address = ", ".join(p for p in (group.street_address, group.city, group.state) if p)
    return Content(
        subject=_("Your order %(number)s is out for delivery") % {"number": order.number},
        heading=_("Out for delivery today"),
        paragraphs=[
            _(
                "The carrier is bringing your parcel to %(address)s today. Someone should be "
                "there to receive it."
            )
            % {"address": address}  # fmt: skip
        ],
        parcels=_parcels(order, row.ref),
        action=_order_link(order),
    )


def _delivered(order: Order, row: Notification, fmt: Formats, language: str) -> Content:
    days = getattr(settings, "ORDERS_AUTO_CONFIRM_DAYS", 7)
    at = order.delivered_at or timezone.now()
    return Content(
        subject=_("Your order %(number)s was delivered") % {"number": order.number},
        heading=_("Delivered"),
        paragraphs=[
            _(
                "Your parcel was delivered. Did everything arrive well? Confirm it on your order "
                "page. If something is wrong, open a dispute before %(date)s: after that the "
                "merchant is paid."
            )
            % {"date": fmt.date((at + dt.timedelta(days=days)).date())}
        ],  # fmt: skip
        parcels=_parcels(order),
        action=_order_link(order),
    )


def _refund_reason(source: str) -> str:
    reasons = {
        "late_delivery": _("The order was not delivered by the promised date."),
        "lost_parcel": _("The carrier lost the parcel."),
        "dispute": _("The dispute was decided in the buyer's favour."),
    }
    return reasons.get(source, "")


def _refund_issued(order: Order, row: Notification, fmt: Formats, language: str) -> Content:
    amount = fmt.money(row.data.get("amount", "0"))
    paragraphs = [
        _("We refunded %(amount)s for order %(number)s. It goes back the way you paid and can "
          "take a few working days to show.") % {"amount": amount, "number": order.number},
        _("Refunded so far: %(refunded)s of %(total)s.")
        % {"refunded": fmt.money(row.data.get("refunded", order.refunded)),
           "total": fmt.money(order.total)},
    ]  # fmt: skip
    reason = _refund_reason(row.data.get("source", ""))
    if reason:
        paragraphs.insert(1, reason)
    return Content(
        subject=_("Refund of %(amount)s for order %(number)s")
        % {"amount": amount, "number": order.number},
        heading=_("Refund issued"),
        paragraphs=paragraphs,
        action=_order_link(order),
    )


def _dispute_answered(order: Order, row: Notification, fmt: Formats, language: str) -> Content:
    return Content(
        subject=_("The merchant answered your dispute on order %(number)s")
        % {"number": order.number},
        heading=_("Your dispute was answered"),
        paragraphs=[
            _("%(merchant)s answered your dispute:") % {"merchant": order.merchant.legal_name}
        ],
        quote=row.data.get("answer", ""),
        steps=[
            _(
                "Our team now reads both sides and decides; we will write to you with the "
                "decision. You can add to your case from your order page."
            )  # fmt: skip
        ],
        action=_order_link(order),
    )


def _merchant_new_order(order: Order, row: Notification, fmt: Formats, language: str) -> Content:
    return Content(
        subject=_("New paid order %(number)s") % {"number": order.number},
        heading=_("New paid order"),
        paragraphs=[
            _(
                "Order %(number)s was paid: %(country)s, %(service)s service. Pack it, print the "
                "label in the console and hand the parcel to the hub."
            )
            % {
                "number": order.number,
                "country": fmt.country(order.country),
                "service": order.get_service_level_display(),
            },
            _("Goods value: %(amount)s.") % {"amount": fmt.money(order.goods)},
        ],  # fmt: skip
        lines=_lines(order, fmt, language),
        action=_console_link(order),
    )


def _reason_label(code: str) -> str:
    return str(DisputeReason(code).label) if code in DisputeReason.values else code


def _merchant_dispute(order: Order, row: Notification, fmt: Formats, language: str) -> Content:
    return Content(
        subject=_("Dispute opened on order %(number)s") % {"number": order.number},
        heading=_("A buyer opened a dispute"),
        paragraphs=[
            _("The buyer of order %(number)s opened a dispute (%(reason)s):")
            % {"number": order.number, "reason": _reason_label(row.data.get("reason", ""))}
        ],
        quote=row.data.get("message", ""),
        steps=[_("Answer in the console: the operator decides after reading both sides.")],
        action=_console_link(order),
    )


def _merchant_refund(order: Order, row: Notification, fmt: Formats, language: str) -> Content:
    amount = fmt.money(row.data.get("amount", "0"))
    paragraphs = [
        _("%(amount)s of order %(number)s was refunded to the buyer and will not be paid out "
          "to you.") % {"amount": amount, "number": order.number}
    ]  # fmt: skip
    reason = _refund_reason(row.data.get("source", ""))
    if reason:
        paragraphs.append(reason)
    return Content(
        subject=_("Refund on order %(number)s") % {"number": order.number},
        heading=_("Refund issued"),
        paragraphs=paragraphs,
        action=_console_link(order),
    )


def _payment_reminder(order: Order, row: Notification, fmt: Formats, language: str) -> Content:
    """`row.data`: the payment's reference, method label, code to pay with and expiry (ISO)."""
    zone = markets.get(order.country)
    until = dt.datetime.fromisoformat(row.data["expires_at"])
    if zone is not None:
        until = until.astimezone(zone.zone)
    values = {"method": row.data.get("method", ""), "code": row.data.get("code", ""),
              "amount": fmt.money(order.group.total), "until": f"{until:%Y-%m-%d %H:%M}",
              "reference": row.data.get("payment", "")}  # fmt: skip
    return Content(
        subject=_("Your %(method)s payment expires soon") % values,
        heading=_("Pay before %(until)s") % values,
        paragraphs=[
            _(
                "Your payment of %(amount)s by %(method)s (%(reference)s) has not arrived yet. "
                "Pay with %(code)s before %(until)s, or the order is cancelled."
            )
            % values,
        ],  # fmt: skip
        action=(_("See how to pay"), url(reverse("payments:pay", args=[values["reference"]]))),
    )


WRITERS = {
    PAYMENT_REMINDER: _payment_reminder,
    ORDER_PAID: _order_paid,
    ON_ITS_WAY: _on_its_way,
    CUSTOMS_HOLD: _customs_hold,
    CUSTOMS_REQUEST: _customs_request,
    OUT_FOR_DELIVERY: _out_for_delivery,
    DELIVERED: _delivered,
    REFUND_ISSUED: _refund_issued,
    DISPUTE_ANSWERED: _dispute_answered,
    MERCHANT_NEW_ORDER: _merchant_new_order,
    MERCHANT_DISPUTE: _merchant_dispute,
    MERCHANT_REFUND: _merchant_refund,
}


def register(moment: str, writer: Any) -> None:
    """Another app's buyer moment and its writer (order, row, fmt, language) → Content: the
    app owes it with owe() and this module sends it like its own (redelivery's failed
    deliveries). Orders never imports that app."""
    WRITERS[moment] = writer
