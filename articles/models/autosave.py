"""Autosave: an editor's private copy of the article form's unsaved edits (articles.autosave)."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from .content import Article


class Autosave(models.Model):
    """What one person had typed in one article's form, not yet saved.

    One per person and article, and one per person for a new article (`article` empty).
    It is never a revision and never touches the article: only its owner is offered it,
    when they open the form again, and saving the article through the form deletes it.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name="编辑"
    )
    article = models.ForeignKey(
        Article,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="文章",
        help_text="留空表示尚未保存过的新文章。",
    )
    data = models.JSONField("表单内容", help_text="字段名 → 当时填写的值。")
    based_on_version = models.PositiveIntegerField(
        "基于的版本",
        null=True,
        blank=True,
        help_text="打开表单时文章的版本；之后文章又被保存过，恢复时会提示。",
    )
    saved_at = models.DateTimeField("自动保存时间")

    class Meta:
        verbose_name = "自动保存"
        verbose_name_plural = "自动保存"
        ordering = ["-saved_at"]
        get_latest_by = "saved_at"
        constraints = [
            models.UniqueConstraint(fields=["user", "article"], name="autosave_one_per_article"),
            # NULLs are distinct in a unique index: the new-article slot needs its own.
            models.UniqueConstraint(
                fields=["user"], condition=Q(article__isnull=True), name="autosave_one_new_article"
            ),
        ]

    def __str__(self):
        return f"{self.user} · {self.article or '新文章'} · {self.saved_at:%Y-%m-%d %H:%M}"
