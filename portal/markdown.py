"""Markdown written by staff, rendered for candidates: safe by construction.

markdown-it renders with raw HTML switched off; nh3 then keeps only an allow-list of
tags, attributes and URL schemes. No script, no event handlers, no style, no htmx
attributes (a bio or a story must never make a request), no javascript: or data: links.
Templates place the result inside an ``hx-disable`` container as a second wall.

Bios and stories share this code, and a story's preview is rendered by the very function
that renders the published page, so what the author sees is what candidates get.
"""

from __future__ import annotations

import html
from functools import lru_cache

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
_md.disable("image")  # pictures come through the image pipeline, not from any URL

TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "a",
    "ul",
    "ol",
    "li",
    "blockquote",
    "code",
    "pre",
    "h2",
    "h3",
    "h4",
    "hr",
}
ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
SCHEMES = {"http", "https", "mailto", "tel"}

# Headings are shifted down so the text can never compete with the page's own headings:
# a bio sits under the person's name (h1/h2), a story's body under its title (h1), where
# both "#" and "##" become h2 (authors use either for a subheading; no level is skipped).
BIO_HEADINGS = {1: 3, 2: 3, 3: 3, 4: 4, 5: 4, 6: 4}
STORY_HEADINGS = {1: 2, 2: 2, 3: 3, 4: 4, 5: 4, 6: 4}


def _html(text: str, headings: dict[int, int]) -> str:
    tokens = _md.parse(text or "")
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{headings[int(token.tag[1])]}"
    rendered: str = _md.renderer.render(tokens, _md.options, {})
    return nh3.clean(
        rendered,
        tags=TAGS,
        attributes=ATTRIBUTES,
        url_schemes=SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


@lru_cache(maxsize=512)
def render(text: str) -> Markup:
    """A bio or note: Markdown to clean HTML, marked safe only after nh3 has cleaned it."""
    return Markup(_html(text, BIO_HEADINGS))  # noqa: S704 (the sanitiser's output, and only that)


@lru_cache(maxsize=256)
def render_story(text: str) -> Markup:
    """A story's body (published page and the author's preview alike)."""
    return Markup(_html(text, STORY_HEADINGS))  # noqa: S704 (the sanitiser's output only)


@lru_cache(maxsize=1024)
def plain_excerpt(text: str, limit: int = 220) -> str:
    """The first words of a Markdown text as plain text, for cards.

    Cached: the same bios are excerpted on every visit page that shows their people, and
    rendering Markdown was a tenth of that page's time. A pure function of its text.
    """
    words = " ".join(html.unescape(nh3.clean(_md.render(text or ""), tags=set())).split())
    return words if len(words) <= limit else words[: limit - 1].rsplit(" ", 1)[0] + "…"


def word_count(text: str) -> int:
    """Words a reader reads (markup left out), for the reading time."""
    return len(html.unescape(nh3.clean(_md.render(text or ""), tags=set())).split())
