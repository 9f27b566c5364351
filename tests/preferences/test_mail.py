"""HR hears that the answers changed (never what they are), once the candidate has stopped
changing them for a while, and every change is audited."""

from __future__ import annotations

from portal.jobs import run_preference_notices
from portal.preferences.service import NOTICE_QUIET
from tests.factories import create_user, create_visit
from tests.preferences.conftest import ANSWERS, audited, post, queued, url


def test_host_gets_a_mail_with_a_link_and_without_the_answers(
    client, visit, people, as_candidate, deliver, after_quiet
):
    post(client, visit, **ANSWERS)
    assert after_quiet() == 1
    sent = deliver()
    assert [m.recipient for m in sent] == ["fatima@example.com"]
    mail = sent[0]
    assert "Sam de Vries changed their answers" in mail.subject
    assert f"http://testserver/visit/{visit.public_id}" in mail.text
    assert f'href="http://testserver/visit/{visit.public_id}"' in mail.html
    for answer in ("Vegetarian", "Step-free", "Looking forward", "parking"):
        assert answer not in mail.subject + mail.text + mail.html
    assert '<html lang="en">' in mail.html  # the host reads English


def test_without_a_host_every_active_hr_user_and_admin_is_told(
    client, people, login_as, run, deliver, after_quiet
):
    run(lambda db: create_user(db, role="hr", email="gone@example.com", is_active=False))
    visit = run(lambda db: create_visit(db, candidate=people["candidate"]))
    login_as(people["candidate"])
    post(client, visit, **ANSWERS)
    after_quiet()
    sent = {m.recipient: m for m in deliver()}
    assert set(sent) == {"fatima@example.com", "daan@example.com", "eva@example.com"}
    # Each in their own language: Daan chose none, so the default (Dutch).
    assert '<html lang="nl">' in sent["daan@example.com"].html
    assert '<html lang="en">' in sent["eva@example.com"].html
    assert all("Vegetarian" not in m.text + m.html for m in sent.values())


def test_a_host_who_is_not_hr_is_replaced_by_hr(
    client, people, login_as, run, deliver, after_quiet
):
    """Only HR may read the answers, so an employee host would get a link they can't open."""
    visit = run(
        lambda db: create_visit(db, candidate=people["candidate"], host_id=people["employee"].id)
    )
    login_as(people["candidate"])
    post(client, visit, **ANSWERS)
    after_quiet()
    recipients = {m.recipient for m in deliver()}
    assert people["employee"].email not in recipients
    assert recipients == {"fatima@example.com", "daan@example.com", "eva@example.com"}


def test_saving_the_same_answers_again_sends_nothing(client, visit, as_candidate, run, after_quiet):
    post(client, visit, **ANSWERS)
    after_quiet()
    assert len(queued(run)) == 1
    response = post(client, visit, **ANSWERS)
    assert response.status_code == 303
    assert after_quiet() == 0
    assert len(queued(run)) == 1 and len(audited(run)) == 1


def test_an_empty_first_save_tells_no_one(client, visit, as_candidate, run, after_quiet):
    assert post(client, visit).status_code == 303
    assert after_quiet() == 0
    assert queued(run) == [] and audited(run) == []


def test_nothing_is_sent_while_the_candidate_is_still_changing_answers(
    client, visit, as_candidate, run, clock, after_quiet
):
    """Each save starts the quiet period again: the mail waits for the last one."""
    post(client, visit, **ANSWERS)
    assert queued(run) == []
    clock.now += NOTICE_QUIET / 2
    post(client, visit, **{**ANSWERS, "needs_parking": ""})
    clock.now += NOTICE_QUIET / 2  # quiet since the first save, not since the second
    st = client.app.state
    assert client.portal.call(lambda: run_preference_notices(st)) == 0
    assert after_quiet() == 1
    assert len(queued(run)) == 1 and len(audited(run)) == 2


def test_a_change_after_the_quiet_period_sends_a_new_mail(
    client, visit, as_candidate, run, after_quiet
):
    post(client, visit, **ANSWERS)
    assert after_quiet() == 1
    post(client, visit, **{**ANSWERS, "needs_parking": ""})
    assert after_quiet() == 1
    assert len(queued(run)) == 2


def test_the_mail_is_queued_in_the_outbox_encrypted(client, visit, as_candidate, run, after_quiet):
    post(client, visit, **ANSWERS)
    after_quiet()
    (row,) = queued(run)
    assert row.kind == "preferences_changed" and row.recipient == "fatima@example.com"
    assert b"Vegetarian" not in row.payload and b"testserver" not in row.payload


def test_a_change_is_audited_by_field_name_only(client, visit, people, as_candidate, run):
    post(client, visit, **ANSWERS)
    post(client, visit, **{**ANSWERS, "diet": "Vegan"})
    first, second = audited(run)
    assert first.actor_id == people["candidate"].id
    assert first.subject_type == "visit" and first.subject_id == visit.public_id
    assert second.details == {"changed": ["diet"]}
    assert "Vegan" not in str(second.details) and "Vegetarian" not in str(first.details)


def test_refused_and_invalid_posts_send_nothing(
    client, visit, as_candidate, run, clock, after_quiet
):
    post(client, visit, attendance="reschedule")  # no reason: 422
    clock.now = visit.starts_at
    post(client, visit, **ANSWERS)  # too late: 409
    assert after_quiet() == 0
    assert queued(run) == [] and audited(run) == []
    assert client.get(url(visit)).status_code == 200


def test_a_double_submit_saves_once_and_mails_once(client, visit, people, run, after_quiet):
    """Two identical posts at the same moment (a double click): no error, one mail."""
    import asyncio

    from portal.db import transaction
    from portal.preferences import service
    from portal.preferences.forms import PreferencesForm

    st = client.app.state
    answers = PreferencesForm.parse(ANSWERS).answers
    candidate = people["candidate"]

    async def save_once():
        async with transaction(st.db) as db:
            page = await service.preferences_page(
                db,
                actor=candidate,
                public_id=visit.public_id,
                now=st.clock(),
                retention_days=7,
                keyring=st.keyring,
            )
            saved = await service.save_preferences(
                db,
                actor=candidate,
                page=page,
                answers=answers,
                now=st.clock(),
                keyring=st.keyring,
            )
            await asyncio.sleep(0.05)  # hold the transaction open while the other one waits
            return saved.changed

    async def both():
        return await asyncio.gather(save_once(), save_once())

    results = client.portal.call(both)
    assert sorted(bool(changed) for changed in results) == [False, True]
    after_quiet()
    assert len(queued(run)) == 1 and len(audited(run)) == 1
