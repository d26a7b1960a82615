"""Edit locks: "张三 正在编辑", 仍要编辑 for editors, and a lock that lapses on its own."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from articles import locks
from articles.models import Article, EditLock
from tests.adminforms import article_form


def _change_url(article):
    return reverse("admin:articles_article_change", args=[article.pk])


def _form(article, html, **changes):
    version = re.search(r'name="_version" value="(\d+)"', html)[1]
    fields = {
        "title": article.title,
        "slug": article.slug,
        "status": article.status,
        "body_source": article.body_source,
        "_version": version,
    }
    return article_form(article.category, **{**fields, **changes})


@pytest.fixture
def second_desk(db):
    from django.contrib.auth.models import Group
    from django.test import Client

    from articles import workflow

    user = get_user_model().objects.create_user(
        "lisi", password="pw-lisi-12345", is_staff=True, first_name="四", last_name="李"
    )
    user.groups.add(Group.objects.get(name=workflow.EDITORS_GROUP))
    client = Client()
    client.force_login(user)
    return client


def test_a_lock_is_held_refreshed_taken_over_released_and_lapses(desk, writer, make_article):
    article = make_article()
    assert locks.acquire(article_id=article.pk, user=desk) is None
    other = locks.acquire(article_id=article.pk, user=writer)
    assert other is not None and other.user_id == desk.pk and "正在编辑（刚刚打开）" in other.label
    assert locks.holder(article.pk, desk) is None  # one's own lock is nobody else's
    assert locks.refresh(article_id=article.pk, user=writer) == other
    assert locks.acquire(article_id=article.pk, user=writer, take_over=True) is None
    assert locks.refresh(article_id=article.pk, user=desk).user_id == writer.pk
    locks.release(article_id=article.pk, user=writer)
    assert locks.holder(article.pk, desk) is None
    # Not heard from for two minutes: free, whoever held it.
    locks.acquire(article_id=article.pk, user=desk)
    stale = timezone.now() - timedelta(seconds=locks.LOCK_SECONDS + 1)
    EditLock.objects.filter(article=article).update(seen_at=stale, opened_at=stale)
    assert locks.holder(article.pk, writer) is None
    assert locks.acquire(article_id=article.pk, user=writer) is None


def test_the_second_editor_sees_who_is_editing_and_can_take_over(
    desk_client, second_desk, make_article
):
    article = make_article(title="原标题", body_source="<p>原文</p>")
    a_html = desk_client.get(_change_url(article)).content.decode()
    assert 'name="_save"' in a_html and "正在编辑" not in a_html
    b_html = second_desk.get(_change_url(article)).content.decode()
    assert "desk 正在编辑（刚刚打开）" in b_html and "仍要编辑" in b_html
    assert 'name="_save"' not in b_html  # only the holder saves
    # A forged save without taking over: refused, B's text kept in the form.
    refused = second_desk.post(
        _change_url(article), _form(article, b_html, body_source="<p>B 的改动</p>")
    )
    assert refused.status_code == 200
    page = refused.content.decode()
    assert "没有保存：desk 正在编辑" in page and "B 的改动" in page
    assert Article.objects.get().body_source == "<p>原文</p>"
    # 仍要编辑: B holds the lock and saves; A's page learns it at its next heartbeat.
    take_over = reverse("admin:articles_article_lock_take_over", args=[article.pk])
    assert second_desk.post(take_over)["Location"] == _change_url(article)
    b_html = second_desk.get(_change_url(article)).content.decode()
    assert 'name="_save"' in b_html
    saved = second_desk.post(_change_url(article), _form(article, b_html, title="B 的标题"))
    assert saved.status_code == 302 and Article.objects.get().title == "B 的标题"
    beat = desk_client.post(reverse("admin:articles_article_lock", args=[article.pk])).json()
    assert beat == {
        "held": False,
        "holder": "李四",
        "label": "李四 正在编辑（刚刚打开）",
        "stamp": "",
    }


def test_a_page_opened_locked_only_watches_and_a_left_page_frees_only_its_own_lock(
    desk_client, second_desk, desk, make_article
):
    """The page 仍要编辑 leaves must not take the lock back, nor free the one it opened."""
    article = make_article()
    beat_url = reverse("admin:articles_article_lock", args=[article.pk])
    release = reverse("admin:articles_article_lock_release", args=[article.pk])
    desk_client.get(_change_url(article))
    locks.release(article_id=article.pk, user=desk)
    # B's page was opened while A held the lock: its heartbeat says the lock is free
    # now, and takes nothing (B reloads to edit).
    watched = second_desk.post(beat_url, {"watch": "1"}).json()
    assert watched == {"held": True, "holder": "", "label": "", "stamp": ""}
    assert not EditLock.objects.exists()
    # A's page kept the lock (stamp S1); A saves and continues, the new page keeps it
    # (S2); the old page's goodbye, with S1, arrives last and frees nothing.
    desk_client.get(_change_url(article))
    old = desk_client.post(beat_url).json()
    assert old["held"] and old["stamp"]
    html = desk_client.get(_change_url(article)).content.decode()
    new = re.search(r'data-stamp="([^"]+)"', html)[1]
    assert new != old["stamp"]
    assert desk_client.post(release, {"stamp": old["stamp"]}).json() == {"released": True}
    assert EditLock.objects.get().user == desk
    assert desk_client.post(release, {"stamp": "not a time"}).status_code == 200
    assert EditLock.objects.exists()
    desk_client.post(release, {"stamp": new})
    assert not EditLock.objects.exists()


def test_two_editors_opening_a_free_article_at_once_get_one_holder_not_an_error(
    desk, writer, make_article, monkeypatch
):
    """Both find no lock row; the second insert meets the first on the unique article
    and must read it as the holder (it was a 500 on PostgreSQL)."""
    article = make_article()
    EditLock.objects.create(
        article=article, user=desk, opened_at=timezone.now(), seen_at=timezone.now()
    )
    real_row = locks._row
    calls = []

    def row_missed_once(article_id):
        # The interleaving of two requests: the first read comes before the other insert.
        calls.append(article_id)
        return None if len(calls) == 1 else real_row(article_id)

    monkeypatch.setattr(locks, "_row", row_missed_once)
    holder = locks.acquire(article_id=article.pk, user=writer)
    assert holder is not None and holder.user_id == desk.pk
    assert list(EditLock.objects.values_list("user", flat=True)) == [desk.pk]


def test_a_writer_waits_for_the_lock_and_cannot_take_it_over(
    desk_client, writer_client, make_article
):
    article = make_article(status=Article.Status.DRAFT)
    desk_client.get(_change_url(article))
    html = writer_client.get(_change_url(article)).content.decode()
    assert "desk 正在编辑" in html and "仍要编辑" not in html
    assert "对方离开或两分钟没有动静后" in html
    take_over = reverse("admin:articles_article_lock_take_over", args=[article.pk])
    assert writer_client.post(take_over).status_code == 403


def test_leaving_the_page_frees_the_lock_at_once(desk_client, second_desk, make_article):
    article = make_article()
    desk_client.get(_change_url(article))
    release = reverse("admin:articles_article_lock_release", args=[article.pk])
    assert desk_client.post(release).json() == {"released": True}
    html = second_desk.get(_change_url(article)).content.decode()
    assert "正在编辑" not in html and 'name="_save"' in html
    # A heartbeat or a release is a POST: a link cannot move a lock.
    assert desk_client.get(release).status_code in (403, 405)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_two_editors_open_one_article_and_the_lock_is_shown_and_taken_over(
    browser, live_server, make_article, monkeypatch
):
    """The second sees who is editing, takes over; the first's page says so by itself."""
    from django.contrib.auth.models import Group

    from articles import workflow
    from tests.browser import ARTIFACTS, admin_login, page_for
    from tests.roles import ensure_roles

    monkeypatch.setattr(locks, "HEARTBEAT", 1)
    ensure_roles()
    editors = Group.objects.get(name=workflow.EDITORS_GROUP)
    for username, first, last in (("zhangsan", "三", "张"), ("lisi", "四", "李")):
        user = get_user_model().objects.create_user(
            username, password="pw-desk-12345", is_staff=True, first_name=first, last_name=last
        )
        user.groups.add(editors)
    article = make_article(title="两人同时打开")
    url = live_server.url + _change_url(article)
    first = page_for(browser, 1280, live_server.url)
    admin_login(first, live_server.url, "zhangsan", "pw-desk-12345")
    first.goto(url)
    second = page_for(browser, 1280, live_server.url)
    admin_login(second, live_server.url, "lisi", "pw-desk-12345")
    second.goto(url)
    assert "张三 正在编辑" in second.locator(".edit-lock-note").inner_text()
    assert second.locator("input[name=_save]").count() == 0
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    second.screenshot(path=ARTIFACTS / "edit-lock.png")
    with second.expect_navigation():
        second.click("text=仍要编辑")
    assert second.locator("input[name=_save]").count() >= 1  # top and bottom
    first.wait_for_selector(".edit-lock-lost:not([hidden])")
    assert "对方已接手编辑" in first.locator(".edit-lock-lost").inner_text()
    first.screenshot(path=ARTIFACTS / "edit-lock-taken.png")
    assert first.console_errors == [] and second.console_errors == []
