"""HR plans visits: the URLs of /hr/visits (the list, a visit, its agenda builder),
/hr/staff-search and /hr/templates, in the order Starlette tries them.

The handlers are in ``list_routes`` (the list), ``visit_routes`` (one visit) and
``agenda_routes`` (its agenda, colleagues to book, templates).
"""

from __future__ import annotations

from starlette.routing import Route

from portal.planning.agenda_routes import (
    add_item,
    copy_agenda,
    delete_item,
    delete_template,
    find_for_new_item,
    move_item,
    save_item,
    save_template,
    staff_search,
    template_list,
)
from portal.planning.list_routes import bulk_outcomes, visits
from portal.planning.visit_routes import (
    cancel_visit,
    create_visit,
    erase_candidate,
    invite,
    new_visit,
    save_visit,
    set_outcome,
    sign_out_candidate,
    visit_page,
)

routes = [
    Route("/hr/visits", visits, methods=["GET"], name="hr_visits"),
    Route("/hr/visits", create_visit, methods=["POST"], name="hr_visit_create"),
    Route("/hr/visits/new", new_visit, methods=["GET"], name="hr_visit_new"),
    # Before "/hr/visits/{id}": a fixed word, as "new" above.
    Route("/hr/visits/outcomes", bulk_outcomes, methods=["POST"], name="hr_visit_outcomes"),
    Route("/hr/visits/{id}", visit_page, methods=["GET"], name="hr_visit"),
    Route("/hr/visits/{id}", save_visit, methods=["POST"], name="hr_visit_save"),
    Route("/hr/visits/{id}/cancel", cancel_visit, methods=["POST"], name="hr_visit_cancel"),
    Route("/hr/visits/{id}/invite", invite, methods=["POST"], name="hr_visit_invite"),
    Route("/hr/visits/{id}/outcome", set_outcome, methods=["POST"], name="hr_visit_outcome"),
    Route(
        "/hr/visits/{id}/sign-out",
        sign_out_candidate,
        methods=["POST"],
        name="hr_visit_sign_out",
    ),
    Route(
        "/hr/visits/{id}/erase-candidate",
        erase_candidate,
        methods=["POST"],
        name="hr_visit_erase_candidate",
    ),
    Route("/hr/visits/{id}/items", add_item, methods=["POST"], name="hr_item_add"),
    Route("/hr/visits/{id}/items/find", find_for_new_item, methods=["POST"], name="hr_item_find"),
    Route("/hr/visits/{id}/items/{item}", save_item, methods=["POST"], name="hr_item_save"),
    Route(
        "/hr/visits/{id}/items/{item}/delete", delete_item, methods=["POST"], name="hr_item_delete"
    ),
    Route("/hr/visits/{id}/items/{item}/move", move_item, methods=["POST"], name="hr_item_move"),
    Route("/hr/visits/{id}/copy", copy_agenda, methods=["POST"], name="hr_agenda_copy"),
    Route("/hr/visits/{id}/template", save_template, methods=["POST"], name="hr_agenda_template"),
    Route("/hr/staff-search", staff_search, methods=["GET"], name="hr_staff_search"),
    Route("/hr/templates", template_list, methods=["GET"], name="hr_templates"),
    Route(
        "/hr/templates/{id}/delete", delete_template, methods=["POST"], name="hr_template_delete"
    ),
]
