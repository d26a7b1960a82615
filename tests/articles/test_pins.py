"""头条 and 置顶: editors put stories on top of home or a section until a set time."""

import time
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, Pin
from articles.models.pins import MAX_PINNED, next_pin_change, place_pins


def _pin(article, *, kind=Pin.Kind.PINNED, category=None, hours=2, **extra):
    return Pin.objects.create(
        article=article,
        kind=kind,
        category=category,
        expires_at=timezone.now() + timedelta(hours=hours),
        **extra,
    )


def test_a_place_has_its_lead_and_pinned_stories_while_they_are_in_force(make_article):
    old_lead, first, second, expired, draft, later = (
        make_article(title=f"文章{n}") for n in range(6)
    )
    draft.status = Article.Status.DRAFT
    draft.save()
    _pin(old_lead, kind=Pin.Kind.LEAD)
    _pin(second, position=2)
    _pin(first, position=1)
    _pin(expired, starts_at=timezone.now() - timedelta(hours=3), hours=-1)
    _pin(draft)  # not public: shows nothing
    _pin(later, starts_at=timezone.now() + timedelta(hours=1))
    assert place_pins(None) == (old_lead, [first, second])
    assert place_pins(old_lead.category) == (None, [])


def test_home_leads_with_the_pinned_story_and_lists_the_pinned_first(client, make_article):
    older = make_article(title="编辑选的头条", published_at=timezone.now() - timedelta(days=3))
    pinned = make_article(title="置顶的旧闻", published_at=timezone.now() - timedelta(days=2))
    newest = make_article(title="最新的新闻")
    _pin(older, kind=Pin.Kind.LEAD)
    _pin(pinned)
    html = client.get("/").content.decode()
    lead = html.split('class="lead-story"', 1)[1].split("</article>", 1)[0]
    assert "编辑选的头条" in lead
    latest = html.split('id="latest-heading"', 1)[1].split("</section>", 1)[0]
    assert latest.index('<span class="pin-badge">置顶</span>') < latest.index("置顶的旧闻")
    assert latest.index("置顶的旧闻") < latest.index("最新的新闻")
    assert latest.count("置顶的旧闻") == 1  # not repeated in its place in time
    assert newest.get_absolute_url() in latest


def test_without_pins_home_is_newest_first(client, make_article):
    make_article(title="较早", published_at=timezone.now() - timedelta(days=1))
    make_article(title="最新")
    html = client.get("/").content.decode()
    assert "最新" in html.split('class="lead-story"', 1)[1].split("</article>", 1)[0]
    assert "pin-badge" not in html


def test_a_section_shows_its_lead_and_pinned_stories_first_on_page_one(
    client, make_article, category
):
    items = [
        make_article(title=f"栏目文章{n}", published_at=timezone.now() - timedelta(hours=n))
        for n in range(25)
    ]
    _pin(items[24], kind=Pin.Kind.LEAD, category=category)
    _pin(items[23], category=category)
    _pin(items[0])  # a home pin: not this section's
    html = client.get(category.get_absolute_url()).content.decode()
    listing = html.split('class="list"', 1)[1]
    assert listing.index("头条</span>") < listing.index("栏目文章24")
    assert listing.index("栏目文章24") < listing.index("栏目文章23") < listing.index("栏目文章0<")
    page2 = client.get(category.get_absolute_url() + "?page=2").content.decode()
    assert "pin-badge" not in page2


def test_an_expiry_must_follow_the_start_and_a_place_holds_at_most_five_pinned(make_article):
    article = make_article()
    pin = Pin(article=article, expires_at=timezone.now() - timedelta(minutes=1))
    with pytest.raises(ValidationError, match="到期时间须晚于开始时间"):
        pin.full_clean()
    for _ in range(MAX_PINNED):
        _pin(make_article())
    with pytest.raises(ValidationError, match=f"最多置顶 {MAX_PINNED} 篇"):
        Pin(article=article, expires_at=timezone.now() + timedelta(hours=1)).full_clean()


def test_the_next_change_is_the_nearest_start_or_expiry(make_article):
    article = make_article()
    soon = timezone.now() + timedelta(minutes=5)
    _pin(article, hours=1)
    _pin(article, starts_at=soon, hours=2)
    assert abs((next_pin_change() - soon).total_seconds()) < 1


def test_editors_pick_a_lead_in_the_admin_and_writers_cannot(
    desk_client, desk, writer_client, make_article
):
    article = make_article(title="今日头条")
    changelist = reverse("admin:articles_article_changelist")
    response = desk_client.post(
        changelist, {"action": "pin", "_selected_action": [article.pk], "index": 0}
    )
    assert response.status_code == 302 and f"article={article.pk}" in response["Location"]
    form = desk_client.get(response["Location"]).content.decode()
    assert "头条与置顶" in form
    expires = timezone.localtime() + timedelta(hours=6)
    now = timezone.localtime()
    added = desk_client.post(
        reverse("admin:articles_pin_add"),
        {
            "kind": "lead",
            "category": "",
            "article": article.pk,
            "position": 0,
            "starts_at_0": f"{now:%Y-%m-%d}",
            "starts_at_1": f"{now:%H:%M:%S}",
            "expires_at_0": f"{expires:%Y-%m-%d}",
            "expires_at_1": f"{expires:%H:%M:%S}",
        },
    )
    assert added.status_code == 302, added.content.decode()[:2000]
    pin = Pin.objects.get()
    assert pin.created_by == desk and pin.kind == Pin.Kind.LEAD
    assert writer_client.get(reverse("admin:articles_pin_changelist")).status_code == 403
    assert writer_client.get(reverse("admin:articles_pin_add")).status_code == 403


@pytest.mark.django_db(transaction=True)
def test_a_cached_home_changes_when_a_pin_is_set_and_when_it_expires(
    client, settings, tmp_path, make_article
):
    """Setting a pin purges the place; its expiry ends the cached page without a write."""
    from django.core.cache import cache

    settings.CACHES = {
        "default": {"BACKEND": "diskcache.DjangoCache", "LOCATION": str(tmp_path / "c")}
    }
    settings.NEWSROOM_PAGE_CACHE = settings.NEWSROOM_FRAGMENT_CACHE = True
    cache.clear()
    chosen = make_article(title="被选中的旧闻", published_at=timezone.now() - timedelta(days=2))
    make_article(title="最新快报")
    assert "被选中的旧闻" not in client.get("/").content.decode().split("</article>")[0]
    Pin.objects.create(
        article=chosen,
        kind=Pin.Kind.LEAD,
        expires_at=timezone.now() + timedelta(seconds=2),
    )
    first = client.get("/")
    assert first["X-Page-Cache"] == "miss"
    assert "被选中的旧闻" in first.content.decode().split("</article>")[0]
    assert client.get("/")["X-Page-Cache"] == "hit"
    time.sleep(2.1)  # nothing is written: only the clock moves
    after = client.get("/")
    assert after["X-Page-Cache"] == "miss"
    assert "最新快报" in after.content.decode().split("</article>")[0]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_an_editor_picks_a_lead_story_and_it_expires_on_its_own(browser, live_server, make_article):
    """The admin form with its article search, then the reader's home before and after."""
    from django.contrib.auth import get_user_model

    from tests.browser import ARTIFACTS, admin_login, page_for

    make_article(title="编辑选中的深度报道", published_at=timezone.now() - timedelta(days=2))
    make_article(title="刚刚发布的消息")
    get_user_model().objects.create_superuser("desk", "desk@example.com", "pw-desk-123")
    page = page_for(browser, 1280, live_server.url)
    admin_login(page, live_server.url, "desk", "pw-desk-123")
    page.goto(live_server.url + reverse("admin:articles_pin_add"))
    page.select_option("#id_kind", "lead")
    page.click(".field-article .select2-selection")
    page.fill(".select2-search__field", "深度报道")
    page.click(".select2-results__option:has-text('编辑选中的深度报道')")
    expires = timezone.localtime() + timedelta(seconds=6)
    page.fill("#id_expires_at_0", f"{expires:%Y-%m-%d}")
    page.fill("#id_expires_at_1", f"{expires:%H:%M:%S}")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / "pin-lead.png")
    page.click("input[name=_save]")
    page.wait_for_selector(".messagelist .success")
    assert "生效中" in page.locator("#result_list").inner_text()

    reader = page_for(browser, 375, live_server.url)
    reader.goto(live_server.url + "/")
    assert "编辑选中的深度报道" in reader.locator(".lead-story h2").inner_text()
    reader.screenshot(path=ARTIFACTS / "pin-lead-home-375.png")
    pin = Pin.objects.get()
    time.sleep(max(0.0, (pin.expires_at - timezone.now()).total_seconds()) + 0.2)
    reader.reload()
    assert "刚刚发布的消息" in reader.locator(".lead-story h2").inner_text()
    assert page.console_errors == [] and reader.console_errors == []
