# Varnish in front of Newsroom's gunicorn (README "Deploying", "Varnish in front").
#
#   reader -> nginx (TLS) -> Varnish :6081 -> gunicorn :8000
#
# Django decides what may be shared, Varnish only obeys (pagecache/purge.py has the
# other half of the contract):
# - a page every anonymous reader may share says `Cache-Control: public, max-age=0,
#   s-maxage=N` and names what it shows in an `xkey` header (`article:12 list:home`);
#   anything without s-maxage (staff pages, errors, redirects) is never stored here;
# - after a change, Django sends `PURGE /` with `xkey-purge: <keys>` to every URL in
#   NEWSROOM_VARNISH_PURGE_URLS, and exactly the pages carrying one of those keys go.
#
# Debian bookworm: varnish 7.1 and varnish-modules (for xkey). Check a change with
#   varnishd -C -f "$PWD/deploy/varnish/default.vcl" 2>/dev/null && echo VCL ok
# (the path must be absolute; without 2>/dev/null it prints the compiler's error, or
# all the C it generated) and run tests/pagecache/test_varnish.py, which starts this
# very file.
vcl 4.1;

import std;
import xkey;

# gunicorn (GUNICORN_BIND). The test suite rewrites host and port to its own server.
backend default {
    .host = "127.0.0.1";
    .port = "8000";
    # gunicorn kills a worker after GUNICORN_TIMEOUT (30 s) and answers 502 itself.
    .first_byte_timeout = 35s;
}

# Who may purge. Only the app servers: anyone else could empty the cache at will
# and send every reader to gunicorn at once. With app servers on other machines, add
# their addresses (or their subnet, "10.0.0.0"/24) here, and load the file again
# (`varnishreload`, or `systemctl reload varnish`).
acl purgers {
    "127.0.0.1";
    "::1";
}

# Parameters that trackers and share buttons append to our links (WeChat's
# from=singlemessage&isappinstalled=0, Bilibili's share_source, utm_*): the page is
# the same, so they are dropped before the cache looks the page up, and gunicorn
# never sees them either. Never list a parameter the site reads: q, page, day, month,
# range, infoCode.
sub newsroom_strip_tracking {
    if (req.url ~ "[?&]") {
        set req.url = regsuball(req.url,
            "(?i)(?<=[?&])(utm_[a-z0-9_]*|from|isappinstalled|spm|spm_id_from|scene|clicktime|enterid|fbclid|gclid|gclsrc|dclid|msclkid|yclid|twclid|mc_cid|mc_eid|_ga|_gl|share_source|share_medium|share_plat|share_tag|share_from|vd_source)(=[^&]*)?(&|$)",
            "");
        # What the removal may leave behind: "/p?" or "/p?a=1&".
        set req.url = regsub(req.url, "[?&]+$", "");
        # One page, one cache entry: ?b=2&a=1 and ?a=1&b=2 are the same request.
        set req.url = std.querysort(req.url);
    }
}

sub vcl_recv {
    if (req.method == "PURGE") {
        # nginx on this host relays readers' requests from 127.0.0.1 too; Varnish
        # has appended that address to X-Forwarded-For, so a relayed PURGE shows a
        # longer chain than the client address alone. Only a direct one is trusted.
        if (client.ip !~ purgers || req.http.X-Forwarded-For != "" + client.ip) {
            return (synth(403, "Forbidden"));
        }
        if (!req.http.xkey-purge) {
            # A PURGE of a URL is not offered: Django purges by what pages show.
            return (synth(400, "xkey-purge header required"));
        }
        # Soft: the page may be served stale for its few seconds of grace while
        # Varnish fetches it again (a correction). Hard: gone at once, never served
        # again (a takedown).
        if (req.http.xkey-soft == "1") {
            set req.http.xkey-purged = xkey.softpurge(req.http.xkey-purge);
        } else {
            set req.http.xkey-purged = xkey.purge(req.http.xkey-purge);
        }
        return (synth(200, "Purged " + req.http.xkey-purged));
    }

    # The built-in host rules first (lower case, 400 without one), as every
    # request below may end in a lookup that hashes the host.
    call vcl_req_host;
    call newsroom_strip_tracking;

    # Anything but GET and HEAD (a login, an admin form) goes to gunicorn as it
    # came, cookies and all.
    if (req.method != "GET" && req.method != "HEAD") {
        return (pass);
    }

    # Static files (WhiteNoise, hashed names, long Cache-Control) and uploads (named
    # by their content) are the same for everyone, staff too: cookies never matter.
    if (req.url ~ "^/(static|media)/") {
        unset req.http.Cookie;
        return (hash);
    }

    # The admin is per user and needs its CSRF cookie.
    if (req.url ~ "^/admin(/|$)") {
        return (pass);
    }

    # A session means a logged-in editor (only staff log in; SESSION_COOKIE_NAME is
    # Django's default): they see previews and drafts, so nothing is shared with them.
    if (req.http.Cookie ~ "(^|;\s*)sessionid=") {
        return (pass);
    }

    # Every other cookie (analytics, the CSRF token of an earlier admin visit) means
    # nothing to a public page; kept, it would make every reader's copy different.
    unset req.http.Cookie;
    # The site speaks one language (LANGUAGES in settings), yet Django's
    # LocaleMiddleware answers "Vary: Accept-Language": left alone, every browser's
    # own header (zh-CN,zh;q=0.9,en;q=0.8 …) would get a copy of each page. Give
    # the site a second language and this line must go.
    unset req.http.Accept-Language;

    # The built-in rules still apply: a request with Authorization passes.
}

sub vcl_hash {
    # An http:// and an https:// copy differ (canonical links, feeds carry absolute
    # URLs); nginx says which it was in X-Forwarded-Proto.
    hash_data(req.http.X-Forwarded-Proto);
    # Then the built-in: the URL and the host.
}

sub vcl_backend_response {
    if (bereq.url ~ "^/(static|media)/") {
        # Never personal: store them even if a cookie slipped in, by the headers
        # WhiteNoise (or the media server) sent.
        unset beresp.http.Set-Cookie;
    } elsif (beresp.http.Cache-Control !~ "(?i)s-maxage") {
        # Only what Django marked as shared is stored: a staff page, a 404 for a
        # draft's URL or a redirect would otherwise live 120 s (Varnish's default
        # for a response without Cache-Control), beyond the reach of any purge.
        set beresp.ttl = 120s;
        set beresp.uncacheable = true;
        return (deliver);
    } else {
        # A purge that never arrived (Varnish restarting, the network) leaves a page
        # stale for at most this long, whatever s-maxage says.
        if (beresp.ttl > 300s) {
            set beresp.ttl = 300s;
        }
        # After it expires or is soft-purged, a page may be served for this long
        # while it is fetched again in the background; a hard purge removes it.
        set beresp.grace = 5s;
    }
    if (beresp.http.Content-Type ~ "^(text/|application/(json|xml|rss\+xml|atom\+xml|javascript))") {
        # gunicorn does not compress; Varnish stores it compressed once and
        # uncompresses for the rare client that cannot take gzip.
        set beresp.do_gzip = true;
    }
    # The built-in rules still apply: no-store, private, Set-Cookie or Vary: * are
    # never stored.
}

sub vcl_deliver {
    # The keys are for Varnish; readers need not see the site's internals.
    unset resp.http.xkey;
    unset resp.http.Surrogate-Key;
    # For people and tests: was this page served from the cache?
    if (obj.uncacheable) {
        set resp.http.X-Cache = "PASS";
    } elsif (obj.hits > 0) {
        set resp.http.X-Cache = "HIT";
    } else {
        set resp.http.X-Cache = "MISS";
    }
}

sub vcl_synth {
    if (req.method == "PURGE") {
        # A short plain answer for the purge client (and its logs), the count too.
        set resp.http.Content-Type = "text/plain; charset=utf-8";
        set resp.http.xkey-purged = req.http.xkey-purged;
        set resp.body = resp.reason + {"
"};
        return (deliver);
    }
}
