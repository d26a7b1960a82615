"""The legacy archive's bookkeeping: files read, files refused, runs, images fetched.

Moved from the articles app with their tables (`db_table`), so an existing database
keeps its rows; legacy/migrations/0001 takes them over without touching the database.
"""

from django.db import models
from django.utils import timezone


class LegacySource(models.Model):
    """One legacy Jekyll file that fed an article, with its full original text.

    A story can arrive as several files (a source post, a rolling-news copy, a
    corrected re-post); each keeps a row, so nothing imported is ever lost and a
    re-run can tell unchanged files by their hash without parsing them again.
    """

    class Kind(models.TextChoices):
        SOURCE = "source", "原稿"
        ROLLING = "rolling", "滚动新闻"
        OTHER = "other", "其他"

    article = models.ForeignKey(
        "articles.Article",
        on_delete=models.CASCADE,
        related_name="legacy_sources",
        verbose_name="文章",
    )
    path = models.CharField("文件路径", max_length=500, unique=True)
    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    content_hash = models.CharField("内容摘要", max_length=64)
    source_text = models.TextField("原始文本")
    imported_at = models.DateTimeField("导入时间", auto_now=True)

    class Meta:
        # Created by the articles app before the legacy app existed (see migration 0001).
        db_table = "articles_legacysource"
        ordering = ["path"]
        verbose_name = "旧站文件"
        verbose_name_plural = "旧站文件"

    def __str__(self):
        return self.path


class LegacyRejectedFile(models.Model):
    """A legacy file that failed to import, kept as it was read, with the reason.

    A failed post has no article to hang a `LegacySource` on, yet nothing of the archive may
    be lost; so its bytes wait here (undecodable ones included). The importer refreshes the
    row whenever the file fails again and deletes it once the file imports or turns out not
    to be a post. A post that failed only when written keeps its decoded text, re-encoded.
    """

    path = models.CharField("文件路径", max_length=500, unique=True)
    content_hash = models.CharField("内容摘要", max_length=64)
    data = models.BinaryField("原始内容")
    reason = models.TextField("失败原因")
    rejected_at = models.DateTimeField("失败时间", auto_now=True)

    class Meta:
        # Created by the articles app before the legacy app existed (see migration 0001).
        db_table = "articles_legacyrejectedfile"
        ordering = ["path"]
        verbose_name = "导入失败的旧站文件"
        verbose_name_plural = "导入失败的旧站文件"

    def __str__(self):
        return self.path


class ImportRun(models.Model):
    """One run of `import_posts`: when, and what it did, for operators and the dashboard."""

    started_at = models.DateTimeField("开始时间", default=timezone.now)
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)
    dry_run = models.BooleanField("演练", default=False)
    created = models.PositiveIntegerField("新建", default=0)
    updated = models.PositiveIntegerField("更新", default=0)
    unchanged = models.PositiveIntegerField("未变", default=0)
    skipped = models.PositiveIntegerField("跳过", default=0)
    failed = models.PositiveIntegerField("失败", default=0)

    class Meta:
        # Created by the articles app before the legacy app existed (see migration 0001).
        db_table = "articles_importrun"
        ordering = ["-started_at"]
        get_latest_by = "started_at"
        verbose_name = "导入记录"
        verbose_name_plural = "导入记录"

    def __str__(self):
        return f"导入 {self.started_at:%Y-%m-%d %H:%M}"


class LegacyImage(models.Model):
    """A remote image from a legacy body, downloaded once into media storage."""

    url = models.URLField("原地址", max_length=1000, unique=True)
    file = models.FileField("本地文件", upload_to="legacy/", max_length=300)
    fetched_at = models.DateTimeField("下载时间", auto_now_add=True)

    class Meta:
        # Created by the articles app before the legacy app existed (see migration 0001).
        db_table = "articles_legacyimage"
        ordering = ["url"]
        verbose_name = "旧站图片"
        verbose_name_plural = "旧站图片"

    def __str__(self):
        return self.url
