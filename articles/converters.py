"""URL converters for the public site.

Django's `<slug:>` is ASCII-only, but taggit keeps Chinese in tag slugs
(证券日报新闻), so tag URLs need a converter that accepts Unicode word characters.
"""


class UnicodeSlugConverter:
    regex = r"[-\w]+"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


class StockCodeConverter:
    """A security code as EastMoney writes it: 600519, 09866, NIO, BK1037."""

    regex = r"[A-Za-z0-9]{1,20}"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


class FeedFormatConverter:
    """`rss` (RSS 2.0) or `atom` (Atom 1.0)."""

    regex = r"rss|atom"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value
