"""快讯台: the 7×24 desk's page. One box of text, 加红, a source, publish in one click.

The securities the text names are shown as chips, each a checkbox an editor unticks
to leave it out: `static/js/flash-desk.js` refreshes them while the editor types.
Without the script, "识别证券" shows the same chips from the server, and a flash
published before any chips were shown keeps every security found in its text.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect, JsonResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from .. import flashes, services, workflow
from ..models import Article, StockReference
from ..text import clean_line, clean_text

RECENT = 10


class FlashForm(forms.Form):
    text = forms.CharField(
        label="快讯内容",
        max_length=flashes.TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6, "autofocus": True, "class": "flash-text"}),
        help_text="【标题】正文，或直接写正文：第一句即标题。按 Ctrl+Enter 发布。",
        error_messages={"required": "请填写快讯内容。"},
    )
    important = forms.BooleanField(label="加红", required=False)
    source_name = forms.CharField(label="来源", required=False, max_length=100)
    # "1" once the chips were shown (by the page or the script): then the ticked ones
    # are the editor's choice, and none ticked means none.
    stocks_shown = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean_text(self):
        text = clean_text(self.cleaned_data["text"])
        if not flashes.compose(text).title:
            raise ValidationError("请填写快讯内容。")
        return text

    def clean_source_name(self):
        return clean_line(self.cleaned_data["source_name"])


def _chips(stocks) -> list[dict]:
    return [{"symbol": s.symbol, "label": str(s), "name": s.name, "code": s.code} for s in stocks]


def _chosen(form: FlashForm, posted_symbols: list[str]) -> list[StockReference]:
    """The securities to link: those ticked, if the chips were shown; else all found."""
    found = flashes.detect_stocks(form.cleaned_data["text"])
    if form.cleaned_data.get("stocks_shown") != "1":
        return found
    ticked = set(posted_symbols)
    return [stock for stock in found if stock.symbol in ticked]


class FlashDesk:
    """Views of the desk, mixed into ArticleAdmin (its URLs are in ArticleAdmin.get_urls)."""

    def _check_desk(self, request):
        # Only those who may publish: a flash goes live the moment it is sent.
        if not workflow.can_publish(request.user):
            raise PermissionDenied

    def flash_desk(self, request):
        self._check_desk(request)
        form = FlashForm(request.POST or None)
        chips, ticked = [], set()
        if request.method == "POST" and form.is_valid():
            posted = request.POST.getlist("stocks")
            if "publish" in request.POST:
                article = services.flash_publish(
                    text=form.cleaned_data["text"],
                    important=form.cleaned_data["important"],
                    source_name=form.cleaned_data["source_name"],
                    stocks=_chosen(form, posted),
                    by=request.user,
                )
                messages.success(
                    request,
                    format_html(
                        "快讯已发布（{}）：<a href='{}'>{}</a>",
                        f"{timezone.localtime(article.published_at):%H:%M:%S}",
                        article.get_absolute_url(),
                        article.title,
                    ),
                )
                return HttpResponseRedirect(request.path)
            # 识别证券 without the script: the chips, all ticked unless unticked before.
            chips = _chips(flashes.detect_stocks(form.cleaned_data["text"]))
            shown_before = form.cleaned_data.get("stocks_shown") == "1"
            ticked = set(posted) if shown_before else {c["symbol"] for c in chips}
            form = FlashForm(initial={**form.cleaned_data, "stocks_shown": "1"})
        context = {
            **self.admin_site.each_context(request),
            "title": "快讯台",
            "opts": self.opts,
            "form": form,
            "chips": [{**chip, "ticked": chip["symbol"] in ticked} for chip in chips],
            "stocks_url": reverse("admin:articles_article_flash_stocks"),
            "recent": Article.objects.filter(category__slug=flashes.FLASH_SECTION_SLUG)
            .select_related("author__profile")
            .order_by("-published_at", "-id")[:RECENT],
            "flash_page": reverse("articles:category", args=[flashes.FLASH_SECTION_SLUG]),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/articles/article/flash_desk.html", context)

    def flash_stocks(self, request):
        """The securities a text names, for the desk's chips while the editor types."""
        self._check_desk(request)
        text = request.GET.get("text", "")[: flashes.TEXT_MAX_LENGTH]
        return JsonResponse({"results": _chips(flashes.detect_stocks(text))})
