"""Shared fixtures. Browser tests drive Debian's Chromium through Playwright; they skip only
where /usr/bin/chromium is absent, and never in CI."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from hypothesis import settings as hypothesis_settings

# Property tests judge correctness, not speed: on a shared 2-core machine a single example can
# take longer than Hypothesis's default 200 ms deadline and fail a correct test. Speed is
# measured by `make bench`.
hypothesis_settings.register_profile("caravana", deadline=None)
hypothesis_settings.load_profile("caravana")

CHROMIUM = Path("/usr/bin/chromium")

# The test suite runs with the sandbox payment provider on (as `make demo` does; it is off by
# default), and the sandbox refuses to be called inside a database transaction. pytest-django
# has loaded the settings before this file, so they are set here rather than from the
# environment; processes the tests start inherit the environment variables.
django_settings.PAYMENTS_SANDBOX_ENABLED = True
django_settings.PAYMENTS_SANDBOX_REQUIRE_AUTOCOMMIT = True
os.environ.setdefault("PAYMENTS_SANDBOX", "1")
os.environ.setdefault("PAYMENTS_SANDBOX_REQUIRE_AUTOCOMMIT", "1")


def _quick_postgresql_flush() -> None:
    """A transactional test (live server, threads) ends with Django's flush, which on PostgreSQL
    is one TRUNCATE of every table: about 1.4 s on this 2-core host for 132 tables, since each
    table and index gets a new file. DELETE empties the same, nearly empty, tables in under 0.1 s.
    session_replication_role = replica (a superuser's setting, as the test server's postgres
    user is) keeps the ledger's immutability triggers and the foreign keys out of it, as TRUNCATE
    does; it is SET LOCAL, so it ends with the flush's transaction. The tables no model owns
    (the search table, which a TRUNCATE of catalog_product empties by its trigger) are emptied
    too; only django_migrations is kept. Sequences are not restarted (a TransactionTestCase does
    not ask for it); when they are, when the user is no superuser, or inside an open transaction
    (where SET LOCAL would outlive the flush), Django's own TRUNCATE runs."""
    from django.db.backends.postgresql.operations import DatabaseOperations

    truncate = DatabaseOperations.sql_flush

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        quick = not reset_sequences and tables and not self.connection.in_atomic_block
        if not quick or not _superuser(self.connection):
            return truncate(
                self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
            )
        every = set(self.connection.introspection.table_names(include_views=False))
        tables = sorted((set(tables) | every) - {"django_migrations"})
        return [
            "SET LOCAL session_replication_role = replica",
            *(f"DELETE FROM {self.quote_name(table)}" for table in tables),
        ]

    def _superuser(connection) -> bool:
        # Asked once a connection, not at every flush.
        if not hasattr(connection, "caravana_superuser"):
            with connection.cursor() as cursor:
                cursor.execute("SELECT current_setting('is_superuser')")
                connection.caravana_superuser = cursor.fetchone()[0] == "on"
        return connection.caravana_superuser

    DatabaseOperations.sql_flush = sql_flush


if django_settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    _quick_postgresql_flush()


def pytest_configure(config):
    from tests import shots

    shots.ON = bool(config.getoption("--screenshots"))


def pytest_addoption(parser):
    parser.addoption(
        "--screenshots",
        action="store_true",
        help="also run the tests marked 'screenshots' (they write docs/screenshots/*.png)",
    )
    parser.addoption(
        "--database-tests-only",
        action="store_true",
        help="only the tests that use the database (CI's second pass, on PostgreSQL: a test "
        "that never touches it gives the same answer on either, and ran in the first pass)",
    )
    parser.addoption(
        "--no-browser",
        action="store_true",
        help="leave out the tests in a real browser (marked 'browser'), but those also marked "
        "'both_databases': CI's second pass, on PostgreSQL, where each of their pages' queries "
        "is run by its Django-client tests (docs/decisions/0047)",
    )


def _uses_database(item) -> bool:
    """A test reaches the database through pytest-django's marker or a fixture that needs it
    (db, transactional_db, live_server, ...: all depend on django_db_setup); pytest-django
    refuses any other access, so a test with neither cannot touch it."""
    return item.get_closest_marker("django_db") is not None or "django_db_setup" in getattr(
        item, "fixturenames", ()
    )


def pytest_collection_modifyitems(config, items):
    """Screenshot runs rewrite files under docs/: only on request (make screenshots). With
    --database-tests-only, the tests that never touch the database are left out; with
    --no-browser, the tests in a real browser."""
    kept = items
    if not config.getoption("--screenshots"):
        kept = [i for i in kept if i.get_closest_marker("screenshots") is None]
    if config.getoption("--database-tests-only"):
        kept = [i for i in kept if _uses_database(i)]
    if config.getoption("--no-browser"):
        kept = [
            i
            for i in kept
            if i.get_closest_marker("browser") is None
            or i.get_closest_marker("both_databases") is not None
        ]
    if len(kept) != len(items):
        config.hook.pytest_deselected(items=[i for i in items if i not in kept])
        items[:] = kept


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """Test users need no real password hashing (PBKDF2 costs most of a second per user)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _roomy_rate_limits(settings):
    """Tests send many requests from one address within a second: every rate limit is far
    above what a test sends. The tests of the limits (tests/accounts/test_limits.py) set
    their own."""
    settings.RATE_LIMITS = {scope: "100000/min" for scope in settings.RATE_LIMITS}


@pytest.fixture(autouse=True)
def _outbound_to_loopback(settings):
    """Tests run their HTTP receivers on 127.0.0.1: outbound requests may reach loopback (and
    only that); tests of the refusal set this back to nothing."""
    settings.OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.0/8", "::1/128"]


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language: Django's LocaleMiddleware activates the
    request's language for the thread and nothing turns it off after the response, so a
    Portuguese page in one test left the next test's messages in Portuguese."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _fresh_fx_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _reference_data(request):
    """Rows that data migrations load (duty rules, rate cards, service levels,
    S10 ranges) are reference data
    every test may rely on. A transactional test (live server, threads) empties every table when
    it ends, so they are put back, before the test, whenever they are missing."""
    uses_db = request.node.get_closest_marker("django_db") is not None or {
        "db",
        "transactional_db",
        "live_server",
    } & set(request.fixturenames)
    if uses_db:
        # Requested here so the database is ready first and torn down after this fixture.
        request.getfixturevalue("_django_db_helper")
        from caravana.pricing.models import RuleSetVersion
        from caravana.pricing.seed import load_defaults

        if not RuleSetVersion.objects.exists():
            load_defaults()
        from caravana.network.models import ServiceLevel
        from caravana.network.seed import ensure_service_levels

        if not ServiceLevel.objects.exists():
            ensure_service_levels()
        from caravana.fulfillment.models import S10Range
        from caravana.fulfillment.services.s10_ranges import ensure_starter_ranges

        if not S10Range.objects.exists():
            ensure_starter_ranges()
    yield


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail("CI must run the browser tests: /usr/bin/chromium is missing")
        pytest.skip(
            "browser tests need Debian's chromium at /usr/bin/chromium (apt-get install chromium)"
        )
    # Playwright's sync API runs an event loop in this thread; Django's ORM calls in the same
    # test are still synchronous, so its async-safety guard does not apply.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="en-US")
    pg = context.new_page()
    pg.set_default_timeout(15_000)
    yield pg
    context.close()


@pytest.fixture
def media_root(settings, tmp_path):
    """Uploads go to a directory of the test's own (the file-system storage follows the
    setting)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT
