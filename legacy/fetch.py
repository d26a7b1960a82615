"""Keeping the archive's pictures: download them (`--fetch-images`), then point bodies at them.

Old image hosts disappear, so the importer can store each remote image once as a LegacyImage
and rewrite the `src` of every body that shows it. What counts as an image we publish is
`articles.images`' rule, the one editors' uploads follow; this module adds only what comes
with the network: a timeout and a size cap.
"""

from __future__ import annotations

import hashlib
import html
import re
import urllib.request
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile

from articles import images

from .models import LegacyImage

_IMG_SRC = re.compile(r'<img[^>]+src="([^"]+)"')


class ImageFetcher:
    """Download remote images once, validated as uploads are, with a timeout and a size cap."""

    def __init__(self, timeout: float = 10.0, max_bytes: int = 10 * 1024 * 1024):
        self.timeout = timeout
        self.max_bytes = max_bytes

    def fetch(self, url: str) -> None:
        """Store `url` as a LegacyImage unless it already is; raise ValueError with a reason."""
        if LegacyImage.objects.filter(url=url).exists():
            return
        if urlsplit(url).scheme not in ("http", "https"):
            raise ValueError(f"不支持的图片地址：{url}")
        request = urllib.request.Request(url, headers={"User-Agent": "newsroom-importer/1.0"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                data = response.read(self.max_bytes + 1)
        except OSError as exc:
            raise ValueError(f"图片下载失败 {url}：{exc}") from exc
        if len(data) > self.max_bytes:
            raise ValueError(f"图片超过 {self.max_bytes // (1024 * 1024)} MB：{url}")
        try:
            info = images.inspect_image(ContentFile(data))
        except ValidationError as exc:
            raise ValueError(f"不是有效的图片：{url}") from exc
        # Stored as downloaded, under its content hash: bodies point at the original picture.
        digest = hashlib.sha256(data).hexdigest()
        record = LegacyImage(url=url)
        record.file.save(f"{digest[:2]}/{digest}.{info.extension}", ContentFile(data), save=False)
        record.save()


def local_images(body: str) -> str:
    """Point images that were downloaded earlier at their local copy."""
    if "<img" not in body:
        return body
    for image in LegacyImage.objects.filter(url__in=_img_urls(body)):
        for form in {image.url, html.escape(image.url)}:
            body = body.replace(f'src="{form}"', f'src="{image.file.url}"')
    return body


def _img_urls(body: str) -> list[str]:
    return [html.unescape(url) for url in _IMG_SRC.findall(body)]
