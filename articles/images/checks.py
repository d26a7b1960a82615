"""What an upload must be: its type judged by content, its size and pixels read from
the header before anything is decoded, and the errors shown to editors."""

import io
import logging
import os
import warnings
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from PIL import Image, UnidentifiedImageError

from . import animated

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
