"""The article form's edit lock (articles.locks): the banner, the heartbeat, 仍要编辑."""

from django.core.exceptions import PermissionDenied
from django.http import HttpResponseNotAllowed, HttpResponseRedirect, JsonResponse
from django.urls import reverse

from .. import locks, workflow


class ArticleLocking:
    """Mixed into ArticleAdmin; its URLs are in ArticleAdmin.get_urls."""

    def _lock_context(self, request, obj) -> dict:
        # Opening the form takes the lock; a form shown again after a refused save
        # only looks (the lock may have been taken over meanwhile).
        if request.method == "GET" and self.has_change_permission(request, obj):
            other = locks.acquire(article_id=obj.pk, user=request.user)
        else:
            other = locks.holder(obj.pk, request.user)
        return {
            "lock_holder": other,
            "can_take_over": workflow.can_publish(request.user),
            "lock_url": reverse("admin:articles_article_lock", args=[obj.pk]),
            "lock_release_url": reverse("admin:articles_article_lock_release", args=[obj.pk]),
            "lock_take_over_url": reverse("admin:articles_article_lock_take_over", args=[obj.pk]),
            "lock_heartbeat": locks.HEARTBEAT,
            "lock_retry": locks.RETRY,
            "lock_stamp": "" if other else locks.stamp(obj.pk, request.user),
        }

    def _locked_article(self, request, object_id):
        if request.method != "POST":
            raise PermissionDenied
        obj = self._article_or_404(request, object_id)
        if not self.has_change_permission(request, obj):
            raise PermissionDenied
        return obj

    def lock_heartbeat(self, request, object_id):
        """The open form's heartbeat: whether the editor still holds the lock."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        obj = self._locked_article(request, object_id)
        if request.POST.get("watch"):
            # A page opened while someone else held the lock (edit-lock.js): it only
            # learns when the lock is free, and takes it when reloaded.
            other = locks.holder(obj.pk, request.user)
            stamp = ""
        else:
            other = locks.refresh(article_id=obj.pk, user=request.user)
            stamp = "" if other else locks.stamp(obj.pk, request.user)
        return JsonResponse(
            {
                "held": other is None,
                "holder": other.name if other else "",
                "label": other.label if other else "",
                "stamp": stamp,
            }
        )

    def lock_release(self, request, object_id):
        obj = self._locked_article(request, object_id)
        # The page sends the stamp it last kept the lock with (edit-lock.js); a bare
        # release (no stamp) lets the user's lock go whatever page kept it.
        locks.release(article_id=obj.pk, user=request.user, stamp=request.POST.get("stamp"))
        return JsonResponse({"released": True})

    def lock_take_over(self, request, object_id):
        """仍要编辑: an editor takes the lock, and the form opens for them."""
        obj = self._locked_article(request, object_id)
        if not workflow.can_publish(request.user):
            raise PermissionDenied
        locks.acquire(article_id=obj.pk, user=request.user, take_over=True)
        return HttpResponseRedirect(reverse("admin:articles_article_change", args=[obj.pk]))
