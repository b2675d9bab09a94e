"""caravana.statements leans on psycopg's private psycopg._queries: without it (a psycopg whose
internals moved), hot statements still run, with psycopg's own query class."""

import sys

import pytest
from django.db import connection

from caravana import statements


@pytest.fixture
def without_private_api(monkeypatch):
    monkeypatch.setitem(sys.modules, "psycopg._queries", None)  # import fails
    statements._query_class.cache_clear()
    statements._cursor_class.cache_clear()
    connection.__dict__.pop("_caravana_hot", None)
    yield
    statements._query_class.cache_clear()
    statements._cursor_class.cache_clear()
    connection.__dict__.pop("_caravana_hot", None)


def test_without_psycopgs_private_api_the_query_class_is_psycopgs_own(without_private_api):
    assert statements._query_class() is None


@pytest.mark.django_db
def test_without_psycopgs_private_api_hot_statements_still_run(without_private_api):
    with statements.cursor() as cursor:
        cursor.execute("SELECT %s + %s", [2, 3])
        assert cursor.fetchone()[0] == 5
        cursor.execute("SELECT %s || %s", ["a", "b"])
        assert cursor.fetchone()[0] == "ab"
