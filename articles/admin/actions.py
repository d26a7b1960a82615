"""The article list's bulk actions (立即发布, 重新发布, 撤回, 定时发布…, 删除).

The list carries each row's version (see `ArticleAdmin.status_badge`), so an action
applied to a list older than an article's last change leaves that article alone and
says who changed it: a takedown made meanwhile is never undone by a stale list."""

from functools import partial

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.actions import delete_selected
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone

from .. import services
from ..models import Article
from .forms import ScheduleForm, next_full_hour, posted_version


def delete_selected_checked(modeladmin, request, queryset):
    """Django's delete action, refused up front when the takedown could not reach readers.

    Checked before the confirmation is applied, so the editor sees why and nothing
    is deleted (rather than a success message over a half-done deletion).
    """
    live = [a for a in queryset if a.is_published()] if request.POST.get("post") else []
    if live:
        try:
            services.check_takedown(live[0])
        except services.TakedownRefused as exc:
            modeladmin.message_user(request, f"没有删除：{exc}", messages.ERROR)
            return None
    return delete_selected(modeladmin, request, queryset)


def _stale_message(stale: list) -> str:
    """One line per article a stale list could not change: who changed it, and when."""
    parts = []
    for exc in stale:
        changes = exc.changes()
        last = changes[-1] if changes else None
        who = last.author_name if last else "他人"
        when = f"{timezone.localtime(last.created_at):%m-%d %H:%M}" if last else ""
        what = last.get_kind_display() if last else "修改"
        parts.append(f"《{exc.current.title}》（{who} {when} {what}）")
    return (
        "以下文章在您打开列表之后已被他人修改，本次操作没有改动它们，请刷新列表后再试："
        + "、".join(parts)
    )


class ArticleActions:
    """Mixed into ArticleAdmin: the actions and what they share."""

    def _apply(self, request, articles, message, write) -> int:
        """Run `write(article_id=…, by=…, expected_version=…)` on each article."""
        done, stale = 0, []
        for article in articles:
            try:
                changed = write(
                    article_id=article.pk,
                    by=request.user,
                    expected_version=posted_version(request.POST, f"_version_{article.pk}"),
                )
            except services.StaleArticle as exc:
                stale.append(exc)
                continue
            except services.TakedownRefused as exc:
                self.message_user(request, f"《{article.title}》没有改动：{exc}", messages.ERROR)
                continue
            self.log_change(request, changed, message)
            done += 1
        if stale:
            self.message_user(request, _stale_message(stale), messages.ERROR)
        return done

    @admin.action(description="立即发布", permissions=["publish"])
    def publish(self, request, queryset):
        # Articles already live keep their date: "publish now" must not re-date them,
        # and one taken down and put back keeps its first time (services.article_publish).
        pending = [a for a in queryset if not a.is_published()]
        count = self._apply(request, pending, "立即发布", services.article_publish)
        skipped = len(queryset) - len(pending)
        note = f"（{skipped} 篇本来就已发布，未改动）" if skipped else ""
        self.message_user(request, f"已发布 {count} 篇文章{note}。", messages.SUCCESS)

    @admin.action(description="重新发布（发布时间改为现在）", permissions=["publish"])
    def republish_now(self, request, queryset):
        """The explicit choice to move a story to now, e.g. a corrected story worth
        putting back on top; "立即发布" never re-dates one readers have seen."""
        count = self._apply(
            request,
            list(queryset),
            "重新发布，发布时间改为现在",
            partial(services.article_publish, redate=True),
        )
        self.message_user(
            request, f"已重新发布 {count} 篇文章，发布时间改为现在。", messages.SUCCESS
        )

    @admin.action(description="设为头条或置顶…", permissions=["pin"])
    def pin(self, request, queryset):
        """Opens the 头条与置顶 form for the first chosen article (one pin at a time)."""
        article = queryset.order_by("-published_at", "-id").first()
        url = reverse("admin:articles_pin_add")
        return HttpResponseRedirect(f"{url}?article={article.pk}&kind=lead")

    def has_pin_permission(self, request):
        return request.user.has_perm("articles.add_pin")

    @admin.action(description="撤回（改为草稿）", permissions=["publish"])
    def unpublish(self, request, queryset):
        live = [a for a in queryset if a.status == Article.Status.PUBLISHED]
        count = self._apply(request, live, "撤回为草稿", services.article_unpublish)
        self.message_user(request, f"已撤回 {count} 篇文章，改为草稿。", messages.SUCCESS)

    @admin.action(description="定时发布…", permissions=["publish"])
    def schedule(self, request, queryset):
        """Like Django's delete confirmation: a page asks for the time, then applies it."""
        if "apply" in request.POST:
            form = ScheduleForm(request.POST)
            if form.is_valid():
                when = form.cleaned_data["published_at"]
                label = f"{timezone.localtime(when):%Y-%m-%d %H:%M}"
                count = self._apply(
                    request,
                    list(queryset),
                    f"定时于 {label} 发布",
                    partial(services.article_schedule, at=when),
                )
                self.message_user(
                    request, f"已将 {count} 篇文章定时于 {label} 发布。", messages.SUCCESS
                )
                return None
        else:
            form = ScheduleForm(initial={"published_at": next_full_hour()})
        context = {
            **self.admin_site.each_context(request),
            "title": "定时发布",
            "opts": self.opts,
            "queryset": queryset,
            "form": form,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            # The list's versions ride along to the confirmation and back.
            "versions": {k: v for k, v in request.POST.items() if k.startswith("_version_")},
            "media": self.media + form.media,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/articles/article/schedule.html", context)
