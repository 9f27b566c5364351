"""What readers see: only what is online, the stories that matter to them first."""

from __future__ import annotations

import re
from typing import Any

import html5lib

from portal.models import StaffProfile, User
from tests.factories import create_story, create_user, create_visit


def titles(html: str) -> list[str]:
    """Story titles in the order the page shows them."""
    return re.findall(r'<h[34] id="story-[^"]+"><a href="/stories/[^"]+">([^<]+)</a>', html)


def setup_reader(run: Any) -> dict[str, Any]:
    async def setup(db: Any) -> dict[str, Any]:
        candidate = await create_user(db, name="Sam de Vries", locale="nl")
        interviewer = await create_user(db, role="employee", name="Eline Jansen")
        sales = await create_user(db, role="employee", name="Bram Sales")
        engineer = await create_user(db, role="employee", name="Daan Verhoeven")
        await create_visit(
            db, candidate=candidate, department="Engineering", interviewers=[interviewer]
        )
        # interviewer writes for another department: still relevant (the candidate meets her)
        await create_story(db, author=interviewer, title="Eline over Product", department="Product")
        await create_story(db, author=engineer, title="Engineering in English", language="en")
        await create_story(db, author=engineer, title="Engineering in het Nederlands")
        await create_story(db, author=sales, title="Sales oud", department="Sales")
        await create_story(db, author=sales, title="Sales nieuw", department="Sales")
        await create_story(db, author=engineer, title="Nog niet online", status="submitted")
        await create_story(db, author=engineer, title="Gearchiveerd", status="archived")
        return {"candidate": candidate, "interviewer": interviewer, "sales": sales}

    result: dict[str, Any] = run(setup)
    return result


def test_relevant_first_then_language_then_newest(client, run, login_as):
    people = setup_reader(run)
    login_as(people["candidate"])
    page = client.get("/stories")
    assert page.status_code == 200
    assert titles(page.text) == [
        # for your visit: Dutch first (newest first), then the English one
        "Engineering in het Nederlands",
        "Eline over Product",
        "Engineering in English",
        # the rest
        "Sales nieuw",
        "Sales oud",
    ]
    assert "Nog niet online" not in page.text and "Gearchiveerd" not in page.text
    # A story in another language is marked with its language.
    assert page.text.count("in het Engels") == 1


def test_the_visit_page_shows_three_relevant_stories(client, run, login_as, count_queries):
    people = setup_reader(run)
    login_as(people["candidate"])
    with count_queries() as queries:
        home = client.get("/")
    assert titles(home.text) == [
        "Engineering in het Nederlands",
        "Eline over Product",
        "Engineering in English",
    ]
    # The session, the visit, its agenda, its people; what ranking needs of the stories
    # online, then the three chosen whole.
    assert len(queries) <= 6, queries


def test_query_count_does_not_grow_with_stories(client, run, login_as, count_queries):
    people = setup_reader(run)
    login_as(people["candidate"])
    with count_queries() as before:
        client.get("/stories")

    async def more(db: Any) -> None:
        for n in range(25):
            await create_story(db, author=people["sales"], title=f"Extra {n}", department="Sales")

    run(more)
    with count_queries() as after:
        page = client.get("/stories")
    assert len(titles(page.text)) == 30
    assert len(after) == len(before) <= 4, after


def test_filter_by_theme_and_team(client, run, login_as):
    async def setup(db: Any) -> User:
        author = await create_user(db, role="employee")
        await create_story(db, author=author, title="Groeien", themes=["growth"], team="Data")
        await create_story(db, author=author, title="Inwerken", themes=["onboarding"])
        return await create_user(db)

    login_as(run(setup))
    assert titles(client.get("/stories?theme=growth").text) == ["Groeien"]
    assert titles(client.get("/stories?team=data").text) == ["Groeien"]
    # An unknown theme is ignored rather than an error.
    assert len(titles(client.get("/stories?theme=<script>").text)) == 2
    # htmx asks for the results only.
    fragment = client.get("/stories?theme=onboarding", headers={"HX-Request": "true"})
    assert "<html" not in fragment.text and titles(fragment.text) == ["Inwerken"]


def test_author_shown_as_candidates_may_see_them(client, run, login_as):
    async def setup(db: Any) -> dict[str, Any]:
        visible = await create_user(db, role="employee", name="Zichtbaar Persoon")
        hidden = await create_user(db, role="employee", name="Verborgen Persoon", visible=False)
        gone = await create_user(db, role="employee", name="Vertrokken Persoon", is_active=False)
        stories = {
            "visible": await create_story(db, author=visible, title="Zichtbaar"),
            "hidden": await create_story(db, author=hidden, title="Verborgen"),
            "gone": await create_story(db, author=gone, title="Vertrokken"),
        }
        return {"reader": await create_user(db), "stories": stories, "visible": visible}

    data = run(setup)
    login_as(data["reader"])
    page = client.get(f"/stories/{data['stories']['visible'].slug}").text
    assert f'href="/people/{data["visible"].public_id}"' in page
    page = client.get(f"/stories/{data['stories']['hidden'].slug}").text
    assert "Verborgen Persoon" in page and 'href="/people/' not in page
    page = client.get(f"/stories/{data['stories']['gone'].slug}").text
    assert "Werkt hier niet meer" in page and 'href="/people/' not in page


def test_withdrawing_visibility_hides_the_photo_at_once(client, run, login_as):
    """A colleague who is no longer visible to candidates keeps their story, not their face."""
    from portal.models import Image

    async def setup(db: Any) -> dict[str, Any]:
        author = await create_user(db, role="employee", name="Foto Persoon")
        photo = Image(owner_id=author.id, width=480, height=480, widths=[480])
        db.add(photo)
        await db.flush()
        profile = await db.get(StaffProfile, author.id)
        profile.photo_id = photo.id
        story = await create_story(db, author=author, title="Met foto")
        return {"reader": await create_user(db), "story": story, "photo": photo, "author": author}

    data = run(setup)
    login_as(data["reader"])
    assert data["photo"].public_id in client.get(f"/stories/{data['story'].slug}").text

    async def hide(db: Any) -> None:
        profile = await db.get(StaffProfile, data["author"].id)
        profile.visible_to_candidates = False

    run(hide)
    assert data["photo"].public_id not in client.get(f"/stories/{data['story'].slug}").text


def test_a_story_body_cannot_make_requests(client, run, login_as):
    async def setup(db: Any) -> dict[str, Any]:
        author = await create_user(db, role="employee")
        body = (
            '<div hx-get="/logout" hx-trigger="load">x</div>\n\n'
            "[klik](javascript:alert(1)) <img src=x onerror=alert(1)>\n\n"
            "[extern](https://example.com/pagina)"
        )
        story = await create_story(db, author=author, title="Poging", body=body)
        return {"reader": await create_user(db), "story": story}

    data = run(setup)
    login_as(data["reader"])
    page = client.get(f"/stories/{data['story'].slug}").text
    tree = html5lib.parse(page, treebuilder="etree", namespaceHTMLElements=False)
    prose = tree.find(".//div[@class='prose']")
    assert prose is not None and "hx-disable" in prose.attrib  # the second wall
    elements = list(prose.iter())[1:]
    assert {e.tag for e in elements} <= {"p", "a"}
    for element in elements:
        assert not any(name.startswith(("hx-", "data-", "on")) for name in element.attrib)
    links = [e.attrib for e in elements if e.tag == "a"]
    assert links == [{"href": "https://example.com/pagina", "rel": "noopener noreferrer nofollow"}]
    # The attempts are shown as text, harmlessly.
    assert "hx-get" in "".join(prose.itertext())
