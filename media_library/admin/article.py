"""The article admin with the library in it: "从图片库选择" beside the cover, and the
body editor's 图片库 button.

articles must not import this app (README "Code map"), so the library extends the article
admin from here, the way an app extends `UserAdmin`: the registered ArticleAdmin is
replaced by a subclass that changes only the form (forms.ArticleLibraryForm), the cover's
fieldset and the scripts. Every rule, view and save of ArticleAdmin is unchanged.
"""

from django.contrib import admin

from articles.admin.article import ArticleAdmin
from articles.models import Article

from .forms import ArticleLibraryForm

LIBRARY_FIELD = "cover_library_image"


class LibraryArticleAdmin(ArticleAdmin):
    form = ArticleLibraryForm

    class Media:
        js = ["media_library/picker.js"]
        css = {"all": ["media_library/library.css"]}

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        editable = (
            self.has_change_permission(request, obj) if obj else self.has_add_permission(request)
        )
        if not editable:
            return fieldsets  # read-only: the stored cover is all there is to show
        return [
            (
                name,
                {**options, "fields": [*options["fields"], LIBRARY_FIELD]}
                if "cover" in options["fields"]
                else options,
            )
            for name, options in fieldsets
        ]


admin.site.unregister(Article)
admin.site.register(Article, LibraryArticleAdmin)
