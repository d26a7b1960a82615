"""The editorial rules: who may publish, what a writer may touch, previews and diffs.

Roles are two groups, created by migration 0004:

- 撰稿 (writers) add and change articles, but only as drafts. Once an article is
  published or scheduled, a writer sees it read-only: changing a live article, or
  taking it down, is an editor's decision.
- 编辑 (editors) hold `articles.can_publish`: they publish, schedule, unpublish
  and delete.

The admin asks these functions and never re-implements them, so the form, the
bulk actions and the restore view all apply the same rules. They are pure: they
look only at the user's permissions and the article as it is stored.
"""

import difflib
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils import timezone
from taggit.models import Tag

from .models import Article, ArticleStock, Category, validate_published_at
from .tagging import tag_slug
from .text import html_to_lines

PUBLISH_PERMISSION = "articles.can_publish"
WRITERS_GROUP = "撰稿"
EDITORS_GROUP = "编辑"


def can_publish(user) -> bool:
    """Whether `user` may make articles public (publish, schedule, unpublish)."""
    return bool(user and user.is_active and user.has_perm(PUBLISH_PERMISSION))


def can_edit(user, article: Article | None) -> bool:
    """Beyond the model permission: writers may change drafts only.

    `article` is the article as stored (None or unsaved for a new one). A writer who
    could edit a published article could also change what readers see right now,
    so published and scheduled articles are the editors' alone.
    """
    if can_publish(user):
        return True
    return article is None or article.pk is None or article.status == Article.Status.DRAFT


def allowed_statuses(user, article: Article | None = None) -> list[str]:
    """The statuses `user` may save `article` (as stored) with; empty if not at all."""
    if can_publish(user):
        return [Article.Status.DRAFT, Article.Status.PUBLISHED]
    if not can_edit(user, article):
        return []
    return [Article.Status.DRAFT]


def enforce_status(user, article: Article, stored: Article | None) -> bool:
    """Force `article` (about to be saved) to a status `user` may set; True if it had to.

    The form already offers a writer nothing but 草稿; this is the last line behind
    it, for forged or stale POSTs.
    """
    allowed = allowed_statuses(user, stored)
    if article.status in allowed:
        return False
    article.status = allowed[0] if allowed else Article.Status.DRAFT
    return True


def validate_schedule_time(when) -> str | None:
    """An error message if `when` cannot be a scheduled publication time, else None."""
    if when is None:
        return "请填写发布时间。"
    try:
        validate_published_at(when)
    except ValidationError as exc:
        return exc.messages[0]
    if when <= timezone.now():
        return "定时发布的时间必须在将来；要马上发布请用“立即发布”。"
    return None


# ---------------------------------------------------------------------------
# Preview of unsaved edits


class _Listing(list):
    """A list that answers `.all()`, as the template and helpers expect of a manager."""

    def all(self):
        return self


class ArticlePreview:
    """An unsaved article as the public page sees it, with tags and stocks from the form.

    Related managers (tags, stock links) need a saved article, and the edits being
    previewed must never be saved, so this wrapper answers those attributes from
    the form data and passes everything else to the unsaved `Article`.
    """

    def __init__(self, article: Article, tag_names=(), stocks=()):
        self._article = article
        self._stocks = list(stocks)
        known = {tag.name: tag for tag in Tag.objects.filter(name__in=list(tag_names))}
        self.tags = _Listing(known.get(name) or _new_tag(name) for name in tag_names)
        self.stock_links = _Listing(
            ArticleStock(stock=stock, position=n) for n, stock in enumerate(self._stocks)
        )
        if article.updated_at is None:
            article.updated_at = timezone.now()

    def __getattr__(self, name):
        # Only called for what the wrapper lacks; "_article" itself must not recurse
        # (copy and pickle look attributes up before __init__ ran).
        if name == "_article":
            raise AttributeError(name)
        return getattr(self._article, name)

    @property
    def pk(self):
        # The neighbours query of the detail page compares ids; 0 matches no article.
        return self._article.pk or 0

    def ordered_stocks(self):
        return self._stocks

    def tag_list(self):
        return self.tags

    def is_published(self) -> bool:
        return False


def _new_tag(name: str) -> Tag:
    # The slug taggit will store on save (see articles.tagging); the chip links to it.
    return Tag(name=name, slug=tag_slug(name))


# ---------------------------------------------------------------------------
# Revision diffs

# Diffs are of the text a reader reads, not of HTML source: blocks become lines, an
# image becomes ［图片：alt］, tags go, entities are decoded. Lines are then split after
# Chinese and Latin sentence ends, so a one-paragraph body still diffs sentence by
# sentence, and a changed sentence is marked character by character: Chinese has no
# spaces, so a word-level diff would mark whole sentences.
_SENTENCE_END = re.compile(r"[。！？；]|[.!?](?=\s)")
# Below this share of characters in common, two sentences are a rewrite: marking the
# few shared characters would be noise, so the whole sentence is marked instead.
_MIN_SIMILARITY = 0.3


def split_for_diff(text: str) -> list[str]:
    """Text as a list of short units (lines, then sentences), blank ones dropped."""
    marked = _SENTENCE_END.sub(lambda m: m[0] + "\n", text or "")
    return [line.strip() for line in marked.split("\n") if line.strip()]


@dataclass(frozen=True)
class DiffLine:
    """One row of a diff: `kind` is "same", "removed" (old only), "added" (new only) or "gap".

    `marks` splits a changed sentence into (changed, text) pieces, character by
    character, when it was edited rather than rewritten; empty, the row is one piece.
    """

    kind: str
    text: str = ""
    marks: tuple = ()

    @property
    def sign(self) -> str:
        return {"removed": "−", "added": "+", "same": " ", "gap": "…"}[self.kind]

    @property
    def parts(self) -> tuple:
        return self.marks or ((self.kind in ("removed", "added"), self.text),)


def _marked_pair(old: str, new: str) -> tuple[DiffLine, DiffLine]:
    """A sentence before and after an edit, each with its changed characters marked."""
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    if matcher.ratio() < _MIN_SIMILARITY:
        return DiffLine("removed", old), DiffLine("added", new)
    before, after = [], []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            before.append((False, old[i1:i2]))
            after.append((False, new[j1:j2]))
            continue
        if i2 > i1:
            before.append((True, old[i1:i2]))
        if j2 > j1:
            after.append((True, new[j1:j2]))
    return DiffLine("removed", old, tuple(before)), DiffLine("added", new, tuple(after))


def _replacement(old: list[str], new: list[str]) -> list[DiffLine]:
    """Removed lines, then added ones; the first lines of each, paired, marked by character."""
    pairs = [_marked_pair(a, b) for a, b in zip(old, new, strict=False)]
    removed = [p[0] for p in pairs] + [DiffLine("removed", a) for a in old[len(pairs) :]]
    added = [p[1] for p in pairs] + [DiffLine("added", b) for b in new[len(pairs) :]]
    return removed + added


def diff_lines(old: str, new: str, context: int = 2) -> list[DiffLine]:
    """A unified diff of two plain texts split by `split_for_diff`, `context` lines around."""
    a, b = split_for_diff(old), split_for_diff(new)
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    rows: list[DiffLine] = []
    for n, group in enumerate(matcher.get_grouped_opcodes(context)):
        if n:
            rows.append(DiffLine("gap"))
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                rows.extend(DiffLine("same", line) for line in a[i1:i2])
            else:
                rows.extend(_replacement(a[i1:i2], b[j1:j2]))
    return rows


def body_diff(old_source: str, new_source: str) -> list[DiffLine]:
    """The diff of two bodies as readers read them (`text.html_to_lines`)."""
    return diff_lines(html_to_lines(old_source), html_to_lines(new_source))


# Labels of the non-text parts of an article's state (see Revision.STATE_FIELDS).
_STATE_LABELS = {
    "status": "状态",
    "published_at": "发布时间",
    "category_id": "栏目",
    "tags": "标签",
    "stocks": "相关证券",
    "cover": "封面图",
    "cover_alt": "封面图说明",
    "important": "加红",
}


def state_changes(old: dict, new: dict) -> list[tuple[str, str, str]]:
    """(label, old, new) for each non-text part of two revision states that differs.

    Both dicts are `Revision.state()`-shaped; values come out as text for the page.
    """
    rows = []
    for name, label in _STATE_LABELS.items():
        before, after = old.get(name), new.get(name)
        if before != after:
            rows.append((label, _shown(name, before), _shown(name, after)))
    return rows


def _shown(name: str, value) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    if value in (None, "", []):
        return "（无）"
    if name == "status":
        return Article.Status(value).label
    if name == "published_at":
        return f"{timezone.localtime(value):%Y-%m-%d %H:%M}"
    if name == "category_id":
        return str(Category.objects.filter(pk=value).first() or value)
    if isinstance(value, list):
        return "、".join(value)
    return str(value)
