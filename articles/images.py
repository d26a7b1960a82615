"""Image validation and renditions (being written by the images engineer).

Contract (other modules call exactly these):
- validate_image_upload(uploaded_file) -> None: raises django.core.exceptions.ValidationError
  with a Chinese message unless the file really is a JPEG/PNG/WebP/GIF, <= 10 MB,
  <= 8000 px per side, and not a decompression bomb.
- build_renditions(field_file) -> dict: normalise the stored original (EXIF orientation
  applied, metadata stripped) and write the renditions once; returns
  {"thumb": {"width": w, "height": h, "jpeg": url, "webp": url},
   "large": {...}} suitable for storing in a JSONField.
"""

from django.core.exceptions import ValidationError  # noqa: F401


def validate_image_upload(uploaded_file) -> None:
    return None


def build_renditions(field_file) -> dict:
    return {}
