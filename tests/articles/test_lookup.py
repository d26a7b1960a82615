"""Finding securities and tags from what people type: codes in every form, names, pinyin."""

import pytest
from django.urls import reverse
from taggit.models import Tag

from articles import readings, securities, stocks
from articles.lookup import find_securities, find_tags
from articles.models import StockReference, TagReading


@pytest.fixture
def on_file(make_stock):
    """A small market: A shares, a Hong Kong pair, US tickers, a board, and look-alikes."""
    return {
        "moutai": make_stock(1, "600519", "贵州茅台"),
        "moutai_like": make_stock(0, "000860", "顺鑫农业茅台酒"),
        "guizhou": make_stock(0, "600112", "贵州轮胎"),  # same prefix, different name
        "tencent": make_stock(116, "00700", "腾讯控股"),
        "nio": make_stock(106, "NIO", "蔚来"),
        "nio_hk": make_stock(116, "09866", "蔚来-SW"),
        "brk": make_stock(106, "BRK.B", "伯克希尔-B"),
        "pingan": make_stock(0, "000001", "平安银行"),
        "board": make_stock(90, "BK1037", "消费电子"),
    }


def _codes(query, **kwargs):
    return [s.symbol for s in find_securities(query, **kwargs)]


# -- readings ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, initials, pinyin",
    [
        ("贵州茅台", "gzmt", "guizhoumaotai"),
        ("平安银行", "payh", "pinganyinhang"),
        ("TCL科技", "tclkj", "tclkeji"),
        ("5G概念", "5ggn", "5ggainian"),
        ("蔚来-SW", "wlsw", "weilaisw"),
        ("Ａ股", "ag", "agu"),
        ("📈", "", ""),
        ("", "", ""),
    ],
)
def test_a_name_is_read_as_initials_and_full_pinyin(name, initials, pinyin):
    """What an editor types on a pinyin keyboard is what the lookup compares with."""
    assert readings.reading(name) == (initials, pinyin)


def test_a_security_keeps_its_reading_in_step_with_its_name(db):
    """Derived on every save, whatever writes it (admin, importer, shell)."""
    stock = StockReference.objects.create(market=1, code="600519", name="贵州茅台")
    assert (stock.name_initials, stock.name_pinyin) == ("gzmt", "guizhoumaotai")
    stock.name = "茅台"
    stock.save()
    stock.refresh_from_db()
    assert (stock.name_initials, stock.name_pinyin) == ("mt", "maotai")


def test_a_tag_keeps_its_reading_in_a_side_table(db):
    """taggit's Tag is not ours; its reading lives beside it and follows renames."""
    tag = Tag.objects.create(name="光伏")
    assert TagReading.objects.get(tag=tag).initials == "gf"
    tag.name = "新能源"
    tag.save()
    reading = TagReading.objects.get(tag=tag)
    assert (reading.initials, reading.pinyin) == ("xny", "xinnengyuan")
    tag.delete()
    assert not TagReading.objects.exists()


# -- securities ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "600519",
        "sh600519",
        "SH600519",
        "600519.SH",
        "600519.sh",
        "1.600519",
        "贵州茅台",
        "gzmt",
        "GZMT",
        "guizhoumaotai",
        "guizhoum",
    ],
)
def test_every_form_people_write_finds_moutai_first(on_file, query):
    """Codes as terminals, the archive and readers write them, the name, its pinyin."""
    assert _codes(query)[0] == "1.600519"


@pytest.mark.parametrize(
    "query, expected",
    [
        ("00700", "116.00700"),
        ("0700.HK", "116.00700"),
        ("700", "116.00700"),
        ("腾讯", "116.00700"),
        ("txkg", "116.00700"),
        ("NIO", "106.NIO"),
        ("nio", "106.NIO"),
        ("106.NIO", "106.NIO"),
        ("106.BRK.B", "106.BRK.B"),
        ("BRK.B", "106.BRK.B"),
        ("09866", "116.09866"),
        ("BK1037", "90.BK1037"),
        ("平安银行", "0.000001"),
        ("payh", "0.000001"),
    ],
)
def test_hong_kong_us_and_board_forms_find_their_security(on_file, query, expected):
    assert _codes(query)[0] == expected


def test_the_exact_code_ranks_above_a_name_prefix_above_initials_above_contains(db):
    """exact code > name prefix > initials prefix > contains, for one query."""
    make = StockReference.objects.create
    make(market=0, code="300001", name="海外TCL")  # contains TCL (and its initials do)
    make(market=0, code="002001", name="天成龙")  # initials tcl
    make(market=0, code="000100", name="TCL科技")  # name starts with TCL
    make(market=106, code="TCL", name="")  # the code itself
    assert _codes("tcl") == ["106.TCL", "0.000100", "0.002001", "0.300001"]


def test_within_a_rank_shorter_names_come_first(on_file):
    # "茅台": nothing starts with it; both names contain it, the shorter first.
    assert _codes("茅台") == ["1.600519", "0.000860"]
    assert set(_codes("贵州")) == {"1.600519", "0.600112"}
    assert set(_codes("gz")) == {"1.600519", "0.600112"}
    # 蔚来: the exact name (shorter) before 蔚来-SW, which starts with it.
    assert _codes("蔚来") == ["106.NIO", "116.09866"]


def test_an_exact_code_beats_a_code_prefix(on_file):
    StockReference.objects.create(market=1, code="600520", name="文一科技")
    assert _codes("600520") == ["1.600520"]
    assert _codes("6005") == ["1.600519", "1.600520"]


def test_a_market_code_prefix_narrows_to_that_market(on_file):
    assert _codes("1.6005") == ["1.600519"]
    assert _codes("116.") == ["116.00700", "116.09866"]


@pytest.mark.parametrize(
    "query",
    ["", "   ", "zzzzqqq", "📈", "🚀🚀", "%", "_", "不存在的公司", "x" * 500, "\x00", "'; DROP"],
)
def test_junk_and_emoji_find_nothing_and_never_fail(on_file, query):
    assert find_securities(query) == []


def test_the_limit_is_kept(on_file, make_stock):
    for n in range(15):
        make_stock(0, f"3000{n:02d}", f"测试{n}")
    assert len(find_securities("测试")) == 10
    assert len(find_securities("测试", limit=3)) == 3
    assert find_securities("测试", limit=0) == []


def test_a_lookup_is_one_query(on_file, django_assert_num_queries):
    with django_assert_num_queries(1):
        find_securities("gzmt")
    with django_assert_num_queries(1):
        find_tags("gf")


def test_written_codes_are_one_grammar_for_the_form_the_flash_desk_and_the_lookup():
    """sh600519 in the 相关证券 box means what it means in a flash and in the picker."""
    assert securities.written_code("sh600519") == (1, "600519")
    assert securities.written_code("0700.HK") == (116, "00700")
    assert securities.written_code("NIO") == (None, "NIO")
    assert securities.written_code("gzmt") is None
    tokens = stocks.parse_stock_codes("sh600519, 600519.SH 0700.HK sz000001")
    assert [t.symbol for t in tokens] == ["1.600519", "1.600519", "116.00700", "0.000001"]


def test_chip_labels_name_each_typed_security_on_file(on_file):
    """The picker's chips show "600519 贵州茅台", also after a form error."""
    labels = stocks.chip_labels("1.600519, 00700 贵州茅台 106.NIO 09866（蔚来） 999.X 60051")
    assert labels == {
        "1.600519": "600519 贵州茅台",
        "00700": "00700 腾讯控股",
        "贵州茅台": "600519 贵州茅台",
        "106.NIO": "NIO 蔚来",
    }


# -- tags -----------------------------------------------------------------------------------


@pytest.fixture
def tags(db):
    return [
        Tag.objects.create(name=n) for n in ("光伏", "光伏发电", "新能源", "新能源汽车", "AI 芯片")
    ]


@pytest.mark.parametrize(
    "query, first",
    [
        ("光伏", "光伏"),
        ("光", "光伏"),
        ("gf", "光伏"),
        ("guangfu", "光伏"),
        ("xny", "新能源"),
        ("xnyqc", "新能源汽车"),
        ("汽车", "新能源汽车"),
        ("nengyuan", "新能源"),
        ("ai", "AI 芯片"),
        ("芯片", "AI 芯片"),
    ],
)
def test_tags_are_found_by_chinese_substring_and_pinyin(tags, query, first):
    assert [t.name for t in find_tags(query)][0] == first


def test_tag_ranking_is_exact_then_prefix_then_pinyin_then_contains(tags):
    assert [t.name for t in find_tags("光伏")] == ["光伏", "光伏发电"]
    assert [t.name for t in find_tags("能源")] == ["新能源", "新能源汽车"]


@pytest.mark.parametrize("query", ["", "📈", "zzqq", "%", "x" * 500])
def test_junk_finds_no_tag(tags, query):
    assert find_tags(query) == []


def test_a_tag_without_a_reading_row_is_still_found_by_its_characters(tags):
    """Rows written around the receiver (raw SQL) are still found by name."""
    TagReading.objects.filter(tag__name="光伏").delete()
    assert [t.name for t in find_tags("光伏")] == ["光伏", "光伏发电"]
    assert [t.name for t in find_tags("gf")] == ["光伏发电"]


# -- endpoints --------------------------------------------------------------------------


def test_the_stock_endpoint_answers_every_form_with_json_for_staff(desk_client, on_file):
    url = reverse("admin:articles_article_stock_search")
    for query in ("gzmt", "sh600519", "600519.SH", "茅台"):
        response = desk_client.get(url, {"q": query})
        assert response["Content-Type"] == "application/json"
        assert response.json()["results"][0] == {
            "symbol": "1.600519",
            "code": "600519",
            "name": "贵州茅台",
            "exchange": "上交所",
            "label": "贵州茅台（1.600519）",
        }
    assert desk_client.get(url, {"q": "📈"}).json() == {"results": []}


def test_the_tag_endpoint_answers_pinyin_with_json_for_staff(desk_client, writer_client, tags):
    url = reverse("admin:articles_article_tag_search")
    assert url == "/admin/articles/article/tag-search/"
    response = desk_client.get(url, {"q": "gf"})
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"results": [{"name": "光伏"}, {"name": "光伏发电"}]}
    assert writer_client.get(url, {"q": "新"}).json()["results"][0] == {"name": "新能源"}
    assert desk_client.get(url).json() == {"results": []}


@pytest.mark.parametrize("name", ["stock", "tag"])
def test_the_endpoints_are_for_staff_only(client, db, name, django_user_model):
    """Readers and logged-in non-staff get the login page, never JSON."""
    url = reverse(f"admin:articles_article_{name}_search")
    assert client.get(url, {"q": "gf"}).status_code == 302
    reader = django_user_model.objects.create_user("reader", password="pw-reader-123")
    client.force_login(reader)
    assert client.get(url, {"q": "gf"}).status_code == 302


@pytest.mark.parametrize("name", ["stock", "tag"])
def test_the_endpoints_refuse_staff_without_article_permissions(
    client, db, name, django_user_model
):
    staff = django_user_model.objects.create_user("clerk", password="pw-clerk-123", is_staff=True)
    client.force_login(staff)
    url = reverse(f"admin:articles_article_{name}_search")
    assert client.get(url, {"q": "gf"}).status_code == 403


@pytest.mark.parametrize("name", ["stock", "tag"])
def test_the_endpoints_cost_a_bounded_number_of_queries(
    desk_client, on_file, tags, make_stock, name, django_assert_max_num_queries
):
    for n in range(30):
        make_stock(0, f"3001{n:02d}", f"光伏{n}")
        Tag.objects.create(name=f"光伏{n}")
    url = reverse(f"admin:articles_article_{name}_search")
    # Session, user, the permission check (groups), then one lookup.
    with django_assert_max_num_queries(5):
        response = desk_client.get(url, {"q": "gf"})
    assert len(response.json()["results"]) == 10


def test_the_securities_list_in_the_admin_finds_by_initials(desk_client, on_file):
    response = desk_client.get(reverse("admin:articles_stockreference_changelist"), {"q": "gz"})
    html = response.content.decode()
    assert "贵州茅台" in html and "贵州轮胎" in html and "腾讯控股" not in html


@pytest.mark.django_db(transaction=True)
def test_the_migration_reads_the_securities_and_tags_already_on_file():
    """Existing rows are found by pinyin from the first request after a deploy."""
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    this = ("articles", "0016_stock_search")
    executor = MigrationExecutor(connection)
    before = [p.key for p in executor.loader.graph.node_map[this].parents]
    executor.migrate(before)
    executor.loader.build_graph()
    old = executor.loader.project_state(before).apps
    old.get_model("articles", "StockReference").objects.create(
        market=1, code="600519", name="贵州茅台"
    )
    old.get_model("taggit", "Tag").objects.create(name="光伏", slug="光伏")

    call_command("migrate", verbosity=0)

    stock = StockReference.objects.get()
    assert (stock.name_initials, stock.name_pinyin) == ("gzmt", "guizhoumaotai")
    assert [s.symbol for s in find_securities("gzmt")] == ["1.600519"]
    assert [t.name for t in find_tags("gf")] == ["光伏"]
