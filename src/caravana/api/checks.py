"""Start-up refusals: with DEBUG off, Caravana does not start while a secret has its built-in
value, the sandbox payment provider is on, or any host is allowed. Errors, not warnings, so
runserver, `check` and (through caravana.wsgi / caravana.asgi, see refuse_unsafe_start)
gunicorn or any ASGI server exit instead of serving. With DEBUG on (the demo) they stay quiet.

A setting of ours that holds a secret and ships with a development default must make that
default recognisable: it contains one of BUILT_IN_MARKERS (e.g. "dev-only"), so
built_in_secrets() catches it without a list to keep in step."""

from __future__ import annotations

import io
import re
from typing import Any

from django.conf import settings
from django.core.checks import Error, register

BUILT_IN_MARKERS = ("dev-only", "dev_only", "insecure", "change-me", "change_me", "changeme")
# Names of settings that hold a secret of ours (webhook and signing secrets, keys).
SECRET_NAME = re.compile(r"(^|_)(SECRET|SIGNING_KEY|WEBHOOK_KEY|API_KEY|PRIVATE_KEY)(_|$)")
# Django's own minimum for a strong SECRET_KEY (django.core.checks.security.base, W009).
SECRET_KEY_MIN_LENGTH = 50
SECRET_KEY_MIN_UNIQUE = 5


def _looks_built_in(value: str) -> bool:
    lowered = value.lower()
    return any(marker in lowered for marker in BUILT_IN_MARKERS)


def secret_key_errors() -> list[Error]:
    """caravana.E001: SECRET_KEY is the development key, Django's insecure one or weak."""
    key = str(getattr(settings, "SECRET_KEY", "") or "")
    weak = len(key) < SECRET_KEY_MIN_LENGTH or len(set(key)) < SECRET_KEY_MIN_UNIQUE
    if _looks_built_in(key) or key.startswith("django-insecure-") or weak:
        return [
            Error(
                "SECRET_KEY has its built-in value or is too weak "
                f"(needs {SECRET_KEY_MIN_LENGTH}+ characters, {SECRET_KEY_MIN_UNIQUE}+ distinct).",
                hint="Set DJANGO_SECRET_KEY to a long random value, e.g. the output of "
                "python -c 'import secrets; print(secrets.token_urlsafe(50))'.",
                id="caravana.E001",
            )
        ]
    return []


def sandbox_secret_errors() -> list[Error]:
    """caravana.E002: the sandbox provider's webhook secret is the one written in the source:
    anyone could sign a payment.succeeded event with it."""
    from caravana.payments.providers import SANDBOX_SECRET_DEFAULT

    value = getattr(settings, "PAYMENTS_SANDBOX_SECRET", SANDBOX_SECRET_DEFAULT)
    if value == SANDBOX_SECRET_DEFAULT or _looks_built_in(str(value)):
        return [
            Error(
                "PAYMENTS_SANDBOX_SECRET has its built-in value.",
                hint="Set PAYMENTS_SANDBOX_SECRET to a random value (even with the sandbox off, "
                "no secret published in the source may be loaded).",
                id="caravana.E002",
            )
        ]
    return []


def built_in_secrets() -> list[Error]:
    """caravana.E003: any other secret setting (a name with SECRET, PASSWORD, TOKEN,
    SIGNING_KEY, WEBHOOK_KEY, API_KEY or PRIVATE_KEY in it) whose value is a development
    default."""
    errors = []
    for name in sorted(set(dir(settings))):
        if not name.isupper() or not SECRET_NAME.search(name):
            continue
        if name in ("SECRET_KEY", "PAYMENTS_SANDBOX_SECRET"):
            continue
        value = getattr(settings, name)
        values = value if isinstance(value, list | tuple) else [value]
        if any(isinstance(v, str) and _looks_built_in(v) for v in values):
            errors.append(
                Error(
                    f"{name} has its built-in value.",
                    hint=f"Set {name} from the environment to the secret your provider gave you "
                    "or a long random value.",
                    id="caravana.E003",
                )
            )
    return errors


def sandbox_errors() -> list[Error]:
    """caravana.E004: the sandbox provider confirms payments that nobody made."""
    if getattr(settings, "PAYMENTS_SANDBOX_ENABLED", False):
        return [
            Error(
                "The sandbox payment provider is on: buyers could confirm their own payments.",
                hint="Unset PAYMENTS_SANDBOX in production and configure a real provider.",
                id="caravana.E004",
            )
        ]
    return []


def allowed_hosts_errors() -> list[Error]:
    """caravana.E005: ALLOWED_HOSTS lets any Host header in (links in e-mails and redirects
    are built from it)."""
    if "*" in settings.ALLOWED_HOSTS:
        return [
            Error(
                'ALLOWED_HOSTS contains "*".',
                hint="Set DJANGO_ALLOWED_HOSTS to the site's host names, comma-separated.",
                id="caravana.E005",
            )
        ]
    return []


def mercadopago_errors() -> list[Error]:
    """caravana.E006: Mercado Pago is the provider but its access token or webhook secret is
    empty: no payment could be made, or no notification could be verified (every payment would
    wait for polling)."""
    if str(getattr(settings, "PAYMENTS_PROVIDER", "") or "") != "mercadopago":
        return []
    missing = [
        name
        for name in ("MERCADOPAGO_ACCESS_TOKEN", "MERCADOPAGO_WEBHOOK_SECRET")
        if not str(getattr(settings, name, "") or "").strip()
    ]
    if missing:
        return [
            Error(
                f"PAYMENTS_PROVIDER is mercadopago but {' and '.join(missing)} "
                f"{'is' if len(missing) == 1 else 'are'} empty.",
                hint="Copy the access token and the webhook secret from your application in "
                "Mercado Pago's panel (Your integrations) into the environment.",
                id="caravana.E006",
            )
        ]
    return []


def stripe_errors() -> list[Error]:
    """caravana.E020: Stripe's secret key is set (so it can be chosen for a method) but its
    webhook signing secret is not: no event could be verified."""
    key = str(getattr(settings, "STRIPE_SECRET_KEY", "") or "").strip()
    secret = str(getattr(settings, "STRIPE_WEBHOOK_SECRET", "") or "").strip()
    if key and not secret:
        return [
            Error(
                "STRIPE_SECRET_KEY is set but STRIPE_WEBHOOK_SECRET is empty.",
                hint="Copy the signing secret (whsec_…) of the webhook endpoint "
                "/api/v1/payments/webhooks/stripe from Stripe's dashboard into the environment.",
                id="caravana.E020",
            )
        ]
    return []


@register()
def production_safety(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    """Every refusal above, with DEBUG off; nothing with DEBUG on (the demo)."""
    if settings.DEBUG:
        return []
    return [
        *secret_key_errors(),
        *sandbox_secret_errors(),
        *built_in_secrets(),
        *sandbox_errors(),
        *allowed_hosts_errors(),
        *mercadopago_errors(),
        *stripe_errors(),
    ]


#: The oldest SQLite with RETURNING (3.35.0, 2021-03-12, sqlite.org/lang_returning.html), which
#: the hot paths' single-statement writes use: checkout's inserts and stock reservations, an
#: owed e-mail's insert and its claim.
SQLITE_MIN = (3, 35, 0)


@register()
def sqlite_version(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    """caravana.E007: a SQLite database on a library too old for RETURNING: every order would
    fail at checkout with a syntax error, so nothing starts (DEBUG on or off)."""
    import sqlite3

    uses = any("sqlite" in db.get("ENGINE", "") for db in settings.DATABASES.values())
    if not uses or sqlite3.sqlite_version_info >= SQLITE_MIN:
        return []
    return [
        Error(
            f"SQLite {sqlite3.sqlite_version} is older than "
            f"{'.'.join(map(str, SQLITE_MIN))}, which has the RETURNING clause Caravana's "
            "writes use.",
            hint="Use a Python built with a newer SQLite (python.org's and Debian 12's are), "
            "or PostgreSQL (DATABASE_URL).",
            id="caravana.E007",
        )
    ]


def refuse_unsafe_start() -> None:
    """Run the system checks as `check` does and raise SystemCheckError on any error, when
    DEBUG is off. WSGI and ASGI servers (gunicorn, uvicorn) do not run Django's checks by
    themselves; caravana.wsgi and caravana.asgi call this so they refuse to serve too."""
    if settings.DEBUG:
        return
    from django.core.management import call_command

    call_command("check", stdout=io.StringIO())
