"""Uploaded images: what we accept, and the sizes we publish them in.

Contract (other modules call exactly these):

- `validate_image_upload(uploaded_file) -> None` raises `django.core.exceptions.ValidationError`
  (a Chinese message, and a `code`) unless the file really is a JPEG, PNG, WebP or GIF, judged by
  its content and never by its name; at most 10 MB and 8,000 px per side; and not a
  decompression bomb. It never lets a Pillow exception through, so a bad file is a form error,
  not a 500.
- `build_renditions(field_file) -> dict` normalises the stored original (EXIF orientation
  applied, EXIF/GPS/XMP/comments removed; the ICC colour profile is kept) and writes the
  renditions once, under names derived from the content hash:
  `{"thumb": {"width": w, "height": h, "jpeg": url, "webp": url}, "large": {...}}`, which is
  what `Article.cover_renditions` (a JSONField) stores. It raises `ImageProcessingError` (a
  Chinese message in `str(exc)` and `exc.message`) when the media storage cannot be read or
  written (full disk, read-only folder) or the stored file cannot be decoded.
- `store_upload(uploaded_file) -> StoredImage` (used by the editor's upload view) validates,
  stores the file as `uploads/YYYY/MM/<hash>.<ext>` and builds its renditions; when the
  storage fails it raises ImageProcessingError and leaves no file behind.
- `store_field_upload(field_file)` writes a model's new upload (a cover) to storage during
  form validation, so a storage failure becomes a form error instead of a 500 mid-save.

A write that fails half-way (full disk) never leaves a truncated file: names are content
hashes that later saves reuse, so one would otherwise be served for good.

Renditions are made once, when a cover is saved or an image uploaded, never per request: a
list thumbnail (400 px wide) and an article size (1,200 px wide), each as JPEG and WebP,
never upscaled. Their names carry a hash of the normalised original and of RENDITION_VERSION,
so saving the same picture again finds them in place and writes nothing.
"""

import hashlib
import io
import logging
import os
import posixpath
import tempfile
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone
from PIL import Image, ImageOps, UnidentifiedImageError

logger = logging.getLogger(__name__)

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_SIDE = 8000
MAX_PIXELS = MAX_SIDE * MAX_SIDE

# Pillow warns above MAX_IMAGE_PIXELS and refuses above twice that. Its default (~89 Mpx) is
# above anything we accept, so lower it process-wide: every Pillow caller in the project (the
# legacy image fetcher too) then refuses a bomb before decoding it. validate_image_upload also
# turns the warning into a refusal and checks the sides itself.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS

# Pillow format name -> the extension we store the file under. "MPO" is what Pillow calls the
# multi-picture JPEGs many phones and cameras write; it is a JPEG for every browser.
ACCEPTED_FORMATS = {"JPEG": "jpg", "MPO": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "gif"}
# The only decoders Pillow may try on an upload (its JPEG opener also recognises MPO): a
# smaller attack surface than every format Pillow knows.
OPEN_FORMATS = ["JPEG", "PNG", "WEBP", "GIF"]

# Label -> target width in CSS pixels. The thumbnail serves list items (shown at ~160 px, so
# 2x screens get a sharp picture) and the small end of the article cover's srcset.
RENDITION_WIDTHS = {"thumb": 400, "large": 1200}
RENDITION_DIR = "renditions"
UPLOAD_DIR = "uploads"
# Part of every rendition's name: bump it after changing sizes or quality, and the next save
# of each cover writes new files instead of reusing the old ones.
RENDITION_VERSION = "1"
JPEG_QUALITY = 85
WEBP_QUALITY = 80
# Quality used when the original itself has to be re-encoded (rotated, or metadata stripped).
ORIGINAL_QUALITY = 92

MESSAGES = {
    "empty": "文件是空的，请重新选择图片。",
    "too_large": "图片文件太大（{size:.1f} MB），不能超过 10 MB。",
    "invalid_image": (
        "这不是有效的图片文件：只支持 JPEG、PNG、WebP 或 GIF 格式（按文件内容判断，与扩展名无关）。"
    ),
    "too_many_pixels": "图片尺寸过大（{width}×{height} 像素），每边不能超过 8000 像素。",
    "decompression_bomb": (
        "图片声明的像素数量异常巨大（疑似“解压炸弹”文件），已拒绝。请上传正常尺寸的图片。"
    ),
    "corrupt_image": "图片文件已损坏或不完整，无法读取。请重新导出后再上传。",
}

STORAGE_WRITE_ERROR = "图片无法保存到媒体存储（磁盘已满或目录不可写），请联系技术人员后重试。"
STORAGE_READ_ERROR = "无法读取已上传的图片文件，请重新上传。"
DECODE_ERROR = "图片无法处理（文件可能已损坏），请换一张图片重新上传。"


class ImageProcessingError(Exception):
    """The image was valid but could not be read, normalised or stored; `message` says why."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class ImageInfo:
    format: str  # Pillow's name: JPEG, MPO, PNG, WEBP, GIF
    width: int
    height: int

    @property
    def extension(self) -> str:
        return ACCEPTED_FORMATS[self.format]


@dataclass
class StoredImage:
    name: str  # in default storage
    url: str
    renditions: dict = field(default_factory=dict)
    animated: bool = False


def _refuse(code: str, **params):
    raise ValidationError(MESSAGES[code].format(**params), code=code)


def _open(data: bytes) -> Image.Image:
    """Open `data` with only the decoders we accept, treating a bomb warning as an error."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        return Image.open(io.BytesIO(data), formats=OPEN_FORMATS)


def inspect_image(uploaded_file) -> ImageInfo:
    """What `validate_image_upload` checks, returning the format and size it found."""
    size = getattr(uploaded_file, "size", None)
    if size is None:
        uploaded_file.seek(0, os.SEEK_END)
        size = uploaded_file.tell()
    if not size:
        _refuse("empty")
    if size > MAX_UPLOAD_BYTES:
        _refuse("too_large", size=size / 1024 / 1024)
    uploaded_file.seek(0)
    data = uploaded_file.read(MAX_UPLOAD_BYTES + 1)
    uploaded_file.seek(0)
    if len(data) > MAX_UPLOAD_BYTES:
        _refuse("too_large", size=len(data) / 1024 / 1024)

    try:
        with _open(data) as image:
            info = ImageInfo(image.format, *image.size)
            if info.format not in ACCEPTED_FORMATS:
                _refuse("invalid_image")
            if info.width > MAX_SIDE or info.height > MAX_SIDE:
                _refuse("too_many_pixels", width=info.width, height=info.height)
            if info.width * info.height > MAX_PIXELS:
                _refuse("decompression_bomb")
            # verify() checks the structure (PNG checksums and the like) without decoding.
            image.verify()
        # verify() leaves the image unusable; decode it for real, so that a truncated file is
        # refused here rather than failing later when the renditions are made.
        with _open(data) as image:
            image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        _refuse("decompression_bomb")
    except UnidentifiedImageError:
        _refuse("invalid_image")
    except ValidationError:
        raise
    except Exception:  # Pillow raises SyntaxError, OSError, ValueError… on broken files.
        logger.info("Refused a corrupt image upload", exc_info=True)
        _refuse("corrupt_image")
    return info


def validate_image_upload(uploaded_file) -> None:
    """Raise ValidationError unless `uploaded_file` is an image we publish (see module doc)."""
    inspect_image(uploaded_file)


# --- Renditions ------------------------------------------------------------------------------


def _read(storage, name: str) -> bytes:
    try:
        with storage.open(name, "rb") as fh:
            return fh.read()
    except OSError as exc:
        logger.error("Cannot read image %s from storage: %s", name, exc)
        raise ImageProcessingError(STORAGE_READ_ERROR) from exc


def _has_metadata(image: Image.Image) -> bool:
    """True when the file carries something beyond pixels and colour profile (EXIF, GPS…)."""
    info = image.info
    if image.format == "MPO":
        return True  # a second embedded picture, with its own EXIF: keep only the first
    keys = {"exif", "xmp", "XML:com.adobe.xmp", "comment", "photoshop", "iptc"}
    if keys & info.keys():
        return True
    return bool(getattr(image, "text", None)) if image.format == "PNG" else False


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info


def _pixels(image: Image.Image) -> Image.Image:
    """The image as RGB, or RGBA when it has transparency, ready for resizing and encoding."""
    return image.convert("RGBA" if _has_alpha(image) else "RGB")


def _encode_original(source: Image.Image, oriented: Image.Image, rotated: bool) -> bytes:
    """Re-encode the original without its metadata, upright, in its own format."""
    fmt = "JPEG" if source.format == "MPO" else source.format
    buf = io.BytesIO()
    options = {}
    if icc := source.info.get("icc_profile"):
        options["icc_profile"] = icc
    if fmt == "JPEG":
        options["comment"] = b""  # Pillow would otherwise copy the original's comment over
        image = oriented if oriented.mode in ("RGB", "L", "CMYK") else oriented.convert("RGB")
        if not rotated and source.format == "JPEG":
            # Same pixels: reuse the original quantisation tables, so no visible loss.
            try:
                source.save(buf, "JPEG", quality="keep", **options)
                return buf.getvalue()
            except (ValueError, OSError):
                buf = io.BytesIO()
        image.save(buf, "JPEG", quality=ORIGINAL_QUALITY, **options)
    elif fmt == "WEBP":
        oriented.save(buf, "WEBP", quality=ORIGINAL_QUALITY, **options)
    else:  # PNG; GIFs carry no EXIF and are never rewritten
        oriented.save(buf, "PNG", **options)
    return buf.getvalue()


def _write_over(storage, name: str, data: bytes) -> str:
    """Replace the stored file `name` with `data`; return the name it is stored under."""
    try:
        path = storage.path(name)
    except NotImplementedError:
        # A remote storage: there is no rename, so replace by delete and save.
        storage.delete(name)
        return storage.save(name, ContentFile(data))
    # On disk: write beside it and rename over it, so a failure (a full disk) leaves the
    # original as it was rather than half written or gone.
    directory = os.path.dirname(path)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".normalise-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, os.stat(path).st_mode & 0o777)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return name


def _discard(storage, name: str) -> None:
    """Remove what a failed write left at `name` (a partly written file), if anything."""
    try:
        if storage.exists(name):
            storage.delete(name)
    except OSError as exc:  # a read-only folder: then nothing was written either
        logger.warning("Could not remove the partly written %s: %s", name, exc)


def _save_fully(storage, name: str, content, max_length=None) -> str:
    """`storage.save`, but a failed write (full disk) leaves no truncated file behind.

    Django's FileSystemStorage keeps whatever it wrote before the error. Our names are
    content hashes that later saves look for and reuse, so a truncated file would be
    served for good: remove it.
    """
    available = storage.get_available_name(name, max_length=max_length)
    try:
        return storage.save(available, content, max_length=max_length)
    except OSError:
        _discard(storage, available)
        raise


def _save_new(storage, name: str, data: bytes) -> None:
    saved = _save_fully(storage, name, ContentFile(data))
    if saved != name:
        # Another process wrote the same rendition a moment ago; theirs is identical.
        storage.delete(saved)


def _encode_rendition(image: Image.Image, kind: str) -> bytes:
    buf = io.BytesIO()
    if kind == "jpeg":
        if image.mode == "RGBA":  # JPEG has no transparency: flatten on white, like the page
            flat = Image.new("RGB", image.size, (255, 255, 255))
            flat.paste(image, mask=image.getchannel("A"))
            image = flat
        image.save(buf, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True, comment=b"")
    else:
        image.save(buf, "WEBP", quality=WEBP_QUALITY, method=4)
    return buf.getvalue()


def rendition_size(width: int, height: int, target: int) -> tuple[int, int]:
    """The size of a rendition `target` px wide: the same ratio, never upscaled."""
    if width <= target:
        return width, height
    return target, max(1, round(height * target / width))


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


def _renditions(storage, pixels: Image.Image, digest: str, name: str) -> dict:
    """Write the missing renditions of `pixels` (upright RGB or RGBA); return their URLs."""
    result = {}
    for label, target in sorted(RENDITION_WIDTHS.items(), key=lambda kv: -kv[1]):
        width, height = rendition_size(*pixels.size, target)
        stem = posixpath.join(RENDITION_DIR, digest[:2], f"{digest[:32]}-{target}w")
        names = {"jpeg": f"{stem}.jpg", "webp": f"{stem}.webp"}
        with _storing(name):
            missing = [kind for kind, path in names.items() if not storage.exists(path)]
        for kind in missing:
            with _decoding(name):
                resized = pixels
                if (width, height) != pixels.size:
                    resized = pixels.resize(
                        (width, height), Image.Resampling.LANCZOS, reducing_gap=3.0
                    )
                encoded = _encode_rendition(resized, kind)
            with _storing(name):
                _save_new(storage, names[kind], encoded)
        result[label] = {
            "width": width,
            "height": height,
            "jpeg": storage.url(names["jpeg"]),
            "webp": storage.url(names["webp"]),
        }
    return {label: result[label] for label in RENDITION_WIDTHS}


def build_renditions(field_file) -> dict:
    """Normalise the stored original and make its renditions (once); see the module doc.

    `field_file` is a FieldFile (`article.cover`) or anything with `name` and `storage`.
    If the storage had to store the normalised original under a new name (remote storages
    only), `field_file.name` is updated: save the instance's file field too.
    """
    name = getattr(field_file, "name", None)
    if not name:
        return {}
    storage = getattr(field_file, "storage", None) or default_storage
    data = _read(storage, name)
    normalised = None
    with _decoding(name), _open(data) as source:
        orientation = _orientation(source)
        rotated = orientation in _TRANSPOSE
        if _has_metadata(source) and source.format != "GIF":
            oriented = ImageOps.exif_transpose(source) if rotated else source
            normalised = _encode_original(source, oriented, rotated)
        # Convert before turning: the conversion reads the transparency from the source.
        pixels = _pixels(source)
        if rotated:
            pixels = pixels.transpose(_TRANSPOSE[orientation])
    if normalised is not None:
        data = normalised
        with _storing(name):
            new_name = _write_over(storage, name, data)
        if new_name != name:
            field_file.name = new_name
    digest = hashlib.sha256(RENDITION_VERSION.encode() + b"\0" + data).hexdigest()
    return _renditions(storage, pixels, digest, name)


# EXIF orientation -> the transpose that makes the picture upright (as ImageOps.exif_transpose).
_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def _orientation(image: Image.Image):
    try:
        return image.getexif().get(0x0112)
    except Exception:  # a broken EXIF block: treat it as absent
        return None


# --- Covers ----------------------------------------------------------------------------------


def store_field_upload(field_file) -> None:
    """Write a model's new, not yet stored upload (`article.cover`) to its storage now.

    Django would write it during the model save, where a full disk or a read-only media
    folder is a 500 in the middle of saving. A form calls this from its validation
    instead, so the failure is a form error and nothing is saved: it raises
    ImageProcessingError (STORAGE_WRITE_ERROR), leaving no partly written file. Afterwards
    the file counts as stored (`_committed`) and the model save does not write it again.
    """
    if not field_file or getattr(field_file, "_committed", True):
        return
    instance, model_field = field_file.instance, field_file.field
    upload = field_file.file
    name = model_field.generate_filename(instance, upload.name)
    try:
        stored = _save_fully(model_field.storage, name, upload, max_length=model_field.max_length)
    except OSError as exc:
        logger.error("Cannot store uploaded file %s: %s", name, exc)
        raise ImageProcessingError(STORAGE_WRITE_ERROR) from exc
    field_file.name = stored
    setattr(instance, model_field.attname, stored)
    field_file._committed = True


# --- Editor uploads ---------------------------------------------------------------------------


def store_upload(uploaded_file, storage=None) -> StoredImage:
    """Validate an image uploaded from the editor, store it once and build its renditions.

    The stored name is `uploads/YYYY/MM/<sha256 of the content>.<ext from the content>`, so the
    same picture uploaded twice is stored once. Raises ValidationError for a bad file and
    ImageProcessingError when the storage fails.
    """
    storage = storage or default_storage
    info = inspect_image(uploaded_file)
    data = uploaded_file.read()
    uploaded_file.seek(0)
    digest = hashlib.sha256(data).hexdigest()
    month = timezone.localtime().strftime("%Y/%m")
    name = posixpath.join(UPLOAD_DIR, month, f"{digest[:32]}.{info.extension}")
    written = False
    try:
        if not storage.exists(name):
            _save_new(storage, name, data)
            written = True
    except OSError as exc:
        logger.error("Cannot store uploaded image %s: %s", name, exc)
        raise ImageProcessingError(STORAGE_WRITE_ERROR) from exc
    target = _Stored(name, storage)
    try:
        renditions = build_renditions(target)
    except ImageProcessingError:
        # The editor gets an error and no URL: keep no original that nothing points at.
        if written:
            _discard(storage, target.name)
        raise
    return StoredImage(
        name=target.name,
        url=storage.url(target.name),
        renditions=renditions,
        animated=_is_animated(data),
    )


@dataclass
class _Stored:
    """The two attributes of a FieldFile that build_renditions uses."""

    name: str
    storage: object


def _is_animated(data: bytes) -> bool:
    try:
        with _open(data) as image:
            return getattr(image, "n_frames", 1) > 1
    except Exception:
        return False
