"""Reading stories (/stories): everyone signed in, only what is online."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal.i18n import get_locale
from portal.markdown import render_story
from portal.stories import reader
from portal.stories.forms import THEMES
from portal.web import is_htmx, not_found, now, render, require_user, unit_of_work


async def stories(request: Request) -> Response:
    user = require_user(request)
    theme = request.query_params.get("theme", "")
    theme = theme if theme in THEMES else ""
    team = request.query_params.get("team", "")[:100]
    async with unit_of_work(request) as db:
        context = await reader.context_for(db, actor=user, now=now(request))
        cards = await reader.live_cards(db)
    ranked = reader.rank(cards, context=context, locale=get_locale())
    shown = [c for c in ranked if reader.matches(c, theme=theme, team=team)]
    themes, teams = reader.tags(cards)
    return render(
        request,
        "stories/index.html",
        {
            "relevant": [c for c in shown if context.relevant(c)],
            "others": [c for c in shown if not context.relevant(c)],
            "themes": themes,
            "teams": teams,
            "theme": theme,
            "team": team,
            "is_htmx": is_htmx(request),
        },
        block="results",
    )


async def story_page(request: Request) -> Response:
    require_user(request)
    async with unit_of_work(request) as db:
        card = await reader.live_card(db, slug=request.path_params["slug"])
    if card is None:
        raise not_found()
    return render(
        request, "stories/story.html", {"card": card, "html": render_story(card.revision.body)}
    )


routes = [
    Route("/stories", stories, methods=["GET"], name="stories"),
    Route("/stories/{slug}", story_page, methods=["GET"], name="story"),
]
