"""Settings, all from the environment (12-factor), with safe local defaults.

DATABASE_URL picks the database (a SQLite file in the project by default); DEBUG, SECRET_KEY
and ALLOWED_HOSTS come from the environment in production.
"""

import os
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF

from bizlink.connected_apps.scopes import DEFAULT_SCOPES as OAUTH_DEFAULT_SCOPES
from bizlink.connected_apps.scopes import SCOPES as OAUTH_SCOPES
from bizlink.observability import logs as observability_logs

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("DEBUG", True)
SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-insecure-key-change-me")
if not DEBUG and SECRET_KEY.startswith("dev-only"):
    raise RuntimeError("Set SECRET_KEY in the environment when DEBUG is off.")
ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
    if h.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "csp",
    "oauth2_provider",
    "axes",
    # Optional TOTP two-factor sign-in (bizlink.twofactor; docs/security.md).
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_tasks",
    "django_tasks_db",
    "bizlink.core",
    "bizlink.accounts",
    "bizlink.businesses",
    "bizlink.links",
    "bizlink.audit",
    "bizlink.connected_apps",
    "bizlink.outbox",
    "bizlink.requests",
    "bizlink.twofactor",
    "bizlink.ads",
    "bizlink.catalogs",
    "bizlink.pixels",
    "bizlink.audiences",
    "bizlink.asset_groups",
    "bizlink.web",
    "bizlink.cli",
    "ninja",
    "bizlink.sandbox",
    "bizlink.api",
    "bizlink.observability",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Every request gets an id (X-Request-ID), stamped on the audit rows it writes.
    "bizlink.core.request_context.RequestIdMiddleware",
    # A request that lost the database gets a clear 503 page or JSON, never a 500 traceback.
    "bizlink.web.outage.DatabaseOutageMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # One structured log line and the Prometheus request metrics per request (not static files).
    "bizlink.observability.middleware.RequestLogMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "bizlink.web.middleware.ActiveAccountMiddleware",
    # Form or query input with a NUL character: a 400 page that says so (no field accepts one).
    "bizlink.web.input_guard.RejectNulInputMiddleware",
    # Last, as django-axes asks: locks out repeated failed logins.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "bizlink.urls"
WSGI_APPLICATION = "bizlink.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "bizlink.web.context.surface",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'bizlink.sqlite3'}"),
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "0")),
        # A persistent connection is checked before each request reuses it, so the product
        # recovers by itself after the database went away (tests/faults/test_database_outage.py).
        conn_health_checks=env_bool("CONN_HEALTH_CHECKS", True),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's backend with a health check that costs no round trip (bizlink/core/postgres).
    DATABASES["default"]["ENGINE"] = "bizlink.core.postgres"
    # An unreachable server fails the request in seconds (a clear 503), not after minutes.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", int(os.environ.get("DB_CONNECT_TIMEOUT", "5"))
    )
    # Server-side binding lets psycopg prepare a statement on a connection once it has run five
    # times: the access check then skips PostgreSQL's planner, which was most of its cost
    # (docs/scaling.md). Django turns preparing off unless asked (for transaction-mode
    # poolers such as PgBouncer < 1.21): DB_PREPARED_STATEMENTS=false behind one of those.
    if env_bool("DB_PREPARED_STATEMENTS", True):
        DATABASES["default"]["OPTIONS"].setdefault("server_side_binding", True)
        DATABASES["default"]["OPTIONS"].setdefault("prepare_threshold", 5)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE takes the write lock when a transaction starts, so two writers never
    # interleave inside an unlink; WAL lets readers run while a writer commits.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"].setdefault("TEST", {})["NAME"] = os.environ.get("TEST_SQLITE_NAME")

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Login lockout (django-axes): 5 failures for one email from one address lock that pair for
# 15 minutes; a successful login resets the count. The lockout page says when to try again.
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("LOGIN_COOLOFF_HOURS", "0.25"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "web/auth/locked.html"
AXES_VERBOSE = False
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# Where `collectstatic` writes (prod.sh); the tests that start the production setup use their
# own, so a collect never runs under the static files another test process is reading.
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
# Uploaded files (Ads Manager video creatives): served only through views that check access.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# Behind TLS in production; `make prod` on plain http sets SECURE_COOKIES=false to try it locally.
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp), on every response: scripts only from this site (no
# inline scripts or handlers anywhere; behaviours live in static/bizlink/app.js), nothing
# loaded from elsewhere. Inline style attributes are allowed; they cannot run code.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, "'unsafe-inline'"],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
    }
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Structured logs (structlog, docs/observability.md): JSON lines in production, readable lines
# in development; LOG_FORMAT=json|console overrides. Secrets are redacted from every line.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "console" if DEBUG else "json")
LOGGING = observability_logs.logging_config(LOG_FORMAT, os.environ.get("LOG_LEVEL", "INFO"))

# /metrics (Prometheus): allowed from this machine (loopback, not through a proxy) unless
# METRICS_ALLOW_LOCALHOST=false, or anywhere with "Authorization: Bearer $METRICS_TOKEN".
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
METRICS_ALLOW_LOCALHOST = env_bool("METRICS_ALLOW_LOCALHOST", True)
# The worker runs a heartbeat task this often; /healthz fails when the last beat is older than
# HEALTH_MAX_HEARTBEAT_AGE_SECONDS, and (with HEALTH_REQUIRE_HEARTBEAT) when there was none.
WORKER_HEARTBEAT_SECONDS = int(os.environ.get("WORKER_HEARTBEAT_SECONDS", "30"))
HEALTH_MAX_HEARTBEAT_AGE_SECONDS = int(os.environ.get("HEALTH_MAX_HEARTBEAT_AGE_SECONDS", "180"))
HEALTH_REQUIRE_HEARTBEAT = env_bool("HEALTH_REQUIRE_HEARTBEAT", False)

# Test-only fault injection (bizlink/core/faults.py): pause inside an unlink's transaction so a
# test can kill -9 the process there. Only with DEBUG on; production never reads the variable.
FAULT_PAUSE_FILE = os.environ.get("BIZLINK_FAULT_PAUSE_FILE", "") if DEBUG else ""
FAULT_PAUSE_SECONDS = float(os.environ.get("BIZLINK_FAULT_PAUSE_SECONDS", "60"))

# /healthz reports the worker as behind when a due outbox message waited longer than this.
HEALTH_MAX_OUTBOX_LAG_SECONDS = int(os.environ.get("HEALTH_MAX_OUTBOX_LAG_SECONDS", "300"))

# Absolute address of this site, for links in e-mails.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# Authenticator apps show this name next to the bizlink code.
OTP_TOTP_ISSUER = "bizlink"
# The admin never shows a device's key or its QR code (shown once, to its owner, at set-up).
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "bizlink <noreply@bizlink.local>")

# --- OAuth 2.0 provider (connected apps) --------------------------------------------------
OAUTH2_PROVIDER_APPLICATION_MODEL = "oauth2_provider.Application"
OAUTH2_PROVIDER_ACCESS_TOKEN_MODEL = "oauth2_provider.AccessToken"
OAUTH2_PROVIDER_REFRESH_TOKEN_MODEL = "oauth2_provider.RefreshToken"
OAUTH2_PROVIDER_ID_TOKEN_MODEL = "oauth2_provider.IDToken"
OAUTH2_PROVIDER_GRANT_MODEL = "oauth2_provider.Grant"

# --- Background tasks (the outbox worker): `manage.py db_worker` runs them ------------------
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# An unanswered removal request goes to every admin of the Business Center after this long.
REMOVAL_REQUEST_ESCALATE_HOURS = float(os.environ.get("REMOVAL_REQUEST_ESCALATE_HOURS", "48"))
# Both sides are reminded this long before time-boxed access ends by itself.
EXPIRY_REMINDER_HOURS = float(os.environ.get("EXPIRY_REMINDER_HOURS", "24"))

# --- OAuth 2.0 authorization server for third-party apps (bizlink/oauth) -------------------
OAUTH2_PROVIDER = {
    "SCOPES": OAUTH_SCOPES,
    "DEFAULT_SCOPES": OAUTH_DEFAULT_SCOPES,
    # Per app: only the scopes chosen when the app was registered.
    "SCOPES_BACKEND_CLASS": "bizlink.oauth.scopes.AppScopes",
    # Ties every code and token to the owner's grant (a Link) and refuses it once that ends.
    "OAUTH2_VALIDATOR_CLASS": "bizlink.oauth.validators.BizlinkValidator",
    "PKCE_REQUIRED": True,
    "AUTHORIZATION_CODE_EXPIRE_SECONDS": 60,
    "ACCESS_TOKEN_EXPIRE_SECONDS": 3600,
    "REFRESH_TOKEN_EXPIRE_SECONDS": 30 * 24 * 3600,
    "ROTATE_REFRESH_TOKEN": True,
    "REFRESH_TOKEN_GRACE_PERIOD_SECONDS": 0,
    # Replaying a rotated refresh token revokes its whole family (RFC 9700 section 4.14.2).
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    # Always show the consent page; the view ignores approval_prompt=auto anyway.
    "REQUEST_APPROVAL_PROMPT": "force",
    # http only for loopback redirect URIs (checked when an app registers); off in production
    # unless OAUTH_ALLOW_HTTP_LOOPBACK says native apps on the same machine need it.
    "ALLOWED_REDIRECT_URI_SCHEMES": (
        ["http", "https"] if DEBUG or env_bool("OAUTH_ALLOW_HTTP_LOOPBACK", False) else ["https"]
    ),
    "ALLOW_URI_WILDCARDS": False,
    "OAUTH2_RESPONSE_TYPES_SUPPORTED": ["code"],
    "OAUTH2_GRANT_TYPES_SUPPORTED": ["authorization_code", "refresh_token"],
    "OAUTH2_TOKEN_ENDPOINT_AUTH_METHODS_SUPPORTED": ["client_secret_basic", "client_secret_post"],
    # RFC 9700 (OAuth 2.0 Security BCP): no implicit or password grant, no "plain" PKCE, no
    # tokens in query strings, the `iss` response parameter, tokens stored hashed at rest.
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "COMPLIANT_BCP_RFC9700_REFRESH_TOKEN": True,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_MATCHING": True,
    "COMPLIANT_BCP_RFC9700_PKCE_REQUIRED": True,
}

# --- Business API and sandbox mode (bizlink/api, bizlink/sandbox; docs/sandbox.md) ---------
# Sandbox mode: reset/scenario, token and clock endpoints, the API request log, a shared clock
# offset. Off by default; `make run` turns it on for the demo.
SANDBOX_MODE = env_bool("SANDBOX_MODE", False)
# Business API calls per app per minute (40100 beyond it); per-app overrides in the sandbox.
API_RATE_LIMIT_PER_MINUTE = int(os.environ.get("API_RATE_LIMIT_PER_MINUTE", "600"))
