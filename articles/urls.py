from django.urls import path, register_converter

from . import converters, feeds, listings, live, sitemaps, views

register_converter(converters.UnicodeSlugConverter, "uslug")
register_converter(converters.StockCodeConverter, "stockcode")
register_converter(converters.FeedFormatConverter, "feedformat")

app_name = "articles"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("feed/<feedformat:fmt>/", feeds.site_feed, name="feed-site"),
    path("category/<slug:slug>/feed/<feedformat:fmt>/", feeds.category_feed, name="feed-category"),
    path("tag/<uslug:slug>/feed/<feedformat:fmt>/", feeds.tag_feed, name="feed-tag"),
    path(
        "stock/<int:market>.<stockcode:code>/feed/<feedformat:fmt>/",
        feeds.stock_feed,
        name="feed-stock",
    ),
    path("sitemap.xml", sitemaps.sitemap_index, name="sitemap"),
    path("sitemap-<slug:section>.xml", sitemaps.sitemap_section, name="sitemap-section"),
    path("robots.txt", sitemaps.robots_txt, name="robots"),
    path("article/<slug:slug>/", views.ArticleDetailView.as_view(), name="detail"),
    path("category/", views.CategoryIndexView.as_view(), name="categories"),
    path("tags/", views.TagIndexView.as_view(), name="tags"),
    path("stocks/", views.StockIndexView.as_view(), name="stocks"),
    path("archive/<int:year>/", views.YearArchive.as_view(), name="archive-year"),
    path("archive/<int:year>/<int:month>/", views.MonthArchive.as_view(), name="archive-month"),
    path(
        "archive/<int:year>/<int:month>/<int:day>/",
        views.DayArchive.as_view(),
        name="archive-day",
    ),
    path(
        f"category/{listings.ROLLING_CATEGORY_SLUG}/latest.json",
        live.latest_flashes,
        name="flashes-latest",
    ),
    path("category/<slug:slug>/", views.CategoryView.as_view(), name="category"),
    path("tag/<uslug:slug>/", views.TagView.as_view(), name="tag"),
    path("stock/<int:market>.<stockcode:code>/", views.StockView.as_view(), name="stock"),
    path("author/<int:pk>/", views.AuthorView.as_view(), name="author"),
]
