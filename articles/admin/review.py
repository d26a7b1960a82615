"""提交审核, 定时发布 and the 消息 inbox on the article form (articles/models/reviews.py).

The decisions are buttons of the article's own form: 提交审核 (writers), 定时发布
(editors, with a date-time picker in Beijing time), and, on a submitted piece,
通过并发布, 通过并定时 and 退回修改 (editors). Pressing one saves what the form
holds first, then takes the decision through articles.services, in the same
transaction: nothing typed is lost, and a decision the user may not take is a form
error (with the text kept), never a silent save. The status and time fields of the
form are left as stored when a decision is taken: the decision sets them.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from .. import inbox, locks, services, workflow
from ..chinatime import (
    PUBLISHED_AT_MAX,
    PUBLISHED_AT_MIN,
    china_label,
    datetime_local_value,
    parse_datetime_local,
)
from ..models import Article, Review
from .forms import ArticleAdminForm, next_full_hour

# Button name → decision. Only one is pressed; a POST naming several is refused.
SUBMIT, SCHEDULE, APPROVE, APPROVE_AT, RETURN = (
    "submit",
    "schedule",
    "approve",
    "approve_at",
    "return",
)
BUTTONS = {
    "_submit_review": SUBMIT,
    "_schedule": SCHEDULE,
    "_approve": APPROVE,
    "_approve_schedule": APPROVE_AT,
    "_return": RETURN,
}
EDITORS_ONLY = {SCHEDULE, APPROVE, APPROVE_AT, RETURN}
NEEDS_PENDING = {APPROVE, APPROVE_AT, RETURN}
NEEDS_TIME = {SCHEDULE, APPROVE_AT}


@dataclass(frozen=True)
class Decision:
    name: str
    at: datetime | None = None
    comment: str = ""


def _picker(**attrs) -> forms.TextInput:
    # The picker's own bounds are the model's (chinatime: 1970–2099); the server checks again.
    return forms.TextInput(
        attrs={
            "type": "datetime-local",
            "min": datetime_local_value(PUBLISHED_AT_MIN),
            "max": datetime_local_value(PUBLISHED_AT_MAX - timedelta(minutes=1)),
            **attrs,
        }
    )


class ReviewedArticleForm(ArticleAdminForm):
    """The article form with the decision buttons' two inputs (rendered by the
    change form's review panel and submit row, not by the fieldsets)."""

    review_comment = forms.CharField(
        label="审核意见",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "class": "review-comment"}),
        help_text="退回时必填，撰稿人会在文章页和“消息”里看到；通过时可留言。",
    )
    schedule_at = forms.CharField(
        label="发布时间（北京时间）",
        required=False,
        widget=_picker(**{"class": "schedule-at"}),
    )
    TEXT_FIELDS = (*ArticleAdminForm.TEXT_FIELDS, "review_comment")
    decision: Decision | None = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        stored = self.instance if self.instance.pk else None
        when = stored.published_at if stored is not None and stored.is_scheduled else None
        self.initial["schedule_at"] = datetime_local_value(when or next_full_hour())

    def clean(self):
        cleaned = super().clean()
        pressed = [BUTTONS[name] for name in BUTTONS if name in self.data]
        if len(pressed) > 1:
            self.add_error(None, "一次只能做一个决定，请重新点一个按钮。")
        elif pressed:
            self._clean_decision(pressed[0], cleaned)
        return cleaned

    def _clean_decision(self, name: str, cleaned: dict) -> None:
        stored = Article.objects.filter(pk=self.instance.pk).first() if self.instance.pk else None
        review = Review.objects.filter(article=stored).first() if stored is not None else None
        error = _refusal(name, self.user, stored, review)
        at = None
        if error is None and name in NEEDS_TIME:
            at, error = _schedule_time(self.data.get("schedule_at", ""))
        comment = cleaned.get("review_comment", "")
        if error is None and name == RETURN and not comment.strip():
            error = "请写下退回意见：撰稿人需要知道改什么。"
        if error:
            self.add_error(None, error)
            return
        self.decision = Decision(name, at, comment)


def _refusal(name: str, user, stored: Article | None, review: Review | None) -> str | None:
    """Why `user` may not take decision `name` on the stored article, or None."""
    if name in EDITORS_ONLY and not workflow.can_publish(user):
        return (
            "您没有发布权限：只有编辑可以定时发布、通过或退回稿件。文章没有保存，您的修改还在下面。"
        )
    if name == SUBMIT:
        if stored is not None and stored.status != Article.Status.DRAFT:
            return "只有草稿可以提交审核：这篇文章已发布或已定时。"
        if review is not None and review.is_pending:
            return "这篇稿件已在待审队列中，等编辑审核即可；要修改请点“保存”。"
    if name in NEEDS_PENDING and (review is None or not review.is_pending):
        return "这篇稿件不在待审队列中，可能已被其他编辑处理。您的修改还在下面。"
    if name == SCHEDULE and stored is not None and stored.is_published():
        return "这篇文章读者已经看得到，不能再定时发布；要撤下请用列表的“撤回”。"
    return None


def _schedule_time(value: str) -> tuple[datetime | None, str | None]:
    if not value.strip():
        return None, "请选择发布的日期和时间（北京时间）。"
    at = parse_datetime_local(value.strip())
    if at is None:
        return None, "无法识别发布时间，请用日期时间选择器选择，例如 2026-12-03 15:30。"
    error = workflow.validate_schedule_time(at)
    return (None, error) if error else (at, None)


class ArticleReview:
    """Mixed into ArticleAdmin: the decisions, their page context, and the inbox."""

    def get_urls(self):
        inbox_view = self.admin_site.admin_view(self.inbox_view)
        return [path("inbox/", inbox_view, name="articles_article_inbox"), *super().get_urls()]

    def _review_context(self, request, obj) -> dict:
        editor = workflow.can_publish(request.user)
        review = (
            Review.objects.filter(article=obj)
            .select_related("submitted_by__profile", "returned_by__profile")
            .first()
            if obj is not None
            else None
        )
        pending = review is not None and review.is_pending
        draft = obj is None or obj.status == Article.Status.DRAFT
        return {
            "review": review,
            "show_submit_review": not editor and draft and not pending,
            "show_schedule": editor and not pending and (obj is None or not obj.is_published()),
            "show_decision": editor and pending,
        }

    def _apply_decision(self, request, obj, decision: Decision) -> None:
        """Take the decision on the article just saved (same transaction, own savepoint)."""
        try:
            self._decide(request, obj, decision)
        except (ValidationError, PermissionDenied) as exc:
            # A race the form could not see (another editor decided first): the
            # edits are saved, the decision is not.
            text = exc.messages[0] if isinstance(exc, ValidationError) else str(exc)
            self.message_user(request, f"您的修改已保存，但{text}", messages.ERROR)
            return
        request.review_decision = decision.name
        if decision.name != SCHEDULE:
            # The piece changes hands (to the desk, or back to its writer) and this
            # page is left for the queue: the next person must not find it locked.
            locks.release(article_id=obj.pk, user=request.user)

    def _decide(self, request, obj, decision: Decision) -> None:
        by, version = request.user, obj.version
        if decision.name == SUBMIT:
            services.article_submit(article_id=obj.pk, by=by, expected_version=version)
            self.log_change(request, obj, "提交审核")
            self.message_user(request, "已提交审核：稿件已进入编辑的待审队列。", messages.SUCCESS)
        elif decision.name == SCHEDULE:
            services.article_schedule(
                article_id=obj.pk, by=by, at=decision.at, expected_version=version
            )
            self.log_change(request, obj, f"定时发布：{china_label(decision.at)}")
            self.message_user(
                request, f"已定时：将于 {china_label(decision.at)} 发布。", messages.SUCCESS
            )
        elif decision.name == RETURN:
            services.article_return(
                article_id=obj.pk, by=by, comment=decision.comment, expected_version=version
            )
            self.log_change(request, obj, "退回修改")
            self.message_user(
                request, f"已退回《{obj.title}》，撰稿人会看到您的意见。", messages.SUCCESS
            )
        else:
            services.article_approve(
                article_id=obj.pk,
                by=by,
                at=decision.at,
                comment=decision.comment,
                expected_version=version,
            )
            self.log_change(request, obj, "通过审核")
            when = f"将于 {china_label(decision.at)} 发布" if decision.at else "已发布"
            self.message_user(request, f"《{obj.title}》已通过审核，{when}。", messages.SUCCESS)

    def _decision_response(self, request, obj):
        """Where a decision leads: to the queue on the admin index (an editor's next
        piece; a writer's list of pieces in review), or back to a scheduled article."""
        name = getattr(request, "review_decision", None)
        if name is not None and name != SCHEDULE:
            return HttpResponseRedirect(reverse("admin:index") + "#review-queue")
        if name == SCHEDULE:
            return HttpResponseRedirect(reverse("admin:articles_article_change", args=[obj.pk]))
        return None

    def response_add(self, request, obj, post_url_continue=None):
        return self._decision_response(request, obj) or super().response_add(
            request, obj, post_url_continue
        )

    def response_change(self, request, obj):
        return self._decision_response(request, obj) or super().response_change(request, obj)

    def inbox_view(self, request):
        """消息: the user's notices, newest first; opening the page marks them read."""
        notices = inbox.latest(request.user)
        unread = {n.pk for n in notices if n.read_at is None}
        inbox.mark_read(user=request.user, notices=notices)
        context = {
            **self.admin_site.each_context(request),
            "title": "消息",
            "opts": self.opts,
            "notices": notices,
            "unread": unread,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/articles/article/inbox.html", context)
