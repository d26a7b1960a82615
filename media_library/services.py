"""Writes to the library: keyword-only, one transaction each (HackSoft-style, as
`articles.services`).

- `media_image_register(*, name, renditions, alt="", by=None, original_name="")`: a file
  `articles.images` has stored becomes a library item, or finds the one that holds the
  same picture (by content hash). An alt text fills an item that has none; it never
  replaces one (the first is the one editors were asked for; the library page changes it).
- `media_image_upload(*, upload, alt, by)`: the library's own upload. 替代文字 is required
  here; the file is checked, stripped and stored by `articles.images.store_upload`.
- `media_image_set_alt(*, image, alt, by)`: the alt text changed on the library page (or
  typed once in the picker). Articles already using the picture keep the text they have.
- `media_image_delete(*, image, by)`: refused with `ImageInUse` (naming the articles)
  while any article shows the picture. Only the library item goes: the files stay, as an
  article's revisions may still name them.
"""

import hashlib
import logging
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction

from articles import images
from articles.text import clean_line

from .models import MediaImage
from .usage import articles_using

logger = logging.getLogger(__name__)

ALT_REQUIRED = (
    "请填写替代文字：用一句话说明图片里是什么（例如“贵州茅台 2024 年营收走势图”），"
    "供看不到图片的读者和搜索引擎使用。"
)
ALT_MAX = MediaImage._meta.get_field("alt").max_length
# How many articles the refusal names before "等 N 篇".
NAMED_IN_REFUSAL = 5


class ImageInUse(Exception):
    """`media_image_delete` refused: `articles` use the picture; `str()` is for the editor."""

    def __init__(self, articles, count: int):
        self.articles, self.count = list(articles), count
        titles = "、".join(f"《{a.title}》" for a in self.articles)
        more = f"等 {count} 篇文章" if count > len(self.articles) else ""
        super().__init__(f"这张图片正被{titles}{more}使用，不能删除。请先在文章里换掉它。")


@dataclass(frozen=True)
class Registered:
    image: MediaImage
    created: bool  # False: the library already held this picture


def clean_alt(alt: str) -> str:
    """The alt text as stored (one line, no control characters); ValidationError if empty."""
    alt = clean_line(alt or "")
    if not alt:
        raise ValidationError(ALT_REQUIRED, code="alt_required")
    if len(alt) > ALT_MAX:
        raise ValidationError(
            f"替代文字太长（{len(alt)} 字），请不超过 {ALT_MAX} 字。", code="alt_long"
        )
    return alt


def _read(storage, name: str) -> bytes:
    try:
        with storage.open(name, "rb") as fh:
            return fh.read()
    except OSError as exc:
        logger.error("Cannot read stored image %s: %s", name, exc)
        raise images.ImageProcessingError("无法读取已上传的图片文件，请重新上传。") from exc


def media_image_register(
    *, name: str, renditions: dict, alt: str = "", by=None, original_name: str = "", storage=None
) -> Registered:
    """The library item holding the stored file `name` (see the module doc).

    Raises ImageProcessingError when the file cannot be read back, ValidationError when
    what is stored is not an image we accept (which the upload paths never store).
    """
    storage = storage or default_storage
    data = _read(storage, name)
    digest = hashlib.sha256(data).hexdigest()
    existing = MediaImage.objects.filter(content_hash=digest).first()
    if existing is None:
        # Only a new item needs the picture's size; reading it decodes the file.
        info = images.inspect_image(ContentFile(data, name=name))
    alt = clean_line(alt or "")[:ALT_MAX]
    with transaction.atomic():
        image, created = MediaImage.objects.select_for_update().get_or_create(
            content_hash=digest,
            defaults={
                "file": name,
                "alt": alt,
                "original_name": clean_line(original_name or "")[:255],
                "renditions": renditions or {},
                "uploaded_by": by,
                **(
                    {"width": info.width, "height": info.height, "animated": info.frames > 1}
                    if existing is None
                    else {}
                ),
            },
        )
        changed = []
        if not created and alt and not image.alt:
            image.alt = alt
            changed.append("alt")
        if not created and renditions and not image.renditions:
            image.renditions = renditions
            changed.append("renditions")
        if changed:
            image.save(update_fields=changed)
    if created:
        logger.info("Library: %s registered %s", getattr(by, "username", "-"), name)
    return Registered(image, created)


def media_image_upload(*, upload, alt: str, by) -> Registered:
    """The library's own upload: alt text required, then checked, stored and registered.

    Raises ValidationError (no alt text, not an image we accept) or ImageProcessingError
    (the media storage failed); nothing is registered then.
    """
    alt = clean_alt(alt)
    stored = images.store_upload(upload)
    return media_image_register(
        name=stored.name,
        renditions=stored.renditions,
        alt=alt,
        by=by,
        original_name=getattr(upload, "name", "") or "",
    )


def media_image_set_alt(*, image: MediaImage, alt: str, by) -> MediaImage:
    """Change the alt text of `image`; ValidationError if empty."""
    alt = clean_alt(alt)
    with transaction.atomic():
        image.alt = alt
        image.save(update_fields=["alt"])
    logger.info("Library: %s set the alt text of image %s", getattr(by, "username", "-"), image.pk)
    return image


def media_image_delete(*, image: MediaImage, by) -> None:
    """Remove `image` from the library, unless an article uses it (ImageInUse)."""
    with transaction.atomic():
        using = list(articles_using(image).only("pk", "title")[: NAMED_IN_REFUSAL + 1])
        if using:
            count = articles_using(image).count() if len(using) > NAMED_IN_REFUSAL else len(using)
            raise ImageInUse(using[:NAMED_IN_REFUSAL], count)
        image.delete()
    logger.info("Library: %s deleted image %s", getattr(by, "username", "-"), image.pk)
