"""Stripping an upload to its pixels before it is stored: no EXIF, GPS, XMP, comments
or colour profiles; orientation applied, colours in sRGB."""

import io
import logging
from dataclasses import dataclass

from PIL import Image, ImageCms

from . import animated
from .checks import (
    ACCEPTED_FORMATS,
    MAX_PIXELS,
    MAX_WEBP_PIXELS,
    ORIGINAL_QUALITY,
    RENDITION_WIDTHS,
    _open,
)

logger = logging.getLogger(__name__)


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


def rendition_size(width: int, height: int, target: int) -> tuple[int, int]:
    """The size of a rendition `target` px wide: the same ratio, never upscaled."""
    if width <= target:
        return width, height
    return target, max(1, round(height * target / width))
