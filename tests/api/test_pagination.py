"""Every list pages stably: items added between two page fetches cause no repeat and no gap.

A client walks a list page by page (`next`); after each page, new items arrive (new
flashes, a new tag, a newly mentioned security). Every item that was there when the
walk began must come exactly once.
"""

import itertools
from datetime import timedelta

from django.utils import timezone

from articles.models import Article

_n = itertools.count()


def _assert_each_once(seen, expected):
    assert len(seen) == len(set(seen)), f"repeated: {[x for x in seen if seen.count(x) > 1]}"
    assert set(expected) <= set(seen), f"skipped: {set(expected) - set(seen)}"


def _ids(articles):
    return [article.pk for article in articles]


def test_articles_page_stably_while_new_ones_are_published(walk, make_article):
    # Two share a publication time: the page boundary may fall between them.
    same = timezone.now() - timedelta(hours=3)
    before = [make_article(published_at=same) for _ in range(2)] + [
        make_article() for _ in range(9)
    ]

    def publish_more(n):
        make_article(title=f"新文章{next(_n)}", published_at=timezone.now())
        make_article(title=f"新文章{next(_n)}", published_at=timezone.now() - timedelta(seconds=1))

    seen = walk("/api/v1/articles/", publish_more, page_size=3)
    _assert_each_once(seen, _ids(before))
    # The newest first, ties by id, as on the site.
    order = list(Article.objects.filter(pk__in=seen).order_by("-published_at", "-id"))
    assert seen == _ids(order)


def test_flashes_page_stably_while_new_flashes_arrive(walk, make_article, flash_section):
    before = [make_article(category=flash_section) for _ in range(8)]

    def flash(n):
        make_article(category=flash_section, title=f"快讯{next(_n)}", published_at=timezone.now())

    _assert_each_once(walk("/api/v1/flashes/", flash, page_size=3), _ids(before))


def test_the_articles_of_a_tag_and_of_a_stock_page_stably(walk, make_article, make_stock):
    moutai = make_stock(1, "600519", "贵州茅台")
    before = [make_article(tags=["白酒"], stocks=[moutai]) for _ in range(7)]

    def more(n):
        make_article(tags=["白酒"], stocks=[moutai], published_at=timezone.now())

    for path in ("/api/v1/tags/白酒/articles/", "/api/v1/stocks/1.600519/articles/"):
        _assert_each_once(walk(path, more, page_size=2), _ids(before))


def test_tags_page_stably_while_new_tags_appear(walk, make_article):
    names = ["白酒", "光伏", "半导体", "新能源", "银行", "券商", "保险"]
    for name in names:
        make_article(tags=[name])

    def tag_more(n):
        # Names before and after any cursor: 啊 sorts early, 龥 last.
        make_article(tags=[f"啊{next(_n)}", f"龥{next(_n)}"])

    seen = walk("/api/v1/tags/", tag_more, key="name", page_size=2)
    _assert_each_once(seen, names)


def test_stocks_page_stably_while_new_stocks_are_mentioned(walk, make_article, make_stock):
    codes = [f"1.60000{n}" for n in range(7)]
    for code in codes:
        make_article(stocks=[make_stock(1, code[2:])])

    def mention_more(n):
        make_article(stocks=[make_stock(0, f"00000{next(_n) % 9 + 1}")])

    seen = walk("/api/v1/stocks/", mention_more, key="symbol", page_size=2)
    _assert_each_once(seen, codes)


def test_search_pages_stably_across_its_title_tiers(walk, make_article):
    """Search orders by title tier (both words, one word, body only), newest first in
    each; articles arriving between pages, backdated into every tier, shift nothing."""
    from search.query import SearchResults

    for n in range(3):
        make_article(title=f"光伏储能{n}")
        make_article(title=f"光伏{n}", body_source="<p>储能</p>")
        make_article(title=f"公告{n}", body_source="<p>光伏 储能</p>")
    expected = [article.pk for article in SearchResults("光伏 储能")]
    assert len(expected) == 9

    def more(n):
        hour_ago = timezone.now() - timedelta(hours=1)
        k = next(_n)
        make_article(title=f"光伏储能新{k}", published_at=hour_ago)
        make_article(title=f"光伏新{k}", body_source="<p>储能</p>", published_at=hour_ago)
        make_article(title=f"公告新{k}", body_source="<p>光伏 储能</p>", published_at=hour_ago)

    seen = walk("/api/v1/search/", more, q="光伏 储能", page_size=2)
    _assert_each_once(seen, expected)
    assert [pk for pk in seen if pk in expected] == expected


def test_previous_links_lead_back_to_the_same_pages(get_json, make_article):
    for _ in range(7):
        make_article()
    _, first = get_json("/api/v1/articles/", page_size=3)
    _, second = get_json(first["next"])
    _, back = get_json(second["previous"])
    assert [a["id"] for a in back["results"]] == [a["id"] for a in first["results"]]


def test_page_size_is_capped(get_json, make_article):
    for _ in range(3):
        make_article()
    _, data = get_json("/api/v1/articles/", page_size=100000)
    assert len(data["results"]) == 3
