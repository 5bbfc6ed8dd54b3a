"""Settings shared by every environment; values that differ come from the environment (django-environ)."""

from datetime import timedelta
from pathlib import Path

import environ
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
# A .env file next to manage.py is read when present; real environment variables win.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env("SECRET_KEY", default=None)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "import_export",
    "simple_history",
    "accounts.apps.LoginThrottleConfig",  # axes, named in the user's language
    "imports.apps.TaskQueueConfig",  # django_tasks_db, named in the user's language
    "core",
    "accounts",
    "units",
    "procedures",
    "filings",
    "reports",
    "scores",
    "directing",
    "imports",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # The Content-Security-Policy of SECURE_CSP on every response.
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    # A NUL character in the path or query string: 400 before anything reads it (core.middleware).
    "core.middleware.RefuseNulMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Pages compressed on the wire (an entry grid of 300 rows: 200 KB of HTML, 20 KB sent); Django's
    # GZipMiddleware pads its output against BREACH, and CSRF tokens are masked per request.
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "dvc_portal.middleware.VietnameseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After the messages: a session idle too long is ended with a message on the login page.
    "accounts.middleware.IdleTimeoutMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes requires: turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
    # A view whose database connection fails answers 503, "nothing was saved" (core.middleware).
    "core.middleware.DatabaseUnavailableMiddleware",
]

# Content-Security-Policy (Django's own): scripts and styles from the portal's own static files only, or
# carrying the request's nonce; no inline handlers or style attributes (the pages use none:
# static/js/actions.js, static/css/widths.css); nothing from another origin, no framing.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:", "blob:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

ROOT_URLCONF = "dvc_portal.urls"
WSGI_APPLICATION = "dvc_portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                # `csp_nonce`, for the few <style> elements of our own (accounts/_styles.html).
                "django.template.context_processors.csp",
            ],
        },
    },
]

# SQLite file next to manage.py unless DATABASE_URL points elsewhere (postgres://user@host:5432/name).
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Persistent connections: each of gunicorn's sync workers keeps its one connection across requests (a new
# connection per request cost /healthz three quarters of its time), checked before each request's first query.
# DB_CONN_MAX_AGE=0 closes it after every request.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=600)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = env.bool("DB_CONN_HEALTH_CHECKS", default=True)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the dashboard read while an import writes; a busy timeout avoids "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;", "timeout": 20}
    )
elif env.bool("DB_PREPARED_STATEMENTS", default=True):
    # psycopg prepares a query when its cursor asks (or after so many runs, never reached): Django's cursors
    # never ask; core.rows.fetch_row does, for the few small queries of every request. Django's default (None)
    # prepares nothing: DB_PREPARED_STATEMENTS=0, for a PgBouncer in transaction mode (docs/deploy.md).
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("prepare_threshold", 2**31 - 1)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The cache of the figures reused between requests (reports.reuse: keyed by versions of the data, so never
# stale): each process's own memory by default; several machines share one, e.g. CACHE_URL=redis://host:6379/1.
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://dvc-portal?max_entries=1000")}
# REPORTS_REUSE=0: every request computes its figures (to measure the plain computation, or to rule it out).
REPORTS_REUSE = env.bool("REPORTS_REUSE", default=True)

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Login throttle (django-axes): 5 failures lock that username *from that address* for 15 minutes, so
# one clerk mistyping does not lock out a whole office behind one shared address, nor others' names.
AUTHENTICATION_BACKENDS = [
    "accounts.authentication.ThrottledLoginBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "accounts.views.locked_out"
# Behind a reverse proxy, the client address is in X-Forwarded-For: set AXES_IPWARE_META_PRECEDENCE_ORDER
# to HTTP_X_FORWARDED_FOR,REMOTE_ADDR and AXES_IPWARE_PROXY_COUNT to the number of proxies in front.
# Without them every login seems to come from the proxy (still per username, but spoof-proof).
AXES_IPWARE_META_PRECEDENCE_ORDER = tuple(env.list("AXES_IPWARE_META_PRECEDENCE_ORDER", default=["REMOTE_ADDR"]))
AXES_IPWARE_PROXY_COUNT = env.int("AXES_IPWARE_PROXY_COUNT", default=None)

# Password reset mails: printed on the console unless EMAIL_BACKEND names another backend; for SMTP
# (django.core.mail.backends.smtp.EmailBackend) also EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER,
# EMAIL_HOST_PASSWORD, EMAIL_USE_TLS. Django 6.1 reads them through MAILERS (the EMAIL_* settings are deprecated).
EMAIL_BACKEND_PATH = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
MAILERS = {"default": {"BACKEND": EMAIL_BACKEND_PATH}}
if EMAIL_BACKEND_PATH.endswith(".smtp.EmailBackend"):
    MAILERS["default"]["OPTIONS"] = {
        "host": env("EMAIL_HOST", default="localhost"),
        "port": env.int("EMAIL_PORT", default=25),
        "username": env("EMAIL_HOST_USER", default=""),
        "password": env("EMAIL_HOST_PASSWORD", default=""),
        "use_tls": env.bool("EMAIL_USE_TLS", default=False),
    }
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="dvc-portal <no-reply@localhost>")
# The portal's address as its users reach it, for the links in mails (manage.py send_reminders).
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")

# History (django-simple-history): no index on history_date alone. Histories are read by object (and the
# unit-month ones by unit and month, filings.audit.UnitMonthHistory), never by date alone, and a bulk import
# would pay one index entry per history row.
SIMPLE_HISTORY_DATE_INDEX = False

# Monthly figures close for entry by clerks this many days after the month ends (docs/workflow.md).
FILINGS_ENTRY_CLOSE_DAYS = env.int("FILINGS_ENTRY_CLOSE_DAYS", default=10)

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
# Our own formats (dvc_portal/formats/<lang>/formats.py): 1.234.567 and 26,15 in Vietnamese.
FORMAT_MODULE_PATH = ["dvc_portal.formats"]
USE_THOUSAND_SEPARATOR = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
# Uploaded files: the directives' documents, the evidence of task reports and the inspections' reports
# (directing). Never served as such: directing.views.files hands each to those who may see it.
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

SESSION_COOKIE_HTTPONLY = True
# A session lasts at most SESSION_COOKIE_AGE (8 hours: a working day) and ends after SESSION_IDLE_SECONDS
# (30 minutes) without a request (accounts.middleware.IdleTimeoutMiddleware).
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 3600)
SESSION_IDLE_SECONDS = env.int("SESSION_IDLE_SECONDS", default=30 * 60)
# Password-reset mails (accounts.throttle): at most this many per e-mail address and per client address
# in the window; beyond them no mail is sent.
PASSWORD_RESET_PER_EMAIL = env.int("PASSWORD_RESET_PER_EMAIL", default=3)
PASSWORD_RESET_PER_ADDRESS = env.int("PASSWORD_RESET_PER_ADDRESS", default=10)
PASSWORD_RESET_WINDOW_MINUTES = 60
# seed_demo and generate_dataset write demo logins (admin / admin) and synthetic data: never in production.
DEMO_COMMANDS_ALLOWED = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="WARNING")},
}

# Imports (docs/import.md): uploads over IMPORT_MAX_BYTES are refused, and so is an .xlsx/.ods that would
# inflate beyond IMPORT_MAX_UNCOMPRESSED_BYTES (zip bomb). Previewed uploads wait in IMPORT_STAGING_DIR.
# Files attached to directives, task reports and inspections (directing.documents).
DIRECTING_MAX_FILE_BYTES = env.int("DIRECTING_MAX_FILE_BYTES", default=10 * 1024 * 1024)
IMPORT_MAX_BYTES = env.int("IMPORT_MAX_BYTES", default=20 * 1024 * 1024)
IMPORT_MAX_UNCOMPRESSED_BYTES = env.int("IMPORT_MAX_UNCOMPRESSED_BYTES", default=200 * 1024 * 1024)
# A sheet whose grid (A1 to its farthest cell with a value) would hold more cells is refused before it is read.
IMPORT_MAX_CELLS = env.int("IMPORT_MAX_CELLS", default=5_000_000)
IMPORT_STAGING_DIR = env("IMPORT_STAGING_DIR", default=None)
# The admin's exports (django-import-export) escape cells that would start a formula as ours do
# (imports.resources.PortalResource.export_field); django-import-export's own escaping (which drops a
# leading "=") stays off.
IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT = False

# Background jobs (Django's tasks framework, django.tasks): the import page's imports run as jobs, stored in
# the database by django-tasks-db and run by its worker, `manage.py db_worker` (`make run` starts it beside
# the web server; docs/import.md, "Background jobs"). TASKS_BACKEND=django.tasks.backends.immediate.
# ImmediateBackend runs them inside the request instead, with no worker.
TASKS = {"default": {"BACKEND": env("TASKS_BACKEND", default="django_tasks_db.DatabaseBackend")}}
# A running import job writes its progress and a heartbeat this often; one whose worker is gone (its lock
# on the job released, or, where that cannot be seen, no heartbeat for IMPORT_JOB_STALE_SECONDS) is failed.
IMPORT_JOB_HEARTBEAT_SECONDS = env.float("IMPORT_JOB_HEARTBEAT_SECONDS", default=1.0)
IMPORT_JOB_STALE_SECONDS = env.int("IMPORT_JOB_STALE_SECONDS", default=120)
# Large exports (docs/import.md, "Large exports"): the page's export of monthly figures holding more than
# EXPORT_INLINE_MAX_ROWS rows is written by the same worker as a job, and its file kept a day in
# EXPORT_JOBS_DIR (unset: `dvc_portal_exports` beside the staging directory), which the web server and the
# worker must both reach. Its heartbeat and staleness are the import jobs'.
EXPORT_INLINE_MAX_ROWS = env.int("EXPORT_INLINE_MAX_ROWS", default=50_000)
EXPORT_JOBS_DIR = env("EXPORT_JOBS_DIR", default=None)

# A read replica for the dashboards and the API (docs/deploy.md, "A read replica"): with DATABASE_REPLICA_URL
# set, the `replica` alias, the router and its middleware of dvc_portal/routers.py, which say which reads go
# there (GET requests of those views, not after a write, only when the replica has caught up). Unset: one
# database, no router. Kept last so that the replica takes the primary's connection settings.
REPLICA_PIN_SECONDS = env.int("REPLICA_PIN_SECONDS", default=15)
if env("DATABASE_REPLICA_URL", default=""):
    DATABASES["replica"] = env.db("DATABASE_REPLICA_URL")
    for _name in ("CONN_MAX_AGE", "CONN_HEALTH_CHECKS"):
        if _name in DATABASES["default"]:
            DATABASES["replica"].setdefault(_name, DATABASES["default"][_name])
    if DATABASES["replica"]["ENGINE"] == "django.db.backends.postgresql":
        if "prepare_threshold" in DATABASES["default"].get("OPTIONS", {}):
            _threshold = DATABASES["default"]["OPTIONS"]["prepare_threshold"]
            DATABASES["replica"].setdefault("OPTIONS", {}).setdefault("prepare_threshold", _threshold)
        # Read-only sessions: a write sent there by mistake fails, even on a replica alias that is the primary.
        DATABASES["replica"].setdefault("OPTIONS", {}).setdefault("options", "-c default_transaction_read_only=on")
    # Tests: the replica is the test database of default, through its own connection.
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["dvc_portal.routers.ReplicaRouter"]
    MIDDLEWARE.insert(
        MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
        "dvc_portal.routers.ReplicaMiddleware",
    )
