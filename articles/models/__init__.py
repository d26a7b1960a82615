"""The content models; see each module's docstring.

- `content`: Category, Article (with its queryset), Revision;
- `stocks`: StockReference, ArticleStock;
- `redirects`: LegacyRedirect, old URLs answered with a 301;
- `pins`: Pin, 头条 and 置顶 on home and sections until a set time;
- `locks`: EditLock, who has an article open in the admin (articles.locks);
- `people`: Profile, a staff member's 署名 and 简介 (bylines, author pages);
- `readings`: TagReading, a tag's pinyin for the tag chips' autocomplete.
- `reviews`: Review and Notice, 提交审核 and the writer's 消息 inbox.
- `autosave`: Autosave, an editor's private copy of unsaved form edits (articles.autosave).
"""

from .autosave import Autosave
from .content import (
    Article,
    ArticleQuerySet,
    Category,
    Revision,
    person_name,
    validate_published_at,
)
from .locks import EditLock
from .people import Profile
from .pins import Pin
from .readings import TagReading
from .redirects import LegacyRedirect
from .reviews import Notice, Review
from .stocks import ArticleStock, StockReference

__all__ = [
    "Article",
    "ArticleQuerySet",
    "ArticleStock",
    "Autosave",
    "Category",
    "EditLock",
    "LegacyRedirect",
    "Notice",
    "Pin",
    "Profile",
    "Review",
    "Revision",
    "StockReference",
    "TagReading",
    "person_name",
    "validate_published_at",
]
