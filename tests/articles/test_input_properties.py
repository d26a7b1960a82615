"""The input rule, as a property: whatever the desk's forms accept renders everywhere.

Hypothesis writes arbitrary titles, tags, stock codes and names, summaries, sources
and publication times through the admin forms an editor uses (the stock admin and
the article form), publishes, and then requests every public page, feed and sitemap
that could show the result (tests/surface.py). A form may refuse the input, with a
message; it may never answer 500, and nothing it accepted may take a page down.

`make test` runs this derandomized (the "ci" profile in tests/conftest.py), so CI
never passes or fails by chance; `make fuzz` explores at random for longer.
"""

import os
from datetime import date, datetime, time

import pytest
import yaml
from django.db import transaction
from django.urls import reverse
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from articles.models import Article, StockReference
from legacy.importer import import_posts
from tests.adminforms import article_form
from tests.surface import failures, urls_showing

# Each example costs an admin POST and some forty page requests.
EXAMPLES = int(os.environ.get("INPUT_EXAMPLES", 0)) or max(10, settings().max_examples // 4)

# Text an editor might paste: any character Hypothesis likes, weighted towards the
# ones that broke pages before (controls, emoji, full-width punctuation, markup).
TRICKY = [
    "\x0b", "\x00", "\x0c", "\x1b", "\x7f", "\ufffe", "\u200b", "\u202e", "\u3000",
    "📈", "🚀", "$", "！", "，", "、", "；", "；", "<", ">", "&", '"', "'", "{%", "}}",
    "BRK.B", "600519", "贵州茅台", "早盘播报", "\n", "\r\n", "\t", " ", "%", "#", "?", "/",
]  # fmt: skip
pasted = st.lists(
    st.one_of(st.characters(exclude_categories=["Cs"]), st.sampled_from(TRICKY)), max_size=30
).map("".join)
one_of_tricky = st.lists(st.sampled_from(TRICKY), max_size=6).map("".join)
text = st.one_of(pasted, one_of_tricky, st.sampled_from(["", "收评", "BRK.B（伯克希尔）"]))

tag_line = st.lists(st.one_of(pasted, one_of_tricky), max_size=5).flatmap(
    lambda names: st.sampled_from([",", "，", "、", ";", " "]).map(lambda sep: sep.join(names))
)

code = st.one_of(
    st.sampled_from(
        ["600519", "00700", "700", "BRK.B", "brk-b", "BF.B", "BK1037", "60051", "NIO", "A.B.C"]
    ),
    st.text(alphabet="0123456789ABCXYZabc.-_٣", min_size=1, max_size=12),
    pasted,
)
market = st.sampled_from([0, 1, 116, 105, 106, 107, 90, 2, 999])
typed_stocks = st.lists(st.tuples(market, code, st.one_of(st.just(""), pasted)), max_size=3).map(
    lambda items: ", ".join(
        f"{m}.{c}" + (f"（{n}）" if n else "") if m != 2 else c for m, c, n in items
    )
)
stock_line = st.one_of(st.just(""), st.one_of(st.just("106.BRK.B（伯克希尔）"), typed_stocks))

# Mostly plausible times, sometimes any date the widget can carry (year 1 to 9999).
plausible_day = st.dates(min_value=date(2000, 1, 1), max_value=date(2030, 1, 1))
moment = st.tuples(
    st.one_of(
        plausible_day,
        st.one_of(plausible_day, st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31))),
    ),
    st.times(),
)


@pytest.fixture
def stock_admin_add():
    return reverse("admin:articles_stockreference_add")


def _in_rollback(func):
    """Run one example in a savepoint that is rolled back: examples never see each other."""
    with transaction.atomic():
        try:
            func()
        finally:
            transaction.set_rollback(True)


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    title=text,
    tags=tag_line,
    stocks=stock_line,
    summary=text,
    source=text,
    when=moment,
    stock_name=text,
    stock_code=code,
    stock_market=market,
)
@example(
    title="收评\x0b", tags="📈，$、！！", stocks="106.BRK.B（伯克希尔）", summary="\x0c",
    source="证券\x07日报", when=(date(2022, 6, 15), time(7, 30)), stock_name="\x0b",
    stock_code="BF.B", stock_market=106,
)  # fmt: skip
@example(
    title="早盘播报", tags="", stocks="60051", summary="", source="",
    when=(date(1, 1, 1), time(0, 0)), stock_name="", stock_code="brk.a", stock_market=106,
)  # fmt: skip
@example(
    title="x", tags="a" * 101, stocks="", summary="", source="",
    when=(date(2106, 2, 8), time(0, 0)), stock_name="", stock_code="٣٣٣٣٣٣", stock_market=1,
)  # fmt: skip
@pytest.mark.django_db
def test_whatever_the_desk_accepts_renders_on_every_public_page(
    desk_client,
    client,
    category,
    stock_admin_add,
    title,
    tags,
    stocks,
    summary,
    source,
    when,
    stock_name,
    stock_code,
    stock_market,
):
    def run():
        # The stock admin: an editor files a security by hand.
        filed = desk_client.post(
            stock_admin_add, {"market": stock_market, "code": stock_code, "name": stock_name}
        )
        assert filed.status_code in (200, 302)
        event(f"stock admin: {filed.status_code}")
        if filed.status_code == 200:
            assert "errornote" in filed.content.decode()
        # The article form, published, naming the filed stock (if any) and the typed ones.
        codes = ", ".join(filter(None, [_symbol_of_latest_stock(), stocks]))
        day, clock = when
        response = desk_client.post(
            reverse("admin:articles_article_add"),
            article_form(
                category,
                title=title,
                tags=tags,
                stock_codes=codes,
                summary=summary,
                source_name=source,
                status=Article.Status.PUBLISHED,
                published_at_0=f"{day.year:04d}-{day.month:02d}-{day.day:02d}",
                published_at_1=clock.strftime("%H:%M:%S"),
            ),
        )
        assert response.status_code in (200, 302)
        event(f"article form: {response.status_code}")
        if response.status_code == 200:
            # Refused at the door: with a message, and nothing half-written.
            assert "errornote" in response.content.decode()
            assert not Article.objects.exists()
            return
        article = Article.objects.get()
        if article.is_scheduled:
            # Scheduled for later: bring it forward so its pages show it now.
            article.published_at = datetime(2020, 1, 1, tzinfo=article.published_at.tzinfo)
            article.save()
        assert failures(client, urls_showing(article)) == []

    _in_rollback(run)


def _symbol_of_latest_stock() -> str:
    stock = StockReference.objects.order_by("-id").first()
    return stock.symbol if stock else ""


# -- the importer: the archive is input too -----------------------------------------------------


@settings(
    max_examples=max(5, EXAMPLES // 4),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    title=text.map(lambda t: t if t.strip() else f"标题{t}"),
    tags=st.lists(st.one_of(pasted, one_of_tricky), max_size=4),
    widget=st.tuples(code, market),
    mention=st.tuples(market, code, pasted),
    when=moment,
)
@example(
    title="伯克希尔\x0b增持", tags=["📈", "$"], widget=("BRK.B", 106),
    mention=(106, "BF-B", "布朗-福曼"), when=(date(2022, 6, 15), time(7, 30)),
)  # fmt: skip
@pytest.mark.django_db
def test_whatever_the_importer_accepts_renders_on_every_public_page(
    client, tmp_path_factory, title, tags, widget, mention, when
):
    """A post with arbitrary front matter and stock markup is imported or reported, and
    whatever was imported renders everywhere."""
    folder = tmp_path_factory.mktemp("posts")
    day, clock = when
    widget_code, widget_market = widget
    market_id, inline_code, name = mention
    front = yaml.safe_dump(
        {
            "layout": "post",
            "title": title,
            "date": f"{day.year:04d}-{day.month:02d}-{day.day:02d} {clock:%H:%M:%S} +0800",
            "categories": "zhengquanribao",
            "tags": tags,
        },
        allow_unicode=True,
    )
    body = (
        f'<!-- EM_StockImg_Start --><p><a href="http://quote.eastmoney.com/unify/r/'
        f'{widget_market}.{widget_code}" data-code="{widget_code}|{widget_market}|1">'
        '<img src="https://webquoteklinepic.eastmoney.com/x.png" /></a></p>'
        "<!-- EM_StockImg_End -->"
        f'<p>正文<span id="stock_{market_id}.{inline_code}">{name}</span>。</p>'
        '<p class="em_media">（文章来源：证券日报）</p>\n\n'
        "<http://finews.zning.xyz/html_News/NewsShare.html?infoCode=NW202206150000001>\n"
    )
    (folder / "2022-06-15-NW202206150000001.md").write_text(f"---\n{front}---\n{body}")

    def run():
        report = import_posts([folder])
        assert report.counts["created"] + report.counts["failed"] == 1, report.counts
        event(f"import: {'created' if report.counts['created'] else 'failed'}")
        for article in Article.objects.all():
            if article.is_scheduled:
                article.published_at = datetime(2020, 1, 1, tzinfo=article.published_at.tzinfo)
                article.save()
            assert failures(client, urls_showing(article)) == []

    _in_rollback(run)
