"""Revisions: every text change is kept, can be compared with today's text and restored."""

import importlib

from django.apps import apps
from django.db import connection
from django.test import Client
from django.urls import reverse

from articles import services, workflow
from articles.models import Article, Revision
from tests.articles.test_workflow import form_data


def _change(client, article, **overrides):
    data = form_data(
        article.category,
        title=article.title,
        slug=article.slug,
        body_source=article.body_source,
        summary=article.summary,
        status=article.status,
        published_at_0="2024-05-01",
        tags="",
    )
    data.update(overrides)
    response = client.post(reverse("admin:articles_article_change", args=[article.pk]), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    article.refresh_from_db()
    return article


def test_every_save_keeps_a_revision_with_its_author(desk_client, writer_client, category):
    """Who wrote what, and when, is the first question after a correction."""
    writer_client.post(
        reverse("admin:articles_article_add"),
        form_data(category, title="初稿标题", body_source="<p>初稿</p>"),
    )
    article = Article.objects.get()
    _change(desk_client, article, body_source="<p>改过的稿</p>")
    revisions = list(article.revisions.all())
    assert [(r.author.username, r.body_source, r.kind) for r in revisions] == [
        ("desk", "<p>改过的稿</p>", Revision.Kind.EDIT),
        ("writer", "<p>初稿</p>", Revision.Kind.EDIT),
    ]


def test_a_save_without_changes_adds_no_revision_and_tags_or_publishing_do(
    desk_client, make_article
):
    """Every change a restore would need is a revision: tags, status, time; an idle save is not."""
    article = make_article(status=Article.Status.DRAFT)
    assert article.revisions.count() == 1
    article.save()
    assert article.revisions.count() == 1
    _change(desk_client, article, tags="新标签")
    latest = article.revisions.first()
    assert latest.tags == ["新标签"] and latest.author == desk_client.user
    desk_client.post(
        reverse("admin:articles_article_changelist"),
        {"action": "publish", "_selected_action": [article.pk]},
    )
    article.refresh_from_db()
    assert article.is_published()
    latest = article.revisions.first()
    assert (latest.kind, latest.status) == (Revision.Kind.PUBLISH, Article.Status.PUBLISHED)
    assert article.revisions.count() == 3


def test_the_history_page_lists_who_when_and_what_kind(desk_client, make_article):
    """Editors see the history from the article page."""
    article = make_article(title="第一版")
    _change(desk_client, article, title="第二版")
    url = reverse("admin:articles_article_revisions", args=[article.pk])
    html = desk_client.get(url).content.decode()
    assert "修订历史" in html and "第一版" in html and "第二版" in html
    assert "desk" in html and "修改" in html and "当前版本" in html
    old = article.revisions.last()
    assert reverse("admin:articles_article_revision", args=[article.pk, old.pk]) in html


def test_the_diff_page_shows_what_changed_escaped(desk_client, make_article):
    """A readable comparison, where HTML in the source shows as text, never runs."""
    article = make_article(
        title="旧标题",
        body_source="<p>第一句。第二句不变。</p>\n<p>要删掉的段落<script>alert(1)</script></p>",
    )
    old = article.revisions.get()
    _change(
        desk_client,
        article,
        title="新标题",
        body_source="<p>第一句。第二句不变。</p>\n<p>新段落</p>",
    )
    response = desk_client.get(
        reverse("admin:articles_article_revision", args=[article.pk, old.pk])
    )
    html = response.content.decode()
    assert '<tr class="diff-removed"><td class="diff-sign">−</td><td>旧标题</td></tr>' in html
    assert '<tr class="diff-added"><td class="diff-sign">+</td><td>新标题</td></tr>' in html
    # The text readers read, not HTML source; what looked like code is only text.
    assert "<td><del>要删掉的段落alert(1)</del></td>" in html
    assert "<script>alert(1)" not in html and "&lt;p&gt;" not in html
    assert '<tr class="diff-added"><td class="diff-sign">+</td><td><ins>新段落</ins>' in html
    assert '<tr class="diff-same"><td class="diff-sign"> </td><td>第二句不变。' in html
    assert "恢复到这个版本" in html


def test_the_diff_splits_a_one_line_body_by_sentence():
    """Bodies often arrive as one long line; a whole-line diff would be useless."""
    rows = workflow.body_diff("<p>甲。乙。丙。</p>", "<p>甲。乙改。丙。</p>")
    assert [(r.kind, r.text) for r in rows] == [
        ("same", "甲。"),
        ("removed", "乙。"),
        ("added", "乙改。"),
        ("same", "丙。"),
    ]


def test_an_edited_sentence_is_marked_character_by_character():
    """Chinese has no spaces: only the changed characters are marked, not the sentence."""
    rows = workflow.body_diff(
        "<p>央行宣布下调存款准备金率0.5个百分点。</p>",
        "<p>央行宣布下调存款准备金率一个百分点。</p>",
    )
    removed, added = rows
    assert removed.parts == (
        (False, "央行宣布下调存款准备金率"),
        (True, "0.5"),
        (False, "个百分点。"),
    )
    assert added.parts == (
        (False, "央行宣布下调存款准备金率"),
        (True, "一"),
        (False, "个百分点。"),
    )


def test_a_rewritten_sentence_is_marked_whole_and_pictures_show_as_text():
    """Marks on the few characters two unrelated sentences share would be noise."""
    rows = workflow.body_diff(
        '<p>今天股市大涨。</p><p><img src="/a.png" alt="走势图"></p>',
        '<p>明日将公布通胀数据，市场观望。</p><p><img src="/b.png" alt="新走势图"></p>',
    )
    assert [(r.kind, r.parts) for r in rows] == [
        ("removed", ((True, "今天股市大涨。"),)),
        ("removed", ((False, "［图片："), (False, "走势图］"))),
        ("added", ((True, "明日将公布通胀数据，市场观望。"),)),
        ("added", ((False, "［图片："), (True, "新"), (False, "走势图］"))),
    ]


def test_a_change_of_markup_only_says_so(desk_client, make_article):
    """Bold or a link added: the text is the same, and the page says what changed."""
    article = make_article(body_source="<p>正文不变。</p>")
    old = article.revisions.get()
    _change(desk_client, article, body_source="<p><strong>正文不变。</strong></p>")
    html = desk_client.get(
        reverse("admin:articles_article_revision", args=[article.pk, old.pk])
    ).content.decode()
    assert "文字相同，只改动了格式、链接或图片。" in html


def test_restore_brings_back_the_text_as_a_new_revision_and_keeps_the_status(
    desk_client, client, make_article
):
    """A bad edit on a live story is undone in one click, and readers see the old text."""
    article = make_article(title="正确的标题", body_source="<p>正确的正文</p>")
    good = article.revisions.get()
    _change(
        desk_client,
        article,
        title="错误的标题",
        body_source="<p>错误的正文</p>",
        status=Article.Status.PUBLISHED,
    )
    assert "错误的正文" in client.get(article.get_absolute_url()).content.decode()

    url = reverse("admin:articles_article_revision_restore", args=[article.pk, good.pk])
    assert desk_client.get(url).status_code == 405
    response = desk_client.post(url)
    assert response.status_code == 302
    article.refresh_from_db()
    assert (article.title, article.body_source) == ("正确的标题", "<p>正确的正文</p>")
    assert article.is_published()
    latest = article.revisions.first()
    assert latest.kind == Revision.Kind.RESTORE and latest.author == desk_client.user
    assert article.revisions.count() == 3
    html = client.get(article.get_absolute_url()).content.decode()
    assert "<p>正确的正文</p>" in html and "错误的正文" not in html


def test_restore_needs_the_change_permission_and_a_csrf_token(
    writer_client, desk_client, make_article
):
    """A writer cannot rewrite a live article through the back door of a restore."""
    article = make_article(title="原标题")
    old = article.revisions.get()
    _change(desk_client, article, title="新标题")
    url = reverse("admin:articles_article_revision_restore", args=[article.pk, old.pk])
    assert writer_client.post(url).status_code == 403
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(desk_client.user)
    assert strict.post(url).status_code == 403
    article.refresh_from_db()
    assert article.title == "新标题"


def test_a_writer_may_restore_a_draft(writer_client, make_article):
    """Restoring is editing: allowed wherever the writer may edit, and it stays a draft."""
    draft = make_article(title="草稿一", status=Article.Status.DRAFT)
    first = draft.revisions.get()
    _change(writer_client, draft, title="草稿二")
    url = reverse("admin:articles_article_revision_restore", args=[draft.pk, first.pk])
    assert writer_client.post(url).status_code == 302
    draft.refresh_from_db()
    assert draft.title == "草稿一" and draft.status == Article.Status.DRAFT


def test_an_imported_article_starts_with_an_import_revision(category):
    """The importer says what kind of write it is, so the history tells imports from edits."""
    article = Article(title="旧站文章", body_source="<p>旧站正文</p>", category=category)
    services.article_save(article=article, tags=["旧站"], kind=Revision.Kind.IMPORT)
    revision = article.revisions.get()
    assert revision.kind == Revision.Kind.IMPORT and revision.author is None
    assert revision.tags == ["旧站"]
    article.body_source = "<p>编辑改过</p>"
    article.save()
    assert article.revisions.first().kind == Revision.Kind.EDIT, "the kind is for one write only"


def test_the_migration_gives_existing_articles_a_first_revision(make_article):
    """An upgraded site has a history from day one, imported articles marked as such."""
    edited = make_article()
    imported = make_article(legacy_key="story:1")
    Revision.objects.all().delete()
    migration = importlib.import_module("articles.migrations.0004_editor_workflow")
    # The function only reads the editor's connection; entering it would start DDL mode.
    migration.first_revisions(apps, connection.schema_editor())
    assert edited.revisions.get().kind == Revision.Kind.EDIT
    assert imported.revisions.get().kind == Revision.Kind.IMPORT
    assert imported.revisions.get().body_source == imported.body_source
