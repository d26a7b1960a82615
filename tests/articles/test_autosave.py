"""Autosave: a private copy of the form's unsaved edits, offered back when it is reopened."""

import json
import re

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
