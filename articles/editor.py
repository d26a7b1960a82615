"""The WYSIWYG body editor (being written by the images/editor engineer).

Contract:
- RichTextWidget: a forms.Textarea subclass used for Article.body_source in the admin form.
- upload_image(request) -> JsonResponse: the view behind the editor's image upload
  (staff only; the admin registers it under /admin/articles/article/upload-image/).
"""

from django import forms
from django.http import JsonResponse


class RichTextWidget(forms.Textarea):
    pass


def upload_image(request):
    return JsonResponse({"error": "not yet"}, status=501)
