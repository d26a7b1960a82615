"""Hostile URLs, inputs and files: thousands of generated requests, none may answer 500;
arbitrary bytes through the importer's reading path give a post or a declared failure.

The routes come from the URL resolver itself, so a route added later is fuzzed without
touching this file. Each request fills a route's converters with a mix of real values
(slugs, tags, stocks and dates from an imported sample archive) and hostile ones: random
Unicode, percent-encoding (broken sequences included), overlong segments, negative and
huge numbers, `..`, NUL bytes and malformed slugs; and adds query parameters the views
read (page, q, p, day, infoCode) or ignore, with the same kinds of values. The generator
is seeded, so a failure reproduces; every failing request is listed at the end.
"""

import random
import re
from pathlib import Path
from urllib.parse import quote

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RoutePattern
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from taggit.models import Tag

from articles.models import Article, Category, StockReference
from legacy.importer import FileResult, Importer
from legacy.parser import LegacyPost

REPO = Path(__file__).resolve().parents[2]
SEED = 20260701
REQUESTS = 2100

HOSTILE = [
    "", " ", "..", "../..", "%2e%2e", "%2e%2e%2f", "..%2f..%2fetc%2fpasswd", "%00", "a%00b",
    "%", "%%", "%ZZ", "%E4%B8", "%E4", "%C0%AF", "%FF%FE", "%ED%A0%80", "%F4%90%80%80",
    "-", "--", "_", "-1", "0", "00", "007", "1e9", "1.5", "NaN", "Infinity",
    "99999999999999999999999999", "-99999999999999999999", "2147483648", "9223372036854775808",
    "<script>", "'\"<>", "${{7*7}}", "{{7*7}}", "%3Cscript%3E", "javascript:alert(1)",
    "\u202e\u202d", "\u200b", "\ufeff", "🀄🐉", "证券日报新闻", "ｆｕｌｌｗｉｄｔｈ", "e\u0301",
    "\u0000", "\x7f", "\t", "a\nb", "a\rb", "%0d%0aSet-Cookie:x=1", ";", "?", "#", "//",
    "a" * 300, "证" * 600, "%41" * 700,
]  # fmt: skip
PAGE_VALUES = ["1", "2", "3", "0", "-1", "-5", "10000000000", "100001", "9" * 40, "1.0", "01",
               " 2", "2 ", "二", "", "%00"]  # fmt: skip
DAY_VALUES = ["2022-03-01", "2022-02-30", "0000-00-00", "9999-12-31", "2022-3-1",
              "-2022-01-01", "2022-13-01", "99999-01-01"]  # fmt: skip
QUERY_KEYS = ["page", "q", "p", "day", "infoCode", "range", "format", "utm_source", "page[]"]


def random_unicode(rng: random.Random, size: int) -> str:
    ranges = [(0x20, 0x7E), (0xA0, 0x2FF), (0x4E00, 0x9FFF), (0x1F300, 0x1F6FF), (0x0, 0x1F),
              (0x202A, 0x202E), (0xFFF0, 0xFFFF), (0x10000, 0x10FFFF)]  # fmt: skip
    chars = []
    for _ in range(size):
        low, high = rng.choice(ranges)
        chars.append(chr(rng.randint(low, high)))
    return "".join(chars)


def hostile_value(rng: random.Random) -> str:
    """One hostile string, raw or percent-encoded (the request path is never re-encoded)."""
    kind = rng.randrange(6)
    if kind == 0:
        return rng.choice(HOSTILE)
    if kind == 1:
        return random_unicode(rng, rng.randint(1, 12))
    if kind == 2:
        return quote(random_unicode(rng, rng.randint(1, 12)), safe="")
    if kind == 3:  # a broken percent sequence inside otherwise ordinary text
        return "ab" + rng.choice(["%", "%E", "%E4%B8", "%G0", "%%32"]) + "cd"
    if kind == 4:
        return rng.choice(["x", "证", "%E8%AF%81", "9"]) * rng.choice([100, 255, 256, 1000, 5000])
    return str(rng.choice([-1, 0, 1, 2, 10**6, 2**31, 2**63, 10**30, -(10**30)]))


def routes():
    """(route template, converters) for every pattern, through includes (the admin too)."""

    def walk(patterns, prefix, converters):
        for entry in patterns:
            pattern = entry.pattern
            if isinstance(pattern, RoutePattern):
                part, conv = str(pattern), dict(pattern.converters)
            else:
                part, conv = str(pattern.regex.pattern), {}
            if isinstance(entry, URLResolver):
                yield from walk(entry.url_patterns, prefix + [part], {**converters, **conv})
            elif isinstance(entry, URLPattern):
                yield prefix + [part], {**converters, **conv}

    return list(walk(get_resolver().url_patterns, [], {}))


class Fuzzer:
    def __init__(self, rng: random.Random, pools: dict[str, list[str]]):
        self.rng = rng
        self.pools = pools

    def value(self, converter) -> str:
        rng, name = self.rng, type(converter).__name__
        pool = {
            "IntConverter": self.pools["int"],
            "SlugConverter": self.pools["slug"],
            "UnicodeSlugConverter": self.pools["tag"],
            "StockCodeConverter": self.pools["code"],
            "FeedFormatConverter": ["rss", "atom", "RSS", "json", "rss2"],
            "PathConverter": self.pools["path"],
        }.get(name, self.pools["slug"])
        if rng.random() < 0.55:
            value = rng.choice(pool)
            if rng.random() < 0.3:  # a valid value, slightly spoiled
                value = rng.choice(["", "-", "%00", "..", "x" * 300, "%E4"]) + value
            return value
        return hostile_value(rng)

    def regex_part(self, regex: str) -> str:
        """Fill a regex route: named groups get values, anchors and escapes are dropped."""

        def group(match):
            body = match.group(2)
            if "|" in body and "\\" not in body:
                return self.rng.choice(body.split("|") + [hostile_value(self.rng)])
            if body.endswith("\\.html"):
                return self.rng.choice(self.pools["path"])
            return hostile_value(self.rng)

        text = re.sub(r"\(\?P<(\w+)>((?:[^()]|\([^()]*\))*)\)", group, regex)
        return text.replace("^", "").replace("$", "").replace("\\", "")

    def path(self, parts: list[str], converters: dict) -> str:
        out = []
        for part in parts:
            if part.startswith("^") or "(?P<" in part:
                out.append(self.regex_part(part))
                continue
            out.append(
                re.sub(r"<(?:(\w+):)?(\w+)>", lambda m: self.value(converters[m.group(2)]), part)
            )
        path = "/" + "".join(out)
        roll = self.rng.random()
        if roll < 0.05:
            path += self.rng.choice(["..", "../", "%00", "/%2e%2e/", "//", ";x=1", "~"])
        elif roll < 0.08:
            path = path.replace("/", self.rng.choice(["//", "/./", "/%2F"]), 1)
        return path

    def query(self) -> str:
        rng = self.rng
        params = []
        for _ in range(rng.choice([0, 1, 1, 2, 3])):
            key = rng.choice(QUERY_KEYS + [hostile_value(rng)])
            if key in ("page", "p") and rng.random() < 0.5:
                value = rng.choice(PAGE_VALUES)
            elif key == "day" and rng.random() < 0.5:
                value = rng.choice(DAY_VALUES)
            elif key == "infoCode" and rng.random() < 0.5:
                value = rng.choice(["NW202204082335489382", "NW" + "9" * 40, "NW", "nw1"])
            else:
                value = hostile_value(rng)
            params.append(f"{key}={value}" if rng.random() < 0.9 else key)
        return ("?" + "&".join(params)) if params else ""


@pytest.fixture
def pools(db):
    """Real values from an imported sample archive, so many requests reach the views."""
    Importer().run([REPO / "sample_posts"])
    article = Article.objects.published().first()
    assert article is not None
    published = Article.objects.published()
    years = sorted({a.published_at.year for a in published})
    months = sorted({a.published_at.month for a in published})
    days = sorted({a.published_at.day for a in published})
    return {
        "int": [str(n) for n in (*years, *months, *days, 0, 1, 106, 116, 90)],
        "slug": [
            *published.values_list("slug", flat=True)[:20],
            *Category.objects.values_list("slug", flat=True),
            "articles",
            "categories",
            "tags",
            "stocks",
        ],
        # Tag has no default ordering: without one, the seeded choices would follow
        # whatever order the database returns rows in.
        "tag": list(Tag.objects.order_by("slug").values_list("slug", flat=True)),
        "code": list(StockReference.objects.values_list("code", flat=True)),
        "path": [
            *(quote(s.path) for s in article.legacy_redirects.all()),
            "category/zhengquanribao.html",
            "x.html",
            ".html",
            "%00.html",
            "a/../../b.html",
        ],
    }


@pytest.mark.django_db
def test_thousands_of_generated_requests_never_answer_500(pools):
    """A crafted URL must get a 4xx or a page, never a server error (or an escaped exception)."""
    rng = random.Random(SEED)
    fuzzer = Fuzzer(rng, pools)
    table = routes()
    assert len(table) > 20
    client = Client()  # raise_request_exception=True: an exception in a view is a failure
    failures, statuses, seen_routes = [], {}, set()
    # Every route once (the admin's many included), then mostly the public site's.
    public = [route for route in table if not route[0][0].startswith("admin/")]
    for n in range(REQUESTS):
        if n < len(table):
            parts, converters = table[n]
        else:
            parts, converters = rng.choice(public if rng.random() < 0.9 else table)
        seen_routes.add("".join(parts))
        url = fuzzer.path(parts, converters) + fuzzer.query()
        try:
            response = client.get(url)
        except Exception as exc:  # noqa: BLE001 - every escaped exception is reported
            failures.append((url, f"{type(exc).__name__}: {exc}"[:300]))
            continue
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        if response.status_code >= 500:
            failures.append((url, response.status_code))
    assert failures == []
    assert len(seen_routes) == len(table)  # every route was requested at least once
    assert sum(statuses.values()) == REQUESTS
    # The fuzz reached real pages, redirects and not-found answers alike.
    assert statuses.get(200, 0) > 100 and statuses.get(404, 0) > 100, statuses


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    ["/%00.html", "/media/%00.html", "/a/%E4%00.html?q=%00", "/search/?q=%00", "/?page=%00"],
)
def test_a_nul_byte_in_a_path_or_query_is_not_found_not_a_server_error(client, url):
    """Found by the fuzz on PostgreSQL: a NUL reached a query on legacy URLs and raised."""
    assert client.get(url).status_code in (200, 404)


# --------------------------------------------------------------------------------------------
# Hostile files: bytes through the importer's own reading path (Path.read_bytes -> parse_post)


def hostile_files(rng: random.Random) -> dict[str, bytes]:
    """Seeded junk and near-posts: every way a file of the archive could be broken."""
    good = (
        '---\ntitle: "正常标题"\ndate: 2022-03-01 10:00:00 +0800\ncategories: zhengquanribao\n'
        "tags: 证券日报新闻\n---\n<p>正文。</p>\n"
    ).encode()
    files = {
        "empty": b"",
        "bom-only": b"\xef\xbb\xbf",
        "utf16": good.decode().encode("utf-16"),
        "invalid-utf8-in-body": good[:-10] + b"\xff\xfe" + good[-10:],
        "truncated-multibyte": good[:-9] + "证".encode()[:2],
        "nul-in-yaml": good.replace(b"title:", b"title:\x00"),
        "nul-in-body": good.replace(b"<p>", b"<p>\x00\x00"),
        "escaped-nul-in-tags": good.replace(b"tags: \xe8", b'tags: ["t\\0x", "\\x01y"]\nx: \xe8'),
        "escaped-nul-in-title": good.replace('"正常标题"'.encode(), b'"a\\0b"'),
        "escaped-nul-in-category": good.replace(b"zhengquanribao", b'"c\\0d"'),
        "yaml-alias-bomb": b"---\ntitle: x\ndate: 2022-03-01\na: &a [x,x,x,x,x,x,x,x]\n"
        b"b: &b [*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b]\ntags: *c\n---\nx",
        "yaml-python-tag": b"---\ntitle: !!python/object/apply:os.system ['true']\n---\nx",
        "huge-line": good.replace(b"<p>", b"<p>" + b"x" * 200_000),
        "deep-nesting": b"---\ntitle: x\ndate: 2022-03-01\ntags: " + b"[" * 5000 + b"\n---\nx",
        "year-zero": good.replace(b"2022-03-01 10:00:00 +0800", b"0000-01-01"),
        "far-future": good.replace(b"2022-03-01 10:00:00 +0800", b"9999-12-31 23:59:59 -2359"),
    }
    for n in range(25):
        files[f"random-{n}"] = rng.randbytes(rng.randint(1, 3000))
        cut = rng.randrange(len(good))
        files[f"spliced-{n}"] = good[:cut] + rng.randbytes(rng.randint(1, 40)) + good[cut:]
    return files


@pytest.mark.django_db
def test_a_run_over_hostile_files_reports_each_and_never_raises(tmp_path, client):
    """A corrupt file among 17,000 is one line of the report: the run and the site go on."""
    files = hostile_files(random.Random(SEED))
    for n, (name, data) in enumerate(files.items()):
        (tmp_path / f"2022-03-{n % 28 + 1:02d}-{name}.md").write_bytes(data)
    report = Importer().run([tmp_path])  # an exception here fails the test
    assert len(report.results) == len(files)
    assert {r.outcome for r in report.results} <= {"created", "updated", "skipped", "failed"}
    for result in report.with_outcome("failed"):
        assert result.reason and "\n" not in result.reason, result
        assert "internal parser error" not in result.reason, result
    failed = {r.path for r in report.with_outcome("failed")}
    for name in ("empty", "utf16", "invalid-utf8-in-body", "truncated-multibyte"):
        assert any(name in path for path in failed), name
    # Raw NUL bytes are dropped with a warning, so PostgreSQL (which refuses them in any
    # text column) imports the same file as SQLite does.
    nul = next(r for r in report.results if "nul-in-body" in r.path)
    assert nul.outcome == "created" and any("NUL" in w for w in nul.warnings), nul
    # Whatever was imported is readable on the site.
    for article in Article.objects.all():
        assert client.get(article.get_absolute_url()).status_code == 200


@pytest.mark.django_db
# The number of examples and the deadline come from the profile (tests/conftest.py).
@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=2000), encoding=st.sampled_from(["utf-8", "gb18030", "utf-16"]))
def test_any_bytes_read_by_the_importer_give_a_post_or_a_declared_failure(tmp_path, data, encoding):
    """The importer's reading path (read_bytes, hash, decode, parse) turns junk into a report."""
    path = tmp_path / "2022-03-01-NW202203012280001111.md"
    path.write_bytes(data)
    result = Importer(encoding=encoding).prepare_file(path, path.name)
    if isinstance(result, FileResult):
        assert result.outcome == "failed" and result.reason, result
        assert "\n" not in result.reason and "internal parser error" not in result.reason
    else:
        post, digest, _warnings = result
        assert isinstance(post, LegacyPost) and post.title and len(digest) == 64
