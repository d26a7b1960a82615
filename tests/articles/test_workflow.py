"""The editorial workflow in the admin: roles, publishing, preview, stock codes, slugs.

Users are put in the real groups that migration 0004 creates and drive the real
admin through the test client.
"""

import io
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from articles import workflow
from articles.models import Article, Category, LegacyRedirect, Revision, StockReference
from articles.stocks import StockToken, parse_stock_codes, resolve_stocks
from tests.adminforms import article_form
from tests.browser import admin_login, page_for

CHANGELIST = "admin:articles_article_changelist"


def form_data(section, **overrides):
    """What the article change form posts, with the stocks typed as codes."""
    return article_form(section, **overrides)


def _messages(response):
    return [str(m) for m in response.context["messages"]] if response.context else []


# -- roles ---------------------------------------------------------------------------


def test_the_migration_creates_writer_and_editor_groups_with_the_right_permissions(db):
    """The roles are data, so a fresh install has them without anyone clicking."""

    def perms(name):
        group = Group.objects.get(name=name)
        return {
            f"{p.content_type.app_label}.{p.codename}"
            for p in group.permissions.select_related("content_type")
        }

    # The media library's own migration adds its part (tests/media_library/test_admin.py).
    writers = {p for p in perms("撰稿") if not p.startswith("media_library.")}
    assert writers == {
        "articles.add_article",
        "articles.change_article",
        "articles.view_article",
        "articles.view_category",
        "articles.view_stockreference",
        "articles.add_stockreference",
        "taggit.view_tag",
    }
    editors = perms("编辑")
    assert {"articles.can_publish", "articles.delete_article", "taggit.change_tag"} <= editors
    for model in ("article", "category", "stockreference"):
        for action in ("add", "change", "delete", "view"):
            assert f"articles.{action}_{model}" in editors


def test_a_writer_cannot_publish_and_an_editor_can(writer, desk):
    """One function decides who may publish; everything else asks it."""
    assert not workflow.can_publish(writer)
    assert workflow.can_publish(desk)
    assert workflow.allowed_statuses(writer) == [Article.Status.DRAFT]
    assert workflow.allowed_statuses(desk) == [Article.Status.DRAFT, Article.Status.PUBLISHED]


def test_a_writer_creates_a_draft_and_sees_no_publishing_choice(writer_client, writer, category):
    """Writers write; their add form offers nothing but a draft."""
    html = writer_client.get(reverse("admin:articles_article_add")).content.decode()
    assert 'name="status"' in html and "disabled" in html.split('name="status"')[1][:200]
    response = writer_client.post(reverse("admin:articles_article_add"), form_data(category))
    assert response.status_code == 302, response.content.decode()[:2000]
    article = Article.objects.get()
    assert article.status == Article.Status.DRAFT and article.author == writer


def test_a_writers_forged_published_status_is_saved_as_a_draft_with_a_warning(
    writer_client, category
):
    """A hand-made POST must not get past the missing permission."""
    response = writer_client.post(
        reverse("admin:articles_article_add"),
        form_data(category, status=Article.Status.PUBLISHED),
        follow=True,
    )
    article = Article.objects.get()
    assert article.status == Article.Status.DRAFT
    assert not Article.objects.published().exists()
    assert any("没有发布权限" in m for m in _messages(response))


def test_a_writer_sees_a_published_article_read_only_and_cannot_post_to_it(
    writer_client, make_article, category
):
    """What readers see now is the editors' call: no edit, no unpublish by a writer."""
    live = make_article(title="已经发布的新闻")
    url = reverse("admin:articles_article_change", args=[live.pk])
    page = writer_client.get(url)
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    response = writer_client.post(
        url, form_data(category, title="被改掉的标题", status=Article.Status.DRAFT)
    )
    assert response.status_code == 403
    live.refresh_from_db()
    assert live.title == "已经发布的新闻" and live.is_published()


def test_a_writer_sees_no_publishing_actions_and_a_forged_action_changes_nothing(
    writer_client, draft, make_article
):
    """Bulk actions obey the same permission as the form."""
    live = make_article()
    url = reverse(CHANGELIST)
    html = writer_client.get(url).content.decode()
    for action in ("publish", "schedule", "unpublish", "delete_selected"):
        assert f'value="{action}"' not in html
    for action in ("publish", "unpublish"):
        response = writer_client.post(
            url, {"action": action, "_selected_action": [draft.pk, live.pk]}, follow=True
        )
        assert any("没有发布权限" in m for m in _messages(response))
    writer_client.post(url, {"action": "delete_selected", "_selected_action": [draft.pk]})
    draft.refresh_from_db()
    live.refresh_from_db()
    assert draft.status == Article.Status.DRAFT and live.is_published()


def test_an_editor_publishes_unpublishes_and_deletes(desk_client, draft, make_article):
    """Editors run the desk: every publishing action is theirs."""
    url = reverse(CHANGELIST)
    html = desk_client.get(url).content.decode()
    for action in ("publish", "schedule", "unpublish", "delete_selected"):
        assert f'value="{action}"' in html
    old = make_article(published_at=timezone.now() - timedelta(days=3))
    old_time = old.published_at

    desk_client.post(url, {"action": "publish", "_selected_action": [draft.pk, old.pk]})
    draft.refresh_from_db()
    old.refresh_from_db()
    assert draft.is_published()
    assert abs(draft.published_at - timezone.now()) < timedelta(minutes=1)
    assert old.published_at == old_time, "publish now must not re-date a live article"

    desk_client.post(url, {"action": "unpublish", "_selected_action": [draft.pk]})
    draft.refresh_from_db()
    assert draft.status == Article.Status.DRAFT

    desk_client.post(
        url, {"action": "delete_selected", "_selected_action": [draft.pk], "post": "yes"}
    )
    assert not Article.objects.filter(pk=draft.pk).exists()


def test_an_editor_publishes_from_the_form(desk_client, category):
    """The status choice is there for editors, and a future time schedules."""
    response = desk_client.post(
        reverse("admin:articles_article_add"),
        form_data(
            category,
            status=Article.Status.PUBLISHED,
            published_at_0="2099-01-01",
            published_at_1="08:00:00",
        ),
    )
    assert response.status_code == 302
    assert Article.objects.get().is_scheduled


def test_schedule_action_asks_for_a_time_then_schedules(desk_client, draft):
    """Scheduling is a two-step action, like Django's delete confirmation."""
    url = reverse(CHANGELIST)
    page = desk_client.post(url, {"action": "schedule", "_selected_action": [draft.pk]})
    assert page.status_code == 200
    html = page.content.decode()
    assert "定时发布" in html and draft.title in html and 'name="published_at_0"' in html
    draft.refresh_from_db()
    assert draft.status == Article.Status.DRAFT, "the first step changes nothing"

    response = desk_client.post(
        url,
        {
            "action": "schedule",
            "_selected_action": [draft.pk],
            "apply": "yes",
            "published_at_0": "2099-01-01",
            "published_at_1": "08:00:00",
        },
        follow=True,
    )
    draft.refresh_from_db()
    assert draft.is_scheduled
    assert timezone.localtime(draft.published_at).strftime("%Y-%m-%d %H:%M") == "2099-01-01 08:00"
    assert any("定时" in m for m in _messages(response))


def test_schedule_action_rejects_a_time_in_the_past(desk_client, draft):
    """A past time would publish at once, which is what 立即发布 is for."""
    response = desk_client.post(
        reverse(CHANGELIST),
        {
            "action": "schedule",
            "_selected_action": [draft.pk],
            "apply": "yes",
            "published_at_0": "2000-01-01",
            "published_at_1": "08:00:00",
        },
    )
    assert response.status_code == 200
    assert "必须在将来" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == Article.Status.DRAFT


# -- the list ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "state, expected",
    [("draft", {"draft"}), ("scheduled", {"scheduled"}), ("published", {"live"})],
)
def test_the_publication_state_filter_lists_the_right_articles(
    desk_client, make_article, state, expected
):
    """Editors find what is waiting, what is queued and what is live."""
    now = timezone.now()
    make_article(title="draft", status=Article.Status.DRAFT)
    make_article(title="scheduled", published_at=now + timedelta(hours=2))
    make_article(title="live")
    response = desk_client.get(reverse(CHANGELIST), {"state": state})
    assert {a.title for a in response.context["cl"].result_list} == expected
    assert "发布状态" in response.content.decode()


def test_the_queryset_states_split_every_article_exactly_once(make_article):
    """drafts(), scheduled() and published() cover all articles without overlap."""
    now = timezone.now()
    make_article(status=Article.Status.DRAFT)
    make_article(status=Article.Status.DRAFT, published_at=now + timedelta(days=1))
    make_article(published_at=now + timedelta(hours=2))
    make_article()
    parts = [
        set(qs.values_list("pk", flat=True))
        for qs in (
            Article.objects.drafts(),
            Article.objects.scheduled(),
            Article.objects.published(),
        )
    ]
    assert [len(p) for p in parts] == [2, 1, 1]
    assert set.union(*parts) == set(Article.objects.values_list("pk", flat=True))


def test_the_list_shows_the_cover_thumbnail_or_a_dash(desk_client, make_article):
    """A picture makes a story easy to spot; no cover must not break the row."""
    make_article(
        title="有缩略图",
        cover="covers/2024/05/a.jpg",
        cover_renditions={"thumb": {"width": 320, "height": 180, "jpeg": "/media/r/a-thumb.jpg"}},
    )
    make_article(title="只有原图", cover="covers/2024/05/b.jpg")
    make_article(title="没有封面")
    html = desk_client.get(reverse(CHANGELIST)).content.decode()
    assert '<img class="cover-thumb" src="/media/r/a-thumb.jpg" width="64" height="36"' in html
    assert '<img class="cover-thumb" src="/media/covers/2024/05/b.jpg" width="64"' in html
    row = html.split(">没有封面</a>")[1].split("</tr>")[0]
    assert 'class="field-cover_thumbnail">-</td>' in row


def _jpeg(width=800, height=450):
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(buffer, "JPEG")
    return buffer.getvalue()


def test_a_cover_uploaded_in_the_admin_gets_its_renditions_and_a_list_thumbnail(
    desk_client, category, settings, tmp_path
):
    """Sizes are made once at upload, so the list never loads a full-size original."""
    settings.MEDIA_ROOT = tmp_path
    cover = SimpleUploadedFile("cover.jpg", _jpeg(), content_type="image/jpeg")
    response = desk_client.post(
        reverse("admin:articles_article_add"), {**form_data(category), "cover": cover}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    article = Article.objects.get()
    thumb = article.cover_renditions["thumb"]
    assert thumb["jpeg"].startswith("/media/") and thumb["width"] <= 800
    html = desk_client.get(reverse(CHANGELIST)).content.decode()
    assert f'<img class="cover-thumb" src="{thumb["jpeg"]}" width="64"' in html


def test_a_file_that_is_not_an_image_is_refused_as_a_cover(
    desk_client, category, settings, tmp_path
):
    """A renamed text file must be a form error, not a broken page."""
    settings.MEDIA_ROOT = tmp_path
    fake = SimpleUploadedFile("cover.jpg", b"not an image", content_type="image/jpeg")
    response = desk_client.post(
        reverse("admin:articles_article_add"), {**form_data(category), "cover": fake}
    )
    assert response.status_code == 200
    assert not Article.objects.exists()


# -- preview -------------------------------------------------------------------------


def test_a_saved_draft_previews_at_its_public_url_for_staff_only(writer_client, client, draft):
    """The 预览 link of a saved article is the public page, banner included."""
    response = writer_client.get(
        reverse("admin:articles_article_preview_change", args=[draft.pk]), follow=True
    )
    assert response.redirect_chain[-1][0] == draft.get_absolute_url()
    assert "预览模式" in response.content.decode() and "DRAFTBODY" in response.content.decode()
    assert client.get(draft.get_absolute_url()).status_code == 404


def test_preview_of_unsaved_edits_renders_the_public_page_sanitized_and_saves_nothing(
    desk_client, make_article, make_stock, category
):
    """Editors see their changes as readers will, before anything goes live."""
    make_stock(106, "NIO", "蔚来")
    live = make_article(title="原来的标题", body_source="<p>原来的正文</p>")
    before = Revision.objects.count()
    response = desk_client.post(
        reverse("admin:articles_article_preview_change", args=[live.pk]),
        form_data(
            category,
            title="修改后的标题",
            slug=live.slug,
            status=Article.Status.PUBLISHED,
            body_source='<p onclick="x()">新的正文<script>alert(1)</script></p>',
            tags="预览标签",
            stock_codes="106.NIO 1.603000（新证券）",
        ),
    )
    assert response.status_code == 200
    assert "articles/article_detail.html" in [t.name for t in response.templates]
    html = response.content.decode()
    assert '<div class="article-body"><p>新的正文</p></div>' in html
    assert "alert(1)" not in html and "onclick" not in html
    assert "预览模式" in html and "修改后的标题" in html
    assert "#预览标签" in html and "蔚来" in html and "603000" in html
    live.refresh_from_db()
    assert live.title == "原来的标题" and live.body_source == "<p>原来的正文</p>"
    assert not live.tags.exists() and not live.stocks.exists()
    assert not StockReference.objects.filter(code="603000").exists()
    assert Revision.objects.count() == before


def test_preview_of_a_new_article_works_before_the_first_save(desk_client, category):
    """An article that does not exist yet can be previewed too."""
    response = desk_client.post(
        reverse("admin:articles_article_preview"),
        form_data(category, title="还没保存的新闻", body_source="<p>新稿正文</p>"),
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "还没保存的新闻" in html and "<p>新稿正文</p>" in html and "预览模式" in html
    assert not Article.objects.exists()


def test_preview_with_form_errors_explains_instead_of_rendering(desk_client, category):
    """A half-filled form gets a plain explanation, not a server error."""
    response = desk_client.post(
        reverse("admin:articles_article_preview"), form_data(category, category="")
    )
    assert response.status_code == 200
    assert "无法预览" in response.content.decode() and "栏目" in response.content.decode()


def test_preview_is_staff_only_and_csrf_protected(client, desk, category):
    """Unpublished text is for the newsroom; a cross-site POST must not render it."""
    url = reverse("admin:articles_article_preview")
    response = client.post(url, form_data(category))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(desk)
    assert strict.post(url, form_data(category)).status_code == 403


def test_the_change_form_has_preview_and_history_buttons(desk_client, draft):
    """The buttons post to the preview view in a new tab, with no inline script."""
    html = desk_client.get(reverse("admin:articles_article_change", args=[draft.pk])).content
    html = html.decode()
    preview = reverse("admin:articles_article_preview_change", args=[draft.pk])
    assert f'formaction="{preview}" formtarget="_blank"' in html
    assert reverse("admin:articles_article_revisions", args=[draft.pk]) in html
    assert "修订历史" in html


# -- stocks typed as codes -----------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("106.NIO", [(106, "NIO")]),
        ("106.nio", [(106, "NIO")]),
        ("116.09866", [(116, "09866")]),
        ("116.700", [(116, "00700")]),
        ("600519", [(1, "600519")]),
        ("900901", [(1, "900901")]),
        ("000001", [(0, "000001")]),
        ("300750", [(0, "300750")]),
        ("200002", [(0, "200002")]),
        ("09866", [(116, "09866")]),
        ("BK1037", [(90, "BK1037")]),
        ("90.bk1037", [(90, "BK1037")]),
        (
            "105.AAPL, 600519，00700、1.601318；106.BABA  300750",
            [
                (105, "AAPL"),
                (1, "600519"),
                (116, "00700"),
                (1, "601318"),
                (106, "BABA"),
                (0, "300750"),
            ],
        ),
        ("", []),
    ],
)
def test_stock_codes_parse_with_the_market_inferred(text, expected):
    """Editors type codes the way they read them; the market follows from the code."""
    assert [(t.market, t.code) for t in parse_stock_codes(text)] == expected


def test_a_chinese_or_latin_word_is_parsed_as_a_name_to_look_up():
    """Names are resolved against the database later; parsing stays pure."""
    assert parse_stock_codes("贵州茅台 NIO") == [
        StockToken("贵州茅台", name="贵州茅台"),
        StockToken("NIO", name="NIO"),
    ]


@pytest.mark.parametrize(
    "text, message",
    [
        ("999.ABC", "“999.ABC”：未知的市场代码 999"),
        ("1.12345", "“1.12345”：沪深证券代码应为 6 位数字"),
        ("830799", "“830799”：无法判断所属市场"),
        ("1234", "“1234”：无法识别的代码"),
        ("90.XYZ", "“90.XYZ”：板块代码"),
        ("106.蔚来", "“106.蔚来”：美股代码应为英文字母"),
    ],
)
def test_bad_stock_codes_are_rejected_naming_the_token(text, message):
    """An error that names the token tells the editor exactly what to fix."""
    with pytest.raises(ValidationError) as error:
        parse_stock_codes(f"600519 {text}")
    assert any(m.startswith(message) for m in error.value.messages), error.value.messages


def test_names_resolve_to_stocks_on_file_and_bare_us_tickers_need_a_market(make_stock):
    """贵州茅台 is unambiguous; NIO could be on three US exchanges."""
    moutai = make_stock(1, "600519", "贵州茅台")
    make_stock(106, "NIO", "蔚来")
    assert resolve_stocks(parse_stock_codes("贵州茅台")) == [moutai]
    with pytest.raises(ValidationError) as error:
        resolve_stocks(parse_stock_codes("NIO 不存在的公司"))
    first, second = error.value.messages
    assert "105.NIO" in first and "106.NIO" in first and "107.NIO" in first
    assert "已收录：蔚来（106.NIO）" in first
    assert second.startswith("“不存在的公司”：找不到")


def test_same_name_on_two_exchanges_asks_for_the_code(make_stock):
    """A company listed in Shenzhen and Hong Kong must be picked by code."""
    make_stock(0, "002594", "比亚迪")
    make_stock(116, "01211", "比亚迪")
    with pytest.raises(ValidationError) as error:
        resolve_stocks(parse_stock_codes("比亚迪"))
    assert "0.002594" in error.value.messages[0] and "116.01211" in error.value.messages[0]


def test_typed_codes_link_stocks_in_order_and_create_new_ones(desk_client, make_stock, category):
    """The text field is the whole stock UI: order kept, new codes added with their names."""
    moutai = make_stock(1, "600519", "贵州茅台")
    response = desk_client.post(
        reverse("admin:articles_article_add"),
        form_data(
            category,
            stock_codes=(
                "106.NIO（蔚来）, 116.09866 (蔚来 港股) 贵州茅台 000001（平安银行） 106.NIO"
            ),
        ),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    article = Article.objects.get()
    assert [s.symbol for s in article.ordered_stocks()] == [
        "106.NIO",
        "116.09866",
        "1.600519",
        "0.000001",
    ]
    assert article.ordered_stocks()[2] == moutai
    assert StockReference.objects.count() == 4
    assert [s.name for s in article.ordered_stocks()] == [
        "蔚来",
        "蔚来 港股",
        "贵州茅台",
        "平安银行",
    ]

    change = desk_client.get(reverse("admin:articles_article_change", args=[article.pk]))
    assert 'value="106.NIO, 116.09866, 1.600519, 0.000001"' in change.content.decode()

    data = form_data(category, slug=article.slug, stock_codes="0.000001 106.NIO")
    desk_client.post(reverse("admin:articles_article_change", args=[article.pk]), data)
    assert [s.symbol for s in article.ordered_stocks()] == ["0.000001", "106.NIO"]


def test_an_unknown_market_is_a_form_error_and_nothing_is_saved(desk_client, category):
    """A typo in a code must not create a bogus security or a half-saved article."""
    response = desk_client.post(
        reverse("admin:articles_article_add"), form_data(category, stock_codes="106.NIO 999.ABC")
    )
    assert response.status_code == 200
    assert "“999.ABC”：未知的市场代码 999" in response.content.decode()
    assert not Article.objects.exists() and not StockReference.objects.exists()


def test_stock_search_finds_by_code_or_name_for_staff_only(
    desk_client, writer_client, client, make_stock
):
    """The autocomplete answers editors and writers, up to ten suggestions."""
    make_stock(1, "600519", "贵州茅台")
    for n in range(12):
        make_stock(0, f"0000{n:02d}", f"测试{n}")
    url = reverse("admin:articles_article_stock_search")
    assert url == "/admin/articles/article/stock-search/"
    for term in ("600519", "茅台", "1.6005"):
        assert [r["symbol"] for r in desk_client.get(url, {"q": term}).json()["results"]] == [
            "1.600519"
        ]
    result = writer_client.get(url, {"q": "茅台"}).json()["results"][0]
    assert result == {
        "symbol": "1.600519",
        "code": "600519",
        "name": "贵州茅台",
        "exchange": "上交所",
        "label": "贵州茅台（1.600519）",
    }
    assert len(desk_client.get(url, {"q": "测试"}).json()["results"]) == 10
    assert desk_client.get(url, {"q": ""}).json() == {"results": []}
    assert client.get(url, {"q": "茅台"}).status_code == 302


# -- slugs ---------------------------------------------------------------------------


def test_changing_a_published_articles_slug_keeps_the_old_url_as_a_301(
    desk_client, client, make_article, category
):
    """Shared links must survive an editor renaming the URL."""
    article = make_article(slug="old-slug", title="标题")
    data = form_data(
        category,
        title="标题",
        slug="new-slug",
        status=Article.Status.PUBLISHED,
        published_at_0="2024-05-01",
    )
    response = desk_client.post(reverse("admin:articles_article_change", args=[article.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    response = client.get("/article/old-slug/")
    assert response.status_code == 301 and response["Location"] == "/article/new-slug/"
    assert client.get("/article/new-slug/").status_code == 200


def test_a_draft_slug_change_leaves_no_redirect(make_article):
    """A draft's URL was never public, and a redirect would reveal its new one."""
    draft = make_article(slug="draft-one", status=Article.Status.DRAFT)
    draft.slug = "draft-two"
    draft.save()
    assert not LegacyRedirect.objects.exists()


def test_a_title_change_keeps_the_slug_of_a_published_article(make_article):
    """Fixing a headline must not move the article's URL."""
    article = make_article(title="旧标题", slug="jiu-biao-ti")
    article.title = "新标题"
    article.save()
    article.refresh_from_db()
    assert article.slug == "jiu-biao-ti"


# -- in a real browser ---------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_in_a_browser_the_stock_field_suggests_and_preview_opens_a_new_tab(
    browser,  # noqa: F811
    live_server,
):
    """The static scripts work end to end: suggestions, the 预览 tab, then the save."""
    get_user_model().objects.create_superuser("chief", "chief@example.com", "pw-chief-123")
    Category.objects.create(name="证券日报", slug="zhengquanribao")
    StockReference.objects.create(market=1, code="600519", name="贵州茅台")
    page = page_for(browser, 1280, live_server.url)
    admin_login(page, live_server.url, "chief", "pw-chief-123")
    page.goto(live_server.url + "/admin/articles/article/add/")
    page.fill("#id_title", "贵州茅台发布年报")
    page.select_option("#id_category", label="证券日报")
    page.wait_for_function("() => window.tinymce?.get('id_body_source')?.initialized")
    page.evaluate("html => tinymce.get('id_body_source').setContent(html)", "<p>预览里的正文</p>")
    page.click("#id_stock_codes")
    page.keyboard.type("106.NIO（蔚来） 茅台")
    page.wait_for_selector(".picker-suggestions li")
    page.keyboard.press("Enter")
    # The picked security and the new one typed before it are chips; the box is empty.
    chips = page.locator(".picker-chip span")
    assert chips.all_inner_texts() == ["106.NIO（蔚来）", "600519 贵州茅台"]
    assert page.input_value("#id_stock_codes") == ""

    with page.context.expect_page() as opened:
        page.locator("input[name=_preview]").last.click()
    preview = opened.value
    preview.wait_for_load_state()
    assert preview.locator(".preview-banner").is_visible()
    assert preview.locator(".article-body").inner_html() == "<p>预览里的正文</p>"
    assert preview.locator(".stocks .chip-stock").count() == 2
    assert not Article.objects.exists()

    page.click("input[name=_save]")
    page.wait_for_selector(".messagelist .success")
    article = Article.objects.get()
    assert [s.symbol for s in article.ordered_stocks()] == ["106.NIO", "1.600519"]
    assert page.console_errors == []
    assert page.foreign_requests == []
