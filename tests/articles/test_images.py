"""Uploaded images: what is refused, and the renditions made of what is accepted.

Every image here is a real file written by Pillow into a temporary media folder.
"""

import io
import os
import struct
import zlib
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.loader import render_to_string
from PIL import ExifTags, Image

from articles import images
from articles.models import Article


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_URL = "/media/"
    return settings.MEDIA_ROOT


def image_bytes(fmt="JPEG", size=(800, 600), mode="RGB", color="red", **options) -> bytes:
    buf = io.BytesIO()
    Image.new(mode, size, color).save(buf, fmt, **options)
    return buf.getvalue()


def upload(data: bytes, name="photo.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="image/jpeg")


def refusal(data: bytes, name="photo.jpg") -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        images.validate_image_upload(upload(data, name))
    return caught.value


def png_declaring(width: int, height: int) -> bytes:
    """A tiny, well-formed PNG whose header claims `width`×`height` pixels."""

    def chunk(kind: bytes, payload: bytes) -> bytes:
        crc = zlib.crc32(kind + payload) & 0xFFFFFFFF
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


def stored_path(url: str, media_root: Path) -> Path:
    assert url.startswith("/media/"), url
    return media_root / url.removeprefix("/media/")


@pytest.fixture
def cover_article(make_article):
    """Save `data` as the cover of a real article, the way the admin stores an upload."""

    def make(data: bytes, name="cover.jpg") -> Article:
        article = make_article()
        article.cover.save(name, ContentFile(data))
        return article

    return make


# --- Validation ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fmt, name, mode",
    [
        ("JPEG", "a.jpg", "RGB"),
        ("PNG", "a.png", "RGBA"),
        ("WEBP", "a.webp", "RGB"),
        ("GIF", "a.gif", "P"),
    ],
)
def test_real_jpeg_png_webp_and_gif_files_are_accepted(fmt, name, mode):
    """Editors upload these four kinds of picture; each must pass untouched."""
    uploaded = upload(image_bytes(fmt, mode=mode), name)
    images.validate_image_upload(uploaded)
    assert uploaded.tell() == 0  # left ready for Django to store it


def test_a_real_image_with_the_wrong_extension_is_judged_by_its_content():
    """The name proves nothing: a PNG called .jpg is still a PNG, and welcome."""
    assert images.inspect_image(upload(image_bytes("PNG"), "photo.jpg")).format == "PNG"


def test_a_text_file_renamed_to_jpg_is_refused():
    """A file is an image because Pillow can read it as one, not because of its name."""
    error = refusal("这不是图片，只是一段文字。".encode(), "photo.jpg")
    assert error.code == "invalid_image"
    assert "JPEG、PNG、WebP 或 GIF" in error.messages[0]


def test_a_real_image_in_a_format_we_do_not_publish_is_refused():
    """A BMP or TIFF would be served to browsers that may not show it."""
    assert refusal(image_bytes("BMP"), "photo.bmp").code == "invalid_image"


def test_a_file_over_10_mb_is_refused():
    """Ten megabytes is the cap, whatever the file holds (here a JPEG padded past it)."""
    data = image_bytes("JPEG") + b"\0" * (10 * 1024 * 1024)
    error = refusal(data)
    assert error.code == "too_large"
    assert "10 MB" in error.messages[0]


def test_an_image_wider_than_8000_px_is_refused():
    """A tiny file can still be huge in pixels; no side may exceed 8,000 px."""
    error = refusal(image_bytes("PNG", size=(8001, 2), mode="L"), "wide.png")
    assert error.code == "too_many_pixels"
    assert "8001×2" in error.messages[0]


@pytest.mark.parametrize("side", [9000, 50000])
def test_a_decompression_bomb_is_refused_with_a_clear_message(side):
    """A small file declaring billions of pixels would exhaust memory when decoded."""
    data = png_declaring(side, side)
    assert len(data) < 200
    error = refusal(data, "bomb.png")
    assert error.code == "decompression_bomb"
    assert "解压炸弹" in error.messages[0]


def test_a_truncated_image_is_refused_rather_than_failing_later():
    """Half a JPEG opens but cannot be decoded; refusing it now spares a broken cover."""
    data = image_bytes("JPEG", size=(1200, 900), quality=95)
    assert refusal(data[: len(data) // 2]).code == "corrupt_image"


def test_an_empty_file_is_refused():
    """An empty upload gets its own plain message."""
    assert refusal(b"").code == "empty"


# --- Renditions --------------------------------------------------------------------------------


def photo_with_exif(orientation=6) -> bytes:
    """A 600×400 photo, left half red and right half blue, with an orientation and GPS."""
    image = Image.new("RGB", (600, 400), "blue")
    image.paste((255, 0, 0), (0, 0, 300, 400))
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.Base.Make] = "PhoneCam"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (39.0, 54.0, 26.0)
    buf = io.BytesIO()
    image.save(buf, "JPEG", exif=exif, quality=95)
    return buf.getvalue()


def test_exif_orientation_is_applied_and_exif_and_gps_are_stripped(cover_article, media_root):
    """A phone photo must show upright, and must not publish where it was taken."""
    data = photo_with_exif(orientation=6)
    with Image.open(io.BytesIO(data)) as source:
        assert source.getexif().get_ifd(ExifTags.IFD.GPSInfo)  # the test photo has GPS
    article = cover_article(data)

    renditions = images.build_renditions(article.cover)

    # Orientation 6 means "turn 90° clockwise to view": the left (red) half ends up on top.
    thumb = stored_path(renditions["thumb"]["jpeg"], media_root)
    with Image.open(thumb) as image:
        assert (
            image.size
            == (400, 600)
            == (renditions["thumb"]["width"], renditions["thumb"]["height"])
        )
        red, green, blue = image.getpixel((200, 100))
        assert red > 200 and blue < 60
        red, green, blue = image.getpixel((200, 500))
        assert blue > 200 and red < 60
        assert not image.getexif()
    # The stored original is rewritten upright, without any EXIF block.
    original = Path(article.cover.path)
    with Image.open(original) as image:
        assert image.size == (400, 600)
        assert "exif" not in image.info
        assert not image.getexif()
    assert b"PhoneCam" not in original.read_bytes()
    for kind in ("jpeg", "webp"):
        for label in ("thumb", "large"):
            raw = stored_path(renditions[label][kind], media_root).read_bytes()
            assert b"Exif" not in raw and b"PhoneCam" not in raw


def test_renditions_are_about_400_and_1200_px_wide_in_jpeg_and_webp(cover_article, media_root):
    """Lists get a 400 px thumbnail and pages a 1,200 px picture, each in two formats."""
    article = cover_article(image_bytes("JPEG", size=(3000, 2000)))

    renditions = images.build_renditions(article.cover)

    assert renditions["thumb"]["width"] == 400 and renditions["thumb"]["height"] == 267
    assert renditions["large"]["width"] == 1200 and renditions["large"]["height"] == 800
    for label in ("thumb", "large"):
        for kind, fmt in (("jpeg", "JPEG"), ("webp", "WEBP")):
            with Image.open(stored_path(renditions[label][kind], media_root)) as image:
                assert image.format == fmt
                assert image.size == (renditions[label]["width"], renditions[label]["height"])


def test_small_images_are_never_upscaled(cover_article, media_root):
    """Enlarging a small picture only makes it blurry and heavier."""
    article = cover_article(image_bytes("PNG", size=(300, 200)), "small.png")

    renditions = images.build_renditions(article.cover)

    for label in ("thumb", "large"):
        assert (renditions[label]["width"], renditions[label]["height"]) == (300, 200)
        with Image.open(stored_path(renditions[label]["webp"], media_root)) as image:
            assert image.size == (300, 200)


def test_renditions_are_generated_once(cover_article, media_root):
    """Saving the same cover again must find its renditions and write nothing."""
    article = cover_article(photo_with_exif())
    first = images.build_renditions(article.cover)

    def snapshot():
        return {p: p.stat().st_mtime_ns for p in media_root.rglob("*") if p.is_file()}

    before = snapshot()
    second = images.build_renditions(article.cover)

    assert second == first
    assert snapshot() == before
    assert len(before) == 5  # the original and 2 sizes × 2 formats


def test_a_transparent_png_is_flattened_on_white_for_jpeg_and_keeps_alpha_in_webp(
    cover_article, media_root
):
    """JPEG has no transparency: a logo must not turn black behind its edges."""
    article = cover_article(
        image_bytes("PNG", size=(500, 500), mode="RGBA", color=(0, 0, 0, 0)), "logo.png"
    )

    renditions = images.build_renditions(article.cover)

    with Image.open(stored_path(renditions["thumb"]["jpeg"], media_root)) as image:
        assert image.getpixel((10, 10)) == (255, 255, 255)
    with Image.open(stored_path(renditions["thumb"]["webp"], media_root)) as image:
        assert image.mode == "RGBA" and image.getpixel((10, 10))[3] == 0


def test_an_animated_gif_gets_still_renditions_of_its_first_frame(cover_article, media_root):
    """A GIF cover still needs a thumbnail; its first frame stands for it."""
    frames = [Image.new("RGB", (640, 480), color) for color in ("red", "green", "blue")]
    buf = io.BytesIO()
    frames[0].save(buf, "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    article = cover_article(buf.getvalue(), "anim.gif")

    renditions = images.build_renditions(article.cover)

    assert renditions["thumb"]["width"] == 400
    assert stored_path(renditions["large"]["jpeg"], media_root).exists()


def test_an_unwritable_media_folder_raises_image_processing_error(cover_article, media_root):
    """A full disk or read-only folder must become a clear message for the editor, not a 500."""
    article = cover_article(image_bytes("JPEG", size=(1600, 900)))
    # Where the renditions go, a plain file stands: no folder can be made there, so every
    # write fails with an OSError. chmod would not do: the tests run as root in CI, and
    # root writes through any permission bits.
    (media_root / "renditions").write_bytes(b"not a folder")

    with pytest.raises(images.ImageProcessingError) as caught:
        images.build_renditions(article.cover)

    assert "磁盘已满或目录不可写" in caught.value.message
    assert str(caught.value) == caught.value.message
    assert Path(article.cover.path).exists()  # the original is untouched


def test_an_unreadable_original_raises_image_processing_error(cover_article):
    """A cover whose file has vanished is reported, not a crash."""
    article = cover_article(image_bytes("JPEG"))
    os.unlink(article.cover.path)

    with pytest.raises(images.ImageProcessingError):
        images.build_renditions(article.cover)


def test_an_empty_cover_has_no_renditions(make_article):
    """An article without a cover stores an empty dict, which the templates skip."""
    assert images.build_renditions(make_article().cover) == {}


# --- Pages -------------------------------------------------------------------------------------

RENDITIONS = {
    "thumb": {"width": 400, "height": 225, "jpeg": "/media/t.jpg", "webp": "/media/t.webp"},
    "large": {"width": 1200, "height": 675, "jpeg": "/media/l.jpg", "webp": "/media/l.webp"},
}


def test_the_cover_picture_offers_webp_and_jpeg_with_its_size_to_avoid_layout_shift():
    """Browsers pick WebP when they can and reserve the picture's space before it loads."""
    html = render_to_string(
        "articles/includes/picture.html",
        {"r": RENDITIONS, "alt": "茅台酒厂", "sizes": "100vw"},
    )
    assert '<source type="image/webp" srcset="/media/t.webp 400w, /media/l.webp 1200w"' in html
    assert 'srcset="/media/t.jpg 400w, /media/l.jpg 1200w"' in html
    assert 'src="/media/l.jpg"' in html
    assert 'width="1200" height="675" alt="茅台酒厂"' in html


def test_the_list_thumbnail_uses_the_small_rendition_and_loads_lazily():
    """A list of twenty articles must not download twenty large pictures."""
    html = render_to_string(
        "articles/includes/picture.html",
        {"r": RENDITIONS, "alt": "图", "small": True, "lazy": True},
    )
    assert 'srcset="/media/t.webp"' in html and 'src="/media/t.jpg"' in html
    assert 'width="400" height="225"' in html and 'loading="lazy"' in html
    assert "/media/l." not in html


@pytest.mark.skipif(
    not any(f.name == "cover_renditions" for f in Article._meta.get_fields()),
    reason="Article.cover_renditions is added by the admin work",
)
def test_pages_show_the_cover_renditions(client, cover_article):
    """The article page, the home lead and the lists all use the renditions."""
    article = cover_article(image_bytes("JPEG", size=(2400, 1350)))
    article.cover_alt = "贵州茅台酒厂"
    article.cover_renditions = images.build_renditions(article.cover)
    article.save()
    large = article.cover_renditions["large"]

    page = client.get(article.get_absolute_url()).content.decode()
    assert f'src="{large["jpeg"]}"' in page and 'alt="贵州茅台酒厂"' in page
    assert f'width="{large["width"]}" height="{large["height"]}"' in page
    home = client.get("/").content.decode()
    assert large["webp"] in home  # the lead
