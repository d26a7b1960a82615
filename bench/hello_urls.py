"""The one URL of the bare hello-world baseline (bench/hello_settings.py)."""

from django.http import HttpResponse
from django.urls import path

_HELLO = b"hello, world\n"


def hello(request):
    return HttpResponse(_HELLO, content_type="text/plain")


urlpatterns = [path("", hello)]
