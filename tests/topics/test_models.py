"""专题 rules and order, slugs, the stale-save check, and the editors' menu."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from articles.models import Article
from topics import listings, navigation, services
from topics.models import NavItem, Topic


def _hours_ago(hours):
    return timezone.now() - timedelta(hours=hours)


def test_a_topic_gets_a_pinyin_slug_and_a_clash_gets_a_number(make_topic):
    """Readers share 专题 links in chat apps: ASCII, readable, and never two alike."""
    assert make_topic("新能源汽车").slug == "xin-neng-yuan-qi-che"
    assert make_topic("新能源汽车").slug == "xin-neng-yuan-qi-che-2"
    assert make_topic("📈🚗").slug == "zhuan-ti"
    assert make_topic("Apple 供应链").slug == "apple-gong-ying-lian"


def test_typed_text_loses_control_characters(make_topic):
    """Word pastes \\x0b; one in a title would break every feed that lists the 专题."""
    topic = make_topic("半导体\x0b周报\x00", intro="第一段\x0c第二段\x07")
    topic.refresh_from_db()
    assert topic.title == "半导体 周报"
    assert topic.intro == "第一段\n第二段"


def test_chosen_articles_come_first_in_order_then_the_rules_newest_first(
    make_topic, make_article, make_stock
):
    """The editors' order leads; the rules fill in behind it without repeats."""
    nio = make_stock(106, "NIO", "蔚来")
    old_pick = make_article(title="精选旧文", published_at=_hours_ago(48))
    second_pick = make_article(title="精选二", tags=["新能源"], published_at=_hours_ago(30))
    by_tag = make_article(title="按标签", tags=["新能源"], published_at=_hours_ago(3))
    by_stock = make_article(title="按证券", stocks=[nio], published_at=_hours_ago(2))
    both = make_article(title="两条规则都符合", tags=["新能源"], stocks=[nio])
    make_article(title="无关", tags=["白酒"])
    topic = make_topic(articles=[old_pick, second_pick], tags=["新能源"], stocks=[nio])

    assert listings.chosen(topic) == [old_pick, second_pick]
    rest = list(listings.matching(Article.objects.published(), topic))
    assert rest == [both, by_stock, by_tag]
    feed = list(listings.collected(Article.objects.published(), topic))
    assert feed == [both, by_stock, by_tag, second_pick, old_pick]


def test_drafts_and_scheduled_articles_never_show_whether_chosen_or_matched(
    make_topic, make_article, draft, scheduled
):
    """Only Article.objects.published() is public, in a 专题 as everywhere."""
    topic = make_topic(articles=[draft, scheduled], tags=["草稿标签", "定时标签"])
    assert listings.chosen(topic) == []
    assert list(listings.matching(Article.objects.published(), topic)) == []
    assert list(listings.collected(Article.objects.published(), topic)) == []
    services.topic_save(topic=topic, articles=[draft])
    draft.status = Article.Status.PUBLISHED
    draft.save()
    assert listings.chosen(topic) == [draft]


def test_a_chosen_article_given_twice_keeps_its_first_place(make_topic, make_article):
    first, second = make_article(), make_article()
    topic = make_topic(articles=[second, first, second])
    assert list(topic.entries.values_list("article_id", "position")) == [
        (second.pk, 0),
        (first.pk, 1),
    ]


def test_a_save_made_from_an_older_version_is_refused_and_changes_nothing(make_topic):
    """Two editors, one 专题: the second save must not silently undo the first."""
    topic = make_topic("美联储")
    stale = Topic.objects.get(pk=topic.pk)
    topic.title = "美联储议息"
    services.topic_save(topic=topic, expected_version=1)
    stale.title = "旧标题覆盖"
    with pytest.raises(services.StaleTopic):
        services.topic_save(topic=stale, expected_version=1)
    assert Topic.objects.get(pk=topic.pk).title == "美联储议息"


def test_a_menu_item_points_at_exactly_one_existing_page(make_topic, category):
    topic = make_topic()
    for item, field in [
        (NavItem(), None),
        (NavItem(category=category, topic=topic), None),
        (NavItem(path="/stocks/"), "label"),
        (NavItem(label="外站", path="https://example.com/"), "path"),
        (NavItem(label="后台", path="/admin/"), "path"),
        (NavItem(label="不存在", path="/no-such-page/x/"), "path"),
    ]:
        with pytest.raises(ValidationError) as error:
            item.full_clean()
        if field:
            assert field in error.value.message_dict, item
    NavItem(label="热门证券", path="/stocks/").full_clean()
    NavItem(label="新能源", path="/tag/新能源/").full_clean()


def test_without_items_the_menu_is_every_section_in_its_own_order(make_category):
    """Nothing set by editors: the menu is what it always was."""
    later = make_category(name="财联社", slug="cailianshe", position=20)
    first = make_category(name="证券日报", slug="zhengquanribao", position=10)
    assert [(i.label, i.url) for i in navigation.menu_items()] == [
        (first.name, "/category/zhengquanribao/"),
        (later.name, "/category/cailianshe/"),
    ]


def test_the_menu_follows_the_editors_order_and_leaves_out_hidden_items(
    make_category, make_topic, django_assert_num_queries
):
    section = make_category(name="证券日报", slug="zhengquanribao")
    topic = make_topic("半导体")
    NavItem.objects.create(category=section, position=30)
    NavItem.objects.create(topic=topic, position=10)
    NavItem.objects.create(label="🔥热门证券", path="/stocks/", position=20)
    NavItem.objects.create(label="隐藏", path="/tags/", position=5, visible=False)
    with django_assert_num_queries(1):
        menu = navigation.menu_items()
    assert [(i.label, i.url) for i in menu] == [
        ("半导体", topic.get_absolute_url()),
        ("🔥热门证券", "/stocks/"),
        ("证券日报", "/category/zhengquanribao/"),
    ]
    assert menu[0].topic_slug == topic.slug and menu[2].category_slug == "zhengquanribao"


def test_the_first_menu_item_keeps_the_sections_readers_know(make_category, make_topic):
    """Adding a 专题 to the menu must not make every section vanish from it."""
    one = make_category(name="证券日报", slug="zhengquanribao", position=1)
    two = make_category(name="财联社", slug="cailianshe", position=2)
    topic = make_topic("美联储")
    assert services.nav_item_save(item=NavItem(topic=topic, position=15)) is True
    assert [i.label for i in navigation.menu_items()] == ["证券日报", "美联储", "财联社"]
    assert NavItem.objects.get(category=one).position == 10
    assert NavItem.objects.get(category=two).position == 20
    assert services.nav_item_save(item=NavItem(label="证券", path="/stocks/")) is False
