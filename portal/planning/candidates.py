"""What HR does for or about a visit's candidate: the invitation (a sign-in link by
e-mail), signing them out everywhere, erasing them at their request. Every step is
audited."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from portal import audit
from portal.auth.service import create_token, link_for, sign_out_everywhere
from portal.mail.mailer import Mailer
from portal.models import TokenPurpose, User, Visit


async def invite(
    db: AsyncSession, *, actor: User, visit: Visit, now: datetime, mailer: Mailer
) -> None:
    """E-mail the invitation: a sign-in link that lasts longer than an ordinary one
    (PORTAL_INVITATION_LINK_DAYS), used once; an expired or used link offers a fresh one.
    Sending again makes a new link; the old one still works until it is used or expires."""
    settings = mailer.settings
    token, _code = create_token(
        db,
        keyring=mailer.keyring,
        settings=settings,
        user=visit.candidate,
        purpose=TokenPurpose.INVITATION,
        now=now,
        next_path=f"/visit/{visit.public_id}",
    )
    visible = [i for i in visit.agenda if i.visible_to_candidate]
    await mailer.queue(
        db,
        "invitation",
        to=visit.candidate,
        context={
            "visit": visit,
            "name": visit.candidate.name,
            "position": visit.position,
            "day": visit.starts_at,
            "ends": visit.ends_at,
            "zone": visit.timezone,
            "place": visit.location.name if visit.location else "",
            "address": visit.location.address if visit.location else "",
            "items": visible,
            "host": visit.host.name if visit.host else "",
            "link": link_for(settings, token),
            "days": settings.invitation_link_days,
        },
        now=now,
    )
    again = visit.invited_at is not None
    visit.invited_at = now
    audit.about(
        db, visit, actor=actor, action="visit.reinvited" if again else "visit.invited", now=now
    )


async def sign_out_candidate(db: AsyncSession, *, actor: User, visit: Visit, now: datetime) -> None:
    """End every session of the visit's candidate and void every sign-in link and code sent
    to them (invitations included), without deactivating them: for a lost phone, or a
    link forwarded to the wrong person. They can ask for a fresh link at /login."""
    await sign_out_everywhere(db, user_id=visit.candidate_id, now=now)
    audit.about(db, visit, actor=actor, action="visit.candidate_signed_out", now=now)


async def erase_candidate_now(
    db: AsyncSession, *, actor: User, visit: Visit, now: datetime
) -> None:
    """HR erases the visit's candidate at once (a request by mail or phone): everything
    about them goes, as in the retention job (``portal.privacy.erasure``)."""
    from portal.privacy.erasure import erase_candidate

    await erase_candidate(db, user_id=visit.candidate_id, now=now, reason="asked HR")
    # Who did it stays on record; whom does not (that is the point of erasing).
    audit.record(db, action="privacy.erased_by_hr", now=now, actor_id=actor.id)
