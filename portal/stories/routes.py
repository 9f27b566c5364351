"""Stories: reading (/stories), writing (/me/stories) and review (/hr/stories).

Starlette takes the first route that matches, so the lists keep their order: fixed paths
such as "/me/stories/new" and "/me/stories/preview" stand before "/me/stories/{id}".
"""

from __future__ import annotations

from portal.stories import author_routes, reader_routes, review_routes

routes = [*reader_routes.routes, *author_routes.routes, *review_routes.routes]
