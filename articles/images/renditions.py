"""The published sizes of a stored image, made once, named by content."""

import hashlib
import io
import logging
import posixpath
from contextlib import contextmanager

from django.core.files.storage import default_storage
from PIL import Image

from . import mediafiles
from .checks import (
    DECODE_ERROR,
    JPEG_QUALITY,
    MESSAGES,
    RENDITION_DIR,
    RENDITION_VERSION,
    RENDITION_WIDTHS,
    STORAGE_READ_ERROR,
    STORAGE_WRITE_ERROR,
    WEBP_QUALITY,
    ImageProcessingError,
)
from .stripping import _prepare, _Prepared, rendition_size

logger = logging.getLogger(__name__)


# --- Renditions ------------------------------------------------------------------------------


def _read(storage, name: str) -> bytes:
    try:
        with storage.open(name, "rb") as fh:
            return fh.read()
    except OSError as exc:
        logger.error("Cannot read image %s from storage: %s", name, exc)
        raise ImageProcessingError(STORAGE_READ_ERROR) from exc


def _encode_rendition(image: Image.Image, kind: str) -> bytes:
    buf = io.BytesIO()
    if kind == "jpeg":
        if image.mode == "RGBA":  # JPEG has no transparency: flatten on white, like the page
            flat = Image.new("RGB", image.size, (255, 255, 255))
            flat.paste(image, mask=image.getchannel("A"))
            image = flat
        image.save(buf, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    else:
        image.save(buf, "WEBP", quality=WEBP_QUALITY, method=4)
    return buf.getvalue()


@contextmanager
def _decoding(name: str):
    """Turn Pillow's complaints about a stored file into ImageProcessingError."""
    try:
        yield
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageProcessingError(MESSAGES["decompression_bomb"]) from exc
    except (OSError, ValueError, SyntaxError, EOFError) as exc:
        logger.error("Cannot decode image %s: %s", name, exc)
        raise ImageProcessingError(DECODE_ERROR) from exc


@contextmanager
def _storing(name: str):
    """Turn a storage failure (full disk, read-only folder…) into ImageProcessingError."""
    try:
        yield
    except OSError as exc:
        logger.error("Cannot write image files for %s: %s", name, exc)
        raise ImageProcessingError(STORAGE_WRITE_ERROR) from exc


def _whole_rendition(storage, name: str, size: tuple[int, int]) -> bool:
    """Whether the rendition `name` exists and decodes fully at `size`: a file cut short by a
    killed worker or a lost block is made again rather than served for good."""
    try:
        with storage.open(name, "rb") as fh, Image.open(fh, formats=["JPEG", "WEBP"]) as image:
            if image.size != size:
                return False
            image.load()
        return True
    except FileNotFoundError:
        return False
    except (OSError, ValueError, SyntaxError, EOFError, Image.DecompressionBombError):
        logger.warning("Rendition %s is damaged; making it again", name)
        return False


def _renditions(storage, prepared: _Prepared, name: str) -> dict:
    """Write the renditions of `prepared` that are missing or damaged; return their URLs."""
    digest = hashlib.sha256(RENDITION_VERSION.encode() + b"\0" + prepared.data).hexdigest()
    result = {}
    for label, target in sorted(RENDITION_WIDTHS.items(), key=lambda kv: -kv[1]):
        width, height = rendition_size(*prepared.size, target)
        stem = posixpath.join(RENDITION_DIR, digest[:2], f"{digest[:32]}-{target}w")
        names = {"jpeg": f"{stem}.jpg", "webp": f"{stem}.webp"}
        missing = [
            kind
            for kind, path in names.items()
            if not _whole_rendition(storage, path, (width, height))
        ]
        if missing:
            with _decoding(name):
                resized = prepared.base
                if (width, height) != resized.size:
                    resized = resized.resize((width, height), Image.Resampling.LANCZOS)
                encoded = {kind: _encode_rendition(resized, kind) for kind in missing}
            for kind in missing:
                with _storing(name):
                    mediafiles.write_whole(storage, names[kind], encoded[kind])
        result[label] = {
            "width": width,
            "height": height,
            "jpeg": storage.url(names["jpeg"]),
            "webp": storage.url(names["webp"]),
        }
    return {label: result[label] for label in RENDITION_WIDTHS}


def build_renditions(field_file) -> dict:
    """Make the renditions of a stored image (once), stripping it first if it still carries
    metadata; see the module doc.

    `field_file` is a FieldFile (`article.cover`) or anything with `name` and `storage`.
    If the storage had to store the stripped original under a new name (remote storages
    only), `field_file.name` is updated: save the instance's file field too.
    """
    name = getattr(field_file, "name", None)
    if not name:
        return {}
    storage = getattr(field_file, "storage", None) or default_storage
    data = _read(storage, name)
    with _decoding(name):
        prepared = _prepare(data, always=False)
    if prepared.data != data:
        # Stored before uploads were stripped: strip it where it is.
        with _storing(name):
            new_name = mediafiles.write_whole(storage, name, prepared.data)
        if new_name != name:
            field_file.name = new_name
    return _renditions(storage, prepared, name)
