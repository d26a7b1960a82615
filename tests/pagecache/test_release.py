"""A deploy renders afresh: cached pages and fragments belong to the release that
rendered them (pagecache/release.py), and the cache outlives the workers."""

import pytest

from pagecache import release


@pytest.fixture
def new_release():
    """Start a "new release" the way a restart does: the digest is computed again."""
    release.release.cache_clear()
    yield lambda: release.release.cache_clear()
    release.release.cache_clear()


def test_a_new_footer_setting_reaches_cached_pages_and_fragments_after_a_restart(
    client, page_cache, make_article, settings, new_release
):
    make_article(title="一篇")
    first = client.get("/")
    assert first["X-Page-Cache"] == "miss"
    assert client.get("/")["X-Page-Cache"] == "hit"
    settings.SITE_ICP = "京ICP备12345678号"
    # The old workers' page and footer fragment are still in the shared cache...
    assert "京ICP备" not in client.get("/").content.decode()
    new_release()  # ...until the restart that a settings change takes.
    page = client.get("/")
    assert page["X-Page-Cache"] == "miss" and "京ICP备12345678号" in page.content.decode()


def test_the_release_is_the_code_templates_and_rendered_settings(settings, new_release):
    before = release.release()
    sources = {str(p.relative_to(settings.BASE_DIR)) for p in release._sources()}
    assert {"templates/base.html", "articles/views.py", "pagecache/release.py"} <= sources
    assert not any(".venv" in s or "site-packages" in s for s in sources)
    settings.SITE_NAME = "另一个名字"
    new_release()
    assert release.release() != before


def test_the_static_manifest_counts_wherever_static_root_is(settings, tmp_path, new_release):
    """Production collects static files outside the project; a new stylesheet's hashed
    name must still make a new release."""
    settings.STATIC_ROOT = str(tmp_path / "static")
    (tmp_path / "static").mkdir()
    manifest = tmp_path / "static" / "staticfiles.json"
    manifest.write_text('{"paths": {"css/site.css": "css/site.111.css"}}')
    before = release.release()
    manifest.write_text('{"paths": {"css/site.css": "css/site.222.css"}}')
    new_release()
    assert release.release() != before
