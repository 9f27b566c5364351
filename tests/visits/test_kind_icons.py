"""The agenda's kind icons: SVG symbols shipped with the portal, never emoji (which show as
empty boxes where no emoji font is installed), and decorative beside the kind's word."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from portal.config import STATIC_DIR
from portal.models import AgendaKind
from tests.factories import create_visit

ICON_SET = Path(STATIC_DIR) / "vendor" / "lucide-static-1.62.0"
SVG = "{http://www.w3.org/2000/svg}"
# Emoji and pictographs, their modifiers, and the variation selector that asks for the
# emoji form of a character (☕ and ☕️ alike).
EMOJI = re.compile(
    "[\U0001f000-\U0001faff\U00002600-\U000027bf\U00002b00-\U00002bff"
    "\U0001f1e6-\U0001f1ff\U0000fe0f\U0000200d]"
)
ICON = re.compile(
    r'<svg class="kind-icon" aria-hidden="true" focusable="false" data-icon="(?P<kind>[a-z]+)"'
    r"[^>]*>(?P<shapes>.*?)</svg>"
)
# Which Lucide icon each kind draws (the files in ICON_SET/icons).
LUCIDE = {
    "interview": "message-circle",
    "lunch": "sandwich",
    "dinner": "utensils",
    "tour": "footprints",
    "presentation": "presentation",
    "assignment": "notebook-pen",
    "break": "coffee",
    "other": "pin",
}


@pytest.fixture
def every_kind(run, people):
    """A visit for the candidate with one item of each kind, in the enum's order."""

    async def make(db):
        visit = await create_visit(db, candidate=people["candidate"], items=len(AgendaKind))
        for item, kind in zip(visit.agenda, AgendaKind, strict=True):
            item.kind = kind
        await db.flush()
        return visit

    return run(make)


def shapes(svg: str) -> list[tuple[str, dict[str, str]]]:
    """The shapes of an SVG drawing, as (tag without namespace, attributes)."""
    root = ET.fromstring(svg)  # noqa: S314 (the repository's own icons and pages)
    return [(shape.tag.removeprefix(SVG), dict(shape.attrib)) for shape in root]


def lucide(kind: str) -> list[tuple[str, dict[str, str]]]:
    return shapes((ICON_SET / "icons" / f"{LUCIDE[kind]}.svg").read_text())


def test_visit_pages_show_no_emoji_and_an_icon_per_kind(client, people, login_as, every_kind):
    pages = {}
    login_as(people["candidate"])
    pages["/"] = client.get("/").text
    pages["/visit"] = client.get(f"/visit/{every_kind.public_id}").text
    client.cookies.clear()
    login_as(people["hr"])
    pages["/hr/visits"] = client.get(f"/hr/visits/{every_kind.public_id}").text
    for path, html in pages.items():
        emoji = sorted(set(EMOJI.findall(html)))
        assert not emoji, f"{path} shows emoji: {emoji}"
        icons = [(m["kind"], m["shapes"]) for m in ICON.finditer(html)]
        assert [kind for kind, _ in icons] == list(AgendaKind), (path, icons)
        for kind, drawing in icons:
            # The vendored icon's own shapes, unchanged.
            assert shapes(f'<svg xmlns="http://www.w3.org/2000/svg">{drawing}</svg>') == lucide(
                kind
            ), (path, kind)
    # The kind's word is still there, right after each icon.
    for word in ("Gesprek", "Lunch", "Diner", "Rondleiding", "Presentatie", "Pauze"):
        assert re.search(rf"</svg>\s*{word}\b", pages["/visit"]), word


def test_the_icon_set_ships_with_its_licence():
    assert "ISC License" in (ICON_SET / "LICENSE").read_text()
    assert sorted(p.stem for p in (ICON_SET / "icons").glob("*.svg")) == sorted(LUCIDE.values())
    for kind in LUCIDE:
        assert lucide(kind), kind
