"""Autosave: a private copy of the article form's unsaved edits, so nothing typed is lost.

The form's script (static/js/autosave.js) sends what the form holds a few seconds
after the last change, and once more when the page is left; a crashed browser loses
at most those few seconds. Reopening the form offers the copy back ("恢复 / 丢弃");
restoring only fills the form, and the editor saves as usual, through the edit lock
and the version check (the copy carries the version it was made from).

A copy is one person's: one per person and article, plus one per person for a new
article. Nobody else is ever shown it, it is never a revision, and it never touches
the article or the public pages. Saving the article through the form deletes it.

These are the only writes to Autosave: the admin views call them.
"""

import json

from django.db import transaction
from django.utils import timezone

from .models.autosave import Autosave
from .text import clean_text

# The article form's fields a copy keeps (the cover is a file: browsers cannot
# resend it, so it is not kept). tests/articles/test_autosave.py checks this list
# against the form, so a new field is not forgotten.
FIELDS = (
    "title",
    "slug",
    "category",
    "tags",
    "stock_codes",
    "body_source",
    "summary",
    "status",
    "published_at_0",
    "published_at_1",
    "author",
    "important",
    "cover_alt",
    "source_name",
    "original_url",
)

# A copy larger than this is refused: no article body comes near it, and a runaway
# paste (a whole PDF as base64 images) must not fill the database every five seconds.
MAX_BYTES = 2 * 1024 * 1024
TOO_LARGE = "自动保存失败：内容超过 2 MB。请删去过大的内容（如粘贴进正文的图片），并尽快手动保存。"
MALFORMED = "自动保存失败：提交的内容格式不对。"


class AutosaveRefused(ValueError):
    """The copy was not stored; `message` says why, in Chinese."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _clean(data) -> dict:
    """The form fields the copy keeps: text (control characters removed, as every
    form does, and because PostgreSQL's jsonb cannot hold a NUL) or a checkbox."""
    if not isinstance(data, dict):
        raise AutosaveRefused(MALFORMED)
    kept = {}
    for name in FIELDS:
        value = data.get(name)
        if value is None:
            continue
        if isinstance(value, bool):
            kept[name] = value
        elif isinstance(value, str):
            kept[name] = clean_text(value) if name != "body_source" else value.replace("\x00", "")
        else:
            raise AutosaveRefused(MALFORMED)
    return kept


def autosave_store(
    *, user, article_id: int | None, data: dict, based_on_version: int | None
) -> Autosave:
    """Keep `data` (field name -> value) as `user`'s copy of the article's form.

    `article_id` None is the new-article form. Replaces the user's earlier copy.
    Raises AutosaveRefused if it is not a form's fields or larger than MAX_BYTES.
    """
    kept = _clean(data)
    if len(json.dumps(kept, ensure_ascii=False).encode()) > MAX_BYTES:
        raise AutosaveRefused(TOO_LARGE)
    with transaction.atomic():
        autosave, _ = Autosave.objects.update_or_create(
            user=user,
            article_id=article_id,
            defaults={
                "data": kept,
                "based_on_version": based_on_version,
                "saved_at": timezone.now(),
            },
        )
    return autosave


def autosave_for(*, user, article_id: int | None) -> Autosave | None:
    """`user`'s own copy of the article's form (or of the new-article form), if any."""
    return Autosave.objects.filter(user=user, article_id=article_id).first()


def autosave_discard(*, user, article_id: int | None) -> None:
    """The copy is no longer needed: the article was saved, or the editor chose 丢弃."""
    Autosave.objects.filter(user=user, article_id=article_id).delete()
