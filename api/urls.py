"""`/api/v1/`: the endpoints (a router), the OpenAPI schema and its docs page.

The version is in the path: a change that would break a client gets `/api/v2/`,
and v1 keeps answering as documented.
"""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import SimpleRouter

from . import views

app_name = "api"

router = SimpleRouter()
router.register("articles", views.ArticleViewSet, basename="article")
router.register("sections", views.SectionViewSet, basename="section")
router.register("tags", views.TagViewSet, basename="tag")
router.register("stocks", views.StockViewSet, basename="stock")

urlpatterns = [
    path("v1/", views.IndexView.as_view(), name="index"),
    path("v1/", include(router.urls)),
    path("v1/flashes/", views.FlashListView.as_view(), name="flash-list"),
    path("v1/search/", views.SearchView.as_view(), name="search"),
    path("v1/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("v1/docs/", views.DocsView.as_view(), name="docs"),
]
