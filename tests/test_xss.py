"""Hostile HTML: every vector of the team's corpus, through the sanitizer and a real import.

The corpus (tests/xss_vectors.py) follows the OWASP XSS Filter Evasion Cheat Sheet and
known sanitizer mutation-XSS tricks. Safety is judged by tests/htmlcheck.py, which parses
the output with real HTML parsers rather than searching it for strings. The browser half
(no script runs in headless Chromium) is tests/test_xss_browser.py.
"""

from collections import Counter
from pathlib import Path

import pytest
from bleach._vendor import html5lib

from articles.models import Article
from articles.sanitizer import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, sanitize_html
from legacy.importer import Importer
from tests.htmlcheck import (
    TAIL,
    dangerous_as_written,
    elements_and_attributes,
    executable_constructs,
)
from tests.xss_vectors import CLASSES, VECTORS

IDS = [f"{kind}-{n:03d}" for n, (kind, _) in enumerate(VECTORS)]
HOSTILE_TITLE = "</script><script>window.__xss=1</script><img src=x onerror=alert(1)>标题"


def off_allowlist(html: str) -> list[str]:
    """Elements or attributes the sanitizer's own allowlist does not name."""
    problems = []
    for element, attributes in elements_and_attributes(html):
        if element not in ALLOWED_TAGS:
            problems.append(f"element {element}")
        allowed = set(ALLOWED_ATTRIBUTES.get("*", [])) | set(ALLOWED_ATTRIBUTES.get(element, []))
        problems += [f"{element}[{a}]" for a in attributes if a not in allowed]
    return problems


def test_the_corpus_has_over_a_hundred_distinct_vectors_in_every_class():
    """A thin corpus would prove little: each evasion class needs several real attempts."""
    vectors = [vector for _, vector in VECTORS]
    assert len(set(vectors)) == len(vectors) >= 100
    counts = Counter(kind for kind, _ in VECTORS)
    assert set(counts) == set(CLASSES)
    assert min(counts.values()) >= 10, counts


def test_the_checker_flags_every_raw_vector():
    """The checker must be able to fail: unsanitized, every vector is an executable construct."""
    missed = [vector for _, vector in VECTORS if not dangerous_as_written(vector)]
    assert missed == []


@pytest.mark.parametrize(
    "html, finding",
    [
        ("<p onclick=x>a</p>", "<p> event handler onclick"),
        ('<a href="jav&#x09;ascript:x">a</a>', "<a> href="),
        ('<a href=" \x01javascript:x">a</a>', "<a> href="),
        ('<a href="&#0000106avascript:x">a</a>', "<a> href="),
        ("<svg><g></g></svg>", "foreign element <svg> in http://www.w3.org/2000/svg"),
        ('<p style="color:red">a</p>', "<p> attribute style"),
        ("<!-- x -->", "comment"),
        ('<img src="data:image/svg+xml,x">', "<img> src="),
        ('<meta http-equiv=refresh content="0;url=javascript:x">', "element <meta>"),
    ],
)
def test_the_checker_reads_urls_and_names_as_a_browser_does(html, finding):
    """Entities, control characters and namespaces must not hide a construct from the checker."""
    assert any(f.startswith(finding) for f in executable_constructs(html))


def test_the_checker_passes_ordinary_news_markup():
    """A checker that flags everything proves nothing either."""
    html = (
        '<p class="x">正文<a href="https://example.com/a?b=1&amp;c=2" rel="nofollow noopener">链接'
        '</a><a href="/article/x/">站内</a><a href="mailto:a@example.com">邮件</a></p>'
        '<img src="/media/a.jpg" alt="图"><blockquote cite="https://example.com">引用</blockquote>'
    )
    assert executable_constructs(html) == []


@pytest.mark.parametrize("kind, vector", VECTORS, ids=IDS)
def test_sanitized_vector_keeps_no_executable_construct(kind, vector):
    """Whatever the trick, the stored HTML holds only allowlisted, inert markup."""
    for dirty in (vector, vector + "\n" + TAIL, "<p>前文。</p>" + vector):
        clean = sanitize_html(dirty)
        assert executable_constructs(clean) == [], (dirty, clean)
        assert off_allowlist(clean) == [], (dirty, clean)
        # Sanitizing its own output changes nothing: no mutation on a second pass.
        assert sanitize_html(clean) == clean


def write_vector_posts(root: Path) -> dict[str, tuple[str, str]]:
    """One legacy post per vector (plus one with a hostile headline); {rel path: (kind, vector)}."""
    posts = {}
    for n, (kind, vector) in enumerate(VECTORS):
        rel = f"2022-03-{n % 28 + 1:02d}-xss-{n:03d}.md"
        body = f"<p>第{n}号向量之前的段落。</p>\n\n{vector}\n\n{TAIL}\n"
        (root / rel).write_text(
            f"---\nlayout: post\ntitle: 恶意正文测试{n:03d}\n"
            f"date: 2022-03-{n % 28 + 1:02d} {n % 24:02d}:00:00 +0800\n"
            f"categories: xsstest\ntags: 安全测试\n---\n{body}",
            encoding="utf-8",
        )
        posts[rel] = (kind, vector)
    title = HOSTILE_TITLE.replace("'", "''")
    (root / "2022-04-01-xss-title.md").write_text(
        f"---\ntitle: '{title}'\ndate: 2022-04-01 08:00:00 +0800\ncategories: xsstest\n"
        f"tags: ['<b>标签</b>', '\"><script>alert(1)</script>']\n---\n<p>标题里有恶意代码。</p>\n",
        encoding="utf-8",
    )
    return posts


def page_scripts_and_handlers(html: str) -> list[str]:
    """Script elements other than JSON-LD data, and event handlers, in a whole page."""
    document = html5lib.parse(html, namespaceHTMLElements=False)
    problems = []
    for node in document.iter():
        if not isinstance(node.tag, str):
            continue
        if node.tag == "script" and node.get("type") != "application/ld+json":
            problems.append(f"script {node.attrib} {node.text!r}")
        problems += [f"<{node.tag}> {a}" for a in node.attrib if a.lower().startswith("on")]
        embedded = node.tag in ("svg", "math", "iframe", "object", "embed", "base", "frame")
        if embedded or (node.tag == "meta" and node.get("http-equiv")):
            problems.append(f"element <{node.tag}>")
    return problems


@pytest.mark.django_db
def test_a_full_import_of_every_vector_stores_and_serves_only_inert_html(tmp_path, client):
    """The importer's path (parser, Markdown, bulk insert) must not get round the sanitizer."""
    posts = write_vector_posts(tmp_path)
    report = Importer().run([tmp_path])
    assert report.count("failed") == 0, report.with_outcome("failed")
    assert report.count("created") == len(posts) + 1

    problems = []
    for rel, (kind, vector) in posts.items():
        article = Article.objects.get(legacy_key=f"path:{rel}")
        found = executable_constructs(article.body_html) + off_allowlist(article.body_html)
        if found:
            problems.append((kind, vector, article.body_html, found))
        assert sanitize_html(article.body_html) == article.body_html
        response = client.get(article.get_absolute_url())
        assert response.status_code == 200, rel
        page = response.content.decode()
        assert article.body_html in page
        if page_problems := page_scripts_and_handlers(page):
            problems.append((kind, vector, "page", page_problems))
    assert problems == []

    hostile = Article.objects.get(legacy_key="path:2022-04-01-xss-title.md")
    assert hostile.title == HOSTILE_TITLE
    page = client.get(hostile.get_absolute_url()).content.decode()
    assert page_scripts_and_handlers(page) == []
    assert "<script>window.__xss" not in page
