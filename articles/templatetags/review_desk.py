"""The review desk on admin pages: the 消息 badge in the header and the 待审 queue on
the admin index (templates/admin/base_site.html, templates/admin/index.html)."""

from django import template
from django.urls import reverse
from django.utils.html import format_html

from .. import inbox, workflow
from ..models import Review

register = template.Library()

# The queue on the admin index shows this many, oldest first; the rest are a link away.
QUEUE_SIZE = 10


@register.simple_tag(takes_context=True)
def inbox_link(context):
    """ "消息 (2)" for the signed-in staff member: one COUNT query per admin page."""
    user = context.get("user")
    if not (user and user.is_active and user.is_staff):
        return ""
    count = inbox.unread_count(user)
    return format_html(
        '<a href="{}" class="inbox-link{}"{}>消息{}</a> / ',
        reverse("admin:articles_article_inbox"),
        " inbox-unread" if count else "",
        format_html(' aria-label="消息，{} 条未读"', count) if count else "",
        format_html(' <span class="inbox-count">({})</span>', count) if count else "",
    )


@register.inclusion_tag("admin/articles/review_queue.html", takes_context=True)
def review_queue(context):
    """Editors: the 待审稿件 queue, oldest first. Writers: their own pieces in review."""
    user = context.get("user")
    editor = workflow.can_publish(user)
    reviews = Review.objects.select_related(
        "article__author__profile", "submitted_by__profile", "returned_by__profile"
    ).order_by("submitted_at", "pk")
    if editor:
        reviews = reviews.filter(state=Review.State.PENDING)
    else:
        reviews = reviews.filter(submitted_by=user)
    items = list(reviews[:QUEUE_SIZE])
    count = len(items) if len(items) < QUEUE_SIZE else reviews.count()
    changelist = reverse("admin:articles_article_changelist")
    return {
        "editor": editor,
        "items": items,
        "count": count,
        "more_url": f"{changelist}?review={Review.State.PENDING}" if editor else "",
    }
