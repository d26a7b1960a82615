from django.urls import re_path

from articles.securities import URL_CODE_REGEX

from . import views

app_name = "quotes"

# The stock page's path plus quote.json. A regex, not <stockcode:>: that converter is
# registered by articles/urls.py, and this module must not depend on import order.
urlpatterns = [
    re_path(
        rf"^stock/(?P<market>[0-9]{{1,3}})\.(?P<code>{URL_CODE_REGEX})/quote\.json$",
        views.stock_quote,
        name="stock-quote",
    ),
]
