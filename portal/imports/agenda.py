"""A visit's agenda as an import file gives it: item rows, and matching a file's items to
the ones a visit has already."""

from __future__ import annotations

from typing import Any

from portal.imports.schema import AgendaIn, to_utc
from portal.models import AgendaItem, User, Visit


def item_values(item_in: AgendaIn, position: int, zone: str) -> dict[str, Any]:
    return {
        "external_id": item_in.external_id,
        "position": position,
        "starts_at": to_utc(item_in.starts_at, zone),
        "ends_at": to_utc(item_in.ends_at, zone),
        "kind": item_in.kind,
        "title": item_in.title,
        "internal_title": item_in.internal_title,
        "room": item_in.room,
        "description": item_in.description,
        "visible_to_candidate": item_in.visible_to_candidate,
    }


def sync_agenda(visit: Visit, items_in: list[AgendaIn], users: dict[str, User], zone: str) -> bool:
    """Match items on external_id, else on position; drop the ones the file no longer has.

    Returns whether anything the candidate sees changed (so they can be told).
    """
    changed = False
    by_ext = {i.external_id: i for i in visit.agenda if i.external_id}
    by_pos = {i.position: i for i in visit.agenda if not i.external_id}
    kept: list[AgendaItem] = []
    for pos, item_in in enumerate(items_in):
        item = by_ext.get(item_in.external_id) if item_in.external_id else by_pos.get(pos)
        people = [users[e] for e in dict.fromkeys(item_in.interviewers)]
        values = item_values(item_in, pos, zone)
        if item is None:
            item = AgendaItem(**values)
            item.interviewers = people
            changed = changed or item_in.visible_to_candidate
        else:
            # What a candidate's calendar shows changed: raise SEQUENCE so it updates.
            seen = (
                "starts_at",
                "ends_at",
                "title",
                "room",
                "description",
                "kind",
                "visible_to_candidate",
            )
            if any(getattr(item, k) != values[k] for k in seen) or (
                {u.email for u in item.interviewers} != {u.email for u in people}
            ):
                item.sequence += 1
                changed = changed or item.visible_to_candidate or item_in.visible_to_candidate
            for key, value in values.items():
                if getattr(item, key) != value:
                    setattr(item, key, value)
            if {u.email for u in item.interviewers} != {u.email for u in people}:
                item.interviewers = people
        kept.append(item)
    dropped = [i for i in visit.agenda if i.id is not None and i not in kept]
    changed = changed or any(i.visible_to_candidate for i in dropped)
    if [i.id for i in visit.agenda] != [i.id for i in kept] or any(i.id is None for i in kept):
        visit.agenda = kept
    return changed
