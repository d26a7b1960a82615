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
animated, lose every block that does not draw the picture (`articles.animated`), which
keeps their frames exactly and costs no re-encoding. Bytes after the picture (a ZIP riding
along in a "polyglot" file) go too. The stored name is
`<folder>/YYYY/MM/<sha256 of the stored bytes>.<extension of the detected format>`, never the
client's name or extension, so the same picture uploaded twice is stored once and is always
served with its real type.

Because a name that exists is reused, every file is written whole or not at all
(`articles.mediafiles`), and a file found under its name is checked before it is trusted: an
original must hold exactly the bytes it is named after, a rendition must decode fully at its
size. A damaged one (cut short by a killed worker) is written again.

Renditions are made once, when a cover is saved or an image uploaded, never per request: a
list thumbnail (400 px wide) and an article size (1,200 px wide), each as JPEG and WebP,
never upscaled. Their names carry a hash of the stored original and of RENDITION_VERSION,
so saving the same picture again finds them in place and writes nothing.
"""

import base64
import hashlib
import io
import logging
import os
import posixpath
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone
from PIL import Image, ImageCms, UnidentifiedImageError

from . import animated, mediafiles

logger = logging.getLogger(__name__)

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_SIDE = 8000
# Decoded pixels are what cost memory (4 bytes each once decoded, whatever the file size), so
# they are capped at what a news photo needs: a 24-megapixel camera frame (6016×4016) or a
# 12 Mpx phone photo passes; the largest size we publish is 1,200 px wide. A 249 KB PNG of
# 7999×7999 (64 Mpx) used to cost one worker ~960 MB.
MAX_PIXELS = 25_000_000
# WebP decoding holds libwebp's canvas, the frame as bytes and Pillow's image at once: about
# three times the memory per pixel of the other formats, hence a lower cap (4000×3000 fits).
MAX_WEBP_PIXELS = 12_000_000
# How far any one upload (validation, storing, renditions, preview) may raise a worker's peak
# memory, measured by tests/test_uploads.py: the caps above keep it under this.
UPLOAD_MEMORY_BOUND_MB = 256

# Pillow warns above MAX_IMAGE_PIXELS and refuses above twice that, before allocating
# anything. Lower it process-wide: every Pillow caller in the project (the legacy image
# fetcher too) then refuses a bomb before decoding it. validate_image_upload reads the size
# from the header and refuses with the exact figures before that.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS

# Pillow format name -> the extension we store the file under. "MPO" is what Pillow calls the
# multi-picture JPEGs many phones and cameras write; we store its first picture as a JPEG.
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
# Quality used when a still is re-encoded and its own JPEG tables cannot be reused.
ORIGINAL_QUALITY = 92

MESSAGES = {
    "empty": "文件是空的，请重新选择图片。",
    "too_large": "图片文件太大（{size:.1f} MB），不能超过 10 MB。",
    "invalid_image": (
        "这不是有效的图片文件：只支持 JPEG、PNG、WebP 或 GIF 格式（按文件内容判断，与扩展名无关）。"
    ),
    "too_many_pixels": (
        "图片尺寸过大（{width}×{height} 像素）：每边不能超过 8000 像素，"
        "{kind}总共不能超过 {limit} 万像素（约 {example}）。请缩小后再上传。"
    ),
    "decompression_bomb": (
        "图片声明的像素数量异常巨大（疑似“解压炸弹”文件），已拒绝。"
        "图片不能超过 2500 万像素，请上传正常尺寸的图片。"
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
    frames: int = 1

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


def _open(data: bytes, *, header_only: bool = False) -> Image.Image:
    """Open `data` with only the decoders we accept, treating a bomb warning as an error.

    Opening reads the header only. With `header_only` a size above MAX_PIXELS (but below
    twice that, where Pillow refuses outright) is let through, for the caller to refuse with
    the figures; nothing may then be decoded.
    """
    with warnings.catch_warnings():
        action = "ignore" if header_only else "error"
        warnings.simplefilter(action, Image.DecompressionBombWarning)
        return Image.open(io.BytesIO(data), formats=OPEN_FORMATS)


def _refuse_size(fmt: str, width: int, height: int) -> None:
    """Refuse a picture too large to decode within the memory bound, from its header."""
    webp = fmt == "WEBP"
    limit, example = (MAX_WEBP_PIXELS, "4000×3000") if webp else (MAX_PIXELS, "6000×4000")
    if width > MAX_SIDE or height > MAX_SIDE or width * height > limit:
        _refuse(
            "too_many_pixels",
            width=width,
            height=height,
            kind="WebP 图片" if webp else "",
            limit=limit // 10_000,
            example=example,
        )


def _frames(image: Image.Image, data: bytes) -> int:
    """How many frames a GIF or WebP holds, read from its blocks without decoding any."""
    if image.format == "GIF":
        return animated.strip_gif(data)[1]
    if image.format == "WEBP":
        return animated.strip_webp(data)[1]
    return 1  # an APNG or MPO is stored as its first picture


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
        with _open(data, header_only=True) as image:
            if image.format not in ACCEPTED_FORMATS:
                _refuse("invalid_image")
            width, height = image.size
            # From the header, before a single pixel is decoded.
            _refuse_size(image.format, width, height)
            info = ImageInfo(image.format, width, height, _frames(image, data))
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


# --- Stripping ---------------------------------------------------------------------------------

# Pillow's names for what a file carries beyond its pixels.
METADATA_KEYS = {"exif", "xmp", "XML:com.adobe.xmp", "comment", "photoshop", "iptc", "icc_profile"}


@dataclass
class _Prepared:
    """A picture ready to store: its stripped bytes, and its pixels for the renditions."""

    data: bytes
    format: str  # of `data`: JPEG, PNG, WEBP or GIF
    size: tuple[int, int]  # upright
    frames: int
    base: Image.Image | None  # upright RGB/RGBA, no wider than the largest rendition

    @property
    def extension(self) -> str:
        return ACCEPTED_FORMATS[self.format]


def _has_metadata(image: Image.Image) -> bool:
    """True when a stored still carries something beyond its pixels (EXIF, GPS, a profile…)."""
    if image.format == "MPO":
        return True  # a second embedded picture, with its own EXIF: keep only the first
    if METADATA_KEYS & image.info.keys() or _orientation(image):
        return True
    return bool(getattr(image, "text", None)) if image.format == "PNG" else False


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info


def _pixels(image: Image.Image) -> Image.Image:
    """The image as RGB, or RGBA when it has transparency, ready for resizing and encoding."""
    mode = "RGBA" if _has_alpha(image) else "RGB"
    return image if image.mode == mode else image.convert(mode)


def _replace(old: Image.Image, new: Image.Image) -> Image.Image:
    """Use `new` from now on and free `old`'s pixels: a large picture is held once, not twice."""
    if new is not old:
        old.close()
    return new


def _to_srgb(image: Image.Image, icc: bytes | None) -> Image.Image:
    """The pixels converted from their embedded colour profile to sRGB, which browsers assume
    for a picture without one: so the profile can be dropped without changing the colours."""
    if not icc:
        return image
    try:
        profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        if (ImageCms.getProfileDescription(profile) or "").lower().startswith("srgb"):
            return image  # already what browsers assume: dropping it changes nothing
        if image.mode not in ("RGB", "RGBA", "CMYK"):
            return image  # greyscale and palette profiles change little; drop them as they are
        mode = "RGB" if image.mode == "CMYK" else image.mode
        srgb = ImageCms.createProfile("sRGB")
        return ImageCms.profileToProfile(image, profile, srgb, outputMode=mode) or image
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        logger.info("Ignored a broken colour profile", exc_info=True)
        return image


def _upright(source: Image.Image) -> Image.Image:
    """The first picture of `source` decoded, in sRGB, turned as its EXIF says, with no
    metadata left in `.info` (Pillow would copy some of it into the file it writes)."""
    source.load()
    orientation = _orientation(source)
    transparency = source.info.get("transparency")
    icc = source.info.get("icc_profile")
    image = source
    if icc and transparency is not None:
        # A transparent colour would no longer match once the colours are converted.
        image = _replace(image, image.convert("RGBA"))
    image = _replace(image, _to_srgb(image, icc))
    if orientation in _TRANSPOSE:
        image = _replace(image, image.transpose(_TRANSPOSE[orientation]))
    image.info = {}
    if transparency is not None and image.mode == source.mode:
        image.info["transparency"] = transparency
    return image


def _encode_still(image: Image.Image, source: Image.Image) -> tuple[bytes, str]:
    """`image` (from `_upright`) encoded as a JPEG or PNG, like `source`; an MPO becomes a
    JPEG."""
    buf = io.BytesIO()
    fmt = "JPEG" if source.format == "MPO" else source.format
    if fmt == "JPEG":
        if image is source and source.format == "JPEG":
            # The same pixels: reuse the original quantisation tables, so no visible loss.
            try:
                image.save(buf, "JPEG", quality="keep", optimize=True)
                return buf.getvalue(), fmt
            except (ValueError, OSError):
                buf = io.BytesIO()
        if image.mode not in ("RGB", "L", "CMYK"):
            image = image.convert("RGB")
        image.save(buf, "JPEG", quality=ORIGINAL_QUALITY, optimize=True)
    else:  # PNG; an APNG keeps its first picture
        image.save(buf, "PNG")
    return buf.getvalue(), fmt


def _rendition_base(image: Image.Image, width: int = max(RENDITION_WIDTHS.values())) -> Image.Image:
    """`image` (full size, upright) reduced to `width` (the largest rendition), as RGB or
    RGBA."""
    image.load()
    largest = rendition_size(*image.size, width)
    base = image
    if base.mode not in ("L", "RGB", "CMYK") or "transparency" in base.info:
        # Palettes resize badly and a transparent colour would blur into its neighbours.
        base = _pixels(base)
    if base.size != largest:
        base = base.resize(largest, Image.Resampling.LANCZOS, reducing_gap=3.0)
    base = _pixels(base)
    if base is image:
        base = image.copy()  # small here; the renditions must not depend on the open file
    base.info = {}  # Pillow would copy a GIF's comment into the JPEG rendition
    return base


def _refuse_to_decode_large(source: Image.Image) -> None:
    """Validation refuses these; whatever calls us later must never decode one either."""
    limit = MAX_WEBP_PIXELS if source.format == "WEBP" else MAX_PIXELS
    if source.width * source.height > limit:
        raise Image.DecompressionBombError(f"{source.size} is above {limit} pixels")


def _prepare(data: bytes, *, always: bool, base: bool = True) -> _Prepared:
    """Decode `data` once: its stripped bytes (only when `always` or it carries metadata;
    otherwise `data` itself) and, if `base`, the pixels its renditions are made from."""
    with _open(data) as source:
        _refuse_to_decode_large(source)
        size = source.size
        if source.format in ("GIF", "WEBP"):
            # Rewritten block by block, not re-encoded (articles.animated). Browsers ignore
            # a WebP's EXIF orientation (it follows the pixels), and so do its renditions.
            strip = animated.strip_gif if source.format == "GIF" else animated.strip_webp
            stripped, frames = strip(data)
            # The first frame stands for an animation in its renditions.
            pixels = _rendition_base(source) if base else None
            return _Prepared(stripped, source.format, size, frames, pixels)
        fmt = "JPEG" if source.format == "MPO" else source.format
        if not (always or _has_metadata(source)):
            return _Prepared(data, fmt, size, 1, _rendition_base(source) if base else None)
        image = _upright(source)
        stripped, fmt = _encode_still(image, source)
        return _Prepared(stripped, fmt, image.size, 1, _rendition_base(image) if base else None)


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
