"""Nothing leaks: a draft and a scheduled article stay invisible on every public surface.

One walk over every public URL (every page type, pagination, feeds, sitemaps, search,
related articles, prev/next, stock, tag, category and archive pages, the tag cloud and
stock index counts, JSON-LD, legacy redirects) looks for the hidden articles' titles,
slugs, bodies, summaries and the tag and stock only they use, in bodies and headers.

The admin itself requires login; that a writer cannot publish is tested in
tests/articles/test_workflow.py (test_a_writer_cannot_publish_and_an_editor_can and the forged
status and action tests next to it).
"""

import re
from datetime import datetime, timedelta
from urllib.parse import parse_qsl, quote, unquote, urlsplit
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone
from taggit.models import Tag

from articles.models import Article, LegacyRedirect

SHANGHAI = ZoneInfo("Asia/Shanghai")

DRAFT = {
    "title": "机密草稿标题LKDRAFTTITLE",
    "slug": "lk-draft-slug-zx",
    "body_source": "<p>草稿正文内容LKDRAFTBODY，尚未发布。</p>",
    "summary": "草稿摘要LKDRAFTSUMMARY",
}
SCHEDULED = {
    "title": "定时稿件标题LKSCHEDTITLE",
    "slug": "lk-sched-slug-zx",
    "body_source": "<p>定时正文内容LKSCHEDBODY，明天发布。</p>",
    "summary": "定时摘要LKSCHEDSUMMARY",
}
DRAFT_ONLY_TAG = "草稿独有标签LKDTAG"
SCHED_ONLY_TAG = "定时独有标签LKSTAG"
SHARED_TAG = "公开共享标签"
MARKERS = [
    *(DRAFT[k] for k in ("title", "slug", "summary")),
    *(SCHEDULED[k] for k in ("title", "slug", "summary")),
    "LKDRAFTTITLE", "LKDRAFTBODY", "LKDRAFTSUMMARY", "LKSCHEDTITLE", "LKSCHEDBODY",
    "LKSCHEDSUMMARY", "lk-draft-slug", "lk-sched-slug",
    "/archive/2021/6/15/",  # the only day with the draft: a link there reveals it
]  # fmt: skip
# A tag and two stocks that only the hidden articles use: no list, count, cloud, index,
# sitemap or search result may name them. Their own pages exist (an empty tag feed is
# tests/articles/test_feeds.py's documented behaviour), so there only the article markers count.
HIDDEN_ONLY = ["LKDTAG", "LKSTAG", "草稿独有证券LK", "定时独有证券LK", "300998", "300997"]
OWN_PAGES = ("lkdtag/", "lkstag/", "/stock/0.300998/", "/stock/0.300997/")
PUBLISHED_COUNT = 24  # more than one page (20) of the category, the tag and the home page


@pytest.fixture
def site(make_article, make_category, make_stock, category):
    """Published articles around a draft and a scheduled article sharing their section,
    tag and stock, so that every list, neighbour link, count and relation would show
    the hidden two if it forgot `published()`."""
    shared_stock = make_stock(1, "600519", "贵州茅台")
    draft_stock = make_stock(0, "300998", "草稿独有证券LK")
    sched_stock = make_stock(0, "300997", "定时独有证券LK")
    base = datetime(2021, 6, 10, 9, 0, tzinfo=SHANGHAI)
    published = [
        make_article(
            title=f"公开文章第{n}篇",
            body_source=f"<p>公开正文{n}，贵州茅台表现活跃。</p>",
            published_at=base + timedelta(days=n // 2 * 10, minutes=n),
            tags=[SHARED_TAG],
            stocks=[shared_stock],
        )
        for n in range(PUBLISHED_COUNT)
    ]
    # The draft sits between two published days (2021-06-15), so a day archive or a
    # previous/next link that forgot `published()` would point at it.
    draft = make_article(
        status=Article.Status.DRAFT,
        published_at=datetime(2021, 6, 15, 9, 0, tzinfo=SHANGHAI),
        tags=[SHARED_TAG, DRAFT_ONLY_TAG],
        stocks=[shared_stock, draft_stock],
        legacy_key="story:202106150000000001",
        **DRAFT,
    )
    scheduled = make_article(
        status=Article.Status.PUBLISHED,
        published_at=timezone.now() + timedelta(days=1),
        tags=[SHARED_TAG, SCHED_ONLY_TAG],
        stocks=[shared_stock, sched_stock],
        legacy_key="story:202106150000000002",
        **SCHEDULED,
    )
    # Old URLs that point at the hidden articles (an imported story later unpublished,
    # a slug changed while scheduled) must not reveal where they went.
    LegacyRedirect.objects.create(path="/zhengquanribao/2021/06/15/draft.html", article=draft)
    LegacyRedirect.objects.create(path="/article/lk-old-sched-slug/", article=scheduled)
    other = make_category(name="其他栏目", slug="other-section")
    make_article(title="另一栏目的公开文章", category=other, tags=["其他标签"])
    return {
        "published": published,
        "draft": draft,
        "scheduled": scheduled,
        "stocks": [shared_stock, draft_stock, sched_stock],
        "category": category,
    }


def public_urls(site) -> list[str]:
    category = site["category"]
    shared_tag = Tag.objects.get(name=SHARED_TAG)
    hidden_tags = [Tag.objects.get(name=n) for n in (DRAFT_ONLY_TAG, SCHED_ONLY_TAG)]
    urls = [
        "/",
        "/?page=2",
        reverse("articles:categories"),
        reverse("articles:tags"),
        reverse("articles:stocks"),
        reverse("articles:robots"),
        reverse("articles:sitemap"),
        *(
            reverse("articles:sitemap-section", args=[s]) + "?p=1"
            for s in ("articles", "categories", "tags", "stocks")
        ),
        *(reverse("articles:feed-site", args=[f]) for f in ("rss", "atom")),
        category.get_absolute_url(),
        category.get_absolute_url() + "?page=2",
        "/category/other-section/",
    ]
    for fmt in ("rss", "atom"):
        urls.append(reverse("articles:feed-category", args=[category.slug, fmt]))
        for tag in [shared_tag, *hidden_tags]:
            urls.append(reverse("articles:feed-tag", args=[tag.slug, fmt]))
        for stock in site["stocks"]:
            urls.append(reverse("articles:feed-stock", args=[stock.market, stock.code, fmt]))
    for tag in [shared_tag, *hidden_tags]:
        urls += [reverse("articles:tag", args=[tag.slug]), f"/tag/{quote(tag.slug)}/?page=2"]
    for stock in site["stocks"]:
        urls += [stock.get_absolute_url(), stock.get_absolute_url() + "?page=2"]
    # Every published article: the hidden two are the neighbours and relatives of these.
    urls += [article.get_absolute_url() for article in site["published"]]
    # Archives: the published days around the draft's, the draft's day, the scheduled day.
    days = {timezone.localtime(a.published_at).date() for a in site["published"]}
    days |= {
        timezone.localtime(site["draft"].published_at).date(),
        timezone.localtime(site["scheduled"].published_at).date(),
    }
    for day in sorted(days):
        urls += [
            reverse("articles:archive-year", args=[day.year]),
            reverse("articles:archive-month", args=[day.year, day.month]),
            reverse("articles:archive-day", args=[day.year, day.month, day.day]),
        ]
    # Search for every marker, and for words the hidden articles share with public ones.
    for term in [*MARKERS, "草稿", "定时", "正文", "贵州茅台", "600519", SHARED_TAG]:
        urls += [f"/search/?q={quote(term)}", f"/search/?q={quote(term)}&page=2"]
    # The search boxes' suggestions, by code, name, pinyin initials and tag.
    for term in [*MARKERS, *HIDDEN_ONLY, "草稿", "定时", "cgdy", "dsdy", "lk", "3009"]:
        urls.append(f"/search/suggest.json?q={quote(term)}")
    # The hidden articles' own URLs and the old URLs that lead to them.
    urls += [
        site["draft"].get_absolute_url(),
        site["scheduled"].get_absolute_url(),
        "/zhengquanribao/2021/06/15/draft.html",
        "/article/lk-old-sched-slug/",
        "/html_News/NewsShare.html?infoCode=NW202106150000000001",
        "/html_News/NewsShare.html?infoCode=NW202106150000000002",
    ]
    return list(dict.fromkeys(urls))


def without_echo(text: str, url: str) -> str:
    """The page minus what the visitor typed: a search box or a 404 repeating the request."""
    parts = urlsplit(url)
    typed = [unquote(parts.path), *(value for _, value in parse_qsl(parts.query))]
    for value in sorted(filter(None, typed), key=len, reverse=True):
        text = re.sub(re.escape(value), "", text, flags=re.IGNORECASE)
        text = re.sub(re.escape(quote(value)), "", text, flags=re.IGNORECASE)
    return text


def test_no_public_surface_shows_a_draft_or_a_scheduled_article(client, site):
    """Unpublished work must not reach readers, crawlers or feed readers by any route."""
    urls = public_urls(site)
    assert len(urls) > 120
    leaks, statuses = [], {}
    for url in urls:
        response = client.get(url)
        statuses[url] = response.status_code
        assert response.status_code in (200, 301, 302, 404), (url, response.status_code)
        text = response.content.decode() + "\n".join(f"{k}: {v}" for k, v in response.items())
        own_page = any(own in unquote(url).lower() for own in OWN_PAGES)
        markers = MARKERS if own_page else MARKERS + HIDDEN_ONLY
        leaks += [(url, marker) for marker in markers if marker in without_echo(text, url)]
    assert leaks == []
    # The walk really saw the pages: lists, page 2, feeds and neighbours answered 200.
    for url in ["/", "/?page=2", "/feed/rss/", "/sitemap.xml", "/tags/", "/stocks/"]:
        assert statuses[url] == 200, url
    assert statuses[site["category"].get_absolute_url() + "?page=2"] == 200
    assert all(statuses[a.get_absolute_url()] == 200 for a in site["published"])
    # Hidden articles and the day only the draft has are "not found", not "forbidden".
    for url in [site["draft"].get_absolute_url(), site["scheduled"].get_absolute_url()]:
        assert statuses[url] == 404, url
    assert statuses["/archive/2021/6/15/"] == 404


def test_counts_in_the_tag_cloud_stock_index_and_sections_exclude_hidden_articles(client, site):
    """A count of 26 where readers can find 24 tells them two more are coming."""
    tags = client.get(reverse("articles:tags")).content.decode()
    assert f"（{PUBLISHED_COUNT} 篇）" in tags
    assert re.search(rf'{SHARED_TAG}</a> <span class="count">{PUBLISHED_COUNT}</span>', tags)
    stocks = client.get(reverse("articles:stocks")).content.decode()
    assert "300998" not in stocks and "300997" not in stocks
    stock_counts = re.findall(r"<td>(\d+)</td></tr>", stocks)
    assert str(PUBLISHED_COUNT) in stock_counts
    assert all(int(n) <= PUBLISHED_COUNT for n in stock_counts)
    sections = client.get(reverse("articles:categories")).content.decode()
    assert f"{PUBLISHED_COUNT} 篇" in sections
    assert f"{PUBLISHED_COUNT + 2} 篇" not in sections


def test_prev_next_links_skip_the_hidden_articles_between_published_ones(client, site):
    """The draft (15 June) sits between 10 and 20 June; neighbours link each other."""

    def on(day):
        return [a for a in site["published"] if a.published_at.date() == day]

    june10, june20 = on(datetime(2021, 6, 10).date()), on(datetime(2021, 6, 20).date())
    page = client.get(june10[-1].get_absolute_url()).content.decode()
    assert june20[0].get_absolute_url() in page
    day = client.get("/archive/2021/6/10/").content.decode()
    assert "/archive/2021/6/20/" in day and "/archive/2021/6/15/" not in day


def test_staff_previews_answer_anonymous_readers_with_404_not_a_login_redirect(
    client, editor_client, site
):
    """A redirect to a login page would confirm that the unpublished article exists."""
    from django.test import Client

    anonymous = Client()
    for article in (site["draft"], site["scheduled"]):
        response = anonymous.get(article.get_absolute_url())
        assert response.status_code == 404
        assert "Location" not in response
        # Staff see the same URL as a preview.
        preview = editor_client.get(article.get_absolute_url())
        assert preview.status_code == 200 and "预览模式" in preview.content.decode()
    # The admin preview of an existing draft and of an id that never existed look the
    # same to an anonymous visitor: the admin login, which reveals nothing.
    real = anonymous.get(reverse("admin:articles_article_preview_change", args=[site["draft"].pk]))
    fake = anonymous.get(reverse("admin:articles_article_preview_change", args=[999999]))
    assert real.status_code == fake.status_code == 302
    assert real["Location"].split("?")[0] == fake["Location"].split("?")[0] == "/admin/login/"


def test_the_admin_requires_login(client, site):
    """Every admin page sends an anonymous visitor to the login form and shows no data."""
    for url in [
        reverse("admin:index"),
        reverse("admin:articles_article_changelist"),
        reverse("admin:articles_article_change", args=[site["draft"].pk]),
        reverse("admin:articles_article_history", args=[site["draft"].pk]),
    ]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/admin/login/"), url
        assert not any(m in response.content.decode() for m in MARKERS)
