"""Ordinary newsroom input never takes a page down: it renders everywhere or is refused.

Each test writes through a path people use (the admin form, the shell's ORM calls,
the importer) and then requests every public page, feed and sitemap that could show
what was written (tests/surface.py). The property-based version is
tests/articles/test_input_properties.py.
"""

from datetime import datetime, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from taggit.models import Tag

from articles.chinatime import CHINA
from articles.models import Article, StockReference
from legacy.importer import import_posts
from tests.adminforms import article_form
from tests.legacy.test_importer import source_post, write
from tests.surface import failures, urls_showing

ADD = "admin:articles_article_add"


def _publish(client, category, **fields):
    fields.setdefault("status", Article.Status.PUBLISHED)
    response = client.post(reverse(ADD), article_form(category, **fields))
    assert response.status_code == 302, _errors(response)
    return Article.objects.latest("id")


def _errors(response) -> str:
    form = response.context["adminform"].form if response.context else None
    return str(form.errors) if form is not None else response.content.decode()[:2000]


def test_a_us_share_class_ticker_works_end_to_end(desk_client, client, category):
    """BRK.B and BF-B are real NYSE codes: typed in the form, every page listing them renders."""
    article = _publish(
        desk_client,
        category,
        published_at_0="2024-05-01",
        stock_codes="106.BRK.B（伯克希尔-B）, 106.bf-b（布朗-福曼）",
    )
    assert [s.symbol for s in article.ordered_stocks()] == ["106.BRK.B", "106.BF-B"]
    assert article.ordered_stocks()[0].get_absolute_url() == "/stock/106.BRK.B/"
    assert failures(client, urls_showing(article)) == []
    page = client.get("/stock/106.BRK.B/")
    assert page.status_code == 200 and article.title in page.content.decode()


def test_the_model_refuses_a_code_its_market_cannot_have(db):
    """The shell gets the form's rule: nothing that the URL cannot route reaches the table."""
    for market, code in [(106, "BRK B"), (1, "60051"), (116, "ABC"), (90, "1037"), (106, "蔚来")]:
        with pytest.raises(ValidationError):
            StockReference.objects.create(market=market, code=code)
    assert not StockReference.objects.exists()
    hk = StockReference.objects.create(market=116, code="700")
    us = StockReference.objects.create(market=106, code="brk.a")
    assert (hk.code, us.code) == ("00700", "BRK.A")


def test_a_new_code_needs_a_name_so_a_typo_is_not_filed_as_a_stock(desk_client, category):
    """`60051` (a digit short of 600051) used to become a nameless Hong Kong stock."""
    response = desk_client.post(reverse(ADD), article_form(category, stock_codes="60051"))
    assert response.status_code == 200
    assert "116.60051（港交所）尚未收录" in response.content.decode()
    assert not Article.objects.exists() and not StockReference.objects.exists()


@pytest.mark.parametrize(
    "typed, says",
    [
        ("sh60051", "沪深证券代码为 6 位数字"),
        ("60051.SH", "沪深证券代码为 6 位数字"),
        ("sz00001", "沪深证券代码为 6 位数字"),
        ("hk700", "港股代码为 5 位以内的数字"),
        ("SHOP", "美股代码须注明交易所"),  # a real NYSE ticker, not "sh" and letters
    ],
)
def test_a_mistyped_exchange_code_is_explained_in_its_own_market(
    desk_client, category, typed, says
):
    """`sh60051` used to be told to pick a US exchange: it is a Shanghai code a digit short."""
    response = desk_client.post(reverse(ADD), article_form(category, stock_codes=typed))
    html = response.content.decode()
    error = html.split('<ul class="errorlist"', 1)[1].split("</ul>", 1)[0]
    assert response.status_code == 200 and says in error
    if typed != "SHOP":
        assert "美股" not in error and "纳斯达克" not in error
    assert not Article.objects.exists()


@pytest.mark.parametrize("name", ["📈", "$", "！！", "🚀🚀", "…"])
def test_a_tag_with_no_letters_gets_a_slug_and_every_page_renders(
    desk_client, client, category, name
):
    """Such names slugified to "", and every page linking the tag answered 500."""
    article = _publish(desk_client, category, tags=f'"{name}", 光伏')
    tag = Tag.objects.get(name=name)
    assert tag.slug
    assert failures(client, urls_showing(article)) == []
    assert client.get(reverse("articles:tag", args=[tag.slug])).status_code == 200


def test_two_symbol_tags_get_different_slugs_from_the_shell_too(make_article, client):
    """The importer and the shell create tags without the form; they get slugs as well."""
    article = make_article(tags=["📈", "📉", "$"])
    slugs = {tag.name: tag.slug for tag in article.tags.all()}
    assert len(set(slugs.values())) == 3 and all(slugs.values())
    assert failures(client, urls_showing(article)) == []


def test_tags_typed_with_chinese_commas_and_dun_hao_are_separate_tags(desk_client, category):
    """光伏，新能源、业绩 is three tags, as an editor on a Chinese keyboard means it."""
    article = _publish(desk_client, category, tags="光伏，新能源、业绩；\u3000储能 ;AI")
    assert sorted(t.name for t in article.tags.all()) == sorted(
        ["光伏", "新能源", "业绩", "储能", "AI"]
    )


def test_a_tag_name_too_long_for_the_table_is_refused_with_a_message(desk_client, category):
    response = desk_client.post(reverse(ADD), article_form(category, tags="长" * 101))
    assert response.status_code == 200
    assert "太长：最多 100 个字" in response.content.decode()
    assert not Article.objects.exists()


def test_control_characters_from_word_never_reach_a_feed(desk_client, client, category):
    """A vertical tab in a title made every RSS/Atom feed listing the article answer 500."""
    article = _publish(
        desk_client,
        category,
        title="收评\x0b沪指涨1%\x00",
        tags="半导\x0b体, 芯片\x00",
        summary="第一段\x0c第二段\x1b",
        source_name="证券\x07日报",
        stock_codes="600519（贵州\x0b茅台）",
    )
    assert article.title == "收评 沪指涨1%"
    assert article.summary == "第一段\n第二段"
    assert article.source_name == "证券日报"
    assert sorted(t.name for t in article.tags.all()) == ["半导 体", "芯片"]
    assert article.ordered_stocks()[0].name == "贵州 茅台"
    assert failures(client, urls_showing(article)) == []


def test_control_characters_written_from_the_shell_are_stripped_too(make_article, client):
    article = make_article(title="标题\x0b", summary="摘要\x01", cover_alt="图\x0b")
    article.refresh_from_db()
    assert (article.title, article.summary, article.cover_alt) == ("标题", "摘要", "图")
    assert failures(client, urls_showing(article)) == []


@pytest.mark.parametrize(
    "day", ["0001-01-01", "1969-12-31", "2100-01-01", "2106-03-01", "9999-12-31"]
)
def test_a_publication_time_out_of_range_is_refused_with_a_message(desk_client, category, day):
    """Year 1 or after 2106-02-07 overflowed the search key: a 500 in the admin."""
    response = desk_client.post(
        reverse(ADD), article_form(category, published_at_0=day, status="published")
    )
    assert response.status_code == 200
    assert "发布时间须在 1970 年 1 月 1 日至 2099 年 12 月 31 日之间" in response.content.decode()
    assert not Article.objects.exists()


def test_the_shell_cannot_store_a_publication_time_out_of_range(make_article):
    with pytest.raises(ValidationError):
        make_article(published_at=datetime(2200, 1, 1, tzinfo=CHINA))
    assert not Article.objects.exists()


def test_scheduling_far_into_the_future_is_refused_by_the_schedule_action(desk_client, draft):
    response = desk_client.post(
        reverse("admin:articles_article_changelist"),
        {
            "action": "schedule",
            "_selected_action": [draft.pk],
            "apply": "1",
            "published_at_0": "2150-01-01",
            "published_at_1": "09:00:00",
        },
    )
    assert response.status_code == 200
    assert "发布时间须在 1970 年" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == Article.Status.DRAFT


def test_a_reused_headline_gets_the_date_instead_of_a_duplicate_slug_error(desk_client, category):
    """收评 comes back every day; the second one saves, with its date in the URL."""
    first = _publish(desk_client, category, title="收评", slug="shou-ping")
    response = desk_client.post(
        reverse(ADD),
        article_form(category, title="收评", slug="shou-ping", published_at_0="2024-05-02"),
        follow=True,
    )
    second = Article.objects.exclude(pk=first.pk).get()
    assert second.slug == "shou-ping-20240502"
    assert "已改为“shou-ping-20240502”" in response.content.decode()


def test_the_slug_prefill_offers_a_free_slug_for_a_reused_headline(editor_client, make_article):
    taken = make_article(title="早盘播报", slug="")
    url = reverse("admin:articles_article_slug_preview")
    offered = editor_client.get(url, {"title": "早盘播报"}).json()["slug"]
    assert offered.startswith("zao-pan-bo-bao-") and offered != taken.slug
    # Editing the article that holds it, the slug is its own.
    own = editor_client.get(url, {"title": "早盘播报", "id": taken.pk}).json()["slug"]
    assert own == taken.slug


def test_the_date_under_an_article_links_to_its_china_day(client, make_article):
    """07:30 on 15 June in Beijing is 23:30 on the 14th in UTC; the link said the 14th (404)."""
    article = make_article(published_at=datetime(2022, 6, 15, 7, 30, tzinfo=CHINA))
    html = client.get(article.get_absolute_url()).content.decode()
    assert 'href="/archive/2022/6/15/"' in html
    day = client.get("/archive/2022/6/15/")
    assert day.status_code == 200 and article.title in day.content.decode()


def test_json_ld_never_publishes_a_login_name(client, make_article):
    """The byline is the full name or nothing; `zhangsan_admin` is half a credential."""
    login = get_user_model().objects.create_user("zhangsan_admin", password="pw-x-12345")
    anonymous = make_article(author=login, source_name="证券日报")
    html = client.get(anonymous.get_absolute_url()).content.decode()
    assert "zhangsan_admin" not in html
    assert '"author": {"@type": "Organization", "name": "证券日报"}' in html
    login.first_name, login.last_name = "三", "张"
    login.save()
    html = client.get(anonymous.get_absolute_url()).content.decode()
    assert '"author": {"@type": "Person", "name": "张 三"}' in html or "张三" in html
    assert "zhangsan_admin" not in html


def test_a_writer_cannot_sign_an_article_as_someone_else(writer_client, writer, desk, category):
    response = writer_client.post(reverse(ADD), article_form(category, author=desk.pk))
    assert response.status_code == 302
    assert Article.objects.get().author == writer


def test_an_editor_may_only_pick_staff_accounts_as_author(desk_client, desk, category):
    reader = get_user_model().objects.create_user("reader", password="pw-r-12345")
    response = desk_client.post(reverse(ADD), article_form(category, author=reader.pk))
    assert response.status_code == 200 and not Article.objects.exists()
    _publish(desk_client, category, author=desk.pk)
    assert Article.objects.get().author == desk


def test_a_scheduled_article_in_range_still_schedules(desk_client, draft):
    when = timezone.localtime() + timedelta(days=30)
    response = desk_client.post(
        reverse("admin:articles_article_changelist"),
        {
            "action": "schedule",
            "_selected_action": [draft.pk],
            "apply": "1",
            "published_at_0": f"{when:%Y-%m-%d}",
            "published_at_1": "09:00:00",
        },
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.is_scheduled


# -- the importer, the third write path ------------------------------------------------------

WIDGET = (
    '<!-- EM_StockImg_Start --><p><a href="http://quote.eastmoney.com/unify/r/106.BRK.B" '
    'data-code="BRK.B|106|1"><img src="https://webquoteklinepic.eastmoney.com/x.png" /></a></p>'
    "<!-- EM_StockImg_End -->"
)


def test_an_imported_post_with_share_class_tickers_emoji_tags_and_controls_renders(
    tmp_path, client, db
):
    """The importer goes through the same rules: BRK.B, 📈 and \\x0b all render everywhere."""
    write(
        tmp_path,
        "2022-06-15-NW202206150000001.md",
        source_post(
            "202206150000001",
            title="伯克希尔\\v增持",
            tags="[📈, $, 美股]",
            body=WIDGET + '<p>正文<span id="stock_106.BF-B">布朗-福曼</span>。</p>',
            date="2022-06-15 07:30:00 +0800",
        ),
    )
    report = import_posts([tmp_path])
    assert report.counts["created"] == 1, report.with_outcome("failed")
    article = Article.objects.get()
    assert "\x0b" not in article.title
    assert "106.BRK.B" in [s.symbol for s in article.ordered_stocks()]
    assert all(tag.slug for tag in article.tags.all())
    assert failures(client, urls_showing(article)) == []


def test_an_imported_post_dated_out_of_range_fails_with_a_reason_not_a_crash(tmp_path, db):
    write(tmp_path, "2022-06-15-NW202206150000002.md", source_post("202206150000002"))
    write(
        tmp_path,
        "2022-06-15-NW202206150000003.md",
        source_post("202206150000003", date="0202-06-15 07:30:00 +0800"),
    )
    report = import_posts([tmp_path])
    assert report.counts["created"] == 1 and report.counts["failed"] == 1
    (failed,) = report.with_outcome("failed")
    assert "发布时间" in failed.reason
