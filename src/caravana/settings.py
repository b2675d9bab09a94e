"""Django settings. Everything that differs between a laptop and production comes from the
environment, so the same code runs the demo on SQLite and production on PostgreSQL."""

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

PACKAGE_DIR = Path(__file__).resolve().parent
HOME = Path(os.environ.get("CARAVANA_HOME", Path.cwd()))
VAR_DIR = Path(os.environ.get("CARAVANA_VAR", HOME / "var"))

DEBUG = os.environ.get("DJANGO_DEBUG", "1") == "1"
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "dev-only-insecure-key-change-me-in-production")
ALLOWED_HOSTS = os.environ.get("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "caravana.accounts",
    "caravana.catalog",
    "caravana.pricing",
    "caravana.orders",
    "caravana.payments",
    "caravana.network",
    "caravana.fulfillment",
    "caravana.tracking",
    "caravana.planning",
    "caravana.storefront",
    "caravana.console",
    "caravana.api",
]

MIDDLEWARE = [
    # First: a body over the limit or a NUL character is refused before anything reads it.
    "caravana.guards.RequestGuardMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "caravana.storefront.middleware.BuyerLocaleMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "caravana.urls"
WSGI_APPLICATION = "caravana.wsgi.application"
ASGI_APPLICATION = "caravana.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "caravana.storefront.context.buyer_context",
            ],
        },
    },
]

(VAR_DIR / "static").mkdir(parents=True, exist_ok=True)
_default_db = f"sqlite:///{VAR_DIR / 'caravana.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(os.environ.get("DATABASE_URL", _default_db))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run beside the one writer; IMMEDIATE takes the write lock at BEGIN so two
    # writers queue on busy_timeout instead of failing with "database is locked" mid-transaction.
    # Also: a 64 MB page cache and memory-mapped reads per connection, temporary b-trees in
    # memory. Connections are kept between requests (CONN_MAX_AGE) so these run once per
    # worker rather than once per request.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-65536; "
            "PRAGMA mmap_size=268435456; PRAGMA temp_store=MEMORY;"
        ),
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ.get("DB_CONN_MAX_AGE", "60"))
    # Tests use a file too (not Django's shared-cache in-memory database), so threads with their
    # own connections really contend for the write lock as processes do (concurrency tests).
    DATABASES["default"].setdefault("TEST", {})["NAME"] = os.environ.get(
        "SQLITE_TEST_NAME", str(VAR_DIR / f"test_caravana_{os.getpid()}.sqlite3")
    )
else:
    DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ.get("DB_CONN_MAX_AGE", "60"))
    # Server-side parameter binding with prepared statements (psycopg prepares a query after
    # DB_PREPARE_THRESHOLD executions on a connection): PostgreSQL skips parsing and planning
    # the hot queries. Leave it off behind PgBouncer in transaction mode before 1.21.
    if os.environ.get("DB_SERVER_SIDE_BINDING", "0") == "1":
        DATABASES["default"]["OPTIONS"] = {
            "server_side_binding": True,
            "prepare_threshold": int(os.environ.get("DB_PREPARE_THRESHOLD", "5")),
        }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:home"
LOGOUT_REDIRECT_URL = "storefront:home"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [
    ("es", _("Spanish")),
    ("pt-br", _("Portuguese (Brazil)")),
    ("en", _("English")),
    ("zh-hans", _("Simplified Chinese")),
]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_URL = "media/"
MEDIA_ROOT = VAR_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
if os.environ.get("CACHE_URL", "").startswith("redis://"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["CACHE_URL"],
        }
    }

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Caravana <no-reply@caravana.local>")

# Celery runs tasks in-process unless a broker is named, so the demo needs no broker.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "memory://")
CELERY_TASK_ALWAYS_EAGER = "CELERY_BROKER_URL" not in os.environ
CELERY_TASK_EAGER_PROPAGATES = True

# Request bodies: anything but a file upload over DATA_UPLOAD_MAX_MEMORY_SIZE bytes is refused
# with 413 (a tracking batch of 1,000 events is about 300 kB); a multipart upload over
# REQUEST_MAX_UPLOAD_BYTES likewise (the image limits below then give a form error for a
# single file). Put the same or a lower limit in the reverse proxy (nginx client_max_body_size).
DATA_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("DATA_UPLOAD_MAX_MEMORY_SIZE", 2_621_440))
REQUEST_MAX_UPLOAD_BYTES = int(os.environ.get("REQUEST_MAX_UPLOAD_BYTES", 64 * 1024 * 1024))

# Every API list pages the same way, with the page number bounded (caravana.api.pagination).
NINJA_PAGINATION_CLASS = "caravana.api.pagination.Pagination"

# Images merchants upload: what we accept and how big.
IMAGE_MAX_BYTES = 5 * 1024 * 1024
IMAGE_FORMATS = ("JPEG", "PNG", "WEBP")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# Orders and payments (issue 4). Every value can be overridden from the environment.
ORDERS_PAYMENT_WINDOW_MINUTES = int(os.environ.get("ORDERS_PAYMENT_WINDOW_MINUTES", "60"))
ORDERS_AUTO_CONFIRM_DAYS = int(os.environ.get("ORDERS_AUTO_CONFIRM_DAYS", "7"))
ORDERS_PROTECTION_GRACE_DAYS = int(os.environ.get("ORDERS_PROTECTION_GRACE_DAYS", "3"))
PAYMENTS_COMMISSION_RATE = os.environ.get("PAYMENTS_COMMISSION_RATE", "0.08")
# How long a process quotes with its cached duty rules and rate cards before checking whether
# another process changed them (pricing.quoting); writes in this process are seen at once.
PRICING_BOOKS_CHECK_SECONDS = float(os.environ.get("PRICING_BOOKS_CHECK_SECONDS", "2"))
PAYMENTS_SANDBOX_SECRET = os.environ.get("PAYMENTS_SANDBOX_SECRET", "whsec_sandbox_dev_only")
# "http": the sandbox posts its signed webhooks to our own endpoint; "inline": calls the same
# receiver in-process (tests without a server).
PAYMENTS_SANDBOX_TRANSPORT = os.environ.get("PAYMENTS_SANDBOX_TRANSPORT", "http")
CELERY_BEAT_SCHEDULE = {
    "expire-orders": {"task": "caravana.orders.tasks.expire_orders", "schedule": 300.0},
    "complete-delivered": {"task": "caravana.orders.tasks.complete_delivered", "schedule": 3600.0},
    "catch-up-deliveries": {
        "task": "caravana.orders.tasks.catch_up_deliveries",
        "schedule": 900.0,
    },
    "expire-payments": {"task": "caravana.payments.tasks.expire_payments", "schedule": 300.0},
}
