"""Idempotency-Key handling shared by placing an order, creating a payment and refunding.

The key row is inserted in the same transaction as the work, under a unique constraint: two
concurrent requests with one key cannot both do the work (the second waits on the first's row
and then reads its result). The same key with a different request body is refused."""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils.translation import gettext as _

from caravana import inserts, statements
from caravana.errors import field_error
from caravana.orders.error_codes import OrdersErrorCode
from caravana.orders.models import IdempotencyKey

MAX_KEY = 100


class IdempotencyConflict(ValidationError):
    """The key was used before with a different request."""


def fingerprint(data: Any) -> str:
    body = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(body.encode()).hexdigest()


@functools.cache
def _lookup_sql(vendor: str) -> str:
    """The key's lookup, built once: it runs before every checkout (the unique index on scope,
    owner and key serves it)."""
    qn = connection.ops.quote_name
    return (
        f"SELECT {qn('fingerprint')}, {qn('result')} FROM {qn(IdempotencyKey._meta.db_table)} "
        f"WHERE {qn('scope')} = %s AND {qn('owner')} = %s AND {qn('key')} = %s"
    )


def _stored(scope: str, owner: str, key: str, fp: str) -> dict | None:
    with statements.cursor() as cursor:
        cursor.execute(_lookup_sql(connection.vendor), [scope, owner, key])
        row = cursor.fetchone()
    if row is None:
        return None
    stored_fp, raw = row
    if stored_fp != fp:
        raise IdempotencyConflict(
            {
                "idempotency_key": ValidationError(
                    _("This key was used with a different request."),
                    code=OrdersErrorCode.IDEMPOTENCY_KEY_REUSED.value,
                )
            }
        )
    field = IdempotencyKey._meta.get_field("result")
    return field.from_db_value(raw, None, connection)  # type: ignore[arg-type]  # no expression: a raw column


def run(
    scope: str,
    owner: str,
    key: str | None,
    data: Any,
    work: Callable[..., dict],
    *,
    prepare: Callable[[], Any] | None = None,
    result: dict | None = None,
) -> tuple[dict, bool]:
    """(result, replayed). `work` runs inside a transaction and returns a JSON-able result that
    identifies what it created; a retry with the same key gets that result back.

    `prepare`, if given, runs first, outside the transaction (validation and reads), after a
    stored result was looked for, so a replay never runs it; `work` is called with its value.
    `result`, if the caller knows it beforehand (references it drew), is stored with the key in
    the same INSERT; `work` must then return it (otherwise the row is updated)."""
    if not key:
        prepared = prepare() if prepare is not None else None
        with transaction.atomic():
            return (work(prepared) if prepare is not None else work()), False
    if len(key) > MAX_KEY:
        raise field_error(
            "idempotency_key",
            _("At most 100 characters."),
            OrdersErrorCode.IDEMPOTENCY_KEY_TOO_LONG,
        )
    fp = fingerprint(data)
    found = _stored(scope, owner, key, fp)
    if found is not None:
        return found, True
    prepared = prepare() if prepare is not None else None
    try:
        with transaction.atomic():
            row = IdempotencyKey(scope=scope, owner=owner, key=key, fingerprint=fp, result=result)
            inserts.insert([row])
            out = work(prepared) if prepare is not None else work()
            if out != result:
                row.result = out
                row.save(update_fields=["result"])
            return out, False
    except IntegrityError:
        found = _stored(scope, owner, key, fp)
        if found is None:
            raise
        return found, True
