"""Storing uploads (covers and the editor's images) whole or not at all, and the
preview's inline copy of a cover that is not stored."""

import base64
import hashlib
import logging
import posixpath
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from . import mediafiles
from .checks import (
    MAX_UPLOAD_BYTES,
    STORAGE_WRITE_ERROR,
    UPLOAD_DIR,
    ImageProcessingError,
    StoredImage,
    _open,
    inspect_image,
)
from .renditions import _decoding, _encode_rendition, _renditions
from .stripping import _prepare, _Prepared, _refuse_to_decode_large, _rendition_base, _upright

logger = logging.getLogger(__name__)


# --- Preview --------------------------------------------------------------------------------

# Width of the copy of a new cover shown by the admin's preview: the article page shows the
# cover at most 760 CSS px wide.
PREVIEW_WIDTH = 760


@dataclass(frozen=True)
class InlineImage:
    """A picture carried by the page itself, as a data: URI. It stands in for a cover's
    FieldFile in the article templates (they read `url`) and gives the renditions they use."""

    url: str
    width: int
    height: int

    @property
    def renditions(self) -> dict:
        one = {"width": self.width, "height": self.height, "jpeg": self.url, "webp": self.url}
        return {"thumb": one, "large": one}


def inline_preview(uploaded_file) -> InlineImage:
    """A stripped JPEG of an upload, PREVIEW_WIDTH px wide at most, as a data: URI: what the
    preview shows for a cover without storing anything (files under /media/ are public).
    The upload must have passed `validate_image_upload`; raises ImageProcessingError if it
    cannot be decoded after all."""
    with _decoding(uploaded_file.name), _open(_read_upload(uploaded_file)) as source:
        _refuse_to_decode_large(source)
        # GIF and WebP pictures are shown as browsers show them (no EXIF turn); see _prepare.
        upright = source if source.format in ("GIF", "WEBP") else _upright(source)
        small = _rendition_base(upright, PREVIEW_WIDTH)
        encoded = _encode_rendition(small, "jpeg")
    uri = "data:image/jpeg;base64," + base64.b64encode(encoded).decode("ascii")
    return InlineImage(uri, *small.size)


# --- Storing uploads -----------------------------------------------------------------------------


def _content_name(folder: str, prepared: _Prepared) -> str:
    digest = hashlib.sha256(prepared.data).hexdigest()
    return posixpath.join(folder, f"{digest[:32]}.{prepared.extension}")


def _store(storage, name: str, data: bytes) -> bool:
    """Write `data` under its content name unless that file is already there, whole; return
    whether it was written. A file of that name holding anything else (cut short by a killed
    worker, say) is replaced."""
    if mediafiles.same_content(storage, name, data):
        return False
    if storage.exists(name):
        logger.warning("Stored file %s does not match its content hash; writing it again", name)
    mediafiles.write_whole(storage, name, data)
    return True


def _read_upload(upload) -> bytes:
    upload.seek(0)
    data = upload.read(MAX_UPLOAD_BYTES + 1)
    upload.seek(0)
    return data


def store_field_upload(field_file) -> None:
    """Write a model's new, not yet stored upload (`article.cover`) to its storage now,
    stripped and named by its content (see the module doc).

    Django would write it during the model save, where a full disk or a read-only media
    folder is a 500 in the middle of saving. A form calls this from its validation
    instead, so the failure is a form error and nothing is saved: it raises
    ImageProcessingError (STORAGE_WRITE_ERROR), leaving no partly written file. Afterwards
    the file counts as stored (`_committed`) and the model save does not write it again.
    The upload must have passed `validate_image_upload`.
    """
    if not field_file or getattr(field_file, "_committed", True):
        return
    instance, model_field = field_file.instance, field_file.field
    with _decoding(field_file.name):
        prepared = _prepare(_read_upload(field_file.file), always=True, base=False)
    # upload_to gives the folder ("covers/%Y/%m/"); the name is the content's.
    name = model_field.generate_filename(instance, _content_name("", prepared))
    try:
        _store(model_field.storage, name, prepared.data)
    except OSError as exc:
        logger.error("Cannot store uploaded file %s: %s", name, exc)
        raise ImageProcessingError(STORAGE_WRITE_ERROR) from exc
    field_file.name = name
    # What the instance holds from now on is the stored file, not the client's upload.
    field_file.file = ContentFile(prepared.data, name=name)
    setattr(instance, model_field.attname, name)
    field_file._committed = True


def store_upload(uploaded_file, storage=None) -> StoredImage:
    """Validate an image uploaded from the editor, store it once and build its renditions.

    The stored name is `uploads/YYYY/MM/<sha256 of the stored bytes>.<ext from the content>`,
    so the same picture uploaded twice is stored once. Raises ValidationError for a bad file
    and ImageProcessingError when the storage fails.
    """
    storage = storage or default_storage
    inspect_image(uploaded_file)
    with _decoding(uploaded_file.name):
        prepared = _prepare(_read_upload(uploaded_file), always=True)
    month = timezone.localtime().strftime("%Y/%m")
    name = _content_name(posixpath.join(UPLOAD_DIR, month), prepared)
    try:
        written = _store(storage, name, prepared.data)
    except OSError as exc:
        logger.error("Cannot store uploaded image %s: %s", name, exc)
        raise ImageProcessingError(STORAGE_WRITE_ERROR) from exc
    try:
        renditions = _renditions(storage, prepared, name)
    except ImageProcessingError:
        # The editor gets an error and no URL: keep no original that nothing points at.
        if written:
            mediafiles.discard(storage, name)
        raise
    return StoredImage(
        name=name, url=storage.url(name), renditions=renditions, animated=prepared.frames > 1
    )
