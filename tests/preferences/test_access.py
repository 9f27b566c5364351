"""Only the visit's own candidate opens or posts the preferences page; the rest get 404."""

from __future__ import annotations

import pytest

from tests.conftest import get_csrf
from tests.preferences.conftest import ANSWERS, post, stored, url


def test_candidate_opens_their_own_form(client, visit, as_candidate):
    page = client.get(url(visit))
    assert page.status_code == 200
    assert f'action="{url(visit)}"' in page.text and 'method="post"' in page.text


@pytest.mark.parametrize("who", ["other", "employee", "host", "hr", "admin"])
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_anyone_but_the_candidate_gets_404(client, run, visit, people, login_as, who, method):
    """HR reads the answers on the visit page; this route is the candidate's alone."""
    login_as(people[who])
    if method == "GET":
        response = client.get(url(visit))
    else:
        token = get_csrf(client, "/")
        response = client.post(url(visit), data={**ANSWERS, "csrf_token": token})
    assert response.status_code == 404
    assert stored(run, visit) is None


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_unknown_visit_is_404(client, visit, as_candidate, method):
    path = "/visit/no-such-visit/preferences"
    if method == "GET":
        response = client.get(path)
    else:
        response = client.post(path, data={**ANSWERS, "csrf_token": get_csrf(client, "/")})
    assert response.status_code == 404


def test_signed_out_visitor_is_sent_to_sign_in(client, visit):
    response = client.get(url(visit))
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=")
    assert "preferences" in response.headers["location"]


def test_signed_out_post_is_sent_to_sign_in(client, visit, run):
    response = client.post(url(visit), data={**ANSWERS, "csrf_token": get_csrf(client)})
    assert response.status_code == 303 and response.headers["location"].startswith("/login")
    assert stored(run, visit) is None


def test_post_without_csrf_token_is_refused(client, visit, as_candidate, run):
    response = post(client, visit, csrf=False, **ANSWERS)
    assert response.status_code == 403
    assert stored(run, visit) is None


def test_post_with_a_wrong_csrf_token_is_refused(client, visit, as_candidate, run):
    response = client.post(url(visit), data={**ANSWERS, "csrf_token": "forged"})
    assert response.status_code == 403
    assert stored(run, visit) is None
