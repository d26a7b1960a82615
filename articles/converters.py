"""URL converters for the public site.

Django's `<slug:>` is ASCII-only, but taggit keeps Chinese in tag slugs
(证券日报新闻), so tag URLs need a converter that accepts Unicode word characters.
"""

from . import securities


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
    """A security code as stored: 600519, 09866, NIO, BRK.B, BK1037 (`articles.securities`)."""

    regex = securities.URL_CODE_REGEX


class FeedFormatConverter(_StringConverter):
    """`rss` (RSS 2.0) or `atom` (Atom 1.0)."""

    regex = r"rss|atom"
