"""The review desk in Chromium: 提交审核 → 退回 → 改 → 通过并发布, the 定时发布 button, and
the article list at 1280 px. Screenshots are left in artifacts/screenshots/."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from articles import services, workflow
from articles.models import Article, Review

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-desk-12345"


def _staff(username, group, first, last):
    from tests.roles import ensure_roles

    ensure_roles()
    user = get_user_model().objects.create_user(
        username, password=PASSWORD, is_staff=True, first_name=first, last_name=last
    )
    user.groups.add(Group.objects.get(name=group))
    return user


def _results_fit(page) -> bool:
    """The list's own box does not scroll sideways either (Django lets it, inside the page)."""
    return page.evaluate(
        "(() => { const r = document.querySelector('.results');"
        " return r.scrollWidth <= r.clientWidth; })()"
    )


def _clean(*pages):
    for page in pages:
        assert page.console_errors == [], page.console_errors
        assert page.csp_violations == [], page.csp_violations


def test_a_piece_is_submitted_returned_fixed_and_published(browser, live_server, make_article):
    """The whole round: the writer is told at each step, and the story ends up public."""
    from tests.browser import ARTIFACTS, admin_login, page_for

    writer = _staff("zhangsan", workflow.WRITERS_GROUP, "三", "张")
    _staff("lisi", workflow.EDITORS_GROUP, "四", "李")
    article = make_article(
        title="光伏组件价格连续三周下跌",
        status=Article.Status.DRAFT,
        author=writer,
        body_source="<p>多家厂商报价下调。</p>",
    )
    change = live_server.url + reverse("admin:articles_article_change", args=[article.pk])
    index = live_server.url + reverse("admin:index")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    writer_page = page_for(browser, 1280, live_server.url)
    admin_login(writer_page, live_server.url, "zhangsan", PASSWORD)
    writer_page.goto(change)
    with writer_page.expect_navigation():
        writer_page.locator("input[name=_submit_review]").last.click()
    assert "我提交的稿件（1）" in writer_page.locator("#review-queue").inner_text()

    editor_page = page_for(browser, 1280, live_server.url)
    admin_login(editor_page, live_server.url, "lisi", PASSWORD)
    editor_page.goto(index)
    queue = editor_page.locator("#review-queue")
    assert "待审稿件（1）" in queue.inner_text() and "张三" in queue.inner_text()
    editor_page.screenshot(path=ARTIFACTS / "review-queue.png")
    with editor_page.expect_navigation():
        queue.locator("a", has_text="光伏组件价格连续三周下跌").click()
    editor_page.fill("#id_review_comment", "请补充数据来源，并把标题里的“连续三周”核实一下。")
    with editor_page.expect_navigation():
        editor_page.click("input[name=_return]")
    assert "已退回" in editor_page.locator(".messagelist").inner_text()
    assert "待审稿件（0）" in editor_page.locator("#review-queue").inner_text()

    writer_page.goto(index)
    assert "消息 (1)" in writer_page.locator("#user-tools").inner_text()
    writer_page.goto(change)
    note = writer_page.locator(".review-note-returned")
    assert "请补充数据来源" in note.inner_text() and "李四" in note.inner_text()
    writer_page.screenshot(path=ARTIFACTS / "review-returned.png")
    writer_page.fill("#id_title", "光伏组件价格三周下跌（据行业协会数据）")
    with writer_page.expect_navigation():
        writer_page.locator("input[name=_submit_review]").last.click()

    editor_page.goto(index)
    with editor_page.expect_navigation():
        editor_page.locator("#review-queue a", has_text="据行业协会数据").click()
    assert "上次退回意见" in editor_page.locator("#review-panel").inner_text()
    with editor_page.expect_navigation():
        editor_page.click("input[name=_approve]")
    assert "已通过审核" in editor_page.locator(".messagelist").inner_text()

    writer_page.goto(index)
    with writer_page.expect_navigation():
        writer_page.click("#user-tools a.inbox-link")
    items = writer_page.locator(".inbox-list").inner_text()
    assert "您的稿件《光伏组件价格三周下跌（据行业协会数据）》已发布" in items
    assert "被退回：请补充数据来源" in items
    article.refresh_from_db()
    assert article.is_published() and not Review.objects.exists()
    reader = page_for(browser, 375, live_server.url)
    assert reader.goto(live_server.url + article.get_absolute_url()).status == 200
    _clean(writer_page, editor_page, reader)


def test_the_schedule_button_says_when_the_story_goes_live(browser, live_server, make_article):
    from tests.browser import ARTIFACTS, admin_login, page_for

    _staff("lisi", workflow.EDITORS_GROUP, "四", "李")
    draft = make_article(title="明早发布的年报解读", status=Article.Status.DRAFT)
    page = page_for(browser, 1280, live_server.url)
    admin_login(page, live_server.url, "lisi", PASSWORD)
    page.goto(live_server.url + reverse("admin:articles_article_change", args=[draft.pk]))
    assert page.locator("input.schedule-at").count() == 1  # one picker, bottom row
    when = page.locator(".submit-row .schedule-when")
    page.fill("input.schedule-at", "2020-05-01T09:00")
    assert "已经过去" in when.inner_text()
    page.fill("input.schedule-at", "2030-12-03T15:30")
    assert when.inner_text() == "将于 2030年12月3日 15:30（北京时间） 发布"
    page.locator(".submit-row").last.scroll_into_view_if_needed()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / "schedule-button.png")
    with page.expect_navigation():
        page.click("input[name=_schedule]")
    assert (
        "已定时：将于 2030年12月3日 15:30（北京时间） 发布"
        in page.locator(".messagelist").inner_text()
    )
    draft.refresh_from_db()
    assert draft.is_scheduled
    _clean(page)


def test_the_article_list_fits_1280_px_with_long_titles_tags_and_filters(
    browser, live_server, make_article, make_category, make_stock
):
    from tests.browser import ARTIFACTS, admin_login, no_horizontal_scroll, page_for

    writer = _staff("wangxiaoming", workflow.WRITERS_GROUP, "晓明", "王")
    editor = get_user_model().objects.create_superuser("desk", "desk@example.com", PASSWORD)
    sections = [make_category(name=name) for name in ("证券时报", "东方财富网滚动新闻", "财联社")]
    stocks = [make_stock(1, "600519", "贵州茅台"), make_stock(116, "09866", "蔚来-SW")]
    tags = ["新能源汽车产业链", "半导体设备国产替代", "美联储加息预期", "光伏", "业绩预告"]
    for n in range(30):
        article = make_article(
            title=(
                f"第{n}篇：宁德时代发布2024年第一季度业绩预告，归母净利润同比增长超过三成，"
                "储能业务毛利率继续提升，机构纷纷上调目标价"
            ),
            category=sections[n % 3],
            author=writer if n % 2 else editor,
            tags=tags,
            stocks=stocks,
            published_at=timezone.now() - timedelta(hours=n),
            # A cover's thumbnail as the list shows it (64 px wide); the picture itself
            # is beside the point here, so a static file stands in for a rendition.
            cover_renditions={
                "thumb": {"jpeg": "/static/favicon.svg", "width": 400, "height": 225}
            },
        )
        if n % 4 == 0:
            article.status = Article.Status.DRAFT
            article.save()
            services.article_submit(article_id=article.pk, by=writer)
    page = page_for(browser, 1280, live_server.url)
    admin_login(page, live_server.url, "desk", PASSWORD)
    page.goto(live_server.url + reverse("admin:articles_article_changelist"))
    assert page.locator("#changelist-filter").is_visible()
    for title in ("作者", "审核", "标签", "证券", "发布状态"):
        assert title in page.locator("#changelist-filter").inner_text()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / "article-list-1280.png")
    assert no_horizontal_scroll(page) and _results_fit(page)
    page.fill("#changelist-filter input[name=tag]", "光伏")
    with page.expect_navigation():
        page.press("#changelist-filter input[name=tag]", "Enter")
    assert "tag=" in page.url
    page.goto(live_server.url + reverse("admin:articles_article_changelist") + "?review=pending")
    assert page.locator("#result_list tbody tr").count() == 8
    assert no_horizontal_scroll(page) and _results_fit(page)
    _clean(page)


def test_the_queue_the_inbox_and_a_returned_form_fit_a_phone(browser, live_server, make_article):
    """375 px: an editor checks the queue, a writer reads why a piece came back."""
    from tests.browser import admin_login, no_horizontal_scroll, page_for

    writer = _staff("zhangsan", workflow.WRITERS_GROUP, "三", "张")
    editor = _staff("lisi", workflow.EDITORS_GROUP, "四", "李")
    title = "宁德时代发布2024年第一季度业绩预告，归母净利润同比增长超过三成，机构纷纷上调目标价"
    article = make_article(title=title, status=Article.Status.DRAFT, author=writer)
    services.article_submit(article_id=article.pk, by=writer)
    editor_page = page_for(browser, 375, live_server.url)
    admin_login(editor_page, live_server.url, "lisi", PASSWORD)
    editor_page.goto(live_server.url + reverse("admin:index"))
    assert editor_page.locator("#review-queue").is_visible()
    assert no_horizontal_scroll(editor_page)
    services.article_return(
        article_id=article.pk, by=editor, comment="数据来源不明确：" + "请注明出处。" * 20
    )
    writer_page = page_for(browser, 375, live_server.url)
    admin_login(writer_page, live_server.url, "zhangsan", PASSWORD)
    writer_page.goto(live_server.url + reverse("admin:articles_article_inbox"))
    assert "被退回" in writer_page.locator(".inbox-list").inner_text()
    assert no_horizontal_scroll(writer_page)
    writer_page.goto(live_server.url + reverse("admin:articles_article_change", args=[article.pk]))
    note = writer_page.locator(".review-note-returned")
    box = note.bounding_box()
    assert box["x"] + box["width"] <= 375
    _clean(editor_page, writer_page)
