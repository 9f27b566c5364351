"""Every route of staff, in the order the app tries them."""

from __future__ import annotations

from portal.staff import account_routes, directory_routes, profile_routes, reader_routes

routes = [
    *reader_routes.routes,
    *directory_routes.routes,
    *account_routes.routes,
    *profile_routes.routes,
]
