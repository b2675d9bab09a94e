"""Reference data every seed needs: the category tree, a few days of illustrative FX rates, and
the demo logins. Each is get-or-create, so running a seed again keeps what is there."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone

from caravana.accounts.models import Role
from caravana.catalog import services
from caravana.catalog.models import Category, Merchant, MerchantMember
from caravana.catalog.seeding import vocab
from caravana.catalog.seeding.progress import Report
from caravana.pricing import fx
from caravana.pricing.models import FxRate

DEMO_PASSWORD = "caravana-demo"
DEMO_USERS = (
    ("operator", Role.OPERATOR),
    ("merchant", Role.MERCHANT),
    ("hub", Role.HUB),
    ("planner", Role.PLANNER),
    ("buyer", Role.BUYER),
)
FX_DAYS = 5


def ensure_categories() -> dict[str, int]:
    ids: dict[str, int] = {}
    for pos, top in enumerate(vocab.TOPS):
        ids[top.slug] = _category(top.slug, top.names, None, pos).pk
    for pos, leaf in enumerate(vocab.LEAVES):
        ids[leaf.slug] = _category(leaf.slug, leaf.names, ids[leaf.parent], pos).pk
    return ids


def _category(slug: str, names: Sequence[str], parent_id: int | None, pos: int) -> Category:
    defaults = {f"name_{sfx}": names[i] for i, sfx in enumerate(vocab.LANGS)}
    cat, _created = Category.objects.get_or_create(
        slug=slug, defaults={**defaults, "parent_id": parent_id, "position": pos}
    )
    return cat


def ensure_fx(seed: int, report: Report, days: int = FX_DAYS) -> None:
    """Today's and the previous `days - 1` days' rates (the network twin's history asks for
    its month); a rate already there for a day is kept."""
    today = timezone.now().date()
    rng = random.Random(f"fx:{seed}")
    base_rates = vocab.fx_seed_rates()
    have = set(
        FxRate.objects.filter(date__gt=today - dt.timedelta(days=days)).values_list(
            "base", "quote", "date"
        )
    )
    rows = []
    for back in range(days):
        day = today - dt.timedelta(days=back)
        for (base, quote), value in base_rates.items():
            if (base, quote, day) in have:
                continue
            # a day-to-day wobble of up to 0.6 % a day, no further than 3 % from the seed rate
            drift = 1 + rng.uniform(-0.006, 0.006) * min(back, 5)
            rate = Decimal(str(value * drift)).quantize(Decimal("0.0000001"))
            rows.append(FxRate(base=base, quote=quote, date=day, rate=rate, source=vocab.FX_SOURCE))
    FxRate.objects.bulk_create(rows, ignore_conflicts=True)
    fx.invalidate()
    if rows:
        report.line(f"FX: {len(rows)} illustrative rates for the last {days} days.")


def ensure_users(first_merchant: Merchant | None, report: Report) -> None:
    User = get_user_model()
    for username, role in DEMO_USERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(username=username, email=f"{username}@caravana.example.com", role=role)
            user.set_password(DEMO_PASSWORD)
            if role == Role.OPERATOR:
                user.is_staff = user.is_superuser = True
            user.save()
        if (
            role == Role.MERCHANT
            and first_merchant is not None
            and not MerchantMember.objects.filter(user=user).exists()
        ):
            services.add_member(first_merchant, user)
    report.line(f"Demo logins (password for all: {DEMO_PASSWORD}):")
    what = {
        "operator": "operator, superuser: /admin/",
        "merchant": f"merchant staff of {first_merchant or 'the first merchant'}",
        "hub": "hub staff",
        "planner": "network planner",
        "buyer": "buyer",
    }
    for username, _role in DEMO_USERS:
        report.line(f"  {username:<9} {what[username]}")
