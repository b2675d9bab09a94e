"""Django settings. Everything that differs between a laptop and production comes from the
environment, so the same code runs the demo on SQLite and production on PostgreSQL."""

import datetime as dt
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

PACKAGE_DIR = Path(__file__).resolve().parent
HOME = Path(os.environ.get("CARAVANA_HOME", Path.cwd()))
VAR_DIR = Path(os.environ.get("CARAVANA_VAR", HOME / "var"))


def env_bool(name: str, default: bool) -> bool:
    """1/true/yes/on or 0/false/no/off; unset or empty keeps the default."""
    value = os.environ.get(name, "").strip().lower()
    return default if not value else value in ("1", "true", "yes", "on")


def env_list(name: str, default: str = "") -> list[str]:
    """A comma-separated list, blanks dropped."""
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", True)

# Deployment and HTTP security (issue 11): production-safe when DEBUG is off, demo-friendly when
# on. Each is documented in docs/operations.md (Configuration); caravana.api.checks refuses to
# start with DEBUG off while a secret has its built-in value, the sandbox is on or hosts are "*".
# Signs sessions, CSRF tokens and reset links: 50+ random characters in production.
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "dev-only-insecure-key-change-me-in-production")
# The Host headers we answer; never "*" in production (Host-header poisoning of e-mailed links).
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
# Origins allowed to POST forms, e.g. https://shop.example.com (scheme included) behind a proxy.
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")
# Cookies only over HTTPS, so a session cannot leak on a plain-HTTP request.
SESSION_COOKIE_SECURE = env_bool("DJANGO_SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("DJANGO_CSRF_COOKIE_SECURE", not DEBUG)
# Plain HTTP is redirected to HTTPS (off behind a proxy that already redirects, or on a test rig).
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", not DEBUG)
# "HTTP_X_FORWARDED_PROTO,https": the TLS proxy's header that marks a request as HTTPS. Set it
# only behind a proxy that overwrites that header, or a client could claim HTTPS.
_proxy_ssl = env_list("DJANGO_SECURE_PROXY_SSL_HEADER")
SECURE_PROXY_SSL_HEADER = (_proxy_ssl[0], _proxy_ssl[1]) if len(_proxy_ssl) == 2 else None
# HSTS: browsers use HTTPS only for this long (one year by default in production).
SECURE_HSTS_SECONDS = int(
    os.environ.get("DJANGO_SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000")
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", not DEBUG)
# X-Content-Type-Options: nosniff, so an upload is never sniffed into HTML or script.
SECURE_CONTENT_TYPE_NOSNIFF = True
# No page of ours is framed (clickjacking); CSP frame-ancestors says the same to newer browsers.
X_FRAME_OPTIONS = "DENY"
# Full URLs (order and payment references) never leave the site in the Referer header.
SECURE_REFERRER_POLICY = os.environ.get("DJANGO_SECURE_REFERRER_POLICY", "same-origin")
# Pages opened from ours cannot script back into our window.
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Reverse proxies in front of the app that append to X-Forwarded-For (1 behind nginx): the
# client address that lockouts and rate limits count. 0 trusts no header (REMOTE_ADDR).
CARAVANA_TRUSTED_PROXIES = int(os.environ.get("CARAVANA_TRUSTED_PROXIES", "0"))
NINJA_NUM_PROXIES = CARAVANA_TRUSTED_PROXIES
# Check ids to acknowledge, e.g. caravana.E004 on a load-test rig that drives the sandbox.
SILENCED_SYSTEM_CHECKS = env_list("DJANGO_SILENCED_SYSTEM_CHECKS")

INSTALLED_APPS = [
    "caravana.admin_lists.apps.CaravanaAdminConfig",  # django.contrib.admin, our site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    # Installed so /api/v1/docs serves Swagger UI from our static files, not a CDN (the CSP).
    "ninja",
    "axes",
    "csp",
    "caravana.accounts",
    "caravana.catalog",
    "caravana.pricing",
    "caravana.orders",
    "caravana.payments",
    "caravana.duties",
    "caravana.network",
    "caravana.fulfillment",
    "caravana.tracking",
    "caravana.carrier_events",
    "caravana.planning",
    "caravana.twin",  # the network twin's `simulate` command (the rest is pure)
    "caravana.customs",
    "caravana.waybills",
    "caravana.jobs",
    "caravana.clearance",
    "caravana.handover",
    "caravana.returns",
    "caravana.redelivery",
    "caravana.reviews",
    "caravana.shelves",
    "caravana.promotions",
    "caravana.storefront",
    "caravana.console",
    "caravana.api",
    "caravana.observability",
    "caravana.admin_lists",  # its stylesheet (static/admin_lists/)
]

MIDDLEWARE = [
    # Before all: every answer, a refusal included, carries X-Request-ID, and every log line.
    "caravana.observability.request_id.RequestIdMiddleware",
    # Then: a body over the limit or a NUL character is refused before anything reads it.
    "caravana.guards.RequestGuardMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "caravana.content_policy.CachedCSPMiddleware",
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
    # Last, as django-axes asks: it turns a lockout raised during login into its response.
    "axes.middleware.AxesMiddleware",
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
#: "pgbouncer": PostgreSQL is reached through a pooler in transaction mode (below).
DB_POOLER = os.environ.get("DB_POOLER", "")
if DB_POOLER not in ("", "pgbouncer"):
    raise ImproperlyConfigured(f"DB_POOLER is '' or 'pgbouncer', not {DB_POOLER!r}.")
_pooled = DB_POOLER == "pgbouncer"
if _pooled and DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    raise ImproperlyConfigured("DB_POOLER is for PostgreSQL; DATABASE_URL is SQLite's.")
# Checkout's fixed statements (caravana.statements) are bound on the server and prepared once
# per connection on PostgreSQL; 0 keeps them unprepared, for PgBouncer in transaction mode
# before 1.21, which cannot carry prepared statements from one transaction to the next (the
# default with DB_POOLER=pgbouncer).
DB_PREPARED_STATEMENTS = os.environ.get("DB_PREPARED_STATEMENTS", "0" if _pooled else "1") == "1"
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
    # DB_POOLER=pgbouncer: the connections go through a pooler in transaction mode, which hands
    # each transaction whichever server connection is free. So nothing may outlive a
    # transaction on a connection: no prepared statements (PgBouncer before 1.21 cannot carry
    # them), no server-side cursors outside a transaction (QuerySet.iterator), and no startup
    # `options` (PgBouncer before 1.20 refuses the parameter, later ones the settings it does
    # not track): the JIT is then turned off on the server (docs/operations.md, "PgBouncer").
    if _pooled:
        DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
    # Server-side parameter binding with prepared statements (psycopg prepares a query after
    # DB_PREPARE_THRESHOLD executions on a connection): PostgreSQL skips parsing and planning
    # the hot queries. Leave it off behind PgBouncer in transaction mode before 1.21.
    if os.environ.get("DB_SERVER_SIDE_BINDING", "0") == "1":
        DATABASES["default"]["OPTIONS"] = {
            "server_side_binding": True,
            "prepare_threshold": int(os.environ.get("DB_PREPARE_THRESHOLD", "5")),
        }
    elif DB_PREPARED_STATEMENTS:
        # Django's default client-side cursors never prepare; this lets the server-side ones of
        # caravana.statements do it (psycopg prepares nothing while the threshold is None).
        DATABASES["default"]["OPTIONS"] = {
            "prepare_threshold": int(os.environ.get("DB_PREPARE_THRESHOLD", "5"))
        }
    # PostgreSQL's JIT compiles any plan estimated above jit_above_cost, and a batch statement
    # over a thousand parcels crosses it: 130 ms of compiling for a 10 ms read, on every
    # connection's first executions (docs/decisions/0038). DB_JIT=1 leaves the server's setting
    # (the default behind a pooler, which does not pass the startup parameter on).
    if os.environ.get("DB_JIT", "1" if _pooled else "0") != "1":
        _options = DATABASES["default"].setdefault("OPTIONS", {})
        _options["options"] = f"{_options.get('options', '')} -c jit=off".strip()

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:home"
LOGOUT_REDIRECT_URL = "storefront:home"

# Every validator Django ships: a password of digits only, too short, too common or too close
# to the username is refused on sign-up (seeded demo accounts are created without them).
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# django-axes first, so a locked-out client is refused before its password is even checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
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
STORAGES = {
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

# --- Media storage and uploads -----------------------------------------------------------------
# Uploaded images (catalog.images re-encodes every one) go through Django's storage API:
# the file system under MEDIA_ROOT by default, served by caravana.media with or without DEBUG;
# any S3-compatible store (AWS, MinIO, R2...) with CARAVANA_MEDIA_STORAGE=s3, through
# django-storages (pip install "caravana[s3]"). Documented in docs/operations.md, "Media storage".
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("CARAVANA_MEDIA_ROOT", VAR_DIR / "media"))
CARAVANA_MEDIA_STORAGE = os.environ.get("CARAVANA_MEDIA_STORAGE", "filesystem")
if CARAVANA_MEDIA_STORAGE == "s3":
    # Settings names are django-storages' own:
    # https://django-storages.readthedocs.io/en/latest/backends/amazon-S3.html#settings
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ.get("AWS_STORAGE_BUCKET_NAME"),
            "endpoint_url": os.environ.get("AWS_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("AWS_S3_REGION_NAME") or None,
            "custom_domain": os.environ.get("AWS_S3_CUSTOM_DOMAIN") or None,
            "access_key": os.environ.get("AWS_ACCESS_KEY_ID"),
            "secret_key": os.environ.get("AWS_SECRET_ACCESS_KEY"),
            # Public catalog images: plain URLs, unless the bucket is private.
            "querystring_auth": os.environ.get("AWS_QUERYSTRING_AUTH", "0") == "1",
            # Names are random and never rewritten, so the bytes at a URL never change.
            "file_overwrite": False,
            "object_parameters": {
                "CacheControl": "public, max-age=31536000, immutable",
                "ContentDisposition": "inline",
            },
        },
    }
elif CARAVANA_MEDIA_STORAGE == "filesystem":
    STORAGES["default"] = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
else:
    raise ImproperlyConfigured("CARAVANA_MEDIA_STORAGE is 'filesystem' or 's3'.")
# Payout bank files (payments.payout_providers, wise_batch) hold merchants' names, e-mails and
# amounts: a storage of their own, never public media. By default a directory outside
# MEDIA_ROOT that nothing serves (no base_url); operators download a file only through the
# operator-only view (Operations -> Payouts). CARAVANA_PAYOUTS_STORAGE=s3 keeps them in a
# private bucket (PAYOUTS_BUCKET; links signed, objects private). docs/operations.md.
PAYOUTS_FILE_ROOT = Path(os.environ.get("CARAVANA_PAYOUTS_ROOT", VAR_DIR / "private" / "payouts"))
CARAVANA_PAYOUTS_STORAGE = os.environ.get("CARAVANA_PAYOUTS_STORAGE", "filesystem")
if CARAVANA_PAYOUTS_STORAGE == "s3":
    STORAGES["payouts"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ.get("PAYOUTS_BUCKET"),
            "endpoint_url": os.environ.get("AWS_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("AWS_S3_REGION_NAME") or None,
            "access_key": os.environ.get("AWS_ACCESS_KEY_ID"),
            "secret_key": os.environ.get("AWS_SECRET_ACCESS_KEY"),
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
elif CARAVANA_PAYOUTS_STORAGE == "filesystem":
    STORAGES["payouts"] = {
        "BACKEND": "caravana.private_storage.PrivateFileSystemStorage",
        "OPTIONS": {"location": str(PAYOUTS_FILE_ROOT)},
    }
else:
    raise ImproperlyConfigured("CARAVANA_PAYOUTS_STORAGE is 'filesystem' or 's3'.")
# What merchants may upload: bytes (checked before the file is read), formats Pillow may
# decode, and pixels (checked from the header before decoding: a decompression bomb).
IMAGE_MAX_BYTES = int(os.environ.get("CARAVANA_IMAGE_MAX_BYTES", 5 * 1024 * 1024))
IMAGE_FORMATS = ("JPEG", "PNG", "WEBP")
IMAGE_MAX_PIXELS = 6000 * 6000
FILE_UPLOAD_HANDLERS = [
    "caravana.catalog.images.SizeCappedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
# --- end of media storage and uploads ---------------------------------------------------------

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
# SMTP in production (EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend); the names
# are Django's own: https://docs.djangoproject.com/en/5.2/ref/settings/#email-host
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = os.environ.get("EMAIL_USE_TLS", "0") == "1"
EMAIL_USE_SSL = os.environ.get("EMAIL_USE_SSL", "0") == "1"
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "10"))
# Links in e-mails (order pages, tracking) point here: the public address of the site.
CARAVANA_SITE_URL = os.environ.get("CARAVANA_SITE_URL", "http://127.0.0.1:8000")
# Order e-mails (orders.notifications): attempts before one is left as failed for operators.
NOTIFICATIONS_MAX_ATTEMPTS = int(os.environ.get("NOTIFICATIONS_MAX_ATTEMPTS", "8"))

# Celery runs tasks in-process unless a broker is named, so the demo needs no broker.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "memory://")
CELERY_TASK_ALWAYS_EAGER = "CELERY_BROKER_URL" not in os.environ
CELERY_TASK_EAGER_PROPAGATES = True
# Where a task's result is kept for a caller that waits for it (the twin's real mode on workers,
# caravana.twin.tasks): none unless named, e.g. redis://127.0.0.1:6379/7.
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND") or None

# Request bodies: anything but a file upload over DATA_UPLOAD_MAX_MEMORY_SIZE bytes is refused
# with 413 (a tracking batch of 1,000 events is about 300 kB); a multipart upload over
# REQUEST_MAX_UPLOAD_BYTES likewise (the image limits below then give a form error for a
# single file). Put the same or a lower limit in the reverse proxy (nginx client_max_body_size).
DATA_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("DATA_UPLOAD_MAX_MEMORY_SIZE", 2_621_440))
REQUEST_MAX_UPLOAD_BYTES = int(os.environ.get("REQUEST_MAX_UPLOAD_BYTES", 64 * 1024 * 1024))

# Every API list pages the same way, with the page number bounded (caravana.api.pagination).
NINJA_PAGINATION_CLASS = "caravana.api.pagination.Pagination"

# Every record carries the request id (or the enqueuing request's, in a Celery task):
# readable lines by default, one JSON object a line with LOG_FORMAT=json (observability.logs).
LOG_FORMAT = os.environ.get("LOG_FORMAT", "text").strip().lower()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "caravana.observability.logs.RequestIdFilter"}},
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "caravana.observability.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": "json" if LOG_FORMAT == "json" else "text",
        }
    },
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
# The delivery promise (network.promise): days a merchant takes to hand a parcel to a hub, added
# to the service level's transit days; and how long a process trusts its cached service levels
# before reading another process's edits (network.service_levels).
PROMISE_HANDLING_DAYS = int(os.environ.get("PROMISE_HANDLING_DAYS", "2"))
if PROMISE_HANDLING_DAYS < 0:
    raise ImproperlyConfigured("PROMISE_HANDLING_DAYS: give a whole number of days, 0 or more.")
PROMISE_CHECK_SECONDS = float(os.environ.get("PROMISE_CHECK_SECONDS", "2"))
# A quote uses the latest FX rate on or before its date, however old, and records that rate's
# date. Set a number of days to refuse older rates instead (a clear error naming the pair).
PRICING_FX_MAX_AGE_DAYS = os.environ.get("PRICING_FX_MAX_AGE_DAYS") or None
# The sandbox payment provider is for the demo and the tests only (`make demo` and the test suite
# turn it on). Off, it is not registered and its pages and webhook do not exist.
PAYMENTS_SANDBOX_ENABLED = os.environ.get("PAYMENTS_SANDBOX", "0") == "1"
PAYMENTS_SANDBOX_SECRET = os.environ.get("PAYMENTS_SANDBOX_SECRET", "whsec_sandbox_dev_only")
# How the sandbox delivers its signed webhooks from a worker with a real broker: "http" posts to
# the payment's notification URL, "inline" calls the receiver in-process. With eager Celery (no
# broker) it is always in-process: a request never calls back into the site over HTTP.
PAYMENTS_SANDBOX_TRANSPORT = os.environ.get("PAYMENTS_SANDBOX_TRANSPORT", "http")
# The provider new payments go to: "sandbox" when the sandbox is on and none is named.
PAYMENTS_PROVIDER = os.environ.get("PAYMENTS_PROVIDER", "")
# Mercado Pago (PAYMENTS_PROVIDER=mercadopago; caravana.payments.mercadopago): the application's
# access token and webhook secret from Mercado Pago's panel ("Your integrations"). The API URL
# is Mercado Pago's unless a test points it elsewhere; the notification URL is sent with each
# payment when set (otherwise Mercado Pago notifies the URL configured in its panel).
MERCADOPAGO_ACCESS_TOKEN = os.environ.get("MERCADOPAGO_ACCESS_TOKEN", "")
MERCADOPAGO_WEBHOOK_SECRET = os.environ.get("MERCADOPAGO_WEBHOOK_SECRET", "")
MERCADOPAGO_API_URL = os.environ.get("MERCADOPAGO_API_URL", "https://api.mercadopago.com")
MERCADOPAGO_NOTIFICATION_URL = os.environ.get("MERCADOPAGO_NOTIFICATION_URL", "")
# The account's public key (APP_USR-…) MercadoPago.js makes card tokens with in the browser.
MERCADOPAGO_PUBLIC_KEY = os.environ.get("MERCADOPAGO_PUBLIC_KEY", "")
# The card brand whose installment costs the checkout quotes before a card is typed.
MERCADOPAGO_QUOTE_METHOD = os.environ.get("MERCADOPAGO_QUOTE_METHOD", "visa")
# Stripe (provider "stripe"; caravana.payments.stripe_provider): the secret API key and the
# webhook endpoint's signing secret (whsec_…) from Stripe's dashboard. The API base is
# Stripe's unless a test points it elsewhere. Stripe is registered only with its key.
STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY", "")
STRIPE_WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET", "")
STRIPE_API_BASE = os.environ.get("STRIPE_API_BASE", "https://api.stripe.com")
# The publishable key (pk_live_…) Stripe.js tokenises cards with in the buyer's browser; without
# it a Stripe-routed country offers cards only as saved cards (payments.card_scripts).
STRIPE_PUBLISHABLE_KEY = os.environ.get("STRIPE_PUBLISHABLE_KEY", "")
# The sandbox raises when called inside a database transaction (on in tests): provider calls go
# through the outbox (payments.outbox) and run with autocommit.
PAYMENTS_SANDBOX_REQUIRE_AUTOCOMMIT = os.environ.get("PAYMENTS_SANDBOX_REQUIRE_AUTOCOMMIT") == "1"
# Outbox: a request row is sent by a task at once; the sweeper re-sends what is still pending this
# long after it was due, with exponential backoff between attempts, and gives up (status failed,
# shown to operators) after the maximum.
# Payouts (docs/payments.md, Payouts): the payout adapter (payments.payout_providers: sandbox,
# wise_batch), and the shares kept from each payout as their own ledger entries. The defaults
# keep nothing; the figures `make demo` sets are demo figures, not any partner's price.
PAYOUTS_PROVIDER = os.environ.get("PAYOUTS_PROVIDER", "")
PAYOUTS_FEE_RATE = os.environ.get("PAYOUTS_FEE_RATE", "0")
PAYOUTS_FX_MARGIN = os.environ.get("PAYOUTS_FX_MARGIN", "0")
PAYOUTS_BANK_FILE_DIR = os.environ.get("PAYOUTS_BANK_FILE_DIR", "payouts/bank-files")
# Wise recipient ids saved in the platform's Wise account, per merchant id: "12:148105813,…".
PAYOUTS_WISE_RECIPIENT_IDS = os.environ.get("PAYOUTS_WISE_RECIPIENT_IDS", "")
PAYMENTS_OUTBOX_GRACE_SECONDS = int(os.environ.get("PAYMENTS_OUTBOX_GRACE_SECONDS", "60"))
PAYMENTS_OUTBOX_MAX_ATTEMPTS = int(os.environ.get("PAYMENTS_OUTBOX_MAX_ATTEMPTS", "12"))
# A pending payment is asked about at its provider (retrieve) once it is this old: a lost webhook
# is finished by polling.
PAYMENTS_POLL_AFTER_SECONDS = int(os.environ.get("PAYMENTS_POLL_AFTER_SECONDS", "120"))
# Outbound HTTP (caravana.outbound: merchants' webhooks, carriers, providers). Private,
# loopback, link-local and other non-global targets are refused unless inside one of these
# comma-separated networks (e.g. "127.0.0.0/8,::1/128" for a sandbox calling its own site).
OUTBOUND_ALLOWED_NETWORKS = [
    n.strip() for n in os.environ.get("OUTBOUND_ALLOWED_NETWORKS", "").split(",") if n.strip()
]
OUTBOUND_CONNECT_TIMEOUT = float(os.environ.get("OUTBOUND_CONNECT_TIMEOUT", "5"))
OUTBOUND_READ_TIMEOUT = float(os.environ.get("OUTBOUND_READ_TIMEOUT", "10"))
# Merchants' webhook URLs must be https:// (on by default when DEBUG is off).
OUTBOUND_REQUIRE_HTTPS = os.environ.get("OUTBOUND_REQUIRE_HTTPS", "0" if DEBUG else "1") == "1"
# Tracking's hot statements are prepared on PostgreSQL (tracking.batch_sql.prepare); off by
# default behind PgBouncer in transaction mode (DB_POOLER), which before 1.21 cannot carry them.
TRACKING_PREPARED_STATEMENTS = env_bool("TRACKING_PREPARED_STATEMENTS", not _pooled)
# Merchants' webhooks also carry the older Caravana-Signature headers (docs/tracking.md).
TRACKING_WEBHOOK_LEGACY_SIGNATURE = env_bool("TRACKING_WEBHOOK_LEGACY_SIGNATURE", True)
# A recorded batch's notifications wait in an outbox (tracking.follow_ups), drained by the beat
# this often (seconds): the longest a buyer's e-mail or a merchant's webhook waits to start.
FOLLOW_UP_DRAIN_SECONDS = float(os.environ.get("FOLLOW_UP_DRAIN_SECONDS", "2"))
CELERY_BEAT_SCHEDULE = {
    # Held parcels past their country's deadline are returned or disposed of (clearance).
    "clearance-expiry": {"task": "caravana.clearance.tasks.apply_expiry", "schedule": 3600.0},
    "expire-orders": {"task": "caravana.orders.tasks.expire_orders", "schedule": 300.0},
    "search-terms": {"task": "caravana.catalog.tasks.refresh_search_terms", "schedule": 3600.0},
    # Carriers that only offer a tracking API (carrier_events.polling).
    "poll-carriers": {"task": "caravana.carrier_events.tasks.poll_carriers", "schedule": 1800.0},
    "complete-delivered": {"task": "caravana.orders.tasks.complete_delivered", "schedule": 3600.0},
    "catch-up-deliveries": {
        "task": "caravana.orders.tasks.catch_up_deliveries",
        "schedule": 900.0,
    },
    "expire-payments": {"task": "caravana.payments.tasks.expire_payments", "schedule": 300.0},
    "remind-payments": {"task": "caravana.payments.tasks.remind_payments", "schedule": 900.0},
    "drain-tracking-follow-ups": {
        "task": "caravana.tracking.tasks.drain_follow_ups",
        "schedule": FOLLOW_UP_DRAIN_SECONDS,
    },
    "send-provider-calls": {"task": "caravana.payments.tasks.sweep_outbox", "schedule": 60.0},
    "poll-pending-payments": {"task": "caravana.payments.tasks.poll_payments", "schedule": 120.0},
    "catch-up-money": {"task": "caravana.payments.tasks.catch_up_money", "schedule": 900.0},
    # Pays each merchant owed once per period of its schedule (weekly or monthly): the first
    # run in a period pays, the others find it paid (payments.payouts.run_payout).
    "run-payouts": {"task": "caravana.payments.tasks.run_payouts", "schedule": 3600.0},
    "send-pending-notifications": {
        "task": "caravana.orders.tasks.send_pending_notifications",
        "schedule": 300.0,
    },
    # Carrier performance per closed day (tracking.carrier_rollup; decision 0023).
    "roll-up-carrier-days": {
        "task": "caravana.tracking.tasks.roll_up_carrier_days",
        "schedule": 3600.0,
    },
    # Merchants' reputations, also when only time passed (reviews.tasks).
    "refresh-reputations": {
        "task": "caravana.reviews.tasks.refresh_reputations",
        "schedule": 86400.0,
    },
    # Best sellers, bought together, category pictures (shelves.rollup; decision 0025).
    "roll-up-shelves": {"task": "caravana.shelves.tasks.roll_up_shelves", "schedule": 3600.0},
    "create-tracking-partitions": {
        "task": "caravana.tracking.tasks.create_partitions",
        "schedule": 86400.0,
    },
}

# Content-Security-Policy on every response (django-csp 4). Every script and stylesheet is a
# static file of ours: no inline script, style attribute or event handler anywhere (htmx's own
# indicator style is off, see base.html). CARAVANA_CSP_IMG_SRC adds origins that serve images,
# e.g. the media bucket's https://media.example.com when media is on S3.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", *env_list("CARAVANA_CSP_IMG_SRC")],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# Abuse limits (issue 11). Logins (site and admin) lock out a client after AXES_FAILURE_LIMIT
# failures for AXES_COOLOFF_MINUTES, counted per address and per username.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = dt.timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = ["ip_address", "username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "caravana.accounts.limits.lockout_response"
AXES_CLIENT_IP_CALLABLE = "caravana.accounts.limits.client_ip"
# Requests per client and period ("N/s", "N/min", "N/h", "N/day"; empty: no limit), counted in
# the Django cache (Redis via CACHE_URL, so every process shares the counts). Over the limit:
# 429 with Retry-After. api_token: per API token (or signed-in user); api_anon: per address for
# requests without one; the others per address, in addition to those.
RATE_LIMITS = {
    "api_token": os.environ.get("RATE_LIMIT_API_TOKEN", "600/min"),
    "api_anon": os.environ.get("RATE_LIMIT_API_ANON", "120/min"),
    "signup": os.environ.get("RATE_LIMIT_SIGNUP", "10/h"),
    "tracking": os.environ.get("RATE_LIMIT_TRACKING", "60/min"),
    "quotes": os.environ.get("RATE_LIMIT_QUOTES", "60/min"),
    # Signed carrier webhooks, per address: 20 requests of 1,000 events a second.
    "carrier_webhook": os.environ.get("RATE_LIMIT_CARRIER_WEBHOOK", "1200/min"),
}

# The storefront's "local stock, fast delivery" offer of returned items a merchant chose to
# resell (caravana.storefront.local_stock), bought through checkout (returns.local_orders,
# docs/returns.md). On by default; LOCAL_STOCK_OFFERS=0 hides it.
LOCAL_STOCK_OFFERS = env_bool("LOCAL_STOCK_OFFERS", True)
# Days (calendar, from order) promised for local stock: one last-mile leg inside the country.
# Caravana's own assumption, unverified (no carrier's published transit time is on file).
LOCAL_STOCK_DELIVERY_DAYS = (1, 4)
