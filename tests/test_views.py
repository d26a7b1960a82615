"""The public site: navigation, Chinese tag URLs, hidden drafts, 404s and query counts."""

import re
from datetime import timedelta
from urllib.parse import unquote

import pytest
from django.urls import reverse
from django.utils import timezone

from articles.models import Article


def test_home_lists_published_articles_newest_first(client, make_article):
    """Readers land on the newest story first."""
    now = timezone.now()
    make_article(title="较早的新闻", published_at=now - timedelta(days=2))
    make_article(title="最新的新闻", published_at=now - timedelta(minutes=1))
    make_article(title="中间的新闻", published_at=now - timedelta(days=1))
    html = client.get("/").content.decode()
    assert html.index("最新的新闻") < html.index("中间的新闻") < html.index("较早的新闻")


def test_navigation_from_home_to_article_to_category_to_tag_and_back(
    client, make_article, make_stock
):
    """Every link a reader follows on the way leads to a working page."""
    nio = make_stock(106, "NIO", "蔚来")
    article = make_article(
        title="蔚来发布新车", tags=["证券日报新闻", "新能源"], stocks=[nio], source_name="证券日报"
    )
    home = client.get("/")
    assert home.status_code == 200
    assert article.get_absolute_url() in home.content.decode()

    page = client.get(article.get_absolute_url())
    html = page.content.decode()
    assert page.status_code == 200
    assert "<h1>蔚来发布新车</h1>" in html
    assert "来源：证券日报" in html
    assert 'href="http://quote.eastmoney.com/unify/r/106.NIO"' in html
    assert f'<link rel="canonical" href="http://testserver{article.get_absolute_url()}">' in html
    category_url = reverse("articles:category", args=[article.category.slug])
    tag_url = reverse("articles:tag", args=["证券日报新闻"])
    assert category_url in html
    assert tag_url in html

    category_page = client.get(category_url)
    assert category_page.status_code == 200
    assert "蔚来发布新车" in category_page.content.decode()

    tag_page = client.get(tag_url)
    assert tag_page.status_code == 200
    assert "蔚来发布新车" in tag_page.content.decode()
    assert 'href="/"' in tag_page.content.decode()


def test_chinese_tag_url_works_percent_encoded_too(client, make_article):
    """Browsers send Chinese paths percent-encoded; both forms must resolve."""
    make_article(title="有标签的文章", tags=["证券日报新闻"])
    assert unquote(reverse("articles:tag", args=["证券日报新闻"])) == "/tag/证券日报新闻/"
    for url in (
        "/tag/%E8%AF%81%E5%88%B8%E6%97%A5%E6%8A%A5%E6%96%B0%E9%97%BB/",
        "/tag/证券日报新闻/",
    ):
        response = client.get(url)
        assert response.status_code == 200
        assert "有标签的文章" in response.content.decode()


def test_article_page_links_previous_and_next_in_the_same_category(
    client, make_article, make_category
):
    """Readers can page through a section without going back to the list."""
    first = make_article(title="第一篇")
    middle = make_article(title="第二篇")
    last = make_article(title="第三篇")
    make_article(title="别的栏目", category=make_category())
    # make_article gives each later article an earlier time, so order is last < middle < first.
    html = client.get(middle.get_absolute_url()).content.decode()
    assert f'rel="prev" href="{last.get_absolute_url()}"' in html
    assert f'rel="next" href="{first.get_absolute_url()}"' in html
    assert "别的栏目" not in html


def test_drafts_and_scheduled_articles_are_404_for_the_public(client, draft, scheduled):
    """Unpublished work must not leak through its URL."""
    for article in (draft, scheduled):
        assert client.get(article.get_absolute_url()).status_code == 404


def test_drafts_never_appear_on_any_public_list(client, make_article, draft, scheduled):
    """No list, tag or category page may show an unpublished title or body."""
    make_article(title="公开文章", tags=["草稿标签"])
    urls = [
        "/",
        reverse("articles:category", args=[draft.category.slug]),
        reverse("articles:tag", args=["草稿标签"]),
        draft.get_absolute_url(),
        scheduled.get_absolute_url(),
    ]
    for url in urls:
        html = client.get(url).content.decode()
        for secret in ("尚未发布的独家新闻", "明天才发布", "DRAFTBODY", "SCHEDULEDBODY"):
            assert secret not in html, (url, secret)


def test_staff_can_preview_a_draft_with_a_banner(editor_client, draft):
    """Editors check their work before it goes live."""
    response = editor_client.get(draft.get_absolute_url())
    assert response.status_code == 200
    assert "预览模式" in response.content.decode()


def test_published_article_has_no_preview_banner_for_staff(editor_client, make_article):
    """The banner marks only what readers cannot see."""
    article = make_article()
    assert "预览模式" not in editor_client.get(article.get_absolute_url()).content.decode()


@pytest.mark.parametrize(
    "url",
    [
        "/article/no-such-article/",
        "/category/no-such-category/",
        "/tag/不存在的标签/",
        "/stock/106.NOPE/",
        "/?page=999",
        "/?page=abc",
        "/?page=-1",
        "/?page=0",
        "/?page=" + "9" * 5000,
        "/article/%E0%A4%A/",
        "/category/../../etc/passwd",
        "/no/such/path/",
    ],
)
def test_bad_urls_give_a_branded_404_never_a_500(client, make_article, url):
    """Malformed input is the reader's mistake, not a server error."""
    make_article()
    response = client.get(url)
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()


def test_page_two_exists_with_more_than_twenty_articles(client, make_article):
    """Lists paginate by 20 and link the next page."""
    for _ in range(21):
        make_article()
    first = client.get("/").content.decode()
    assert 'href="?page=2"' in first
    second = client.get("/?page=2")
    assert second.status_code == 200
    assert second.content.decode().count('class="item"') == 1


def test_every_page_has_the_site_name_and_category_menu(client, make_article, make_category):
    """The header is the reader's map of the site."""
    make_category(name="财联社", slug="cailianshe")
    article = make_article()
    for url in ("/", article.get_absolute_url(), "/category/cailianshe/"):
        html = client.get(url).content.decode()
        assert "财经新闻网" in html
        assert re.search(
            r'<nav class="site-nav"[^>]*>.*href="/category/cailianshe/"[^>]*>财联社</a>', html, re.S
        )


def test_stock_page_lists_articles_that_mention_it(client, make_article, make_stock):
    """A stock page collects the coverage of one security."""
    nio = make_stock(106, "NIO", "蔚来")
    make_article(title="提到蔚来", stocks=[nio])
    make_article(title="没提到")
    html = client.get("/stock/106.NIO/").content.decode()
    assert "提到蔚来" in html and "没提到" not in html
    assert "纽交所" in html


@pytest.mark.parametrize("count", [3, 30])
def test_list_and_article_pages_run_a_constant_number_of_queries(
    client, django_assert_max_num_queries, make_article, make_stock, make_category, count
):
    """Query counts must not grow with the articles, tags or stocks on a page."""
    stocks = [make_stock(1, f"60{i:04d}") for i in range(3)]
    for i in range(count):
        make_article(tags=[f"标签{i}", "共同标签"], stocks=stocks)
    article = Article.objects.first()
    budgets = {
        "/": 8,
        reverse("articles:category", args=[article.category.slug]): 8,
        reverse("articles:tag", args=["共同标签"]): 8,
        # Article, tags, stocks, previous, next, menu, and five for related reading
        # (link counts, stock, tag, section, the related articles' sections).
        article.get_absolute_url(): 11,
        stocks[0].get_absolute_url(): 8,
    }
    for url, budget in budgets.items():
        with django_assert_max_num_queries(budget):
            assert client.get(url).status_code == 200


def test_server_error_page_is_branded_and_needs_no_database():
    """The 500 page must render even when the database is what broke."""
    from django.template.loader import render_to_string

    html = render_to_string("500.html")
    assert "服务器出错了" in html and 'lang="zh-Hans"' in html


@pytest.mark.parametrize("common_links", [2000, 2])
def test_tag_and_stock_lists_are_the_same_whichever_plan_reads_them(
    client, make_article, make_stock, monkeypatch, common_links
):
    """A common tag or stock is read by walking the date index, a rare one by its links."""
    from articles import listings

    monkeypatch.setattr(listings, "COMMON_LINKS", common_links)
    nio = make_stock(106, "NIO", "蔚来")
    tagged = [make_article(tags=["新能源"], stocks=[nio]) for _ in range(3)]
    make_article(tags=["别的"])
    newest_first = [a.title for a in sorted(tagged, key=lambda a: a.published_at, reverse=True)]
    for url in (reverse("articles:tag", args=["新能源"]), nio.get_absolute_url()):
        html = client.get(url).content.decode()
        found = re.findall(r'class="item-title"><a [^>]*>([^<]+)<', html)
        assert found == newest_first, url


def test_tags_and_stocks_of_unpublished_articles_only_have_no_public_page(
    client, make_article, make_stock, draft
):
    """Their page would tell a visitor who guessed the name that unpublished work uses it."""
    secret = make_stock(116, "09999", "未公开")
    draft.tags.add("草稿专用")
    draft.set_stocks([secret])
    assert client.get(reverse("articles:tag", args=["草稿专用"])).status_code == 404
    assert client.get(secret.get_absolute_url()).status_code == 404
    make_article(tags=["草稿专用"], stocks=[secret])
    assert client.get(reverse("articles:tag", args=["草稿专用"])).status_code == 200
    assert client.get(secret.get_absolute_url()).status_code == 200
