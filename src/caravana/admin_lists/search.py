"""Search by code: a term shaped like an S10, an order number or a reference is looked up
exactly through its unique index, not with ``icontains`` over the list and its joins (9.1 s
for an S10 over ten million tracking events)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.admin.utils import get_fields_from_path
from django.db import connections
from django.db.models import QuerySet, Value
from django.db.models.functions import Upper

#: How many related rows an exact code may name (a SKU is unique per merchant, not overall).
MATCHES = 100


def shaped(pattern: str) -> Callable[[str], str | None]:
    """A term normaliser: the term without spaces and dashes' surroundings, upper-cased, when
    it matches `pattern` whole; None otherwise."""
    compiled = re.compile(pattern)

    def looks_like(term: str) -> str | None:
        normal = re.sub(r"\s+", "", term).upper()
        return normal if compiled.fullmatch(normal) else None

    return looks_like


#: UPU S10: two letters, eight digits and a check digit, the issuing country.
S10 = shaped(r"[A-Z]{2}\d{9}[A-Z]{2}")
#: An order: the group's reference (ten characters no one misreads) and its position.
ORDER_NUMBER = shaped(r"[A-HJ-NP-Z2-9]{10}-\d{1,3}")
#: An order group's reference, when it carries a digit (ten letters may be a word).
GROUP_REFERENCE = shaped(r"(?=.*\d)[A-HJ-NP-Z2-9]{10}")
#: A payment, refund or payout reference: PAY/RFD/PO and twelve characters.
PAYMENT_REFERENCE = shaped(r"(?:PAY|RFD|PO)[A-HJ-NP-Z2-9]{12}")
#: A UUID (a webhook delivery's id, sent as webhook-id).
UUID = shaped(r"[0-9A-F]{8}-?[0-9A-F]{4}-?[0-9A-F]{4}-?[0-9A-F]{4}-?[0-9A-F]{12}")
#: A bag's identifier (codes.bag: CVB, the hub's location, a serial).
BAG = shaped(r"CVB[A-Z0-9]{12}")


def sku(term: str) -> str | None:
    """Merchants' SKUs are free text: any single word with a digit and a letter or a dash,
    kept as typed (SKUs are case-sensitive)."""
    term = term.strip()
    if " " in term or not (4 <= len(term) <= 64) or not re.search(r"\d", term):
        return None
    return term if re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._/-]*", term) else None


@dataclass(frozen=True)
class Code:
    """A term shape and the exact lookup that answers it: a field of the listed model
    (``s10``) or of a related one (``parcel__s10``, looked up first, then the list filtered on
    the found ids so it is read through its own index, never joined)."""

    looks_like: Callable[[str], str | None]
    lookup: str

    def filter(self, queryset: QuerySet, value: str) -> QuerySet:
        path, _sep, field = self.lookup.rpartition("__")
        if not path:
            return queryset.filter(**{field: value})
        related = get_fields_from_path(queryset.model, path)[-1].related_model
        ids = list(
            related._default_manager.filter(**{field: value})
            .order_by()
            .values_list("pk", flat=True)[:MATCHES]
        )
        return queryset.filter(**{f"{path}__in": ids})


def code_search(codes: tuple[Code, ...], queryset: QuerySet, term: str) -> QuerySet | None:
    """`queryset` narrowed to the first code `term` looks like, or None when it looks like
    none of them (the admin's own search then runs)."""
    for code in codes:
        value = code.looks_like(term)
        if value is not None:
            return code.filter(queryset, value)
    return None


#: A row id typed as digits.
NUMBER = shaped(r"\d{1,18}")


def word(term: str) -> str | None:
    """Any one word (what a prefix search takes), as typed."""
    term = term.strip()
    return term if term and " " not in term and len(term) <= 64 else None


class Prefix(Code):
    """Rows whose `lookup` (an upper-case code column) starts with the term, read through an
    index: on PostgreSQL ``LIKE 'TERM%'`` (Django gives every indexed text column a
    varchar_pattern_ops index for it), elsewhere the range ``>= TERM`` and ``< TERM + U+FFFF``
    (SQLite's LIKE ignores case and so no index serves it). Never ``istartswith``, which
    upper-cases the column and reads every row."""

    def filter(self, queryset: QuerySet, value: str) -> QuerySet:
        value = value.upper()
        if connections[queryset.db].vendor == "postgresql":
            return queryset.filter(**{f"{self.lookup}__startswith": value})
        return queryset.filter(
            **{f"{self.lookup}__gte": value, f"{self.lookup}__lt": value + "\uffff"}
        )


def prefix(lookup: str) -> Code:
    """A search code taking any one word as the start of `lookup`."""
    return Prefix(word, lookup)


#: A search by the start of a name lists at most this many rows, the first in the name's order.
NAME_MATCHES = 500
#: A search by a related row's name (a merchant's legal name): at most this many related rows,
#: and the newest `NEWEST_EACH` listed rows of each.
RELATED_MATCHES = 10
NEWEST_EACH = 200


def words(term: str) -> str | None:
    """A name as typed, two to 64 characters with at least one letter, its spaces collapsed
    (a term shaped like a code is tried as that code first)."""
    term = " ".join(term.split())
    if not (2 <= len(term) <= 64) or not any(c.isalpha() for c in term):
        return None
    return term


#: The last code point: every name that starts with the term sorts below term + _LAST in code
#: point order (U+FFFF would leave out a name going on with a character beyond the BMP, as
#: CJK Extension B names do).
_LAST = "\U0010ffff"


def name_prefix_ids(queryset: QuerySet, field: str, name: str, limit: int = NAME_MATCHES) -> list:
    """Ids of the rows of `queryset` whose `field` starts with `name`, any case, at most
    `limit` of them, in the name's order: a range over UPPER(field), read in order through an
    index on that expression (the database upper-cases the term too, so both sides agree)."""
    return list(
        queryset.order_by()
        .annotate(_upper=Upper(field))
        .filter(_upper__gte=Upper(Value(name)), _upper__lt=Upper(Value(name + _LAST)))
        .order_by("_upper")
        .values_list("pk", flat=True)[:limit]
    )


def newest_of_each(
    queryset: QuerySet, field: str, related_ids: list, ordering: list[str], each: int = NEWEST_EACH
) -> list:
    """Ids of the first `each` rows of `queryset` (in `ordering`, which an index on
    (`field`, ordering…) serves) for each of `related_ids`, in one query: a UNION ALL of one
    bounded index walk per related row, instead of a sort of all their rows."""
    parts = []
    params: list = []
    for related_id in related_ids:
        part = queryset.filter(**{field: related_id}).order_by(*ordering).values_list("pk")[:each]
        sql, part_params = part.query.sql_with_params()
        parts.append(f"SELECT * FROM ({sql}) AS part{len(parts)}")
        params.extend(part_params)
    if not parts:
        return []
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        return [row[0] for row in cursor.fetchall()]
