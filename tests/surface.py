"""Every public URL that could show a given article: what "renders everywhere" means.

Used by the tests that put ordinary and hostile input through the editors' write
paths and then check that no page, feed or sitemap listing it fails.
"""

from urllib.parse import quote

from django.urls import reverse

from articles.models import Article
from topics.listings import collected
from topics.models import Topic

SITEMAP_SECTIONS = ("articles", "categories", "tags", "stocks", "topics")
FEED_FORMATS = ("rss", "atom")


def urls_showing(article: Article) -> list[str]:
    """Pages, feeds and sitemaps that list `article`, its section, tags, stocks and day,
    and the 专题 that hold it."""
    day = article.published_day
    urls = [
        "/",
        article.get_absolute_url(),
        reverse("articles:categories"),
        reverse("articles:tags"),
        reverse("articles:stocks"),
        reverse("articles:sitemap"),
        *(reverse("articles:sitemap-section", args=[s]) for s in SITEMAP_SECTIONS),
        *(reverse("articles:feed-site", args=[f]) for f in FEED_FORMATS),
        article.category.get_absolute_url(),
        *(reverse("articles:feed-category", args=[article.category.slug, f]) for f in FEED_FORMATS),
        reverse("articles:archive-year", args=[day.year]),
        reverse("articles:archive-month", args=[day.year, day.month]),
        reverse("articles:archive-day", args=[day.year, day.month, day.day]),
        f"/search/?q={quote(article.title[:30])}",
    ]
    for tag in article.tags.all():
        urls.append(tag_url := reverse("articles:tag", args=[tag.slug]))
        urls += [f"{tag_url}feed/{f}/" for f in FEED_FORMATS]
        urls.append(f"/search/?q={quote(tag.name)}")
    for stock in article.ordered_stocks():
        urls.append(stock.get_absolute_url())
        urls += [
            reverse("articles:feed-stock", args=[stock.market, stock.code, f]) for f in FEED_FORMATS
        ]
        urls.append(f"/search/?q={quote(stock.code)}")
    for topic in Topic.objects.all():
        if collected(Article.objects.filter(pk=article.pk), topic).exists():
            urls.append(topic.get_absolute_url())
            urls += [reverse("topics:feed", args=[topic.slug, f]) for f in FEED_FORMATS]
    return list(dict.fromkeys(urls))


def failures(client, urls) -> list[tuple[str, int]]:
    """The URLs among `urls` that answer a server error, with their status."""
    bad = []
    for url in urls:
        status = client.get(url).status_code
        if status >= 500:
            bad.append((url, status))
    return bad
