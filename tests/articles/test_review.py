"""提交审核: a writer submits, an editor returns or approves, the writer is told.

Services first (articles.services.article_submit / article_return / article_approve),
then the admin's buttons, queue, inbox and list filters through the test client, as
the writer (撰稿) and the editor (编辑) of tests/conftest.py.
"""

import socket
import threading
from datetime import UTC, datetime, timedelta

import environ
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from articles import inbox, services
from articles.chinatime import china_label, parse_datetime_local
from articles.models import Article, Notice, Review, Revision
from tests.adminforms import article_form

INDEX = reverse("admin:index")
INBOX = reverse("admin:articles_article_inbox")
CHANGELIST = reverse("admin:articles_article_changelist")


def _change_url(article):
    return reverse("admin:articles_article_change", args=[article.pk])


def _messages(response):
    return [str(m) for m in response.context["messages"]] if response.context else []


@pytest.fixture
def piece(make_article, writer):
    """A writer's draft, as they left it before submitting."""
    return make_article(
        title="宁德时代一季度净利润增长",
        status=Article.Status.DRAFT,
        author=writer,
        body_source="<p>初稿正文。</p>",
    )


@pytest.fixture
def submitted(piece, writer):
    services.article_submit(article_id=piece.pk, by=writer)
    piece.refresh_from_db()
    return piece


def _post(client, article, **overrides):
    """The change form as its page would post it (the stored text unless overridden)."""
    data = article_form(
        article.category,
        title=article.title,
        body_source=article.body_source,
        tags="",
        _version=str(article.version),
    )
    data.update(overrides)
    return client.post(_change_url(article), data)


# -- services ------------------------------------------------------------------------


def test_a_submitted_draft_waits_for_an_editor_and_stays_invisible_to_readers(
    piece, writer, client
):
    """Submitting decides nothing public: Article.Status is still 草稿."""
    review = services.article_submit(article_id=piece.pk, by=writer, expected_version=piece.version)
    piece.refresh_from_db()
    assert review.state == Review.State.PENDING and review.submitted_by == writer
    assert piece.status == Article.Status.DRAFT
    assert not Article.objects.published().filter(pk=piece.pk).exists()
    assert client.get(piece.get_absolute_url()).status_code == 404
    step = piece.revisions.first()
    assert step.kind == Revision.Kind.SUBMIT and step.author == writer


def test_only_a_draft_not_yet_waiting_can_be_submitted(submitted, writer, make_article):
    with pytest.raises(ValidationError, match="已在待审队列中"):
        services.article_submit(article_id=submitted.pk, by=writer)
    live = make_article()
    with pytest.raises(ValidationError, match="只有草稿"):
        services.article_submit(article_id=live.pk, by=writer)


def test_an_editor_returns_a_piece_with_a_comment_the_writer_is_told(submitted, desk, writer):
    """The comment is kept twice over: on the revision (history) and in the inbox."""
    services.article_return(article_id=submitted.pk, by=desk, comment="  导语太长，请压到 80 字。 ")
    review = Review.objects.get(article=submitted)
    assert review.state == Review.State.RETURNED and review.returned_by == desk
    assert review.comment == "导语太长，请压到 80 字。"
    step = submitted.revisions.first()
    assert (step.kind, step.author, step.comment) == (
        Revision.Kind.RETURN,
        desk,
        "导语太长，请压到 80 字。",
    )
    notice = Notice.objects.get(recipient=writer)
    assert notice.message == "您的稿件《宁德时代一季度净利润增长》被退回：导语太长，请压到 80 字。"
    assert inbox.unread_count(writer) == 1


def test_a_return_needs_an_editor_and_a_comment(submitted, desk, writer):
    with pytest.raises(PermissionDenied):
        services.article_return(article_id=submitted.pk, by=writer, comment="我自己退回")
    with pytest.raises(ValidationError, match="退回意见"):
        services.article_return(article_id=submitted.pk, by=desk, comment=" \n ")
    assert Review.objects.get(article=submitted).is_pending
    assert not Notice.objects.exists()


def test_approving_publishes_now_records_it_and_tells_the_writer(submitted, desk, writer):
    services.article_approve(article_id=submitted.pk, by=desk, comment="好稿")
    submitted.refresh_from_db()
    assert submitted.is_published() and submitted.published_by == desk
    assert not Review.objects.filter(article=submitted).exists()
    step = submitted.revisions.first()
    assert step.kind == Revision.Kind.APPROVE and step.comment == "好稿"
    notice = Notice.objects.get(recipient=writer)
    assert notice.kind == Notice.Kind.PUBLISHED
    assert notice.message == "您的稿件《宁德时代一季度净利润增长》已发布。编辑留言：好稿"


def test_approving_for_a_time_schedules_it_in_beijing_time(submitted, desk, writer):
    at = datetime(2031, 12, 3, 7, 30, tzinfo=UTC)  # 15:30 in Beijing
    services.article_approve(article_id=submitted.pk, by=desk, at=at)
    submitted.refresh_from_db()
    assert submitted.is_scheduled and submitted.published_at == at
    notice = Notice.objects.get(recipient=writer)
    assert notice.kind == Notice.Kind.SCHEDULED
    assert "将于 2031年12月3日 15:30（北京时间） 发布" in notice.message


def test_writers_cannot_approve_and_a_stale_editor_is_refused(submitted, desk, writer):
    with pytest.raises(PermissionDenied):
        services.article_approve(article_id=submitted.pk, by=writer)
    with pytest.raises(services.StaleArticle):
        services.article_approve(
            article_id=submitted.pk, by=desk, expected_version=submitted.version - 1
        )
    submitted.refresh_from_db()
    assert submitted.status == Article.Status.DRAFT


def test_a_piece_published_another_way_leaves_the_queue_and_its_writer_is_told(
    submitted, desk, writer
):
    """An editor who publishes from the list has approved it as surely."""
    services.article_publish(article_id=submitted.pk, by=desk)
    assert not Review.objects.exists()
    assert Notice.objects.get(recipient=writer).kind == Notice.Kind.PUBLISHED


def test_an_approval_of_a_returned_piece_is_refused(submitted, desk):
    services.article_return(article_id=submitted.pk, by=desk, comment="补充数据来源")
    with pytest.raises(ValidationError, match="不在待审队列中"):
        services.article_approve(article_id=submitted.pk, by=desk)


# -- mail ----------------------------------------------------------------------------


def test_without_email_url_nobody_is_mailed(submitted, desk, writer, settings, mailoutbox):
    settings.NEWSROOM_REVIEW_MAIL = False
    writer.email = "writer@example.com"
    writer.save()
    services.article_return(article_id=submitted.pk, by=desk, comment="请改标题")
    assert mailoutbox == [] and Notice.objects.count() == 1


def test_with_email_url_the_writer_is_mailed_after_the_commit(
    submitted, desk, writer, settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.NEWSROOM_REVIEW_MAIL = True
    writer.email = "writer@example.com"
    writer.save()
    with django_capture_on_commit_callbacks(execute=True):
        services.article_return(article_id=submitted.pk, by=desk, comment="请改标题")
    (message,) = mailoutbox
    assert message.to == ["writer@example.com"]
    assert "退回修改" in message.subject and "《宁德时代一季度净利润增长》" in message.subject
    assert "被退回：请改标题" in message.body


class _TinySMTP:
    """Just enough SMTP to take one message: a local server standing in for the mail host."""

    def __init__(self):
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.received = b""
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        conn, _ = self.sock.accept()
        with conn, conn.makefile("rb") as lines:
            conn.sendall(b"220 localhost ESMTP\r\n")
            in_data = False
            for line in lines:
                if in_data:
                    if line == b".\r\n":
                        in_data = False
                        conn.sendall(b"250 OK\r\n")
                    else:
                        self.received += line
                    continue
                verb = line[:4].upper()
                if verb == b"DATA":
                    in_data = True
                    conn.sendall(b"354 go ahead\r\n")
                elif verb == b"QUIT":
                    conn.sendall(b"221 bye\r\n")
                    break
                else:  # EHLO, MAIL, RCPT, RSET
                    conn.sendall(b"250 OK\r\n")
        self.sock.close()


def test_with_email_url_pointing_at_an_smtp_server_the_mail_goes_out(
    submitted, desk, writer, settings, django_capture_on_commit_callbacks
):
    """EMAIL_URL as settings.py reads it (django-environ), and a real SMTP conversation."""
    server = _TinySMTP()
    for key, value in environ.Env.email_url_config(f"smtp://127.0.0.1:{server.port}").items():
        setattr(settings, key, value)
    settings.NEWSROOM_REVIEW_MAIL = True
    writer.email = "writer@example.com"
    writer.save()
    with django_capture_on_commit_callbacks(execute=True):
        services.article_approve(article_id=submitted.pk, by=desk)
    server.thread.join(timeout=10)
    from email import message_from_bytes
    from email.header import decode_header, make_header

    sent = message_from_bytes(server.received)
    assert sent["To"] == "writer@example.com"
    assert "已发布" in str(make_header(decode_header(sent["Subject"])))
    assert "已发布" in sent.get_payload(decode=True).decode()


def test_a_mail_server_that_fails_costs_the_mail_not_the_decision(
    submitted, desk, writer, settings, django_capture_on_commit_callbacks
):
    closed = socket.create_server(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()  # nothing listens there now
    for key, value in environ.Env.email_url_config(f"smtp://127.0.0.1:{port}").items():
        setattr(settings, key, value)
    settings.NEWSROOM_REVIEW_MAIL = True
    writer.email = "writer@example.com"
    writer.save()
    with django_capture_on_commit_callbacks(execute=True):
        services.article_approve(article_id=submitted.pk, by=desk)
    submitted.refresh_from_db()
    assert submitted.is_published() and Notice.objects.filter(recipient=writer).exists()


# -- the admin: buttons, queue, inbox ------------------------------------------------


def test_a_writer_submits_from_the_form_and_the_edits_are_saved_with_it(writer_client, piece):
    response = _post(writer_client, piece, _submit_review="提交审核", title="宁德时代净利增长三成")
    assert response.status_code == 302 and response["Location"].startswith(INDEX)
    piece.refresh_from_db()
    assert piece.title == "宁德时代净利增长三成" and piece.status == Article.Status.DRAFT
    assert Review.objects.get(article=piece).is_pending
    index = writer_client.get(INDEX).content.decode()
    assert "我提交的稿件（1）" in index and "宁德时代净利增长三成" in index


def test_a_writer_adds_and_submits_a_new_piece_in_one_go(writer_client, writer, category):
    response = writer_client.post(
        reverse("admin:articles_article_add"),
        article_form(category, title="新写的稿件", _submit_review="提交审核"),
    )
    assert response.status_code == 302
    article = Article.objects.get(title="新写的稿件")
    assert article.author == writer and Review.objects.get(article=article).is_pending


def test_the_form_offers_submit_to_writers_and_decisions_to_editors(
    writer_client, desk_client, piece, writer
):
    html = writer_client.get(_change_url(piece)).content.decode()
    assert 'name="_submit_review"' in html and 'name="_approve"' not in html
    assert 'name="_schedule"' not in html
    services.article_submit(article_id=piece.pk, by=writer)
    html = writer_client.get(_change_url(piece)).content.decode()
    assert 'name="_submit_review"' not in html and "等待编辑审核" in html
    html = desk_client.get(_change_url(piece)).content.decode()
    for name in ("_approve", "_approve_schedule", "_return"):
        assert f'name="{name}"' in html
    assert 'type="datetime-local"' in html and "请在页面底部的“审核”处通过或退回" in html


@pytest.mark.parametrize("button", ["_approve", "_approve_schedule", "_return", "_schedule"])
def test_a_writers_forged_decision_is_refused_with_their_text_kept(
    writer_client, submitted, button
):
    """Like the list's forged actions: a writer cannot publish through any button."""
    at = timezone.localtime() + timedelta(days=1)
    response = _post(
        writer_client,
        submitted,
        title="撰稿人改过的标题",
        review_comment="自己通过",
        schedule_at=f"{at:%Y-%m-%dT%H:%M}",
        **{button: "x"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "您没有发布权限" in html and "撰稿人改过的标题" in html
    submitted.refresh_from_db()
    assert submitted.status == Article.Status.DRAFT and submitted.title != "撰稿人改过的标题"
    assert Review.objects.get(article=submitted).is_pending
    assert not Article.objects.published().exists()


def test_an_editor_returns_from_the_form_and_the_writer_sees_comment_and_badge(
    desk_client, writer_client, submitted
):
    response = _post(desk_client, submitted, _return="退回修改", review_comment="请补上数据来源。")
    assert response.status_code == 302 and response["Location"].startswith(INDEX)
    page = writer_client.get(_change_url(submitted)).content.decode()
    assert "退回修改" in page and "请补上数据来源。" in page and "改好后请点“提交审核”" in page
    assert 'name="_submit_review"' in page
    assert "消息" in page and '<span class="inbox-count">(1)</span>' in page
    history = writer_client.get(
        reverse("admin:articles_article_revisions", args=[submitted.pk])
    ).content.decode()
    assert "退回" in history and "意见：请补上数据来源。" in history


def test_a_return_without_a_comment_is_a_form_error_and_nothing_changes(desk_client, submitted):
    response = _post(desk_client, submitted, _return="退回修改", review_comment="  ")
    assert response.status_code == 200
    assert "请写下退回意见" in response.content.decode()
    assert Review.objects.get(article=submitted).is_pending


def test_an_editor_approves_from_the_form_with_their_own_fixes(desk_client, desk, submitted):
    response = _post(
        desk_client, submitted, _approve="通过并发布", title="宁德时代净利润增长（编辑改）"
    )
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.is_published() and submitted.title == "宁德时代净利润增长（编辑改）"
    kinds = list(submitted.revisions.values_list("kind", flat=True)[:2])
    assert kinds == [Revision.Kind.APPROVE, Revision.Kind.EDIT]


def test_an_editor_approves_for_a_time(desk_client, submitted):
    response = _post(
        desk_client, submitted, _approve_schedule="通过并定时", schedule_at="2031-12-03T15:30"
    )
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.is_scheduled
    assert submitted.published_at == datetime(2031, 12, 3, 7, 30, tzinfo=UTC)


def test_the_queue_on_the_admin_index_is_oldest_first_with_author_and_time(
    desk_client, make_article, writer, django_assert_max_num_queries
):
    writer.first_name, writer.last_name = "三", "张"
    writer.save()
    now = timezone.now()
    for n, hours in enumerate((1, 5, 3)):
        article = make_article(title=f"待审稿件{n}", status=Article.Status.DRAFT, author=writer)
        Review.objects.create(
            article=article,
            state=Review.State.PENDING,
            submitted_by=writer,
            submitted_at=now - timedelta(hours=hours),
        )
    returned = make_article(title="已退回的稿件", status=Article.Status.DRAFT)
    Review.objects.create(article=returned, state=Review.State.RETURNED, submitted_by=writer)
    with django_assert_max_num_queries(20):
        html = desk_client.get(INDEX).content.decode()
    queue = html.split('id="review-queue"', 1)[1].split("</section>", 1)[0]
    assert "待审稿件（3）" in queue and "已退回的稿件" not in queue
    assert queue.index("待审稿件1") < queue.index("待审稿件2") < queue.index("待审稿件0")
    assert "张三" in queue and "5小时" in queue.replace("\xa0", "")


def test_the_inbox_lists_notices_and_opening_it_marks_them_read(writer_client, submitted, desk):
    services.article_return(article_id=submitted.pk, by=desk, comment="请改标题")
    services.article_submit(article_id=submitted.pk, by=submitted.author)
    services.article_approve(article_id=submitted.pk, by=desk)
    index = writer_client.get(INDEX).content.decode()
    assert '<span class="inbox-count">(2)</span>' in index
    page = writer_client.get(INBOX).content.decode()
    assert page.count('class="inbox-new-mark"') == 2
    assert page.index("已发布") < page.index("被退回：请改标题")  # newest first
    assert "inbox-count" not in page  # opened: read
    assert "inbox-new-mark" not in writer_client.get(INBOX).content.decode()


def test_an_inbox_shows_only_its_owners_notices(desk_client, writer_client, submitted, desk):
    services.article_return(article_id=submitted.pk, by=desk, comment="只给撰稿人看")
    assert "只给撰稿人看" not in desk_client.get(INBOX).content.decode()
    assert "只给撰稿人看" in writer_client.get(INBOX).content.decode()


# -- 定时发布 button -----------------------------------------------------------------


def test_the_schedule_button_schedules_in_beijing_time_and_says_when(desk_client, draft):
    response = _post(desk_client, draft, _schedule="定时发布", schedule_at="2030-01-02T08:00")
    assert response.status_code == 302
    page = desk_client.get(response["Location"])
    assert any("将于 2030年1月2日 08:00（北京时间） 发布" in m for m in _messages(page))
    draft.refresh_from_db()
    assert draft.is_scheduled and draft.published_at == datetime(2030, 1, 2, 0, 0, tzinfo=UTC)
    assert draft.revisions.first().kind == Revision.Kind.SCHEDULE


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "请选择发布的日期和时间"),
        ("2020-01-01T10:00", "必须在将来"),
        ("1969-12-31T10:00", "1970 年 1 月 1 日至 2099 年 12 月 31 日"),
        ("2100-01-01T00:00", "1970 年 1 月 1 日至 2099 年 12 月 31 日"),
        ("0001-01-01T00:00", "无法识别发布时间"),
        ("明天下午", "无法识别发布时间"),
    ],
)
def test_a_bad_schedule_time_is_a_chinese_form_error_with_the_text_kept(
    desk_client, draft, value, message
):
    response = _post(
        desk_client, draft, _schedule="定时发布", schedule_at=value, title="编辑刚改的标题"
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html and "编辑刚改的标题" in html
    draft.refresh_from_db()
    assert draft.status == Article.Status.DRAFT


def test_a_live_article_offers_no_schedule_button(desk_client, make_article):
    live = make_article()
    assert 'name="_schedule"' not in desk_client.get(_change_url(live)).content.decode()
    response = _post(desk_client, live, _schedule="定时发布", schedule_at="2031-01-01T08:00")
    assert response.status_code == 200 and "不能再定时发布" in response.content.decode()


def test_china_time_helpers_read_the_picker_and_say_the_moment():
    at = parse_datetime_local("2026-12-03T15:30")
    assert at == datetime(2026, 12, 3, 7, 30, tzinfo=UTC)
    assert china_label(at) == "2026年12月3日 15:30（北京时间）"
    for bad in ("", "2026-12-03", "20261-12-03T15:30", "2026-12-03T15:30+08:00", None):
        assert parse_datetime_local(bad) is None


# -- the article list ----------------------------------------------------------------


@pytest.fixture
def listed(make_article, make_category, make_stock, writer, desk):
    other = make_category(name="财联社", slug="cailianshe")
    moutai = make_stock(1, "600519", "贵州茅台")
    nio = make_stock(106, "NIO", "蔚来")
    a = make_article(title="茅台提价", author=writer, tags=["白酒"], stocks=[moutai])
    b = make_article(title="蔚来交付", author=desk, category=other, tags=["新能源"], stocks=[nio])
    c = make_article(title="待审的草稿", author=writer, status=Article.Status.DRAFT)
    services.article_submit(article_id=c.pk, by=writer)
    return a, b, c


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("review=pending", {"待审的草稿"}),
        ("state=draft", {"待审的草稿"}),
        ("state=published", {"茅台提价", "蔚来交付"}),
        ("tag=白酒", {"茅台提价"}),
        ("stock=600519", {"茅台提价"}),
        ("stock=蔚来", {"蔚来交付"}),
        ("stock=没有这只股票", set()),
    ],
)
def test_the_list_filters_by_review_status_tag_and_stock(editor_client, listed, query, expected):
    response = editor_client.get(f"{CHANGELIST}?{query}")
    assert response.status_code == 200
    assert {a.title for a in response.context["cl"].result_list} == expected


def test_the_list_filters_by_author_and_section(editor_client, listed, writer):
    a, b, _ = listed
    by_author = editor_client.get(f"{CHANGELIST}?author={writer.pk}").context["cl"]
    assert {x.title for x in by_author.result_list} == {"茅台提价", "待审的草稿"}
    by_section = editor_client.get(f"{CHANGELIST}?category__id__exact={b.category_id}")
    assert [x.title for x in by_section.context["cl"].result_list] == ["蔚来交付"]
    html = editor_client.get(CHANGELIST).content.decode()
    for title in ("作者", "审核", "标签", "证券", "发布状态", "栏目"):
        assert f"{title}" in html
    assert 'status-badge status-review-pending">待审' in html


def test_the_list_reads_a_full_page_in_a_bounded_number_of_queries(
    editor_client, make_article, make_stock, writer, django_assert_max_num_queries
):
    stock = make_stock(1, "600519", "贵州茅台")
    for n in range(40):
        article = make_article(
            title=f"列表文章{n}", author=writer, tags=[f"标签{n}", "共同"], stocks=[stock]
        )
        if n % 3 == 0:
            article.status = Article.Status.DRAFT
            article.save()
            services.article_submit(article_id=article.pk, by=writer)
    with django_assert_max_num_queries(30):
        response = editor_client.get(CHANGELIST)
    assert response.status_code == 200
