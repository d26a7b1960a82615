"""URL converters for the public site.

Django's `<slug:>` is ASCII-only, but taggit keeps Chinese in tag slugs
(证券日报新闻), so tag URLs need a converter that accepts Unicode word characters.
"""


class _StringConverter:
    """A converter whose value is the matched text itself; subclasses set `regex`."""

    regex: str

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


class UnicodeSlugConverter(_StringConverter):
    regex = r"[-\w]+"


class StockCodeConverter(_StringConverter):
    """A security code as EastMoney writes it: 600519, 09866, NIO, BK1037."""

    regex = r"[A-Za-z0-9]{1,20}"


class FeedFormatConverter(_StringConverter):
    """`rss` (RSS 2.0) or `atom` (Atom 1.0)."""

    regex = r"rss|atom"
