"""Drafts and scheduled articles never appear: the API's rule is `published()`, as the site's."""

import json

import pytest

from articles.models import Article

SECRETS = ("DRAFTBODY", "SCHEDULEDBODY", "草稿", "定时")


@pytest.fixture
def hidden(draft, scheduled, make_stock, flash_section):
    """A draft and a scheduled article with their own tag and security, and a
    scheduled flash; beside them, a public article sharing the same tag and stock."""
    secret_stock = make_stock(0, "000002", "只在草稿里")
    shared = make_stock(1, "600519", "贵州茅台")
    draft.set_stocks([secret_stock, shared])
    scheduled.set_stocks([shared])
    scheduled.tags.add("公开标签")
    draft.tags.add("公开标签")
    Article.objects.create(
        title="定时快讯",
        body_source="<p>定时正文 SCHEDULEDBODY</p>",
        category=flash_section,
        status=Article.Status.PUBLISHED,
        published_at=scheduled.published_at,
    )
    return draft, scheduled


@pytest.fixture
def public(make_article, make_stock, hidden):
    return make_article(
        title="公开文章",
        tags=["公开标签"],
        stocks=[make_stock(1, "600519")],
        body_source="<p>公开</p>",
    )


PUBLIC_LISTS = [
    "/api/v1/articles/",
    "/api/v1/articles/?tag=公开标签",
    "/api/v1/articles/?stock=1.600519",
    "/api/v1/flashes/",
    "/api/v1/tags/",
    "/api/v1/tags/公开标签/articles/",
    "/api/v1/stocks/",
    "/api/v1/stocks/1.600519/articles/",
    "/api/v1/search/?q=正文",
    "/api/v1/search/?q=定时",
    "/api/v1/search/?q=草稿",
    "/api/v1/sections/",
]


@pytest.mark.parametrize("path", PUBLIC_LISTS)
def test_no_list_shows_a_draft_or_a_scheduled_article(client, public, path):
    response = client.get(path)
    assert response.status_code == 200
    text = json.dumps(response.json(), ensure_ascii=False)
    for secret in SECRETS:
        assert secret not in text, (path, secret)
    assert "只在草稿里" not in text and "000002" not in text


def test_the_public_article_is_there_so_the_lists_above_are_not_empty(client, public):
    """A control for the test above: the same lists do show what is public."""
    for path in PUBLIC_LISTS[:3] + ["/api/v1/tags/公开标签/articles/", "/api/v1/search/?q=公开"]:
        assert "公开文章" in response_text(client, path), path


def response_text(client, path):
    return json.dumps(client.get(path).json(), ensure_ascii=False)


def test_a_draft_or_scheduled_article_answers_404_exactly_like_a_missing_one(
    client, hidden, editor_client
):
    """Nobody, a logged-in editor included, can tell a draft's id from an unused one."""
    draft, scheduled = hidden
    missing = client.get("/api/v1/articles/99999/")
    for c in (client, editor_client):
        for article in (draft, scheduled):
            response = c.get(f"/api/v1/articles/{article.pk}/")
            assert response.status_code == 404
            assert response.content == missing.content


def test_tags_and_stocks_only_drafts_carry_do_not_exist_here(client, hidden):
    for path in (
        "/api/v1/tags/草稿标签/",
        "/api/v1/tags/草稿标签/articles/",
        "/api/v1/stocks/0.000002/",
    ):
        assert client.get(path).status_code == 404, path
    # As a filter, the same words as for a tag that never existed.
    secret = client.get("/api/v1/articles/", {"tag": "草稿标签"}).json()["tag"][0]
    unknown = client.get("/api/v1/articles/", {"tag": "从没有过"}).json()["tag"][0]
    assert secret.replace("草稿标签", "X") == unknown.replace("从没有过", "X")


def test_a_scheduled_article_appears_when_its_time_comes(client, hidden):
    _, scheduled = hidden
    assert client.get(f"/api/v1/articles/{scheduled.pk}/").status_code == 404
    scheduled.published_at = scheduled.created_at
    scheduled.save()
    assert client.get(f"/api/v1/articles/{scheduled.pk}/").status_code == 200
