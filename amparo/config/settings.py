"""Amparo's one settings module: every value comes from an environment variable (see .env.example)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.utils.translation import gettext_lazy as _

from amparo.config.env import ConfigError, env_bool, env_int, env_list, env_str
from amparo.core.clamd import parse_address as clamd_address
from amparo.security.logging import syslog_handler

PACKAGE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(env_str("AMPARO_DATA_DIR", "var")).resolve()
PRODUCTION = env_bool("AMPARO_PRODUCTION", False)
DEBUG = env_bool("AMPARO_DEBUG", False)
if PRODUCTION and DEBUG:
    raise ConfigError("AMPARO_DEBUG=true is refused when AMPARO_PRODUCTION=true")


def _local_secret_key() -> str:
    """A random key kept in the data directory, for the embedded single-machine setup."""
    path = DATA_DIR / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


SECRET_KEY = env_str("AMPARO_SECRET_KEY", "")
if not SECRET_KEY:
    if PRODUCTION:
        raise ConfigError("AMPARO_SECRET_KEY (or AMPARO_SECRET_KEY_FILE) is required in production")
    SECRET_KEY = _local_secret_key()

ALLOWED_HOSTS = env_list("AMPARO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("AMPARO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    "simple_history",
    "django_tasks",
    "django_tasks_db",  # the queued backend's table; used when AMPARO_TASKS_BACKEND selects it
    "amparo.security",
    "amparo.accounts",
    "amparo.vocabularies",
    "amparo.cases",
    "amparo.sgreports",
    "amparo.referrals",
    "amparo.assessments",
    "amparo.analytics",
    "amparo.portal",
    "amparo.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "amparo.security.static.StaticFilesMiddleware",  # WhiteNoise without dotfiles
    "amparo.security.middleware.SecurityHeadersMiddleware",
    "csp.middleware.CSPMiddleware",
    "amparo.security.middleware.HttpsRequiredMiddleware",  # after the headers, before sessions
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "amparo.config.language.QueryLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "amparo.accounts.middleware.StaffSessionMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
    "amparo.security.ratelimit.RateLimitMiddleware",  # once the URL, CSRF and user are known
]

ROOT_URLCONF = "amparo.config.urls"
WSGI_APPLICATION = "amparo.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "amparo.accounts.context_processors.staff",
                "amparo.config.language.language_links",
            ],
        },
    },
]
# Django's widget templates through Jinja2, the admin's through the Django engine (ADR 0020).
FORM_RENDERER = "amparo.config.forms.FormRenderer"

# Database: the embedded SQLite file unless DATABASE_URL names another.
_default_db = f"sqlite:///{DATA_DIR / 'amparo.sqlite3'}"
try:
    DATABASES = {"default": dj_database_url.parse(env_str("DATABASE_URL", _default_db))}
except ValueError as exc:
    raise ConfigError(f"DATABASE_URL: {exc}") from exc
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL for readers beside one writer; FULL so an acknowledged write survives power loss.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; "
        "PRAGMA foreign_keys=ON; PRAGMA busy_timeout=5000;",
        "transaction_mode": "IMMEDIATE",
    }
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
else:
    # A PostgreSQL connection is a server process that must load its catalogs: opened for each
    # request it cost more than most pages (ADR 0024). Kept for this long (seconds; 0 closes it
    # after each request), and checked before reuse after a request that left it idle.
    DATABASES["default"]["CONN_MAX_AGE"] = env_int("AMPARO_DB_CONN_MAX_AGE", 60, minimum=0)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_URL_PATH = "/accounts/login/"
LOGIN_REDIRECT_URL = "cases:list"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "amparo.accounts.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# Argon2id's cost (amparo/accounts/hashers.py, ADR 0021 and 0023): Django's own by default (2
# passes over 100 MiB), in one lane (libsodium's); RFC 9106 §4 asks that it be sized to the
# server, so operators may. The floor is OWASP's minimum configuration (19 MiB of memory).
AMPARO_ARGON2 = {
    "memory_cost": env_int("AMPARO_ARGON2_MEMORY_KIB", 102400, minimum=19456),
    "time_cost": env_int("AMPARO_ARGON2_TIME_COST", 2, minimum=1),
}
if "AMPARO_ARGON2_PARALLELISM" in os.environ:
    raise ConfigError(
        "AMPARO_ARGON2_PARALLELISM is no longer read: Argon2id runs in one lane (ADR 0023); "
        "remove it"
    )
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": env_int("AMPARO_PASSWORD_MIN_LENGTH", 12, minimum=8)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # ASVS 6.2.11: the product, the organisation (AMPARO_ORGANISATION_NAME) and the username.
    {"NAME": "amparo.accounts.validators.ContextWordsValidator"},
]
AMPARO_ORGANISATION_NAME = env_str("AMPARO_ORGANISATION_NAME", "")

# Lockout (django-axes): per account and address, with a cool-off so an attacker cannot
# lock a defender's caseworker out for good.
AXES_FAILURE_LIMIT = env_int("AMPARO_LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = env_int("AMPARO_LOGIN_COOLOFF_MINUTES", 30, minimum=1) / 60
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# Failures are cleared by a full sign-in (password and second factor, accounts/views.py), not by
# the password alone: otherwise guessing second-factor codes would never reach the limit.
AXES_RESET_ON_SUCCESS = False
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "code"]
AXES_HTTP_RESPONSE_CODE = 429
AXES_LOCKOUT_TEMPLATE = "accounts/locked.html"
AXES_VERBOSE = False
AXES_IPWARE_PROXY_COUNT = env_int("AMPARO_PROXY_COUNT", 0)
# Without django-ipware axes reads REMOTE_ADDR only: our own reader honours the proxy count.
AXES_CLIENT_IP_CALLABLE = "amparo.accounts.addresses.client_address"

# Sessions: short idle timeout for staff, an absolute cap, gone when the browser closes.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_IDLE_SECONDS = env_int("AMPARO_SESSION_IDLE_MINUTES", 30, minimum=1) * 60
SESSION_COOKIE_AGE = env_int("AMPARO_SESSION_MAX_HOURS", 12, minimum=1) * 3600
# A TOTP code is accepted only during its own 30-second step (ASVS 5.0 6.5.5); an operator whose
# users' phone clocks drift may accept 1 step either side, which stretches a code's life to 90 s.
AMPARO_TOTP_DRIFT_STEPS = env_int("AMPARO_TOTP_DRIFT_STEPS", 0)
if AMPARO_TOTP_DRIFT_STEPS > 1:
    raise ConfigError(f"AMPARO_TOTP_DRIFT_STEPS={AMPARO_TOTP_DRIFT_STEPS}: must be 0 or 1")
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_SAMESITE = "Strict"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Strict"
CSRF_FAILURE_VIEW = "amparo.security.views.csrf_failure"  # an audit event when signed in

HTTPS = env_bool("AMPARO_HTTPS", PRODUCTION)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
if HTTPS:
    SESSION_COOKIE_NAME = "__Host-amparo_session"
    CSRF_COOKIE_NAME = "__Host-amparo_csrf"
    SECURE_SSL_REDIRECT = env_bool("AMPARO_SSL_REDIRECT", True)
    # Addresses programs fetch: refused over plain HTTP, never redirected (ASVS 4.1.2,
    # amparo/security/middleware.py). Browser pages, /api/ itself included, get the 301.
    SECURE_REDIRECT_EXEMPT = [r"^api/.", r"^export\.(csv|jsonl)$", r"^reports/calendar/feed\.ics$"]
    SECURE_HSTS_SECONDS = 63072000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    if env_int("AMPARO_PROXY_COUNT", 0):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
else:
    SESSION_COOKIE_NAME = "amparo_session"
    CSRF_COOKIE_NAME = "amparo_csrf"
SECURE_CONTENT_TYPE_NOSNIFF = True
# "same-origin", not "no-referrer": under no-referrer browsers send `Origin: null` on form
# posts and Django's CSRF check refuses every sign-in (found by the browser tests).
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Encryption at rest: the keyring lives outside the database (docs/adr/0003). In production
# nothing creates it silently: `amparo keyring_create` does, once, and the system check
# keyring.E001 stops every command (and the web process, see amparo/config/wsgi.py) without it.
AMPARO_KEYRING_FILE = Path(env_str("AMPARO_KEYRING_FILE", str(DATA_DIR / "keys" / "keyring.json")))
AMPARO_KEYRING_CREATE = env_bool("AMPARO_KEYRING_CREATE", not PRODUCTION)

# Uploaded evidence: through Django's storage API, so S3-compatible storage can replace it.
MEDIA_ROOT = Path(env_str("AMPARO_MEDIA_DIR", str(DATA_DIR / "media")))
MEDIA_URL = "/media-not-served/"
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
AMPARO_MAX_UPLOAD_BYTES = env_int("AMPARO_MAX_UPLOAD_MB", 25, minimum=1) * 1024 * 1024
# Uploads scanned by ClamAV's clamd before they are kept, refused when it cannot answer
# (amparo/security/antivirus.py, docs/adr/0017); unset: no scan.
AMPARO_CLAMD = env_str("AMPARO_CLAMD", "")
AMPARO_CLAMD_TIMEOUT = env_int("AMPARO_CLAMD_TIMEOUT", 30, minimum=1)
try:
    clamd_address(AMPARO_CLAMD) if AMPARO_CLAMD else None
except ValueError as exc:
    raise ConfigError(f"AMPARO_CLAMD={AMPARO_CLAMD!r}: {exc}") from None
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
STORAGES = {
    "default": {
        "BACKEND": env_str("AMPARO_STORAGE_BACKEND", "django.core.files.storage.FileSystemStorage")
    },
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("AMPARO_STATIC_ROOT", str(DATA_DIR / "static")))
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns at start-up when it is missing
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

TASKS = {
    "default": {
        "BACKEND": env_str(
            "AMPARO_TASKS_BACKEND", "django_tasks.backends.immediate.ImmediateBackend"
        )
    }
}

# Data retention, applied by `amparo retention --apply` (docs/security/retention.md).
# The two rules on the register are off (0) by default: cases are followed up for years.
AMPARO_RETAIN_CLOSED_YEARS = env_int("AMPARO_RETAIN_CLOSED_YEARS", 0)
AMPARO_RETAIN_WITHDRAWN_DAYS = env_int("AMPARO_RETAIN_WITHDRAWN_DAYS", 0)
AMPARO_RETAIN_TASK_RESULTS_DAYS = env_int("AMPARO_RETAIN_TASK_RESULTS_DAYS", 14, minimum=1)
AMPARO_RETAIN_IMPORT_DAYS = env_int("AMPARO_RETAIN_IMPORT_DAYS", 90, minimum=1)
AMPARO_RETAIN_LOGIN_RECORDS_DAYS = env_int("AMPARO_RETAIN_LOGIN_RECORDS_DAYS", 90, minimum=1)

CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    # Rate-limit counters: in this process's memory, never the database (docs/adr/0016), unless
    # AMPARO_RATELIMIT_REDIS_URL shares them (below); then only while Redis does not answer.
    "ratelimit": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "amparo-ratelimit",
        "OPTIONS": {"MAX_ENTRIES": 100_000},
    },
}
# Rate-limit counters shared by every process in Redis (docs/adr/0025): redis://, rediss:// (TLS)
# or unix://. May hold a password: also read from AMPARO_RATELIMIT_REDIS_URL_FILE, never echoed.
AMPARO_RATELIMIT_REDIS_URL = env_str("AMPARO_RATELIMIT_REDIS_URL", "")
if AMPARO_RATELIMIT_REDIS_URL:
    _redis_url = urlsplit(AMPARO_RATELIMIT_REDIS_URL)
    if _redis_url.scheme not in ("redis", "rediss", "unix") or not (
        _redis_url.hostname or _redis_url.path
    ):
        raise ConfigError(
            "AMPARO_RATELIMIT_REDIS_URL: expected redis://host:port/db, rediss://host:port/db "
            f"or unix:///path/to/redis.sock, not a URL starting {_redis_url.scheme or '(none)'}:"
        )
# Rate limits (amparo/security/ratelimit.py, docs/adr/0016): requests per window; 0 turns one off.
AMPARO_RATELIMITS = {
    "api": env_int("AMPARO_RATELIMIT_API_PER_MINUTE", 120),
    "search": env_int("AMPARO_RATELIMIT_SEARCH_PER_MINUTE", 600),
    "export": env_int("AMPARO_RATELIMIT_EXPORT_PER_MINUTE", 10),
    "plan": env_int("AMPARO_RATELIMIT_PLAN_PER_MINUTE", 30),
    "costly_total": env_int("AMPARO_RATELIMIT_COSTLY_TOTAL_PER_MINUTE", 60),
    "staff_download": env_int("AMPARO_RATELIMIT_STAFF_DOWNLOADS_PER_HOUR", 120),
    "staff_upload": env_int("AMPARO_RATELIMIT_STAFF_UPLOADS_PER_HOUR", 120),
}

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("fr", _("French")), ("es", _("Spanish"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
LANGUAGE_COOKIE_NAME = "amparo_language"
LANGUAGE_COOKIE_SECURE = HTTPS
LANGUAGE_COOKIE_SAMESITE = "Strict"
LANGUAGE_COOKIE_HTTPONLY = True
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True

EMAIL_BACKEND = env_str("AMPARO_EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")

ADMINS: list[tuple[str, str]] = []
# Logs hold nothing confidential: the redacting filter (amparo/security/logging.py) turns a
# request error into "500 on <path>: <ExceptionClass>" (no traceback, no message, no query
# string) before any handler sees it, and strips query strings from every other record.
LOG_FORMAT = env_str("AMPARO_LOG_FORMAT", "text")
if LOG_FORMAT not in {"text", "json"}:
    raise ConfigError(f"AMPARO_LOG_FORMAT={LOG_FORMAT!r}: expected text or json")
LOG_SYSLOG = env_str("AMPARO_LOG_SYSLOG", "")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "amparo.security.logging.RedactingFilter"}},
    "formatters": {  # UTC ISO 8601 times (amparo/security/logging.py)
        "text": {
            "()": "amparo.security.logging.UTCFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
        },
        "json": {"()": "amparo.security.logging.JSONFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["redact"],
        }
    },
    "root": {"handlers": ["console"], "level": env_str("AMPARO_LOG_LEVEL", "INFO")},
    "loggers": {
        # Replaces Django's default handlers (its console and mail_admins would format tracebacks).
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.request": {"level": "ERROR", "filters": ["redact"], "propagate": True},
        "django.security": {"level": "WARNING", "filters": ["redact"], "propagate": True},
        "django.server": {"level": "INFO", "filters": ["redact"], "propagate": True},
        "axes": {"level": "WARNING", "filters": ["redact"], "propagate": True},
    },
}
if LOG_SYSLOG:  # off-host copy of every record (ASVS 16.4.3), same filter and format
    LOGGING["handlers"]["syslog"] = syslog_handler(LOG_SYSLOG, LOG_FORMAT)
    LOGGING["root"]["handlers"].append("syslog")

AMPARO_DEMO_ADMIN_FILE = DATA_DIR / "demo-admin.txt"
