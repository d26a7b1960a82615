"""What the article form calls besides saving: the slug prefill, the security and
tag suggestions (articles.lookup), and 预览 (the public page of unsaved edits, which
stores nothing)."""

from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect, JsonResponse
from django.template.response import TemplateResponse
from django.utils import timezone

from .. import images, lookup, workflow
from ..models import Article
from ..text import slug_from_title
from ..views import ArticleDetailView


class ArticleFormEndpoints:
    """Mixed into ArticleAdmin: the form's JSON endpoints and its preview."""

    def slug_preview(self, request):
        """The slug a save would give the title now, for the form's live prefill.

        Free for this article (`id`, when editing one): a reused headline gets its
        date suffix here already, so the box never shows a slug that is taken.
        """
        article = Article(published_at=timezone.now())
        if request.GET.get("id", "").isdigit():
            article.pk = int(request.GET["id"])
        base = slug_from_title(request.GET.get("title", ""))
        return JsonResponse({"slug": article.unique_slug(base)})

    def stock_search(self, request):
        """Up to 10 securities by code in any written form, name or pinyin, best first,
        for the 相关证券 picker. `symbol` is what the field stores; `code` and `name` are
        what its chip shows ("600519 贵州茅台")."""
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        found = lookup.find_securities(request.GET.get("q", ""))
        return JsonResponse(
            {
                "results": [
                    {
                        "symbol": s.symbol,
                        "code": s.code,
                        "name": s.name,
                        "exchange": s.exchange_label,
                        "label": str(s),
                    }
                    for s in found
                ]
            }
        )

    def tag_search(self, request):
        """Up to 10 existing tags by name or pinyin, best first, for the 标签 chips."""
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        found = lookup.find_tags(request.GET.get("q", ""))
        return JsonResponse({"results": [{"name": tag.name} for tag in found]})

    # -- preview -----------------------------------------------------------------------

    def _article_or_404(self, request, object_id):
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404("没有这篇文章")
        return obj

    def preview_view(self, request, object_id=None):
        """The public article page for what the form holds now, saved or not; never saves.

        GET on a saved article goes to its public URL, the staff preview of what is
        stored. POST (the form's 预览 button) binds the form like a save would, then
        renders the unsaved result with the public template and the preview banner.
        """
        obj = self._article_or_404(request, object_id) if object_id is not None else None
        if request.method == "GET" and obj is not None:
            if not self.has_view_or_change_permission(request, obj):
                raise PermissionDenied
            return HttpResponseRedirect(obj.get_absolute_url())
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        allowed = (
            self.has_change_permission(request, obj) if obj else self.has_add_permission(request)
        )
        if not allowed:
            raise PermissionDenied
        stored_cover = obj.cover if obj else None
        form_class = self.get_form(request, obj, change=obj is not None)
        form = form_class(request.POST, request.FILES, instance=obj)
        form.previewing = True
        if not form.is_valid():
            context = {
                **self.admin_site.each_context(request),
                "title": "无法预览",
                "opts": self.opts,
                "original": obj,
                "form": form,
            }
            return TemplateResponse(request, "admin/articles/article/preview_invalid.html", context)
        article = form.instance
        inline = None
        if isinstance(form.cleaned_data.get("cover"), UploadedFile):
            # A new cover is shown from the page itself, as a small stripped copy in a
            # data: URI (the CSP's img-src allows data:): nothing is stored, no metadata
            # reaches the page, and the editor sees the picture they chose.
            try:
                inline = images.inline_preview(form.cleaned_data["cover"])
            except images.ImageProcessingError:
                inline = None  # undecodable after all: show the stored cover
        if inline is not None:
            article.cover, article.cover_renditions = inline, inline.renditions
        elif not isinstance(form.cleaned_data.get("cover"), str):
            # (A name is a file already stored that the form chose: the media library's.)
            article.cover = stored_cover
        article.derive_fields()
        preview = workflow.ArticlePreview(
            article,
            tag_names=form.cleaned_data.get("tags") or [],
            stocks=form.cleaned_data.get("stock_codes") or [],
        )
        # The public detail view's own context, so the page is the one readers get.
        view = ArticleDetailView()
        view.setup(request)
        view.object = preview
        context = view.get_context_data(object=preview)
        context.update(is_preview=True, preview_unsaved=True)
        response = TemplateResponse(request, view.template_name, context)
        # Never cached, never indexed: it is somebody's unpublished text.
        response["X-Robots-Tag"] = "noindex"
        return response
