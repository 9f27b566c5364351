"""Routes of this part of the HR workspace (filled in as it is built)."""

from __future__ import annotations

from starlette.routing import Route

routes: list[Route] = []
