"""The editing desk: an editor's admin save reaches the public site, sanitized."""

import pytest
from django.urls import reverse

from articles.models import Article


def _add_form(category, **overrides):
    data = {
        "title": "蔚来发布一季度财报",
        "slug": "",
        "category": category.pk,
        "tags": "证券日报新闻, 新能源",
        "body_source": '<h2>要点</h2><p onclick="steal()">营收增长<script>alert(1)</script></p>',
        "summary": "",
        "status": Article.Status.PUBLISHED,
        "published_at_0": "2024-05-01",
        "published_at_1": "09:30:00",
        "author": "",
        "cover_alt": "",
        "source_name": "证券日报",
        "original_url": "",
        "stock_codes": "",
    }
    data.update(overrides)
    return data


def test_editor_creates_an_article_in_the_admin_and_readers_see_it_sanitized(
    editor_client, client, category, make_stock
):
    """The whole editing path: admin form -> sanitized storage -> public page."""
    nio, tencent = make_stock(106, "NIO", "蔚来"), make_stock(116, "00700", "腾讯控股")
    response = editor_client.post(
        reverse("admin:articles_article_add"),
        _add_form(category, stock_codes="106.NIO, 116.00700"),
    )
    assert response.status_code == 302, response.content.decode()[:2000]

    article = Article.objects.get()
    assert article.slug == "wei-lai-fa-bu-yi-ji-du-cai-bao"
    assert article.body_html == "<h2>要点</h2><p>营收增长</p>"
    assert article.author.username == "editor"
    assert article.ordered_stocks() == [nio, tencent]
    assert sorted(article.tags.names()) == ["新能源", "证券日报新闻"]

    client.logout()
    html = client.get(article.get_absolute_url()).content.decode()
    assert "<h2>要点</h2><p>营收增长</p>" in html
    assert "steal" not in html and "alert(1)" not in html
    assert "#证券日报新闻" in html and "#新能源" in html
    assert "蔚来" in html and "腾讯控股" in html


def test_admin_change_form_shows_the_sanitized_body(editor_client, make_article):
    """Editors see exactly what will be published next to what they wrote."""
    article = make_article(body_source="<p>可见<script>alert('x')</script></p>")
    html = editor_client.get(reverse("admin:articles_article_change", args=[article.pk])).content
    assert '<div class="body-preview"><p>可见</p></div>' in html.decode()


def test_admin_rejects_an_empty_title_and_saves_nothing(editor_client, category):
    """Bad input gives a form error, not a half-written article."""
    response = editor_client.post(
        reverse("admin:articles_article_add"), _add_form(category, title="")
    )
    assert response.status_code == 200
    # "该字段是必填项。": REST framework's translation of Django's message (api/) wins.
    assert "字段是必填项" in response.content.decode()
    assert not Article.objects.exists()


def test_publish_and_unpublish_bulk_actions(editor_client, make_article, draft):
    """Editors publish or pull several articles at once from the list."""
    live = make_article()
    url = reverse("admin:articles_article_changelist")
    editor_client.post(url, {"action": "publish", "_selected_action": [draft.pk]})
    draft.refresh_from_db()
    assert draft.status == Article.Status.PUBLISHED
    editor_client.post(url, {"action": "unpublish", "_selected_action": [live.pk, draft.pk]})
    assert set(Article.objects.values_list("status", flat=True)) == {Article.Status.DRAFT}


def test_changelist_search_filters_and_view_on_site(editor_client, make_article, draft):
    """The list page is the editor's daily tool: it must render with filters and search."""
    article = make_article(title="可搜索的标题", tags=["中文标签"])
    url = reverse("admin:articles_article_changelist")
    html = editor_client.get(url, {"q": "可搜索"}).content.decode()
    assert "可搜索的标题" in html and "中文标签" in html and "status-published" in html
    assert editor_client.get(url, {"status__exact": "draft"}).status_code == 200
    change = editor_client.get(reverse("admin:articles_article_change", args=[article.pk]))
    assert "在站点上查看" in change.content.decode()


def test_slug_preview_endpoint_gives_the_pinyin_slug_to_staff_only(editor_client, client):
    """The form prefills the slug from a Chinese title; anonymous users get nothing."""
    url = reverse("admin:articles_article_slug_preview")
    assert editor_client.get(url, {"title": "贵州茅台"}).json() == {"slug": "gui-zhou-mao-tai"}
    client.logout()
    assert client.get(url, {"title": "x"}).status_code == 302


@pytest.mark.parametrize("model", ["article", "category", "stockreference"])
def test_every_model_is_registered_and_its_pages_render(editor_client, make_article, model):
    """Category, Article and StockReference are all editable in the admin."""
    make_article()
    assert editor_client.get(reverse(f"admin:articles_{model}_changelist")).status_code == 200
    assert editor_client.get(reverse(f"admin:articles_{model}_add")).status_code == 200


def test_stock_autocomplete_finds_by_code_and_name(editor_client, make_stock):
    """Editors pick stocks by typing a code or a Chinese name."""
    make_stock(1, "600519", "贵州茅台")
    url = reverse("admin:autocomplete")
    params = {"app_label": "articles", "model_name": "articlestock", "field_name": "stock"}
    for term in ("600519", "茅台"):
        results = editor_client.get(url, {**params, "term": term}).json()["results"]
        assert [r["text"] for r in results] == ["贵州茅台（1.600519）"]
