"""专题 and the menu in the admin: editors create and order, writers cannot, and what an
editor types (emoji, pasted control characters, unknown tags, a bad cover) ends well."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from articles.models import Article
from tests.articles.test_uploads import jpeg_with_metadata
from tests.surface import failures, urls_showing
from topics.models import NavItem, Topic

ADD = reverse("admin:topics_topic_add")


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_URL = "/media/"
    return settings.MEDIA_ROOT


def topic_form(entries=(), **fields) -> dict:
    """The 专题 form's POST: the fields, and the chosen-articles inline as (article, position)."""
    data = {
        "title": "新能源汽车",
        "slug": "",
        "intro": "",
        "cover_alt": "",
        "rule_tag_names": "",
        "rule_stock_codes": "",
        "seen_version": "",
        "entries-TOTAL_FORMS": str(len(entries)),
        "entries-INITIAL_FORMS": "0",
        "entries-MIN_NUM_FORMS": "0",
        "entries-MAX_NUM_FORMS": "50",
    }
    for n, (article, position) in enumerate(entries):
        data[f"entries-{n}-article"] = str(article.pk)
        data[f"entries-{n}-position"] = str(position)
    data.update(fields)
    return data


def test_an_editor_creates_a_topic_with_an_order_and_rules(desk_client, make_article, make_stock):
    """The 编辑 group may (migration 0002); the page then shows what they chose."""
    nio = make_stock(106, "NIO", "蔚来")
    first, second = make_article(title="排第一"), make_article(title="排第二")
    make_article(title="按规则来", tags=["新能源"])
    response = desk_client.post(
        ADD,
        topic_form(
            entries=[(second, 20), (first, 10)],
            intro="导语第一段",
            rule_tag_names="新能源",
            rule_stock_codes="蔚来",
        ),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    topic = Topic.objects.get()
    assert topic.slug == "xin-neng-yuan-qi-che" and topic.version == 1
    assert [e.article for e in topic.entries.all()] == [first, second]
    assert [t.name for t in topic.rule_tags.all()] == ["新能源"]
    assert list(topic.rule_stocks.all()) == [nio]
    html = desk_client.get(topic.get_absolute_url()).content.decode()
    assert html.index("排第一") < html.index("排第二") < html.index("按规则来")
    change = desk_client.get(reverse("admin:topics_topic_change", args=[topic.pk]))
    assert 'value="新能源"' in change.content.decode()
    assert 'value="106.NIO"' in change.content.decode()


def test_writers_cannot_touch_topics_or_the_menu(writer_client):
    for name in ("topics_topic", "topics_navitem"):
        for view in ("changelist", "add"):
            url = reverse(f"admin:{name}_{view}")
            assert writer_client.get(url).status_code == 403, url
    assert writer_client.post(ADD, topic_form()).status_code == 403
    assert not Topic.objects.exists()


def test_an_unknown_tag_or_stock_is_explained_and_the_form_keeps_what_was_typed(desk_client):
    response = desk_client.post(
        ADD,
        topic_form(
            title="半导体周报", rule_tag_names="不存在的标签，光刻", rule_stock_codes="sh600000"
        ),
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "没有“不存在的标签”这个标签" in html and "没有“光刻”这个标签" in html
    assert 'value="半导体周报"' in html and 'value="不存在的标签，光刻"' in html
    assert not Topic.objects.exists()


def test_emoji_and_pasted_control_characters_render_everywhere(
    desk_client, client, make_article, category
):
    """Whatever the form accepts must not break a page, a feed or the sitemap."""
    article = make_article(title="🚗 电动车", tags=["新能源"])
    response = desk_client.post(
        ADD,
        topic_form(
            entries=[(article, 1)],
            title="🚗新能源\x0b汽车\x00 <b>&",
            intro="第一段\x07\n第二段 <script>alert(1)</script>",
            rule_tag_names="新能源\x0b",
        ),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    topic = Topic.objects.get()
    assert topic.title == "🚗新能源 汽车 <b>&" and "\x07" not in topic.intro
    assert topic.slug == "xin-neng-yuan-qi-che-b"
    nav = desk_client.post(
        reverse("admin:topics_navitem_add"),
        {
            "label": "",
            "category": "",
            "topic": topic.pk,
            "path": "",
            "position": 5,
            "visible": "on",
        },
    )
    assert nav.status_code == 302, nav.content.decode()[:3000]
    urls = urls_showing(article)
    assert topic.get_absolute_url() in urls
    assert failures(client, urls) == []
    html = client.get(topic.get_absolute_url()).content.decode()
    assert "<h1>🚗新能源 汽车 &lt;b&gt;&amp;</h1>" in html
    assert "&lt;script&gt;" in html and "<script>alert" not in html
    menu = re.search(r'<nav class="site-nav".*?</nav>', client.get("/").content.decode(), re.S)
    assert "🚗新能源 汽车 &lt;b&gt;&amp;" in menu.group(0)


def test_a_save_over_someone_elses_is_refused_with_the_text_kept(desk_client, make_topic):
    topic = make_topic("美联储")
    url = reverse("admin:topics_topic_change", args=[topic.pk])
    desk_client.post(url, topic_form(title="美联储议息", seen_version="1"))
    response = desk_client.post(url, topic_form(title="我的改动", seen_version="1"))
    html = response.content.decode()
    assert response.status_code == 200 and "保存冲突" in html and 'value="我的改动"' in html
    assert Topic.objects.get().title == "美联储议息"


def test_a_cover_is_checked_stripped_and_published_in_sizes(desk_client, client, media_root):
    fake = SimpleUploadedFile("cover.png", b"not a picture", content_type="image/png")
    refused = desk_client.post(ADD, {**topic_form(), "cover": fake})
    assert refused.status_code == 200 and "errorlist" in refused.content.decode()
    assert not Topic.objects.exists()
    photo = SimpleUploadedFile("phone.jpg", jpeg_with_metadata(), content_type="image/jpeg")
    saved = desk_client.post(ADD, {**topic_form(cover_alt="工厂"), "cover": photo})
    assert saved.status_code == 302, saved.content.decode()[:3000]
    topic = Topic.objects.get()
    assert topic.cover.name.startswith("topics/") and "phone" not in topic.cover.name
    stored = (media_root / topic.cover.name).read_bytes()
    assert b"39.9042" not in stored and b"SECRET-TRAILER" not in stored
    assert set(topic.cover_renditions) == {"thumb", "large"}
    html = client.get(topic.get_absolute_url()).content.decode()
    assert "<picture>" in html and 'alt="工厂"' in html


def test_editors_order_the_menu_by_number_and_the_first_item_keeps_the_sections(
    desk_client, make_topic, category, make_category
):
    make_category(name="财联社", slug="cailianshe", position=200)
    topic = make_topic("半导体")
    response = desk_client.post(
        reverse("admin:topics_navitem_add"),
        {
            "label": "",
            "category": "",
            "topic": topic.pk,
            "path": "",
            "position": 1,
            "visible": "on",
        },
        follow=True,
    )
    assert "已作为菜单项加入" in response.content.decode()
    assert [i.name for i in NavItem.objects.all()] == ["半导体", "证券日报", "财联社"]
    bad = desk_client.post(
        reverse("admin:topics_navitem_add"),
        {"label": "外链", "category": "", "topic": "", "path": "//evil.example/", "position": 1},
    )
    assert bad.status_code == 200 and "请填写以 / 开头的本站地址" in bad.content.decode()
    assert NavItem.objects.count() == 3
    assert Article.objects.count() == 0
