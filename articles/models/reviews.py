"""提交审核: an article's place in the review workflow, and the notices a writer gets.

A writer submits a draft (`Review`, one row per article at most, while it is 待审 or
退回修改); an editor approves it (the article is published or scheduled and the row
goes) or returns it with a comment. The steps themselves are `Revision`s (提交审核,
退回, 通过, with who, when and the comment): the row says only where the article
stands now. `Article.status` keeps its meaning (草稿 until an editor publishes), so
what readers may see is still decided by `Article.objects.published()` alone.

A `Notice` is one line of a writer's admin inbox (消息): their piece was returned
or published. Written by articles.services through articles.inbox only.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

from .content import Article, person_name


class Review(models.Model):
    """Where a submitted draft stands: waiting for an editor, or returned to its writer."""

    class State(models.TextChoices):
        PENDING = "pending", "待审"
        RETURNED = "returned", "退回修改"

    article = models.OneToOneField(
        Article,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="review",
        verbose_name="文章",
    )
    state = models.CharField("审核状态", max_length=10, choices=State.choices, db_index=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="提交人",
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    # The queue is oldest first: a piece waiting longest is read first.
    submitted_at = models.DateTimeField("提交时间", default=timezone.now, db_index=True)
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="退回人",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    returned_at = models.DateTimeField("退回时间", null=True, blank=True)
    comment = models.TextField(
        "退回意见", blank=True, help_text="编辑最近一次退回时写的意见，撰稿人在文章页面上看到。"
    )

    class Meta:
        ordering = ["submitted_at"]
        get_latest_by = "submitted_at"
        verbose_name = "审核"
        verbose_name_plural = "审核"

    def __str__(self):
        return f"{self.article} · {self.get_state_display()}"

    @property
    def is_pending(self) -> bool:
        return self.state == self.State.PENDING

    @property
    def submitter_name(self) -> str:
        return _name(self.submitted_by)

    @property
    def returner_name(self) -> str:
        return _name(self.returned_by)


def _name(user) -> str:
    # The admin is staff among themselves: the login name stands in for a missing 姓名.
    if user is None:
        return "（已删除的账号）"
    return person_name(user) or user.get_username()


class Notice(models.Model):
    """One message in a staff member's 消息 inbox; unread until they open the inbox."""

    class Kind(models.TextChoices):
        RETURNED = "returned", "退回修改"
        PUBLISHED = "published", "已发布"
        SCHEDULED = "scheduled", "已定时"

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notices",
        verbose_name="收件人",
    )
    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="notices", verbose_name="文章"
    )
    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    # The sentence as it was said, with the title of that moment: a later new title
    # does not rewrite what the writer was told.
    message = models.TextField("内容")
    created_at = models.DateTimeField("时间", default=timezone.now)
    read_at = models.DateTimeField("已读时间", null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        get_latest_by = "created_at"
        verbose_name = "消息"
        verbose_name_plural = "消息"
        indexes = [models.Index(fields=["recipient", "read_at"], name="notice_unread_idx")]

    def __str__(self):
        return self.message[:60]
