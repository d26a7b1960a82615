"""What the admin's article form posts, for tests that write through it."""

from articles.models import Article


def article_form(section, **overrides) -> dict:
    """The article change form's POST data, with the stocks typed as codes."""
    data = {
        "title": "蔚来发布一季度财报",
        "slug": "",
        "category": section.pk,
        "tags": "新能源",
        "stock_codes": "",
        "body_source": "<p>营收增长</p>",
        "summary": "",
        "status": Article.Status.DRAFT,
        "published_at_0": "2024-05-01",
        "published_at_1": "09:30:00",
        "author": "",
        "cover_alt": "",
        "source_name": "",
        "original_url": "",
    }
    data.update(overrides)
    return data
