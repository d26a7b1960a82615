"""Unit tests for legacy.parser, the parser of the legacy Jekyll posts.

Pure Python: no database, no Django. Posts are built inline from small helpers, and the
hand-written posts in sample_posts/ check the whole format end to end.
"""

import re
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import markdown
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from legacy.dates import parse_legacy_date
from legacy.files import iter_post_paths
from legacy.markup import _is_only_html_blocks
from legacy.parser import LegacyPost, LegacyPostError, NotAPostError, StockMention, parse_post
from legacy.slugs import jekyll_permalinks, normalize_category_slug

SHANGHAI = ZoneInfo("Asia/Shanghai")
SAMPLES = Path(__file__).resolve().parents[2] / "sample_posts"
SLUG_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")

SPACER = '<p style="display:none;height:1px;overflow:hidden;"><br /></p>'
INFO_LINK = "<http://finews.zning.xyz/html_News/NewsShare.html?infoCode=NW202203012280001111>"
EM_LINK = "<http://finance.eastmoney.com/news/1350,202203012280001111.html>"
NAV = (
    "[返回证券日报新闻](//finews.withounder.com/category/zhengquanribao.html)"
    "｜[返回首页](//finews.withounder.com/)"
)


def iter_post_files(paths):
    """The files the importer would read under `paths`, as Paths (see iter_post_paths)."""
    return (Path(path) for path, _ in iter_post_paths(paths))


def front_matter(**fields) -> str:
    """A front matter block in the generator's layout; a value of None leaves the key out."""
    values = {
        "layout": "post",
        "title": '"测试标题"',
        "date": "2022-03-01 09:30:00 +0800",
        "categories": "zhengquanribao",
        "tags": "证券日报新闻",
    }
    values.update(fields)
    lines = [f"{key}: {value}" for key, value in values.items() if value is not None]
    return "---\n" + "\n".join(lines) + "\n---\n"


def source_post(body: str = "<p>正文第一段。</p>", **fields) -> str:
    """A source post: HTML right after the front matter, then the infoCode link and nav."""
    return front_matter(**fields) + body + f"\n\n{INFO_LINK}\n\n{NAV}"


def rolling_post(body: str, **fields) -> str:
    """A rolling-news post in the emnews category with its EastMoney link and nav."""
    fields.setdefault("categories", "emnews")
    fields.setdefault("tags", "东财滚动新闻")
    nav = (
        "[返回东财滚动新闻](//finews.withounder.com/emnews/)｜[返回首页](//finews.withounder.com/)"
    )
    return front_matter(**fields) + body + f"\n\n{EM_LINK}\n\n{nav}"


def parse(text: str, name: str = "2022-03-01-NW202203012280001111.md", **kwargs) -> LegacyPost:
    """Parse a post given as text, under a realistic file name."""
    return parse_post(text.encode("utf-8"), name, **kwargs)


def widget(market: int, code: str, kind: int = 1) -> str:
    """A stock widget block exactly as the generator wrote it."""
    return (
        f'{SPACER}<!-- EM_StockImg_Start --><p style="text-align:center;">'
        f'<a href="http://quote.eastmoney.com/unify/r/{market}.{code}" '
        f'data-code="{code}|{market}|{kind}" data-code2="{code}|{market}|3|" class="EmImageRemark" '
        f'target="_blank"><img src="https://webquoteklinepic.eastmoney.com/GetPic.aspx?'
        f'nid={market}.{code}&imageType=k&token=abc&at=1" border="0" alt="K图 {code}_0" '
        f'data-code="K {code}|{market}|{kind}" width="578" height="276" /></a></p>'
        "<!-- EM_StockImg_End -->"
    )


def keytip(market: int, code: str, name: str) -> str:
    """An inline stock (or sector, with bk_) span with its empty quote placeholder."""
    prefix, quote = ("bk_", "bkquote_") if market == 90 else ("stock_", "quote_")
    return (
        f'<span id="{prefix}{market}.{code}"><a href="http://quote.eastmoney.com/unify/r/'
        f'{market}.{code}" class="keytip" data-code="{market},{code}">{name}</a></span>'
        f'<span id="{quote}{market}.{code}"></span>'
    )


def common(market: int, code: str, name: str) -> str:
    """The later-repeat form of an inline mention."""
    return (
        f'<span web="1" href="http://quote.eastmoney.com/unify/r/{market}.{code}" '
        f'class="em_stock_key_common" data-code="{market},{code}">{name}</span>'
    )


# --------------------------------------------------------------------------------------------
# Bytes and decoding


def test_utf8_byte_order_mark_is_ignored():
    """Files saved by Windows editors start with a BOM, which must not hide the front matter."""
    post = parse_post(b"\xef\xbb\xbf" + source_post().encode(), "2022-03-01-NW1234567.md")
    assert post.title == "测试标题"
    assert not post.source_text.startswith("\ufeff")


def test_crlf_line_endings_parse_like_lf():
    """A post copied through Windows must give the same article as the original."""
    text = rolling_post("> 摘要一句。\n\n<p>正文。</p>")
    lf = parse(text)
    crlf = parse(text.replace("\n", "\r\n"))
    assert (crlf.title, crlf.digest, crlf.body_html, crlf.original_url) == (
        lf.title,
        lf.digest,
        lf.body_html,
        lf.original_url,
    )


def test_other_encodings_decode_with_the_encoding_argument():
    """Some archives were saved as GB18030; the importer passes the encoding through."""
    data = source_post().encode("gb18030")
    assert parse_post(data, "2022-03-01-NW1234567.md", encoding="gb18030").title == "测试标题"


def test_undecodable_bytes_raise_a_clear_error():
    """A wrongly encoded file is reported with the offset, not as a crash."""
    with pytest.raises(LegacyPostError, match="decode"):
        parse_post(source_post().encode("gb18030"), "2022-03-01-NW1234567.md")


def test_unknown_encoding_is_a_legacy_post_error():
    """A typo in the --encoding option must be reported per file like any other problem."""
    with pytest.raises(LegacyPostError, match="encoding"):
        parse_post(b"---\n", "x.md", encoding="no-such-codec")


@pytest.mark.parametrize("data", [b"", b"   \n\n  \r\n"])
def test_empty_file_is_rejected(data):
    """An empty file is a failed export, not an article without text."""
    with pytest.raises(LegacyPostError, match="empty"):
        parse_post(data, "2022-03-01-NW1234567.md")


def test_source_text_keeps_the_decoded_original():
    """Nothing is lost: the stored source is the file's text, footer and all."""
    text = source_post()
    assert parse(text).source_text == text


def test_error_reasons_are_one_line():
    """The importer's report has one row per failed file, so a reason must not wrap."""
    with pytest.raises(LegacyPostError) as info:
        parse(front_matter(title='"a"\n  bad: [unclosed') + "<p>x</p>")
    assert "\n" not in str(info.value)


# --------------------------------------------------------------------------------------------
# Front matter


def test_blank_lines_before_the_front_matter_are_allowed():
    """Some early files start with an empty line; their front matter is still there."""
    assert parse("\n\n" + source_post()).title == "测试标题"


def test_missing_front_matter_is_rejected():
    """Without front matter there is no title or date to import."""
    with pytest.raises(LegacyPostError, match="front matter") as info:
        parse("<p>只有正文。</p>\n")
    assert not isinstance(info.value, NotAPostError)


NOT_POSTS = {
    "README.md": source_post(),  # a README is never a post, even with front matter
    "docs/readme.txt": "这个目录是旧站的文章。\n",
    "INDEX.md": "---\nlayout: home\ntitle: 首页\n---\n{% for post in site.posts %}\n",
    "index.html": "<html><body>旧站首页</body></html>\n",
    "notes.md": "随手记：没有 front matter 的笔记。\n",
    "empty.md": "",
    "gbk-notes.txt": "国标编码的笔记".encode("gb18030"),
}


@pytest.mark.parametrize("name, content", NOT_POSTS.items(), ids=NOT_POSTS)
def test_files_that_are_not_posts_raise_not_a_post_error(name, content):
    """READMEs, indexes and front-matter-less files with no post name are not failed posts."""
    data = content if isinstance(content, bytes) else content.encode("utf-8")
    with pytest.raises(NotAPostError, match="不是文章"):
        parse_post(data, name)


@pytest.mark.parametrize("name", ["2022-03-01-notes.md", "archive/2022-03-01-NW2022030111.html"])
@pytest.mark.parametrize("content", ["<p>只有正文。</p>\n".encode(), b"", b"\xff\xfe"])
def test_a_post_named_file_without_front_matter_is_a_failed_post(name, content):
    """A file named like a post is a broken post, whatever it holds: the operator must know."""
    with pytest.raises(LegacyPostError) as info:
        parse_post(content, name)
    assert not isinstance(info.value, NotAPostError)


def test_a_file_with_front_matter_is_a_post_whatever_its_name():
    """Hand-made posts were not always named by date; their front matter makes them posts."""
    assert parse(source_post(), "notes.md").title == "测试标题"


def test_unclosed_front_matter_is_rejected():
    """A truncated file must not be read as one giant front matter."""
    with pytest.raises(LegacyPostError, match="closing"):
        parse('---\ntitle: "标题"\ndate: 2022-03-01\n<p>正文</p>\n')


def test_front_matter_that_is_not_yaml_is_rejected():
    """A YAML error other than the known title quirk is a failure, with YAML's reason."""
    with pytest.raises(LegacyPostError, match="YAML"):
        parse(front_matter(tags="[证券日报新闻") + "<p>x</p>")


@pytest.mark.parametrize("yaml_text", ["- a\n- b", "just a string", ""])
def test_front_matter_that_is_not_a_mapping_is_rejected(yaml_text):
    """Front matter must be key/value pairs; a list or a scalar has no title."""
    with pytest.raises(LegacyPostError, match="mapping"):
        parse(f"---\n{yaml_text}\n---\n<p>x</p>")


def test_title_with_unescaped_double_quotes_is_recovered_with_a_warning():
    """The generator never escaped titles, so an inner '"' broke the YAML of real posts."""
    post = parse(source_post(title='"机构称"稳增长"主线不变"'))
    assert post.title == '机构称"稳增长"主线不变'
    assert post.published_at == datetime(2022, 3, 1, 9, 30, tzinfo=SHANGHAI)
    assert len(post.warnings) == 1
    assert "title" in post.warnings[0]


def test_title_with_valid_yaml_escapes_is_decoded_as_yaml_decodes_it():
    """Later files escape '"' and '\\' properly; showing the backslashes would garble them."""
    post = parse(source_post(title='"机构称\\"稳增长\\"主线不变 A\\\\B股"'))
    assert post.title == '机构称"稳增长"主线不变 A\\B股'
    assert post.warnings == []


def test_title_with_an_invalid_escape_keeps_the_raw_text():
    """A "\\d" is no YAML escape, so the YAML fails: the generator meant a literal backslash."""
    post = parse(source_post(title='"A\\dB股 \\ 比价"'))
    assert post.title == "A\\dB股 \\ 比价"
    assert post.published_at == datetime(2022, 3, 1, 9, 30, tzinfo=SHANGHAI)
    assert len(post.warnings) == 1
    assert "title" in post.warnings[0]


def test_unescaped_title_does_not_hide_other_yaml_errors():
    """Recovering the title must not let a second, unrelated YAML error through."""
    with pytest.raises(LegacyPostError, match="YAML"):
        parse(source_post(title='"a "b" c"', tags="[unclosed"))


@pytest.mark.parametrize("title", [None, '""', '"   "', "", "[1, 2]"])
def test_missing_or_empty_title_is_rejected(title):
    """An article needs a headline; the importer cannot invent one."""
    with pytest.raises(LegacyPostError, match="title"):
        parse(source_post(title=title))


def test_title_entities_are_decoded_and_whitespace_trimmed():
    """Some titles carry HTML entities; the new site stores text and escapes on output."""
    assert parse(source_post(title='"  A&amp;B 公司&lt;公告&gt; "')).title == "A&B 公司<公告>"


# --------------------------------------------------------------------------------------------
# Dates


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2022-04-08 02:02:40 +0800", datetime(2022, 4, 8, 2, 2, 40, tzinfo=SHANGHAI)),
        ("2022-04-08 02:02:40 +08:00", datetime(2022, 4, 8, 2, 2, 40, tzinfo=SHANGHAI)),
        ("2022-04-07 18:02:40 Z", datetime(2022, 4, 8, 2, 2, 40, tzinfo=SHANGHAI)),
        ("2022-04-07T18:02:40Z", datetime(2022, 4, 8, 2, 2, 40, tzinfo=SHANGHAI)),
        ("2022-04-08 02:02:40", datetime(2022, 4, 8, 2, 2, 40, tzinfo=SHANGHAI)),
        ("2022-04-08", datetime(2022, 4, 8, tzinfo=SHANGHAI)),
        ("2022-04-07 20:02:40 -0600", datetime(2022, 4, 8, 10, 2, 40, tzinfo=SHANGHAI)),
    ],
)
def test_every_date_form_jekyll_accepted_becomes_an_aware_china_time(raw, expected):
    """Jekyll read all these forms; zone-less ones were China time on the legacy site."""
    published = parse(source_post(date=raw)).published_at
    assert published == expected
    assert published.tzinfo is not None
    assert published.utcoffset() == timedelta(hours=8)


def test_yaml_datetime_and_date_objects_are_handled():
    """PyYAML turns some date forms into datetime or date objects before we see them."""
    assert parse_legacy_date(datetime(2022, 1, 2, 3, 4)) == datetime(
        2022, 1, 2, 3, 4, tzinfo=SHANGHAI
    )
    assert parse_legacy_date(datetime(2022, 1, 1, 19, 4, tzinfo=UTC)) == datetime(
        2022, 1, 2, 3, 4, tzinfo=SHANGHAI
    )
    assert parse_legacy_date(date(2022, 1, 2)) == datetime(2022, 1, 2, tzinfo=SHANGHAI)


def test_missing_date_falls_back_to_the_file_name_date():
    """Jekyll dated a post without `date` by its file name, at midnight China time."""
    post = parse(source_post(date=None), name="2022-05-20-NW202205202390112233.md")
    assert post.published_at == datetime(2022, 5, 20, tzinfo=SHANGHAI)
    assert post.warnings


def test_missing_date_and_undated_file_name_is_rejected():
    """With neither a date nor a dated file name there is no publish time to import."""
    with pytest.raises(LegacyPostError, match="date"):
        parse(source_post(date=None), name="notes.md")


@pytest.mark.parametrize(
    "raw", ['""', '" +0800"', "yesterday", "2022-02-30 10:00:00 +0800", "2022-13-01", "2022-02-30"]
)
def test_empty_or_unparseable_dates_are_rejected(raw):
    """A wrong date would publish the article at the wrong place in the archive."""
    with pytest.raises(LegacyPostError, match="date"):
        parse(source_post(date=raw))


def test_empty_date_key_is_rejected_rather_than_guessed():
    """`date:` with nothing after it is a broken export, unlike a missing key."""
    with pytest.raises(LegacyPostError, match="date"):
        parse(source_post(date=""))


# --------------------------------------------------------------------------------------------
# Categories and tags


def test_categories_list_uses_its_first_entry():
    """Jekyll allows a list; the first category is the article's section."""
    post = parse(source_post(categories="[cailianshe, extra]"))
    assert post.category_legacy_slug == "cailianshe"
    assert post.category_slug == "cailianshe"


def test_tags_string_is_split_on_whitespace_like_jekyll():
    """Jekyll split a tags string, so the legacy site had two tags for such a post."""
    assert parse(source_post(tags="21世纪经济报道 21财经APP新闻")).tags == [
        "21世纪经济报道",
        "21财经APP新闻",
    ]


def test_tags_list_entries_are_kept_whole():
    """List entries were never split by Jekyll; repeats and blanks are dropped."""
    assert parse(source_post(tags='[编辑部, "周 报", 编辑部, ""]')).tags == ["编辑部", "周 报"]


def test_category_name_collapses_the_doubled_xinwen():
    """每日经济新闻 plus the generator's 新闻 suffix gave 每日经济新闻新闻."""
    post = parse(source_post(categories="meirijingjixinwen", tags="每日经济新闻新闻"))
    assert post.category_name == "每日经济新闻"
    assert post.tags == ["每日经济新闻新闻"]


def test_category_name_keeps_a_publication_name_that_has_a_space():
    """A tags string is one publication name even though Jekyll split it into two tags."""
    post = parse(source_post(tags="21世纪经济报道 21财经APP新闻"))
    assert post.category_name == "21世纪经济报道 21财经APP新闻"


def test_category_name_falls_back_to_the_source_then_the_slug():
    """Without tags the em_media source names the section, else the raw slug does."""
    body = '<p>x</p><p class="em_media">（文章来源：证券时报）</p>'
    assert parse(source_post(body, tags=None)).category_name == "证券时报"
    assert parse(source_post(tags=None)).category_name == "zhengquanribao"


def test_category_slug_is_normalized_but_the_raw_one_is_kept():
    """The raw slug is needed for /category/<raw>.html redirects; the clean one for URLs."""
    post = parse(source_post(categories="anxinguojizhengquan(xianggang)"))
    assert post.category_slug == "anxinguojizhengquan-xianggang"
    assert post.category_legacy_slug == "anxinguojizhengquan(xianggang)"


def test_missing_categories_still_parse_with_a_warning():
    """Jekyll allowed posts without a category; the importer files them under a fallback."""
    post = parse(source_post(categories=None))
    assert post.category_slug == "category"
    assert post.category_legacy_slug == ""
    assert any("categor" in w for w in post.warnings)


@pytest.mark.parametrize(
    ("raw", "slug"),
    [
        ("emnews", "emnews"),
        ("TechWeb", "techweb"),
        ("Techweb", "techweb"),
        ("CBOT", "cbot"),
        ("21shijijingjibaodao", "21shijijingjibaodao"),
        ("21shijijingjibaodao 21caijingAPP", "21shijijingjibaodao-21caijingapp"),
        ("21shijijingjibaodao  nancailicaitong", "21shijijingjibaodao-nancailicaitong"),
        ("anxinguojizhengquan(xianggang)", "anxinguojizhengquan-xianggang"),
        ("  --Odd__Name!!  ", "odd-name"),
        ("ＦＵＬＬｗｉｄｔｈ", "fullwidth"),
        ("", "category"),
    ],
)
def test_normalize_category_slug_examples(raw, slug):
    """Every legacy slug quirk maps to one clean ASCII slug; case twins collapse."""
    assert normalize_category_slug(raw) == slug


def test_chinese_only_categories_get_distinct_slugs():
    """Two different non-ASCII categories must not merge into one section."""
    first, second = normalize_category_slug("财经"), normalize_category_slug("股票")
    assert first != second
    assert SLUG_RE.match(first)
    assert first == normalize_category_slug("财经")


@given(st.text())
def test_normalize_category_slug_always_returns_a_clean_ascii_slug(raw):
    """Whatever the archive holds, the slug must fit Django's ASCII <slug:> converter."""
    assert SLUG_RE.match(normalize_category_slug(raw))


# --------------------------------------------------------------------------------------------
# Old URLs


def test_permalink_for_a_one_word_category():
    """Jekyll's default /:categories/:year/:month/:day/:title.html, title case kept."""
    when = datetime(2022, 5, 31, 18, 3, 41, tzinfo=SHANGHAI)
    assert jekyll_permalinks("cailianshe", when, "2022-05-31-NW202205312398034850.md") == [
        "/cailianshe/2022/05/31/NW202205312398034850.html"
    ]


def test_permalink_for_a_category_with_spaces_has_the_whole_and_the_split_segments():
    """Jekyll 3 adds a categories string both whole and split, lower-cased."""
    when = datetime(2022, 1, 24, 18, 6, tzinfo=SHANGHAI)
    assert jekyll_permalinks(
        "21shijijingjibaodao 21caijingAPP", when, "2022-01-24-NW202201242259229980.md"
    ) == [
        "/21shijijingjibaodao 21caijingapp/21shijijingjibaodao/21caijingapp"
        "/2022/01/24/NW202201242259229980.html"
    ]


def test_permalink_keeps_parentheses_and_lower_cases_the_category():
    """Parentheses survived in legacy URLs; upper-case categories did not."""
    when = datetime(2022, 3, 22, 12, tzinfo=SHANGHAI)
    assert jekyll_permalinks("anxinguojizhengquan(xianggang)", when, "2022-03-22-NWX1.md") == [
        "/anxinguojizhengquan(xianggang)/2022/03/22/NWX1.html"
    ]
    assert jekyll_permalinks("TechWeb", when, "2022-03-22-a.md")[0].startswith("/techweb/")


def test_permalink_date_is_taken_in_china_time():
    """The site ran with timezone Asia/Shanghai, so 20:00 UTC is already the next day."""
    when = datetime(2022, 1, 6, 20, 0, tzinfo=UTC)
    assert jekyll_permalinks("emnews", when, "2022-01-07-1.md") == ["/emnews/2022/01/07/1.html"]


def test_file_without_a_date_prefix_has_no_permalink():
    """Jekyll never published such files, so there is nothing to redirect."""
    assert jekyll_permalinks("emnews", datetime(2022, 1, 1, tzinfo=SHANGHAI), "notes.md") == []


def test_parsed_post_lists_its_decoded_legacy_url():
    """The importer stores these paths as 301 sources; request.path is decoded."""
    post = parse(source_post(categories="21shijijingjibaodao 21caijingAPP"))
    assert post.legacy_urls == [
        "/21shijijingjibaodao 21caijingapp/21shijijingjibaodao/21caijingapp"
        "/2022/03/01/NW202203012280001111.html"
    ]


# --------------------------------------------------------------------------------------------
# Kind and identity


def test_source_post_id_comes_from_the_infocode_link():
    """The infoCode is the story's stable id and the original article's address."""
    post = parse(source_post())
    assert post.kind == "source"
    assert post.story_id == "202203012280001111"
    assert post.legacy_key == "story:202203012280001111"
    assert post.original_url == INFO_LINK[1:-1]


def test_older_choicewzp1_infocode_host_is_recognised():
    """An older generator version linked the same NewsShare page on another host."""
    text = source_post().replace("finews.zning.xyz", "choicewzp1.eastmoney.com")
    post = parse(text)
    assert post.story_id == "202203012280001111"
    assert post.original_url.startswith("http://choicewzp1.eastmoney.com/")
    assert "choicewzp1" not in post.body_html


@pytest.mark.parametrize("host", ["finance", "stock", "hk", "futures", "forex", "mss"])
def test_rolling_post_id_comes_from_the_eastmoney_link(host):
    """Rolling news is keyed by the numeric id of its EastMoney article."""
    text = rolling_post("<p>x</p>").replace("finance.eastmoney", f"{host}.eastmoney")
    post = parse(text, name="2022-03-01-202203012280001111.md")
    assert post.kind == "rolling"
    assert post.story_id == "202203012280001111"
    assert post.original_url == f"http://{host}.eastmoney.com/news/1350,202203012280001111.html"


def test_source_and_rolling_copies_of_a_story_share_one_legacy_key():
    """The same numeric id means the same story, so a re-import updates, not duplicates."""
    source = parse(source_post(), name="2022-03-01-NW202203012280001111.md")
    rolling = parse(
        rolling_post("> 摘要。\n\n<p>正文。</p>"), name="2022-03-01-202203012280001111.md"
    )
    assert source.legacy_key == rolling.legacy_key == "story:202203012280001111"
    assert (source.kind, rolling.kind) == ("source", "rolling")


def test_file_name_id_is_used_when_the_footer_link_is_missing():
    """A hand-trimmed source post still names its story in the file name."""
    post = parse(front_matter() + "<p>x</p>", name="2022-03-01-NW202203012280009999.md")
    assert (post.kind, post.story_id, post.original_url) == ("source", "202203012280009999", "")


def test_post_without_any_id_is_keyed_by_its_path():
    """Without a story id the relative path is the only stable key for re-runs."""
    post = parse(front_matter(categories="bianjibu") + "正文。\n", name="2022-05-05-review.md")
    assert post.kind == "other"
    assert post.story_id is None
    assert post.legacy_key == "path:2022-05-05-review.md"
    assert post.path == "2022-05-05-review.md"


def test_link_id_wins_over_a_different_file_name_id_with_a_warning():
    """The footer link names the original; a mismatched file name is worth a look."""
    post = parse(source_post(), name="2022-03-01-NW202203019999999999.md")
    assert post.story_id == "202203012280001111"
    assert any("mismatch" in w for w in post.warnings)


# --------------------------------------------------------------------------------------------
# Body: widgets and stock mentions


def test_stock_widget_is_removed_and_its_security_recorded():
    """The K-line picture is hot-linked with a token; the site stores the security instead."""
    post = parse(source_post(widget(116, "09866", 5) + "<p>正文。</p>"))
    assert post.stocks == [StockMention(116, "09866")]
    assert "EM_StockImg" not in post.body_html
    assert "webquoteklinepic" not in post.body_html
    assert post.image_urls == []
    assert post.body_html == "<p>正文。</p>"


def test_consecutive_widgets_are_all_recorded_in_order():
    """A post may open with several widgets in a row (HK and NYSE listings of one company)."""
    post = parse(source_post(widget(116, "09866") + widget(106, "NIO", 7) + "<p>x</p>"))
    assert post.stocks == [StockMention(116, "09866"), StockMention(106, "NIO")]


def test_widget_that_is_only_an_image_is_recorded():
    """Some widgets have no link, only the image's "K CODE|MARKET|TYPE" data-code."""
    block = (
        '<!-- EM_StockImg_Start --><p><img src="https://webquoteklinepic.eastmoney.com/x.png" '
        'data-code="K 600036|1|2" /></p><!-- EM_StockImg_End -->'
    )
    post = parse(source_post(block + "<p>x</p>"))
    assert post.stocks == [StockMention(1, "600036")]
    assert "img" not in post.body_html


def test_sector_board_widget_is_kept_as_market_90():
    """Market 90 is an EastMoney sector board, recorded like a security so it can link."""
    post = parse(source_post(widget(90, "BK1037") + "<p>x</p>"))
    assert post.stocks == [StockMention(90, "BK1037")]


def test_inline_stock_span_becomes_a_site_stock_link():
    """EastMoney's tooltip markup becomes our own link; the name stays in the text."""
    post = parse(source_post("<p>包括" + keytip(0, "000776", "广发证券") + "等。</p>"))
    assert (
        post.body_html
        == '<p>包括<a href="/stock/0.000776/" class="stock-link">广发证券</a>等。</p>'
    )
    assert post.stocks == [StockMention(0, "000776", "广发证券")]


def test_inline_sector_span_is_a_market_90_mention():
    """bk_90.BKnnnn spans name sectors; the bkquote placeholder goes away."""
    post = parse(source_post("<p>中国" + keytip(90, "BK0473", "证券") + "业协会</p>"))
    assert post.stocks == [StockMention(90, "BK0473", "证券")]
    assert (
        post.body_html == '<p>中国<a href="/stock/90.BK0473/" class="stock-link">证券</a>业协会</p>'
    )


def test_info_market_code_span_is_a_stock_mention():
    """Hong Kong mentions use id="Info.116.CODE" around a keytip link."""
    span = (
        '<span id="Info.116.06030"><a href="http://quote.eastmoney.com/unify/r/116.06030" '
        'class="keytip" data-code="116,06030">中信证券</a></span>'
    )
    post = parse(source_post(f"<p>{span}涨超2%</p>"))
    assert post.stocks == [StockMention(116, "06030", "中信证券")]
    assert 'href="/stock/116.06030/"' in post.body_html


def test_em_stock_key_common_repeats_link_without_duplicating_mentions():
    """Later mentions use another markup; the security is still listed once."""
    body = "<p>" + keytip(1, "600030", "中信证券") + "和" + common(1, "600030", "中信证券") + "</p>"
    post = parse(source_post(body))
    assert post.stocks == [StockMention(1, "600030", "中信证券")]
    assert post.body_html.count('class="stock-link"') == 2
    assert "em_stock_key_common" not in post.body_html


def test_stocks_keep_document_order_and_take_the_first_inline_name():
    """Mentions are shown in reading order; a widget has no name, a later span supplies it."""
    body = widget(1, "600519") + "<p>" + keytip(0, "300750", "宁德时代") + "与"
    body += common(1, "600519", "贵州茅台") + "、" + keytip(1, "600519", "茅台") + "</p>"
    post = parse(source_post(body))
    assert post.stocks == [
        StockMention(1, "600519", "贵州茅台"),
        StockMention(0, "300750", "宁德时代"),
    ]


def test_stock_codes_keep_their_case_and_us_markets():
    """US tickers are letters and must keep their case for the quote URL."""
    body = "<p>" + keytip(105, "BIDU", "百度") + keytip(106, "BABA", "阿里巴巴") + "</p>"
    post = parse(source_post(body))
    assert post.stocks == [StockMention(105, "BIDU", "百度"), StockMention(106, "BABA", "阿里巴巴")]


def test_us_tickers_with_a_dot_or_a_dash_are_read_whole_from_every_form():
    """106.BRK.B and BF-B must not be cut at the '.' or '-' (see legacy_code_pattern)."""
    body = widget(106, "BRK.B") + "<p>" + keytip(106, "BF-B", "百富门") + "</p>"
    post = parse(source_post(body))
    assert post.stocks == [StockMention(106, "BRK.B"), StockMention(106, "BF-B", "百富门")]


def test_a_custom_stock_url_is_used_for_links():
    """The importer passes reverse() for the stock page so links follow the URLconf."""
    post = parse(
        source_post("<p>" + keytip(106, "NIO", "蔚来") + "</p>"),
        stock_url=lambda market, code: f"/quotes/{code}?m={market}&x=1",
    )
    assert '<a href="/quotes/NIO?m=106&amp;x=1" class="stock-link">蔚来</a>' in post.body_html


def test_infokey_spans_become_ordinary_links():
    """Links to EastMoney data pages are not securities; they stay plain links."""
    span = (
        '<span id="Info.3306"><a href="http://data.eastmoney.com/other/qsjy.html" '
        'class="infokey">券商</a></span>'
    )
    post = parse(source_post(f"<p>{span}中国获悉</p>"))
    assert (
        post.body_html
        == '<p><a href="http://data.eastmoney.com/other/qsjy.html">券商</a>中国获悉</p>'
    )
    assert post.stocks == []


INDEX_QUOTE_LINKS = {
    "infokey span, quote page": (
        '<span id="Info.3170"><a href="http://quote.eastmoney.com/unify/r/0.399006" '
        'class="infokey">创业板指</a></span>',
        StockMention(0, "399006", "创业板指"),
    ),
    "bare infokey link, protocol-relative": (
        '<a href="//quote.eastmoney.com/unify/r/1.000001" class="infokey">上证指数</a>',
        StockMention(1, "000001", "上证指数"),
    ),
    "infokey span, data-code": (
        '<span id="Info.3171"><a href="http://quote.eastmoney.com/zs399001.html" '
        'class="infokey" data-code="0,399001">深证成指</a></span>',
        StockMention(0, "399001", "深证成指"),
    ),
    "keytip span": (
        '<span id="stock_1.000300"><a href="http://quote.eastmoney.com/unify/r/1.000300" '
        'class="keytip" data-code="1,000300">沪深300</a></span><span id="quote_1.000300"></span>',
        StockMention(1, "000300", "沪深300"),
    ),
}


@pytest.mark.parametrize("markup, mention", INDEX_QUOTE_LINKS.values(), ids=INDEX_QUOTE_LINKS)
def test_links_to_index_quote_pages_are_stock_mentions(markup, mention):
    """An index (创业板指 0.399006, 上证指数 1.000001) is a security like any other."""
    post = parse(source_post(f"<p>截至收盘，{markup}上涨1.2%。</p>"))
    assert post.stocks == [mention]
    link = (
        f'<a href="/stock/{mention.market}.{mention.code}/" class="stock-link">{mention.name}</a>'
    )
    assert post.body_html == f"<p>截至收盘，{link}上涨1.2%。</p>"


def test_a_bare_infokey_link_to_a_data_page_is_left_as_it_is():
    """Only quote pages name a security; other infokey links are ordinary links."""
    link = '<a href="http://data.eastmoney.com/zlsj/" class="infokey">基金</a>'
    post = parse(source_post(f"<p>{link}销售</p>"))
    assert post.stocks == []
    assert post.body_html == f"<p>{link}销售</p>"


def test_other_spans_are_left_alone_but_mentions_inside_them_are_found():
    """Formatting spans carry meaning; a stock link inside one is still a mention."""
    inner = (
        '<a href="http://quote.eastmoney.com/unify/r/1.600036" class="keytip" '
        'data-code="1,600036">招商银行</a>'
    )
    post = parse(source_post(f'<p><span style="color:red">{inner}</span></p>'))
    assert post.stocks == [StockMention(1, "600036", "招商银行")]
    assert '<span style="color:red"><a href="/stock/1.600036/"' in post.body_html


# --------------------------------------------------------------------------------------------
# Body: noise, footers, digest, source


def test_hidden_spacer_paragraphs_are_removed():
    """The display:none spacers are layout noise that the sanitizer would keep as empty <p>."""
    post = parse(source_post(SPACER + "<p>正文。</p>" + SPACER))
    assert post.body_html == "<p>正文。</p>"


@pytest.mark.parametrize(
    "footer",
    [
        "",
        "\n",
        "\n\n[返回东财滚动新闻](../emnews/)\n[返回首页](../)",
        "\n\n[返回东财滚动新闻](./emnews/)\n[返回首页](./)",
        "\n\n[返回东财滚动新闻](//finews.zning.me/emnews/)\n[返回首页](//finews.zning.me/)",
        "\n\n[返回东财滚动新闻](//finews.withounder.com/emnews/)｜[返回首页](//finews.withounder.com/)",
        "\n\n[返回财联社新闻](//finews.withounder.com/category/cailianshe.html)｜[返回首页](//finews.withounder.com/)",
        "\n\n[返回东财滚动新闻](http://finews.withounder.com/emnews/)\n[返回首页](http://finews.withounder.com/)",
        "\n\n[返回东财滚动新闻](https://finews.withounder.com/emnews/)｜[返回首页](https://finews.withounder.com/)",
        "\r\n\r\n[返回东财滚动新闻](../emnews/)\r\n[返回首页](../)\r\n",
    ],
)
def test_every_old_navigation_footer_is_removed(footer):
    """The old site's navigation lines would be dead links on the new site."""
    text = front_matter(categories="emnews") + "<p>正文。</p>\n\n" + EM_LINK + footer
    post = parse(text, name="2022-03-01-202203012280001111.md")
    assert post.body_html == "<p>正文。</p>"
    assert post.story_id == "202203012280001111"


def test_only_trailing_link_lines_count_as_footer():
    """An article that quotes such a link in its text keeps it; only the footer goes."""
    body = f"<p>正文。</p>\n\n{EM_LINK}\n\n<p>后续段落。</p>"
    post = parse(source_post(body))
    assert "finance.eastmoney.com/news/1350" in post.body_html
    assert post.kind == "source"


def test_rolling_digest_blockquote_becomes_the_digest_and_leaves_the_body():
    """2022 rolling news repeats the digest as a blockquote before the full text."""
    post = parse(
        rolling_post("> 长春发布纾困措施。（财联社）\n\n<p>长春发布纾困措施全文。</p>"),
        name="2022-03-01-202203012280001111.md",
    )
    assert post.digest == "长春发布纾困措施。（财联社）"
    assert post.body_html == "<p>长春发布纾困措施全文。</p>"


def test_late_2021_digest_paragraph_is_both_digest_and_body():
    """Short 2021 files hold only the digest; dropping it would leave an empty article."""
    text = front_matter(categories="emnews", date="2021-12-08 10:46:18")
    text += "\n离岸人民币兑美元升至6.3512。\n\n" + EM_LINK + "\n"
    post = parse(text, name="2021-12-08-202112082206672930.md")
    assert post.digest == "离岸人民币兑美元升至6.3512。"
    assert post.body_html == "<p>离岸人民币兑美元升至6.3512。</p>"
    assert post.kind == "rolling"


def test_source_posts_have_no_digest():
    """Only rolling news has a digest; a source post's opening quote is article text."""
    post = parse(source_post("> 引用一句。\n\n<p>正文。</p>"))
    assert post.digest == ""
    assert "<blockquote>" in post.body_html


def test_em_media_gives_the_source_name_even_when_split_by_spans():
    """Rolling news splits 上海证券报 with a sector span; the name must come out whole."""
    line = '<p class="em_media">（文章来源：上海' + keytip(90, "BK0473", "证券") + "报）</p>"
    post = parse(source_post("<p>正文。</p>" + line))
    assert post.source_name == "上海证券报"
    assert post.body_html.endswith('<p class="em_media">（文章来源：上海证券报）</p>')
    assert post.stocks == []


def test_missing_em_media_gives_an_empty_source_name():
    """The importer treats "" as unknown rather than guessing from the text."""
    assert parse(source_post()).source_name == ""


# --------------------------------------------------------------------------------------------
# Body: Markdown and HTML


def test_remaining_markdown_is_rendered_like_kramdown():
    """Hand-written posts use Markdown; autolinks, links and emphasis must render."""
    text = front_matter(categories="bianjibu") + (
        "本周**三件事**：\n\n1. 一\n2. 二\n\n见 <http://data.eastmoney.com/> 和[上周](/a.html)。\n"
    )
    html = parse(text, name="2022-05-05-review.md").body_html
    assert "<strong>三件事</strong>" in html
    assert "<ol>" in html
    assert '<a href="http://data.eastmoney.com/">http://data.eastmoney.com/</a>' in html
    assert '<a href="/a.html">上周</a>' in html


def test_html_blocks_pass_through_intact_whatever_the_whitespace_between_them():
    """Blocks joined by a newline and spaces or NBSPs must not become text or code blocks."""
    body = "<p>一 *不是强调*</p>\n  <p>二</p>\n\xa0\xa0"
    body += '<center><img src="//x/a.jpg" /></center><p>三</p>'
    html = parse(source_post(body)).body_html
    assert re.sub(r">\s+<", "><", html) == (
        '<p>一 *不是强调*</p><p>二</p><center><img src="//x/a.jpg" /></center><p>三</p>'
    )


def test_entities_and_line_breaks_in_html_survive():
    """&lt; and <br /> in real articles must reach the sanitizer unchanged."""
    body = "<p>《&lt;蒙特利尔议定书&gt;基加利修正案》<br /></p>"
    assert parse(source_post(body)).body_html == body


BLOCKS = st.sampled_from(
    [
        "<p>段落 *星号* &lt;x&gt;</p>",
        '<center><img src="https://dfscdn.dfcfw.com/download/a.jpg" /></center>',
        "<p><strong>小标题</strong></p>",
        "<div><p>嵌套</p></div>",
        "<hr />",
        # No "<!-- -->": Python-Markdown moves a comment ahead of a preceding "<hr />" on the
        # same line, a quirk the fast path rightly does not copy.
        "普通文字 **粗体**",
        "<strong>行内开头</strong> 文字",
        "<p>未闭合",
        "</div>",
        "<br />",
        "> 引用",
        "- 列表项",
    ]
)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(BLOCKS, st.sampled_from(["", "\n", "\n\n", "\n  "])), max_size=6))
def test_html_only_fast_path_matches_markdown(pieces):
    """Skipping Markdown for pure HTML bodies must never change what Markdown would output."""
    text = "".join(block + sep for block, sep in pieces).strip()
    if _is_only_html_blocks(text):
        normal = re.sub(r">\s+<", "><", markdown.markdown(text).strip())
        assert re.sub(r">\s+<", "><", text) == normal


def test_image_urls_are_remote_unique_and_in_order():
    """The importer downloads these; local and data: images are not remote."""
    body = (
        '<center><img src="https://dfscdn.dfcfw.com/download/b.jpg" /></center>'
        '<p><img src="/static/local.png" /><img src="data:image/png;base64,AAAA" /></p>'
        '<center><img src="https://dfscdn.dfcfw.com/download/a.jpg?x=1&amp;y=2" /></center>'
        '<center><img src="https://dfscdn.dfcfw.com/download/b.jpg" /></center>'
    )
    assert parse(source_post(body)).image_urls == [
        "https://dfscdn.dfcfw.com/download/b.jpg",
        "https://dfscdn.dfcfw.com/download/a.jpg?x=1&y=2",
    ]


@pytest.mark.parametrize("attribute", ["orginial_src", "original_src"])
def test_full_size_orginial_src_replaces_the_thumbnail_src(attribute):
    """Legacy bodies hot-link a thumbnail; the full-size address sits in orginial_src (sic)."""
    body = (
        '<center><img src="https://dfscdn.dfcfw.com/download/D1_w400h300.jpg" '
        f'{attribute}="https://dfscdn.dfcfw.com/download/D1.jpg?a=1&amp;b=2" alt="Image" />'
        '</center><p><img src="https://dfscdn.dfcfw.com/download/D2.jpg" /></p>'
    )
    post = parse(source_post(body))
    assert post.image_urls == [
        "https://dfscdn.dfcfw.com/download/D1.jpg?a=1&b=2",
        "https://dfscdn.dfcfw.com/download/D2.jpg",
    ]
    assert post.body_html == (
        '<center><img src="https://dfscdn.dfcfw.com/download/D1.jpg?a=1&amp;b=2" alt="Image" />'
        '</center><p><img src="https://dfscdn.dfcfw.com/download/D2.jpg" /></p>'
    )


@pytest.mark.parametrize("value", ["", "  ", "/local/big.jpg", "javascript:alert(1)"])
def test_an_orginial_src_that_is_not_a_web_address_leaves_src_alone(value):
    """Only an http(s) address can stand in for the picture; anything else is dropped."""
    image = "https://dfscdn.dfcfw.com/download/D1.jpg"
    post = parse(source_post(f'<center><img src="{image}" orginial_src="{value}" /></center>'))
    assert post.image_urls == [image]
    assert post.body_html == f'<center><img src="{image}" /></center>'


def test_an_image_with_only_an_orginial_src_gets_it_as_src():
    """An image whose src is missing still shows (or links) its full-size picture."""
    post = parse(
        source_post("<p><img orginial_src='https://dfscdn.dfcfw.com/d/x.png' alt=\"图\"></p>")
    )
    assert post.image_urls == ["https://dfscdn.dfcfw.com/d/x.png"]
    assert post.body_html == '<p><img alt="图" src="https://dfscdn.dfcfw.com/d/x.png"></p>'


def test_empty_body_parses_with_a_warning():
    """A post with only a headline is odd but importable; the report should flag it."""
    post = parse(front_matter() + f"\n{INFO_LINK}\n")
    assert post.body_html == ""
    assert post.warnings


# --------------------------------------------------------------------------------------------
# Finding files


def test_iter_post_files_walks_directories_in_path_order_and_skips_hidden_and_other_files(
    tmp_path,
):
    """Runs must be repeatable; a README is listed so that the report can say it was skipped."""
    (tmp_path / "b").mkdir()
    (tmp_path / ".git").mkdir()
    for name in ["b/2022-01-02-x.md", "2022-01-01-y.html", "a.markdown", "c.txt", "README.md",
                 "notes.json", ".hidden.md", ".git/2022-01-01-z.md"]:  # fmt: skip
        (tmp_path / name).write_text("x", encoding="utf-8")
    found = [p.relative_to(tmp_path).as_posix() for p in iter_post_files([tmp_path])]
    assert found == ["2022-01-01-y.html", "README.md", "a.markdown", "b/2022-01-02-x.md", "c.txt"]


def test_iter_post_files_accepts_files_and_removes_duplicates(tmp_path):
    """A file named twice, directly and through its folder, is imported once."""
    post = tmp_path / "2022-01-01-a.md"
    post.write_text("x", encoding="utf-8")
    assert list(iter_post_files([str(post), tmp_path])) == [post]


def test_iter_post_files_reports_a_missing_path(tmp_path):
    """A typo on the command line must say which path is missing."""
    with pytest.raises(FileNotFoundError, match="nope"):
        list(iter_post_files([tmp_path / "nope"]))


# --------------------------------------------------------------------------------------------
# The sample posts


GOOD_SAMPLES = sorted(p for p in SAMPLES.glob("*.md") if p.name != "README.md")
BROKEN_SAMPLES = sorted((SAMPLES / "broken").glob("*.md"))


def parse_sample(name: str) -> LegacyPost:
    """Parse one file of sample_posts/ by name."""
    return parse_post((SAMPLES / name).read_bytes(), name)


@pytest.mark.parametrize("path", GOOD_SAMPLES, ids=lambda p: p.name)
def test_every_good_sample_post_parses_cleanly(path):
    """The samples are the demo data; each must import with a title, body and category."""
    post = parse_post(path.read_bytes(), path.name)
    assert post.title
    assert post.body_html
    assert SLUG_RE.match(post.category_slug)
    assert post.published_at < datetime(2023, 1, 1, tzinfo=SHANGHAI)
    assert "返回首页" not in post.body_html
    assert "EM_StockImg" not in post.body_html


@pytest.mark.parametrize("path", BROKEN_SAMPLES, ids=lambda p: p.name)
def test_broken_sample_posts_raise_legacy_post_error(path):
    """The importer demo must show failures reported, not crashes."""
    with pytest.raises(LegacyPostError):
        parse_post(path.read_bytes(), f"broken/{path.name}")


def test_samples_cover_the_format():
    """Guards the sample set's promises: about 30 posts and exactly 2 broken ones."""
    assert len(GOOD_SAMPLES) >= 28
    assert [p.name for p in BROKEN_SAMPLES] == [
        "2022-03-01-broken-no-front-matter.md",
        "2022-03-02-broken-bad-date.md",
    ]
    readme = SAMPLES / "README.md"
    assert list(iter_post_files([SAMPLES])) == sorted(
        [*BROKEN_SAMPLES, *GOOD_SAMPLES, readme], key=str
    )
    with pytest.raises(NotAPostError):
        parse_post(readme.read_bytes(), "README.md")


def test_sample_source_and_rolling_pair_share_a_key():
    """The demo data shows one story imported from both of its legacy files."""
    source = parse_sample("2022-04-12-NW202204122338765432.md")
    rolling = parse_sample("2022-04-12-202204122338765432.md")
    assert source.legacy_key == rolling.legacy_key


def test_sample_case_twins_share_a_category_slug():
    """TechWeb and Techweb were two category pages on the legacy site but are one section."""
    upper = parse_sample("2022-04-06-NW202204062330456781.md")
    lower = parse_sample("2022-04-07-NW202204072331678902.md")
    assert upper.category_slug == lower.category_slug == "techweb"
    assert {upper.category_legacy_slug, lower.category_legacy_slug} == {"TechWeb", "Techweb"}


def test_sample_rolling_post_with_every_inline_form():
    """One rolling sample holds stock, sector, repeat and infokey spans and a split source."""
    post = parse_sample("2022-01-12-202201122240864200.md")
    assert post.source_name == "上海证券报"
    assert post.digest.endswith("（上海证券报）")
    assert [(s.market, s.code) for s in post.stocks] == [
        (90, "BK0473"),
        (1, "600030"),
        (0, "000776"),
        (1, "600519"),
        (0, "300750"),
    ]
    assert "<span" not in post.body_html


def test_parsing_a_typical_post_is_fast():
    """17,000 posts must import in minutes; a few milliseconds per post leaves headroom."""
    data = (SAMPLES / "2022-01-12-202201122240864200.md").read_bytes()
    parse_post(data, "a.md")
    start = time.perf_counter()
    for _ in range(50):
        parse_post(data, "2022-01-12-202201122240864200.md")
    assert (time.perf_counter() - start) / 50 < 0.02


# --------------------------------------------------------------------------------------------
# Robustness: parse_post raises LegacyPostError and nothing else


def assert_parses_or_reports(data: bytes, name: str = "2022-03-01-NW1234567.md") -> None:
    """The importer's contract: a LegacyPost, or a LegacyPostError that is not a parser bug."""
    try:
        post = parse_post(data, name)
    except LegacyPostError as exc:
        assert "internal parser error" not in str(exc)
        assert "\n" not in str(exc)
    else:
        assert isinstance(post, LegacyPost)
        assert post.title
        assert post.published_at.tzinfo is not None


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_give_a_post_or_a_legacy_post_error(data):
    """A corrupt file among 17,000 must be reported, never crash the import."""
    assert_parses_or_reports(data)
    assert_parses_or_reports(b"---\n" + data)


FRAGMENTS = st.sampled_from(
    [
        "---",
        "\n",
        "\r\n",
        "title: ",
        'title: "a "b" c"',
        'title: "\\x"',
        "date: ",
        "date: 2022-02-30",
        "date: 2022-03-01 10:00:00 +0800",
        "date: 9999-12-31 23:59:59 -2359",
        "date: 0001-01-01",
        "categories: [",
        "categories: [a, b]",
        "tags: 1",
        "tags: [[x]]",
        "> ",
        "<p>",
        "</p>",
        '<span id="stock_1.600519">',
        '<a class="keytip" data-code="1,600519">',
        "</a>",
        "</span>",
        '<span web="1" class="em_stock_key_common" data-code="999,X">',
        "<!-- EM_StockImg_Start -->",
        "<!-- EM_StockImg_End -->",
        'data-code="K 09866|116|5"',
        '<p class="em_media">（文章来源：',
        INFO_LINK,
        EM_LINK,
        "[返回首页](../)",
        '<img src="http://a/b.jpg">',
        "*",
        "&amp;",
        "\x00",
        "\ufeff",
        "中文",
    ]
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(FRAGMENTS, st.text(max_size=20)), max_size=40))
def test_post_like_text_gives_a_post_or_a_legacy_post_error(parts):
    """Fragments of the real format, shuffled, probe every step of the parser."""
    text = "".join(parts)
    assert_parses_or_reports(text.encode("utf-8", "surrogatepass"))
    assert_parses_or_reports(
        ("---\ntitle: x\ndate: 2022-03-01\n---\n" + text).encode("utf-8", "surrogatepass")
    )


def test_extreme_dates_are_reported_not_crashing():
    """Year 1 or 9999 with an offset overflows datetime arithmetic in naive code."""
    for raw in ["0001-01-01 00:00:00 +0800", "9999-12-31 23:59:59 -2359", "2022-03-01 10:00 +2500"]:
        try:
            parse(source_post(date=raw))
        except LegacyPostError as exc:
            assert "internal" not in str(exc)


def test_utc_offset_without_zone_name_keeps_the_instant():
    """A non-China offset is converted, not relabelled, so the publish instant is right."""
    published = parse(source_post(date="2022-03-01 09:30:00 +0000")).published_at
    assert published == datetime(2022, 3, 1, 9, 30, tzinfo=UTC)


# --------------------------------------------------------------------------------------------
# Robustness, continued: bytes as they come off the disk (the importer reads every file with
# Path.read_bytes() and hands the bytes to parse_post with the run's --encoding). Undecodable
# bytes are a declared error, LegacyPostError, like every other bad file.

ENCODINGS = ["utf-8", "gb18030", "utf-16", "big5", "latin-1", "ascii"]


def assert_bytes_parse_or_report(data: bytes, encoding: str) -> None:
    try:
        post = parse_post(data, "2022-03-01-NW1234567.md", encoding=encoding)
    except LegacyPostError as exc:
        assert "internal parser error" not in str(exc)
        assert "\n" not in str(exc)
    else:
        assert isinstance(post, LegacyPost) and post.title
        assert post.published_at.tzinfo is not None


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=1500), st.sampled_from(ENCODINGS))
def test_arbitrary_bytes_in_any_encoding_give_a_post_or_a_legacy_post_error(data, encoding):
    """An archive exported as GB18030 or UTF-16 is read with --encoding; junk is reported."""
    assert_bytes_parse_or_report(data, encoding)
    assert_bytes_parse_or_report(b"---\ntitle: x\ndate: 2022-03-01\n---\n" + data, encoding)


@st.composite
def mutated_sample(draw):
    """A real sample post with random bytes flipped, inserted, deleted or cut off."""
    files = sorted(p for p in SAMPLES.glob("*.md") if p.name != "README.md")
    data = bytearray(draw(st.sampled_from(files)).read_bytes())
    for _ in range(draw(st.integers(min_value=1, max_value=8))):
        at = draw(st.integers(min_value=0, max_value=max(len(data) - 1, 0)))
        action = draw(st.sampled_from(["flip", "insert", "delete", "truncate"]))
        if action == "flip" and data:
            data[at] = draw(st.integers(min_value=0, max_value=255))
        elif action == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=8))
        elif action == "delete":
            del data[at : at + draw(st.integers(min_value=1, max_value=16))]
        else:
            del data[at:]
    return bytes(data)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_sample())
def test_randomly_corrupted_sample_posts_give_a_post_or_a_legacy_post_error(data):
    """Disk and transfer corruption hits real files, so corrupt real files: never a crash."""
    assert_bytes_parse_or_report(data, "utf-8")


@pytest.mark.parametrize(
    "bad",
    [b"\xff", b"\x80", b"\xc0\xaf", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xe4\xb8"],
    ids=["ff", "lone-continuation", "overlong-slash", "surrogate", "above-max", "truncated"],
)
def test_invalid_utf8_anywhere_in_a_post_is_a_declared_decoding_error(bad):
    """Undecodable bytes must be reported with where they are, not guessed at or dropped."""
    text = source_post("<p>正文第一段。</p>").encode()
    for data in (bad + text, text[:40] + bad + text[40:], text + bad):
        with pytest.raises(LegacyPostError, match="解码"):
            parse_post(data, "2022-03-01-NW202203012280001111.md")


def test_nul_bytes_are_dropped_with_a_warning_so_every_database_stores_the_post():
    """PostgreSQL refuses NUL in text columns; SQLite takes it. A file must import on both."""
    data = source_post("<p>正\x00文。</p>").replace("title: ", "title: \x00", 1).encode()
    post = parse_post(data, "2022-03-01-NW202203012280001111.md")
    assert "\x00" not in post.source_text and "\x00" not in post.title
    assert "\x00" not in post.body_html and "正文" in post.body_html
    assert any("NUL" in warning for warning in post.warnings)
