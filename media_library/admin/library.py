"""图片库: the library's pages in the admin.

The list is a grid of thumbnails, searched by alt text and file name; "上传图片" asks for the
file and its 替代文字 (both required); an item's page shows the picture, where it is used, and
lets staff correct its alt text. Writers (撰稿) may upload, correct and use pictures; only
editors (编辑) may delete one, and only while no article uses it (`services.ImageInUse`).

Two JSON endpoints serve the picker (media_library/picker.js): `picker/` lists the library
(`q`, `page`), `<id>/alt/` sets a missing alt text typed in the picker.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpResponseRedirect, JsonResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from articles import images

from .. import services
from ..models import MediaImage
from ..usage import articles_using
from .forms import AltForm, UploadForm

PICKER_PAGE_SIZE = 24
SEARCH_MAX = 100


def search(queryset, query: str):
    """Images whose alt text or file name (as uploaded, or as stored) contains `query`."""
    query = query.strip()[:SEARCH_MAX]
    if not query:
        return queryset
    return queryset.filter(
        Q(alt__icontains=query) | Q(original_name__icontains=query) | Q(file__icontains=query)
    )


def picker_entry(image: MediaImage, alt_url: str | None) -> dict:
    """What the picker needs of an image: its thumbnail, and the src, size and alt an
    `<img>` in a body (or the cover) gets."""
    src, width, height = image.body_image()
    return {
        "id": image.pk,
        "alt": image.alt,
        "name": image.original_name or image.file.name.rsplit("/", 1)[-1],
        "thumb": image.thumb_url,
        "src": src,
        "width": width,
        "height": height,
        "alt_url": alt_url,
    }


def _json_error(message: str, status: int) -> JsonResponse:
    return JsonResponse(
        {"error": message}, status=status, json_dumps_params={"ensure_ascii": False}
    )


class MissingAltFilter(admin.SimpleListFilter):
    title = "替代文字"
    parameter_name = "alt"

    def lookups(self, request, model_admin):
        return [("missing", "缺少替代文字"), ("present", "已填写")]

    def queryset(self, request, queryset):
        if self.value() == "missing":
            return queryset.filter(alt="")
        if self.value() == "present":
            return queryset.exclude(alt="")
        return queryset


@admin.register(MediaImage)
class MediaImageAdmin(admin.ModelAdmin):
    form = AltForm
    change_list_template = "admin/media_library/mediaimage/change_list.html"
    list_display = ["thumbnail", "alt", "original_name", "uploaded_by", "uploaded_at"]
    list_filter = [MissingAltFilter]
    list_select_related = ["uploaded_by"]
    list_per_page = 48
    search_fields = ["alt", "original_name", "file"]
    search_help_text = "按替代文字或文件名搜索"
    # No bulk actions: a bulk delete would skip the check that no article uses a picture.
    actions = None
    fields = [
        "preview",
        "alt",
        "original_name",
        "dimensions",
        "uploaded_by",
        "uploaded_at",
        "used_by",
    ]
    readonly_fields = [
        "preview",
        "original_name",
        "dimensions",
        "uploaded_by",
        "uploaded_at",
        "used_by",
    ]

    class Media:
        css = {"all": ["media_library/library.css"]}

    def changelist_view(self, request, extra_context=None):
        extra_context = {"title": "图片库：写稿时可选用的图片", **(extra_context or {})}
        return super().changelist_view(request, extra_context)

    def get_search_results(self, request, queryset, search_term):
        # One rule for the list and the picker (search()).
        return search(queryset, search_term), False

    def get_urls(self):
        def view(func):
            return self.admin_site.admin_view(func)

        return [
            path("picker/", view(self.picker_view), name="media_library_mediaimage_picker"),
            path("<int:pk>/alt/", view(self.alt_view), name="media_library_mediaimage_alt"),
            *super().get_urls(),
        ]

    # -- the library's own pages -------------------------------------------------------

    def add_view(self, request, form_url="", extra_context=None):
        """上传图片: the file and its alt text, through services.media_image_upload."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = UploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                result = services.media_image_upload(
                    upload=form.cleaned_data["upload"],
                    alt=form.cleaned_data["alt"],
                    by=request.user,
                )
            except ValidationError as exc:
                form.add_error("upload", exc)
            except images.ImageProcessingError as exc:
                form.add_error("upload", exc.message)
            else:
                return self._after_upload(request, result)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "上传图片",
            "form": form,
            "media": self.media + form.media,
            "has_view_permission": self.has_view_permission(request),
        }
        return TemplateResponse(request, "admin/media_library/mediaimage/upload.html", context)

    def _after_upload(self, request, result):
        image = result.image
        if result.created:
            self.log_addition(request, image, [{"added": {}}])
            self.message_user(
                request, f"已上传“{image}”，写稿时可以从图片库选用。", messages.SUCCESS
            )
        else:
            self.message_user(
                request,
                f"图片库里已有这张图片（替代文字：“{image.alt or '未填写'}”），没有重复保存。"
                "如需修改替代文字，请在下面修改。",
                messages.WARNING,
            )
        if "_addanother" in request.POST:
            return HttpResponseRedirect(reverse("admin:media_library_mediaimage_add"))
        return HttpResponseRedirect(
            reverse("admin:media_library_mediaimage_change", args=[image.pk])
        )

    def save_model(self, request, obj, form, change):
        services.media_image_set_alt(image=obj, alt=form.cleaned_data["alt"], by=request.user)

    def delete_view(self, request, object_id, extra_context=None):
        image = self.get_object(request, object_id)
        if image is not None and self.has_delete_permission(request, image):
            using = articles_using(image)
            if using.exists():
                return self._refuse_delete(
                    request, image, services.ImageInUse(using[:5], using.count())
                )
        try:
            return super().delete_view(request, object_id, extra_context)
        except services.ImageInUse as exc:  # an article took the picture meanwhile
            return self._refuse_delete(request, image, exc)

    def _refuse_delete(self, request, image, exc):
        self.message_user(request, f"没有删除：{exc}", messages.ERROR)
        return HttpResponseRedirect(
            reverse("admin:media_library_mediaimage_change", args=[image.pk])
        )

    def delete_model(self, request, obj):
        services.media_image_delete(image=obj, by=request.user)

    # -- the picker's endpoints ----------------------------------------------------------

    def picker_view(self, request):
        if not self.has_view_permission(request):
            return _json_error("您没有查看图片库的权限。", 403)
        queryset = search(MediaImage.objects.all(), request.GET.get("q", ""))
        page = Paginator(queryset, PICKER_PAGE_SIZE).get_page(request.GET.get("page"))
        may_change = self.has_change_permission(request)
        results = [
            picker_entry(
                image,
                reverse("admin:media_library_mediaimage_alt", args=[image.pk])
                if may_change and not image.alt
                else None,
            )
            for image in page
        ]
        return JsonResponse(
            {
                "results": results,
                "page": page.number,
                "pages": page.paginator.num_pages,
                "count": page.paginator.count,
            },
            json_dumps_params={"ensure_ascii": False},
        )

    def alt_view(self, request, pk):
        if request.method != "POST":
            return _json_error("只接受 POST。", 405)
        image = MediaImage.objects.filter(pk=pk).first()
        if image is None:
            return _json_error("这张图片已不在图片库中。", 404)
        if not self.has_change_permission(request, image):
            return _json_error("您没有修改图片库的权限。", 403)
        try:
            services.media_image_set_alt(
                image=image, alt=request.POST.get("alt", ""), by=request.user
            )
        except ValidationError as exc:
            return _json_error(" ".join(exc.messages), 400)
        self.log_change(request, image, [{"changed": {"fields": ["替代文字"]}}])
        return JsonResponse(picker_entry(image, None), json_dumps_params={"ensure_ascii": False})

    # -- what the pages show -------------------------------------------------------------

    @admin.display(description="缩略图")
    def thumbnail(self, obj):
        return format_html(
            '<img class="media-thumb" src="{}" alt="" loading="lazy">', obj.thumb_url
        )

    @admin.display(description="图片")
    def preview(self, obj):
        if not obj.pk:
            return "-"
        src, width, height = obj.body_image()
        return format_html(
            '<a href="{}"><img class="media-preview" src="{}" width="{}" height="{}" alt="{}"></a>',
            obj.file.url,
            src,
            width or "",
            height or "",
            obj.alt,
        )

    @admin.display(description="尺寸")
    def dimensions(self, obj):
        return f"{obj.width} × {obj.height} 像素" + ("（动图）" if obj.animated else "")

    @admin.display(description="使用这张图片的文章")
    def used_by(self, obj):
        if not obj.pk:
            return "-"
        articles = list(articles_using(obj).only("pk", "title")[:50])
        if not articles:
            return "没有文章使用这张图片。"
        return format_html(
            '<ul class="media-used-by">{}</ul>',
            format_html_join(
                "",
                '<li><a href="{}">{}</a></li>',
                (
                    (reverse("admin:articles_article_change", args=[a.pk]), a.title)
                    for a in articles
                ),
            ),
        )
