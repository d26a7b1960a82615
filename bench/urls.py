"""The site's URLs plus bench/serve's baseline: the cheapest possible Django response
(a fixed 10 KB string), measured in the same run as the real pages."""

from django.http import HttpResponse
from django.urls import include, path

_BASELINE = ("x" * 10240).encode()

urlpatterns = [
    path("__bench__/baseline/", lambda request: HttpResponse(_BASELINE, content_type="text/plain")),
    path("", include("newsroom.urls")),
]
