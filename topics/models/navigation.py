"""The site menu, in the order editors give it.

Each `NavItem` points at one thing: a section (articles' Category), a 专题 (Topic) or
a path on this site (/stocks/, /tag/新能源/). Every page's menu lists the visible items
by `position`; with none, the menu is every section in its own order, as before the
editors had a say (topics/navigation.py).
"""

import re

from django.core.exceptions import ValidationError
from django.db import models
from django.urls import Resolver404, resolve

from articles.models import Category
from articles.text import clean_line

from .topic import Topic

# A path on this site: starts with one "/", no spaces, no scheme, no query.
_SITE_PATH = re.compile(r"/(?!/)[^\s?#\\]*")


class NavItem(models.Model):
    label = models.CharField(
        "显示名称",
        max_length=20,
        blank=True,
        help_text="菜单上显示的文字。留空则用栏目或专题的名称；链接到站内地址时必填。",
    )
    category = models.ForeignKey(
        Category,
        verbose_name="栏目",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="nav_items",
    )
    topic = models.ForeignKey(
        Topic,
        verbose_name="专题",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="nav_items",
    )
    path = models.CharField(
        "站内地址",
        max_length=200,
        blank=True,
        help_text="以 / 开头的本站地址，例如 /stocks/ 或 /tag/新能源/。",
    )
    position = models.PositiveSmallIntegerField(
        "顺序", default=100, db_index=True, help_text="数字越小，在导航菜单中越靠前。"
    )
    visible = models.BooleanField("显示", default=True, help_text="取消勾选即暂时不在菜单中显示。")

    class Meta:
        ordering = ["position", "id"]
        verbose_name = "导航菜单项"
        verbose_name_plural = "导航菜单"

    def __str__(self):
        return self.name or "（未设置）"

    def save(self, *args, **kwargs):
        self.label = clean_line(self.label)
        self.path = clean_line(self.path)
        super().save(*args, **kwargs)

    def clean(self):
        self.label = clean_line(self.label)
        self.path = clean_line(self.path)
        targets = [bool(self.category_id), bool(self.topic_id), bool(self.path)]
        if sum(targets) != 1:
            raise ValidationError("请在栏目、专题和站内地址中选择一个，且只选一个。")
        if self.path:
            if not self.label:
                raise ValidationError({"label": "链接到站内地址时请填写显示名称。"})
            if not _SITE_PATH.fullmatch(self.path):
                raise ValidationError(
                    {"path": "请填写以 / 开头的本站地址，不含空格和问号，例如 /stocks/。"}
                )
            try:
                match = resolve(self.path)
            except Resolver404:
                match = None
            if match is None or match.app_name == "admin" or self.path.startswith("/admin/"):
                raise ValidationError({"path": f"本站没有“{self.path}”这个页面，请检查地址。"})

    @property
    def name(self) -> str:
        """What the menu shows: the label, else the section's or 专题's own name."""
        if self.label:
            return self.label
        if self.category_id:
            return self.category.name
        if self.topic_id:
            return self.topic.title
        return ""

    @property
    def url(self) -> str:
        if self.category_id:
            return self.category.get_absolute_url()
        if self.topic_id:
            return self.topic.get_absolute_url()
        return self.path
