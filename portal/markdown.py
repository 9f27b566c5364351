"""Markdown written by staff, rendered for candidates: safe by construction.

markdown-it renders with raw HTML switched off; nh3 then keeps only an allow-list of
tags, attributes and URL schemes. No script, no event handlers, no style, no htmx
attributes (a bio must never make a request), no javascript: or data: links. Templates
place the result inside an ``hx-disable`` container as a second wall.
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
    "h3",
    "h4",
    "hr",
}
ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
SCHEMES = {"http", "https", "mailto", "tel"}


@lru_cache(maxsize=512)
def render(text: str) -> Markup:
    """Markdown to clean HTML, marked safe for Jinja2 only after nh3 has cleaned it."""
    rendered = _md.render(text or "")
    # Headings are shifted down so a bio can never compete with the page's own headings.
    for level in (1, 2):
        rendered = rendered.replace(f"<h{level}>", "<h3>").replace(f"</h{level}>", "</h3>")
    cleaned = nh3.clean(
        rendered,
        tags=TAGS,
        attributes=ATTRIBUTES,
        url_schemes=SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
    return Markup(cleaned)  # noqa: S704 (the sanitiser's output, and only that)


def plain_excerpt(text: str, limit: int = 220) -> str:
    """The first words of a Markdown text as plain text, for cards."""
    words = " ".join(html.unescape(nh3.clean(_md.render(text or ""), tags=set())).split())
    return words if len(words) <= limit else words[: limit - 1].rsplit(" ", 1)[0] + "…"
