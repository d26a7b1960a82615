"""Which articles use a library image, as their cover or in their body.

Articles name files, not library items (see `models`), so the lookup goes by the content
hash every copy's file name carries: a cover stored under `covers/2025/03/<hash>.jpg` and
the library's `uploads/2025/01/<hash>.jpg` are the same picture. Revisions are not searched:
restoring an old revision brings back its file names, and the files are never deleted.
"""

from functools import reduce
from operator import or_

from django.db.models import Q

from articles.models import Article

from .models import MediaImage


def articles_using(image: MediaImage):
    """Every article (any status) whose cover or body shows `image`, newest first."""
    conditions = [
        Q(cover__contains=marker) | Q(body_source__contains=marker) for marker in image.markers()
    ]
    return Article.objects.filter(reduce(or_, conditions)).order_by("-updated_at", "-pk")
