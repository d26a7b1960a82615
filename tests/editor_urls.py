"""A test-only URLConf: the editor's upload view wired the way the admin wires it.

`admin_view` is what `ArticleAdmin.get_urls()` wraps it in (login, staff, CSRF, no cache);
`raw/` exposes the bare view, to check that it refuses on its own too.
"""

from django.contrib import admin
from django.urls import path

from articles.editor import upload_image

urlpatterns = [
    path("admin/", admin.site.urls),
    path("editor/upload-image/", admin.site.admin_view(upload_image), name="editor-upload"),
    path("raw/upload-image/", upload_image, name="editor-upload-raw"),
]
