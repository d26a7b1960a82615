"""The article list's sidebar filters beyond Django's own: 审核, 作者, 标签, 证券.

Tags and securities number in the thousands (the legacy archive), far too many for a
list of links: those two are a search box each, matched as the tag and stock pages
match them (a tag by name or slug; a security by its exact code or name, else as the
form's stock search finds it, articles.lookup.find_securities).
"""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db.models import Q

from .. import lookup
from ..models import Article, ArticleStock, Review, StockReference, person_name


class ReviewStateFilter(admin.SimpleListFilter):
    """待审 and 退回修改 (articles/models/reviews.py)."""

    title = "审核"
    parameter_name = "review"

    def lookups(self, request, model_admin):
        return Review.State.choices

    def queryset(self, request, queryset):
        if self.value() in Review.State.values:
            return queryset.filter(review__state=self.value())
        return queryset


class AuthorFilter(admin.SimpleListFilter):
    """The staff who wrote articles, by the name the desk knows them by."""

    title = "作者"
    parameter_name = "author"

    def lookups(self, request, model_admin):
        authors = (
            get_user_model()
            .objects.filter(pk__in=Article.objects.values("author_id"))
            .select_related("profile")
            .order_by("username")
        )
        return [(str(user.pk), person_name(user) or user.get_username()) for user in authors]

    def queryset(self, request, queryset):
        value = self.value()
        if value and value.isdigit():
            return queryset.filter(author_id=int(value))
        return queryset


class InputFilter(admin.SimpleListFilter):
    """A filter typed into a box (a GET form keeping the list's other filters)."""

    template = "admin/articles/article/input_filter.html"
    placeholder = ""

    def lookups(self, request, model_admin):
        return []

    def has_output(self):
        return True

    def choices(self, changelist):
        yield {
            "selected": self.value() is None,
            "query_string": changelist.get_query_string(remove=[self.parameter_name]),
            "display": "全部",
            "hidden": [(k, v) for k, v in changelist.params.items() if k != self.parameter_name],
            "value": self.value() or "",
            "placeholder": self.placeholder,
        }


class TagFilter(InputFilter):
    title = "标签"
    parameter_name = "tag"
    placeholder = "标签名，如 光伏"

    def queryset(self, request, queryset):
        value = (self.value() or "").strip()
        if not value:
            return queryset
        tagged = Article.objects.filter(Q(tags__name__iexact=value) | Q(tags__slug=value))
        return queryset.filter(pk__in=tagged.values("pk"))


class StockFilter(InputFilter):
    title = "证券"
    parameter_name = "stock"
    placeholder = "代码或名称，如 600519"

    def queryset(self, request, queryset):
        value = (self.value() or "").strip()
        if not value:
            return queryset
        # An exact code or name first: "600519" must not also list 600519's neighbours.
        exact = StockReference.objects.filter(Q(code__iexact=value) | Q(name=value))
        found = exact if exact.exists() else lookup.find_securities(value, limit=50)
        links = ArticleStock.objects.filter(stock__in=found).values("article_id")
        return queryset.filter(pk__in=links)
