"""Site search: what it finds, what it must never show, how it ranks, and that it uses an index.

Everything runs on the real database (SQLite's FTS5 table or PostgreSQL's pg_trgm index),
through the same model writes editors and the importer use.
"""

import re
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from taggit.models import Tag

from articles.models import Article, ArticleStock
from legacy.importer import import_posts
from search import query as search_module
from search.index import rebuild_index, update_index
from search.query import SearchResults, highlight, parse_query
from search.schema import BIGRAM_TABLE, ID_MASK, KEY_TABLE, MAX_QUERY_LENGTH, TABLE, bigrams
from tests.search.oracle import plans, search_articles

SEARCH_URL = reverse("search:search")
SAMPLE_DIR = Path(__file__).resolve().parents[2] / "sample_posts"


def search(client, q, **params):
    response = client.get(SEARCH_URL, {"q": q, **params})
    assert response.status_code == 200
    return response


def found_titles(q):
    """The titles search finds for `q`; the page's path must agree with the reference."""
    reference = [article.title for article in search_articles(q)]
    assert [article.title for article in SearchResults(q)] == reference, q
    return reference


def index_row_count(article_id=None):
    # On SQLite the FTS5 rowid is the sort key: the low ID_BITS bits are the article id.
    id_column = f"rowid & {ID_MASK}" if connection.vendor == "sqlite" else "article_id"
    with connection.cursor() as cursor:
        if article_id is None:
            cursor.execute(f"SELECT COUNT(*) FROM {TABLE}")
        else:
            cursor.execute(f"SELECT COUNT(*) FROM {TABLE} WHERE {id_column} = %s", [article_id])
        return cursor.fetchone()[0]


# ---------------------------------------------------------------------------------------------
# What is searched


@pytest.mark.parametrize(
    ("field", "query"),
    [
        ("title", "比亚迪刀片电池"),
        ("body", "固态电池量产"),
        ("tag", "新能源车"),
        ("source", "上海证券报"),
        ("stock code", "600519"),
        ("stock name", "贵州茅台"),
    ],
)
def test_search_finds_an_article_by_each_indexed_field(make_article, make_stock, field, query):
    """Readers search by headline, body words, tag, source and security, so all must hit."""
    make_article(
        title="比亚迪刀片电池新进展",
        body_source="<p>公司表示<strong>固态电池量产</strong>将提速。</p>",
        tags=["新能源车"],
        source_name="上海证券报",
        stocks=[make_stock(1, "600519", "贵州茅台")],
    )
    make_article(title="无关的新闻", body_source="<p>别的内容</p>")
    assert found_titles(query) == ["比亚迪刀片电池新进展"], field


def test_a_chinese_substring_finds_the_longer_word(client, make_article):
    """Chinese has no spaces: 蔚来 must find 蔚来汽车, both below and above trigram length."""
    make_article(title="蔚来汽车一月交付量创新高")
    make_article(title="理想汽车发布财报")
    assert found_titles("蔚来") == ["蔚来汽车一月交付量创新高"]
    assert found_titles("来汽车") == ["蔚来汽车一月交付量创新高"]
    html = search(client, "蔚来").content.decode()
    assert "<mark>蔚来</mark>汽车一月交付量创新高" in html and "理想汽车" not in html


@pytest.mark.parametrize("query", ["茅台", "茅"])
def test_one_and_two_character_queries_work_below_the_trigram_limit(make_article, query):
    """Trigram indexes cannot match short terms, so the fallback must still be exact."""
    make_article(title="茅台一季度净利润增长", body_source="<p>白酒板块走强。</p>")
    make_article(title="五粮液发布新品", body_source="<p>白酒板块走强。</p>")
    assert found_titles(query) == ["茅台一季度净利润增长"]


def test_two_character_words_match_inside_longer_runs_of_any_script(make_article):
    """The bigram index holds every adjacent pair of letters or digits: a two-character
    word is found inside a longer word, in any case, and never across punctuation."""
    make_article(title="OpenAI发布新模型", body_source="<p>5G基站</p>")
    make_article(title="白酒，茅台", body_source="<p>酒，茅</p>")
    assert found_titles("ai") == ["OpenAI发布新模型"] and found_titles("AI") == ["OpenAI发布新模型"]
    assert found_titles("5g") == ["OpenAI发布新模型"]
    assert found_titles("酒茅") == []  # only "酒，茅" with a comma between
    assert found_titles("茅台") == ["白酒，茅台"]


def test_bigrams_are_the_distinct_pairs_within_runs_of_letters_and_digits():
    assert set(bigrams("AI芯片，5G 芯片_x").split()) == {"ai", "i芯", "芯片", "5g"}
    assert bigrams("。，a b") == ""


def test_a_new_publication_time_moves_the_article_in_the_results(make_article):
    """The sort key holds the publication time: changing it re-keys the index row."""
    now = timezone.now()
    older = make_article(title="光伏旧闻", published_at=now - timedelta(days=2))
    make_article(title="光伏新闻", published_at=now - timedelta(days=1))
    assert found_titles("光伏") == ["光伏新闻", "光伏旧闻"]
    older.published_at = now - timedelta(hours=1)
    older.save()
    assert found_titles("光伏") == ["光伏旧闻", "光伏新闻"]
    older.status = Article.Status.DRAFT
    older.save()
    assert found_titles("光伏") == ["光伏新闻"]


def test_every_term_must_match_mixing_short_and_long_terms(make_article):
    """Several words narrow the search (AND), whichever path each term takes."""
    make_article(title="蔚来发布财报", body_source="<p>交付量大增</p>")
    make_article(title="蔚来换电站", body_source="<p>布局加速</p>")
    assert found_titles("蔚来 交付量") == ["蔚来发布财报"]
    assert found_titles("蔚来\u3000交付量") == ["蔚来发布财报"]  # full-width space from an IME


def test_latin_search_ignores_case(make_article):
    """Stock tickers and English names are typed in any case."""
    make_article(title="Tesla Model Y 降价")
    assert found_titles("tesla") == ["Tesla Model Y 降价"]
    assert found_titles("MODEL y") == ["Tesla Model Y 降价"]


@pytest.mark.parametrize("query", ["%", "_", "\\", '"', '"蔚来', "NEAR(a b)", "a OR b", "* AND"])
def test_wildcards_and_query_syntax_in_the_query_are_plain_text(client, make_article, query):
    """LIKE wildcards and FTS operators typed by a reader must neither match everything nor 500."""
    make_article(title="普通新闻", body_source="<p>正文</p>")
    assert found_titles(query) == []
    search(client, query)


# ---------------------------------------------------------------------------------------------
# Ranking, paging, highlighting, echoing


def test_title_matches_rank_first_then_newest(make_article):
    """A headline about the subject beats a passing mention, and news is fresher first."""
    now = timezone.now()
    make_article(
        title="旧的正文提及", body_source="<p>宁德时代</p>", published_at=now - timedelta(3)
    )
    make_article(
        title="新的正文提及", body_source="<p>宁德时代</p>", published_at=now - timedelta(1)
    )
    make_article(title="宁德时代旧标题", published_at=now - timedelta(4))
    make_article(title="宁德时代新标题", published_at=now - timedelta(2))
    results = list(search_articles("宁德时代"))
    assert [a.title for a in results] == [
        "宁德时代新标题",
        "宁德时代旧标题",
        "新的正文提及",
        "旧的正文提及",
    ]
    assert [a.title_match for a in results] == [True, True, False, False]


def test_pagination_keeps_the_query_in_page_links(client, make_article):
    """Page 2 of a search must still be that search, with q safely urlencoded."""
    q = "光伏 A&B"
    for i in range(25):
        make_article(title=f"光伏新闻{i}", body_source="<p>A&amp;B 组件</p>")
    first = search(client, q).content.decode()
    assert first.count('class="item"') == 20
    assert "找到 25 篇" in first
    assert f'href="?q={quote(q, safe="")}&amp;page=2"' in first
    second = search(client, q, page=2).content.decode()
    assert second.count('class="item"') == 5
    assert f'href="?q={quote(q, safe="")}&amp;page=1"' in second


def test_matches_are_highlighted_in_the_title_and_a_body_snippet(client, make_article):
    """Readers see at a glance why a result matched."""
    make_article(
        title="蔚来汽车发布新车",
        body_source="<p>" + "开头的铺垫文字。" * 20 + "这次蔚来推出了新款车型。</p>",
    )
    html = search(client, "蔚来").content.decode()
    assert '<a href="/article/' in html
    assert "<mark>蔚来</mark>汽车发布新车" in html
    snippet = re.search(r'<p class="excerpt">(.*?)</p>', html, re.S)[1]
    assert snippet.startswith("…") and "这次<mark>蔚来</mark>推出了新款车型" in snippet


def test_highlighting_escapes_the_article_text_before_marking(make_article):
    """Stored text is data, not markup: only our <mark> may reach the page unescaped."""
    marked = highlight('<img src=x onerror="alert(1)">蔚来', ["蔚来", "img"])
    assert marked == "&lt;<mark>img</mark> src=x onerror=&quot;alert(1)&quot;&gt;<mark>蔚来</mark>"


def test_html_in_the_query_is_escaped_everywhere_it_is_echoed(client, make_article):
    """A crafted search link must not run script in a reader's browser."""
    make_article(title="普通新闻")
    html = search(client, "<script>alert(1)</script>").content.decode()
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<title>搜索：&lt;script&gt;alert(1)&lt;/script&gt; - 财经新闻网</title>" in html


def test_a_matching_query_with_markup_is_escaped_in_the_highlight(client, make_article):
    """Even when the query's markup matches stored text, the result shows text, not tags."""
    make_article(title="关于<b>加粗</b>的标题")
    html = search(client, "<b>加粗</b>").content.decode()
    assert "<mark>&lt;b&gt;加粗&lt;/b&gt;</mark>" in html
    assert "<b>加粗" not in html


@pytest.mark.parametrize("q", ["", "   ", "\u3000", None])
def test_an_empty_query_shows_the_search_form_without_results(client, make_article, q):
    """Opening /search/ from the footer shows a form, not an error or the whole archive."""
    make_article(title="任何文章")
    response = client.get(SEARCH_URL, {} if q is None else {"q": q})
    html = response.content.decode()
    assert response.status_code == 200
    assert re.search(r'<label for="search-page-q">[^<]+</label>', html)
    assert '<input id="search-page-q" type="search" name="q"' in html
    assert "<title>搜索 - 财经新闻网</title>" in html
    assert "search-results" not in html and "任何文章" not in html


def test_a_thousand_character_query_is_answered_not_a_500(client, make_article):
    """Oversized input is cut to a sane length and a bounded number of terms."""
    make_article(title="蔚来新闻")
    html = search(client, "蔚来" * 500).content.decode()
    assert "没有找到相关文章" in html
    words = " ".join(f"词{i}" for i in range(400))
    search(client, words)
    text, terms = parse_query(words)
    assert len(text) <= MAX_QUERY_LENGTH and len(terms) <= 8


def test_control_characters_in_the_query_are_dropped(client, make_article):
    """A NUL byte would make PostgreSQL reject the query; readers never mean one."""
    make_article(title="蔚来新闻")
    assert "<mark>蔚来</mark>新闻" in search(client, "蔚\x00来").content.decode()


def test_the_results_page_has_a_search_title_and_the_query_in_the_header_box(client, make_article):
    """The tab title names the search, and the header box shows what was searched."""
    make_article(title="蔚来新闻")
    html = search(client, "  蔚来  ").content.decode()
    assert "<title>搜索：蔚来 - 财经新闻网</title>" in html
    assert 'name="q" value="蔚来"' in html
    assert "找到 1 篇" in html


# ---------------------------------------------------------------------------------------------
# Only what the public may see


def test_drafts_and_scheduled_articles_are_never_found(client, make_article, draft, scheduled):
    """Search must not become a side door to unpublished work."""
    make_article(title="公开的新闻")
    for q in (
        "DRAFTBODY",
        "SCHEDULEDBODY",
        "草稿标签",
        "定时标签",
        "尚未发布的独家新闻",
        "明天才发布",
    ):
        assert found_titles(q) == [], q
        html = search(client, q).content.decode()
        # The query itself is echoed; what must not appear is a result or its text.
        assert "找到 0 篇" in html and 'class="item"' not in html, q
        assert "secret-draft" not in html and "secret-scheduled" not in html, q


def test_a_scheduled_article_becomes_searchable_when_its_time_comes(make_article):
    """The public filter is applied at query time, so no reindex is needed at publish time."""
    make_article(
        title="定时发布的蔚来新闻", published_at=timezone.now() + timedelta(milliseconds=500)
    )
    assert found_titles("蔚来") == []
    time.sleep(0.6)  # nothing is written: only the clock moves
    assert found_titles("蔚来") == ["定时发布的蔚来新闻"]


def test_publishing_a_draft_makes_it_searchable(draft):
    """The index already holds the draft; publishing only changes what the query lets through."""
    assert found_titles("DRAFTBODY") == []
    draft.status = Article.Status.PUBLISHED
    draft.save()
    assert found_titles("DRAFTBODY") == [draft.title]


# ---------------------------------------------------------------------------------------------
# Keeping the index current


def test_an_edit_replaces_the_old_words_with_the_new(make_article):
    """A corrected headline or body must be found by its new text only."""
    article = make_article(title="小米汽车上市", body_source="<p>旧正文内容</p>")
    article.title = "华为汽车上市"
    article.body_source = "<p>新正文内容</p>"
    article.save()
    assert found_titles("小米") == [] and found_titles("旧正文") == []
    assert found_titles("华为") == ["华为汽车上市"] and found_titles("新正文") == ["华为汽车上市"]


def test_a_deleted_article_disappears_from_the_index(make_article):
    """Deleting a story removes it from search and leaves no orphan row behind."""
    article = make_article(title="将被删除的蔚来新闻", tags=["删除"], stocks=[])
    pk = article.pk
    assert index_row_count(pk) == 1
    article.delete()
    assert found_titles("蔚来") == []
    assert index_row_count(pk) == 0


def test_a_tag_added_later_is_found_and_a_removed_tag_is_not(make_article):
    """Editors tag stories after writing them; the tag is searchable at once."""
    article = make_article(title="普通新闻")
    article.tags.add("锂电池")
    assert found_titles("锂电池") == ["普通新闻"]
    article.tags.remove("锂电池")
    assert found_titles("锂电池") == []
    article.tags.set(["储能"])
    assert found_titles("储能") == ["普通新闻"]
    article.tags.clear()
    assert found_titles("储能") == []


def test_renaming_or_deleting_a_tag_updates_its_articles(make_article):
    """A tag edited in the admin changes the text of every article that carries it."""
    make_article(title="普通新闻", tags=["旧标签名"])
    tag = Tag.objects.get(name="旧标签名")
    tag.name = "新标签名"
    tag.save()
    assert found_titles("旧标签名") == [] and found_titles("新标签名") == ["普通新闻"]
    tag.delete()
    assert found_titles("新标签名") == []


def test_stocks_set_later_are_found_and_replaced_ones_are_not(make_article, make_stock):
    """set_stocks uses bulk_create (no signals), so it must update the index itself."""
    article = make_article(title="普通新闻")
    article.set_stocks([make_stock(116, "09866", "蔚来-SW")])
    assert found_titles("09866") == ["普通新闻"] and found_titles("蔚来-SW") == ["普通新闻"]
    article.set_stocks([make_stock(106, "NIO", "蔚来")])
    assert found_titles("09866") == [] and found_titles("106.NIO") == ["普通新闻"]
    article.set_stocks([])
    assert found_titles("NIO") == []


def test_stock_links_edited_one_by_one_and_stock_renames_update_the_index(make_article, make_stock):
    """The admin inline saves and deletes single links; a stock can be renamed."""
    article = make_article(title="普通新闻")
    stock = make_stock(0, "300750", "宁德时代")
    link = ArticleStock.objects.create(article=article, stock=stock)
    assert found_titles("300750") == ["普通新闻"]
    stock.name = "宁王"
    stock.save()
    assert found_titles("宁王") == ["普通新闻"] and found_titles("宁德时代") == []
    link.delete()
    assert found_titles("300750") == []


def test_imported_posts_are_indexed_through_the_normal_write_path(db):
    """The importer saves, tags and sets stocks like an editor, so its articles are searchable."""
    import_posts([SAMPLE_DIR])
    assert index_row_count() == Article.objects.count() > 0
    assert "央行开展千亿元逆回购操作 市场流动性保持合理充裕" in found_titles("逆回购")


def test_rebuild_index_restores_a_lost_index(make_article, make_stock):
    """A deploy or repair can rebuild everything from the articles alone."""
    make_article(title="蔚来新闻", tags=["新能源"], stocks=[make_stock(106, "NIO", "蔚来")])
    make_article(title="茅台新闻")
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE}")
        if connection.vendor == "sqlite":
            cursor.execute(f"DELETE FROM {KEY_TABLE}")
            cursor.execute(f"INSERT INTO {BIGRAM_TABLE} ({BIGRAM_TABLE}) VALUES ('delete-all')")
    assert found_titles("蔚来") == []
    assert rebuild_index() == 2
    assert found_titles("新能源") == ["蔚来新闻"] and found_titles("茅台") == ["茅台新闻"]
    assert update_index([]) == 0


# ---------------------------------------------------------------------------------------------
# Cost


def test_the_paged_results_keep_the_reference_order(make_article):
    """SearchResults reads tier by tier but must give exactly search_articles()'s order."""
    now = timezone.now()
    for i in range(12):
        title = ["光伏组件报价", "光伏 储能 双双走强", "储能电站", "其他新闻"][i % 4]
        make_article(
            title=f"{title}{i}",
            body_source="<p>光伏与储能的正文</p>",
            published_at=now - timedelta(hours=i),
        )
    # Every path: bigrams only, trigrams only, both, and a one-character LIKE term.
    for q in (
        "光伏",
        "光伏 储能",
        "储能 正文",
        "光伏组件 储能",
        "储能电站 正文",
        "光 储能",
        "没有的词",
    ):
        expected = [(a.pk, a.title_match) for a in search_articles(q)]
        results = SearchResults(q)
        assert results.count() == len(expected)
        assert [(a.pk, a.title_match) for a in results] == expected, q
        pages = results[0:5] + results[5:9] + results[9:100]
        assert [a.pk for a in pages] == [pk for pk, _ in expected], q


def test_counting_stops_at_the_cap_and_paging_at_max_results(client, make_article, monkeypatch):
    """A common word costs no full count: the summary stops at COUNT_CAP, pages go on
    (previous / next, no total) up to MAX_RESULTS."""
    monkeypatch.setattr(search_module, "COUNT_CAP", 5)
    for i in range(4):
        make_article(title=f"光伏标题{i}")
        make_article(title=f"普通标题{i}", body_source="<p>光伏正文</p>")
    results = SearchResults("光伏")
    assert results.count() == 5 and results.capped
    assert [a.title_match for a in results] == [True] * 4 + [False] * 4
    html = search(client, "光伏").content.decode()
    assert "找到超过 5 篇" in html and "最多可翻阅前 1000 篇" in html
    assert html.count('class="item"') == 8

    monkeypatch.setattr(search_module, "MAX_RESULTS", 6)
    assert len(SearchResults("光伏")[0:20]) == 6
    first = search(client, "光伏", page=1).content.decode()
    assert first.count('class="item"') == 6 and 'rel="next"' not in first
    assert client.get(SEARCH_URL, {"q": "光伏", "page": 2}).status_code == 404


def test_a_page_deep_in_the_results_reads_each_tier_from_the_right_place(make_article):
    """Slices that start inside a later tier count the tiers before it, then read on."""
    now = timezone.now()
    for i in range(7):
        make_article(title=f"储能标题{i}", published_at=now - timedelta(hours=i))
        make_article(
            title=f"普通{i}", body_source="<p>储能正文</p>", published_at=now - timedelta(hours=i)
        )
    expected = [a.pk for a in search_articles("储能")]
    for start, stop in [(0, 3), (3, 9), (6, 8), (9, 14), (12, 30), (20, 25)]:
        results = SearchResults("储能")  # fresh: nothing known of the tiers yet
        assert [a.pk for a in results[start:stop]] == expected[start:stop], (start, stop)


@pytest.mark.parametrize("count", [3, 30])
def test_the_search_page_runs_a_constant_number_of_queries(
    client, django_assert_max_num_queries, make_article, make_stock, count
):
    """Query counts must not grow with the results, their tags or their stocks."""
    stocks = [make_stock(1, f"60{i:04d}", f"股票{i}") for i in range(3)]
    for i in range(count):
        make_article(title=f"共同关键词{i}", tags=[f"标签{i}", "共同标签"], stocks=stocks)
    for q in ("共同关键词", "共同", "共同标签 股票1"):
        # Nine: the articles' eight, and one for the securities the query names.
        with django_assert_max_num_queries(9):
            html = search(client, q).content.decode()
        assert html.count('class="item"') == min(count, 20), q


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's FTS5 plan")
def test_sqlite_search_walks_the_fts5_index_newest_first(make_article, category):
    """At 100,000 articles neither a scan nor a sort of every match is affordable.

    FTS5 names what it serves in the plan: "M" a full-text MATCH, "<" and ">" the
    rowid (sort key) range. No "TEMP B-TREE": the rows come out of the index newest
    first, so a page of a common word stops after twenty rows.
    """
    make_article(title="蔚来汽车发布新车")
    Article.objects.bulk_create(
        Article(title=f"填充文章{i}", slug=f"filler-{i}", body_source="", category=category)
        for i in range(2_000)
    )
    rebuild_index()
    results = SearchResults("蔚来汽车")
    assert results.count() == 1
    for plan in plans(results):
        assert re.search(rf"SCAN {TABLE} VIRTUAL TABLE INDEX \d+:M\d*[<>]{{2}}", plan), plan
        assert "TEMP B-TREE" not in plan and "articles_article " not in plan, plan
    assert found_titles("蔚来汽车") == ["蔚来汽车发布新车"]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's FTS5 plan")
def test_sqlite_two_character_words_use_the_bigram_index(make_article):
    """A two-character word is one token of the bigram table, read newest first; with
    a longer word it narrows the trigram walk. Neither reads every row with LIKE."""
    make_article(title="蔚来汽车发布新车")
    for q in ("蔚来", "蔚来 理想", "蔚来 发布新车"):
        for plan in plans(SearchResults(q)):
            assert re.search(rf"{BIGRAM_TABLE} VIRTUAL TABLE INDEX \d+:M", plan), (q, plan)
            assert "LIKE" not in plan and "TEMP B-TREE" not in plan, (q, plan)
    assert found_titles("蔚来") == ["蔚来汽车发布新车"]
    assert found_titles("蔚来 发布新车") == ["蔚来汽车发布新车"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's pg_trgm plan")
def test_postgresql_search_uses_the_trigram_gin_index(make_article, category):
    """At realistic table sizes the planner must pick the GIN trigram index for a rare
    word, not a walk of every row in key order.

    Honest proof, not `enable_seqscan = off`: 20,000 filler articles (bulk_create skips
    signals, so their search rows, sort keys included, are written with one INSERT …
    SELECT), fresh statistics, then the plans of the page's real queries with the
    planner free to choose.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = %s AND indexdef LIKE %s",
            [TABLE, "%gin_trgm_ops%"],
        )
        assert cursor.fetchone(), "the GIN trigram index is missing"
    make_article(title="蔚来汽车发布新车")
    start = timezone.now() - timedelta(days=400)
    Article.objects.bulk_create(
        [
            Article(
                title=f"填充文章{i}",
                slug=f"filler-{i}",
                body_source="",
                category=category,
                status=Article.Status.PUBLISHED,
                published_at=start + timedelta(minutes=20 * i),
            )
            for i in range(20_000)
        ],
        batch_size=5_000,
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {TABLE} (article_id, sort_key, title, body) "
            "SELECT id, ((extract(epoch FROM published_at)::bigint + 1) << 31) | id, title, "
            "md5(id::text) || md5(title) FROM articles_article WHERE slug LIKE 'filler-%%'"
        )
        cursor.execute(f"ANALYZE {TABLE}")
        cursor.execute("ANALYZE articles_article")
    results = SearchResults("蔚来汽车")
    assert results.count() == 1
    for plan in plans(results):
        # The text's or the title's trigram index, never a walk of every row.
        assert re.search(rf"Bitmap Index Scan on {TABLE}_(document|title)_trgm", plan), plan
        assert "Seq Scan" not in plan, plan

    assert found_titles("蔚来汽车") == ["蔚来汽车发布新车"]
