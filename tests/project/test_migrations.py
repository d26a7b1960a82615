"""A database made by an older release migrates forward with nothing lost.

The database is taken back to the schema of the release before the newsroom-proof
work and the split into apps (articles 0005), filled through the historical models
as that release would have, and migrated forward with `manage.py migrate`, as a
deploy does: the legacy app takes over its tables without copying them, revisions
and first publication times are filled, and search works at once.
"""

from datetime import UTC, datetime

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

OLD_RELEASE = [
    ("articles", "0005_search_sort_key"),
    ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
]


def _old_apps():
    executor = MigrationExecutor(connection)
    executor.migrate(OLD_RELEASE)
    executor.loader.build_graph()
    return executor.loader.project_state(OLD_RELEASE).apps


@pytest.mark.django_db(transaction=True)
def test_a_database_of_the_previous_release_migrates_forward_with_every_row(client):
    old = _old_apps()
    Category = old.get_model("articles", "Category")
    Article = old.get_model("articles", "Article")
    LegacySource = old.get_model("articles", "LegacySource")
    ImportRun = old.get_model("articles", "ImportRun")
    Tag = old.get_model("taggit", "Tag")
    section = Category.objects.create(name="证券日报", slug="zhengquanribao")
    published = datetime(2022, 6, 15, 2, 0, tzinfo=UTC)
    article = Article.objects.create(
        title="旧版本导入的文章 迁移测试",
        slug="old-release-article",
        body_source="<p>旧正文</p>",
        body_html="<p>旧正文</p>",
        category=section,
        status="published",
        published_at=published,
        legacy_key="story:1",
    )
    LegacySource.objects.create(
        article=article, path="2022-06-15-old.md", kind="source", content_hash="x",
        source_text="---\ntitle: 旧\n---\n",
    )  # fmt: skip
    ImportRun.objects.create(created=1)
    Tag.objects.create(name="📈", slug="")  # what the old release stored for an emoji tag

    call_command("migrate", verbosity=0)

    from articles.models import Article as NewArticle
    from legacy.models import ImportRun as NewImportRun
    from legacy.models import LegacySource as NewLegacySource

    moved = NewArticle.objects.get(slug="old-release-article")
    assert moved.first_published_at == published and moved.version == 1
    assert NewLegacySource.objects.get().article == moved
    assert NewImportRun.objects.get().created == 1
    from taggit.models import Tag as NewTag

    assert NewTag.objects.get(name="📈").slug == "u1f4c8"
    # The search index was emptied by the re-keying migration and filled again by it.
    page = client.get("/search/", {"q": "迁移测试"}).content.decode()
    assert "旧版本导入的文章" in page
