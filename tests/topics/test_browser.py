"""The 专题 journey in Chromium: an editor builds one in the admin, a reader opens it."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_an_editor_builds_a_topic_and_readers_see_the_pinned_story_first(
    browser, live_server, make_article
):
    """A tag rule and a chosen order in the admin; the public page at 1280 and 375 px."""
    from django.contrib.auth import get_user_model

    from tests.browser import ARTIFACTS, admin_login, no_horizontal_scroll, page_for

    now = timezone.now()
    make_article(title="宁德时代深度报道", published_at=now - timedelta(days=7))
    make_article(
        title="比亚迪月度销量创新高", tags=["新能源"], published_at=now - timedelta(hours=5)
    )
    make_article(title="充电桩建设提速", tags=["新能源"], published_at=now - timedelta(hours=1))
    make_article(title="白酒板块走弱", tags=["白酒"])
    make_article(title="未发布的新能源稿", tags=["新能源"], status="draft")
    get_user_model().objects.create_superuser("desk", "desk@example.com", "pw-desk-123")

    page = page_for(browser, 1280, live_server.url)
    admin_login(page, live_server.url, "desk", "pw-desk-123")
    page.goto(live_server.url + reverse("admin:topics_topic_add"))
    page.fill("#id_title", "新能源汽车")
    page.fill("#id_intro", "从电池到整车，新能源汽车产业链的最新动态。")
    page.fill("#id_rule_tag_names", "新能源")
    page.click("#entries-0 .field-article .select2-selection")
    page.fill(".select2-search__field", "宁德时代")
    page.click(".select2-results__option:has-text('宁德时代深度报道')")
    page.fill("#entries-0 .field-position input", "1")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / "topic-admin.png", full_page=True)
    page.click("input[name=_save]")
    page.wait_for_selector(".messagelist .success")
    assert "/topic/xin-neng-yuan-qi-che/" in page.locator("#result_list").inner_text()

    for width in (1280, 375):
        reader = page_for(browser, width, live_server.url)
        reader.goto(live_server.url + "/topic/xin-neng-yuan-qi-che/")
        assert reader.locator("h1").inner_text() == "新能源汽车"
        titles = reader.locator(".item-title a").all_inner_texts()
        assert titles == ["宁德时代深度报道", "充电桩建设提速", "比亚迪月度销量创新高"]
        assert no_horizontal_scroll(reader), width
        reader.screenshot(path=ARTIFACTS / f"topic-page-{width}.png", full_page=True)
        assert reader.console_errors == [] and reader.csp_violations == []
        assert reader.foreign_requests == []
    assert page.console_errors == [] and page.csp_violations == []
