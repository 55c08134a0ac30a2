"""MyRopo settings: one module, every deployment value from the environment (see .env.example)."""

from pathlib import Path
from urllib.parse import urlsplit

from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from collection.rules import payment_report_hold_days as _payment_report_hold_days
from myropo.env import (
    database_from_url,
    email_from_url,
    env_bool,
    env_int,
    env_list,
    env_str,
    load_env_file,
)

BASE_DIR = Path(__file__).resolve().parent.parent
load_env_file(BASE_DIR / ".env")

DEBUG = env_bool("DEBUG", False)
_INSECURE_DEV_KEY = "django-insecure-dev-key-only-for-local-debug-never-in-production"
SECRET_KEY = env_str("SECRET_KEY", _INSECURE_DEV_KEY if DEBUG else "")
if not DEBUG and (not SECRET_KEY or SECRET_KEY == _INSECURE_DEV_KEY or len(SECRET_KEY) < 40):
    raise ImproperlyConfigured(
        "SECRET_KEY must be set to a random value of at least 40 characters when DEBUG is off."
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# The name users see in mails, titles and letters; the Sites row (allauth's mails) is written
# from these two by the migration myropo/migrations/0001_site.py.
SITE_NAME = env_str("SITE_NAME", "MyRopo")
SITE_DOMAIN = urlsplit(SITE_URL).netloc or "127.0.0.1:8000"

# --- Customer service and features users are told about ----------------------------------
# Shown on the help page, letters and PDFs only when set: an empty value is never printed.
CUSTOMER_SERVICE_PHONE = env_str("CUSTOMER_SERVICE_PHONE", "")
CUSTOMER_SERVICE_EMAIL = env_str("CUSTOMER_SERVICE_EMAIL", "")
# The privacy notice (/privacy/): who controls the personal data and how to reach them about
# it; empty values are left out of the page, never printed blank.
PRIVACY_CONTROLLER = env_str("PRIVACY_CONTROLLER", SITE_NAME)
PRIVACY_CONTROLLER_BUSINESS_ID = env_str("PRIVACY_CONTROLLER_BUSINESS_ID", "")
PRIVACY_CONTACT_EMAIL = env_str("PRIVACY_CONTACT_EMAIL", CUSTOMER_SERVICE_EMAIL)
# What the pages promise: messages and chat are offered only when these are on. The message
# centre (messaging, issue 13) and the live chat (chat, issue 14) have shipped.
MESSAGE_CENTRE_ENABLED = env_bool("MESSAGE_CENTRE_ENABLED", True)
CHAT_ENABLED = env_bool("CHAT_ENABLED", True)

INSTALLED_APPS = [
    "myropo.apps.MyRopoAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "django.contrib.sites",
    "allauth",
    "allauth.account",
    "myropo.apps.TwoFactorConfig",  # allauth.mfa
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "django_htmx",
    "myropo.apps.ScheduledTasksConfig",  # django_celery_beat
    "channels",
    "myropo",
    "accounts",
    "invoices",
    "collection",
    "payments",
    "arrangements",
    "messaging",
    "chat",
    "creditor",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.UserLanguageMiddleware",
    "accounts.middleware.StaffPowersMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "myropo.request_memo.RequestMemoMiddleware",
]

ROOT_URLCONF = "myropo.urls"
WSGI_APPLICATION = "myropo.wsgi.application"
ASGI_APPLICATION = "myropo.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "myropo.context_processors.site",
                "creditor.context_processors.creditor_portal",
            ],
            "builtins": ["myropo.templatetags.money"],
        },
    }
]

DATABASES = {
    "default": database_from_url(
        env_str("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/myropo")
    )
}
DATABASES["default"]["TEST"] = {"NAME": env_str("TEST_DATABASE_NAME", "test_myropo")}
# Connections come from one psycopg pool per process (Django closes none of them, it returns
# them). Under ASGI every request runs in a thread of its own, and persistent per-thread
# connections (CONN_MAX_AGE) ran PostgreSQL out of its 100 connections at 16 users. A process
# never holds more than DB_POOL_MAX_SIZE; README "Database connections" adds up the processes.
# DB_POOL_MAX_SIZE=0 turns the pool off (Celery's prefork children use plain connections).
DB_POOL_MAX_SIZE = env_int("DB_POOL_MAX_SIZE", 8)
if DB_POOL_MAX_SIZE > 0:
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"]["pool"] = {
        "min_size": min(env_int("DB_POOL_MIN_SIZE", 1), DB_POOL_MAX_SIZE),
        "max_size": DB_POOL_MAX_SIZE,
        # A request waits this long for a free connection, then fails cleanly (HTTP 503).
        "timeout": env_int("DB_POOL_TIMEOUT_SECONDS", 10),
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env_int("DB_CONN_MAX_AGE", 0)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_str("REDIS_URL", "redis://127.0.0.1:6379/0")
CACHES = {
    "default": {
        # Redis, falling back to per-process memory while Redis is down (myropo/cache.py).
        "BACKEND": "myropo.cache.FallbackRedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "myropo"),
        # A Redis that is gone refuses at once; the read timeout only cuts off a live but stalled
        # one. The suite raises it (tests/testenv.py): on a machine loaded by a parallel run a
        # read may stall past a second, and the login limits would move to process memory.
        "OPTIONS": {
            "socket_connect_timeout": 0.5,
            "socket_timeout": env_int("CACHE_REDIS_SOCKET_TIMEOUT_MS", 1000) / 1000,
        },
    }
}
# The sockets' redis.asyncio client (myropo/cache.py): connections per event loop at most.
CACHE_ASYNC_REDIS_MAX_CONNECTIONS = env_int("CACHE_ASYNC_REDIS_MAX_CONNECTIONS", 50)
CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {
            # redis-py's pool refuses (MaxConnectionsError) beyond its default 100 connections
            # in flight: a process with a thousand sockets joining or leaving groups at once (a
            # restart) needs more (bench/chat_fanout.py).
            "hosts": [
                {
                    "address": REDIS_URL,
                    "max_connections": env_int("CHANNELS_REDIS_MAX_CONNECTIONS", 1000),
                    # Each socket waits on Redis in BZPOPMIN for up to 5 s (channels_redis's
                    # brpop_timeout), and redis-py 6+ gives up reading after 5 s by default: the
                    # two raced, and a quiet socket died (TimeoutError) under load. Reads wait
                    # longer than the blocking call; a Redis that is gone refuses at once.
                    "socket_timeout": env_int("CHANNELS_REDIS_SOCKET_TIMEOUT_SECONDS", 15),
                    "socket_connect_timeout": 2,
                }
            ],
            "prefix": env_str("CHANNELS_PREFIX", "myropo-asgi"),
            # Events waiting in Redis for one ASGI process (all its sockets share one queue: a
            # group_send puts one entry a process, however many of its sockets are in the
            # group). Beyond it channels_redis drops news silently (clients get it on resume).
            # The default of 100 was one second of bench/chat_fanout.py's 100 msgs/s: a process
            # that stalled for a second under load lost news. 1,000 holds ten seconds of it,
            # some 0.5 MB of Redis a process; the layer's expiry (60 s) bounds it anyway.
            "capacity": env_int("CHANNELS_REDIS_CAPACITY", 1000),
        },
    }
}

CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", REDIS_URL)
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 30 * 60
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = "Europe/Helsinki"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Letters (WeasyPrint, CPU-bound: a day's cycle queues ~35,000) have a queue and workers of
# their own, so that they never wait behind mails and imports or make those wait. A worker
# serving only `letters` runs LETTER_WORKER_CONCURRENCY processes (myropo/celery.py); one a
# core is the most that helps. The other queues keep kinds of work from waiting behind each
# other: `cycle` (the daily engine runs, long and database-heavy), `mail` (notifications, the
# mailbox poll: short, network-bound), `imports` (invoice and bank files). What is not routed
# (the outbox flush, housekeeping) goes to `default`. README "Running at scale" shows a worker
# per queue; tests/test_task_routes.py holds every task to its queue.
CELERY_TASK_DEFAULT_QUEUE = "default"
TASKS_BY_QUEUE = {
    "cycle": [
        "invoices.tasks.run_collection_cycle",
        "arrangements.tasks.check_plans",
    ],
    "letters": ["invoices.tasks.render_letter"],
    "mail": [
        "arrangements.tasks.send_missed_installment_notice",
        "arrangements.tasks.send_plan_confirmation",
        "chat.tasks.send_chat_transcript",
        "messaging.tasks.send_contact_notification",
        "messaging.tasks.poll_mailbox",
        "payments.tasks.send_payment_receipt",
        "payments.tasks.send_overpayment_notice",
        "payments.tasks.send_bank_account_notice_received",
    ],
    "imports": [
        "creditor.tasks.import_upload",
        "creditor.tasks.end_stale_uploads",
        "payments.tasks.import_bank_drop_folder",
    ],
}
CELERY_TASK_ROUTES = {
    task: {"queue": queue} for queue, tasks in TASKS_BY_QUEUE.items() for task in tasks
}
LETTER_WORKER_CONCURRENCY = env_int("LETTER_WORKER_CONCURRENCY", 2)

# --- Authentication -------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "invoices:list"
LOGOUT_REDIRECT_URL = "home"
SITE_ID = 1

ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "MyRopo: "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http" if DEBUG else "https"
# The client IP of rate limits: REMOTE_ADDR, unless the app runs behind reverse proxies that
# append to X-Forwarded-For; then say how many (1 for one nginx or load balancer). Never set it
# higher than the proxies really in front, or clients could choose their own IP.
ALLAUTH_TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
ACCOUNT_RATE_LIMITS = {
    # Failed logins: 5 in 5 minutes per (account, client IP) (the key, accounts.adapters), and
    # per client IP over all accounts 10 a minute and 30 in 15 minutes, so that wrong
    # passwords typed elsewhere never lock the account's owner out.
    "login_failed": "10/m/ip,30/15m/ip,5/5m/key",
    "login": "30/m/ip",
    "signup": "20/m/ip",
    "confirm_email": "1/3m/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
}
MFA_ADAPTER = "allauth.mfa.adapter.DefaultMFAAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_PASSKEY_LOGIN_ENABLED = True
MFA_TOTP_ISSUER = "MyRopo"
# WebAuthn needs https except on localhost; allow the local development origin.
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG
# Strong identification (bank ID / mobile ID) through a Finnish Trust Network broker's OpenID
# Connect service: allauth's generic provider with nonce and signature checks (accounts/oidc.py).
OIDC_ISSUER = env_str("OIDC_ISSUER", "")
OIDC_CLIENT_ID = env_str("OIDC_CLIENT_ID", "")
OIDC_CLIENT_SECRET = env_str("OIDC_CLIENT_SECRET", "")
# The claim that carries the personal identity code (FTN's attribute OID unless the broker names
# it otherwise, e.g. "personal_identity_code", "hetu" or "nin").
OIDC_HETU_CLAIM = env_str("OIDC_HETU_CLAIM", "urn:oid:1.2.246.21")
OIDC_PROVIDER_ID = "ftn"
if OIDC_ISSUER and not (OIDC_CLIENT_ID and OIDC_CLIENT_SECRET):
    raise ImproperlyConfigured("OIDC_ISSUER needs OIDC_CLIENT_ID and OIDC_CLIENT_SECRET too.")
SOCIALACCOUNT_ADAPTER = "accounts.adapters.SocialAccountAdapter"
SOCIALACCOUNT_PROVIDERS: dict = {
    "openid_connect": {
        "provider_class": "accounts.oidc.StrongIdentificationProvider",
        "OAUTH_PKCE_ENABLED": True,
        "APPS": [
            {
                "provider_id": OIDC_PROVIDER_ID,
                "name": "Strong identification (bank ID / mobile ID)",
                "client_id": OIDC_CLIENT_ID,
                "secret": OIDC_CLIENT_SECRET,
                "settings": {
                    "server_url": OIDC_ISSUER,
                    # The claims come from the signed ID token, no extra userinfo call.
                    "fetch_userinfo": False,
                    "oauth_pkce_enabled": True,
                },
            }
        ]
        if OIDC_ISSUER
        else [],
    }
}
# A bank ID proves a person, not an email address: never log in or sign up by a broker's email.
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_QUERY_EMAIL = False
SOCIALACCOUNT_STORE_TOKENS = False

# Sessions end after 30 minutes without a request (the timer restarts on every request; the
# store writes the new expiry at most once a minute, myropo.sessions).
SESSION_ENGINE = "myropo.sessions"
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_SECONDS", 30 * 60)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# --- Security -------------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_FAILURE_VIEW = "myropo.errors.csrf_failure"
if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF, "ws:", "wss:"],
    "manifest-src": [CSP.SELF],
    "worker-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

# --- Internationalisation ------------------------------------------------------------------
LANGUAGE_CODE = "fi"
# Each language's name in that language (the switcher and the profile's choice): a reader
# looks for "Svenska", not for the Finnish word for it.
LANGUAGES = [("fi", "Suomi"), ("sv", "Svenska"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Dates as written in Finland in each language (1.12.2026; 1 Dec 2026): see myropo/formats.
FORMAT_MODULE_PATH = ["myropo.formats"]
TIME_ZONE = env_str("TIME_ZONE", "Europe/Helsinki")
USE_I18N = True
USE_TZ = True
LANGUAGE_COOKIE_NAME = "myropo_language"
LANGUAGE_COOKIE_AGE = 60 * 60 * 24 * 365
LANGUAGE_COOKIE_SAMESITE = "Lax"

# --- Static files and uploads --------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
# Message attachments: a storage of their own, outside MEDIA_ROOT and without a URL, so that
# they are only ever served by the view that checks who may see the contact.
ATTACHMENTS_ROOT = Path(env_str("ATTACHMENTS_ROOT", str(BASE_DIR / "private" / "attachments")))
# Rendered reminder and collection letters: the same kind of private storage, served only by
# the letter views that check who sees the invoice.
LETTERS_ROOT = Path(env_str("LETTERS_ROOT", str(BASE_DIR / "private" / "letters")))
# Creditors' uploaded invoice files, kept until the import task has read them: private too.
IMPORTS_ROOT = Path(env_str("IMPORTS_ROOT", str(BASE_DIR / "private" / "imports")))
# Where files live: `filesystem` (one machine, or a shared volume) or `s3` (django-storages'
# S3 backend; any S3-compatible service through AWS_S3_ENDPOINT_URL), so that several web and
# worker machines see the same files. Attachments and letters go to a private bucket (or a
# prefix of the one bucket) and still have no URL.
FILE_STORAGE = env_str("FILE_STORAGE", "filesystem")
if FILE_STORAGE not in ("filesystem", "s3"):
    raise ImproperlyConfigured(f"FILE_STORAGE must be filesystem or s3, not {FILE_STORAGE!r}")
AWS_STORAGE_BUCKET_NAME = env_str("AWS_STORAGE_BUCKET_NAME", "")
AWS_PRIVATE_BUCKET_NAME = env_str("AWS_PRIVATE_BUCKET_NAME", "") or AWS_STORAGE_BUCKET_NAME
if FILE_STORAGE == "s3" and not AWS_STORAGE_BUCKET_NAME:
    raise ImproperlyConfigured("FILE_STORAGE=s3 needs AWS_STORAGE_BUCKET_NAME.")


def _s3(bucket: str, location: str, backend: str = "storages.backends.s3.S3Storage") -> dict:
    return {
        "BACKEND": backend,
        "OPTIONS": {
            "bucket_name": bucket,
            "location": location,
            "endpoint_url": env_str("AWS_S3_ENDPOINT_URL", "") or None,
            "region_name": env_str("AWS_S3_REGION_NAME", "") or None,
            # Empty: boto3 finds credentials itself (instance role, ~/.aws, its own env vars).
            "access_key": env_str("AWS_ACCESS_KEY_ID", "") or None,
            "secret_key": env_str("AWS_SECRET_ACCESS_KEY", "") or None,
            "default_acl": None,
            "file_overwrite": False,
        },
    }


STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    if FILE_STORAGE == "filesystem"
    else _s3(AWS_STORAGE_BUCKET_NAME, "media"),
    "attachments": {
        "BACKEND": "myropo.storage.PrivateFileSystemStorage",
        "OPTIONS": {"location": str(ATTACHMENTS_ROOT), "base_url": None},
    }
    if FILE_STORAGE == "filesystem"
    else _s3(AWS_PRIVATE_BUCKET_NAME, "attachments", "myropo.storage.PrivateS3Storage"),
    "letters": {
        "BACKEND": "myropo.storage.PrivateFileSystemStorage",
        "OPTIONS": {"location": str(LETTERS_ROOT), "base_url": None},
    }
    if FILE_STORAGE == "filesystem"
    else _s3(AWS_PRIVATE_BUCKET_NAME, "letters", "myropo.storage.PrivateS3Storage"),
    "imports": {
        "BACKEND": "myropo.storage.PrivateFileSystemStorage",
        "OPTIONS": {"location": str(IMPORTS_ROOT), "base_url": None},
    }
    if FILE_STORAGE == "filesystem"
    else _s3(AWS_PRIVATE_BUCKET_NAME, "imports", "myropo.storage.PrivateS3Storage"),
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Email ---------------------------------------------------------------------------------
globals().update(email_from_url(env_str("EMAIL_URL", "console://")))
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "MyRopo <noreply@myropo.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Logging: personal identity codes and IBANs never reach a log line ----------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "myropo.logging.RedactPersonalDataFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["redact"], "formatter": "plain"}
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        # Django's own default handlers (console in DEBUG, mail to ADMINS) carry tracebacks
        # without the redaction filter: replace them with ours.
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.db.backends": {"level": "WARNING"},
        # WeasyPrint logs every rendering step at INFO; only its warnings are worth a line.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# Demo data and the sandbox payment provider exist only where these say so.
DEMO_DATA_ALLOWED = DEBUG

# --- Payments ------------------------------------------------------------------------------
# The sandbox provider and its fake bank page exist only with PAYMENTS_SANDBOX=1 (make run).
PAYMENTS_SANDBOX = env_bool("PAYMENTS_SANDBOX", False)
PAYMENTS_PROVIDER = env_str("PAYMENTS_PROVIDER", "sandbox" if PAYMENTS_SANDBOX else "paytrail")
# Paytrail's public test merchant in development; real credentials are required otherwise.
PAYTRAIL_ACCOUNT = env_str("PAYTRAIL_ACCOUNT", "375917" if DEBUG else "")
PAYTRAIL_SECRET = env_str("PAYTRAIL_SECRET", "SAIPPUAKAUPPIAS" if DEBUG else "")
PAYTRAIL_API_URL = env_str("PAYTRAIL_API_URL", "https://services.paytrail.com")
PAYMENTS_SANDBOX_SECRET = env_str("PAYMENTS_SANDBOX_SECRET", "")
# camt.054 files dropped here are imported by a periodic task and moved to done/ or failed/.
BANK_DROP_DIR = env_str("BANK_DROP_DIR", "")
# Refunds (pain.001) are paid from our client-funds account, where the payments arrived.
REFUND_ACCOUNT_NAME = env_str("REFUND_ACCOUNT_NAME", "")
REFUND_ACCOUNT_IBAN = env_str("REFUND_ACCOUNT_IBAN", "")
REFUND_ACCOUNT_BIC = env_str("REFUND_ACCOUNT_BIC", "")
if PAYMENTS_PROVIDER == "paytrail":
    # The pay form's redirect goes to Paytrail's payment page; CSP form-action covers redirects.
    SECURE_CSP["form-action"] = [CSP.SELF, "https://pay.paytrail.com"]
CELERY_BEAT_SCHEDULE = {
    "send-pending-tasks": {"task": "myropo.tasks.send_pending_tasks", "schedule": 60},
}
if BANK_DROP_DIR:
    CELERY_BEAT_SCHEDULE["import-bank-drop-folder"] = {
        "task": "payments.tasks.import_bank_drop_folder",
        "schedule": env_int("BANK_DROP_INTERVAL_SECONDS", 300),
    }

# --- Message centre ------------------------------------------------------------------------
# The first answer is due this many service hours (Mon–Fri 8–20, Sat 10–15) after a contact.
MESSAGING_SLA_SERVICE_HOURS = env_int("MESSAGING_SLA_SERVICE_HOURS", 16)
# "I have paid": the next collection step waits this many days while staff look for it.
# The default is the rule table's policy row (collection.rules, "policy.payment_report_hold").
PAYMENT_REPORT_HOLD_DAYS = env_int("PAYMENT_REPORT_HOLD_DAYS", _payment_report_hold_days())
# New contacts a user may open in an hour.
MESSAGING_CONTACTS_PER_HOUR = env_int("MESSAGING_CONTACTS_PER_HOUR", 10)
# Resolved contacts' messages and attachments are deleted after this many days.
MESSAGING_RETENTION_DAYS = env_int("MESSAGING_RETENTION_DAYS", 3 * 365)
# The email channel (messaging.mail): the service address customers write to, and where its
# mail is read: maildir:///path locally, imaps://user:password@host:993/INBOX in production.
# Notifications invite replies (Reply-To: a signed address per contact) only when both are set.
MESSAGING_MAIL_ADDRESS = env_str("MESSAGING_MAIL_ADDRESS", CUSTOMER_SERVICE_EMAIL)
MESSAGING_MAIL_INBOX_URL = env_str("MESSAGING_MAIL_INBOX_URL", "")
if MESSAGING_MAIL_INBOX_URL:
    CELERY_BEAT_SCHEDULE["messaging-poll-mailbox"] = {
        "task": "messaging.tasks.poll_mailbox",
        "schedule": env_int("MESSAGING_MAIL_POLL_SECONDS", 120),
    }
CELERY_BEAT_SCHEDULE["messaging-retention"] = {
    "task": "messaging.tasks.apply_retention",
    "schedule": crontab(hour=3, minute=30),
}

# --- Live chat -------------------------------------------------------------------------------
CHAT_MAX_MESSAGE_LENGTH = env_int("CHAT_MAX_MESSAGE_LENGTH", 2000)
CHAT_MESSAGES_PER_MINUTE_PER_CONNECTION = env_int("CHAT_MESSAGES_PER_MINUTE_PER_CONNECTION", 20)
CHAT_MESSAGES_PER_MINUTE_PER_USER = env_int("CHAT_MESSAGES_PER_MINUTE_PER_USER", 30)
CHAT_CONNECTIONS_PER_USER = env_int("CHAT_CONNECTIONS_PER_USER", 5)
# A running chat with no message for this long ends (the beat checks every minute).
CHAT_SILENCE_MINUTES = env_int("CHAT_SILENCE_MINUTES", 15)
# A queued chat whose widget sent no heartbeat for this long ends: the customer left.
CHAT_ABANDON_MINUTES = env_int("CHAT_ABANDON_MINUTES", 3)
# An agent is online while the console's heartbeat is younger than this.
CHAT_PRESENCE_SECONDS = env_int("CHAT_PRESENCE_SECONDS", 90)
# An open socket re-reads its session (sign-out, expiry, a flushed session, an agent's second
# factor) at most this often, on what it receives and relays (chat.sessions).
CHAT_SESSION_RECHECK_SECONDS = env_int("CHAT_SESSION_RECHECK_SECONDS", 5)
# A socket that resumes from the last message id it saw is sent again the messages of this
# many seconds before that one: news of an older message can arrive after a newer one's when
# another process saved it (chat.selectors.messages_after).
CHAT_RESUME_OVERLAP_SECONDS = env_int("CHAT_RESUME_OVERLAP_SECONDS", 60)
# A service's news is told to the channel layer within this many seconds (it is told under the
# chat's order lock: a stalled Redis must not hold the chat); what is left is not sent.
CHAT_PUBLISH_TIMEOUT_SECONDS = env_int("CHAT_PUBLISH_TIMEOUT_MS", 2000) / 1000
# Threads a process gives its chat sockets' database work (chat.consumers); each holds a
# connection from the process's pool (DB_POOL_MAX_SIZE) only while it runs a query.
CHAT_DB_THREADS = env_int("CHAT_DB_THREADS", 4)
CELERY_BEAT_SCHEDULE["end-stale-uploads"] = {
    "task": "creditor.tasks.end_stale_uploads",
    "schedule": 10 * 60,
}
CELERY_BEAT_SCHEDULE["end-silent-chats"] = {"task": "chat.tasks.end_silent_chats", "schedule": 60}
