"""An adversarial corpus of hostile HTML, written by the team for the sanitizer's tests.

The classes follow the OWASP XSS Filter Evasion Cheat Sheet and the published
mutation-XSS tricks against HTML sanitizers (namespace confusion between HTML,
SVG and MathML; raw-text elements such as noscript, noembed, xmp and template
whose content is re-parsed differently after serialization; comments and CDATA).

Every payload tries to leave a trace that tests/articles/test_xss.py can detect:
it sets `window.__xss`, or calls `alert`/`confirm`/`prompt`/`print` (which the
instrumented page replaces with functions that set `window.__xss`), or navigates
away. NUL bytes, tabs and newlines are written as escapes so the file stays text.

VECTORS is a list of (class, vector); CLASSES names each class.
"""

P = "window.__xss=1;alert(1)"  # the payload: a side effect and a dialog
URL_P = "javascript:window.__xss=1;alert(1)"

CLASSES = {
    "script": "script elements in every casing, with broken nesting and odd closings",
    "handler": "on* event handlers with odd separators and quoting",
    "url": "javascript:, vbscript: and data: URLs with entities, tabs, newlines, spaces",
    "style": "style elements and attributes, expression(), url(javascript:), @import",
    "namespace": "svg and math namespace confusion",
    "rawtext": "noscript, noembed, noframes, xmp, template, textarea, title mutation",
    "embed": "iframe, object, embed, form, formaction, meta refresh, base href, srcdoc",
    "comment": "comments, conditional comments, CDATA and processing instructions",
    "malformed": "unclosed tags, null bytes and other parse-error recovery",
}

_SCRIPT = [
    f"<script>{P}</script>",
    f"<SCRIPT>{P}</SCRIPT>",
    f"<ScRiPt>{P}</sCrIpT>",
    f'<script src="data:text/javascript,{P}"></script>',
    f"<script/src=data:,{P}></script>",
    f"<script\n>{P}</script\n>",
    f"<script\t>{P}</script>",
    f"<scr<script>ipt>{P}</scr</script>ipt><script>{P}</script>",
    f"<<script>{P};//<</script>",
    f"<script>{P}<!--</script>",
    f"<script>/*</script><script>*/{P}</script>",
    f"<p>正文<script>{P}</script>结束</p>",
    f"<script type=module>{P}</script>",
    f'<script type="text/vbscript">{P}</script>',
    f"<div><script>{P}</div></script>",
    f"<script><!--\n{P}\n--></script>",
]

_HANDLER = [
    f"<img src=x onerror={P}>",
    f'<img src=x onerror="{P}">',
    f"<img src=x ONERROR='{P}'>",
    f"<img src=x onerror\t=\t{P}>",
    f"<img src=x onerror\n=\n{P}>",
    f'<img/src="x"/onerror={P}>',
    f'<img src="x"/onerror="{P}">',
    f"<img src=x onerror=`{P}`>",
    f'<img src=x """><img src=x onerror="{P}">',
    f'<body onload="{P}">',
    f'<p onmouseover="{P}">悬停</p>',
    f'<div onclick="{P}" class="x">点击</div>',
    f"<details open ontoggle={P}>",
    f"<input autofocus onfocus={P}>",
    f"<video><source onerror={P}></video>",
    f"<audio src=x onerror={P}>",
    '<img src=x onerror="&#119;indow.__xss=1;&#97;lert(1)">',
    f"<img src=x\x0conerror={P}>",
    f'<a href="/" onfocus="{P}" autofocus>链接</a>',
    f"<marquee onstart={P}>滚动</marquee>",
]

_URL = [
    f'<a href="{URL_P}">点我</a>',
    f'<a href="JaVaScRiPt:{P}">点我</a>',
    f'<a href="javascript&colon;{P}">点我</a>',
    f'<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;{P}">点我</a>',
    f'<a href="&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105'
    f'&#0000112&#0000116&#0000058{P}">点我</a>',
    f'<a href="&#x6A&#x61&#x76&#x61&#x73&#x63&#x72&#x69&#x70&#x74&#x3A{P}">点我</a>',
    f'<a href="jav\tascript:{P}">点我</a>',
    f'<a href="jav&#x09;ascript:{P}">点我</a>',
    f'<a href="jav&#x0A;ascript:{P}">点我</a>',
    f'<a href="jav&#x0D;ascript:{P}">点我</a>',
    f'<a href="java\nscript:{P}">点我</a>',
    f'<a href=" &#14;  javascript:{P}">点我</a>',
    f'<a href="   javascript:{P}">点我</a>',
    f'<a href="\x01javascript:{P}">点我</a>',
    f'<a href="javascript&#58;{P}">点我</a>',
    f"<a href=javascript:{P}>点我</a>",
    '<a href="vbscript:msgbox(1)">点我</a>',
    '<a href="VBScript&colon;msgbox(1)">点我</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">点我</a>',
    f'<a href="data:text/html,<script>{P}</script>">点我</a>',
    f'<a href=" data:text/html,<script>{P}</script>">点我</a>',
    f'<img src="javascript:{P}">',
    '<img src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">',
    f'<img src="jav&#x09;ascript:{P}">',
    f'<a href="javascript://%0a{P}">点我</a>',
    f'<a href="javascript:/**/{P}">点我</a>',
    f'<q cite="javascript:{P}">引用</q>',
    f'<blockquote cite="javascript:{P}">引用</blockquote>',
    f'<table background="javascript:{P}"><tr><td>x</td></tr></table>',
    f'<a href="&Tab;javascript:{P}">点我</a>',
    f'<a href="jav&NewLine;ascript:{P}">点我</a>',
]

_STYLE = [
    f"<style>@import 'javascript:{P}';</style>",
    f'<STYLE>body{{background:url("javascript:{P}")}}</STYLE>',
    f'<p style="width:expression({P})">文字</p>',
    f'<p style="background-image:url(javascript:{P})">文字</p>',
    '<div style="behavior:url(x.htc)">文字</div>',
    '<div style="-moz-binding:url(x.xml#xss)">文字</div>',
    f'<p style="xss:expr/*XSS*/ession({P})">文字</p>',
    f'<p style="background:url(&quot;javascript:{P}&quot;)">文字</p>',
    f'<style>li {{list-style-image: url("javascript:{P}");}}</style><ul><li>x</li></ul>',
    f'<link rel="stylesheet" href="javascript:{P}">',
    f'<style>@keyframes x{{}}</style><p style="animation-name:x" onanimationstart="{P}">x</p>',
    f"<style><img src=x onerror={P}></style>",
]

_NAMESPACE = [
    f"<svg onload={P}>",
    f"<svg><script>{P}</script></svg>",
    f'<svg><a xlink:href="javascript:{P}"><text x="20" y="20">XSS</text></a></svg>',
    f"<svg><animate onbegin={P} attributeName=x dur=1s>",
    f'<svg><set attributeName="href" to="javascript:{P}"/></svg>',
    f'<svg></p><style><a id="</style><img src=x onerror={P}>">',
    f"<svg><style><img src=x onerror={P}></style></svg>",
    f"<math><mtext><table><mglyph><style><img src=x onerror={P}>",
    f'<math><mtext><h1><a><h6></a></h6><mglyph><svg><mtext><style><a title="</style>'
    f"<img src onerror='{P}'>\">",
    f'<math href="javascript:{P}">点我</math>',
    f"<math><maction actiontype=statusline xlink:href=javascript:{P}>点我</maction></math>",
    f"<svg><foreignObject><img src=x onerror={P}></foreignObject></svg>",
    f"<form><math><mtext></form><form><mglyph><style></math><img src=x onerror={P}>",
    f"<svg><![CDATA[><img src=x onerror={P}>]]></svg>",
    f'<math><annotation-xml encoding="text/html"><img src=x onerror={P}></annotation-xml>',
    f"<svg><title><img src=x onerror={P}></title></svg>",
    f"<svg><desc><style><img src=x onerror={P}></style></desc></svg>",
    f"<svg><use href=\"data:image/svg+xml,<svg id='x' xmlns='http://www.w3.org/2000/svg'>"
    f"<image href='1' onerror='{P}'/></svg>#x\"/></svg>",
]

_RAWTEXT = [
    f'<noscript><p title="</noscript><img src=x onerror={P}>">',
    f'<noembed><p title="</noembed><img src=x onerror={P}>">',
    f'<noframes><p title="</noframes><img src=x onerror={P}>">',
    f'<xmp><p title="</xmp><img src=x onerror={P}>">',
    f"<template><img src=x onerror={P}></template>",
    f"<template><script>{P}</script></template>",
    f'<textarea><p title="</textarea><img src=x onerror={P}>">',
    f'<title><p title="</title><img src=x onerror={P}>">',
    f'<iframe><p title="</iframe><img src=x onerror={P}>">',
    f'<noscript><style></noscript><img src=x onerror="{P}">',
    f'<plaintext><img src=x onerror="{P}">',
    f'<listing><img src=x onerror="{P}"></listing>',
    f"<select><template><style><img src=x onerror={P}></style></template></select>",
    f'<p><noscript></p><img src=x onerror="{P}"></noscript>',
]

_EMBED = [
    f'<iframe src="javascript:{P}"></iframe>',
    f'<iframe srcdoc="<script>{P}</script>"></iframe>',
    f'<iframe srcdoc="&lt;img src=x onerror={P}&gt;"></iframe>',
    '<iframe src="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=="></iframe>',
    f'<object data="javascript:{P}"></object>',
    '<object type="text/html" data="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">'
    "</object>",
    f'<embed src="javascript:{P}">',
    '<embed src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">',
    f'<form action="javascript:{P}"><input type=submit></form>',
    f'<form><button formaction="javascript:{P}">提交</button></form>',
    f'<input type=image src=x formaction="javascript:{P}">',
    f'<isindex action="javascript:{P}" type=image>',
    f'<meta http-equiv="refresh" content="0;url=javascript:{P}">',
    '<meta http-equiv="refresh" content="0;url=data:text/html;base64,'
    'PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">',
    '<meta http-equiv="refresh" content="0; url=https://evil.example/">',
    '<base href="javascript:/a/"><a href="x">相对链接</a>',
    '<base href="https://evil.example/"><img src="x.png">',
    f'<frameset onload={P}><frame src="javascript:{P}"></frameset>',
    f'<applet code="x" codebase="javascript:{P}"></applet>',
    f'<a href="/" target="_blank" ping="https://evil.example/">点我</a>'
    f'<portal src="javascript:{P}">',
]

_COMMENT = [
    f"<!--<img src=x onerror={P}>-->",
    f"<!-- --!><img src=x onerror={P}>-->",
    f"<!--><img src=x onerror={P}>-->",
    f"<!---><img src=x onerror={P}>-->",
    f"<!--[if gte IE 4]><script>{P}</script><![endif]-->",
    f"<![CDATA[<script>{P}</script>]]>",
    f"<![CDATA[><img src=x onerror={P}>]]>",
    f'<?xml version="1.0"?><img src=x onerror={P}>',
    f'<? foo="><img src=x onerror={P}>">',
    f"<p>正文<!-- <script> -->{P}<!-- </script> --></p>",
    f'<a title="<!--"><img src=x onerror={P}>-->',
    f"<!--x--><script>{P}</script>",
    f'<! foo="><img src=x onerror={P}>">',
]

_MALFORMED = [
    f"<img src=x onerror={P}",
    f"<script>{P}",
    f'<a href="javascript:{P}',
    f"<scr\x00ipt>{P}</scr\x00ipt>",
    f'<a href="java\x00script:{P}">点我</a>',
    f"<img src=x o\x00nerror={P}>",
    f"<img\x00src=x onerror={P}>",
    f"\x00<script>{P}</script>",
    f"<p>段落<script\x00>{P}</script>",
    f"<<img src=x onerror={P}//<",
    f'<img """><script>{P}</script>">',
    f"<img src='x' onerror='{P}'//",
    f"<div><p><b><i><script>{P}</script>",
    f"</p><script>{P}</script><p>",
    f'<a href="x" title="\x00"><img src=x onerror={P}></a>',
    f"<table><td><script>{P}</script></table>",
    f"<div <img src=x onerror={P}>>",
    f'<img src="x"onerror="{P}">',
    f"<iframe src=javascript:{P} <",
    f'<a/href="javascript:{P}">点我</a>',
]

VECTORS: list[tuple[str, str]] = [
    *(("script", v) for v in _SCRIPT),
    *(("handler", v) for v in _HANDLER),
    *(("url", v) for v in _URL),
    *(("style", v) for v in _STYLE),
    *(("namespace", v) for v in _NAMESPACE),
    *(("rawtext", v) for v in _RAWTEXT),
    *(("embed", v) for v in _EMBED),
    *(("comment", v) for v in _COMMENT),
    *(("malformed", v) for v in _MALFORMED),
]
