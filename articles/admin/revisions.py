"""修订历史 and 保存冲突: the history of an article, one revision against the current
article, a restore, and the page a stale save gets instead of overwriting."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone

from .. import services, workflow
from ..models import Article, Revision
from ..text import clean_line, clean_text
from .forms import posted_version


def _state_changes_since(current: Article, version: int) -> list:
    """What changed beyond the text since `version`, when that version's revision is kept."""
    base = current.revisions.filter(version=version).first()
    if base is None or not base.has_state:
        return []
    return workflow.state_changes(base.state(), Revision.state_of(current))


class ArticleRevisions:
    """Mixed into ArticleAdmin: the revision pages and the conflict page."""

    def conflict_response(self, request, stale: "services.StaleArticle"):
        """The page a stale save gets: who changed what since, the difference, the
        editor's own text to copy, and a way back to the current version."""
        current = stale.current
        posted = {
            "title": clean_line(request.POST.get("title", "")),
            "summary": clean_text(request.POST.get("summary", "")),
            "body_source": request.POST.get("body_source", ""),
            "tags": request.POST.get("tags", ""),
            "stock_codes": request.POST.get("stock_codes", ""),
        }
        context = {
            **self.admin_site.each_context(request),
            "title": "保存失败：这篇文章已被他人修改",
            "subtitle": str(current),
            "opts": self.opts,
            "original": current,
            "changes": stale.changes(),
            "state_changes": _state_changes_since(current, stale.expected_version),
            "posted": posted,
            "title_changed": posted["title"] != current.title,
            "summary_diff": workflow.diff_lines(posted["summary"], current.summary),
            "body_diff": workflow.body_diff(posted["body_source"], current.body_source),
            "body_source_changed": posted["body_source"] != current.body_source,
            "change_url": reverse("admin:articles_article_change", args=[current.pk]),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(
            request, "admin/articles/article/conflict.html", context, status=409
        )

    def _revision_context(self, request, obj, title):
        return {
            **self.admin_site.each_context(request),
            "title": title,
            "subtitle": str(obj),
            "opts": self.opts,
            "original": obj,
            "has_change_permission": self.has_change_permission(request, obj),
        }

    def revisions_view(self, request, object_id):
        """修订历史: who changed the text when, newest first."""
        obj = self._article_or_404(request, object_id)
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        revisions = list(obj.revisions.select_related("author__profile"))
        current = next((r for r in revisions if r.same_text_as(obj)), None)
        context = {
            **self._revision_context(request, obj, "修订历史"),
            "revisions": revisions,
            "current_revision": current,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/articles/article/revision_list.html", context)

    def revision_view(self, request, object_id, revision_id):
        """One revision against the current text: the text readers read, marked by character."""
        obj = self._article_or_404(request, object_id)
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        revision = get_object_or_404(
            obj.revisions.select_related("author__profile"), pk=revision_id
        )
        context = {
            **self._revision_context(request, obj, "比较修订版本"),
            "revision": revision,
            "same": revision.restores_nothing(obj, with_state=True),
            "can_publish": workflow.can_publish(request.user),
            "state_changes": workflow.state_changes(revision.state(), Revision.state_of(obj))
            if revision.has_state
            else [],
            "title_changed": revision.title != obj.title,
            "summary_diff": workflow.diff_lines(revision.summary, obj.summary),
            "body_diff": workflow.body_diff(revision.body_source, obj.body_source),
            "body_source_changed": revision.body_source != obj.body_source,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/articles/article/revision_diff.html", context)

    def revision_restore(self, request, object_id, revision_id):
        """Put a revision back (services.article_restore); the restore is a revision too.

        The status and publication time stay unless the editor ticks 同时恢复发布状态,
        which only those who may publish can do.
        """
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        obj = self._article_or_404(request, object_id)
        if not self.has_change_permission(request, obj):
            raise PermissionDenied
        revision = get_object_or_404(obj.revisions, pk=revision_id)
        with_state = bool(request.POST.get("with_state")) and revision.has_state
        if with_state and not workflow.can_publish(request.user):
            raise PermissionDenied
        change_url = reverse("admin:articles_article_change", args=[obj.pk])
        if revision.restores_nothing(obj, with_state=with_state):
            self.message_user(request, "所选版本与当前内容相同，无需恢复。", messages.INFO)
            return HttpResponseRedirect(change_url)
        label = f"{timezone.localtime(revision.created_at):%Y-%m-%d %H:%M}"
        try:
            restored = services.article_restore(
                article_id=obj.pk,
                revision=revision,
                by=request.user,
                expected_version=posted_version(request.POST, "_version"),
                with_state=with_state,
            )
        except services.StaleArticle as stale:
            return self.conflict_response(request, stale)
        self.log_change(request, restored, f"恢复了 {label} 的版本")
        kept = "发布状态和时间也已恢复" if with_state else "发布状态未改变"
        self.message_user(request, f"已恢复 {label} 的版本，{kept}。", messages.SUCCESS)
        return HttpResponseRedirect(change_url)
