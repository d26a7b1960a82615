"""消息: the admin inbox that tells a writer their piece was returned or published.

`notify` is called by articles.services inside the write it reports on, so a notice
exists exactly when the decision was committed. The badge ("消息 (2)") is on every
admin page (templates/admin/base_site.html); opening the inbox marks what it shows
as read. No mail server is needed; when `EMAIL_URL` is set (settings
`NEWSROOM_REVIEW_MAIL`), the same sentence also goes out by mail, after the commit,
and a mail server that fails costs the writer the mail, never the editor's decision.

These are the only writes to Notice.
"""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from .models import Notice

logger = logging.getLogger("newsroom.inbox")

# The inbox lists this many, newest first; older notices stay stored.
INBOX_SIZE = 50


def notify(*, recipient, article, kind: str, message: str) -> Notice | None:
    """Leave `message` in `recipient`'s inbox (and mail it, if mail is configured)."""
    if recipient is None or not recipient.is_active:
        return None
    notice = Notice.objects.create(recipient=recipient, article=article, kind=kind, message=message)
    address = recipient.email
    if getattr(settings, "NEWSROOM_REVIEW_MAIL", False) and address:
        subject = f"【{settings.SITE_NAME}】{notice.get_kind_display()}：《{article.title}》"
        transaction.on_commit(lambda: _mail(subject, message, address))
    return notice


def _mail(subject: str, message: str, address: str) -> None:
    body = f"{message}\n\n请登录编辑后台查看：消息。"
    try:
        send_mail(subject, body, None, [address])
    except Exception:  # any transport error: SMTP, DNS, TLS, a refused login
        # The notice is in the inbox already; the decision it reports stands.
        logger.exception("Could not mail a review notice to %s", address)


def unread_count(user) -> int:
    if not (user and user.is_authenticated):
        return 0
    return Notice.objects.filter(recipient=user, read_at__isnull=True).count()


def latest(user) -> list[Notice]:
    """The inbox: the user's newest notices, with their articles."""
    return list(Notice.objects.filter(recipient=user).select_related("article")[:INBOX_SIZE])


def mark_read(*, user, notices) -> int:
    """Mark `notices` (the user's own, as shown to them) read; how many were unread."""
    ids = [n.pk for n in notices if n.read_at is None and n.recipient_id == user.pk]
    if not ids:
        return 0
    # No article text here, nothing to sanitize: a plain UPDATE of one timestamp.
    return Notice.objects.filter(pk__in=ids, recipient=user).update(read_at=timezone.now())
