"""Errors as JSON in Chinese: {"detail": "…"}, or each bad parameter with its message."""

import math

from django.http import Http404
from rest_framework import exceptions
from rest_framework.views import exception_handler as drf_exception_handler

NOT_FOUND = "没有找到。"


def exception_handler(exc, context):
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.Throttled):
        wait = math.ceil(exc.wait) if exc.wait is not None else None
        response.data = {
            "detail": f"请求过于频繁，请 {wait} 秒后再试。"
            if wait
            else "请求过于频繁，请稍后再试。",
            "retry_after": wait,
        }
    elif isinstance(exc, Http404):
        # Django's own message names the model ("No Article matches …"). One answer for
        # what does not exist and what is not public yet (a draft's id): the two must
        # not be told apart.
        response.data = {"detail": NOT_FOUND}
    # Errors are not kept by caches: the next request may well succeed.
    response["Cache-Control"] = "no-store"
    return response
