"""Edit locks: who has an article open in the admin right now (articles.locks)."""

from django.conf import settings
from django.db import models

from .content import Article


class EditLock(models.Model):
    """The editor who has the article's form open; gone stale, it means nothing."""

    article = models.OneToOneField(
        Article, on_delete=models.CASCADE, primary_key=True, related_name="edit_lock"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name="编辑"
    )
    opened_at = models.DateTimeField("打开时间")
    seen_at = models.DateTimeField("最近一次心跳")

    class Meta:
        verbose_name = "编辑锁"
        verbose_name_plural = "编辑锁"

    def __str__(self):
        return f"{self.article} · {self.user}"
