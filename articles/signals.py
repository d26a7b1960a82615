"""The signals the articles app sends, for the apps that keep caches of its content.

The search index (search/signals.py) and the page cache (pagecache/signals.py) listen
to Django's model signals for single writes. Where Django sends none, articles sends
these, so each of those apps keeps its invariant through signals alone:

- `articles_changed(ids, using)`: rows of these articles were written in bulk (new
  articles inserted together, an article's stocks replaced); re-read them.
- `takedown_requested(article)`: an article readers can see is about to be taken down
  (unpublished, deleted). A receiver that cannot make that visible at once raises
  `TakedownRefused`, and nothing is changed (articles.services).
- `image_stored(name, renditions, alt, by, original_name)`: an upload was stored under
  `name` in the default storage (the editor's image upload, a new cover saved in the
  admin), with its renditions; `alt` is what the editor typed for it, if anything. The
  media library (media_library/signals.py) registers it, so every upload is reusable.
"""

from django.dispatch import Signal

articles_changed = Signal()
takedown_requested = Signal()
image_stored = Signal()


class TakedownRefused(Exception):
    """Raised by a `takedown_requested` receiver; the message is for the editor."""


def connect() -> None:
    """Receivers of the articles app itself (ArticlesConfig.ready()).

    Both on taggit's Tag, which is not ours to subclass: every tag, however it is
    created (the form, the importer, the shell), needs a slug its URL can be built
    from (articles/tagging.py), and its pinyin for the tag chips' lookup
    (articles/models/readings.py).
    """
    from django.db.models.signals import post_save, pre_save
    from taggit.models import Tag

    from .models.readings import fill_tag_reading
    from .tagging import fill_tag_slug

    pre_save.connect(fill_tag_slug, sender=Tag, dispatch_uid="tagging-slug")
    post_save.connect(fill_tag_reading, sender=Tag, dispatch_uid="tagging-reading")
