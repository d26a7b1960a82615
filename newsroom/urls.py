from django.conf import settings
from django.contrib import admin
from django.http import Http404, HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.urls import include, path
from django.views.static import serve

admin.site.site_header = f"{settings.SITE_NAME} · 编辑后台"
admin.site.site_title = f"{settings.SITE_NAME} 编辑后台"
admin.site.index_title = "内容管理"

urlpatterns = [
    # Browsers ask for /favicon.ico on pages without an icon link (the admin's).
    path("favicon.ico", lambda request: HttpResponsePermanentRedirect(static("favicon.svg"))),
    path("admin/", admin.site.urls),
    path("api/", include("api.urls")),
    path("", include("articles.urls")),
    path("", include("topics.urls")),
    path("", include("search.urls")),
    path("", include("legacy.urls")),
    path("", include("quotes.urls")),
]

# Uploaded media. In production nginx serves /media/ (see README, "Deploying");
# locally gunicorn serves it so `make run` shows cover images with DEBUG off.
if not settings.PRODUCTION:

    def media(request, path):
        try:
            return serve(request, path, document_root=settings.MEDIA_ROOT)
        except OSError as exc:
            # A name the file system refuses (too long, say) names no file of ours.
            raise Http404("没有这个文件") from exc

    urlpatterns += [path(f"{settings.MEDIA_URL.strip('/')}/<path:path>", media)]
