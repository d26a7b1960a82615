"""The article form's autosave (articles.autosave): storing the copy, 丢弃, and the
restore offer the form shows when it is opened again."""

import json

from django.core.exceptions import PermissionDenied
from django.http import HttpResponseNotAllowed, JsonResponse
from django.urls import reverse

from .. import autosave, chinatime
from ..models import Article

# Seconds after the last change before the form sends its copy (static/js/autosave.js).
QUIET_SECONDS = 5


def _saved_label(moment) -> str:
    """ "12:03" today, "5月3日 12:03" before: when the copy was made, China time."""
    local = moment.astimezone(chinatime.CHINA)
    if local.date() == chinatime.today():
        return f"{local:%H:%M}"
    return f"{local.month}月{local.day}日 {local:%H:%M}"


def _offer(copy, obj) -> dict | None:
    """What the restore offer needs: the fields, when, and whether the article moved on."""
    if copy is None:
        return None
    current = obj.version if obj is not None else None
    return {
        "data": copy.data,
        "saved_label": _saved_label(copy.saved_at),
        "based_on_version": copy.based_on_version,
        "current_version": current,
        "stale": (
            copy.based_on_version is not None
            and current is not None
            and current != copy.based_on_version
        ),
    }


class ArticleAutosave:
    """Mixed into ArticleAdmin; its URLs are in ArticleAdmin.get_urls."""

    def _may_autosave(self, request, obj) -> bool:
        if obj is None:
            return self.has_add_permission(request)
        return self.has_change_permission(request, obj)

    def _autosave_context(self, request, obj) -> dict:
        if not self._may_autosave(request, obj):
            return {}
        if obj is None:
            url = reverse("admin:articles_article_autosave_new")
            discard = reverse("admin:articles_article_autosave_new_discard")
        else:
            url = reverse("admin:articles_article_autosave", args=[obj.pk])
            discard = reverse("admin:articles_article_autosave_discard", args=[obj.pk])
        copy = autosave.autosave_for(user=request.user, article_id=obj.pk if obj else None)
        return {
            "autosave_url": url,
            "autosave_discard_url": discard,
            "autosave_quiet": QUIET_SECONDS,
            "autosave_fields": " ".join(autosave.FIELDS),
            "autosave_offer": _offer(copy, obj),
            # A form shown again after a refused save holds what was typed, not what is
            # stored: leaving it still loses something.
            "autosave_unsaved": request.method == "POST",
        }

    def _autosave_article(self, request, object_id):
        obj = self._article_or_404(request, object_id) if object_id is not None else None
        if not self._may_autosave(request, obj):
            raise PermissionDenied
        return obj

    def autosave_view(self, request, object_id=None):
        """GET: the user's own copy (never anyone else's); POST: store the form's fields.

        POST body: JSON `{"data": {field: value}, "version": n}`, with the CSRF header.
        """
        if request.method not in ("GET", "POST"):
            return HttpResponseNotAllowed(["GET", "POST"])
        obj = self._autosave_article(request, object_id)
        article_id = obj.pk if obj else None
        if request.method == "GET":
            copy = autosave.autosave_for(user=request.user, article_id=article_id)
            return JsonResponse({"autosave": _offer(copy, obj)})
        # Refused before reading: a body this large is not read into memory at all.
        if int(request.META.get("CONTENT_LENGTH") or 0) > autosave.MAX_BYTES:
            return JsonResponse({"error": autosave.TOO_LARGE}, status=413)
        try:
            posted = json.loads(request.body)
            data, version = posted["data"], posted.get("version")
        except (ValueError, KeyError, TypeError):
            return JsonResponse({"error": autosave.MALFORMED}, status=400)
        version = version if isinstance(version, int) and not isinstance(version, bool) else None
        try:
            copy = autosave.autosave_store(
                user=request.user,
                article_id=article_id,
                data=data,
                based_on_version=version if obj is not None else None,
            )
        except autosave.AutosaveRefused as refused:
            status = 413 if refused.message == autosave.TOO_LARGE else 400
            return JsonResponse({"error": refused.message}, status=status)
        local = copy.saved_at.astimezone(chinatime.CHINA)
        return JsonResponse({"saved": True, "label": f"已自动保存（{local:%H:%M:%S}）"})

    def autosave_discard_view(self, request, object_id=None):
        """丢弃: the editor does not want the copy back."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        obj = self._autosave_article(request, object_id)
        autosave.autosave_discard(user=request.user, article_id=obj.pk if obj else None)
        return JsonResponse({"discarded": True})

    def _autosave_saved(self, request, obj: Article, change: bool) -> None:
        """The form saved the article: the copy of its unsaved edits has served."""
        autosave.autosave_discard(user=request.user, article_id=obj.pk if change else None)
