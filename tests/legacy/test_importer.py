"""Integration tests for legacy.importer and the import_posts command.

Every test writes its own small legacy posts into pytest's tmp_path (or imports the
hand-written sample_posts/ directory), runs the real importer against the real test
database, and checks what readers and operators see: rows, pages, redirects, exit codes.
"""

import hashlib
import io
import threading
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse
from PIL import Image
from taggit.models import Tag

from articles.models import Article, Category, LegacyRedirect, StockReference
from legacy.importer import import_posts
from legacy.models import ImportRun, LegacyImage, LegacyRejectedFile, LegacySource

pytestmark = pytest.mark.django_db

REPO_ROOT = Path(__file__).resolve().parents[2]
SAMPLE_DIR = REPO_ROOT / "sample_posts"

SPACER = '<p style="display:none;height:1px;overflow:hidden;"><br /></p>'


# --------------------------------------------------------------------------------------------
# Helpers that build legacy posts in the generator's layout


def front_matter(*, title, date="2022-03-01 09:30:00 +0800", categories, tags) -> str:
    return (
        "---\nlayout: post\n"
        f'title: "{title}"\n'
        f"date: {date}\n"
        f"categories: {categories}\n"
        f"tags: {tags}\n"
        "---\n"
    )


def source_post(
    story,
    *,
    title="测试原稿标题",
    body="<p>原稿正文。</p>",
    date="2022-03-01 09:30:00 +0800",
    categories="zhengquanribao",
    tags="证券日报新闻",
    source="证券日报",
) -> str:
    """A source post: HTML body, em_media line, infoCode autolink and the nav footer."""
    return (
        front_matter(title=title, date=date, categories=categories, tags=tags)
        + f'{body}<p class="em_media">（文章来源：{source}）</p>\n\n'
        + f"<http://finews.zning.xyz/html_News/NewsShare.html?infoCode=NW{story}>\n\n"
        + f"[返回{tags}](//finews.withounder.com/category/{categories}.html)"
        + "｜[返回首页](//finews.withounder.com/)"
    )


def rolling_post(
    story,
    *,
    title="测试滚动标题",
    digest="滚动摘要。（证券日报）",
    body="<p>滚动正文。</p>",
    date="2022-03-01 09:31:00 +0800",
) -> str:
    """A 2022 rolling-news post: digest blockquote, HTML body, EastMoney link, nav footer."""
    return (
        front_matter(title=title, date=date, categories="emnews", tags="东财滚动新闻")
        + f"> {digest}\n\n"
        + f'{body}<p class="em_media">（文章来源：证券日报）</p>\n\n'
        + f"<http://finance.eastmoney.com/news/1350,{story}.html>\n\n"
        + "[返回东财滚动新闻](//finews.withounder.com/emnews/)"
        + "｜[返回首页](//finews.withounder.com/)"
    )


def widget(market, code) -> str:
    """A stock chart widget with its hidden spacer, as EastMoney embedded it."""
    return (
        f'{SPACER}<!-- EM_StockImg_Start --><p style="text-align:center;">'
        f'<a href="http://quote.eastmoney.com/unify/r/{market}.{code}" '
        f'data-code="{code}|{market}|1"><img src="https://webquoteklinepic.eastmoney.com/'
        f'GetPic.aspx?nid={market}.{code}&imageType=k" border="0" alt="K图 {code}_0" '
        f'data-code="K {code}|{market}|1" width="578" height="276" /></a></p>'
        "<!-- EM_StockImg_End -->"
    )


def inline(market, code, name) -> str:
    """An inline keytip mention with its (empty) live-quote placeholder."""
    prefix, quote = ("bk", "bkquote") if market == 90 else ("stock", "quote")
    return (
        f'<span id="{prefix}_{market}.{code}"><a href="http://quote.eastmoney.com/unify/r/'
        f'{market}.{code}" class="keytip" data-code="{market},{code}">{name}</a></span>'
        f'<span id="{quote}_{market}.{code}"></span>'
    )


def common(market, code, name) -> str:
    """The later, repeated form of an inline mention."""
    return (
        f'<span web="1" href="http://quote.eastmoney.com/unify/r/{market}.{code}" '
        f'class="em_stock_key_common" data-code="{market},{code}">{name}</span>'
    )


def write(root: Path, rel: str, content: str | bytes) -> Path:
    """Write one post file under root (creating folders) and return its path."""
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        content = content.encode("utf-8")
    path.write_bytes(content)
    return path


def db_checksum() -> str:
    """A digest of every article (all columns, tags, stocks in order) and its redirects."""
    lines = []
    articles = Article.objects.order_by("legacy_key", "pk").prefetch_related("tags")
    for article in articles:
        fields = [(f.attname, str(getattr(article, f.attname))) for f in Article._meta.fields]
        tags = sorted(article.tags.names())
        stocks = [f"{s.symbol}:{s.name}" for s in article.ordered_stocks()]
        lines.append(repr((fields, tags, stocks)))
    for category in Category.objects.order_by("slug"):
        lines.append(repr((category.pk, category.slug, category.name)))
    for redirect in LegacyRedirect.objects.order_by("path"):
        lines.append(repr((redirect.path, redirect.article_id, redirect.category_id)))
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def assert_redirects_to(client, path, target, **extra):
    response = client.get(path, **extra)
    assert response.status_code == 301, path
    assert response["Location"] == target, path
    return response


# --------------------------------------------------------------------------------------------
# End to end: the sample directory, browsed like a reader


def test_sample_posts_import_and_the_whole_site_can_be_browsed_including_legacy_urls(client):
    """The archive import is only done when readers and old links reach every story."""
    report = import_posts([SAMPLE_DIR])

    failed = {r.path for r in report.with_outcome("failed")}
    assert failed == {
        "broken/2022-03-01-broken-no-front-matter.md",
        "broken/2022-03-02-broken-bad-date.md",
    }
    assert [r.path for r in report.with_outcome("skipped")] == ["README.md"]
    # 29 good files, of which one is the rolling copy of a source post: 28 articles.
    assert report.counts["created"] + report.counts["updated"] == 29
    assert Article.objects.count() == 28
    assert report.exit_code == 1

    home = client.get("/")
    assert home.status_code == 200
    newest = Article.objects.get(legacy_key="story:202206222418001122")
    assert newest.get_absolute_url() in home.content.decode()
    article = Article.objects.get(legacy_key="story:202201102201357911")
    # 28 articles at 20 a page: this older one is on the second page.
    assert article.get_absolute_url() in client.get("/?page=2").content.decode()

    page = client.get(article.get_absolute_url())
    html = page.content.decode()
    assert page.status_code == 200
    assert "<h1>白酒龙头一季度发货节奏平稳 渠道库存处于合理区间</h1>" in html
    assert 'href="/stock/1.600519/"' in html
    assert "来源：证券日报" in html

    category_url = reverse("articles:category", args=["zhengquanribao"])
    assert category_url in html
    category_page = client.get(category_url)
    assert category_page.status_code == 200
    assert "白酒龙头一季度发货节奏平稳" in category_page.content.decode()

    tag = Tag.objects.get(name="证券日报新闻")
    assert tag.slug == "证券日报新闻"
    tag_url = reverse("articles:tag", args=[tag.slug])
    assert tag_url in html
    tag_page = client.get(tag_url)
    assert tag_page.status_code == 200
    assert "白酒龙头一季度发货节奏平稳" in tag_page.content.decode()

    url = article.get_absolute_url()
    response = assert_redirects_to(
        client, "/zhengquanribao/2022/01/10/NW202201102201357911.html", url
    )
    assert client.get(response["Location"]).status_code == 200
    assert_redirects_to(client, "/category/zhengquanribao.html", category_url)
    assert_redirects_to(
        client, "/html_News/NewsShare.html", url, QUERY_STRING="infoCode=NW202201102201357911"
    )
    assert_redirects_to(client, "/emnews/", reverse("articles:category", args=["emnews"]))
    # A category with a space gave Jekyll a percent-encoded permalink; browsers send it so.
    spaced = Article.objects.get(legacy_key="story:202203152301122334")
    assert_redirects_to(
        client,
        "/21shijijingjibaodao%2021caijingapp/21shijijingjibaodao/21caijingapp/2022/03/15/"
        "NW202203152301122334.html",
        spaced.get_absolute_url(),
    )
    assert client.get("/nosuchcategory/2022/01/01/NW1.html").status_code == 404


def _planner_statistics_rows() -> int:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE name = 'sqlite_stat1'")
            if cursor.fetchone() is None:
                return 0
            cursor.execute("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'articles_article'")
        else:
            cursor.execute(
                "SELECT count(*) FROM pg_stats WHERE tablename = 'articles_article'"
                " AND schemaname = current_schema()"
            )
        return cursor.fetchone()[0]


def test_a_large_import_refreshes_the_planner_statistics(monkeypatch):
    """Search picks its plan from them: without, SQLite scanned 90,000 articles per search."""
    from legacy import importer as importers

    before = _planner_statistics_rows()
    if connection.vendor == "sqlite":
        assert before == 0  # a fresh database has none
    import_posts([SAMPLE_DIR], dry_run=True)
    assert _planner_statistics_rows() == before  # a dry run changes nothing
    monkeypatch.setattr(importers, "ANALYZE_AFTER", 10)
    import_posts([SAMPLE_DIR])
    assert _planner_statistics_rows() > 0


# --------------------------------------------------------------------------------------------
# Re-runs: unchanged, changed, superseded


def test_second_import_of_the_samples_reports_everything_unchanged_and_changes_nothing():
    """Operators re-run the import after every sync; a re-run must be a no-op."""
    first = import_posts([SAMPLE_DIR])
    good = len(first.results) - first.counts["failed"] - first.counts["skipped"]
    before = db_checksum()
    sources, redirects = LegacySource.objects.count(), LegacyRedirect.objects.count()

    second = import_posts([SAMPLE_DIR])

    assert second.counts == {
        "created": 0,
        "updated": 0,
        "unchanged": good,
        "skipped": 1,  # sample_posts/README.md, not a post
        "failed": 2,
    }
    assert db_checksum() == before
    assert (LegacySource.objects.count(), LegacyRedirect.objects.count()) == (sources, redirects)


def test_a_changed_file_updates_its_article_and_the_new_text_is_shown(tmp_path, client):
    """A corrected post must replace what readers see, not create a second article."""
    path = write(tmp_path, "2022-03-01-NW202203011000001.md", source_post("202203011000001"))
    import_posts([tmp_path])
    write(
        tmp_path,
        path.name,
        source_post("202203011000001", title="更正后的标题", body="<p>更正后的正文。</p>"),
    )

    report = import_posts([tmp_path])

    assert report.counts["updated"] == 1
    assert Article.objects.count() == 1
    article = Article.objects.get()
    assert article.title == "更正后的标题"
    html = client.get(article.get_absolute_url()).content.decode()
    assert "<h1>更正后的标题</h1>" in html
    assert "更正后的正文。" in html
    assert "原稿正文。" not in html
    assert_redirects_to(
        client, "/zhengquanribao/2022/03/01/NW202203011000001.html", article.get_absolute_url()
    )


def test_a_retitled_article_keeps_its_old_url_working(tmp_path, client):
    """Readers' bookmarks of an imported article must survive a corrected title."""
    path = write(tmp_path, "2022-03-01-NW202203011000002.md", source_post("202203011000002"))
    import_posts([tmp_path])
    old_url = Article.objects.get().get_absolute_url()
    write(tmp_path, path.name, source_post("202203011000002", title="全新的标题"))
    import_posts([tmp_path])
    new_url = Article.objects.get().get_absolute_url()
    assert new_url != old_url

    assert_redirects_to(client, old_url, new_url)


def _nw_name(story):
    return f"2022-03-01-NW{story}.md"


SUPERSEDE_CASES = {
    # Same file name in two folders: b/ sorts after a/.
    "same-name-a-then-b": ("a/" + _nw_name("2022030112345"), "b/" + _nw_name("2022030112345")),
    "same-name-b-then-a": ("b/" + _nw_name("2022030112345"), "a/" + _nw_name("2022030112345")),
    # Two file names carrying the same infoCode link: the repost sorts after the NW name.
    "repost-after": (_nw_name("2022030112345"), "2022-03-01-repost.md"),
    "repost-before": ("2022-03-01-repost.md", _nw_name("2022030112345")),
}


@pytest.mark.parametrize("first, second", SUPERSEDE_CASES.values(), ids=SUPERSEDE_CASES.keys())
def test_two_files_of_one_story_end_as_one_article_with_the_later_path_in_any_order(
    tmp_path, client, first, second
):
    """A re-posted story must not duplicate, and must not depend on the order of runs."""
    later = max(first, second)
    texts = {
        path: source_post(
            "2022030112345",
            title=f"稿件版本{'乙' if path == later else '甲'}",
            body=f"<p>{'后一版正文' if path == later else '前一版正文'}</p>",
        )
        for path in (first, second)
    }
    # Two separate runs, each seeing only one of the files.
    write(tmp_path, first, texts[first])
    import_posts([tmp_path])
    (tmp_path / first).unlink()
    write(tmp_path, second, texts[second])
    report = import_posts([tmp_path])

    assert report.counts["failed"] == 0
    assert Article.objects.count() == 1
    article = Article.objects.get()
    assert article.legacy_key == "story:2022030112345"
    assert article.title == "稿件版本乙"
    assert "后一版正文" in article.body_html
    assert "前一版正文" not in article.body_html
    assert LegacySource.objects.filter(article=article).count() == 2
    assert_redirects_to(
        client,
        "/html_News/NewsShare.html",
        article.get_absolute_url(),
        QUERY_STRING="infoCode=NW2022030112345",
    )


# --------------------------------------------------------------------------------------------
# A source post and its rolling-news copy


STORY = "202203012280001111"
SOURCE_NAME = f"2022-03-01-NW{STORY}.md"
ROLLING_NAME = f"2022-03-01-{STORY}.md"


def _merge_pair():
    source = source_post(
        STORY,
        title="某公司一季度业绩大增",
        body=f"{widget(0, '002572')}<p>原稿正文，{inline(1, '600519', '贵州茅台')}领涨。</p>",
    )
    rolling = rolling_post(
        STORY,
        title="某公司一季度业绩大增（滚动）",
        digest="某公司一季度业绩大增，机构看好。（证券日报）",
        body=(
            f"<p>滚动正文，{inline(1, '600519', '贵州茅台')}、"
            f"{inline(90, 'BK1037', '消费电子')}走强。</p>"
        ),
    )
    return {SOURCE_NAME: source, ROLLING_NAME: rolling}


@pytest.mark.parametrize("order", [(SOURCE_NAME, ROLLING_NAME), (ROLLING_NAME, SOURCE_NAME)])
def test_source_post_and_rolling_copy_merge_into_one_article_in_either_order(
    tmp_path, client, order
):
    """Readers must see one story, with the source's text and the rolling digest."""
    texts = _merge_pair()
    for name in order:
        write(tmp_path, name, texts[name])
        assert import_posts([tmp_path]).counts["failed"] == 0

    assert Article.objects.count() == 1
    article = Article.objects.get()
    assert article.title == "某公司一季度业绩大增"
    assert "原稿正文" in article.body_html
    assert "滚动正文" not in article.body_html
    assert article.category.slug == "zhengquanribao"
    assert article.summary == "某公司一季度业绩大增，机构看好。（证券日报）"
    assert [s.symbol for s in article.ordered_stocks()] == ["0.002572", "1.600519", "90.BK1037"]
    url = article.get_absolute_url()
    assert_redirects_to(client, f"/zhengquanribao/2022/03/01/NW{STORY}.html", url)
    assert_redirects_to(client, f"/emnews/2022/03/01/{STORY}.html", url)
    assert_redirects_to(
        client, "/html_News/NewsShare.html", url, QUERY_STRING=f"infoCode=NW{STORY}"
    )
    assert client.get(url).status_code == 200


def test_merged_story_is_identical_whichever_file_came_first(tmp_path):
    """The result must depend on the files, never on the order they arrived in."""
    texts = _merge_pair()
    checksums = []
    for order in [(SOURCE_NAME, ROLLING_NAME), (ROLLING_NAME, SOURCE_NAME)]:
        root = tmp_path / "-".join(order)
        for name in order:
            write(root, name, texts[name])
            import_posts([root])
        article = Article.objects.get()
        checksums.append(
            (
                article.title,
                article.slug,
                article.body_html,
                article.summary,
                article.category.slug,
                article.published_at,
                sorted(article.tags.names()),
                [s.symbol for s in article.ordered_stocks()],
            )
        )
        Article.objects.all().delete()
    assert checksums[0] == checksums[1]


# --------------------------------------------------------------------------------------------
# Editors' changes


def test_editor_edits_survive_a_reimport_unless_overwrite_is_asked_for(tmp_path):
    """An editor's correction in the admin must not be silently undone by the next sync."""
    path = write(tmp_path, "2022-03-01-NW202203011000003.md", source_post("202203011000003"))
    import_posts([tmp_path])
    article = Article.objects.get()
    article.title = "编辑改过的标题"
    article.save()
    write(tmp_path, path.name, source_post("202203011000003", body="<p>旧站又改了正文。</p>"))

    report = import_posts([tmp_path])

    assert report.counts["skipped"] == 1
    assert report.results[0].reason
    article.refresh_from_db()
    assert article.title == "编辑改过的标题"
    assert "旧站又改了正文" not in article.body_html

    report = import_posts([tmp_path], overwrite_edited=True)

    assert report.counts["updated"] == 1
    article.refresh_from_db()
    assert article.title == "测试原稿标题"
    assert "旧站又改了正文" in article.body_html


def test_an_unchanged_file_after_an_editor_edit_is_reported_unchanged(tmp_path):
    """A routine re-run must not report edited articles as conflicts when nothing changed."""
    write(tmp_path, "2022-03-01-NW202203011000004.md", source_post("202203011000004"))
    import_posts([tmp_path])
    article = Article.objects.get()
    article.summary = "编辑写的摘要"
    article.save()

    report = import_posts([tmp_path])

    assert report.counts["unchanged"] == 1
    article.refresh_from_db()
    assert article.summary == "编辑写的摘要"


# --------------------------------------------------------------------------------------------
# Dry run


def test_dry_run_writes_nothing_but_reports_what_it_would_create(tmp_path):
    """Operators preview a big import first; the preview must leave the database untouched."""
    write(tmp_path, "2022-03-01-NW202203011000005.md", source_post("202203011000005"))
    write(
        tmp_path,
        "2022-03-02-NW202203021000006.md",
        source_post(
            "202203021000006",
            categories="TechWeb",
            tags="TechWeb新闻",
            body=f"<p>{inline(105, 'AAPL', '苹果')}</p>",
        ),
    )
    write(tmp_path, "2022-03-03-202203031000007.md", rolling_post("202203031000007"))

    report = import_posts([tmp_path], dry_run=True)

    assert report.dry_run
    assert report.counts["created"] == 3
    assert report.counts["failed"] == 0
    for model in (Article, Category, StockReference, LegacySource, LegacyRedirect, ImportRun):
        assert model.objects.count() == 0, model.__name__
    assert Tag.objects.count() == 0

    out = io.StringIO()
    call_command("import_posts", str(tmp_path), "--dry-run", stdout=out, stderr=io.StringIO())
    assert "【演练，未写入】新建 3" in out.getvalue()
    assert Article.objects.count() == 0
    assert ImportRun.objects.count() == 0


def test_dry_run_counts_match_what_the_real_run_then_does(tmp_path):
    """A preview is only useful if it predicts the real run's numbers."""
    for name, text in _merge_pair().items():
        write(tmp_path, name, text)

    preview = import_posts([tmp_path], dry_run=True)
    real = import_posts([tmp_path])

    assert real.counts == {"created": 1, "updated": 1, "unchanged": 0, "skipped": 0, "failed": 0}
    assert preview.counts == real.counts


# --------------------------------------------------------------------------------------------
# Failures


def _good_and_bad_posts(root: Path) -> dict[str, str]:
    """Two good posts and one broken file per kind of failure; return bad path -> keyword."""
    write(root, "2022-03-01-NW202203011000010.md", source_post("202203011000010", title="好稿一"))
    write(root, "2022-03-02-202203021000011.md", rolling_post("202203021000011", title="好稿二"))
    good_text = source_post("202203031000012", title="坏稿")
    bad = {
        # Named like posts: without that, a file with no front matter is no post (skipped).
        "2022-03-05-empty.md": (b"", "空文件"),
        "2022-03-06-no-front-matter.md": ("<p>只有正文，没有 front matter。</p>\n", "front matter"),
        "bad-yaml.md": (
            "---\ntitle: 坏的 YAML\ntags: [没有闭合\n---\n<p>正文</p>\n",
            "YAML",
        ),
        "empty-title.md": (good_text.replace('title: "坏稿"', 'title: ""'), "标题为空"),
        "bad-date-offset.md": (
            good_text.replace("date: 2022-03-01 09:30:00 +0800", 'date: " +0800"'),
            "日期",
        ),
        "bad-date-word.md": (
            good_text.replace("date: 2022-03-01 09:30:00 +0800", "date: yesterday"),
            "yesterday",
        ),
        "undecodable.md": (
            good_text.encode().replace("<p>原稿正文。</p>".encode(), b"<p>\xff\xfe\xfa</p>"),
            "0xff",
        ),
        "2022-03-04-NW202203041000013.md": (
            source_post("202203041000013", title="国标编码的稿件").encode("gb18030"),
            "utf-8",
        ),
    }
    for name, (content, _) in bad.items():
        write(root, name, content)
    return {name: keyword for name, (_, keyword) in bad.items()}


def test_broken_files_are_reported_one_line_each_while_the_good_ones_import(tmp_path):
    """One bad file among thousands must not stop the run, and must be easy to find."""
    bad = _good_and_bad_posts(tmp_path)

    report = import_posts([tmp_path])

    failures = {r.path: r.reason for r in report.with_outcome("failed")}
    assert set(failures) == set(bad)
    for path, keyword in bad.items():
        reason = failures[path]
        assert reason and "\n" not in reason, path
        assert keyword in reason, (path, reason)
    assert report.counts["created"] == 2
    assert set(Article.objects.values_list("title", flat=True)) == {"好稿一", "好稿二"}
    assert report.exit_code == 1


def _posts_and_other_files(root: Path) -> set[str]:
    """One good post beside files that are not posts; return the latter's paths."""
    write(root, "2022-03-01-NW202203011000014.md", source_post("202203011000014"))
    others = {
        "README.md": "# 旧站文章\n\n这里是 Jekyll 导出的文章。\n",
        "INDEX.md": "---\nlayout: home\ntitle: 首页\n---\n{% for post in site.posts %}\n",
        "docs/readme.txt": "说明。\n",
        "notes.md": "随手记：没有 front matter。\n",
        "empty.md": "",
    }
    for name, text in others.items():
        write(root, name, text)
    return set(others)


def test_files_that_are_not_posts_are_skipped_with_a_note_not_failed(tmp_path):
    """A README or an index beside the posts is no failure: cron must not be alarmed by it."""
    others = _posts_and_other_files(tmp_path)

    report = import_posts([tmp_path])

    assert report.counts == {"created": 1, "updated": 0, "unchanged": 0, "skipped": 5, "failed": 0}
    assert report.exit_code == 0
    skipped = {r.path: r.reason for r in report.with_outcome("skipped")}
    assert set(skipped) == others
    assert all(reason.startswith("不是文章：") for reason in skipped.values()), skipped
    assert ImportRun.objects.get().skipped == 5
    assert Article.objects.count() == 1
    assert LegacySource.objects.count() == 1


def test_command_lists_the_files_it_skipped_as_not_posts_and_exits_0(tmp_path):
    """The operator sees which files were passed over, and why, in the summary's notes."""
    others = _posts_and_other_files(tmp_path)
    out, err = io.StringIO(), io.StringIO()

    try:
        call_command("import_posts", str(tmp_path), stdout=out, stderr=err)
    except SystemExit as exc:  # pragma: no cover - the failure message says what happened
        pytest.fail(f"import_posts exited with {exc.code}: {err.getvalue()}")

    assert "新建 1，更新 0，未变 0，跳过 5，失败 0" in out.getvalue()
    for path in others:
        assert f"跳过 {path}：不是文章：" in out.getvalue(), path
    assert err.getvalue() == ""


def test_a_failed_post_keeps_its_original_bytes_until_it_imports(tmp_path):
    """Every file's original is stored; a rejected post has no article, so it is kept apart."""
    bad_date = source_post("202203011000015").replace(
        "date: 2022-03-01 09:30:00 +0800", "date: yesterday"
    )
    gb18030 = source_post("202203021000016", title="国标编码的稿件").encode("gb18030")
    write(tmp_path, "2022-03-01-NW202203011000015.md", bad_date)
    write(tmp_path, "2022-03-02-NW202203021000016.md", gb18030)

    assert import_posts([tmp_path]).counts["failed"] == 2
    assert import_posts([tmp_path]).counts["failed"] == 2  # a second run adds no copies

    rows = {row.path: row for row in LegacyRejectedFile.objects.all()}
    assert set(rows) == {"2022-03-01-NW202203011000015.md", "2022-03-02-NW202203021000016.md"}
    first = rows["2022-03-01-NW202203011000015.md"]
    assert bytes(first.data) == bad_date.encode()
    assert first.content_hash == hashlib.sha256(bad_date.encode()).hexdigest()
    assert "yesterday" in first.reason
    second = rows["2022-03-02-NW202203021000016.md"]
    assert bytes(second.data) == gb18030  # byte for byte, though it is no UTF-8
    assert "utf-8" in second.reason

    write(tmp_path, "2022-03-01-NW202203011000015.md", source_post("202203011000015"))
    write(tmp_path, "2022-03-02-NW202203021000016.md", gb18030.decode("gb18030"))  # now UTF-8
    report = import_posts([tmp_path])

    assert report.counts["created"] == 2
    assert not LegacyRejectedFile.objects.exists()
    assert LegacySource.objects.count() == 2


def test_a_post_that_fails_when_written_keeps_its_text(tmp_path, monkeypatch):
    """A database error rolls the post back; its text must still be kept with the reason."""
    from legacy import writing

    compose = writing.StoryWriter._compose

    def failing_compose(self, article, primary, rolling):
        if primary.title == "写入失败":
            raise writing.DatabaseError("value too long for type character varying(255)")
        return compose(self, article, primary, rolling)

    monkeypatch.setattr(writing.StoryWriter, "_compose", failing_compose)
    text = source_post("202203011000017", title="写入失败")
    write(tmp_path, "2022-03-01-NW202203011000017.md", text)
    write(tmp_path, "2022-03-02-NW202203021000018.md", source_post("202203021000018"))

    report = import_posts([tmp_path])

    assert (report.counts["created"], report.counts["failed"]) == (1, 1)
    row = LegacyRejectedFile.objects.get()
    assert row.path == "2022-03-01-NW202203011000017.md"
    assert bytes(row.data).decode() == text
    assert "value too long" in row.reason


def test_a_dry_run_and_skipped_files_store_no_rejected_text(tmp_path):
    """A dry run writes nothing; a README is not a post, so there is nothing to keep."""
    write(tmp_path, "2022-03-05-empty.md", b"")
    write(tmp_path, "README.md", "说明。\n")

    assert import_posts([tmp_path], dry_run=True).counts["failed"] == 1
    assert not LegacyRejectedFile.objects.exists()

    import_posts([tmp_path])
    assert list(LegacyRejectedFile.objects.values_list("path", flat=True)) == [
        "2022-03-05-empty.md"
    ]


def test_a_gb18030_post_imports_when_its_encoding_is_given(tmp_path):
    """Some legacy exports are GB18030; the --encoding option must make them importable."""
    path = write(
        tmp_path,
        "2022-03-04-NW202203041000013.md",
        source_post("202203041000013", title="国标编码的稿件").encode("gb18030"),
    )
    assert import_posts([path]).counts["failed"] == 1

    report = import_posts([path], encoding="gb18030")

    assert report.counts == {"created": 1, "updated": 0, "unchanged": 0, "skipped": 0, "failed": 0}
    assert Article.objects.get().title == "国标编码的稿件"


def test_command_exits_1_and_lists_every_failure_when_some_files_fail(tmp_path):
    """Cron and CI rely on the exit status to notice a partly failed import."""
    bad = _good_and_bad_posts(tmp_path)
    out, err = io.StringIO(), io.StringIO()

    with pytest.raises(SystemExit) as exit_info:
        call_command("import_posts", str(tmp_path), stdout=out, stderr=err)

    assert exit_info.value.code == 1
    assert "新建 2" in out.getvalue()
    assert f"失败 {len(bad)}" in out.getvalue()
    failure_lines = err.getvalue().strip().splitlines()
    assert len(failure_lines) == len(bad)
    for path in bad:
        assert any(line.startswith(f"失败 {path}：") for line in failure_lines), path
    assert Article.objects.count() == 2


def test_command_exits_0_when_every_file_imports(tmp_path):
    """A clean run must not alarm the operator's cron job."""
    write(tmp_path, "2022-03-01-NW202203011000020.md", source_post("202203011000020"))
    out, err = io.StringIO(), io.StringIO()

    try:
        call_command("import_posts", str(tmp_path), stdout=out, stderr=err)
    except SystemExit as exc:  # pragma: no cover - the failure message says what happened
        pytest.fail(f"import_posts exited with {exc.code}: {err.getvalue()}")

    assert "新建 1" in out.getvalue()
    assert err.getvalue() == ""
    assert Article.objects.count() == 1


def test_quiet_command_prints_only_the_summary_and_the_failures(tmp_path):
    """On a 17,000-file run the operator needs the failures, not pages of notes."""
    # A title with raw double quotes is imported with a warning; one file fails.
    warned = source_post("202203011000030", title='机构称"稳增长"主线不变')
    write(tmp_path, "2022-03-01-NW202203011000030.md", warned)
    write(tmp_path, "2022-03-05-empty.md", b"")

    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(SystemExit):
        call_command("import_posts", str(tmp_path), stdout=out, stderr=err)
    assert "注意 2022-03-01-NW202203011000030.md" in out.getvalue()

    Article.objects.all().delete()
    LegacySource.objects.all().delete()
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(SystemExit):
        call_command("import_posts", str(tmp_path), "--quiet", stdout=out, stderr=err)

    lines = out.getvalue().strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("新建 1，")
    assert err.getvalue().strip().splitlines() == ["失败 2022-03-05-empty.md：空文件 (empty file)"]


def test_missing_path_is_a_command_error_naming_the_path(tmp_path):
    """A typo in the path must give a clear message, not a traceback or a silent no-op."""
    missing = tmp_path / "no-such-dir"
    with pytest.raises(CommandError, match="no-such-dir"):
        call_command("import_posts", str(missing), stdout=io.StringIO(), stderr=io.StringIO())
    assert Article.objects.count() == 0


def test_missing_path_records_no_import_run(tmp_path):
    """The dashboard must not show a never-finished run for a mistyped path."""
    with pytest.raises(CommandError):
        call_command(
            "import_posts", str(tmp_path / "typo"), stdout=io.StringIO(), stderr=io.StringIO()
        )
    assert ImportRun.objects.count() == 0


# --------------------------------------------------------------------------------------------
# Stocks and categories


def test_widgets_and_inline_mentions_become_ordered_unique_stocks_with_site_links(tmp_path, client):
    """Stock pages and chips are how readers follow a company across stories."""
    body = (
        widget(0, "002572")
        + f"<p>{inline(1, '600519', '贵州茅台')}领涨，{inline(90, 'BK1037', '消费电子')}走强，"
        + f"{inline(0, '002572', '索菲亚')}跟涨。</p>"
        + f"<p>{common(1, '600519', '贵州茅台')}再创新高。</p>"
        + widget(106, "NIO")
    )
    write(tmp_path, "2022-03-01-NW202203011000040.md", source_post("202203011000040", body=body))

    import_posts([tmp_path])

    article = Article.objects.get()
    stocks = article.ordered_stocks()
    assert [s.symbol for s in stocks] == ["0.002572", "1.600519", "90.BK1037", "106.NIO"]
    assert StockReference.objects.count() == 4
    assert {s.symbol: s.name for s in stocks} == {
        "0.002572": "索菲亚",
        "1.600519": "贵州茅台",
        "90.BK1037": "消费电子",
        "106.NIO": "",
    }
    sector = StockReference.objects.get(market=90, code="BK1037")
    assert sector.is_sector
    assert sector.exchange_label == "东财板块"

    html = client.get(article.get_absolute_url()).content.decode()
    assert '<a href="/stock/1.600519/" class="stock-link">贵州茅台</a>' in html
    assert '<a href="/stock/90.BK1037/" class="stock-link">消费电子</a>' in html
    assert '<a href="/stock/0.002572/" class="stock-link">索菲亚</a>' in html
    assert "EM_StockImg" not in article.body_html
    assert "display:none" not in article.body_html

    sector_page = client.get("/stock/90.BK1037/")
    assert sector_page.status_code == 200
    assert "东财板块（行业/概念板块）" in sector_page.content.decode()
    assert article.title in sector_page.content.decode()


def test_index_quote_links_in_infokey_markup_become_stocks_with_pages(tmp_path, client):
    """Market reports name 创业板指 and 上证指数; readers follow an index like any security."""
    body = (
        '<p><span id="Info.3170"><a href="http://quote.eastmoney.com/unify/r/0.399006" '
        'class="infokey">创业板指</a></span>跌1.2%，'
        '<a href="http://quote.eastmoney.com/unify/r/1.000001" class="infokey">上证指数</a>'
        '微涨，<span id="Info.3306"><a href="http://data.eastmoney.com/other/qsjy.html" '
        'class="infokey">券商</a></span>走弱。</p>'
    )
    write(tmp_path, "2022-03-01-NW202203011000041.md", source_post("202203011000041", body=body))

    import_posts([tmp_path])

    article = Article.objects.get()
    assert [(s.symbol, s.name) for s in article.ordered_stocks()] == [
        ("0.399006", "创业板指"),
        ("1.000001", "上证指数"),
    ]
    assert '<a href="/stock/0.399006/" class="stock-link">创业板指</a>' in article.body_html
    assert 'href="http://data.eastmoney.com/other/qsjy.html"' in article.body_html
    page = client.get("/stock/0.399006/")
    assert page.status_code == 200
    assert article.title in page.content.decode()


def test_case_twin_categories_become_one_category_and_both_old_urls_redirect(tmp_path, client):
    """TechWeb and Techweb were one publication; readers must find all its stories together."""
    write(
        tmp_path,
        "2022-04-06-NW202204061000050.md",
        source_post("202204061000050", title="大写", categories="TechWeb", tags="TechWeb新闻"),
    )
    write(
        tmp_path,
        "2022-04-07-NW202204071000051.md",
        source_post("202204071000051", title="小写", categories="Techweb", tags="Techweb新闻"),
    )

    import_posts([tmp_path])

    assert Category.objects.count() == 1
    category = Category.objects.get()
    assert category.slug == "techweb"
    assert set(category.articles.values_list("title", flat=True)) == {"大写", "小写"}
    target = category.get_absolute_url()
    assert_redirects_to(client, "/category/TechWeb.html", target)
    assert_redirects_to(client, "/category/Techweb.html", target)
    page = client.get(target).content.decode()
    assert "大写" in page and "小写" in page


def test_category_name_comes_from_the_first_tag_with_the_doubled_xinwen_collapsed(tmp_path):
    """The menu must read 每日经济新闻, not the generator's 每日经济新闻新闻."""
    write(
        tmp_path,
        "2022-02-09-NW202202091000060.md",
        source_post("202202091000060", categories="meirijingjixinwen", tags="每日经济新闻新闻"),
    )
    text = front_matter(
        title="周报", categories="bianjibu", tags="[编辑部, 周报]", date="2022-05-05 18:00:00"
    )
    write(tmp_path, "2022-05-05-weekly-review.md", text + "<p>本周回顾。</p>\n")

    import_posts([tmp_path])

    names = dict(Category.objects.values_list("slug", "name"))
    assert names == {"meirijingjixinwen": "每日经济新闻", "bianjibu": "编辑部"}
    assert set(Article.objects.get(title="周报").tags.names()) == {"编辑部", "周报"}


# --------------------------------------------------------------------------------------------
# Import runs


def test_every_real_run_is_recorded_with_its_counts(tmp_path):
    """The dashboard shows operators what each sync did, and when."""
    write(tmp_path, "2022-03-01-NW202203011000070.md", source_post("202203011000070"))
    write(tmp_path, "2022-03-05-empty.md", b"")
    first = import_posts([tmp_path])
    write(tmp_path, "2022-03-02-NW202203021000071.md", source_post("202203021000071"))
    second = import_posts([tmp_path])
    import_posts([tmp_path], dry_run=True)

    runs = list(ImportRun.objects.order_by("started_at", "pk"))
    assert len(runs) == 2
    for run, report in zip(runs, [first, second], strict=True):
        assert {o: getattr(run, o) for o in report.counts} == report.counts
        assert run.finished_at is not None and run.finished_at >= run.started_at
        assert not run.dry_run
    assert (runs[0].created, runs[0].failed) == (1, 1)
    assert (runs[1].created, runs[1].unchanged, runs[1].failed) == (1, 1, 1)


# --------------------------------------------------------------------------------------------
# --fetch-images, against a real local HTTP server


def _png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 3), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def image_server(monkeypatch):
    """A real HTTP server on 127.0.0.1 serving a PNG, a non-image and a 404; counts requests."""
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    png = _png_bytes()
    requests: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the http.server API
            requests.append(self.path)
            if self.path.startswith("/pic.png"):
                self._send(200, "image/png", png)
            elif self.path == "/notimage.png":
                self._send(200, "image/png", b"<html>not an image</html>")
            else:
                self._send(404, "text/plain", b"not found")

        def _send(self, status, content_type, data):
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    server.requests = requests
    server.png = png
    yield server
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def _posts_with_images(root: Path, base: str) -> None:
    pic = f"{base}/pic.png?w=4&amp;h=3"
    write(
        root,
        "2022-03-01-NW202203011000080.md",
        source_post(
            "202203011000080",
            title="有图的稿件",
            body=(
                f'<p><img src="{pic}" alt="图一" /></p><p>正文。</p>'
                f'<p><img src="{base}/notimage.png" alt="坏图" /></p>'
                f'<p><img src="{base}/missing.png" alt="缺图" /></p>'
            ),
        ),
    )
    write(
        root,
        "2022-03-02-NW202203021000081.md",
        source_post(
            "202203021000081", title="同一张图", body=f'<p><img src="{pic}" alt="图一" /></p>'
        ),
    )


def test_fetch_images_downloads_each_image_once_and_points_bodies_at_the_local_copy(
    tmp_path, settings, image_server, client
):
    """Old image hosts disappear; the archive must keep its pictures on our own storage."""
    settings.MEDIA_ROOT = tmp_path / "media"
    posts = tmp_path / "posts"
    base = image_server.base_url
    _posts_with_images(posts, base)

    report = import_posts([posts], fetch_images=True)

    assert report.counts["created"] == 2
    assert report.counts["failed"] == 0
    assert image_server.requests.count("/pic.png?w=4&h=3") == 1
    image = LegacyImage.objects.get()
    assert image.url == f"{base}/pic.png?w=4&h=3"
    stored = Path(image.file.path)
    assert stored.is_file()
    assert stored.read_bytes() == image_server.png
    assert stored.is_relative_to(settings.MEDIA_ROOT)
    local_url = image.file.url
    assert local_url.startswith(settings.MEDIA_URL)

    for article in Article.objects.all():
        assert f'src="{local_url}"' in article.body_html
        assert "/pic.png" not in article.body_html
    first = Article.objects.get(title="有图的稿件")
    # Failed downloads leave the original address in place.
    assert f'src="{base}/notimage.png"' in first.body_html
    assert f'src="{base}/missing.png"' in first.body_html
    assert f'src="{local_url}"' in client.get(first.get_absolute_url()).content.decode()

    warnings = dict(report.warnings)
    notes = [w for p, w in report.warnings if p == "2022-03-01-NW202203011000080.md"]
    assert len(notes) == 2
    assert any("notimage.png" in w and "不是有效的图片" in w for w in notes)
    assert any("missing.png" in w and "404" in w for w in notes)
    assert "2022-03-02-NW202203021000081.md" not in warnings

    # A re-run with the flag downloads nothing again.
    import_posts([posts], fetch_images=True, overwrite_edited=True)
    assert image_server.requests.count("/pic.png?w=4&h=3") == 1
    assert LegacyImage.objects.count() == 1


def test_without_fetch_images_remote_images_are_left_alone(tmp_path, settings, image_server):
    """Downloading is opt-in: a plain import must not touch the network."""
    settings.MEDIA_ROOT = tmp_path / "media"
    posts = tmp_path / "posts"
    _posts_with_images(posts, image_server.base_url)

    report = import_posts([posts])

    assert report.counts["created"] == 2
    assert report.warnings == []
    assert image_server.requests == []
    assert LegacyImage.objects.count() == 0
    assert not (tmp_path / "media").exists()
    article = Article.objects.get(title="同一张图")
    assert f'src="{image_server.base_url}/pic.png?w=4&amp;h=3"' in article.body_html


def test_fetch_images_on_a_later_run_downloads_images_of_already_imported_posts(
    tmp_path, settings, image_server
):
    """Operators import first and fetch images later; the second step must not be a no-op."""
    settings.MEDIA_ROOT = tmp_path / "media"
    posts = tmp_path / "posts"
    _posts_with_images(posts, image_server.base_url)
    import_posts([posts])

    import_posts([posts], fetch_images=True)

    assert image_server.requests.count("/pic.png?w=4&h=3") == 1
    local_url = LegacyImage.objects.get().file.url
    assert f'src="{local_url}"' in Article.objects.get(title="同一张图").body_html


def test_fetch_images_downloads_the_full_size_orginial_src_not_the_thumbnail(
    tmp_path, settings, image_server
):
    """The archive's src is a thumbnail; the picture worth keeping is in orginial_src (sic)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    base = image_server.base_url
    body = f'<p><img src="{base}/thumb.png" orginial_src="{base}/pic.png?full=1" alt="图" /></p>'
    write(
        tmp_path / "posts",
        "2022-03-01-NW202203011000082.md",
        source_post("202203011000082", body=body),
    )

    report = import_posts([tmp_path / "posts"], fetch_images=True)

    assert report.counts["created"] == 1
    assert report.warnings == []
    assert image_server.requests == ["/pic.png?full=1"]
    image = LegacyImage.objects.get()
    assert image.url == f"{base}/pic.png?full=1"
    html = Article.objects.get().body_html
    assert f'src="{image.file.url}"' in html
    assert "thumb.png" not in html


def test_a_remote_image_links_to_its_full_size_orginial_src(tmp_path, client):
    """Without --fetch-images, "[图片] 查看原图" must open the original, not the thumbnail."""
    body = (
        '<center><img src="https://dfscdn.dfcfw.com/download/D7_w400h300.jpg" '
        'orginial_src="https://dfscdn.dfcfw.com/download/D7.jpg" /></center>'
    )
    write(tmp_path, "2022-03-01-NW202203011000083.md", source_post("202203011000083", body=body))

    import_posts([tmp_path])

    article = Article.objects.get()
    link = (
        '<a href="https://dfscdn.dfcfw.com/download/D7.jpg" class="remote-image" '
        'rel="nofollow noopener">[图片] 查看原图</a>'
    )
    assert link in article.body_html
    page = client.get(article.get_absolute_url()).content.decode()
    assert link in page
    assert "D7_w400h300" not in page


def test_published_dates_are_china_time(tmp_path):
    """Legacy dates were written in China time; a wrong zone shifts every story by hours."""
    write(
        tmp_path,
        "2022-03-01-NW202203011000090.md",
        source_post("202203011000090", date="2022-03-01 00:30:00"),
    )
    import_posts([tmp_path])
    published = Article.objects.get().published_at
    assert published.timestamp() == datetime.fromisoformat("2022-03-01T00:30:00+08:00").timestamp()


def test_imported_articles_start_with_an_import_revision(tmp_path):
    """The revision history must show that the first version came from the archive."""
    from articles.models import Revision

    write(tmp_path, "2022-03-01-NW202203011000077.md", source_post("202203011000077"))
    import_posts([tmp_path])
    article = Article.objects.get()
    assert list(article.revisions.values_list("kind", "author")) == [(Revision.Kind.IMPORT, None)]
    import_posts([tmp_path])  # unchanged: no new revision
    assert article.revisions.count() == 1
