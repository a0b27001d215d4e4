"""Settings for the clinic site, read from the environment.

Every variable is listed in README.md. Defaults are safe for a developer's
machine (SQLite, local-memory cache, console email); production sets the
variables and fails loudly at start-up when one is missing or malformed.
"""

import os
import re
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from clinic.cache import redis_cache

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default):
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    normalised = value.strip().lower()
    if normalised in {"1", "true", "yes", "on"}:
        return True
    if normalised in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be one of 1/0, true/false, yes/no, on/off; got {value!r}.")


def env_int(name, default):
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number; got {value!r}.") from None


def env_list(name, default):
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


# --- Core -------------------------------------------------------------------

DEBUG = env_bool("DJANGO_DEBUG", False)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "").strip()
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set: it is required when DJANGO_DEBUG is off "
            "(set DJANGO_DEBUG=1 for local development)."
        )
    SECRET_KEY = "django-insecure-local-development-only-never-use-in-production"

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    # Django's admin with the two-step staff sign-in as its default site (accounts/sites.py).
    "accounts.apps.StaffAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    # Lets a list's date hierarchy skip its queries (date_hierarchy_drilldown = False).
    "django_admin_lightweight_date_hierarchy",
    "bootstrap",
    "crispy_forms",
    "crispy_bootstrap5",
    "csp",
    # Named for staff in admin (accounts/apps.py), not "Axes", "Otp_Totp" and "Otp_Static".
    "accounts.apps.SigninLockoutsConfig",
    "django_otp",
    "accounts.apps.AuthenticatorAppsConfig",
    "accounts.apps.BackupCodesConfig",
    "reversion",
    # The project itself: commands that span the apps (load_demo_content).
    "clinic",
    "staff",
    "treatments",
    "bookings",
    "accounts",
    "privacy",
    "django_tasks",
    "django_tasks_db",
    "notifications",
    "jobs",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # Cached pages for anonymous readers: after the CSRF cookie is read, before anything
    # only a rendered page needs (sessions included: clinic/pagecache.py).
    "clinic.pagecache.PageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Staff sessions end when idle, when too old, or when their authenticator app is reset.
    "accounts.middleware.StaffSessionMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "clinic.middleware.PermissionsPolicyMiddleware",
    "clinic.middleware.DatabaseUnavailableMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "clinic.urls"
CSRF_FAILURE_VIEW = "clinic.views.csrf_failure"
WSGI_APPLICATION = "clinic.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "clinic.context_processors.clinic",
                "bookings.context_processors.hours",
                "treatments.context_processors.fee",
                # While a page is rendered for the page cache, {% csrf_token %} is a placeholder.
                "clinic.pagecache.csrf_placeholder",
            ],
            # Filters every template may use without {% load %}: tel_link, phone_links, national_format.
            "builtins": ["clinic.phone"],
        },
    },
]

# --- Database ---------------------------------------------------------------

DATABASE_URL = os.environ.get("DATABASE_URL", "").strip() or f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
try:
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL,
            conn_max_age=env_int("DJANGO_CONN_MAX_AGE", 600),
            conn_health_checks=True,
        )
    }
except Exception as exc:  # dj-database-url raises several kinds of error
    raise ImproperlyConfigured(
        f"DATABASE_URL is not a valid database URL ({exc.__class__.__name__}); "
        "expected e.g. postgres://user:password@host:5432/name or sqlite:///path/to/file.sqlite3"
    ) from None
if not DATABASES["default"].get("ENGINE"):
    raise ImproperlyConfigured("DATABASE_URL does not name a database engine; expected postgres:// or sqlite://")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ------------------------------------------------------------------

REDIS_URL = os.environ.get("REDIS_URL", "").strip()
# Rate-limit counters live in a cache of their own ("limits"), so that clearing or
# filling the page cache never resets them. Point REDIS_LIMITS_URL at another Redis
# (or database) to keep them apart entirely; README → Redis says which memory policy.
REDIS_LIMITS_URL = os.environ.get("REDIS_LIMITS_URL", "").strip() or REDIS_URL
# Every key in Redis starts with this (the limits' with "<prefix>-limits"): the test
# suite uses its own, so that it deletes only its keys from a Redis it shares.
CACHE_KEY_PREFIX = os.environ.get("CLINIC_CACHE_KEY_PREFIX", "clinic").strip() or "clinic"

# django-redis; an error from Redis reads as a cache miss, and the rate limits count
# in the process meanwhile (clinic/cache.py).
CACHES = {
    "default": (
        redis_cache(REDIS_URL, CACHE_KEY_PREFIX)
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "default"}
    ),
    "limits": (
        redis_cache(REDIS_LIMITS_URL, f"{CACHE_KEY_PREFIX}-limits", errors_are_misses=False)
        if REDIS_LIMITS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "limits"}
    ),
}
RATE_LIMIT_CACHE_ALIAS = "limits"

# How many reverse proxies (load balancers) in front of the app append to
# X-Forwarded-For: the client's address for rate limits and sign-in lockouts is
# the entry the outermost of them appended (clinic/client_ip.py). 0 ignores the header.
TRUSTED_PROXIES = env_int("DJANGO_TRUSTED_PROXIES", 0)
if TRUSTED_PROXIES < 0:
    raise ImproperlyConfigured(f"DJANGO_TRUSTED_PROXIES must be 0 or more; got {TRUSTED_PROXIES}.")

# Per-client limits on form submissions (clinic/ratelimit.py). Only a load test
# from one address turns them off.
RATE_LIMITS_ENABLED = env_bool("CLINIC_RATE_LIMITS_ENABLED", True)

# --- Auth -------------------------------------------------------------------

# Where Django admin lives. Not a secret that protects anything on its own (the
# two-step sign-in does that), but an unguessable path keeps scripted password
# guessing off the sign-in page.
ADMIN_URL = os.environ.get("DJANGO_ADMIN_URL", "admin/").strip().strip("/")
if not re.fullmatch(r"[A-Za-z0-9._~-]+(/[A-Za-z0-9._~-]+)*", ADMIN_URL) or any(
    not part.strip(".") for part in ADMIN_URL.split("/")
):
    raise ImproperlyConfigured(
        "DJANGO_ADMIN_URL must be a path such as admin/ or staff-7f3a/ (letters, digits, . _ ~ - and /); "
        f"got {os.environ.get('DJANGO_ADMIN_URL')!r}."
    )
ADMIN_URL += "/"

# django-axes checks every sign-in attempt first and refuses it while the
# username is locked out from that address; Django's own backend then checks
# the password.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Five failed attempts (wrong password or wrong code) for one username from one
# address lock that pair out for an hour. Counted in the database, so every app
# server sees the same count.
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 1  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# The same client address as the rate limits: behind proxies, the client's, not the proxy's.
AXES_CLIENT_IP_CALLABLE = "clinic.client_ip.client_address"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "accounts.views.lockout_response"  # a friendly page, HTTP 429
# Second factor: a time-based code (TOTP) from an authenticator app. Admin
# never shows a device's secret again once it is made.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
# A password step not followed by a code within this many seconds starts over.
STAFF_SIGNIN_PENDING_SECONDS = 300
# An authenticator app is set up only through a single-use link a superuser issues
# (accounts/services.py); it expires after this many hours.
STAFF_ENROLMENT_LINK_HOURS = env_int("STAFF_ENROLMENT_LINK_HOURS", 24)
# Staff sessions end after 30 minutes without a request and 12 hours after signing in
# (accounts/middleware.py); the session cookie itself lasts no longer.
STAFF_SESSION_IDLE_SECONDS = 30 * 60
STAFF_SESSION_MAX_SECONDS = 12 * 3600
SESSION_COOKIE_AGE = STAFF_SESSION_MAX_SECONDS
# Backup codes made at set-up (and each time a staff member renews them).
STAFF_BACKUP_CODES = 10

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Internationalisation -----------------------------------------------------

LANGUAGE_CODE = "en-gb"
TIME_ZONE = os.environ.get("DJANGO_TIME_ZONE", "Europe/London")
USE_I18N = True
# British formats with the 24-hour clock (clinic/formats/en_GB/formats.py).
FORMAT_MODULE_PATH = ["clinic.formats"]
USE_TZ = True

# --- Static files -------------------------------------------------------------

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
WHITENOISE_MAX_AGE = 31536000 if not DEBUG else 0

# --- Forms ------------------------------------------------------------------

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Email ------------------------------------------------------------------

EMAIL_HOST = os.environ.get("EMAIL_HOST", "").strip()
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("EMAIL_PORT", 587)
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
    EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Larchfield Skin Clinic <hello@larchfield-clinic.example>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
CLINIC_STAFF_EMAIL = os.environ.get("CLINIC_STAFF_EMAIL", "reception@larchfield-clinic.example")
# Where vulnerabilities are reported (/.well-known/security.txt, README).
CLINIC_SECURITY_EMAIL = os.environ.get("CLINIC_SECURITY_EMAIL", "security@larchfield-clinic.example")

# --- Background work: the outbox and its worker ----------------------------
#
# Every email is recorded in the outbox (notifications app) and sent by a worker
# process (`python manage.py run_worker`); scheduled jobs are queued by
# `python manage.py run_scheduler`. The queue lives in the database
# (django-tasks with django-tasks-db), so several workers on several machines share it.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
OUTBOX_MAX_ATTEMPTS = env_int("OUTBOX_MAX_ATTEMPTS", 8)
OUTBOX_RETRY_SECONDS = env_int("OUTBOX_RETRY_SECONDS", 60)
OUTBOX_SENDING_LEASE_SECONDS = env_int("OUTBOX_SENDING_LEASE_SECONDS", 300)
# The worker's records of finished tasks (not the emails: those stay in the outbox) are
# deleted by the job prune_task_results once this old; failed ones are kept longer.
TASK_RESULTS_KEEP_DAYS = env_int("TASK_RESULTS_KEEP_DAYS", 14)
TASK_RESULTS_FAILED_KEEP_DAYS = env_int("TASK_RESULTS_FAILED_KEEP_DAYS", 60)
if OUTBOX_MAX_ATTEMPTS < 1 or OUTBOX_RETRY_SECONDS < 1 or OUTBOX_SENDING_LEASE_SECONDS < 1:
    raise ImproperlyConfigured(
        "OUTBOX_MAX_ATTEMPTS, OUTBOX_RETRY_SECONDS and OUTBOX_SENDING_LEASE_SECONDS must be 1 or more."
    )

# --- The clinic -------------------------------------------------------------

CLINIC_NAME = os.environ.get("CLINIC_NAME", "Larchfield Skin Clinic")
OTP_TOTP_ISSUER = CLINIC_NAME  # the name staff see in their authenticator app
CLINIC_ADDRESS = os.environ.get("CLINIC_ADDRESS", "14 Larch Row, London N1 7QX")
CLINIC_PHONE = os.environ.get("CLINIC_PHONE", "+44 20 7946 0321")
CLINIC_EMAIL = os.environ.get("CLINIC_EMAIL", "hello@larchfield-clinic.example")
# ISO 3166 region used to read and validate patients' phone numbers.
CLINIC_PHONE_REGION = os.environ.get("CLINIC_PHONE_REGION", "GB")
# Public address of the site, used in emails and calendar invites.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
CONSULTATION_LENGTH_MINUTES = env_int("CONSULTATION_LENGTH_MINUTES", 30)
# Times offered to a patient are kept for them this long (or until they answer).
OFFER_HOLD_HOURS = env_int("OFFER_HOLD_HOURS", 48)
# The privacy notice (/privacy/) in force; stored with each patient's consent. Change it whenever
# the notice's text changes.
PRIVACY_NOTICE_VERSION = "2026-11-30"
# How to find the clinic, in words (/contact/): no external map.
CLINIC_DIRECTIONS = os.environ.get(
    "CLINIC_DIRECTIONS",
    "Larch Row is a short side street off Upper Street. From Angel Underground station (Northern line), turn "
    "left along Upper Street and walk for about six minutes; Larch Row is the third turning on the right, after "
    "the library. We are number 14, a blue door with step-free access and a bell at wheelchair height. Buses "
    "4, 19, 30 and 43 stop on Upper Street nearby. There is no parking at the clinic; the nearest public car park "
    "is on Pleasant Street, about five minutes away.",
)
# The clinic's health-care regulator (Care Quality Commission in England) and its registration. The demo's
# numbers are fictional samples, and say so on the site until real ones are set.
CLINIC_REGULATOR = os.environ.get("CLINIC_REGULATOR", "Care Quality Commission (CQC)")
CLINIC_REGULATOR_URL = os.environ.get("CLINIC_REGULATOR_URL", "https://www.cqc.org.uk/")
CLINIC_REGULATOR_NUMBER = os.environ.get("CLINIC_REGULATOR_NUMBER", "").strip() or "1-000000000"
CLINIC_REGULATOR_NUMBER_IS_SAMPLE = not os.environ.get("CLINIC_REGULATOR_NUMBER", "").strip()
# The clinic's entry in the Information Commissioner's register of fee payers (data controllers).
CLINIC_ICO_NUMBER = os.environ.get("CLINIC_ICO_NUMBER", "").strip() or "ZA000000"
CLINIC_ICO_NUMBER_IS_SAMPLE = not os.environ.get("CLINIC_ICO_NUMBER", "").strip()
# Closed consultation requests (declined, cancelled, completed, no-show) untouched for this many
# days are anonymised by `purge_consultations` (the privacy notice quotes it).
CONSULTATION_RETENTION_DAYS = env_int("CONSULTATION_RETENTION_DAYS", 365)

# --- Medical review of condition and treatment pages -------------------------------

# When a clinician approves a page's clinical content, its next review falls due this many months later.
MEDICAL_REVIEW_INTERVAL_MONTHS = env_int("MEDICAL_REVIEW_INTERVAL_MONTHS", 12)

# --- Patient comments ---------------------------------------------------------

# Off only for a site that publishes clean comments at once; comments with a
# phone number or email address, or too many links, are held whatever this says.
COMMENTS_HELD_FOR_MODERATION = env_bool("COMMENTS_HELD_FOR_MODERATION", True)
# A person takes longer than this between opening a page and posting a comment.
COMMENT_MIN_SECONDS_TO_POST = env_int("COMMENT_MIN_SECONDS_TO_POST", 3)
COMMENT_FORM_MAX_AGE_SECONDS = env_int("COMMENT_FORM_MAX_AGE_SECONDS", 2 * 24 * 3600)
COMMENT_MAX_LINKS = env_int("COMMENT_MAX_LINKS", 2)
COMMENT_RATE_LIMIT = env_int("COMMENT_RATE_LIMIT", 5)
COMMENT_RATE_WINDOW_SECONDS = env_int("COMMENT_RATE_WINDOW_SECONDS", 600)

# --- Security ---------------------------------------------------------------

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Scripts and styles only from the site's own files: no inline code, no eval,
# no CDN. JSON-LD blocks are data, not scripts, and are unaffected. Bootstrap's
# icons are data: URIs, hence img-src data:.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"
SESSION_COOKIE_HTTPONLY = True
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("DJANGO_BEHIND_PROXY", False) else None

if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# --- Logging ----------------------------------------------------------------

# Nothing personal is logged: code logs ids and references, never names,
# addresses, phone numbers or what patients wrote; the paths Django logs for
# 4xx/5xx responses have the token of a patient's status link blanked out.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "secret_links": {"()": "clinic.log_filters.RedactSecretLinks"},
        "without_template_context": {"()": "clinic.log_filters.WithoutTemplateContext"},
        "client_errors_without_traceback": {"()": "clinic.log_filters.ClientErrorsWithoutTraceback"},
        "as_warning": {"()": "clinic.log_filters.AsWarning"},
    },
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["secret_links"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {
        # Django's own configuration gives "django" a console handler of its own (in debug) and
        # "django.server" one that does not propagate: without these two lines each django.* line
        # printed twice under `make run`, and django.server's without the time.
        "django": {"handlers": [], "propagate": True},
        "django.server": {"level": "WARNING", "filters": ["secret_links"], "handlers": [], "propagate": True},
        "django.request": {"filters": ["secret_links", "client_errors_without_traceback"]},
        # A refused admin filter or to_field (?client_hash=x): a 400 worth a warning, not an error alert.
        "django.security.DisallowedModelAdminLookup": {"filters": ["as_warning", "client_errors_without_traceback"]},
        "django.security.DisallowedModelAdminToField": {"filters": ["as_warning", "client_errors_without_traceback"]},
        "django.security.csrf": {"filters": ["secret_links"]},
        "django.template": {"filters": ["without_template_context"]},
        # The scheduler logs each job it queues itself (jobs); APScheduler's own lines are noise.
        "apscheduler": {"level": "WARNING"},
    },
}

# --- Performance --------------------------------------------------------------

# Whole pages cached for anonymous readers (clinic/pagecache.py). A local-memory
# cache belongs to one process, with its own content version: pages there expire
# sooner. With REDIS_URL every process and server shares the pages and sees an
# edit on the next request. Off in development, where templates change under it.
PAGE_CACHE_ALIAS = "default"
PAGE_CACHE_SECONDS = env_int("PAGE_CACHE_SECONDS", 0 if DEBUG else 600 if REDIS_URL else 60)
# Each process also keeps its latest pages (about 65 KB each), checked against the shared version,
# which it reads again at most every PAGE_CACHE_VERSION_SECONDS: an edit made through another
# process shows here within that time (one made through this process, at once).
PAGE_CACHE_LOCAL_PAGES = 100
PAGE_CACHE_VERSION_SECONDS = 0.1
# The release (set at deploy: RELEASE_ID, or GIT_SHA): pages rendered by another release
# are never served. Unset, each process serves only the pages it rendered itself.
PAGE_CACHE_RELEASE = (os.environ.get("RELEASE_ID") or os.environ.get("GIT_SHA") or "").strip()

# SQLite: a writer waits its turn for the lock (IMMEDIATE transactions, a busy
# timeout) instead of failing half-way with "database is locked", and readers
# never wait for a writer (write-ahead log). Connections are kept open as for
# PostgreSQL: closing the last one to a write-ahead-logged database checkpoints
# it, which costs a disk sync per request (submissions ran 2.5 times slower).
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        transaction_mode="IMMEDIATE",
        timeout=20,
        init_command="PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
    )
    DATABASES["default"]["CONN_MAX_AGE"] = env_int("DJANGO_CONN_MAX_AGE", 600)
