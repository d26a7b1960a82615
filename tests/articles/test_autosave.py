"""Autosave: a private copy of the form's unsaved edits, offered back when it is reopened."""

import json
import re
import time

import pytest
from django.test import Client
from django.urls import reverse

from articles import autosave
from articles.admin import autosave as autosave_admin
from articles.admin.forms import ArticleAdminForm
from articles.models import Article, Autosave, Revision
from tests.adminforms import article_form


def _change_url(article):
    return reverse("admin:articles_article_change", args=[article.pk])


def _autosave_url(article=None):
    if article is None:
        return reverse("admin:articles_article_autosave_new")
    return reverse("admin:articles_article_autosave", args=[article.pk])


def _post(client, url, data, version=None):
    body = json.dumps({"data": data, "version": version})
    return client.post(url, body, content_type="application/json")


def _offer(html):
    """The restore offer the form carries as a JSON data block, or None."""
    found = re.search(r'<script id="autosave-offer" type="application/json">(.*?)</script>', html)
    return json.loads(found[1]) if found else None


@pytest.fixture
def draft_article(make_article):
    return make_article(
        title="原来的标题", body_source="<p>原来的正文</p>", status=Article.Status.DRAFT
    )


def test_a_copy_is_one_per_person_and_article_and_keeps_only_the_forms_fields(
    desk, writer, draft_article
):
    """Each save replaces the person's earlier copy; the new-article form has its own."""
    autosave.autosave_store(
        user=desk, article_id=draft_article.pk, data={"title": "第一稿"}, based_on_version=1
    )
    autosave.autosave_store(
        user=desk,
        article_id=draft_article.pk,
        data={"title": "第二稿\x00", "csrfmiddlewaretoken": "x", "important": True},
        based_on_version=1,
    )
    autosave.autosave_store(
        user=desk, article_id=None, data={"title": "新稿"}, based_on_version=None
    )
    autosave.autosave_store(
        user=writer, article_id=None, data={"title": "撰稿人的"}, based_on_version=None
    )
    assert Autosave.objects.count() == 3
    mine = autosave.autosave_for(user=desk, article_id=draft_article.pk)
    # Control characters go as from every form; what is not an article field is dropped.
    assert mine.data == {"title": "第二稿", "important": True}
    assert autosave.autosave_for(user=desk, article_id=None).data == {"title": "新稿"}
    autosave.autosave_discard(user=desk, article_id=None)
    assert autosave.autosave_for(user=desk, article_id=None) is None
    assert autosave.autosave_for(user=writer, article_id=None).data == {"title": "撰稿人的"}


def test_the_copy_keeps_every_field_of_the_article_form_but_the_cover():
    """A field added to the form and forgotten here would be lost in a crash."""
    form_fields = set()
    for name in [*ArticleAdminForm.base_fields, *ArticleAdminForm.declared_fields]:
        form_fields |= {"published_at_0", "published_at_1"} if name == "published_at" else {name}
    assert set(autosave.FIELDS) == form_fields - {"cover"}


def test_a_copy_over_2_mb_is_refused_with_a_chinese_message(desk_client, desk, draft_article):
    """A runaway paste must not fill the database every five seconds."""
    huge = "<p>" + "涨" * (autosave.MAX_BYTES // 3 + 10) + "</p>"
    with pytest.raises(autosave.AutosaveRefused, match="超过 2 MB"):
        autosave.autosave_store(
            user=desk, article_id=draft_article.pk, data={"body_source": huge}, based_on_version=1
        )
    answer = _post(desk_client, _autosave_url(draft_article), {"body_source": huge})
    assert answer.status_code == 413
    assert "超过 2 MB" in answer.json()["error"]
    assert not Autosave.objects.exists()
    # A long article (1 MB of text) is nowhere near it.
    long = {"body_source": "<p>" + "涨" * 170_000 + "</p>"}
    assert _post(desk_client, _autosave_url(draft_article), long).status_code == 200


def test_what_is_not_a_forms_fields_is_refused_with_a_chinese_message(desk_client, draft_article):
    url = _autosave_url(draft_article)
    for body in ("不是 JSON", "[]", '{"data": [1]}', '{"data": {"title": ["a"]}}'):
        answer = desk_client.post(url, body, content_type="application/json")
        assert answer.status_code == 400
        assert answer.json()["error"].startswith("自动保存失败")
    assert not Autosave.objects.exists()


def test_an_autosave_changes_nothing_of_the_article_or_its_public_page(
    client, desk_client, make_article
):
    """It is not a revision: readers and the revision history never see it."""
    article = make_article(title="已发布的标题", body_source="<p>读者看到的正文</p>")
    revisions = Revision.objects.filter(article=article).count()
    answer = _post(
        desk_client,
        _autosave_url(article),
        {"title": "没保存的标题", "body_source": "<p>没保存的正文</p>"},
        version=article.version,
    )
    assert answer.status_code == 200 and answer.json()["saved"] is True
    assert answer.json()["label"].startswith("已自动保存（")
    stored = Article.objects.get(pk=article.pk)
    assert (stored.title, stored.body_source, stored.version) == (
        "已发布的标题",
        "<p>读者看到的正文</p>",
        article.version,
    )
    assert Revision.objects.filter(article=article).count() == revisions
    page = client.get(article.get_absolute_url()).content.decode()
    assert "读者看到的正文" in page and "没保存" not in page


def test_reopening_the_form_offers_the_copy_to_its_owner_only(
    desk_client, writer_client, draft_article
):
    """Private: a writer opening the same draft is never shown an editor's copy."""
    _post(
        desk_client,
        _autosave_url(draft_article),
        {"title": "编辑没保存的标题", "body_source": "<p>编辑的新段落</p>"},
        version=draft_article.version,
    )
    offer = _offer(desk_client.get(_change_url(draft_article)).content.decode())
    assert offer["data"]["title"] == "编辑没保存的标题"
    assert offer["data"]["body_source"] == "<p>编辑的新段落</p>"
    assert re.fullmatch(r"\d\d:\d\d", offer["saved_label"])
    assert offer["stale"] is False and offer["based_on_version"] == draft_article.version

    writer_page = writer_client.get(_change_url(draft_article)).content.decode()
    assert _offer(writer_page) is None and "编辑没保存" not in writer_page
    assert 'class="autosave"' in writer_page  # the writer's own autosave still works
    assert writer_client.get(_autosave_url(draft_article)).json() == {"autosave": None}
    # And the writer's copy neither replaces nor shows the editor's.
    _post(writer_client, _autosave_url(draft_article), {"title": "撰稿人的"}, version=1)
    assert desk_client.get(_autosave_url(draft_article)).json()["autosave"]["data"]["title"] == (
        "编辑没保存的标题"
    )
    assert writer_client.get(_autosave_url(draft_article)).json()["autosave"]["data"] == {
        "title": "撰稿人的"
    }


def test_a_copy_made_before_someone_else_saved_says_so(desk_client, editor, draft_article):
    """Restoring it puts its version back in the form, so the save meets the conflict check."""
    _post(desk_client, _autosave_url(draft_article), {"title": "旧版上的修改"}, version=1)
    draft_article.title = "别人改过的标题"
    from articles import services

    services.article_save(article=draft_article, by=editor)
    offer = _offer(desk_client.get(_change_url(draft_article)).content.decode())
    assert offer["stale"] is True
    assert (offer["based_on_version"], offer["current_version"]) == (1, 2)


def test_saving_the_article_through_the_form_deletes_the_copy(
    desk_client, desk, category, draft_article
):
    _post(desk_client, _autosave_url(draft_article), {"title": "改了"}, version=1)
    html = desk_client.get(_change_url(draft_article)).content.decode()
    version = re.search(r'name="_version" value="(\d+)"', html)[1]
    saved = desk_client.post(
        _change_url(draft_article),
        article_form(category, title="改了", slug=draft_article.slug, _version=version),
    )
    assert saved.status_code == 302
    assert not Autosave.objects.filter(user=desk, article=draft_article).exists()
    # The new-article form's copy goes when the new article is saved.
    _post(desk_client, _autosave_url(), {"title": "新文章"})
    assert _offer(desk_client.get(reverse("admin:articles_article_add")).content.decode())
    added = desk_client.post(
        reverse("admin:articles_article_add"), article_form(category, title="新文章")
    )
    assert added.status_code == 302 and Article.objects.filter(title="新文章").exists()
    assert not Autosave.objects.filter(user=desk).exists()


def test_a_refused_save_keeps_the_copy_and_the_form_counts_as_unsaved(
    desk_client, desk, category, draft_article
):
    """The form shown again with errors holds typed text that is stored nowhere else."""
    _post(desk_client, _autosave_url(draft_article), {"title": "改了"}, version=1)
    shown = desk_client.post(
        _change_url(draft_article), article_form(category, title="", _version="1")
    )
    assert shown.status_code == 200
    assert 'data-unsaved="1"' in shown.content.decode()
    assert Autosave.objects.filter(user=desk, article=draft_article).exists()


def test_discarding_deletes_only_ones_own_copy(desk_client, writer_client, draft_article):
    _post(desk_client, _autosave_url(draft_article), {"title": "编辑的"}, version=1)
    _post(writer_client, _autosave_url(draft_article), {"title": "撰稿人的"}, version=1)
    discard = reverse("admin:articles_article_autosave_discard", args=[draft_article.pk])
    assert writer_client.post(discard).json() == {"discarded": True}
    assert list(Autosave.objects.values_list("data__title", flat=True)) == ["编辑的"]
    assert writer_client.get(discard).status_code == 405


def test_nobody_autosaves_an_article_they_may_not_edit(writer_client, client, make_article):
    """A writer sees a published article read-only: no form to keep, nothing stored."""
    published = make_article()
    assert _post(writer_client, _autosave_url(published), {"title": "x"}).status_code == 403
    assert 'class="autosave"' not in writer_client.get(_change_url(published)).content.decode()
    # Not logged in: the admin's login page, never a copy.
    assert _post(client, _autosave_url(published), {"title": "x"}).status_code == 302
    assert not Autosave.objects.exists()


def test_an_autosave_needs_the_csrf_token(desk, draft_article):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(desk)
    assert _post(strict, _autosave_url(draft_article), {"title": "x"}).status_code == 403
    assert not Autosave.objects.exists()


def test_the_form_loads_the_autosave_script_with_its_settings(desk_client, draft_article):
    html = desk_client.get(_change_url(draft_article)).content.decode()
    assert "/static/js/autosave.js" in html and "/static/css/autosave.css" in html
    assert f'data-quiet="{autosave_admin.QUIET_SECONDS}"' in html
    assert f'data-url="{_autosave_url(draft_article)}"' in html
    assert _offer(html) is None


# ------------------------------------------------------------------------------------------
# Journeys in headless Chromium, under the site's own strict CSP.


@pytest.fixture
def journey(live_server, monkeypatch):
    """An editor (编辑, 张三) and the form's quiet time cut to one second."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from articles import workflow
    from tests.roles import ensure_roles

    monkeypatch.setattr(autosave_admin, "QUIET_SECONDS", 1)
    ensure_roles()
    user = get_user_model().objects.create_user(
        "zhangsan", password="pw-desk-12345", is_staff=True, first_name="三", last_name="张"
    )
    user.groups.add(Group.objects.get(name=workflow.EDITORS_GROUP))
    return user


def _open(browser, live_server, path):
    from tests.browser import admin_login, page_for

    page = page_for(browser, 1280, live_server.url)
    admin_login(page, live_server.url, "zhangsan", "pw-desk-12345")
    page.goto(live_server.url + path)
    page.wait_for_function("() => window.tinymce?.get('id_body_source')?.initialized")
    return page


def _type_title(page, text):
    page.click("#id_title")
    page.keyboard.press("End")
    page.keyboard.type(text)


def _type_body(page, text):
    page.frame_locator("#id_body_source_ifr").locator("body").click()
    page.keyboard.press("Control+End")
    page.keyboard.press("Enter")
    page.keyboard.type(text)


def _body(page):
    return page.evaluate("() => tinymce.get('id_body_source').getContent()")


def _wait_for_copy(test):
    """Wait (up to ten seconds) for the copy a closing page sent on its way out."""
    for _ in range(100):
        copy = Autosave.objects.first()
        if copy is not None and test(copy.data):
            return
        time.sleep(0.1)
    raise AssertionError(f"no such copy: {copy and copy.data}")


def _wait_autosaved(page):
    page.wait_for_selector(".autosave-status:has-text('已自动保存')")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_edits_survive_a_closed_page_and_are_restored_then_saved(
    browser, live_server, journey, make_article
):
    """Type, the page closes (a crash), reopen: 恢复 fills the form, 保存 stores it."""
    from tests.browser import ARTIFACTS

    article = make_article(
        title="央行降准", body_source="<p>原来的正文。</p>", status=Article.Status.DRAFT
    )
    page = _open(browser, live_server, _change_url(article))
    _type_title(page, "0.5")
    _type_body(page, "新写的一段分析")
    _wait_autosaved(page)
    _wait_for_copy(lambda data: "新写的一段分析" in data["body_source"])
    assert Article.objects.get(pk=article.pk).title == "央行降准"  # nothing saved
    # Typed and closed at once, before the next periodic copy: leaving the page sends it.
    _type_title(page, "个百分点")
    page.close()
    _wait_for_copy(lambda data: data["title"] == "央行降准0.5个百分点")

    again = _open(browser, live_server, _change_url(article))
    offer = again.locator(".autosave-offer")
    offer.wait_for()
    text = offer.inner_text()
    assert re.search(r"发现 \d\d:\d\d 自动保存的未保存修改", text)
    assert "标题" in text and "0.5个百分点" in text
    assert "正文" in text and "新写的一段分析" in text
    assert "又被保存过" not in text
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    again.screenshot(path=ARTIFACTS / "autosave-restore.png")
    again.set_viewport_size({"width": 375, "height": 900})
    box = offer.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 375  # the offer fits a phone
    again.screenshot(path=ARTIFACTS / "autosave-restore-375.png")
    again.set_viewport_size({"width": 1280, "height": 900})
    again.click(".autosave-restore")
    assert offer.is_hidden()
    assert again.input_value("#id_title") == "央行降准0.5个百分点"
    assert "新写的一段分析" in _body(again)
    assert "尚未保存" in again.locator(".autosave-status").inner_text()
    assert Article.objects.get(pk=article.pk).title == "央行降准"  # restoring saves nothing
    again.click("input[name=_save]")
    again.wait_for_selector(".messagelist .success")
    stored = Article.objects.get(pk=article.pk)
    assert stored.title == "央行降准0.5个百分点" and "新写的一段分析" in stored.body_source
    assert not Autosave.objects.exists()
    assert again.console_errors == [] and again.csp_violations == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_new_article_survives_a_browser_that_dies_without_unloading(
    browser, live_server, journey, category
):
    """The whole browser context goes, no unload handler runs: the periodic copy is enough."""
    page = _open(browser, live_server, reverse("admin:articles_article_add"))
    page.select_option("#id_category", label=category.name)
    _type_title(page, "突发：某公司停牌")
    _type_body(page, "停牌原因待公告")
    _wait_for_copy(lambda data: "停牌原因待公告" in data["body_source"])
    # A crash: the page's script hangs for good, so no pagehide, visibilitychange or
    # beforeunload handler can run, and the browser goes. What was typed after the
    # last periodic copy is lost; the copy itself is what survives.
    _type_body(page, "崩溃前没来得及保存的字")
    page.evaluate("() => { setTimeout(() => { for (;;) {} }, 0); }")
    page.context.close()

    again = _open(browser, live_server, reverse("admin:articles_article_add"))
    again.locator(".autosave-offer").wait_for()
    again.click(".autosave-restore")
    assert again.input_value("#id_title") == "突发：某公司停牌"
    assert again.input_value("#id_category") == str(category.pk)
    assert "停牌原因待公告" in _body(again)
    assert "崩溃前" not in _body(again)
    again.click("input[name=_save]")
    again.wait_for_selector(".messagelist .success")
    assert "停牌原因待公告" in Article.objects.get(title="突发：某公司停牌").body_source
    assert not Autosave.objects.exists()
    assert again.console_errors == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_leaving_with_unsaved_changes_asks_first_but_not_after_saving(
    browser, live_server, journey, make_article
):
    article = make_article(title="原标题", status=Article.Status.DRAFT)
    page = _open(browser, live_server, _change_url(article))
    dialogs = []

    def answer(dialog):
        dialogs.append(dialog.type)
        dialog.dismiss()  # 留在此页

    page.on("dialog", answer)
    _type_title(page, "（改）")
    page.close(run_before_unload=True)
    page.wait_for_function("() => true")  # the page is still there
    assert dialogs == ["beforeunload"] and not page.is_closed()

    with page.expect_navigation():
        page.click("input[name=_continue]")
    page.wait_for_selector(".messagelist .success")
    assert Article.objects.get(pk=article.pk).title == "原标题（改）"
    with page.expect_event("close"):
        page.close(run_before_unload=True)
    assert dialogs == ["beforeunload"]  # none the second time


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_restored_copy_of_an_older_version_meets_the_conflict_check(
    browser, live_server, journey, make_article, editor
):
    """Someone saved after the copy was made: the offer says so, and the save is refused
    with the conflict page (their change is not overwritten, the restored text is kept)."""
    from articles import services

    article = make_article(title="原标题", status=Article.Status.DRAFT)
    page = _open(browser, live_server, _change_url(article))
    _type_title(page, "（张三改）")
    _wait_for_copy(lambda data: data["title"] == "原标题（张三改）")
    page.close()
    article.refresh_from_db()
    article.summary = "李四加的摘要"
    services.article_save(article=article, by=editor)

    again = _open(browser, live_server, _change_url(article))
    offer = again.locator(".autosave-offer")
    offer.wait_for()
    assert "之后文章又被保存过（现在是第 2 版）" in offer.inner_text()
    again.click(".autosave-restore")
    assert again.input_value("input[name=_version]") == "1"
    with again.expect_navigation():
        again.click("input[name=_save]")
    assert "保存失败：这篇文章已被他人修改" in again.content()
    assert "原标题（张三改）" in again.content()
    stored = Article.objects.get(pk=article.pk)
    assert (stored.title, stored.summary) == ("原标题", "李四加的摘要")
    assert Autosave.objects.filter(article=article).exists()  # not saved: the copy stays
    assert [e for e in again.console_errors if "409" not in e] == []  # the conflict page
