"""Fixtures for the media library's tests: a media folder of their own, and pictures."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_URL = "/media/"
    return settings.MEDIA_ROOT


def picture(color="teal", size=(1600, 900), fmt="PNG") -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, fmt)
    return buf.getvalue()


def upload(data: bytes, name="走势图.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, "image/png")


def stored_files(media_root) -> set:
    return {p for p in media_root.rglob("*") if p.is_file()} if media_root.exists() else set()


@pytest.fixture
def library_image(db, editor):
    """A picture in the library, uploaded with its alt text."""
    from media_library import services

    return services.media_image_upload(
        upload=upload(picture("navy"), "茅台营收.png"), alt="贵州茅台 2024 年营收走势图", by=editor
    ).image
