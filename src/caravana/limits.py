"""Bounds of the integer columns, in one place, so input is refused with a message naming the
field before a database refuses it with an exception (a 500).

PostgreSQL's ``integer`` holds -2^31 … 2^31-1 and ``bigint`` -2^63 … 2^63-1; SQLite stores any
integer in 8 bytes. Django's PositiveIntegerField is ``integer`` on PostgreSQL, AutoField and
BigAutoField ids are ``integer``/``bigint``. Source: PostgreSQL documentation, "Numeric Types"
(https://www.postgresql.org/docs/current/datatype-numeric.html); SQLite, "Datatypes In SQLite"
(https://www.sqlite.org/datatype3.html). Input is held to the narrower of the two databases so
the same request gets the same answer on both.
"""

from __future__ import annotations

#: Largest value of an ``integer`` column (PostgreSQL): counts, stock, grams, centimetres.
INT_MAX = 2**31 - 1
#: Largest id (``bigint``) any row can have.
ID_MAX = 2**63 - 1
#: Last page any paginated list or page serves (far beyond any real listing).
PAGE_MAX = 10_000


def valid_id(value: object) -> bool:
    """Whether ``value`` could be a row id at all (an int within the column's range)."""
    return type(value) is int and 1 <= value <= ID_MAX


def whole(text: str, high: int) -> int | None:
    """``text`` as an int from 0 to ``high``, or None. ASCII digits only: ``"²".isdigit()`` is
    True yet ``int("²")`` raises, and a 5,000-digit string makes int() raise too."""
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(high)):
        return None
    number = int(text)
    return number if number <= high else None


def id_from(text: str) -> int | None:
    """``text`` (a query string's or a form's value) as a row id, or None."""
    number = whole(text, ID_MAX)
    return number if number else None
