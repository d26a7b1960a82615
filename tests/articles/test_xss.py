"""Hostile HTML: every vector of the team's corpus goes through the sanitizer and a real
import, leaves only allowlisted markup (two independent parsers check), and runs no
script when its article page is loaded in headless Chromium with the CSP bypassed.

The corpus (tests/xss_vectors.py) follows the OWASP XSS Filter Evasion Cheat Sheet and
known mutation-XSS tricks."""

from collections import Counter
from pathlib import Path

import pytest
from bleach._vendor import html5lib
from django.conf import settings

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

# ------------------------------------------------------------------------------------------
# Hostile HTML: every vector of the team's corpus, through the sanitizer and a real import.

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
    """Script elements other than JSON-LD data and our own static files, and event
    handlers, in a whole page."""
    document = html5lib.parse(html, namespaceHTMLElements=False)
    problems = []
    for node in document.iter():
        if not isinstance(node.tag, str):
            continue
        ours = node.get("src", "").startswith(settings.STATIC_URL) and not (node.text or "")
        if node.tag == "script" and node.get("type") != "application/ld+json" and not ours:
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


# ------------------------------------------------------------------------------------------
# Hostile HTML in a real browser: no vector of the corpus runs script in headless Chromium.

INSTRUMENT = """
(() => {
  window.__xss_calls = [];
  for (const name of ["alert", "confirm", "prompt", "print"]) {
    window[name] = function () { window.__xss_calls.push(name); window.__xss = 1; };
  }
})();
"""


# What the browser itself built from the article body: anything executable in it.
DOM_AUDIT = """
(root) => {
  const found = [];
  const forbidden = new Set(["SCRIPT", "STYLE", "IFRAME", "OBJECT", "EMBED", "APPLET",
    "FORM", "INPUT", "BUTTON", "META", "BASE", "LINK", "TEMPLATE", "NOSCRIPT", "NOEMBED",
    "XMP", "FRAME", "FRAMESET", "TEXTAREA", "SELECT", "PORTAL", "VIDEO", "AUDIO",
    "DETAILS", "MARQUEE"]);
  for (const el of root.querySelectorAll("*")) {
    if (el.namespaceURI !== "http://www.w3.org/1999/xhtml") found.push("ns " + el.tagName);
    if (forbidden.has(el.tagName.toUpperCase())) found.push("element " + el.tagName);
    for (const attr of el.attributes) {
      const name = attr.name.toLowerCase();
      if (name.startsWith("on") || name === "style" || name === "srcdoc" ||
          name === "formaction" || name === "action") found.push(el.tagName + " " + name);
    }
    for (const prop of ["href", "src", "cite"]) {
      if (!el.hasAttribute(prop)) continue;
      let protocol = "";
      try { protocol = new URL(el.getAttribute(prop), location.href).protocol; }
      catch (e) { continue; }  // not a URL at all: nothing to navigate to or load
      if (!["http:", "https:", "mailto:"].includes(protocol))
        found.push(el.tagName + " " + prop + "=" + el.getAttribute(prop));
    }
  }
  return found;
}
"""


@pytest.fixture
def instrumented(browser):  # noqa: F811 - the fixture imported from test_browser
    """One page for the whole run, with dialogs, popups and page errors recorded."""
    context = browser.new_context(bypass_csp=True, java_script_enabled=True)
    context.add_init_script(INSTRUMENT)
    page = context.new_page()
    page.events = []
    # Only documents are fetched: a failed image still fires `onerror` at once, and the
    # 165 pages load in seconds instead of waiting on stylesheets and 404 pages.
    page.route(
        "**/*",
        lambda route: (
            route.continue_() if route.request.resource_type == "document" else route.abort()
        ),
    )

    def on_dialog(dialog):
        page.events.append(f"dialog {dialog.type}: {dialog.message}")
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.on("popup", lambda popup: page.events.append(f"popup {popup.url}"))
    page.on("pageerror", lambda error: page.events.append(f"page error {error}"))
    page.on(
        "console",
        lambda m: "xss" in m.text.lower() and page.events.append(f"console {m.text}"),
    )
    yield page
    context.close()


def traces(page) -> list[str]:
    """Everything a payload could have left behind on the page just loaded."""
    found = list(page.events)
    page.events.clear()
    state = page.evaluate("[window.__xss, window.__xss_calls]")
    if state[0] is not None or state[1]:
        found.append(f"window.__xss={state[0]!r} calls={state[1]!r}")
    return found


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_instrumented_page_notices_script_that_runs(instrumented):
    """The detector must be able to fail: raw vectors, unsanitized, are caught."""
    for raw in [
        "<script>window.__xss=1</script>",
        "<img src=x onerror=alert(1)>",
        "<svg onload=confirm(1)>",
    ]:
        instrumented.set_content(f"<body><div class='article-body'>{raw}</div></body>")
        instrumented.wait_for_function("window.__xss === 1")
        assert traces(instrumented), raw
        body = instrumented.locator(".article-body").element_handle()
        assert instrumented.evaluate(DOM_AUDIT, body), raw


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_no_vector_runs_script_on_its_article_page(instrumented, live_server, tmp_path):
    """The reader's browser is the last judge: no dialog, no side effect, no navigation."""
    posts = write_vector_posts(tmp_path)
    report = Importer().run([tmp_path])
    assert report.count("failed") == 0, report.with_outcome("failed")
    urls = {rel: Article.objects.get(legacy_key=f"path:{rel}").get_absolute_url() for rel in posts}
    urls["title"] = Article.objects.get(title=HOSTILE_TITLE).get_absolute_url()

    problems = []
    for rel, path in urls.items():
        url = live_server.url + path
        response = instrumented.goto(url, wait_until="load")
        assert response.status == 200, url
        found = traces(instrumented)
        if instrumented.url != url:
            found.append(f"navigated to {instrumented.url}")
        body = instrumented.locator(".article-body").element_handle()
        found += instrumented.evaluate(DOM_AUDIT, body)
        if found:
            problems.append((rel, posts.get(rel, ("title", HOSTILE_TITLE)), found))
    assert len(urls) == len(posts) + 1 >= 100
    assert problems == []
