"""Model rules: what is public, what is derived on save, and what is protected."""

import time
from datetime import datetime, timedelta

import pytest
from django.db.models import ProtectedError
from django.utils import timezone

from articles.chinatime import CHINA
from articles.models import Article, StockReference


def test_published_excludes_drafts_and_future_articles(make_article, draft, scheduled):
    """published() is the single rule for what readers see."""
    live = make_article(title="已发布")
    assert list(Article.objects.published()) == [live]


def test_published_includes_an_article_the_moment_its_time_comes(make_article):
    """A scheduled article needs no worker: the query itself lets it through."""
    article = make_article(published_at=timezone.now() + timedelta(milliseconds=500))
    assert not Article.objects.published().exists()
    time.sleep(0.6)  # nothing is written: only the clock moves
    assert list(Article.objects.published()) == [article]


def test_is_published_matches_the_queryset(make_article, draft, scheduled):
    """The admin's boolean and the public queryset must never disagree."""
    live = make_article()
    public = set(Article.objects.published())
    for article in (live, draft, scheduled):
        assert article.is_published() == (article in public)


def test_save_sanitizes_the_body_and_keeps_the_source(make_article):
    """Every write path stores clean HTML, and the original is kept for re-sanitizing."""
    dirty = '<p onclick="x()">正文</p><script>alert(1)</script>'
    article = make_article(body_source=dirty)
    article.refresh_from_db()
    assert article.body_source == dirty
    assert article.body_html == "<p>正文</p>"


def test_objects_create_and_update_fields_save_also_sanitize(category):
    """Even a partial save with update_fields re-derives body_html."""
    article = Article.objects.create(title="t", body_source="<b>a</b>", category=category)
    article.body_source = "<p>b<script>x</script></p>"
    article.save(update_fields=["body_source"])
    article.refresh_from_db()
    assert article.body_html == "<p>b</p>"


def test_summary_is_derived_from_the_body_when_left_empty(make_article):
    """Lists always have a teaser even when the editor wrote none."""
    article = make_article(body_source="<p>" + "长文" * 200 + "</p>", summary="")
    assert article.excerpt.startswith("长文长文")
    assert len(article.excerpt) <= 120
    edited = make_article(summary="编辑写的摘要")
    assert edited.excerpt == "编辑写的摘要"


def test_chinese_title_gives_a_pinyin_slug_that_is_unique(make_article):
    """Chinese titles must still yield usable, distinct URLs."""
    day = datetime(2026, 3, 2, 7, 30, tzinfo=CHINA)
    first = make_article(title="蔚来汽车发布财报", slug="", published_at=day)
    second = make_article(title="蔚来汽车发布财报", slug="", published_at=day)
    third = make_article(title="蔚来汽车发布财报", slug="", published_at=day)
    assert first.slug == "wei-lai-qi-che-fa-bu-cai-bao"
    assert second.slug == "wei-lai-qi-che-fa-bu-cai-bao-20260302"
    assert third.slug == "wei-lai-qi-che-fa-bu-cai-bao-20260302-2"


def test_a_slug_given_by_the_shell_that_is_taken_gets_the_date_not_an_error(make_article):
    """Every write path makes slugs unique, not only the form (早盘播报 comes back daily)."""
    day = datetime(2026, 3, 2, 23, 30, tzinfo=CHINA)
    make_article(title="早盘播报", slug="zao-pan-bo-bao")
    again = make_article(title="早盘播报", slug="zao-pan-bo-bao", published_at=day)
    assert again.slug == "zao-pan-bo-bao-20260302"
    long = make_article(title="x", slug="a" * 90, published_at=day)
    longer = make_article(title="x", slug="a" * 90, published_at=day)
    assert long.slug == "a" * 90 and longer.slug == "a" * 81 + "-20260302"


def test_slug_is_kept_when_the_title_changes(make_article):
    """A published URL must not move just because the headline was edited."""
    article = make_article(title="原标题", slug="")
    article.title = "新标题"
    article.save()
    assert article.slug == "yuan-biao-ti"


def test_category_with_articles_cannot_be_deleted(make_article, category):
    """Deleting a section must never take its articles with it."""
    make_article()
    with pytest.raises(ProtectedError):
        category.delete()


@pytest.mark.parametrize(
    "market, code, label, url",
    [
        (116, "09866", "港交所", "http://quote.eastmoney.com/unify/r/116.09866"),
        (106, "NIO", "纽交所", "http://quote.eastmoney.com/unify/r/106.NIO"),
        (1, "600519", "上交所", "http://quote.eastmoney.com/unify/r/1.600519"),
        (0, "300750", "深交所", "http://quote.eastmoney.com/unify/r/0.300750"),
        (105, "AAPL", "纳斯达克", "http://quote.eastmoney.com/unify/r/105.AAPL"),
        (90, "BK1037", "东财板块", "http://quote.eastmoney.com/unify/r/90.BK1037"),
    ],
)
def test_stock_exchange_label_and_quote_url_are_derived(db, market, code, label, url):
    """Readers see the exchange in Chinese and can jump to the live quote."""
    stock = StockReference.objects.create(market=market, code=code)
    assert stock.exchange_label == label
    assert stock.quote_url == url
    assert stock.is_sector == (market == 90)


def test_article_stocks_keep_the_order_of_mention(make_article, make_stock):
    """The first stock mentioned is the story's main subject and must be listed first."""
    nio, tencent, maotai = make_stock(106, "NIO"), make_stock(116, "00700"), make_stock(1, "600519")
    article = make_article(stocks=[tencent, nio, maotai, nio])
    fresh = Article.objects.for_listing().get(pk=article.pk)
    assert fresh.ordered_stocks() == [tencent, nio, maotai]


def test_every_model_has_a_readable_str(make_article, make_stock, category):
    """Admin lists, logs and the shell all show these strings."""
    article = make_article(title="标题")
    assert str(article) == "标题"
    assert str(category) == "证券日报"
    assert str(make_stock(106, "NIO", "蔚来")) == "蔚来（106.NIO）"
    assert str(make_stock(116, "09866")) == "116.09866"


def test_resanitize_command_rederives_bodies_after_a_policy_change(make_article, settings):
    """After the allowlist changes, one command brings every stored body in line."""
    from django.core.management import call_command

    from articles import sanitizer

    article = make_article(body_source="<p>保留<u>下划线</u></p>")
    assert "<u>" in article.body_html
    original = sanitizer._cleaner
    sanitizer._cleaner = sanitizer.bleach.Cleaner(tags=sanitizer.ALLOWED_TAGS - {"u"}, strip=True)
    try:
        call_command("resanitize")
    finally:
        sanitizer._cleaner = original
    article.refresh_from_db()
    assert article.body_html == "<p>保留下划线</p>"


def test_there_are_no_missing_migrations(db):
    """Model changes without a migration would break the next deploy."""
    from django.core.management import call_command

    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def test_excerpt_parts_paragraphs_as_a_reader_would_and_leaves_captions_out(make_article):
    """No space after a Chinese full stop, a space where nothing parts two paragraphs,
    and a picture's caption never runs into the first sentence."""
    article = make_article(
        summary="",
        body_source=(
            "<h2>业绩快报</h2><figure><img src='/media/a.jpg' alt='厂房'>"
            "<figcaption>图为工厂车间（记者 摄）</figcaption></figure>"
            "<p>公司营收增长。</p><p>利润下降！</p><p>Q3 results</p><p>完</p>"
        ),
    )
    assert article.excerpt == "业绩快报 公司营收增长。利润下降！Q3 results 完"
