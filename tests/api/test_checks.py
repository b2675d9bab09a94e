"""Start-up refusals (caravana.api.checks): with DEBUG off, a built-in secret, the sandbox or
ALLOWED_HOSTS "*" stop `check`, runserver and the WSGI/ASGI entry points; the documented
production environment passes `check --deploy` with no warning at all."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from caravana.api import checks
from caravana.payments.providers import SANDBOX_SECRET_DEFAULT

ROOT = Path(__file__).resolve().parents[2]
OPERATIONS = ROOT / "docs" / "operations.md"
STRONG_KEY = "k" + secrets.token_urlsafe(60)


@pytest.fixture
def production(settings):
    """A safe production configuration; each test breaks one thing."""
    settings.DEBUG = False
    settings.SECRET_KEY = STRONG_KEY
    settings.PAYMENTS_SANDBOX_SECRET = "whsec_" + secrets.token_hex(24)
    settings.PAYMENTS_SANDBOX_ENABLED = False
    settings.ALLOWED_HOSTS = ["shop.example.com"]
    return settings


def ids(settings=None) -> list[str]:
    return [m.id for m in checks.production_safety()]


def test_a_safe_production_configuration_passes(production):
    assert ids() == []
    call_command("check")  # no SystemCheckError


def test_the_builtin_secret_key_is_refused(production):
    production.SECRET_KEY = "dev-only-insecure-key-change-me-in-production"
    assert ids() == ["caravana.E001"]


@pytest.mark.parametrize("key", ["short-but-random-Zq81", "a" * 80, "django-insecure-" + "x1" * 30])
def test_a_short_or_weak_secret_key_is_refused(production, key):
    production.SECRET_KEY = key
    assert ids() == ["caravana.E001"]


def test_the_builtin_sandbox_secret_is_refused(production):
    production.PAYMENTS_SANDBOX_SECRET = SANDBOX_SECRET_DEFAULT
    assert ids() == ["caravana.E002"]


@pytest.mark.parametrize(
    "name", ["CARRIER_WEBHOOK_SECRET", "PAYMENTS_PROVIDER_SIGNING_KEY", "SECRET_KEY_FALLBACKS"]
)
def test_any_other_secret_setting_with_a_builtin_value_is_refused(production, name):
    value = "whsec_dev_only_carrier"
    setattr(production, name, [value] if name.endswith("FALLBACKS") else value)
    errors = checks.production_safety()
    assert [e.id for e in errors] == ["caravana.E003"], [e.msg for e in errors]
    assert name in errors[0].msg


def test_the_sandbox_provider_is_refused(production):
    production.PAYMENTS_SANDBOX_ENABLED = True
    assert ids() == ["caravana.E004"]


def test_any_host_is_refused(production):
    production.ALLOWED_HOSTS = ["shop.example.com", "*"]
    assert ids() == ["caravana.E005"]


def test_check_fails_on_them(production):
    production.ALLOWED_HOSTS = ["*"]
    with pytest.raises(SystemCheckError, match=r"caravana\.E005"):
        call_command("check")


def test_with_debug_on_the_demo_starts(production):
    production.DEBUG = True
    production.SECRET_KEY = "dev-only-insecure-key-change-me-in-production"
    production.PAYMENTS_SANDBOX_SECRET = SANDBOX_SECRET_DEFAULT
    production.PAYMENTS_SANDBOX_ENABLED = True
    production.ALLOWED_HOSTS = ["*"]
    assert ids() == []


# In a separate process, with a real environment: what an operator's server does.


def _env(tmp_path: Path, **values: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "PAYMENTS_", "CARAVANA_", "AXES_", "RATE_LIMIT_"))
        and k not in ("DATABASE_URL", "CACHE_URL", "CELERY_BROKER_URL")
    }
    env.update(PYTHONPATH=str(ROOT / "src"), CARAVANA_VAR=str(tmp_path), **values)
    return env


def _run(args: list[str], env: dict[str, str], timeout: int = 60):
    return subprocess.run(
        [sys.executable, *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout
    )


def production_env() -> dict[str, str]:
    """The production environment docs/operations.md documents (Going live), with the secrets
    an operator generates."""
    return {
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "shop.example.com",
        "DJANGO_CSRF_TRUSTED_ORIGINS": "https://shop.example.com",
        "DJANGO_SECURE_PROXY_SSL_HEADER": "HTTP_X_FORWARDED_PROTO,https",
        "CARAVANA_TRUSTED_PROXIES": "1",
        "PAYMENTS_SANDBOX_SECRET": "whsec_" + secrets.token_hex(24),
        "DATABASE_URL": "postgres://caravana:password@127.0.0.1:5432/caravana",
        "CACHE_URL": "redis://127.0.0.1:6379/1",
        "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
    }


def test_every_documented_production_variable_is_in_the_configuration_table():
    text = OPERATIONS.read_text()
    table = text.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    going_live = text.split("## Going live", 1)[1]
    for name in production_env():
        assert f"`{name}`" in table, name
        assert f"{name}=" in going_live, name


def test_check_deploy_with_the_documented_production_environment_is_clean(tmp_path):
    result = _run(["-m", "caravana", "check", "--deploy"], _env(tmp_path, **production_env()))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "System check identified no issues (0 silenced)."
    assert result.stderr == ""


def test_check_refuses_the_builtin_values_with_debug_off(tmp_path):
    result = _run(["-m", "caravana", "check"], _env(tmp_path, DJANGO_DEBUG="0"))
    assert result.returncode != 0
    assert {"caravana.E001", "caravana.E002"} <= set(re.findall(r"caravana\.E\d+", result.stderr))


@pytest.mark.parametrize("module", ["caravana.wsgi", "caravana.asgi"])
def test_the_wsgi_and_asgi_entry_points_refuse_to_start(tmp_path, module):
    unsafe = _run(["-c", f"import {module}"], _env(tmp_path, DJANGO_DEBUG="0"))
    assert unsafe.returncode != 0 and "SystemCheckError" in unsafe.stderr
    assert "caravana.E001" in unsafe.stderr
    safe = _run(["-c", f"import {module}"], _env(tmp_path, **production_env()))
    assert safe.returncode == 0, safe.stderr


def test_runserver_refuses_to_start(tmp_path):
    env = _env(tmp_path, **{**production_env(), "DJANGO_ALLOWED_HOSTS": "*"})
    env.pop("DATABASE_URL")
    result = _run(["-m", "caravana", "runserver", "--noreload", "127.0.0.1:0"], env)
    assert result.returncode != 0
    assert "caravana.E005" in result.stderr


@pytest.mark.parametrize(
    "empty", [("MERCADOPAGO_ACCESS_TOKEN",), ("MERCADOPAGO_WEBHOOK_SECRET",), ("both",)]
)
def test_mercadopago_without_its_token_or_secret_is_refused(production, empty):
    production.PAYMENTS_PROVIDER = "mercadopago"
    production.MERCADOPAGO_ACCESS_TOKEN = "APP_USR-" + secrets.token_hex(16)
    production.MERCADOPAGO_WEBHOOK_SECRET = secrets.token_hex(32)
    assert ids() == []
    for name in ("MERCADOPAGO_ACCESS_TOKEN", "MERCADOPAGO_WEBHOOK_SECRET"):
        if empty == ("both",) or name in empty:
            setattr(production, name, "")
    assert ids() == ["caravana.E006"]
    production.PAYMENTS_PROVIDER = ""  # another provider: Mercado Pago's settings do not matter
    assert ids() == []


def test_a_sqlite_without_returning_stops_everything(monkeypatch):
    """SQLite before 3.35 has no RETURNING: an error (whatever DEBUG says); PostgreSQL alone or
    a newer SQLite: nothing. The databases are given to the check, not swapped under Django."""
    import sqlite3
    from types import SimpleNamespace

    def with_engine(engine: str) -> None:
        monkeypatch.setattr(
            checks, "settings", SimpleNamespace(DATABASES={"default": {"ENGINE": engine}})
        )

    monkeypatch.setattr(sqlite3, "sqlite_version_info", (3, 31, 1))
    monkeypatch.setattr(sqlite3, "sqlite_version", "3.31.1")
    with_engine("django.db.backends.sqlite3")
    [error] = checks.sqlite_version()
    assert error.id == "caravana.E007" and "3.31.1" in error.msg
    with_engine("django.db.backends.postgresql")
    assert checks.sqlite_version() == []
    monkeypatch.setattr(sqlite3, "sqlite_version_info", (3, 40, 1))
    with_engine("django.db.backends.sqlite3")
    assert checks.sqlite_version() == []
