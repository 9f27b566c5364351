"""Where keyboard focus is, is plain to see: on the main pages, every control reached with
Tab shows an outline at least 2 px wide whose colour has a contrast of at least 3:1 with
what lies next to it (WCAG 2.2: 2.4.7, and the measure of 2.4.13, Focus Appearance).

Measured from computed styles: the outline's colour against the background it is drawn
on, which is the background behind the control when the outline stands outside it
(``outline-offset`` ≥ 0) and the control's own background when it is drawn inside.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from portal.demo import CANDIDATE, HR
from tests.browser.conftest import LATE_CANDIDATE, Inbox, LiveServer
from tests.browser.pages import rows, sign_in_with_link

pytestmark = pytest.mark.browser

MAX_TABS = 600  # HR's visit page with every form unfolded is the longest

# What the focused element shows, and the colours under its outline (innermost first,
# up to the first opaque one).
_FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body || el === document.documentElement) return null;
  if (!el.dataset.focusKey) el.dataset.focusKey = String(Math.random()).slice(2);
  const style = getComputedStyle(el);
  const layers = (start) => {
    const found = [];
    for (let e = start; e; e = e.parentElement) {
      const c = getComputedStyle(e).backgroundColor;
      found.push(c);
      if (/^rgb\\(/.test(c)) break;
    }
    return found;
  };
  const r = el.getBoundingClientRect();
  const classes = typeof el.className === "string" ? el.className.trim() : "";
  const label = el.innerText || el.value || el.getAttribute("aria-label") || "";
  return {
    key: el.dataset.focusKey,
    what: el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
      + (classes ? "." + classes.split(/\\s+/).join(".") : "")
      + " (" + label.replace(/\\s+/g, " ").trim().slice(0, 30) + ")",
    style: style.outlineStyle, width: parseFloat(style.outlineWidth),
    offset: parseFloat(style.outlineOffset), color: style.outlineColor,
    own: layers(el), behind: layers(el.parentElement),
    shown: el.checkVisibility() && r.width > 0 && r.height > 0,
  };
}"""

_RGB = re.compile(r"rgba?\(([\d.]+),\s*([\d.]+),\s*([\d.]+)(?:,\s*([\d.]+))?\)")


def rgba(css: str) -> tuple[float, float, float, float]:
    match = _RGB.fullmatch(css.strip())
    assert match, f"a colour this test cannot read: {css!r}"
    r, g, b, a = match.groups()
    return float(r), float(g), float(b), float(a) if a is not None else 1.0


def flatten(layers: list[str]) -> tuple[float, float, float]:
    """The colour seen through ``layers`` (innermost first) over a white page."""
    colour = (255.0, 255.0, 255.0)
    for css in reversed(layers):
        r, g, b, a = rgba(css)
        colour = (
            r * a + colour[0] * (1 - a),
            g * a + colour[1] * (1 - a),
            b * a + colour[2] * (1 - a),
        )
    return colour


def luminance(rgb: tuple[float, float, float]) -> float:
    def channel(c: float) -> float:
        c /= 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: tuple[float, float, float], b: tuple[float, float, float]) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def problem(focused: dict[str, Any]) -> str | None:
    """What is wrong with the focus indicator of ``focused``, or None."""
    what = focused["what"]
    if focused["style"] in ("none", "hidden") or focused["width"] < 2:
        return f"{what}: outline {focused['style']} {focused['width']}px"
    under = focused["behind"] if focused["offset"] >= 0 else focused["own"]
    r, g, b, a = rgba(focused["color"])
    ground = flatten(under)
    outline = flatten([focused["color"], *under]) if a < 1 else (r, g, b)
    ratio = contrast(outline, ground)
    if ratio < 3:
        return f"{what}: outline {focused['color']} on {ground} has contrast {ratio:.2f}:1"
    return None


def tab_through(page: Any, where: str) -> tuple[int, list[str]]:
    """Press Tab from the top of the page until focus comes round again: how many
    controls were reached, and what is wrong with their focus indicators."""
    page.evaluate("window.scrollTo(0, 0)")
    page.locator("body").evaluate(
        "b => { b.tabIndex = -1; b.focus(); b.removeAttribute('tabindex'); }"
    )
    seen: list[str] = []
    problems: list[str] = []
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        focused = page.evaluate(_FOCUSED)
        if focused is None:
            if seen:
                break
            continue
        if seen and focused["key"] == seen[0]:
            break
        if focused["key"] in seen:  # a control with parts (a date field): one stop
            continue
        seen.append(focused["key"])
        if not focused["shown"]:
            problems.append(f"{where}: {focused['what']} takes focus but is not shown")
            continue
        found = problem(focused)
        if found:
            problems.append(f"{where}: {found}")
    else:
        pytest.fail(f"{where}: focus did not come round in {MAX_TABS} presses of Tab")
    return len(seen), problems


def check(page: Any, paths: list[str], who: str) -> list[str]:
    """Tab through each page as it loads, then again with every ``<details>`` open (the
    phone's menu, "Getting there", HR's folded forms), when it has any."""
    problems: list[str] = []
    for path in paths:
        page.goto(path)
        count, found = tab_through(page, f"{path} as {who}")
        assert count >= 3, f"{path}: only {count} controls reached"
        problems += found
        if page.locator("details:not([open])").count():
            page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
            problems += tab_through(page, f"{path} as {who}, every <details> open")[1]
    return problems


def sam_visit(live_server: LiveServer) -> str:
    [(public_id,)] = rows(
        live_server, "SELECT public_id FROM visits WHERE external_id = 'demo-sam'"
    )
    return str(public_id)


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_candidates_see_where_focus_is(open_page, live_server: LiveServer, inbox: Inbox, viewport):
    page = open_page(viewport)
    page.goto("/login")
    problems = tab_through(page, "/login")[1]
    sign_in_with_link(page, inbox, live_server, "nl", CANDIDATE)
    visit = sam_visit(live_server)
    paths = ["/", f"/visit/{visit}", f"/visit/{visit}/preferences", "/questions", "/stories"]
    problems += check(page, paths, "Sam")
    assert not problems, f"{len(problems)} focus problem(s):\n" + "\n".join(problems)


def test_on_the_day_focus_is_plain_to_see(open_page, live_server: LiveServer, inbox: Inbox):
    """The day itself: the "now" item and the running-late form have their own colours."""
    page = open_page("phone")
    sign_in_with_link(page, inbox, live_server, "nl", LATE_CANDIDATE)
    problems = check(page, ["/"], "Lotte")
    assert not problems, f"{len(problems)} focus problem(s):\n" + "\n".join(problems)


def test_hr_sees_where_focus_is(open_page, live_server: LiveServer, inbox: Inbox):
    page = open_page("desktop")
    sign_in_with_link(page, inbox, live_server, "nl", HR)
    visit = sam_visit(live_server)
    paths = ["/hr", "/hr/visits", f"/hr/visits/{visit}", "/hr/questions", "/hr/stories"]
    paths.append("/hr/people")
    problems = check(page, paths, "Fatima")
    assert not problems, f"{len(problems)} focus problem(s):\n" + "\n".join(problems)
