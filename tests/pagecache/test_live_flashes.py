"""The newest flashes' JSON (articles/live.py) under the page cache: every open 7×24
page asks for it every half minute, so it is kept, answered with 304 while nothing
changed, and purged by any write to a flash, never by other stories."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from articles import listings, services
from articles.models import Article

LATEST = "/category/emnews/latest.json"


@pytest.fixture
def rolling(make_category):
    return make_category(name="7×24 快讯", slug=listings.ROLLING_CATEGORY_SLUG)


def _titles(response):
    return [flash["title"] for flash in response.json()["flashes"]]


def test_the_endpoint_is_kept_and_answers_304_while_nothing_changed(
    client, page_cache, write, make_article, rolling, django_assert_num_queries
):
    """Thousands of open pages asking cost no query and, mostly, no body."""
    write(lambda: make_article(title="第一条快讯", category=rolling))
    first = client.get(LATEST)
    assert first["X-Page-Cache"] == "miss" and _titles(first) == ["第一条快讯"]
    etag = first["ETag"]
    assert "max-age=0" in first["Cache-Control"] and "public" in first["Cache-Control"]
    with django_assert_num_queries(0):
        again = client.get(LATEST, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again["ETag"] == etag
    assert client.get(LATEST)["X-Page-Cache"] == "hit"


@pytest.mark.parametrize("change", ["publish", "edit", "unpublish"])
def test_a_write_to_a_flash_purges_the_endpoint_at_once(
    client, page_cache, write, make_article, rolling, editor, change
):
    """A new flash shows on the next ask; an edit or a takedown too, never a stale one."""
    shown = write(lambda: make_article(title="已发布的快讯", category=rolling))
    etag = client.get(LATEST)["ETag"]
    assert client.get(LATEST, HTTP_IF_NONE_MATCH=etag).status_code == 304

    if change == "publish":
        write(lambda: services.flash_publish(text="【央行宣布降准】释放资金约1万亿元。", by=editor))
        expected = ["央行宣布降准", "已发布的快讯"]
    elif change == "edit":
        shown.title = "改过标题的快讯"
        write(lambda: services.article_save(article=shown, by=editor))
        expected = ["改过标题的快讯"]
    else:
        write(lambda: services.article_unpublish(article_id=shown.pk, by=editor))
        expected = []

    after = client.get(LATEST, HTTP_IF_NONE_MATCH=etag)
    assert after.status_code == 200 and after["X-Page-Cache"] == "miss"
    assert _titles(after) == expected and after["ETag"] != etag


def test_other_stories_leave_the_endpoint_cached(
    client, page_cache, write, make_article, rolling, category
):
    """A story in another section is no news to the 7×24 timeline."""
    write(lambda: make_article(title="一条快讯", category=rolling))
    etag = client.get(LATEST)["ETag"]
    write(lambda: make_article(title="一篇长文", category=category))
    assert client.get(LATEST, HTTP_IF_NONE_MATCH=etag).status_code == 304


def test_a_scheduled_flash_appears_at_its_time_without_a_write(
    client, page_cache, write, make_article, rolling
):
    """Never before its time (drafts never), and on time though nothing is written then."""
    write(lambda: make_article(title="草稿快讯", category=rolling, status=Article.Status.DRAFT))
    at = timezone.now() + timedelta(seconds=2)
    write(lambda: make_article(title="定时快讯", category=rolling, published_at=at))
    first = client.get(LATEST)
    assert _titles(first) == []
    assert int(first["Cache-Control"].split("s-maxage=")[1].split(",")[0]) <= 2
    time.sleep(max(0.0, (at - timezone.now()).total_seconds()) + 0.2)  # only the clock moves
    assert _titles(client.get(LATEST)) == ["定时快讯"]
