"""Search that knows securities: every way a Chinese investor names one leads to its page,
offered before the articles; and the suggestions the search boxes offer as one types."""

import json
import re

import pytest
from django.urls import reverse
from django.utils.html import escape

from articles.models import Article
from search.securities import named_securities
from search.suggest import suggestions
from topics.models import Topic

SEARCH_URL = reverse("search:search")
SUGGEST_URL = reverse("search:suggest")


@pytest.fixture
def market(make_stock, make_article):
    """Securities of every kind, each mentioned by a published article (so each has a
    public page), and one only a draft mentions."""
    stocks = {
        "moutai": make_stock(1, "600519", "贵州茅台"),
        "tencent": make_stock(116, "00700", "腾讯控股"),
        "nio": make_stock(106, "NIO", "蔚来"),
        "gem": make_stock(0, "399006", "创业板指"),
        "sse": make_stock(1, "000001", "上证指数"),
        "pingan": make_stock(0, "000001", "平安银行"),
        "secret": make_stock(0, "300999", "保密科技"),
    }
    for key, stock in stocks.items():
        if key != "secret":
            make_article(title=f"{stock.name}最新消息", stocks=[stock])
    make_article(title="未发布的稿件", status=Article.Status.DRAFT, stocks=[stocks["secret"]])
    return stocks


def offered(client, q) -> list[str]:
    """The stock pages the results page offers, in order (before any article)."""
    html = client.get(SEARCH_URL, {"q": q}).content.decode()
    box = re.search(r'<section class="search-securities".*?</section>', html, re.S)
    return re.findall(r'class="security-link" href="([^"]+)"', box[0]) if box else []


MOUTAI_FORMS = [
    *("600519", "sh600519", "SH600519", "600519.SH", "1.600519"),
    *("贵州茅台", "茅台", "gzmt"),
]


@pytest.mark.parametrize("q", MOUTAI_FORMS)
def test_every_way_of_naming_moutai_offers_its_stock_page_first(client, market, q):
    """Readers type codes with exchange prefixes or suffixes, names, short names and pinyin."""
    assert offered(client, q) == ["/stock/1.600519/"]


@pytest.mark.parametrize(
    ("q", "page"),
    [
        ("00700", "/stock/116.00700/"),
        ("0700.HK", "/stock/116.00700/"),
        ("700", "/stock/116.00700/"),
        ("腾讯", "/stock/116.00700/"),
        ("NIO", "/stock/106.NIO/"),
        ("nio", "/stock/106.NIO/"),
        ("蔚来", "/stock/106.NIO/"),
        ("399006", "/stock/0.399006/"),
        ("创业板指", "/stock/0.399006/"),
        ("上证指数", "/stock/1.000001/"),
    ],
)
def test_hong_kong_us_and_index_forms_lead_to_their_pages(client, market, q, page):
    assert offered(client, q) == [page]


@pytest.mark.parametrize("q", ["sh600519", "600519.SH", "1.600519", "SH600519"])
def test_a_prefixed_code_finds_the_articles_mentioning_the_security(client, market, q):
    """Articles are indexed with the bare code: sh600519 must not answer "nothing found"."""
    html = client.get(SEARCH_URL, {"q": q}).content.decode()
    assert "贵州茅台最新消息" in html
    assert f"（{escape(q)} 即证券代码 600519）" in html
    assert f'value="{escape(q)}"' in html  # the box keeps what the reader typed


def test_an_ambiguous_code_offers_every_security_with_it(client, market):
    """000001 is 平安银行 in Shenzhen and 上证指数 in Shanghai: the reader picks."""
    assert set(offered(client, "000001")) == {"/stock/0.000001/", "/stock/1.000001/"}
    assert offered(client, "sh000001") == ["/stock/1.000001/"]


def test_the_security_comes_before_the_articles_and_reads_as_a_person_says_it(client, market):
    html = client.get(SEARCH_URL, {"q": "sh600519"}).content.decode()
    text = re.sub(r"<[^>]+>", "", html)
    assert "证券：贵州茅台 600519" in text
    assert html.index("search-securities") < html.index('class="list search-results"')


def test_at_most_three_securities_are_offered(client, make_stock, make_article):
    for n in range(6):
        make_article(stocks=[make_stock(0, f"00000{n + 2}", f"测试银行{n}")])
    assert len(offered(client, "测试银行")) == 3


def test_a_security_only_drafts_mention_is_never_offered(client, market):
    """Its page answers 404: search must not reveal that unpublished work names it."""
    assert offered(client, "300999") == [] and offered(client, "保密科技") == []
    html = client.get(SEARCH_URL, {"q": "保密"}).content.decode()
    assert "保密科技" not in html


def test_a_query_naming_no_security_shows_articles_only(client, market):
    assert offered(client, "最新消息") == []
    assert "search-securities" not in client.get(SEARCH_URL).content.decode()


def test_later_pages_do_not_repeat_the_securities(client, market, make_article):
    for _ in range(21):
        make_article(title="茅台相关报道", stocks=[market["moutai"]])
    html = client.get(SEARCH_URL, {"q": "茅台", "page": 2}).content.decode()
    assert "search-securities" not in html


def test_named_securities_is_one_query(market, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert [s.symbol for s in named_securities("gzmt")] == ["1.600519"]


# ---------------------------------------------------------------------------------------------
# Suggestions


def suggest(client, q):
    response = client.get(SUGGEST_URL, {"q": q})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    return response, json.loads(response.content)


def test_suggestions_list_securities_tags_and_topics_with_their_pages(client, market, make_article):
    make_article(title="光伏板块", tags=["光伏"])
    Topic.objects.create(title="光伏产业链")
    _, data = suggest(client, "gf")
    assert data["q"] == "gf"
    tag_page = reverse("articles:tag", args=["光伏"])
    tag = {"kind": "tag", "kind_label": "标签", "label": "光伏", "detail": "", "url": tag_page}
    assert tag in data["suggestions"]
    _, data = suggest(client, "光伏")
    assert [s["kind"] for s in data["suggestions"]] == ["tag", "topic"]
    assert data["suggestions"][1]["label"] == "光伏产业链"
    assert data["suggestions"][1]["url"] == Topic.objects.get().get_absolute_url()
    _, data = suggest(client, "gzmt")
    assert data["suggestions"][0] == {
        "kind": "security",
        "kind_label": "证券",
        "label": "贵州茅台",
        "detail": "600519 · 上交所",
        "url": "/stock/1.600519/",
    }


def test_topics_are_found_by_the_pinyin_of_their_address(client, db):
    Topic.objects.create(title="新能源汽车")
    _, data = suggest(client, "xinneng")
    assert [s["label"] for s in data["suggestions"]] == ["新能源汽车"]


def test_suggestions_offer_only_what_has_a_public_page(client, market, make_article):
    """Tags and securities only drafts carry would lead to a 404 and reveal the draft."""
    make_article(title="草稿", status=Article.Status.DRAFT, tags=["秘密标签"])
    for q in ("保密", "300999", "bmkj", "秘密"):
        _, data = suggest(client, q)
        assert data["suggestions"] == [], q


def test_suggestions_are_cacheable_for_a_minute(client, market):
    response, _ = suggest(client, "茅台")
    control = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"public", "max-age=60"} <= control


def test_suggestions_cost_a_bounded_number_of_queries(
    client, market, make_article, make_stock, django_assert_max_num_queries
):
    for n in range(30):
        make_article(tags=[f"银行{n}"], stocks=[make_stock(0, f"6010{n:02d}", f"银行股{n}")])
    Topic.objects.create(title="银行专题")
    # Securities, tags, topics (and the session-free request costs nothing else).
    with django_assert_max_num_queries(3):
        _, data = suggest(client, "银行")
    kinds = [s["kind"] for s in data["suggestions"]]
    assert kinds.count("security") == 5 and kinds.count("tag") == 5 and kinds.count("topic") == 1


def test_a_second_ask_for_the_same_letters_is_answered_from_the_cache(
    client, market, django_assert_num_queries
):
    suggest(client, "gzmt")
    with django_assert_num_queries(0):
        _, data = suggest(client, "gzmt")
    assert data["suggestions"][0]["label"] == "贵州茅台"


@pytest.mark.parametrize(
    "q", ["", "   ", "x" * 5000, "📈🚀", "%", "_", "\\", "'\"<script>", "\x00茅台", "1.", "SH"]
)
def test_odd_queries_never_fail(client, market, q):
    response, data = suggest(client, q)
    assert isinstance(data["suggestions"], list)
    assert "<" not in response.content.decode()
    assert data["q"] == "".join(ch for ch in " ".join(q.split()) if ch.isprintable())[:100]


def test_suggestions_need_no_query_parameter_and_refuse_writes(client, db):
    assert json.loads(client.get(SUGGEST_URL).content) == {"q": "", "suggestions": []}
    assert client.post(SUGGEST_URL, {"q": "x"}).status_code == 405


def test_suggestions_for_a_query_naming_nothing_are_empty(client, market):
    assert suggestions("完全无关") == []


def test_both_search_boxes_carry_the_suggestion_address_and_the_script(client, market):
    """Without the script the forms are plain GET forms; with it they know where to ask."""
    html = client.get(SEARCH_URL, {"q": "茅台"}).content.decode()
    assert html.count(f'data-suggest-url="{escape(SUGGEST_URL)}"') == 2
    assert "js/search-suggest.js" in html
    assert 'action="/search/"' in html and 'name="q"' in html


# ---------------------------------------------------------------------------------------------
# With the page cache on


@pytest.fixture
def page_cache(settings):
    settings.NEWSROOM_PAGE_CACHE = True
    settings.NEWSROOM_FRAGMENT_CACHE = True


def test_a_renamed_security_is_renamed_on_cached_results_pages(client, market, page_cache, write):
    """The offered security is part of the page: renaming it purges the pages showing it."""
    assert client.get(SEARCH_URL, {"q": "600519"})["X-Page-Cache"] == "miss"
    assert client.get(SEARCH_URL, {"q": "600519"})["X-Page-Cache"] == "hit"
    moutai = market["moutai"]
    moutai.name = "贵州茅台酒"
    write(moutai.save)
    response = client.get(SEARCH_URL, {"q": "600519"})
    assert response["X-Page-Cache"] == "miss"
    assert "贵州茅台酒" in response.content.decode()


def test_a_security_whose_last_article_is_unpublished_leaves_cached_results(
    client, market, page_cache, write
):
    """Its page now answers 404: a cached results page must not keep linking it."""
    assert offered(client, "NIO") == ["/stock/106.NIO/"]
    article = Article.objects.get(title="蔚来最新消息")
    article.status = Article.Status.DRAFT
    write(article.save)
    assert offered(client, "NIO") == []


def test_the_page_cache_leaves_suggestions_to_their_own_minute(client, market, page_cache):
    """They carry their own s-maxage (pagecache/middleware.py _storable): no purge names
    every query's suggestions, so they expire by time instead."""
    for _ in range(2):
        response, _ = suggest(client, "茅台")
        assert "X-Page-Cache" not in response
        assert "s-maxage=60" in response["Cache-Control"]
