"""Settings of the bare hello-world baseline of bench/serve and bench/newsroom.

The cheapest response Django can give: no middleware, no app, no database, one
view (bench/hello_urls.py). It runs in its own gunicorn, with the site's
gunicorn.conf.py and venv, next to the site in the same run; every ratio the
benches print is to it, so a ratio says what the site costs above Django itself.
"""

SECRET_KEY = "bench-hello-world-only"  # noqa: S105 - serves one fixed string on 127.0.0.1
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS: list[str] = []
MIDDLEWARE: list[str] = []
ROOT_URLCONF = "bench.hello_urls"
DATABASES: dict = {}
USE_TZ = True
