"""`{% fragment %}`: a part of a page kept until what it shows changes (fragments.py).

    {% load pagecache %}
    {% fragment "article-around" article.pk depends=around %}
      … previous/next and the related list …
    {% endfragment %}

The first argument names the fragment; it and every further argument are what its
content varies on. `depends` is read after the body has rendered, so it may name
lazy values the body evaluated: the articles, sections, tags and stocks the body
shows (pagecache.keys.object_keys). Leave out of a fragment what varies per request
(the host, the query); render those around it.

`ttl=N` (seconds) keeps a fragment at most that long. A part drawn from lists it does
not name in `depends` (an article's related reading) is then at most N seconds
behind a new publication; a takedown or an edit of what it shows, which it does
name, still renders it again at once.

A logged-in editor's page is rendered whole and never stored (drafts, previews), but
its keys still count; so do they with NEWSROOM_FRAGMENT_CACHE off.
"""

import logging
import time

from django import template

from .. import fragments
from ..keys import ALL, object_keys
from ..middleware import logged_in

logger = logging.getLogger(__name__)
register = template.Library()


class FragmentNode(template.Node):
    def __init__(self, nodelist, vary, depends, ttl):
        self.nodelist, self.vary, self.depends, self.ttl = nodelist, vary, depends, ttl

    def render(self, context):
        request = context.get("request")
        shared = (
            fragments.enabled()
            and request is not None
            and not context.get("is_preview")
            and not logged_in(request)
        )
        key = None
        if shared:
            key = fragments.digest(v.resolve(context) for v in self.vary)
            try:
                entry = fragments.load(key)
            except Exception:  # noqa: BLE001 - a broken cache must not take the page down
                logger.exception("a fragment cannot be read from the cache")
                entry, shared = None, False
            if entry is not None:
                fragments.note_keys(request, entry["keys"])
                return entry["html"]
        started = time.time_ns()
        html = self.nodelist.render(context)
        keys = {ALL, *object_keys(self.depends.resolve(context) if self.depends else None)}
        fragments.note_keys(request, keys)
        if shared:
            try:
                fragments.save(key, html, keys, started, ttl=self.ttl)
            except Exception:  # noqa: BLE001 - the reader still gets the page
                logger.exception("a fragment cannot be written to the cache")
        return html


@register.tag
def fragment(parser, token):
    bits = token.split_contents()[1:]
    if not bits or bits[0].startswith("depends="):
        raise template.TemplateSyntaxError("{% fragment %} needs a name first")
    vary, depends, ttl = [], None, fragments.FRAGMENT_TTL
    for bit in bits:
        if bit.startswith("depends="):
            depends = parser.compile_filter(bit.removeprefix("depends="))
        elif bit.startswith("ttl="):
            ttl = int(bit.removeprefix("ttl="))
        else:
            vary.append(parser.compile_filter(bit))
    nodelist = parser.parse(("endfragment",))
    parser.delete_first_token()
    return FragmentNode(nodelist, vary, depends, ttl)
