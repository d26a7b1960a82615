"""What the API answers: its fields, the filters, and the cost of a page."""

from datetime import datetime

import pytest
from django.contrib.auth import get_user_model

from articles import chinatime
from articles.models import Article, Profile

ARTICLES = "/api/v1/articles/"


def titles(data):
    return [item["title"] for item in data["results"]]


def test_an_article_has_absolute_urls_china_times_and_its_section_tags_and_stocks(
    get_json, make_article, make_stock
):
    """Apps show these fields as they are: they must be complete and absolute."""
    moutai = make_stock(1, "600519", "贵州茅台")
    article = make_article(
        title="茅台一季度营收增长",
        tags=["白酒"],
        stocks=[moutai],
        published_at=datetime(2024, 5, 1, 9, 30, 15, 123456, tzinfo=chinatime.CHINA),
        source_name="证券日报",
    )
    _, data = get_json(ARTICLES)
    (item,) = data["results"]
    assert item["id"] == article.pk
    assert item["url"] == f"http://testserver/article/{article.slug}/"
    assert item["api_url"] == f"http://testserver/api/v1/articles/{article.pk}/"
    assert item["published_at"] == "2024-05-01T09:30:15+08:00"
    assert item["updated_at"].endswith("+08:00")
    assert item["section"] == {
        "slug": "zhengquanribao",
        "name": "证券日报",
        "url": "http://testserver/category/zhengquanribao/",
    }
    assert [tag["name"] for tag in item["tags"]] == ["白酒"]
    assert item["tags"][0]["url"].startswith("http://testserver/tag/")
    (stock,) = item["stocks"]
    assert stock["symbol"] == "1.600519" and stock["name"] == "贵州茅台"
    assert stock["url"] == "http://testserver/stock/1.600519/"
    assert stock["articles_api_url"] == "http://testserver/api/v1/stocks/1.600519/articles/"
    assert item["source"] == "证券日报"
    assert "body_html" not in item and "body_source" not in item


def test_the_detail_has_the_sanitized_body_with_absolute_links_and_never_the_source(
    get_json, make_article
):
    """Partners show the body away from this site; what was typed stays in the admin."""
    article = make_article(
        body_source=(
            '<p onclick="steal()">正文<script>alert(1)</script>'
            '<a href="/article/other/">相关</a><img src="/media/covers/a.jpg" alt="图">'
            '<a href="//cdn.example.com/x">外站</a></p>'
        )
    )
    _, data = get_json(f"{ARTICLES}{article.pk}/")
    html = data["body_html"]
    assert "script" not in html and "onclick" not in html
    assert 'href="http://testserver/article/other/"' in html
    assert 'src="http://testserver/media/covers/a.jpg"' in html
    assert 'href="//cdn.example.com/x"' in html
    assert "body_source" not in data


def test_bylines_are_the_published_names_never_login_names(get_json, make_article, desk):
    """A login name is half of a credential; feeds and pages never show it, nor does the API."""
    reporter = get_user_model().objects.create_user(
        "zhang_login", password="pw-x-12345", first_name="三", last_name="张"
    )
    Profile.objects.create(user=desk, display_name="李编辑")
    article = make_article(author=reporter)
    Article.objects.filter(pk=article.pk).update(published_by=desk)
    response, data = get_json(f"{ARTICLES}{article.pk}/")
    assert data["byline"] == "张三" and data["editor"] == "李编辑"
    body = response.content.decode()
    assert "zhang_login" not in body and '"desk"' not in body


def test_flashes_are_the_7x24_section_with_their_red_mark(get_json, make_article, flash_section):
    make_article(title="普通文章")
    make_article(category=flash_section, title="快讯：降准", important=True)
    _, data = get_json("/api/v1/flashes/")
    assert titles(data) == ["快讯：降准"]
    assert data["results"][0]["important"] is True


def test_sections_come_in_menu_order_and_name_the_flash_section(
    get_json, make_category, flash_section
):
    make_category(name="后面", slug="later", position=200)
    make_category(name="前面", slug="first", position=1)
    _, data = get_json("/api/v1/sections/")
    assert [s["slug"] for s in data] == ["first", "emnews", "later"]
    assert [s["is_flash"] for s in data] == [False, True, False]
    _, one = get_json("/api/v1/sections/first/")
    assert one["articles_api_url"] == "http://testserver/api/v1/articles/?section=first"


def test_filters_by_section_tag_and_stock_combine(
    get_json, make_article, make_category, make_stock
):
    other = make_category(name="公司", slug="company")
    moutai = make_stock(1, "600519", "贵州茅台")
    make_article(title="甲", tags=["白酒"], stocks=[moutai])
    make_article(title="乙", tags=["白酒"])
    make_article(title="丙", category=other, tags=["白酒"], stocks=[moutai])
    assert set(titles(get_json(ARTICLES, tag="白酒")[1])) == {"甲", "乙", "丙"}
    assert set(titles(get_json(ARTICLES, stock="1.600519")[1])) == {"甲", "丙"}
    assert titles(get_json(ARTICLES, section="company", tag="白酒")[1]) == ["丙"]
    assert titles(get_json(ARTICLES, section="zhengquanribao", stock="1.600519")[1]) == ["甲"]
    assert titles(get_json("/api/v1/tags/白酒/articles/", section="company")[1]) == ["丙"]
    assert set(titles(get_json("/api/v1/stocks/1.600519/articles/")[1])) == {"甲", "丙"}


def test_the_date_range_is_china_days(get_json, make_article):
    """07:30 on 2 May in Beijing is 1 May in UTC: readers and the API call it 2 May."""
    make_article(
        title="五一晚上", published_at=datetime(2024, 5, 1, 23, 30, tzinfo=chinatime.CHINA)
    )
    make_article(title="五二早上", published_at=datetime(2024, 5, 2, 7, 30, tzinfo=chinatime.CHINA))
    make_article(title="四月", published_at=datetime(2024, 4, 30, 12, 0, tzinfo=chinatime.CHINA))
    day = {"published_after": "2024-05-01", "published_before": "2024-05-01"}
    assert titles(get_json(ARTICLES, **day)[1]) == ["五一晚上"]
    assert titles(get_json(ARTICLES, published_after="2024-05-02")[1]) == ["五二早上"]
    assert titles(get_json(ARTICLES, published_before="2024-04-30")[1]) == ["四月"]
    # A moment, with its offset, counts itself; "+" unencoded arrives as a space.
    moment = {"published_after": "2024-05-01T23:30:00+08:00"}
    assert titles(get_json(ARTICLES, **moment)[1]) == ["五二早上", "五一晚上"]
    response = get_json(f"{ARTICLES}?published_before=2024-05-01T23:30:00+08:00")[1]
    assert titles(response) == ["五一晚上", "四月"]
    assert titles(get_json(ARTICLES, published_after="2024-05-01T15:30:00Z")[1]) == [
        "五二早上",
        "五一晚上",
    ]


@pytest.mark.parametrize(
    "params, field, words",
    [
        ({"published_after": "昨天"}, "published_after", "不是日期或时间"),
        ({"published_before": "2024-13-45"}, "published_before", "不是日期或时间"),
        ({"published_after": "1900-01-01T00:00:00"}, "published_after", "1970 至 2099"),
        ({"section": "nowhere"}, "section", "没有这个栏目"),
        ({"tag": "没有的标签"}, "tag", "没有这个标签"),
        ({"stock": "600519"}, "stock", "1.600519"),
        ({"stock": "1.12"}, "stock", "写法不对"),
        ({"stock": "0.000001"}, "stock", "没有这只证券的文章"),
    ],
)
def test_a_bad_filter_is_a_400_in_chinese_naming_the_parameter(
    get_json, make_article, params, field, words
):
    """A typo must not look like "no articles": the client is told what was wrong."""
    make_article()
    _, data = get_json(ARTICLES, expect=400, **params)
    assert words in data[field][0]


def test_a_filter_a_list_does_not_take_is_refused_not_ignored(
    get_json, make_article, flash_section
):
    make_article(category=flash_section, tags=["白酒"])
    _, data = get_json("/api/v1/flashes/", expect=400, section="zhengquanribao")
    assert "不能按 section 筛选" in data["section"][0]
    assert get_json("/api/v1/tags/白酒/articles/", expect=400, tag="白酒")[1]["tag"]


def test_search_needs_a_query_and_finds_like_the_site(get_json, make_article):
    make_article(title="光伏产业链价格回升")
    make_article(title="白酒")
    _, data = get_json("/api/v1/search/", expect=400)
    assert "搜索词" in data["q"][0]
    assert titles(get_json("/api/v1/search/", q="光伏")[1]) == ["光伏产业链价格回升"]


def test_unknown_ids_tags_and_stocks_are_404_in_chinese(get_json, make_article):
    make_article()
    for path in (f"{ARTICLES}999999/", "/api/v1/tags/nothing/", "/api/v1/stocks/1.600000/"):
        assert get_json(path, expect=404)[1] == {"detail": "没有找到。"}
    _, data = get_json(ARTICLES, expect=404, cursor="garbage")
    assert "cursor" in data["detail"]


def test_the_index_names_every_endpoint(get_json):
    _, data = get_json("/api/v1/")
    assert data["flashes"] == "http://testserver/api/v1/flashes/"
    assert set(data) >= {"articles", "sections", "tags", "stocks", "search", "schema", "docs"}


def test_writes_are_refused(client, make_article):
    """Read-only: nothing may be written through the API."""
    article = make_article()
    for method in ("post", "put", "patch", "delete"):
        response = getattr(client, method)(f"{ARTICLES}{article.pk}/")
        assert response.status_code in (403, 405)
    assert Article.objects.filter(pk=article.pk).exists()


# --- Cost -------------------------------------------------------------------------------


@pytest.fixture
def busy_archive(make_article, make_stock, flash_section, desk):
    stocks = [make_stock(1, f"60000{n}", f"股票{n}") for n in range(3)]
    Profile.objects.create(user=desk, display_name="李编辑")
    for n in range(25):
        make_article(tags=[f"标签{n % 4}", "通用"], stocks=stocks[: n % 4], author=desk)
        make_article(category=flash_section, tags=["通用"], stocks=stocks[:1], author=desk)
    # 责任编辑 too (set as the publish service would), so the page reads both people.
    Article.objects.update(published_by=desk)


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/articles/?page_size=100",
        "/api/v1/articles/?tag=通用&stock=1.600000&section=zhengquanribao",
        "/api/v1/flashes/?page_size=50",
        "/api/v1/tags/通用/articles/?page_size=50",
        "/api/v1/stocks/1.600000/articles/?page_size=50",
        "/api/v1/search/?q=文章&page_size=50",
        "/api/v1/tags/",
        "/api/v1/stocks/",
        "/api/v1/sections/",
    ],
)
def test_a_page_costs_the_same_few_queries_whatever_its_size(
    client, busy_archive, django_assert_max_num_queries, path
):
    # Filters look up what they name (section, tag, security) and how common it is.
    with django_assert_max_num_queries(14):
        response = client.get(path)
    assert response.status_code == 200
    assert response.json()


def test_the_detail_costs_a_few_queries(client, busy_archive, django_assert_max_num_queries):
    article = Article.objects.published().first()
    with django_assert_max_num_queries(8):
        assert client.get(f"{ARTICLES}{article.pk}/").status_code == 200
