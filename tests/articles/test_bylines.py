"""Bylines: 作者 and 责任编辑 on the article, each linking to an author page; never a login name."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from articles import services
from articles.models import Article, Profile


@pytest.fixture
def reporter(db):
    return get_user_model().objects.create_user(
        "reporter-login", password="pw-rep-12345", is_staff=True, first_name="三", last_name="张"
    )


def test_publishing_records_the_editor_and_the_page_shows_both_names(
    client, desk, reporter, make_article
):
    article = make_article(author=reporter, status=Article.Status.DRAFT)
    services.article_publish(article_id=article.pk, by=desk)
    Profile.objects.create(user=desk, display_name="李编辑", bio="夜班编辑。")
    article.refresh_from_db()
    assert article.published_by == desk
    html = client.get(article.get_absolute_url()).content.decode()
    author_url = reverse("articles:author", args=[reporter.pk])
    editor_url = reverse("articles:author", args=[desk.pk])
    assert f'作者：<a href="{author_url}" rel="author">张三</a>' in html
    assert f'责任编辑：<a href="{editor_url}">李编辑</a>' in html
    assert "reporter-login" not in html and ">desk<" not in html


def test_the_first_publisher_stays_the_editor(desk, editor, make_article):
    article = make_article(status=Article.Status.DRAFT)
    services.article_publish(article_id=article.pk, by=desk)
    services.article_unpublish(article_id=article.pk, by=editor)
    services.article_publish(article_id=article.pk, by=editor)
    assert Article.objects.get().published_by == desk


def test_an_author_page_lists_what_they_wrote_or_published_and_their_bio(
    client, desk, reporter, make_article
):
    Profile.objects.create(user=reporter, display_name="张记者", bio="跑新能源口。")
    written = make_article(title="张记者写的", author=reporter)
    draft = make_article(title="未发布的稿", author=reporter, status=Article.Status.DRAFT)
    edited = make_article(title="张记者发的", status=Article.Status.DRAFT)
    services.article_publish(article_id=edited.pk, by=reporter)
    make_article(title="别人的稿", author=desk)
    html = client.get(reverse("articles:author", args=[reporter.pk])).content.decode()
    assert "<h1>张记者</h1>" in html and "跑新能源口。" in html
    assert written.title in html and "张记者发的" in html
    assert draft.title not in html and "别人的稿" not in html
    assert "reporter-login" not in html


def test_no_page_for_an_account_without_a_public_name_or_a_published_article(
    client, desk, reporter, make_article
):
    nameless = get_user_model().objects.create_user("nameless-login", is_staff=True)
    make_article(author=nameless)
    make_article(author=reporter, status=Article.Status.DRAFT)
    for user in (nameless, reporter, desk):
        assert client.get(reverse("articles:author", args=[user.pk])).status_code == 404
    assert client.get("/author/999999/").status_code == 404


def test_a_new_display_name_reaches_cached_pages(
    client, settings, tmp_path, reporter, make_article, write
):
    from django.core.cache import cache

    settings.CACHES = {
        "default": {"BACKEND": "diskcache.DjangoCache", "LOCATION": str(tmp_path / "c")}
    }
    settings.NEWSROOM_PAGE_CACHE = settings.NEWSROOM_FRAGMENT_CACHE = True
    cache.clear()
    article = write(lambda: make_article(author=reporter))
    assert "张三" in client.get(article.get_absolute_url()).content.decode()
    assert client.get(article.get_absolute_url())["X-Page-Cache"] == "hit"
    write(lambda: Profile.objects.create(user=reporter, display_name="张大记者"))
    html = client.get(article.get_absolute_url()).content.decode()
    assert "张大记者" in html


def test_the_account_page_edits_the_byline(client, editor, reporter):
    client.force_login(editor)
    url = reverse("admin:auth_user_change", args=[reporter.pk])
    form = client.get(url).content.decode()
    assert "署名与简介" in form
    data = {
        "username": "reporter-login",
        "first_name": "三",
        "last_name": "张",
        "email": "",
        "is_active": "on",
        "is_staff": "on",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "08:00:00",
        "profile-TOTAL_FORMS": "1",
        "profile-INITIAL_FORMS": "0",
        "profile-MIN_NUM_FORMS": "0",
        "profile-MAX_NUM_FORMS": "1",
        "profile-0-display_name": "张\x0b三丰",
        "profile-0-bio": "简介",
        "profile-0-user": reporter.pk,
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert Profile.objects.get(user=reporter).display_name == "张 三丰"
