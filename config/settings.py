"""The one settings module. Everything that differs between machines comes from the environment.

With no DATABASE_URL the product runs on SQLite in the project folder, and with no REDIS_URL
Celery tasks run in-process: that is the embedded default for trying it out. Production sets
both (Postgres and Redis); see .env.example for every variable.
"""

import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", True)
# A fixed key is only acceptable for the embedded default; production must set SECRET_KEY.
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DJANGO_DEBUG is False.")
    SECRET_KEY = "insecure-development-key-set-SECRET_KEY-in-production"  # noqa: S105
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_tables2",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "placements",
    "sufficiency",
    "dashboard",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "dashboard.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Marks request.user verified once a second factor was given this session (one query a
    # page, for the device named in the session).
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Before LoginRequiredMiddleware: a session it ends is then sent to the sign-in page.
    "dashboard.middleware.SessionTimeoutMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    # After sign-in: sends a user who owes a second factor to give it (docs/security.md).
    "dashboard.middleware.SecondFactorMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A query (or a wait for a lock) whose process has died is stopped within a second, so the
    # dead process's locks go with it (Postgres 14 and later; placements.locks).
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "options", "-c client_connection_check_interval=1000"
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    # First, so that a locked-out sign-in is refused before the password is even checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard-index"
LOGOUT_REDIRECT_URL = "login"
# Sessions end at the first of: the browser closing, SESSION_COOKIE_AGE after signing in (a
# working day), or SESSION_IDLE_TIMEOUT without a request (dashboard.middleware). Both limits
# are enforced on the server, whatever the cookie says.
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", str(8 * 60 * 60)))
SESSION_IDLE_TIMEOUT = int(os.environ.get("SESSION_IDLE_TIMEOUT", str(30 * 60)))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# Repeated failed sign-ins (django-axes). The lockout is per username *and* address, so that
# someone guessing one person's password cannot lock out everyone behind a council's NAT.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
# Hours a lockout lasts; 0 keeps it until an administrator lifts it (axes_reset_username).
AXES_COOLOFF_TIME = float(os.environ.get("AXES_COOLOFF_TIME", "1")) or None
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "dashboard.middleware.lockout_response"
AXES_CLIENT_IP_CALLABLE = "dashboard.middleware.client_ip_address"
# A second factor (an authenticator app's code) after the password, for everyone who can see
# children's records (docs/security.md). Off by default only for the embedded demo (DEBUG).
MFA_REQUIRED = env_bool("MFA_REQUIRED", not DEBUG)
# The name authenticator apps show beside the account.
OTP_TOTP_ISSUER = "Sufficiency"
# Administrators may delete a user's devices (a lost phone), never read their keys or codes:
# that would let an administrator sign in as them.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
# How many reverse proxies of ours stand in front of the app, each appending to
# X-Forwarded-For. 0 (the default): the header is ignored, since any client can send it.
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))

# Response headers, on in every mode (dashboard.middleware.SecurityHeadersMiddleware).
# style-src needs 'unsafe-inline' because plotly.js injects <style> elements and style
# attributes as it draws. Scripts stay 'self' only: templates never use inline <script> or on*
# handlers (data goes in json_script blocks or data-* attributes).
CONTENT_SECURITY_POLICY = os.environ.get("CONTENT_SECURITY_POLICY") or (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; frame-ancestors 'none'; "
    "base-uri 'self'; form-action 'self'; object-src 'none'"
)
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    "dashboard.staticfiles.PlotlyFinder",
]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT") or BASE_DIR / "staticfiles")
# Without collectstatic (the quick start, tests) WhiteNoise serves straight from static/.
WHITENOISE_USE_FINDERS = DEBUG

# Uploads: raw files are kept in the database with their checksum, so any web or worker
# process can replay them. The limits (docs/uploads.md#limits) are checked before any work:
# the bytes ones while the files stream in, the rest on the streamed files before any is kept.
# Each file, and all the files of one upload together.
UPLOAD_MAX_BYTES = int(os.environ.get("UPLOAD_MAX_BYTES", str(50 * 1024 * 1024)))
UPLOAD_MAX_TOTAL_BYTES = int(os.environ.get("UPLOAD_MAX_TOTAL_BYTES", str(100 * 1024 * 1024)))
# What the workbooks of one upload may expand to, together, when unzipped.
UPLOAD_MAX_UNZIPPED_BYTES = int(os.environ.get("UPLOAD_MAX_UNZIPPED_BYTES", str(200 * 1024 * 1024)))
# Cells across all the files and sheets of one upload (the largest authority's full history
# is about a million), and columns in one table (a 903 table has at most about 25).
UPLOAD_MAX_CELLS = int(os.environ.get("UPLOAD_MAX_CELLS", "5000000"))
UPLOAD_MAX_COLUMNS = int(os.environ.get("UPLOAD_MAX_COLUMNS", "200"))
FILE_UPLOAD_HANDLERS = [
    "placements.upload_handlers.SizeLimitUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
DATA_UPLOAD_MAX_NUMBER_FILES = int(os.environ.get("UPLOAD_MAX_FILES", "30"))
# An upload that has started this many times without finishing (its worker killed each time)
# is failed rather than started again.
UPLOAD_MAX_ATTEMPTS = int(os.environ.get("UPLOAD_MAX_ATTEMPTS", "3"))
# How long an upload or recompute may wait in the queue, untouched, before the sweeper sends it
# again (a message lost with the broker, or a worker killed whole).
SWEEP_AFTER_SECONDS = int(os.environ.get("SWEEP_AFTER_SECONDS", "120"))

REDIS_URL = os.environ.get("REDIS_URL", "")
CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"
# The cache is for speed only (config.cache): Redis when configured, shared by every process,
# else per-process memory. With Redis down a read is a miss, so the site stays up, slower.
CACHES = {
    "default": (
        {
            "BACKEND": "config.cache.ForgivingRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "sufficiency",
            # A Redis that has stopped answering costs a page half a second, not a hang.
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}
# How long the overview's and indicator pages' content stays in the cache (dashboard.page_cache).
# Its key names everything the page shows, so this bounds memory, not staleness; 0 turns it off.
PAGE_CACHE_SECONDS = int(os.environ.get("PAGE_CACHE_SECONDS", "600"))
# Sessions live in the database alone, so signing in and every signed-in page work with Redis
# stopped (one indexed query a page).
SESSION_ENGINE = "django.contrib.sessions.backends.db"
# Nothing reads a task's result (what a task did is in the database), so none is stored.
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
# Without Redis, tasks run in the calling process: the embedded quick start needs no worker.
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = False
# A task is acknowledged when it ends, and one whose worker process was killed (the
# out-of-memory killer, a restart) goes back on the queue rather than being lost.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Every task is told to stop at the soft limit (an upload then fails with a plain message) and
# killed a minute later; a task still unacknowledged after the visibility timeout (its whole
# worker died) is sent again, so the timeout must outlast the hard limit.
CELERY_TASK_SOFT_TIME_LIMIT = int(os.environ.get("TASK_SOFT_TIME_LIMIT", str(10 * 60)))
CELERY_TASK_TIME_LIMIT = CELERY_TASK_SOFT_TIME_LIMIT + 60
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_TASK_TIME_LIMIT + 4 * 60}
# A worker process that has grown past this (kilobytes) is replaced after its task.
CELERY_WORKER_MAX_MEMORY_PER_CHILD = int(os.environ.get("WORKER_MAX_MEMORY_MB", "1500")) * 1024
# With the broker down, sending a task gives up after a few seconds; the sweeper sends it later.
CELERY_BROKER_CONNECTION_TIMEOUT = 3
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.5}
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
# The monthly recompute for every authority, early on the 1st (Celery beat).
CELERY_BEAT_SCHEDULE = {
    # Work left queued, "processing" or "running" by a lost message or a dead worker is sent
    # again, or closed with a plain message (sufficiency.recovery; also `manage.py sweep`).
    "sweep-stuck-work": {
        "task": "sufficiency.tasks.sweep_task",
        "schedule": 60.0,
    },
    "recompute-indicators-monthly": {
        "task": "sufficiency.tasks.recompute_all_task",
        "schedule": crontab(minute=0, hour=3, day_of_month=1),
    },
}
# What runs after an upload has changed an authority's history. Named here, not imported by
# `placements`, so that imports keep pointing one way (dashboard -> sufficiency -> placements).
AFTER_UPLOAD_LOADED_TASK = "sufficiency.tasks.recompute_indicators_task"
# What `import_903 --dry-run` calls to preview an extract: placements may not import the
# indicators, so the preview (docs/uploads.md#previewing-an-upload) is named here.
UPLOAD_PREVIEW = "sufficiency.preview.dry_run"
# What runs once a 903 upload from the form is checked and awaits confirmation: its preview.
AFTER_UPLOAD_CHECKED_TASK = "sufficiency.tasks.preview_upload_task"

if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # django-axes announces itself at start-up, before every management command's output.
        "axes.apps": {"level": "WARNING"},
    },
}
# Checks against careless uploads (docs/uploads.md#checks-before-loading): past these, data
# staff must confirm that they have checked the extract before it loads.
EXTRACT_STALE_MONTHS = int(os.environ.get("EXTRACT_STALE_MONTHS", "2"))
EXTRACT_UNKNOWN_CHILDREN_SHARE = float(os.environ.get("EXTRACT_UNKNOWN_CHILDREN_SHARE", "0.5"))
EXTRACT_HOMES_OUTSIDE_SHARE = float(os.environ.get("EXTRACT_HOMES_OUTSIDE_SHARE", "0.5"))
