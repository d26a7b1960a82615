"""Securities and the articles that mention them, in order of first mention."""

from django.core.exceptions import ValidationError
from django.db import models

from .. import readings, securities
from ..text import clean_line
from ..urlcache import cached_reverse


class StockReference(models.Model):
    """One listed security (or EastMoney sector board), keyed by market id and code.

    Articles point at it through `ArticleStock`, which keeps the order of mention.
    """

    MARKETS = securities.MARKETS
    SECTOR_MARKET = securities.SECTOR_MARKET

    market = models.PositiveSmallIntegerField(
        "市场代码",
        choices=sorted(MARKETS.items()),
        help_text=(
            "东方财富市场编号：0 深交所，1 上交所，116 港交所，105 纳斯达克，"
            "106 纽交所，107 美交所，90 板块。"
        ),
    )
    code = models.CharField(
        "证券代码",
        max_length=securities.CODE_MAX_LENGTH,
        help_text="例如 600519、09866、NIO、BRK.B、BK1037；保存时按市场规则检查并统一大小写。",
    )
    name = models.CharField("名称", max_length=100, blank=True, help_text="例如 贵州茅台；可留空。")
    # Derived from the name on every save (clean()), for the lookup by pinyin
    # (articles.securities_lookup): indexed, so `gzmt` is a prefix query.
    name_initials = models.CharField(
        "拼音首字母",
        max_length=readings.READING_MAX_LENGTH,
        blank=True,
        editable=False,
        db_index=True,
        help_text="由名称自动生成，例如 贵州茅台 → gzmt。",
    )
    name_pinyin = models.CharField(
        "拼音",
        max_length=readings.READING_MAX_LENGTH,
        blank=True,
        editable=False,
        db_index=True,
        help_text="由名称自动生成，例如 贵州茅台 → guizhoumaotai。",
    )

    class Meta:
        ordering = ["market", "code"]
        verbose_name = "证券"
        verbose_name_plural = "证券"
        constraints = [
            models.UniqueConstraint(fields=["market", "code"], name="unique_stock_market_code")
        ]

    def __str__(self):
        label = f"{self.name}（{self.symbol}）" if self.name else self.symbol
        return label

    def save(self, *args, **kwargs):
        # The shell and the importer get the form's rule too: a code the URL converter
        # could not route never reaches the table (it would take every page listing it down).
        self.clean()
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return cached_reverse("articles:stock", self.market, self.code)

    def clean(self):
        self.name = clean_line(self.name)
        self.name_initials, self.name_pinyin = readings.reading(self.name)
        if self.market is not None:
            try:
                self.code = securities.normalise_code(self.market, self.code)
            except ValidationError as exc:
                raise ValidationError({"code": exc.messages}) from None

    @property
    def symbol(self) -> str:
        return f"{self.market}.{self.code}"

    @property
    def exchange_label(self) -> str:
        return self.MARKETS.get(self.market, f"市场 {self.market}")

    @property
    def is_sector(self) -> bool:
        return self.market == self.SECTOR_MARKET

    @property
    def quote_url(self) -> str:
        return f"http://quote.eastmoney.com/unify/r/{self.market}.{self.code}"


class ArticleStock(models.Model):
    """The link between an article and a stock it mentions, in order of first mention."""

    article = models.ForeignKey(
        "articles.Article",
        on_delete=models.CASCADE,
        related_name="stock_links",
        verbose_name="文章",
    )
    stock = models.ForeignKey(
        StockReference, on_delete=models.CASCADE, related_name="article_links", verbose_name="证券"
    )
    position = models.PositiveSmallIntegerField("顺序", default=0)

    class Meta:
        ordering = ["position"]
        verbose_name = "文章提及的证券"
        verbose_name_plural = "文章提及的证券"
        constraints = [
            models.UniqueConstraint(fields=["article", "stock"], name="unique_article_stock")
        ]

    def __str__(self):
        return f"{self.article} → {self.stock}"
