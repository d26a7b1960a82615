"""Old URLs that still lead somewhere."""

from django.db import models


class LegacyRedirect(models.Model):
    """An old URL (decoded path) that answers 301 to an article or a category page.

    Old URLs are those of the legacy Jekyll site (written by the importer) and an
    article's former slugs (written by `Article.save()`). They are answered by
    `articles.middleware.RedirectFallbackMiddleware` when nothing else matched, as
    django.contrib.redirects does, and only while the target is public.
    """

    path = models.CharField("旧地址", max_length=500, unique=True)
    article = models.ForeignKey(
        "articles.Article",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="legacy_redirects",
    )
    category = models.ForeignKey(
        "articles.Category",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="legacy_redirects",
    )

    class Meta:
        ordering = ["path"]
        verbose_name = "旧地址跳转"
        verbose_name_plural = "旧地址跳转"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(article__isnull=False) ^ models.Q(category__isnull=False),
                name="redirect_has_one_target",
            )
        ]

    def __str__(self):
        return self.path

    @property
    def target(self):
        return self.article or self.category
