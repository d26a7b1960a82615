"""How the site names the people behind its articles: bylines and author pages."""

from django.conf import settings
from django.db import models

from ..text import clean_line, clean_text


class Profile(models.Model):
    """A staff member as readers see them. Never their login name."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="profile",
        verbose_name="账号",
    )
    display_name = models.CharField(
        "署名",
        max_length=50,
        blank=True,
        help_text="文章署名和作者页上显示的名字；留空则用账号的姓名。",
    )
    bio = models.TextField("简介", max_length=500, blank=True, help_text="作者页上的简短介绍。")

    class Meta:
        verbose_name = "署名与简介"
        verbose_name_plural = "署名与简介"

    def __str__(self):
        return self.display_name or str(self.user_id)

    def save(self, *args, **kwargs):
        self.display_name = clean_line(self.display_name)
        self.bio = clean_text(self.bio)
        super().save(*args, **kwargs)
