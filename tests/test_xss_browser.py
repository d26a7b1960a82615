"""Hostile HTML in a real browser: no vector of the corpus runs script in headless Chromium.

Every vector is imported as a legacy post, and each article page is loaded in one
instrumented page: `alert`, `confirm`, `prompt` and `print` are replaced before any page
script could run, dialogs and popups are recorded, and every vector's payload also sets
`window.__xss`. The context bypasses any Content-Security-Policy, so what is proved here is
that the sanitizer alone keeps script out; a CSP is defence in depth on top of it.
"""

import pytest

from articles.models import Article
from legacy.importer import Importer
from tests.test_xss import HOSTILE_TITLE, write_vector_posts

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


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
