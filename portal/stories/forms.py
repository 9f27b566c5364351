"""The story form: an explicit list of fields, a message per field."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from starlette.datastructures import FormData, UploadFile

from portal.i18n import gettext as _
from portal.parsing import clean_text, key_of, line_errors, new_key, one_line, version_of

# Themes are fixed keys (so they can be shown in the reader's language and filtered on);
# the team is free text.
THEMES = (
    "growth",
    "onboarding",
    "hybrid_work",
    "diversity",
    "day_in_the_life",
    "projects",
    "learning",
    "wellbeing",
)
LANGUAGES = ("nl", "en")
MAX_TITLE = 120
MAX_TEASER = 200
MAX_BODY = 20_000
MAX_THEMES = 3
MAX_TEAM = 60
MAX_ALT = 250
MAX_NOTE = 2000
# Shown on one line: in lists, on cards, as a picture's alt text and in e-mail subjects.
LINES = ("title", "teaser", "department", "team", "image_alt")


def _line(value: str) -> str:
    """One line of text: runs of spaces squeezed (a line break is refused: line_errors)."""
    return one_line(value)


@dataclass
class StoryForm:
    title: str = ""
    teaser: str = ""
    body: str = ""
    language: str = "nl"
    department: str = ""
    team: str = ""
    themes: list[str] = field(default_factory=list)
    image_alt: str = ""
    remove_image: bool = False
    version: int = 0
    # The new-story form's idempotency key: a double POST makes one story, not two.
    key: str = field(default_factory=new_key)
    # "save", "submit" (save, then send to HR) or "preview" (without JavaScript).
    intent: str = "save"
    upload: UploadFile | None = None
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_form(cls, form: FormData) -> StoryForm:
        """Only these fields are read: a posted ``status``, ``author`` or ``slug`` is ignored."""

        def text(name: str) -> str:
            value = form.get(name, "")
            return value if isinstance(value, str) else ""

        upload = form.get("cover")
        themes = [t for t in form.getlist("themes") if isinstance(t, str) and t in THEMES]
        intent = text("intent")
        story = cls(
            title=_line(text("title")),
            teaser=_line(text("teaser")),
            body=clean_text(text("body")),
            language=text("language") if text("language") in LANGUAGES else "",
            department=_line(text("department"))[:200],
            team=_line(text("team")),
            themes=list(dict.fromkeys(themes)),
            image_alt=_line(text("image_alt")),
            remove_image=text("remove_image") == "on",
            version=version_of({"version": text("version")}),
            key=key_of(text("idempotency_key")),
            intent=intent if intent in ("save", "submit", "preview") else "save",
            upload=upload if isinstance(upload, UploadFile) and upload.filename else None,
        )
        story.errors.update(line_errors({name: text(name) for name in LINES}, LINES))
        return story

    def validate(self, *, has_image: bool) -> bool:
        """Check every field; ``has_image``: the story keeps or gets a picture."""
        e = self.errors
        if not self.title and "title" not in e:
            e["title"] = _("Give your story a title.")
        elif len(self.title) > MAX_TITLE:
            e["title"] = _too_long(MAX_TITLE, self.title)
        if len(self.teaser) > MAX_TEASER:
            e["teaser"] = _too_long(MAX_TEASER, self.teaser)
        if len(self.body) > MAX_BODY:
            e["body"] = _too_long(MAX_BODY, self.body)
        if not self.language:
            e["language"] = _("Choose the language the story is written in.")
        if len(self.team) > MAX_TEAM:
            e["team"] = _too_long(MAX_TEAM, self.team)
        if len(self.themes) > MAX_THEMES:
            e["themes"] = _("Choose at most %(count)s themes.") % {"count": MAX_THEMES}
        if has_image and not self.image_alt:
            # Screen-reader users hear this instead of seeing the picture.
            e["image_alt"] = _("Describe the picture in a sentence for people who cannot see it.")
        elif len(self.image_alt) > MAX_ALT:
            e["image_alt"] = _too_long(MAX_ALT, self.image_alt)
        return not e

    def check_ready(self) -> bool:
        """What HR needs before a story can be reviewed, on top of ``validate``."""
        if not self.teaser:
            self.errors["teaser"] = _("Write a teaser: one or two sentences that invite reading.")
        if len(self.body.split()) < 30:
            self.errors["body"] = _("Too short to send for review: write at least 30 words.")
        return not self.errors

    def values(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "teaser": self.teaser,
            "body": self.body,
            "language": self.language,
            "department": self.department,
            "team": self.team,
            "themes": self.themes,
            "image_alt": self.image_alt,
        }


def _too_long(limit: int, value: str) -> str:
    return _("Please keep this under %(limit)s characters (it has %(count)s).") % {
        "limit": limit,
        "count": len(value),
    }


def clean_note(value: str) -> str:
    return clean_text(value)[:MAX_NOTE]
