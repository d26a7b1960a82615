"""Uploaded images: what we accept, how we store them, and the sizes we publish them in.

Contract (other modules call exactly these):

- `validate_image_upload(uploaded_file) -> None` raises `django.core.exceptions.ValidationError`
  (a Chinese message, and a `code`) unless the file really is a JPEG, PNG, WebP or GIF, judged by
  its content and never by its name; at most 10 MB, 8,000 px per side and MAX_PIXELS
  (MAX_WEBP_PIXELS for a WebP), read from the header before anything is decoded. It never
  lets a Pillow exception through, so a bad file is a form error, not a 500.
- `store_field_upload(field_file)` writes a model's new upload (a cover) to storage during
  form validation, so a storage failure becomes a form error instead of a 500 mid-save.
- `store_upload(uploaded_file) -> StoredImage` (used by the editor's upload view) validates,
  stores the file and builds its renditions; when the storage fails it raises
  ImageProcessingError and leaves no file behind.
- `build_renditions(field_file) -> dict` writes the renditions of a stored image once, under
  names derived from the content hash:
  `{"thumb": {"width": w, "height": h, "jpeg": url, "webp": url}, "large": {...}}`, which is
  what `Article.cover_renditions` (a JSONField) stores. A stored file that still carries
  metadata (one stored before uploads were stripped) is stripped in place first. It raises
  `ImageProcessingError` (a Chinese message in `str(exc)` and `exc.message`) when the media
  storage cannot be read or written (full disk, read-only folder) or the file cannot be decoded.

Stored files are public from the moment they are written, so an upload is stripped before it
is stored, never afterwards: JPEGs and PNGs are decoded and re-encoded (EXIF orientation
applied, colours converted to sRGB, nothing kept but the pixels); GIFs and WebPs, still or
animated, lose every block that does not draw the picture (`articles.images.animated`), which
keeps their frames exactly and costs no re-encoding. Bytes after the picture (a ZIP riding
along in a "polyglot" file) go too. The stored name is
`<folder>/YYYY/MM/<sha256 of the stored bytes>.<extension of the detected format>`, never the
client's name or extension, so the same picture uploaded twice is stored once and is always
served with its real type.

Because a name that exists is reused, every file is written whole or not at all
(`articles.images.mediafiles`), and a file found under its name is checked before it is trusted: an
original must hold exactly the bytes it is named after, a rendition must decode fully at its
size. A damaged one (cut short by a killed worker) is written again.

Renditions are made once, when a cover is saved or an image uploaded, never per request: a
list thumbnail (400 px wide) and an article size (1,200 px wide), each as JPEG and WebP,
never upscaled. Their names carry a hash of the stored original and of RENDITION_VERSION,
so saving the same picture again finds them in place and writes nothing.
"""

from .checks import (
    MAX_UPLOAD_BYTES,
    UPLOAD_MEMORY_BOUND_MB,
    ImageInfo,
    ImageProcessingError,
    StoredImage,
    inspect_image,
    validate_image_upload,
)
from .renditions import build_renditions
from .storing import PREVIEW_WIDTH, InlineImage, inline_preview, store_field_upload, store_upload
from .stripping import rendition_size

__all__ = [
    "MAX_UPLOAD_BYTES",
    "PREVIEW_WIDTH",
    "UPLOAD_MEMORY_BOUND_MB",
    "ImageInfo",
    "ImageProcessingError",
    "InlineImage",
    "StoredImage",
    "build_renditions",
    "inline_preview",
    "inspect_image",
    "rendition_size",
    "store_field_upload",
    "store_upload",
    "validate_image_upload",
]
