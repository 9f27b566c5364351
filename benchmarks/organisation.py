"""The rows of a generated organisation, as plain dicts per table, built in memory.

Everything is drawn from one seeded ``Random``, so a scale and a seed always give the same
organisation (only ids that the portal makes random, and the clock, differ from run to
run). Row ids are given here rather than by the database, so rows that refer to each other
can be written in bulk without reading anything back.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from random import Random
from typing import Any
from zoneinfo import ZoneInfo

from benchmarks import texts
from portal.models import (
    AgendaKind,
    Attendance,
    Outcome,
    Role,
    StoryStatus,
    TravelMode,
    VisitStatus,
)
from portal.security import Keyring

ZONE = ZoneInfo("Europe/Amsterdam")
Row = dict[str, Any]
# Visits start this many days before today and run until this many days after it.
DAYS_BACK, DAYS_AHEAD = 700, 30
SHOWCASE = "bench-showcase"  # external id of the visit the runner signs in for
# Share of each story state (working copies); every state gets at least one story.
STORY_STATES = {
    StoryStatus.PUBLISHED: 0.50,
    StoryStatus.DRAFT: 0.10,
    StoryStatus.SUBMITTED: 0.10,
    StoryStatus.CHANGES_REQUESTED: 0.075,
    StoryStatus.REJECTED: 0.05,
    StoryStatus.UNPUBLISHED: 0.075,
    StoryStatus.ARCHIVED: 0.10,
}
# How questions stand, before and after their visit.
PAST_STATES = {
    "answered": 0.925,
    "withdrawn": 0.07,
    "received": 0.002,
    "routed": 0.002,
    "drafted": 0.001,
}
COMING_STATES = {
    "received": 0.30,
    "routed": 0.15,
    "drafted": 0.10,
    "answered": 0.40,
    "withdrawn": 0.05,
}


@dataclass(frozen=True)
class Sizes:
    """How much of everything: ``scale`` 1 is the organisation of issue 13."""

    visits: int
    questions: int
    staff: int
    hr: int
    stories: int

    @classmethod
    def at(cls, scale: float) -> Sizes:
        def scaled(n: int, least: int) -> int:
            return max(least, round(n * scale))

        return cls(
            visits=scaled(10_000, 20),
            questions=scaled(100_000, 40),
            staff=scaled(500, 20),
            hr=scaled(10, 2),
            stories=scaled(200, len(STORY_STATES) * 2),
        )


@dataclass
class Tables:
    """Rows per table name (benchmarks.generate writes the tables in foreign-key order)."""

    rows: dict[str, list[Row]] = field(default_factory=dict)

    def add(self, table: str, row: Row) -> int:
        """Add ``row``; returns its number in the table, from 1 (its id, where it has one)."""
        rows = self.rows.setdefault(table, [])
        rows.append(row)
        return len(rows)

    def count(self, table: str) -> int:
        return len(self.rows.get(table, []))


def weighted(rng: Random, shares: dict[Any, float]) -> Any:
    return rng.choices(list(shares), weights=list(shares.values()))[0]


def local(day: date, hhmm: str) -> datetime:
    hours, minutes = map(int, hhmm.split(":"))
    return datetime.combine(day, time(hours, minutes), tzinfo=ZONE).astimezone(UTC)


class Organisation:
    """Builds the rows of people and visits (benchmarks.content adds what they wrote).
    The pictures' rows come first (benchmarks.generate.pictures): profiles point at them."""

    def __init__(self, sizes: Sizes, *, now: datetime, keyring: Keyring, seed: int) -> None:
        self.sizes = sizes
        self.now = now
        self.today = now.astimezone(ZONE).date()
        self.keyring = keyring
        # Seeded, so a scale and a seed give the same organisation: test data, not secrets.
        self.rng = Random(seed)  # noqa: S311
        self.t = Tables()
        self.hr: list[int] = []
        self.by_department: dict[str, list[int]] = {}
        self.visits: list[Row] = []
        self.panels: dict[int, list[int]] = {}

    def public_id(self) -> str:
        """Like portal.models.new_public_id (22 URL-safe characters), drawn from the seed."""
        raw = self.rng.getrandbits(128).to_bytes(16, "big")
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    def ago(self, low_days: float, high_days: float) -> datetime:
        return self.now - timedelta(days=self.rng.uniform(low_days, high_days))

    # ---- people ------------------------------------------------------------------------

    def staff(self, photos: list[int]) -> None:
        rng = self.rng
        departments = [d for d in texts.DEPARTMENTS if d != "People & Culture"]
        for n in range(self.sizes.staff):
            is_hr = n < self.sizes.hr
            role = (Role.ADMIN if n == self.sizes.hr - 1 else Role.HR) if is_hr else Role.EMPLOYEE
            department = "People & Culture" if is_hr else rng.choice(departments)
            full_name = texts.name(rng)
            active = is_hr or rng.random() > 0.03
            user_id = self.user(full_name, role, "zuiderlicht.example", self.ago(60, 1500), active)
            visible = is_hr or rng.random() > 0.1
            if is_hr:
                self.hr.append(user_id)
            elif active and visible:
                self.by_department.setdefault(department, []).append(user_id)
            self.t.add(
                "staff_profiles",
                {
                    "user_id": user_id,
                    "job_title": rng.choice(texts.JOB_TITLES[department]),
                    "department": department,
                    "pronouns": rng.choice(texts.PRONOUNS),
                    "bio": texts.bio(rng, rng.choice(texts.TEAMS)),
                    "photo_id": rng.choice(photos) if photos and rng.random() < 0.8 else None,
                    "linkedin_url": (
                        f"https://www.linkedin.com/in/example-{user_id}"
                        if rng.random() < 0.4
                        else None
                    ),
                    "phone": f"+31 30 {rng.randint(100, 999)} {rng.randint(1000, 9999)}",
                    "visible_to_candidates": visible,
                    "updated_at": self.ago(1, 60),
                },
            )

    def user(self, full_name: str, role: Role, domain: str, created: datetime, active: bool) -> int:
        n = self.t.count("users") + 1
        return self.t.add(
            "users",
            {
                "id": n,
                "public_id": self.public_id(),
                "email": texts.email_of(full_name, n, domain),
                "name": full_name,
                "role": role,
                "locale": self.rng.choice(("nl", "nl", "en", None)),
                "is_active": active,
                "created_at": created,
                "last_sign_in_at": None,
            },
        )

    # ---- visits ------------------------------------------------------------------------

    def locations(self) -> None:
        for office, address in texts.OFFICES:
            self.t.add(
                "locations",
                {
                    "id": self.t.count("locations") + 1,
                    "public_id": self.public_id(),
                    "name": office,
                    "address": address,
                    "arrival_notes": texts.ARRIVAL,
                },
            )

    def visit_days(self) -> list[date]:
        """A working day for every visit, in date order; the first is the showcase's
        (the next working day), the one the runner opens as the candidate."""
        first = self.today - timedelta(days=DAYS_BACK)
        days = [first + timedelta(days=d) for d in range(DAYS_BACK + DAYS_AHEAD + 1)]
        working = [d for d in days if d.weekday() < 5]
        showcase = next(d for d in working if d > self.today)
        drawn = sorted(self.rng.choice(working) for _ in range(self.sizes.visits - 1))
        return [showcase, *drawn]

    def all_visits(self) -> None:
        days = self.visit_days()
        # Most candidates come once; about one visit in twelve is a recent candidate's next
        # round (never the showcase's candidate, who has one visit).
        candidates: list[int] = []
        for n, day in enumerate(days):
            again = n > 0 and len(candidates) > 1 and self.rng.random() < 0.08
            recent = candidates[max(1, len(candidates) - 40) :]
            candidate = self.rng.choice(recent) if again else self.candidate(day)
            if not again:
                candidates.append(candidate)
            self.visit(n, day, candidate)

    def candidate(self, day: date) -> int:
        created = local(day, "09:00") - timedelta(days=self.rng.uniform(14, 40))
        return self.user(
            texts.name(self.rng), Role.CANDIDATE, "example.org", min(created, self.now), True
        )

    def visit(self, n: int, day: date, candidate: int) -> None:
        rng = self.rng
        showcase = n == 0
        department = self.largest_department() if showcase else rng.choice(list(self.by_department))
        starts = local(day, rng.choice(("09:00", "09:30", "10:00", "13:00")))
        visit_id = n + 1
        self.panels[visit_id] = self.panel(department)
        host = rng.choice(self.hr)
        items = self.agenda(visit_id, starts, host, 8 if showcase else rng.randint(4, 10))
        invited = None if (not showcase and rng.random() < 0.03) else starts - timedelta(days=10)
        invited = min(invited, self.now) if invited else None
        row = {
            "id": visit_id,
            "public_id": self.public_id(),
            "external_id": SHOWCASE if showcase else None,
            "candidate_id": candidate,
            "host_id": host,
            "location_id": rng.randint(1, self.t.count("locations")),
            "position": rng.choice(texts.JOB_TITLES[department]),
            "department": department,
            "starts_at": starts,
            "ends_at": items[-1]["ends_at"],
            "timezone": "Europe/Amsterdam",
            "status": VisitStatus.CANCELLED
            if not showcase and rng.random() < 0.04
            else VisitStatus.SCHEDULED,
            "arrival_notes": "Neem een identiteitsbewijs mee." if rng.random() < 0.3 else "",
            "invited_at": invited,
            "first_signed_in_at": invited + timedelta(hours=5)
            if invited and invited + timedelta(hours=5) < self.now and rng.random() < 0.85
            else None,
            "reminder_queued_at": None,
            **self.outcome(day, starts),
            "version": 1,
            "created_at": min(starts - timedelta(days=12), self.now),
            "updated_at": min(starts - timedelta(days=11), self.now),
        }
        self.t.add("visits", row)
        self.visits.append(row)
        if invited:
            self.preferences(row)
            self.t.add("outbox_emails", self.sent_mail("invitation", candidate, invited))

    def outcome(self, day: date, starts: datetime) -> Row:
        """How a past visit ended (a few are still undecided); coming ones have none."""
        if starts > self.now or self.rng.random() < 0.15:
            return {"outcome": None, "decided_on": None}
        decided = day + timedelta(days=self.rng.randint(1, 21))
        if decided >= self.today:
            return {"outcome": None, "decided_on": None}
        shares = {Outcome.REJECTED: 0.65, Outcome.HIRED: 0.2, Outcome.WITHDRAWN: 0.15}
        return {"outcome": weighted(self.rng, shares), "decided_on": decided}

    def largest_department(self) -> str:
        return max(self.by_department, key=lambda d: len(self.by_department[d]))

    def panel(self, department: str) -> list[int]:
        """The colleagues a candidate meets: mostly from the visit's own department."""
        own = self.by_department[department]
        others = [p for d, people in self.by_department.items() if d != department for p in people]
        panel = self.rng.sample(own, min(len(own), self.rng.randint(2, 5)))
        return panel + self.rng.sample(others, min(len(others), 1))

    def agenda(self, visit_id: int, starts: datetime, host: int, count: int) -> list[Row]:
        rng = self.rng
        panel = self.panels[visit_id]
        internal = count >= 5 and rng.random() < 0.4  # a debrief at the end, staff only
        middle = rng.sample(texts.AGENDA[1:], count - 1 - internal)
        # The closing conversation, when there is one, comes last (before a debrief).
        middle.sort(key=lambda entry: entry is texts.AGENDA[-1])
        plan = [texts.AGENDA[0], *middle]
        if internal:
            plan.append(("other", "Debrief interviewers", ""))
        items, at = [], starts
        for position, (kind, title, room) in enumerate(plan):
            ends = at + timedelta(minutes=rng.choice((30, 45, 60, 60, 75)))
            hidden = internal and position == len(plan) - 1
            item_id = self.t.add(
                "agenda_items",
                {
                    "id": self.t.count("agenda_items") + 1,
                    "public_id": self.public_id(),
                    "visit_id": visit_id,
                    "external_id": None,
                    "position": position,
                    "starts_at": at,
                    "ends_at": ends,
                    "kind": AgendaKind(kind),
                    "title": title,
                    "internal_title": f"Ronde {position}" if kind == "interview" else "",
                    "room": room,
                    "description": rng.choice(texts.DESCRIPTIONS),
                    "visible_to_candidate": not hidden,
                    "sequence": 0,
                },
            )
            for person in self.people_for(kind, position, host, panel, hidden):
                self.t.add("agenda_interviewers", {"agenda_item_id": item_id, "user_id": person})
            items.append(self.t.rows["agenda_items"][-1])
            at = ends + timedelta(minutes=rng.choice((0, 0, 15)))
        return items

    def people_for(
        self, kind: str, position: int, host: int, panel: list[int], hidden: bool
    ) -> list[int]:
        if position == 0:
            return [host]
        if kind == "break":
            return []
        wanted = {"lunch": 3, "interview": 2}.get(kind, 1) if not hidden else 2
        return self.rng.sample(panel, min(len(panel), self.rng.randint(1, wanted)))

    def preferences(self, visit: Row) -> None:
        """The candidate's answers, on two visits in three; diet and accessibility are
        sealed like the portal seals them, and blanked a week after the visit (as the
        retention job does)."""
        rng = self.rng
        if rng.random() > 0.65:
            return
        erased = visit["ends_at"] + timedelta(days=7) < self.now
        diet = "" if erased or rng.random() > 0.25 else rng.choice(("Vegetarisch", "Halal"))
        access = "" if erased or rng.random() > 0.05 else "Ik gebruik een rolstoel."
        self.t.add(
            "visit_preferences",
            {
                "visit_id": visit["id"],
                "attendance": Attendance.CONFIRMED
                if rng.random() < 0.92
                else Attendance.RESCHEDULE,
                "reschedule_reason": "",
                "diet": self.keyring.seal_answer(diet) if diet else "",
                "accessibility": self.keyring.seal_answer(access) if access else "",
                "travel_mode": rng.choice(list(TravelMode)),
                "needs_parking": rng.random() < 0.2,
                "wants_travel_reimbursement": rng.random() < 0.3,
                "note": "",
                "updated_at": min(visit["invited_at"] + timedelta(days=1), self.now),
                "erased_at": visit["ends_at"] + timedelta(days=7) if erased else None,
            },
        )

    def sent_mail(self, kind: str, user_id: int, at: datetime, failed: bool = False) -> Row:
        n = self.t.count("outbox_emails") + 1
        return {
            "id": n,
            "kind": kind,
            "recipient": self.t.rows["users"][user_id - 1]["email"],
            "message_id": f"<bench-{n}@portal.example>",
            "payload": None,
            "status": "failed" if failed else "sent",
            "attempts": 8 if failed else 1,
            "next_attempt_at": at,
            "claimed_until": None,
            "last_error": "550 mailbox unavailable" if failed else "",
            "dedupe_key": None,
            "created_at": at,
            "sent_at": None if failed else at,
        }

    def failed_mails(self) -> None:
        for visit in self.visits[-3:]:
            at = self.ago(0.1, 3)
            self.t.add(
                "outbox_emails", self.sent_mail("invitation", visit["candidate_id"], at, True)
            )
