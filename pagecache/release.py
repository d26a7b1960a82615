"""The release a cached page or fragment was rendered by.

Pages and fragments are kept in a cache that outlives the processes: a deploy
restarts the workers, not the cache. Without this, a new template, a change of
view code, a footer setting or a new stylesheet (whose hashed name the "assets"
fragment holds) would reach readers only as the old copies ran out, up to an hour
for a fragment. Every cache key carries this digest of what renders pages, so the
first request after a deploy renders afresh; the old entries are never read again
and age out. Every server of one release computes the same value.
"""

import hashlib
from functools import cache
from pathlib import Path

from django.apps import apps
from django.conf import settings

# Settings that pages print, beyond what the code and templates say.
_RENDERED_SETTINGS = (
    "SITE_NAME",
    "SITE_OWNER",
    "SITE_OWNER_ADDRESS",
    "SITE_ICP",
    "SITE_REPORT_PHONE",
    "SITE_REPORT_EMAIL",
    "STATIC_URL",
    "MEDIA_URL",
    # Whether stock pages carry the quote box and its script (quotes/).
    "QUOTES_URL",
)


def _sources() -> list[Path]:
    """The project's own code and templates, and the static files' manifest."""
    base = Path(settings.BASE_DIR)
    # Our apps only: a virtualenv inside the project holds Django's, pinned anyway.
    roots = {
        Path(app.path)
        for app in apps.get_app_configs()
        if Path(app.path).is_relative_to(base) and "site-packages" not in Path(app.path).parts
    }
    roots.update(Path(d) for t in settings.TEMPLATES for d in t.get("DIRS", []))
    files = [f for root in roots for f in root.rglob("*") if f.suffix in (".py", ".html", ".txt")]
    manifest = Path(settings.STATIC_ROOT or "") / "staticfiles.json"
    if settings.STATIC_ROOT and manifest.is_file():
        files.append(manifest)
    return sorted(files)


@cache
def release() -> str:
    digest = hashlib.sha256()
    base = Path(settings.BASE_DIR)
    for path in _sources():
        # Named from the project (the same on every server), or, outside it (a
        # STATIC_ROOT elsewhere), by its file name alone.
        name = path.relative_to(base) if path.is_relative_to(base) else path.name
        digest.update(str(name).encode())
        digest.update(path.read_bytes())
    for name in _RENDERED_SETTINGS:
        digest.update(repr(getattr(settings, name, None)).encode())
    return digest.hexdigest()[:12]
