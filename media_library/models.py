"""The library's one model: a stored picture and what is needed to reuse it.

A `MediaImage` points at a file the upload paths of `articles.images` already stored
(stripped, named by its content); it never stores a file itself. Articles do not point at
library items: a cover is a file name and a body holds `<img src>` URLs, so an article keeps
its picture whatever happens to the library; `usage.articles_using` finds them by the
content hash their file names carry.
"""

import posixpath

from django.conf import settings
from django.db import models
from django.utils import timezone


class MediaImage(models.Model):
    file = models.ImageField(
        "图片文件",
        max_length=255,
        editable=False,
        help_text="上传时已去除 EXIF 等元数据，并按内容命名。",
    )
    content_hash = models.CharField(
        "内容摘要",
        max_length=64,
        unique=True,
        editable=False,
        help_text="图片内容的 SHA-256：同一张图片无论上传几次，图片库里只有一项。",
    )
    alt = models.CharField(
        "替代文字",
        max_length=200,
        blank=True,
        help_text=(
            "说明图片里是什么，供看不到图片的读者和搜索引擎使用，例如“贵州茅台 2024 年营收走势图”。"
            "填写一次，之后用作封面或插入正文时自动带上。"
        ),
    )
    original_name = models.CharField(
        "原文件名", max_length=255, blank=True, help_text="上传时电脑上的文件名，便于搜索。"
    )
    width = models.PositiveIntegerField("宽度（像素）", default=0)
    height = models.PositiveIntegerField("高度（像素）", default=0)
    animated = models.BooleanField("动图", default=False)
    # articles.images' renditions: {"thumb": {"width", "height", "jpeg", "webp"}, "large": …}
    renditions = models.JSONField("各尺寸图片", default=dict, blank=True, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="上传人",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="media_images",
    )
    uploaded_at = models.DateTimeField("上传时间", default=timezone.now)

    class Meta:
        ordering = ["-uploaded_at", "-id"]
        get_latest_by = "uploaded_at"
        verbose_name = "图片"
        verbose_name_plural = "图片"

    def __str__(self):
        return self.alt or self.original_name or posixpath.basename(self.file.name)

    @property
    def thumb_url(self) -> str:
        thumb = (self.renditions or {}).get("thumb") or {}
        return thumb.get("jpeg") or (self.file.url if self.file else "")

    def body_image(self) -> tuple[str, int | None, int | None]:
        """The URL, width and height an `<img>` in an article body uses: the 1,200 px JPEG,
        as the editor's own upload gives (an animation keeps its original, which the
        rendition would freeze)."""
        large = (self.renditions or {}).get("large") or {}
        if self.animated or not large.get("jpeg"):
            return self.file.url, self.width or None, self.height or None
        return large["jpeg"], large.get("width"), large.get("height")

    def markers(self) -> set[str]:
        """Strings found in the name of every file made from this picture: the content
        hash in the original's name (whatever folder or month it was stored in), and the
        hash in its renditions' names. How `usage` finds the articles using it."""
        found = {self.content_hash[:32]}
        for sizes in (self.renditions or {}).values():
            for key in ("jpeg", "webp"):
                stem = posixpath.basename(str(sizes.get(key) or "")).split("-", 1)[0]
                if len(stem) == 32:
                    found.add(stem)
        return found
