"""Settings for the live-blog editor. Everything that differs between machines comes from the
environment through the strict helpers in liveblog.env; `make run` needs no variables at all."""

from datetime import timedelta
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from liveblog.env import (
    env_addresses,
    env_bool,
    env_choice,
    env_database,
    env_email,
    env_int,
    env_list,
    env_origins,
    env_str,
)
from liveblog.localenv import read_local_env
from liveblog.media import media_origin, s3_storage
from liveblog.redis_queues import rq_queues
from liveblog.vapid import problems as vapid_problems

BASE_DIR = Path(__file__).resolve().parent.parent

# The checkout's git-ignored `.env`, written by `make run` (liveblog/localenv.py): it fills in
# variables the environment leaves unset. LOCAL_ENV_FILE names another file; empty reads none.
read_local_env(env_str("LOCAL_ENV_FILE", str(BASE_DIR / ".env")))

DEBUG = env_bool("DEBUG", default=False)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
    SECRET_KEY = "django-insecure-local-development-only"  # noqa: S105 - DEBUG only

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "axes",
    "django_tasks_db",
    "incidents",
]

# Under the ASGI server each is loaded in a form that runs its hooks on the event loop where they
# do no I/O (liveblog/middleware.py): no thread hop per layer.
MIDDLEWARE = [
    "liveblog.requestlog.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: turns a refused sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

# The paths a reader's page polls or streams from, and the load balancer's health check: under
# the ASGI server they pass only these middleware (liveblog/middleware.py). No session, form,
# message or sign-in concerns them; every security header still does.
# The embeddable live widget is the same for everyone, signed in or not: a reader's path too.
READER_PATHS = r"/healthz|/stories/[-a-zA-Z0-9_]+/(?:events|updates|embed/)"
# The article, when nobody is signed in (no session or message cookie): the same for everyone.
READER_PAGES = r"/stories/[-a-zA-Z0-9_]+/"
READER_MIDDLEWARE = [
    "liveblog.requestlog.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # request.htmx: the article answers "Show older updates" with that page's updates alone.
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "liveblog.urls"

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

WSGI_APPLICATION = "liveblog.wsgi.application"
ASGI_APPLICATION = "liveblog.asgi.application"

DATABASES = {"default": env_database("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers carry on while one writer writes; IMMEDIATE makes concurrent writers wait
    # for the lock (up to the timeout) instead of failing half-way through a transaction.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    test_name = env_str("SQLITE_TEST_NAME")
    if test_name:
        DATABASES["default"]["TEST"] = {"NAME": test_name}

elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A pool of connections per server process (psycopg_pool). Under the ASGI server each
    # request runs on a thread of its own, so without one every request opened a connection.
    # The live hub keeps up to three of them (delivery and replays); requests share the rest.
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": 2,
        "max_size": env_int("DATABASE_POOL_SIZE", 20),
        "timeout": 10,
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

AUTHENTICATION_BACKENDS = [
    "liveblog.signin.SignInBackend",  # refuses a locked-out sign-in before its password is read
    "django.contrib.auth.backends.ModelBackend",
]

# Sign-in lockout (django-axes, liveblog/signin.py): five attempts per account and address, then
# a quarter of an hour's wait. Counted in the cache: one Redis for all processes with REDIS_URL.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_HANDLER = "liveblog.signin.ReservingCacheHandler"
AXES_USERNAME_CALLABLE = "liveblog.signin.normalised_username"
AXES_CLIENT_IP_CALLABLE = "liveblog.signin.client_address"
AXES_LOCKOUT_CALLABLE = "incidents.views.accounts.locked_out"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "desk:dashboard"
LOGOUT_REDIRECT_URL = "reader:front"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
# Uploaded pictures (incidents/models/picture.py). Without MEDIA_S3_BUCKET they are files under
# MEDIA_ROOT, served at /media/ by the app itself (liveblog/media.py); with it, objects in that
# S3-compatible bucket, served from MEDIA_URL, which must then be absolute (README, "Deploying").
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
MEDIA_URL = env_str("MEDIA_URL", "/media/")
MEDIA_S3_BUCKET = env_str("MEDIA_S3_BUCKET")
MEDIA_ORIGIN = media_origin(MEDIA_URL)
STORAGES = {
    "default": s3_storage(MEDIA_S3_BUCKET, MEDIA_URL)
    if MEDIA_S3_BUCKET
    else {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if env_bool("STATIC_MANIFEST", default=not DEBUG)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Without collectstatic (development, tests) WhiteNoise serves the source files directly.
WHITENOISE_USE_FINDERS = STORAGES["staticfiles"]["BACKEND"].startswith("django.")
WHITENOISE_AUTOREFRESH = DEBUG

# One cache for every server process when REDIS_URL is set (rate limits, sign-in throttling);
# otherwise each process keeps its own in memory, which suits one process on one machine.
REDIS_URL = env_str("REDIS_URL")
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    if REDIS_URL
    # Room for the rendered updates of the pages being read (incidents/timeline.py), ~1 KB each.
    else {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "OPTIONS": {"MAX_ENTRIES": 20_000},
    }
}

# --- Security ------------------------------------------------------------------------------
# Scripts only from our own origin: no inline scripts or handlers, no eval, and no per-response
# nonce, so that one cached copy of a reader's page serves every reader.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    # Pictures come from our origin or the configured media origin, never a third party.
    "img-src": [CSP.SELF, *([MEDIA_ORIGIN] if MEDIA_ORIGIN else [])],
    "connect-src": [CSP.SELF],
    "font-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
X_FRAME_OPTIONS = "DENY"
# The sites that may frame the embeddable live widget (/stories/<slug>/embed/, and that route
# only: incidents/embedding.py), as origins: https://partner.example.com. Besides our own.
EMBED_FRAME_ANCESTORS = env_origins("EMBED_FRAME_ANCESTORS", [])
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
# Addresses of the proxies whose X-Forwarded-For uvicorn believes (`make serve` passes them as
# --forwarded-allow-ips); from anyone else REMOTE_ADDR stays the peer. Sign-in lockout and rate
# limits key on it, so behind a load balancer this must name the balancer's addresses.
FORWARDED_ALLOW_IPS = env_addresses("FORWARDED_ALLOW_IPS", ["127.0.0.1"])
if env_bool("BEHIND_TLS_PROXY", default=False):
    # The proxy in front terminates TLS and says so in this header.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Health checks come from the load balancer over plain HTTP on the private network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# --- Logging -------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "line": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "line"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        # Our one-line-per-request log replaces Django's and uvicorn's access lines.
        "django.request": {"level": "ERROR"},
        "django.server": {"level": "WARNING"},
        "uvicorn.access": {"level": "WARNING"},
    },
}

# --- Live delivery (incidents/live/) -------------------------------------------------------
# A comment line on an idle event stream, so proxies and browsers keep it open.
LIVE_HEARTBEAT_SECONDS = env_int("LIVE_HEARTBEAT_SECONDS", 15)
# How often a reader's page polls when it cannot keep an event stream open.
LIVE_POLL_SECONDS = env_int("LIVE_POLL_SECONDS", 5)
# On SQLite each server process checks the watched stories' sequences this often.
LIVE_SQLITE_POLL_SECONDS = 0.25
# The poll fallback reads a story's sequence at most this often per process (seconds).
LIVE_POLL_HEAD_SECONDS = 0.25
# A process stops listening this long after its last stream closed.
LIVE_HUB_IDLE_SECONDS = 30
# A process hands an event to this many of a story's streams, then lets other work (requests it
# is serving) run before the next slice.
LIVE_HAND_OUT_SLICE = 200
# A stream this many events behind is closed; its reader reconnects and is replayed.
LIVE_QUEUE_LIMIT = 500
# A reconnecting reader at most this many changes behind is replayed them (each process keeps
# them rendered for the stories it watches); one further behind, or with a malformed cursor, is
# told to reload its timeline instead.
LIVE_REPLAY_MEMORY = 200
# Threads per process that replay from the database, apart from the hub's delivery thread.
LIVE_REPLAY_THREADS = 2
# /healthz answers 503 when changes have waited this long for this process's hub.
LIVE_HUB_STALL_SECONDS = 10
# Garbage-collector thresholds for server processes with open streams (see live/hub.py).
LIVE_GC_THRESHOLDS = (50_000, 50, 1_000)

# "N reading now" on the desk (incidents/live/audience.py): each server process reports its
# open streams and the poll requests it answered, per story, this often; a report older than
# LIVE_AUDIENCE_FRESH_SECONDS (a process that stopped or was killed) no longer counts.
LIVE_AUDIENCE_SECONDS = env_int("LIVE_AUDIENCE_SECONDS", 15)
LIVE_AUDIENCE_FRESH_SECONDS = env_int("LIVE_AUDIENCE_FRESH_SECONDS", 45)

# Anonymous readers' pages (front page, article): how long a CDN or browser may keep them, and
# serve them stale while fetching a fresh copy (incidents/caching.py).
READER_CACHE_SECONDS = 10
# Threads per process for the readers' slow work on SQLite (a look-up, a render after a change),
# each keeping its SQLite connection between requests (liveblog/offload.py).
READER_THREADS = env_int("READER_THREADS", 8)
if READER_THREADS < 1:
    raise ImproperlyConfigured(f"READER_THREADS must be at least 1, not {READER_THREADS}")
READER_STALE_SECONDS = 30

# Site identity, used in feeds, exports and the page footer.
SITE_NAME = env_str("SITE_NAME", "The Live Desk")

# Background work (Django's Tasks framework; incidents/webhooks.py, incidents/push.py,
# incidents/subscriber_mail.py).
# TASKS_BACKEND says where the queue lives: "database" (django-tasks-db, run by `manage.py
# db_worker`; `make run` starts one beside the server, so one machine needs nothing else) or "rq"
# (Redis, through django-tasks-rq, run by `manage.py rqworker ... --with-scheduler`). README,
# "Background work".
TASKS_BACKEND = env_choice("TASKS_BACKEND", ["database", "rq"], "database")
TASK_QUEUES = ["default", "webhooks", "push", "email"]
if TASKS_BACKEND == "rq":
    # The queue's Redis: its own, or the cache's. Queued tasks must never be evicted, so a cache
    # Redis with an eviction policy (allkeys-lru) needs TASKS_REDIS_URL pointing elsewhere.
    TASKS_REDIS_URL = env_str("TASKS_REDIS_URL") or REDIS_URL
    if not TASKS_REDIS_URL:
        raise ImproperlyConfigured("TASKS_BACKEND=rq needs REDIS_URL (or TASKS_REDIS_URL) set")
    if not TASKS_REDIS_URL.startswith(("redis://", "rediss://", "unix://")):
        raise ImproperlyConfigured(
            f"TASKS_REDIS_URL or REDIS_URL must be a redis:// URL, not {TASKS_REDIS_URL!r}"
        )
    # django_tasks_db stays installed too: switching back and forth leaves no migration unapplied.
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]
    TASKS = {"default": {"BACKEND": "liveblog.rq_backend.RQBackend", "QUEUES": TASK_QUEUES}}
    # A job runs at most ten minutes, then RQ stops it and it fails.
    RQ_QUEUES = rq_queues(TASKS_REDIS_URL, TASK_QUEUES, timeout=600)
    # The workers run each job through django-tasks-rq's Job class, which calls the task.
    RQ = {"JOB_CLASS": "django_tasks_rq.Job"}
else:
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": TASK_QUEUES}}
# The site's own address, for links in what leaves it (webhooks): e.g. https://live.example.com.
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000" if DEBUG else "")
# Outgoing webhooks: how long a receiver may take to answer, and whether one on a loopback
# address may be called (tests only; never in production: server-side request forgery).
WEBHOOK_TIMEOUT_SECONDS = env_int("WEBHOOK_TIMEOUT_SECONDS", 10)
WEBHOOK_ALLOW_LOOPBACK = env_bool("WEBHOOK_ALLOW_LOOPBACK", False)

# Email (subscriptions: incidents/models/subscriber.py, incidents/subscriber_mail.py). Where mail
# goes is one URL (liveblog/env.py): smtp://user:pass@host:587/?tls=1, smtps://…, console: (the
# default: messages are printed by the process that sends them, the task worker) or file:///dir.
# How long an SMTP server may take to answer one command.
EMAIL_TIMEOUT_SECONDS = env_int("EMAIL_TIMEOUT_SECONDS", 10)
MAILERS = {"default": env_email("EMAIL_URL", "console:", timeout=EMAIL_TIMEOUT_SECONDS)}
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "The Live Desk <live@localhost>")
# A subscriber gets at most one email this often; updates in between wait for the next.
EMAIL_BATCH_MINUTES = env_int("EMAIL_BATCH_MINUTES", 5)
# How long a worker holds the emails it took on before another worker may take them over (a
# worker killed mid-batch). Longer than one send may take.
EMAIL_CLAIM_SECONDS = max(env_int("EMAIL_CLAIM_SECONDS", 120), 1)
# How long the link in a confirmation email works.
EMAIL_CONFIRM_DAYS = env_int("EMAIL_CONFIRM_DAYS", 3)

# Web Push (incidents/push.py; README, "Push notifications"): the server's VAPID key pair and a
# contact address for push services, all three or none. Without them push is off: no button on
# the article, and `manage.py check` says so. `manage.py vapid_keys` makes a pair; `make run`
# writes one into the local .env.
VAPID_PRIVATE_KEY = env_str("VAPID_PRIVATE_KEY", "")
VAPID_PUBLIC_KEY = env_str("VAPID_PUBLIC_KEY", "")
VAPID_SUBJECT = env_str("VAPID_SUBJECT", "")
if problem := next(iter(vapid_problems(VAPID_PRIVATE_KEY, VAPID_PUBLIC_KEY, VAPID_SUBJECT)), ""):
    raise ImproperlyConfigured(problem)
# How long a push service may take to answer, and how long it keeps a message for a browser that
# is offline (a notification hours late is news no longer).
PUSH_TIMEOUT_SECONDS = env_int("PUSH_TIMEOUT_SECONDS", 10)
PUSH_TTL_SECONDS = env_int("PUSH_TTL_SECONDS", 4 * 3600)
# Subscribing and unsubscribing, per reader's address and hour.
PUSH_CHANGES_PER_HOUR = env_int("PUSH_CHANGES_PER_HOUR", 30)
# Whether a push endpoint may be plain http on a loopback address (tests only; never in
# production: the endpoint is the reader's to give, so it must not reach inside our network).
PUSH_ALLOW_LOOPBACK = env_bool("PUSH_ALLOW_LOOPBACK", False)

# Social-post cards' "Fill in from the link" (incidents/social_cards.py): oEmbed endpoints by
# network, over the built-in ones (tests point them at a local stand-in), and whether a Mastodon
# server on a loopback address may be asked (never in production: server-side request forgery).
SOCIAL_CARD_OEMBED_ENDPOINTS = {}
SOCIAL_CARD_ALLOW_LOOPBACK = False

# Limits that protect the desk and the API.
UPDATE_MAX_CHARS = env_int("UPDATE_MAX_CHARS", 50_000)
# Largest request body by path prefix, refused with 413 before it is read (liveblog/asgi.py).
# An upload route would add its own prefix here. Up to FILE_UPLOAD_MAX_MEMORY_SIZE Django keeps a
# body in memory, so none of these ever reaches the disk.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440  # Django's default, 2.5 MiB: desk forms and sign-in
REQUEST_BODY_LIMITS = {
    "/": DATA_UPLOAD_MAX_MEMORY_SIZE,
    # A picture of up to 15 MB (incidents/images.py) and its form fields.
    "/newsroom/pictures/": 16 * 1024 * 1024,
    "/api/v1/pictures": 16 * 1024 * 1024,
    "/api/": 64 * 1024,  # incidents/api/endpoint.py MAX_BODY_BYTES
}
# A picture is read whole to be checked (incidents/images.py), so an upload stays in memory too.
FILE_UPLOAD_MAX_MEMORY_SIZE = max(REQUEST_BODY_LIMITS.values())
