"""Does a piece of HTML contain anything a browser could execute? Two real parsers decide.

`executable_constructs(html)` returns a list of findings (empty means safe). The HTML is
parsed as a body fragment by an HTML5 tree builder (html5lib, the WHATWG algorithm, the
copy vendored by bleach) and, independently, tokenized by the standard library's
`html.parser`; a construct found by either counts. Parsing with a second, different
parser guards against trusting the very parser the sanitizer itself uses.

A construct is executable (or can load or navigate to something executable) when it is:

- an element outside the HTML namespace (svg, math) or in FORBIDDEN_ELEMENTS;
- an attribute that is an event handler (`on*`), a style, or in FORBIDDEN_ATTRIBUTES;
- a URL attribute whose value, read as a browser reads it (entities decoded, leading and
  trailing controls and spaces stripped, tabs and newlines removed anywhere), has a
  scheme other than http, https and mailto;
- a comment (the sanitizer drops them; conditional comments were once executable).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from bleach._vendor import html5lib

HTML_NS = "http://www.w3.org/1999/xhtml"

FORBIDDEN_ELEMENTS = frozenset(
    {
        "script", "style", "iframe", "object", "embed", "applet", "form", "input", "button",
        "meta", "base", "link", "svg", "math", "template", "noscript", "noembed", "noframes",
        "xmp", "frame", "frameset", "textarea", "select", "option", "isindex", "portal",
        "plaintext", "title", "body", "html", "head", "param", "video", "audio", "source",
        "track", "marquee", "details", "dialog", "keygen", "image", "animate", "set", "use",
        "foreignobject", "handler", "listener", "xml", "import", "layer", "ilayer", "bgsound",
    }
)  # fmt: skip
FORBIDDEN_ATTRIBUTES = frozenset(
    {
        "style", "srcdoc", "formaction", "action", "http-equiv", "xmlns", "xlink:href",
        "dynsrc", "lowsrc", "datasrc", "datafld", "ping", "autofocus", "behavior", "target",
    }
)  # fmt: skip
URL_ATTRIBUTES = frozenset(
    {
        "href", "src", "cite", "action", "formaction", "background", "poster", "data",
        "codebase", "classid", "longdesc", "usemap", "icon", "manifest", "profile", "archive",
        "xlink:href", "srcset", "lowsrc", "dynsrc", "content",
    }
)  # fmt: skip
SAFE_SCHEMES = frozenset({"http", "https", "mailto"})

_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.\-]*):")
_C0_OR_SPACE = "".join(chr(c) for c in range(0x21))


def browser_url(value: str) -> str:
    """A URL attribute value as the WHATWG URL parser sees it (after entity decoding)."""
    return re.sub(r"[\t\n\r]", "", value.strip(_C0_OR_SPACE))


def unsafe_url(value: str) -> bool:
    """True when the URL names a scheme outside http, https and mailto."""
    match = _SCHEME.match(browser_url(value))
    return bool(match) and match[1].lower() not in SAFE_SCHEMES


def _attribute_findings(element: str, name: str, value: str | None) -> list[str]:
    name = name.lower()
    findings = []
    if name.startswith("on"):
        findings.append(f"<{element}> event handler {name}")
    if name in FORBIDDEN_ATTRIBUTES:
        findings.append(f"<{element}> attribute {name}")
    if name in URL_ATTRIBUTES and value is not None:
        candidates = [value]
        if name == "srcset":
            candidates = [part.strip().split(" ")[0] for part in value.split(",")]
        if name == "content":  # <meta http-equiv=refresh content="0;url=...">
            candidates = re.findall(r"url\s*=\s*(.*)", value, flags=re.I)
        findings += [f"<{element}> {name}={c!r}" for c in candidates if unsafe_url(c)]
    return findings


def _split_ns(tag: str) -> tuple[str, str]:
    if tag.startswith("{"):
        namespace, _, local = tag[1:].partition("}")
        return namespace, local
    return HTML_NS, tag


def _html5_findings(html: str) -> list[str]:
    parser = html5lib.HTMLParser(tree=html5lib.getTreeBuilder("etree"), namespaceHTMLElements=True)
    fragment = parser.parseFragment(html, container="div")
    findings = []
    for node in list(fragment.iter())[1:]:  # [0] is the fragment itself
        if not isinstance(node.tag, str):  # ElementTree.Comment / ProcessingInstruction
            findings.append("comment")
            continue
        namespace, local = _split_ns(node.tag)
        local = local.lower()
        if namespace != HTML_NS:
            findings.append(f"foreign element <{local}> in {namespace}")
        elif local in FORBIDDEN_ELEMENTS:
            findings.append(f"element <{local}>")
        for attr, value in node.attrib.items():
            attr_ns, attr_local = _split_ns(attr)
            if attr_ns == "http://www.w3.org/1999/xlink":
                attr_local = f"xlink:{attr_local}"
            findings += _attribute_findings(local, attr_local, value)
    return findings


class _TokenChecker(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.findings: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in FORBIDDEN_ELEMENTS:
            self.findings.append(f"element <{tag}>")
        for name, value in attrs:
            self.findings += _attribute_findings(tag, name, value)

    handle_startendtag = handle_starttag

    def handle_comment(self, data):
        self.findings.append("comment")

    def unknown_decl(self, data):  # <![CDATA[ ... ]]>
        self.findings.append("comment")

    def handle_pi(self, data):
        self.findings.append("comment")


def _token_findings(html: str) -> list[str]:
    checker = _TokenChecker()
    checker.feed(html)
    checker.close()
    return checker.findings


def executable_constructs(html: str) -> list[str]:
    """Every executable construct found in `html` by either parser; [] when it is safe."""
    return list(dict.fromkeys(_html5_findings(html) + _token_findings(html)))


def elements_and_attributes(html: str) -> list[tuple[str, list[str]]]:
    """(element, [attribute names]) for every element, as the HTML5 tree builder sees it."""
    parser = html5lib.HTMLParser(tree=html5lib.getTreeBuilder("etree"), namespaceHTMLElements=True)
    fragment = parser.parseFragment(html, container="div")
    result = []
    for node in list(fragment.iter())[1:]:
        if isinstance(node.tag, str):
            namespace, local = _split_ns(node.tag)
            prefix = "" if namespace == HTML_NS else f"{namespace}:"
            result.append((prefix + local, sorted(_split_ns(a)[1] for a in node.attrib)))
    return result


TAIL = '<p class="tail">后文。</p>'


def dangerous_as_written(vector: str) -> list[str]:
    """Findings in a raw vector, read the ways a careless consumer might read it.

    As it stands; followed by more markup (an unclosed tag or quote swallows what comes
    next, as in an article body); and with its NUL bytes removed (as filters that strip
    them do, turning `<scr\\0ipt>` into `<script>`).
    """
    readings = [vector, vector + "\n" + TAIL]
    readings += [r.replace("\x00", "") for r in readings]
    return list(dict.fromkeys(f for r in readings for f in executable_constructs(r)))
