"""Settings for Newsroom: one module, every knob read from the environment.

Each variable is documented in `.env.example` and the README. Local defaults are
safe for `make run` on 127.0.0.1; `DJANGO_ENV=production` turns the defaults that
are only fit for a laptop into hard errors.
"""

import logging
import re
from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

# Exactly these words: "Production" or "prod" used to mean local mode (no HSTS, no
# secure cookies, the repository's secret key) on a public server, without a word.
DJANGO_ENVS = ("local", "production")
DJANGO_ENV = env.str("DJANGO_ENV", default="local")
if DJANGO_ENV not in DJANGO_ENVS:
    raise ImproperlyConfigured(
        f"DJANGO_ENV must be one of: {', '.join(DJANGO_ENVS)} (got {DJANGO_ENV!r})."
    )
PRODUCTION = DJANGO_ENV == "production"

# A fixed key is fine on a developer's machine, and fatal on a public one: in
# production a missing key stops the process instead of signing cookies with a
# value that is in the repository.
_LOCAL_SECRET = "local-only-insecure-key-do-not-use-in-production"
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="" if PRODUCTION else _LOCAL_SECRET)
if not SECRET_KEY:
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_ENV=production.")
# Django's own rule for a key that can be guessed (security.W009, django.core.checks.
# security.base), which `check --deploy` only warns about and gunicorn never runs: in
# production it stops the process. The key itself is never part of the message.
_KEY_MIN_LENGTH, _KEY_MIN_UNIQUE, _KEY_INSECURE_PREFIX = 50, 5, "django-insecure-"
if PRODUCTION and (
    len(SECRET_KEY) < _KEY_MIN_LENGTH
    or len(set(SECRET_KEY)) < _KEY_MIN_UNIQUE
    or SECRET_KEY.startswith(_KEY_INSECURE_PREFIX)
):
    raise ImproperlyConfigured(
        f"DJANGO_SECRET_KEY is too weak for DJANGO_ENV=production: it needs at least "
        f"{_KEY_MIN_LENGTH} characters, {_KEY_MIN_UNIQUE} of them different, and must not "
        f"start with {_KEY_INSECURE_PREFIX!r}. Generate one with: python -c "
        '"import secrets; print(secrets.token_urlsafe(64))"'
    )

DEBUG = env.str("DJANGO_DEBUG", default="0") == "1"

ALLOWED_HOSTS = env.list(
    "DJANGO_ALLOWED_HOSTS", default=[] if PRODUCTION else ["127.0.0.1", "localhost", "[::1]"]
)
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS must be set when DJANGO_ENV=production.")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    # Before staticfiles, so `runserver` serves static files the way gunicorn does.
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "taggit",
    # Admin login rate limit (see AXES_* below); its AccessAttempt log is in the admin.
    "axes",
    # The Content-Security-Policy header (CONTENT_SECURITY_POLICY below).
    "csp",
    # Only for its static files: the bundled, self-hosted TinyMCE that the article body
    # editor (articles.editor.RichTextWidget) loads. Its own widget is not used.
    "tinymce",
    # The project's apps (README "Code map"): content, then what depends on it.
    "articles",
    "legacy",
    "search",
    "pagecache",
    "charts",
    # Price and 涨跌幅 beside a stock's news, off unless QUOTES_URL is set (QUOTES_* below).
    "quotes",
    "topics",
    # The public content API (api/, README "API"): Django REST framework, its OpenAPI
    # schema (drf-spectacular) and the docs page's Swagger UI served from our own static
    # files (the sidecar), and the CORS headers partners' pages need.
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "corsheaders",
    "api",
    "media_library",
]

MIDDLEWARE = [
    # First: a cached page for an anonymous reader is the finished response, headers
    # and all (security headers, CSP), and costs no other middleware, no query.
    "pagecache.middleware.PageCacheMiddleware",
    # Above everything that may answer (a 304 too): CORS headers for /api/ only, and
    # only for the origins API_CORS_ORIGINS names.
    "corsheaders.middleware.CorsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Outside everything that may query the database, so every page (a 503 too) has it.
    "csp.middleware.CSPMiddleware",
    # Inside it: adds the admin's one relaxation (inline styles) to the policy.
    "newsroom.middleware.AdminStyleCSPMiddleware",
    # Outside sessions and views, which query the database: a database outage
    # anywhere below becomes a branded 503 (newsroom/middleware.py).
    "newsroom.middleware.DatabaseUnavailableMiddleware",
    # A freshly rendered page answers If-None-Match with a 304 (the page cache answers
    # it for the pages it serves).
    "django.middleware.http.ConditionalGetMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # After auth (staff follow old slugs of drafts too): a 404 may be an old URL.
    "articles.middleware.RedirectFallbackMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into its 429 answer.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "newsroom.urls"

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
                "articles.context_processors.site",
                "topics.context_processors.navigation_menu",
            ],
        },
    },
]

WSGI_APPLICATION = "newsroom.wsgi.application"

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers keep reading while an import writes; the busy timeout makes
    # a writer wait for the lock instead of failing with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
    # SQLite creates a missing file, empty, on the first connection. Locally that is
    # how `make run` gets its database. In production it means a wrong DATABASE_URL
    # (or a relative path run from another directory, or a volume not mounted) and a
    # site that serves, and takes edits into, a new empty database; so every process
    # says so when it starts (gunicorn runs no system checks). It is not refused: the
    # first deploy's `migrate` is what creates the file.
    _sqlite_name = str(DATABASES["default"]["NAME"])
    if (
        PRODUCTION
        and _sqlite_name not in ("", ":memory:")
        and not _sqlite_name.startswith("file:")
        and not Path(_sqlite_name).exists()
    ):
        logging.getLogger("newsroom.settings").warning(
            "The SQLite database file %s (DATABASE_URL) does not exist; the first "
            "connection will create it empty. On a first deploy, `manage.py migrate` does "
            "that. Otherwise DATABASE_URL points to the wrong place.",
            Path(_sqlite_name).resolve(),
        )
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DJANGO_CONN_MAX_AGE", default=60))
# Persistent connections are checked before each request reuses them, so after a
# database outage the site recovers by itself (newsroom/middleware.py answers 503
# meanwhile). SQLite opens a connection per request anyway.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

# The cache every worker shares: pages, their dependency versions, fragments. Without
# CACHE_URL, a disk cache under var/cache/ (diskcache: SQLite files, safe across the
# processes of one machine, evicting the least recently stored past a size limit);
# with it, Redis (the path past one machine). Never a per-process cache: a purge in
# one worker must reach every other one. (Django's own file-based cache lists its whole
# folder on every write to decide whether to cull: at a 10,000-article archive's
# working set, each write cost a directory listing.)
NEWSROOM_CACHE_DIR = env.str("NEWSROOM_CACHE_DIR", default=str(BASE_DIR / "var" / "cache"))
if env.str("CACHE_URL", default=""):
    CACHES = {"default": env.cache_url("CACHE_URL")}
else:
    CACHES = {
        "default": {
            "BACKEND": "diskcache.DjangoCache",
            "LOCATION": NEWSROOM_CACHE_DIR,
            "TIMEOUT": 600,
            # Wait for another worker's write rather than give up: a purge must land.
            "DATABASE_TIMEOUT": 1.0,
            "OPTIONS": {
                "size_limit": env.int("NEWSROOM_CACHE_SIZE_MB", default=1024) * 1024 * 1024
            },
        }
    }

# Whole pages for anonymous readers, purged by what each write touches (pagecache/).
NEWSROOM_PAGE_CACHE = env.bool("NEWSROOM_PAGE_CACHE", default=True)
# Parts of pages kept between renders (pagecache/fragments.py): what makes a miss cheap.
NEWSROOM_FRAGMENT_CACHE = env.bool("NEWSROOM_FRAGMENT_CACHE", default=True)
NEWSROOM_PAGE_CACHE_ALIAS = "default"
# /api/: its answers carry their own ETag and a short max-age (api/views.py), and its
# throttle must count every request, which a cached page would not.
NEWSROOM_PAGE_CACHE_SKIP = ("/admin/", "/media/", "/static/", "/api/")
# How often an open 7×24 page asks for new flashes (static/js/live-flashes.js), in
# seconds. Each ask is a conditional GET the page cache answers, mostly with a 304.
NEWSROOM_LIVE_POLL_SECONDS = 30

# Varnish in front (deploy/varnish/, README "Deploying"): the URL of each Varnish
# server, e.g. http://127.0.0.1:6081, to which pagecache.purge sends its PURGE
# requests. Empty: no Varnish. A mistyped URL would fail only at the first purge,
# after the change it was meant to publish, so it is refused here.
# ("a, b": env.list keeps the space.)
NEWSROOM_VARNISH_PURGE_URLS = [
    url.strip() for url in env.list("NEWSROOM_VARNISH_PURGE_URLS", default=[]) if url.strip()
]
for _url in NEWSROOM_VARNISH_PURGE_URLS:
    if not _url.startswith(("http://", "https://")) or not _url.split("://", 1)[1].strip("/"):
        raise ImproperlyConfigured(
            f"NEWSROOM_VARNISH_PURGE_URLS: {_url!r} is not a URL like http://127.0.0.1:6081"
        )

# Quotes beside the news (quotes/provider.py): off unless QUOTES_URL names the
# provider's quote endpoint (EastMoney's: https://push2.eastmoney.com/api/qt/stock/get);
# `secid` and `fields` are appended to it. Asked by the server only, never by a reader's
# browser, waiting QUOTES_TIMEOUT seconds at most in all; an answer is kept
# QUOTES_CACHE_SECONDS, a failing provider is left alone QUOTES_FAILURE_SECONDS.
QUOTES_URL = env.str("QUOTES_URL", default="").strip()
if QUOTES_URL and (
    not QUOTES_URL.startswith(("http://", "https://")) or not QUOTES_URL.split("://", 1)[1]
):
    raise ImproperlyConfigured(
        f"QUOTES_URL: {QUOTES_URL!r} is not a URL like https://push2.eastmoney.com/api/qt/stock/get"
    )
QUOTES_TIMEOUT = env.float("QUOTES_TIMEOUT", default=0.8)
QUOTES_CACHE_SECONDS = env.int("QUOTES_CACHE_SECONDS", default=15)
QUOTES_FAILURE_SECONDS = env.int("QUOTES_FAILURE_SECONDS", default=30)
if not 0 < QUOTES_TIMEOUT <= 5 or QUOTES_CACHE_SECONDS < 1 or QUOTES_FAILURE_SECONDS < 1:
    # quote.json waits on the provider up to QUOTES_TIMEOUT: seconds would hold a worker.
    raise ImproperlyConfigured(
        "QUOTES_TIMEOUT must be above 0 and at most 5 seconds; QUOTES_CACHE_SECONDS and "
        "QUOTES_FAILURE_SECONDS at least 1."
    )

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env.str("DJANGO_STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("DJANGO_MEDIA_ROOT", default=str(BASE_DIR / "media")))

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Hashed, compressed files that can be cached forever by browsers and proxies.
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Chinese tags keep Chinese slugs (证券日报新闻), so tag URLs stay readable.
TAGGIT_CASE_INSENSITIVE = True
TAGGIT_STRIP_UNICODE_WHEN_SLUGIFYING = False
# Editors type Chinese commas and 顿号 between tags (articles/tagging.py).
TAGGIT_TAGS_FROM_STRING = "articles.tagging.parse_tags"

# Uploads larger than this are refused before they reach a view.
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

SITE_NAME = env.str("NEWSROOM_SITE_NAME", default="财经新闻网")
# What a Chinese news site's footer must say (the 备案 rules): who runs it, its ICP
# filing number, and where to report illegal or harmful content. Empty ones are left out.
SITE_OWNER = env.str("NEWSROOM_SITE_OWNER", default="")
SITE_OWNER_ADDRESS = env.str("NEWSROOM_SITE_OWNER_ADDRESS", default="")
SITE_ICP = env.str("NEWSROOM_SITE_ICP", default="")
SITE_REPORT_PHONE = env.str("NEWSROOM_SITE_REPORT_PHONE", default="")
SITE_REPORT_EMAIL = env.str("NEWSROOM_SITE_REPORT_EMAIL", default="")

# Mail for the review desk's notices (articles/inbox.py): off unless EMAIL_URL is set
# (smtp://user:password@host:587/?tls=True, or consolemail:// to try it out). The
# admin's 消息 inbox works without it.
NEWSROOM_REVIEW_MAIL = bool(env.str("EMAIL_URL", default=""))
if NEWSROOM_REVIEW_MAIL:
    globals().update(env.email_url("EMAIL_URL"))
DEFAULT_FROM_EMAIL = env.str("DJANGO_DEFAULT_FROM_EMAIL", default="") or "newsroom@localhost"
# Links to these hosts count as internal: the sanitizer adds rel="nofollow noopener"
# to every other absolute link.
SITE_HOSTS = env.list("NEWSROOM_SITE_HOSTS", default=[]) or [
    h for h in ALLOWED_HOSTS if h and not h.startswith((".", "["))
]

# --- Security headers and production posture (SECURITY.md lists them all) ---------

X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
# The CSRF cookie stays readable by our own script on purpose: the body editor's
# image upload (static/js/rich-text-editor.js) falls back to it for the X-CSRFToken
# header. Django's docs: HttpOnly on it buys nothing, the token is in every form.
CSRF_COOKIE_HTTPONLY = False

# Content-Security-Policy (django-csp 4). No inline script anywhere: every script is
# a static file of ours (the admin's, TinyMCE's, static/js/); the JSON-LD block on
# article pages is data, not script, and CSP does not apply to it.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        # Public pages: our stylesheet only. The admin alone adds 'unsafe-inline'
        # (newsroom.middleware.AdminStyleCSPMiddleware): TinyMCE needs inline styles
        # for its menus and dialogs, as its own CSP guide says. Styles run no code.
        "style-src": [SELF],
        # data: and blob: are the editor's pasted or dropped pictures before they are
        # uploaded (rich-text-editor.js swaps them for our /media/ copy). Pages never
        # show another host's image: the sanitizer turns those into links.
        "img-src": [SELF, "data:", "blob:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        # No one frames us (X-Frame-Options: DENY says the same to old browsers).
        "frame-ancestors": [NONE],
    },
}

# Where the admin lives (newsroom/urls.py): it alone may use inline styles.
NEWSROOM_ADMIN_PREFIX = "/admin/"

# Reverse proxy (nginx, see README "Deploying"): the header it sets to tell Django the
# original request was HTTPS, as "HEADER,value"; empty when nothing sits in front.
_proxy_ssl = env.list(
    "DJANGO_SECURE_PROXY_SSL_HEADER",
    default=["HTTP_X_FORWARDED_PROTO", "https"] if PRODUCTION else [],
)
if _proxy_ssl:
    if len(_proxy_ssl) != 2:
        raise ImproperlyConfigured(
            "DJANGO_SECURE_PROXY_SSL_HEADER must be HEADER,value, e.g. HTTP_X_FORWARDED_PROTO,https"
        )
    SECURE_PROXY_SSL_HEADER = tuple(_proxy_ssl)
# How many proxies append to X-Forwarded-For in front of us; the login rate limit
# takes the client's address from there (newsroom.middleware.client_ip).
NEWSROOM_PROXY_COUNT = env.int("DJANGO_PROXY_COUNT", default=1 if PRODUCTION else 0)

if PRODUCTION:
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# --- Admin login rate limit (django-axes) -------------------------------------------
# After AXES_FAILURE_LIMIT wrong passwords for one user name from one address, that
# pair is refused (429) for the cool-off time; a success resets the count. Keyed on
# the pair, so an attacker cannot lock a real editor out from elsewhere.
AUTHENTICATION_BACKENDS = [
    # First, as django-axes requires: it refuses a locked-out login before any check.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("DJANGO_LOGIN_FAILURE_LIMIT", default=5)
_COOLOFF_MINUTES = env.int("DJANGO_LOGIN_COOLOFF_MINUTES", default=15)
AXES_COOLOFF_TIME = timedelta(minutes=_COOLOFF_MINUTES)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "newsroom.middleware.client_ip"
AXES_COOLOFF_MESSAGE = (
    f"登录失败次数过多，已暂时锁定。请 {_COOLOFF_MINUTES} 分钟后再试，或请管理员解锁。"
)
AXES_PERMALOCK_MESSAGE = "登录失败次数过多，已锁定。请联系管理员解锁。"
# Log failures, not every successful login (the admin's history shows those).
AXES_DISABLE_ACCESS_LOG = True

# --- Public content API (api/, README "API") ------------------------------------------
# Read-only JSON for apps and partners. Nobody logs in to it: what it shows is
# `published()`, the same for everyone, so no authentication class runs.
# Requests per client address (newsroom.middleware.client_ip's rule, via NUM_PROXIES),
# counted in the default cache: "120/min", "2000/hour", "10/s".
API_RATE = env.str("API_RATE", default="120/min")
if not re.fullmatch(r"[1-9][0-9]*/(s|sec|m|min|h|hour|d|day)", API_RATE):
    raise ImproperlyConfigured(f"API_RATE: {API_RATE!r} is not a rate like 120/min or 2000/hour")
REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [],
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "UNAUTHENTICATED_USER": None,
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.ClientRateThrottle"],
    "NUM_PROXIES": NEWSROOM_PROXY_COUNT,
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": f"{SITE_NAME} 内容 API",
    "DESCRIPTION": (
        "只读的公开内容接口：文章、7×24 快讯、栏目、标签、证券和搜索。"
        "只包含读者在网站上能看到的内容（已发布且发布时间已到）。"
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_AUTHENTICATION": [],
    # The docs page's Swagger UI comes from our own static files: no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}
# Origins whose pages may read the API from the browser (CORS), comma-separated, each
# like https://partner.example.com; "*" lets any page read it (no cookies are sent or
# read either way). Default: none, the API is read by servers and apps only.
API_CORS_ORIGINS = [o.strip() for o in env.list("API_CORS_ORIGINS", default=[]) if o.strip()]
CORS_URLS_REGEX = r"^/api/"
CORS_ALLOW_ALL_ORIGINS = API_CORS_ORIGINS == ["*"]
CORS_ALLOWED_ORIGINS = [] if CORS_ALLOW_ALL_ORIGINS else API_CORS_ORIGINS
CORS_ALLOW_METHODS = ["GET", "HEAD", "OPTIONS"]
CORS_EXPOSE_HEADERS = ["ETag", "Retry-After"]
for _origin in CORS_ALLOWED_ORIGINS:
    if not re.fullmatch(r"https?://[^/\s]+", _origin):
        raise ImproperlyConfigured(
            f"API_CORS_ORIGINS: {_origin!r} is not an origin like https://partner.example.com"
        )

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.request": {"level": "ERROR"},
        # django-axes announces itself at INFO on every start; lockouts are WARNING.
        "axes": {"level": "WARNING"},
    },
}
