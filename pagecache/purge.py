"""Tell the Varnish servers in front of the site which pages changed.

Varnish (deploy/varnish/default.vcl) stores every page Django marks as shared
(`Cache-Control: s-maxage`) under the dependency keys its `xkey` header names:
`article:12 list:home list:section:3`. After a change, `send_purge()` sends one
request to each URL in NEWSROOM_VARNISH_PURGE_URLS:

    PURGE / HTTP/1.1
    xkey-purge: article:12 list:home
    xkey-soft: 1            (only for a soft purge)

and every page carrying one of those keys is dropped there. Hard (the default in
the VCL): never served again, for a takedown. Soft: Varnish may serve the old copy
for its few seconds of grace while it fetches the new one, for a correction.

The standard library's http.client, a short timeout, and no retries: a caller
inside a request must not hang on a Varnish that is down. Every URL is tried even
when one fails (the others still drop their stale pages), then one PurgeError names
each URL that failed; what to do about it (log it, refuse the takedown) is the
caller's decision. With no URL configured (no Varnish) nothing is sent.
"""

from __future__ import annotations

import http.client
import re
from collections.abc import Iterable
from urllib.parse import quote, urlsplit

from django.conf import settings

TIMEOUT = 2.0
# A key is what xkey reads as one word: printable ASCII without the space and the
# comma it splits on. Anything else would purge some other key, or none.
KEY_PATTERN = re.compile(r"[!-+\--~]+")
# Varnish refuses a request header longer than 8 KB (http_req_hdr_len): many keys
# (an import batch) are sent in several requests of at most this many characters.
MAX_HEADER_LENGTH = 4000


class PurgeError(RuntimeError):
    """One or more Varnish servers did not confirm the purge: their pages may be stale.

    `failures` maps each URL that failed to the reason.
    """

    def __init__(self, failures: dict[str, str]):
        self.failures = failures
        super().__init__(
            "Varnish purge failed: "
            + "; ".join(f"{url}: {reason}" for url, reason in failures.items())
        )


def make_key(*parts: object) -> str:
    """A dependency key from its parts, safe for the xkey header: make_key("tag", "证券").

    Each part is percent-encoded (a Chinese tag slug becomes ASCII) and the parts
    are joined by ":". Build the keys of the `xkey` response header and of the
    purge with this one function, so the two always spell a key the same way.
    """
    return ":".join(quote(str(part), safe="") for part in parts)


def _checked_keys(keys: Iterable[str]) -> list[str]:
    if isinstance(keys, str | bytes):
        # "article:12" would otherwise be purged letter by letter.
        raise TypeError("send_purge() takes an iterable of keys, not one string")
    unique = []
    for key in keys:
        if not isinstance(key, str) or not KEY_PATTERN.fullmatch(key):
            raise ValueError(
                f"Invalid purge key {key!r}: printable ASCII without spaces or commas "
                "(pagecache.purge.make_key() builds one)"
            )
        if key not in unique:
            unique.append(key)
    return unique


def _batches(keys: list[str]) -> list[str]:
    batches, current = [], ""
    for key in keys:
        if current and len(current) + 1 + len(key) > MAX_HEADER_LENGTH:
            batches.append(current)
            current = ""
        current = f"{current} {key}" if current else key
    if current:
        batches.append(current)
    return batches


def _purge_one(url: str, header: str, soft: bool) -> None:
    """Send one PURGE; raise OSError or http.client.HTTPException unless Varnish says 200."""
    parts = urlsplit(url)
    connection_class = (
        http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    )
    connection = connection_class(parts.hostname, parts.port, timeout=TIMEOUT)
    headers = {"xkey-purge": header}
    if soft:
        headers["xkey-soft"] = "1"
    try:
        connection.request("PURGE", "/", headers=headers)
        response = connection.getresponse()
        response.read()
    finally:
        connection.close()
    if response.status != 200:
        raise http.client.HTTPException(f"answered {response.status} {response.reason}")


def send_purge(keys: Iterable[str], *, soft: bool) -> None:
    """Drop every page carrying one of `keys` from every Varnish in NEWSROOM_VARNISH_PURGE_URLS.

    Raises ValueError for a key xkey cannot read (before anything is sent), and
    PurgeError, naming each URL, when a Varnish cannot be reached in TIMEOUT
    seconds or does not answer 200 (the VCL's answer for a purge it carried out).
    """
    batches = _batches(_checked_keys(keys))
    failures = {}
    for url in settings.NEWSROOM_VARNISH_PURGE_URLS:
        for header in batches:
            try:
                _purge_one(url, header, soft)
            except (OSError, http.client.HTTPException) as exc:
                failures[url] = f"{type(exc).__name__}: {exc}"
                break
    if failures:
        raise PurgeError(failures)
