# ruff: noqa: E501 -- attack strings read best whole, one per line.
"""Nothing an author types can run script in a reader's browser.

The corpus below comes from the OWASP XSS Filter Evasion Cheat Sheet, from the security tests bleach
publishes (tests/test_security.py and its OWASP-derived data files) and from DOMPurify's test
fixtures (mutation XSS through <noscript>, <svg>/<math> and <style>), fed both as raw HTML and
smuggled through Markdown syntax. Every vector goes through `render_markdown` and the output is
checked by `assert_cannot_run_script`, which parses it with a real HTML parser (the standard
library's, deliberately not the html5lib bleach itself runs on) and then checks it against an
allowlist written out here, not imported from rendering.py, so widening the allowlist there
makes these tests fail until someone looks. A browser test re-checks every output with Chromium's
own parser and URL resolution.
"""

import re
import unicodedata
from html.parser import HTMLParser

import pytest

from incidents.rendering import render_markdown

EXPECTED_TAGS = {
    "p", "br", "a", "em", "strong", "b", "i", "code", "pre", "blockquote",
    "ul", "ol", "li", "h2", "h3", "h4", "hr", "del", "s", "figure", "figcaption",
    "span", "time",
}  # fmt: skip
# Social-post cards (incidents/social_cards.py) are built by us, every value escaped; authors'
# own HTML never keeps a class or a datetime.
EXPECTED_ATTRIBUTES = {
    "a": {"href", "title", "rel"},
    "blockquote": {"cite", "class"},
    "figure": {"class"},
    "figcaption": {"class"},
    "span": {"class"},
    "strong": {"class"},
    "time": {"datetime"},
}
SAFE_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "nofollow noopener noreferrer"
NEVER = {"script", "style", "iframe", "svg", "math", "object", "embed", "base", "meta", "form"}

_SCHEME_RE = re.compile(r"([a-z][a-z0-9+.\-]*):")


def href_scheme(href: str) -> str | None:
    """The scheme a browser would see, or None for a relative or fragment URL.

    The parser has already decoded entities; browsers also ignore tabs and newlines anywhere in a
    URL and control characters or spaces around it. We drop every control, format and space
    character anywhere, which is stricter than any browser, then fold case."""
    squeezed = "".join(
        ch for ch in href if unicodedata.category(ch) not in {"Cc", "Cf", "Zs", "Zl", "Zp"}
    )
    match = _SCHEME_RE.match(squeezed.casefold())
    return match.group(1) if match else None


class _Elements(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.start_tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.end_tags: list[str] = []
        self.other: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.start_tags.append((tag, attrs))

    def handle_startendtag(self, tag, attrs):
        self.start_tags.append((tag, attrs))

    def handle_endtag(self, tag):
        self.end_tags.append(tag)

    def handle_comment(self, data):
        self.other.append(f"comment <!--{data}-->")

    def handle_decl(self, decl):
        self.other.append(f"declaration <!{decl}>")

    def unknown_decl(self, data):
        self.other.append(f"declaration <![{data}]>")

    def handle_pi(self, data):
        self.other.append(f"processing instruction <?{data}>")


def assert_cannot_run_script(html: str) -> None:
    """Fail, naming the offending piece, unless `html` is inside the allowlist in every way
    that could let script run: elements, attributes, event handlers and link schemes."""
    parser = _Elements()
    parser.feed(html)
    parser.close()

    assert not parser.other, f"{parser.other} in {html!r}"
    for tag in parser.end_tags:
        assert tag in EXPECTED_TAGS, f"</{tag}> in {html!r}"
    for tag, attrs in parser.start_tags:
        assert tag not in NEVER, f"<{tag}> in {html!r}"
        assert tag in EXPECTED_TAGS, f"<{tag}> is outside the allowlist in {html!r}"
        names = [name for name, _ in attrs]
        assert not [n for n in names if n.startswith("on")], f"event handler on <{tag}>: {html!r}"
        unexpected = set(names) - EXPECTED_ATTRIBUTES.get(tag, set())
        assert not unexpected, f"<{tag}> carries {sorted(unexpected)} in {html!r}"
        assert len(names) == len(set(names)), f"duplicate attributes on <{tag}> in {html!r}"
        if tag == "a":
            values = dict(attrs)
            href = values.get("href")
            assert href, f"<a> without href (should be unwrapped to text) in {html!r}"
            scheme = href_scheme(href)
            assert scheme is None or scheme in SAFE_SCHEMES, f"{scheme}: link in {html!r}"
            assert values.get("rel") == LINK_REL, f"<a> without our rel in {html!r}"
        if tag == "blockquote" and "cite" in dict(attrs):
            scheme = href_scheme(dict(attrs)["cite"])
            assert scheme is None or scheme in SAFE_SCHEMES, f"{scheme}: quote source in {html!r}"


# --- the corpus -------------------------------------------------------------------------------

RAW_HTML = [
    # OWASP XSS Filter Evasion Cheat Sheet
    ("script-tag", "<script>alert(1)</script>"),
    ("script-src", "<SCRIPT SRC=https://xss.example/xss.js></SCRIPT>"),
    ("script-src-protocol-relative", "<SCRIPT SRC=//xss.example/.j>"),
    ("script-no-closing-tag", "<SCRIPT SRC=https://xss.example/xss.js?< B >"),
    ("script-slash-non-alpha", '<SCRIPT/XSS SRC="https://xss.example/xss.js"></SCRIPT>'),
    ("script-extraneous-open-brackets", '<<SCRIPT>alert("XSS");//\\<</SCRIPT>'),
    ("end-title-then-script", '</TITLE><SCRIPT>alert("XSS");</SCRIPT>'),
    ("img-javascript-src", "<IMG SRC=\"javascript:alert('XSS');\">"),
    ("img-no-quotes-mixed-case", "<IMG SRC=JaVaScRiPt:alert('XSS')>"),
    ("img-grave-accents", "<IMG SRC=`javascript:alert(\"RSnake says, 'XSS'\")`>"),
    ("img-fromcharcode", "<IMG SRC=javascript:alert(String.fromCharCode(88,83,83))>"),
    ("img-onerror", "<img src=x onerror=alert(1)>"),
    ("img-onmouseover-default-src", "<IMG SRC=# onmouseover=\"alert('xxs')\">"),
    ("img-onerror-backticks", "<img src=`x` onerror=`alert(1)`>"),
    ("img-malformed-quotes", '<IMG """><SCRIPT>alert("XSS")</SCRIPT>"\\>'),
    ("img-half-open", "<IMG SRC=\"`<javascript:alert>`('XSS')\""),
    ("img-dynsrc", "<IMG DYNSRC=\"javascript:alert('XSS')\">"),
    ("img-lowsrc", "<IMG LOWSRC=\"javascript:alert('XSS')\">"),
    ("img-style-expression", "<IMG STYLE=\"xss:expr/*XSS*/ession(alert('XSS'))\">"),
    ("image-tag-alias", "<image src=x onerror=alert(1)>"),
    ("a-onmouseover-malformed", '\\<a onmouseover="alert(document.cookie)"\\>xxs link\\</a\\>'),
    (
        "a-decimal-entities",
        '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;'
        '&#97;&#108;&#101;&#114;&#116;&#40;&#39;&#88;&#83;&#83;&#39;&#41;">x</a>',
    ),
    (
        "a-padded-decimal-entities-no-semicolons",
        '<a href="&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105'
        "&#0000112&#0000116&#0000058&#0000097&#0000108&#0000101&#0000114&#0000116&#0000040"
        '&#0000049&#0000041">x</a>',
    ),
    (
        "a-hex-entities-no-semicolons",
        '<a href="&#x6A&#x61&#x76&#x61&#x73&#x63&#x72&#x69&#x70&#x74&#x3A'
        '&#x61&#x6C&#x65&#x72&#x74&#x28&#x31&#x29">x</a>',
    ),
    ("a-embedded-tab", "<a href=\"jav\tascript:alert('XSS');\">x</a>"),
    ("a-encoded-tab", "<a href=\"jav&#x09;ascript:alert('XSS');\">x</a>"),
    ("a-encoded-newline", "<a href=\"jav&#x0A;ascript:alert('XSS');\">x</a>"),
    ("a-encoded-carriage-return", "<a href=\"jav&#x0D;ascript:alert('XSS');\">x</a>"),
    ("a-named-entity-tab", '<a href="jav&Tab;ascript:alert(1)">x</a>'),
    ("a-named-entity-newline", '<a href="java&NewLine;script:alert(1)">x</a>'),
    ("a-named-entity-colon", '<a href="javascript&colon;alert(1)">x</a>'),
    ("a-null-byte-in-scheme", '<a href="java\x00script:alert(1)">x</a>'),
    ("a-leading-space-and-meta-char", "<a href=\" &#14;  javascript:alert('XSS');\">x</a>"),
    ("a-mixed-case-scheme", '<a href="JaVaScRiPt:alert(1)">x</a>'),
    ("a-vbscript", '<a href="vbscript:msgbox(1)">x</a>'),
    ("a-livescript", '<a href="livescript:alert(1)">x</a>'),
    (
        "a-data-html-base64",
        '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    ),
    ("a-data-uppercase", '<a href="DATA:text/html,<script>alert(1)</script>">x</a>'),
    ("a-data-leading-space", '<a href=" data:text/html,<script>alert(1)</script>">x</a>'),
    ("a-onclick-with-safe-href", '<a href="https://example.com/" onclick="alert(1)">x</a>'),
    (
        "a-style-and-target",
        '<a href="https://example.com/" style="x:expression(alert(1))" target=_top>x</a>',
    ),
    (
        "a-title-breakout",
        '<a href="https://example.com/" title=\'"><script>alert(1)</script>\'>x</a>',
    ),
    ("a-autofocus-onfocus", '<a href="https://example.com/" autofocus onfocus=alert(1)>x</a>'),
    ("a-backtick-href", "<a href=`javascript:alert(1)`>x</a>"),
    ("a-unclosed-javascript", '<a href="javascript:alert(1)'),
    ("a-unclosed-tag-no-bracket", "<a href=javascript:alert(1) x"),
    ("a-feed-file-scheme", '<a href="feed:file:///tmp/foo">x</a>'),
    ("body-onload", "<BODY ONLOAD=alert('XSS')>"),
    ("body-onload-odd-chars", '<BODY onload!#$%&()*~+-_.,:;?@[/|\\]^`=alert("XSS")>'),
    ("body-background", "<BODY BACKGROUND=\"javascript:alert('XSS')\">"),
    ("input-image", '<INPUT TYPE="IMAGE" SRC="javascript:alert(\'XSS\');">'),
    ("bgsound", "<BGSOUND SRC=\"javascript:alert('XSS');\">"),
    ("link-stylesheet", '<LINK REL="stylesheet" HREF="javascript:alert(\'XSS\');">'),
    ("style-import", "<STYLE>@import'https://xss.example/xss.css';</STYLE>"),
    (
        "style-list-style-image",
        "<STYLE>li {list-style-image: url(\"javascript:alert('XSS')\");}</STYLE><UL><LI>XSS</br>",
    ),
    (
        "meta-refresh-javascript",
        '<META HTTP-EQUIV="refresh" CONTENT="0;url=javascript:alert(\'XSS\');">',
    ),
    (
        "meta-refresh-data",
        '<META HTTP-EQUIV="refresh" '
        'CONTENT="0;url=data:text/html;base64,PHNjcmlwdD5hbGVydCgnWFNTJyk8L3NjcmlwdD4K">',
    ),
    ("iframe-javascript", "<IFRAME SRC=\"javascript:alert('XSS');\"></IFRAME>"),
    ("iframe-onmouseover", '<IFRAME SRC=# onmouseover="alert(document.cookie)"></IFRAME>'),
    ("iframe-double-open-angle", "<iframe src=https://xss.example/scriptlet.html <"),
    ("iframe-srcdoc", '<iframe srcdoc="&lt;script&gt;alert(1)&lt;/script&gt;"></iframe>'),
    ("frameset", "<FRAMESET><FRAME SRC=\"javascript:alert('XSS');\"></FRAMESET>"),
    ("table-background", "<TABLE BACKGROUND=\"javascript:alert('XSS')\"><TD BACKGROUND=x>"),
    (
        "div-background-image",
        "<DIV STYLE=\"background-image: url(javascript:alert('XSS'))\">x</DIV>",
    ),
    ("div-expression", "<DIV STYLE=\"width: expression(alert('XSS'));\">x</DIV>"),
    ("base-href", "<BASE HREF=\"javascript:alert('XSS');//\"><a href=x>x</a>"),
    (
        "object-scriptlet",
        '<OBJECT TYPE="text/x-scriptlet" DATA="https://xss.example/s.html"></OBJECT>',
    ),
    ("object-javascript-data", '<object data="javascript:alert(1)"></object>'),
    ("embed-javascript", '<embed src="javascript:alert(1)">'),
    (
        "embed-svg-data-uri",
        '<EMBED SRC="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+" '
        'type="image/svg+xml" AllowScriptAccess="always"></EMBED>',
    ),
    (
        "xml-data-island",
        '<XML ID="xss"><I><B><IMG SRC="javas<!-- -->cript:alert(\'XSS\')"></B></I></XML>',
    ),
    ("form-action", '<form action="javascript:alert(1)"><input type=submit></form>'),
    ("button-formaction", '<form><button formaction="javascript:alert(1)">Go</button></form>'),
    ("input-formaction", "<input type=submit formaction=javascript:alert(1) value=Go>"),
    ("isindex", "<isindex type=image src=1 onerror=alert(1)>"),
    ("details-ontoggle", "<details open ontoggle=alert(1)><summary>x</summary></details>"),
    ("video-source-onerror", '<video><source onerror="alert(1)"></video>'),
    ("audio-onerror", "<audio src=x onerror=alert(1)>"),
    ("marquee-onstart", "<marquee onstart=alert(1)>x</marquee>"),
    ("p-onclick", "<p onclick=alert(1)>x</p>"),
    (
        "allowed-tags-with-handlers",
        "<strong onmouseover=alert(1)>x</strong><code onclick=alert(1)>y</code>",
    ),
    ("blockquote-cite-javascript", '<blockquote cite="javascript:alert(1)">x</blockquote>'),
    # SVG and MathML
    ("svg-onload", "<svg/onload=alert('XSS')>"),
    ("svg-script", "<svg><script>alert(1)</script></svg>"),
    (
        "svg-a-xlink-href",
        '<svg><a xlink:href="javascript:alert(1)"><text x=20 y=20>X</text></a></svg>',
    ),
    ("svg-animate-onbegin", "<svg><animate onbegin=alert(1) attributeName=x dur=1s>"),
    (
        "svg-set-href",
        "<svg><a><set attributeName=href to=javascript:alert(1) /><text>X</text></a></svg>",
    ),
    (
        "svg-use-data-uri",
        '<svg><use href="data:image/svg+xml,&lt;svg id=x onload=alert(1)&gt;#x"/></svg>',
    ),
    ("dompurify-svg-g-onload", "<svg><g/onload=alert(2)//<p>"),
    ("dompurify-iframe-tab-scheme", "<p>abc<iframe//src=jAva&Tab;script:alert(3)>def</p>"),
    ("dompurify-math-mi-xlink", '<math><mi//xlink:href="data:x,<script>alert(4)</script>">'),
    ("math-href", '<math href="javascript:alert(1)">CLICKME</math>'),
    (
        "math-maction-xlink",
        '<math><maction actiontype="statusline#https://example.com" '
        'xlink:href="javascript:alert(2)">CLICKME</maction></math>',
    ),
    # Mutation XSS: content that changes meaning when the sanitizer's parse differs from the browser's
    ("mxss-noscript-style", "<noscript><style></noscript><img src=x onerror=alert(1)>"),
    ("mxss-svg-style", '<svg></p><style><a id="</style><img src=1 onerror=alert(1)>">'),
    ("mxss-math-style", "<math><style><img src=x onerror=alert(1)></style></math>"),
    (
        "mxss-math-mglyph-style",
        '<math><mtext><table><mglyph><style><!--</style><img title="--&gt;&lt;/mglyph&gt;'
        '&lt;img&Tab;src=1&Tab;onerror=alert(1)&gt;">',
    ),
    (
        "mxss-form-math-mglyph",
        "<form><math><mtext></form><form><mglyph><style></math><img src onerror=alert(1)>",
    ),
    ("mxss-svg-p-style-title", '<svg><p><style><g title="</style><img src onerror=alert(1)>">'),
    ("mxss-template-script", "<template><script>alert(1)</script></template>"),
    ("mxss-template-img", "<template><img src=x onerror=alert(1)></template>"),
    ("mxss-noembed", '<noembed><img title="</noembed><img src onerror=alert(1)>"></noembed>'),
    ("mxss-noframes", '<noframes><img title="</noframes><img src onerror=alert(1)>"></noframes>'),
    ("mxss-xmp", '<xmp><img title="</xmp><img src onerror=alert(1)>"></xmp>'),
    ("mxss-title", '<title><img title="</title><img src onerror=alert(1)>"></title>'),
    ("mxss-textarea", '<textarea><img title="</textarea><img src onerror=alert(1)>"></textarea>'),
    # Comments, CDATA, processing instructions, unclosed and nested tags (bleach's own tests)
    ("comment-hides-closing-quote", '<!--<img src="--><img src=x onerror=alert(1)//">'),
    ("comment-abrupt-close", "<!--><script>alert(1)</script>-->"),
    ("conditional-comment", "<!--[if gte IE 4]><SCRIPT>alert('XSS');</SCRIPT><![endif]-->"),
    ("cdata-section", "<![CDATA[<script>alert(1)</script>]]>"),
    ("processing-instruction", '<? foo="><script>alert(1)</script>">'),
    ("bleach-nested-script", "<<script>script>evil()<</script>/script>"),
    ("bleach-nested-script-reversed", "<script<script>>evil()</script</script>>"),
    ("bleach-strip-reassembles-script", "<scri<script>pt>alert(1)</scr</script>ipt>"),
    ("bleach-strip-twice-nested", "<scri<scri<script>pt>pt>alert(1)</script>"),
    ("bleach-unclosed-script-src", "<script src=https://xx.example/xss.js<b>"),
    ("bleach-entities-stay-escaped", "&#39;&#34;&lt;script&gt;alert(1)&lt;/script&gt;"),
]

MARKDOWN = [
    ("md-link-javascript", "[x](javascript:alert(1))"),
    ("md-quote-source-javascript", "> words\n\n-- Someone, [source](javascript:alert(1))"),
    ("md-quote-source-data", "> words\n>\n> --- [src](data:text/html,<script>alert(1)</script>)"),
    ("md-quote-caption-raw-html", "> words\n\n-- <img src=x onerror=alert(1)> Name"),
    ("card-url-javascript", "```post\nurl: javascript:alert(1)\nauthor: A\ntext\n```"),
    (
        "card-url-breaking-out",
        '```post\nurl: https://x.com/"onmouseover="alert(1)\nauthor: A\ntext\n```',
    ),
    (
        "card-fields-html",
        "```post\nurl: https://x.com/a/status/1\nauthor: <img src=x onerror=alert(1)>\n"
        "handle: <svg onload=alert(1)>\nposted: 2026-11-25\n<script>alert(1)</script>\n```",
    ),
    ("card-forged-placeholder", "\ue0020\ue003 and <p>\ue0020\ue003</p>"),
    ("card-raw-class", '<span class="post-card">x</span><time datetime="1">y</time>'),
    ("md-link-mixed-case", "[x](JaVaScRiPt:alert(1))"),
    ("md-link-decimal-colon", "[x](javascript&#58;alert(1))"),
    ("md-link-hex-colon", "[x](javascript&#x3A;alert(1))"),
    ("md-link-named-colon", "[x](javascript&colon;alert(1))"),
    ("md-link-entity-first-letter", "[x](&#106;avascript:alert(1))"),
    ("md-link-entity-tab", "[x](java&#09;script:alert(1))"),
    ("md-link-raw-tab", "[x](java\tscript:alert(1))"),
    ("md-link-control-char", "[x](\x01javascript:alert(1))"),
    ("md-link-angle-destination", "[x](<javascript:alert(1)>)"),
    ("md-link-leading-space", "[x]( javascript:alert(1))"),
    ("md-link-with-title", '[x](javascript:alert(1) "Click me")'),
    ("md-link-slashes-newline", "[x](javascript://%0aalert(1))"),
    ("md-link-encoded-parens", "[x](javascript:alert&#40;1&#41;)"),
    ("md-link-escaped-colon", "[x](javascript\\:alert(1))"),
    ("md-link-comment-in-scheme", "[x](java<!-- -->script:alert(1))"),
    ("md-link-data-base64", "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)"),
    ("md-link-data-uppercase", "[x](DATA:text/html,<script>alert(1)</script>)"),
    ("md-link-vbscript", "[x](vbscript:msgbox(1))"),
    ("md-link-file", "[x](file:///etc/passwd)"),
    ("md-link-title-breakout", '[x](https://example.com/ "a\\" onmouseover=\\"alert(1)")'),
    ("md-link-text-holds-img", "[<img src=x onerror=alert(1)>](https://example.com/)"),
    ("md-link-emphasised", "**[x](javascript:alert(1))**"),
    ("md-autolink-javascript", "<javascript:alert(1)>"),
    ("md-autolink-quote-breakout", '<https://example.com/" onmouseover="alert(1)>'),
    ("md-autolink-mailto-script", "<mailto:x@example.com?body=<script>alert(1)</script>>"),
    ("md-reference-javascript", "[x][1]\n\n[1]: javascript:alert(1)"),
    ("md-reference-with-title", '[x][evil]\n\n[evil]: javascript:alert(1) "Click"'),
    ("md-reference-angle-case-folded", "[x][A]\n\n[a]: <javascript:alert(1)>"),
    ("md-reference-entity-scheme", "[x][e]\n\n[e]: &#x6A;avascript:alert(1)"),
    ("md-image-javascript", "![x](javascript:alert(1))"),
    ("md-image-alt-breakout", '![x" onerror="alert(1)](https://example.com/y.png)'),
    ("md-image-alt-holds-script", "![<script>alert(1)</script>](https://example.com/y.png)"),
    ("md-image-title-breakout", '![x](https://example.com/y.png "a\\" onerror=\\"alert(1)")'),
    ("md-image-inside-link", "[![x](https://example.com/y.png)](javascript:alert(1))"),
    ("md-code-span-breakout", "`</code><script>alert(1)</script>`"),
    ("md-code-span-double-backtick", "``</code><img src=x onerror=alert(1)>``"),
    ("md-fenced-code-breakout", "```\n</code></pre><script>alert(1)</script>\n```"),
    ("md-fenced-code-language-breakout", '```x" onclick="alert(1)\ncode\n```'),
    ("md-fenced-code-brace-attributes", '```{ .x onclick="alert(1)" }\ncode\n```'),
    ("md-nested-quotes-script", "> > > <script>alert(1)</script>"),
    ("md-quote-img", "> <img src=x onerror=alert(1)>"),
    ("md-list-svg", "- <svg onload=alert(1)>\n- two"),
    ("md-heading-iframe", "## <iframe src=javascript:alert(1)></iframe>"),
    ("md-attr-list-on-link", '[x](https://example.com/){: onclick="alert(1)" }'),
    ("md-attr-list-on-heading", '## Hi {: onmouseover="alert(1)" }'),
    ("md-attr-list-on-paragraph", 'Text\n{: onclick="alert(1)" style="x" }'),
    ("md-in-html", '<div markdown="1" onclick="alert(1)">[x](javascript:alert(1))</div>'),
    ("md-bare-javascript-then-url", "javascript:alert(1)//https://example.com"),
    ("md-bare-data-scheme-url", "data://example.com/,%3Cscript%3Ealert(1)%3C/script%3E"),
    ("md-bare-url-quote-breakout", 'www.example.com/"onmouseover="alert(1)'),
    ("md-bare-url-with-script", "https://example.com/<script>alert(1)</script>"),
    ("md-smart-quotes-in-raw-attr", '<a href=\'javascript:alert("x")\'>"quoted"</a>'),
    ("md-strikethrough-script", "~~<script>alert(1)</script>~~"),
    ("md-html-block-style", "<style>body{background:url(javascript:alert(1))}</style>\n\nText"),
]

VECTORS = [pytest.param(source, id=name) for name, source in RAW_HTML + MARKDOWN]


def test_the_corpus_is_large_and_has_no_duplicates():
    sources = [source for _, source in RAW_HTML + MARKDOWN]
    names = [name for name, _ in RAW_HTML + MARKDOWN]

    assert len(sources) >= 90
    assert len(set(sources)) == len(sources)
    assert len(set(names)) == len(names)


@pytest.mark.parametrize("source", VECTORS)
def test_vector_cannot_run_script(source):
    assert_cannot_run_script(render_markdown(source))


# --- the guard guards: it rejects what a broken sanitizer would let through --------------------


@pytest.mark.parametrize(
    "html",
    [
        pytest.param("<script>alert(1)</script>", id="script"),
        pytest.param("<p onclick=alert(1)>x</p>", id="event-handler-on-allowed-tag"),
        pytest.param('<img src="x">', id="element-outside-allowlist"),
        pytest.param('<p style="x">x</p>', id="attribute-outside-allowlist"),
        pytest.param('<a href="javascript:alert(1)" rel="' + LINK_REL + '">x</a>', id="js-href"),
        pytest.param('<a href="jav&#x09;ascript:x" rel="' + LINK_REL + '">x</a>', id="tab-in-href"),
        pytest.param('<a href="&#1;JAVASCRIPT:x" rel="' + LINK_REL + '">x</a>', id="control-char"),
        pytest.param('<a href=" data:text/html,x" rel="' + LINK_REL + '">x</a>', id="data-href"),
        pytest.param('<a href="https://example.com/">x</a>', id="link-without-rel"),
        pytest.param("<a>x</a>", id="link-without-href"),
        pytest.param("<!--x--><p>y</p>", id="comment"),
        pytest.param("<svg><a>x</a></svg>", id="svg"),
    ],
)
def test_guard_rejects_html_that_could_run_script(html):
    with pytest.raises(AssertionError):
        assert_cannot_run_script(html)


def test_guard_accepts_ordinary_rendered_updates():
    assert_cannot_run_script(
        render_markdown(
            "## Status\n\nSee [the status page](https://status.example.com/#now), "
            "[our notes](/notes/), [a section](#update-2) or [mail us](mailto:desk@example.com)."
            "\n\n> Quoted *words*\n\n- one\n- two\n\n`code`\n\n---\n\n~~old~~ https://example.org"
        )
    )


@pytest.mark.parametrize(
    ("href", "scheme"),
    [
        ("https://example.com/", "https"),
        ("/relative/path", None),
        ("#update-3", None),
        ("?order=newest", None),
        ("//example.com/x", None),
        ("page:with-colon", "page"),
        ("weird/path:with-colon", None),
        (" \tJaVa\nScRiPt:alert(1)", "javascript"),
        ("\u200bjavascript:alert(1)", "javascript"),
    ],
)
def test_href_scheme_reads_urls_the_way_a_browser_would(href, scheme):
    assert href_scheme(href) == scheme


# --- named regressions ------------------------------------------------------------------------


def test_bare_urls_with_other_schemes_are_not_linked_with_that_scheme():
    """bleach linkifies after sanitizing, and by default it links data://, feed://, ssh://... as
    they are. Only http and https text may become a link."""
    html = render_markdown("data://example.com/x feed://example.com/y ssh://example.com/z")

    assert 'href="data:' not in html
    assert 'href="feed:' not in html
    assert 'href="ssh:' not in html
    assert_cannot_run_script(html)


def test_a_link_stripped_of_a_dangerous_href_is_left_as_plain_text():
    html = render_markdown("Read [this](javascript:alert(1)) now.")

    assert html == "<p>Read this now.</p>"


# --- Chromium's own parser as a second opinion ------------------------------------------------

_CHROMIUM_CHECK = """
({outputs, allowedTags, allowedAttrs, safeProtocols, rel}) => {
  const problems = {};
  const base = "https://news.example/stories/x/";
  for (const [name, html] of Object.entries(outputs)) {
    const found = [];
    const holder = document.createElement("div");
    holder.innerHTML = html;
    // A second round trip: mutation XSS shows up as output that re-parses differently.
    const again = document.createElement("div");
    again.innerHTML = holder.innerHTML;
    if (again.innerHTML !== holder.innerHTML) found.push("changes when re-parsed");
    const walker = document.createTreeWalker(holder, NodeFilter.SHOW_ELEMENT | NodeFilter.SHOW_COMMENT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (node.nodeType === Node.COMMENT_NODE) { found.push("comment"); continue; }
      if (node.namespaceURI !== "http://www.w3.org/1999/xhtml") found.push("foreign " + node.localName);
      if (!allowedTags.includes(node.localName)) found.push("<" + node.localName + ">");
      for (const attr of node.attributes) {
        const ok = (allowedAttrs[node.localName] || []).includes(attr.name);
        if (!ok) found.push(node.localName + "[" + attr.name + "]");
      }
      if (node.localName === "a") {
        const protocol = new URL(node.getAttribute("href") || "", base).protocol;
        if (!safeProtocols.includes(protocol)) found.push("href " + protocol);
        if (node.getAttribute("rel") !== rel) found.push("rel");
      }
      if (node.localName === "blockquote" && node.hasAttribute("cite")) {
        const protocol = new URL(node.getAttribute("cite"), base).protocol;
        if (!safeProtocols.includes(protocol)) found.push("cite " + protocol);
      }
    }
    if (found.length) problems[name] = found;
  }
  return problems;
}
"""


@pytest.mark.browser
def test_chromium_finds_nothing_able_to_run_script_in_any_output(page):
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    outputs = {name: render_markdown(source) for name, source in RAW_HTML + MARKDOWN}
    page.set_content("<!doctype html><title>x</title><main id=out></main>")

    problems = page.evaluate(
        _CHROMIUM_CHECK,
        {
            "outputs": outputs,
            "allowedTags": sorted(EXPECTED_TAGS),
            "allowedAttrs": {tag: sorted(names) for tag, names in EXPECTED_ATTRIBUTES.items()},
            "safeProtocols": [f"{scheme}:" for scheme in sorted(SAFE_SCHEMES)],
            "rel": LINK_REL,
        },
    )
    # And put them all into a live document, where a surviving handler would fire.
    page.evaluate(
        "html => { document.getElementById('out').innerHTML = html; }", "\n".join(outputs.values())
    )
    page.wait_for_timeout(300)

    assert problems == {}
    assert dialogs == []
