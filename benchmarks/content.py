"""What people wrote in the generated organisation: candidates' questions (and HR's and
colleagues' answers), staff's stories, and HR's saved programmes."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

from benchmarks import texts
from benchmarks.organisation import (
    COMING_STATES,
    PAST_STATES,
    STORY_STATES,
    Organisation,
    Row,
    weighted,
)
from portal.demo import TEMPLATE
from portal.markdown import word_count
from portal.models import QuestionStatus, StoryStatus
from portal.questions.service import MAX_PER_VISIT
from portal.stories.forms import THEMES
from portal.stories.service import slug_base


def questions(org: Organisation) -> None:
    """``sizes.questions`` questions over the invited visits (at most MAX_PER_VISIT each).
    The showcase visit gets one in every state, so every state exists at any scale."""
    rng = org.rng
    showcase, *others = org.visits
    for status in [*QuestionStatus, QuestionStatus.ANSWERED]:
        question(org, showcase, status)
    askable = [v for v in others if v["invited_at"] is not None]
    asked: Counter[int] = Counter()
    for _ in range(org.sizes.questions - org.t.count("questions")):
        visit = rng.choice(askable)
        while asked[visit["id"]] >= MAX_PER_VISIT:
            visit = rng.choice(askable)
        asked[visit["id"]] += 1
        shares = PAST_STATES if visit["starts_at"] < org.now else COMING_STATES
        question(org, visit, QuestionStatus(weighted(rng, shares)))


def question(org: Organisation, visit: Row, status: QuestionStatus) -> None:
    rng = org.rng
    since = visit["invited_at"]
    until = max(min(visit["starts_at"], org.now), since + timedelta(minutes=1))
    created = since + (until - since) * rng.random()
    routed = status in (QuestionStatus.ROUTED, QuestionStatus.DRAFTED)
    by_colleague = routed or (status == QuestionStatus.ANSWERED and rng.random() < 0.2)
    assignee = rng.choice(org.panels[visit["id"]]) if by_colleague else None
    answered = status == QuestionStatus.ANSWERED
    answered_at = min(created + timedelta(hours=rng.uniform(1, 72)), org.now) if answered else None
    n = org.t.count("questions") + 1
    org.t.add(
        "questions",
        {
            "id": n,
            "public_id": org.public_id(),
            "visit_id": visit["id"],
            "candidate_id": visit["candidate_id"],
            "idempotency_key": f"bench-{n}",
            "body": rng.choice(texts.QUESTIONS),
            "ask_in_person": rng.random() < 0.1,
            "status": status,
            "assignee_id": assignee,
            "internal_note": rng.choice(texts.NOTES) if assignee else "",
            "draft": texts.answer(rng) if status == QuestionStatus.DRAFTED else "",
            "return_note": "",
            "answer": texts.answer(rng) if answered else "",
            "answered_by_id": (assignee or visit["host_id"]) if answered else None,
            "created_at": created,
            "updated_at": answered_at or created,
            "answered_at": answered_at,
            "version": 1 if status == QuestionStatus.RECEIVED else 2,
        },
    )


def story_states(count: int) -> list[StoryStatus]:
    """``count`` states in STORY_STATES' shares, each at least once; the rest published."""
    states = [s for s, share in STORY_STATES.items() for _ in range(max(1, round(count * share)))]
    states = [s for s in states if s != StoryStatus.PUBLISHED]
    return [*states, *[StoryStatus.PUBLISHED] * max(1, count - len(states))]


def stories(org: Organisation, covers: list[int]) -> None:
    rng = org.rng
    department_of = {p: d for d, people in org.by_department.items() for p in people}
    authors = sorted(department_of)
    for state in story_states(org.sizes.stories):
        author = rng.choice(authors)
        team = rng.choice(texts.TEAMS)
        title = rng.choice(texts.STORY_TITLES).format(team=team)
        body = texts.story_body(rng)
        written = org.ago(20, 650)
        published = written + timedelta(days=rng.uniform(1, 10))
        ever_online = state in (
            StoryStatus.PUBLISHED,
            StoryStatus.UNPUBLISHED,
            StoryStatus.ARCHIVED,
        )
        reviewed = ever_online or state in (StoryStatus.CHANGES_REQUESTED, StoryStatus.REJECTED)
        note = rng.choice(texts.REVIEW_NOTES) if state == StoryStatus.CHANGES_REQUESTED else ""
        story_id = org.t.count("stories") + 1
        org.t.add(
            "stories",
            {
                "id": story_id,
                "public_id": org.public_id(),
                "author_id": author,
                "slug": f"{slug_base(title)}-{story_id}" if ever_online else None,
                "status": state,
                "working_number": 1,
                "live_number": 1 if state == StoryStatus.PUBLISHED else None,
                "review_note": note,
                "first_published_at": published if ever_online else None,
                "created_at": written,
                "updated_at": published if reviewed else written,
                "idempotency_key": None,
                "version": 3 if reviewed else 1,
            },
        )
        cover = rng.choice(covers) if covers and rng.random() < 0.5 else None
        org.t.add(
            "story_revisions",
            {
                "id": story_id,
                "story_id": story_id,
                "number": 1,
                "title": title,
                "teaser": rng.choice(texts.STORY_TEASERS),
                "body": body,
                "words": word_count(body),
                "language": rng.choice(("nl", "nl", "en")),
                "department": department_of[author],
                "team": team,
                "themes": rng.sample(THEMES, rng.randint(1, 3)),
                "image_id": cover,
                "image_alt": "Een getekend landschap" if cover else "",
                "created_at": written,
                "updated_at": written,
                "submitted_at": written if state != StoryStatus.DRAFT else None,
                "reviewed_at": published if reviewed else None,
                "reviewer_id": org.hr[0] if reviewed else None,
                "review_note": note,
                "published_at": published if ever_online else None,
            },
        )


def agenda_templates(org: Organisation) -> None:
    """HR's saved programmes: the demo's, once per office-like department."""
    for department in ("Engineering", "Sales", "Operations"):
        items: list[dict[str, Any]] = [
            {"description": "", "internal_title": "", "room": "", "visible_to_candidate": True}
            | item
            | {"interviewers": []}
            for item in TEMPLATE["items"]
        ]
        org.t.add(
            "agenda_templates",
            {
                "id": org.t.count("agenda_templates") + 1,
                "public_id": org.public_id(),
                "name": f"{department} op locatie, hele dag",
                "department": department,
                "day_start": TEMPLATE["day_start"],
                "items": items,
                "created_by_id": org.hr[0],
                "created_at": org.ago(100, 400),
                "updated_at": org.ago(1, 99),
            },
        )
