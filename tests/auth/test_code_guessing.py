"""Sign-in codes: one live code per account, and wrong guesses counted per account.

An attacker who asks for someone's sign-in e-mail is "the browser that asked", so the
code is bound to them; what stops guessing is that each new code replaces the earlier
ones and that guesses are counted for the account, whichever browser or code they use.
"""

from __future__ import annotations

from typing import Any

from tests.auth.test_sign_in import ask_link, code_in, confirm, link_token
from tests.conftest import get_csrf
from tests.parallel import post_in_parallel

VICTIM = "sam@example.org"


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def use_browser(client: Any, cookies: dict[str, str]) -> None:
    """Make the test client act as the browser whose cookies these are."""
    client.cookies.clear()
    for name, value in cookies.items():
        client.cookies.set(name, value)


def new_browser_asks(client: Any, deliver: Any, email: str = VICTIM) -> tuple[dict[str, str], Any]:
    """A fresh browser asks for the sign-in e-mail; its cookies and the e-mail it caused."""
    client.cookies.clear()
    assert ask_link(client, email).status_code == 200
    return dict(client.cookies.items()), deliver()[-1]


def outcome(response: Any) -> str:
    """What a code attempt came to, as the person reads it."""
    if response.status_code == 303:
        return "signed in"
    if response.status_code == 429:
        return "429"
    text = response.text
    for label, phrases in {
        "wrong": ("Die code klopt niet", "That code is not right"),
        "too many": ("Te veel verkeerde codes", "Too many wrong codes"),
        "no code": ("wacht geen code", "no code waiting"),
    }.items():
        if response.status_code == 422 and any(p in text for p in phrases):
            return label
    return f"{response.status_code}?"


def try_code(client: Any, code: str) -> str:
    return outcome(
        client.post("/login/confirm", data={"code": code, "csrf_token": get_csrf(client)})
    )


def test_only_the_newest_code_of_a_browser_signs_in(client, make_user, deliver):
    make_user(email=VICTIM)
    _browser, first = new_browser_asks(client, deliver)
    assert ask_link(client, VICTIM).status_code == 200
    second = deliver()[-1]
    assert try_code(client, code_in(first)) == "wrong"
    assert try_code(client, code_in(second)) == "signed in"


def test_a_new_code_for_the_address_voids_the_code_in_another_browser(client, make_user, deliver):
    make_user(email=VICTIM)
    own, own_mail = new_browser_asks(client, deliver)
    new_browser_asks(client, deliver)  # someone else asks for the same address
    use_browser(client, own)
    assert try_code(client, code_in(own_mail)) == "no code"
    # The link in the same e-mail still signs in: nobody is locked out.
    assert confirm(client, link_token(own_mail)).status_code == 303


def test_wrong_codes_are_counted_per_account_across_browsers_and_codes(
    client, make_user, deliver, settings
):
    make_user(email=VICTIM)
    assert settings.code_attempts == 5
    _first, first_mail = new_browser_asks(client, deliver)
    for _ in range(3):
        assert try_code(client, wrong(code_in(first_mail))) == "wrong"
    _second, second_mail = new_browser_asks(client, deliver)
    for _ in range(2):
        assert try_code(client, wrong(code_in(second_mail))) == "wrong"
    # Five guesses spent on the account: even the right code is no longer compared …
    assert try_code(client, code_in(second_mail)) == "too many"
    # … but the link in the e-mail still works.
    assert confirm(client, link_token(second_mail)).status_code == 303


def test_parallel_guesses_cannot_pass_the_account_limit(client, make_user, deliver):
    make_user(email=VICTIM)
    _first, first_mail = new_browser_asks(client, deliver)
    for _ in range(3):
        assert try_code(client, wrong(code_in(first_mail))) == "wrong"
    _second, second_mail = new_browser_asks(client, deliver)
    guess = wrong(code_in(second_mail))
    bodies = [{"code": guess, "csrf_token": get_csrf(client)} for _ in range(10)]
    outcomes = sorted(outcome(r) for r in post_in_parallel(client, "/login/confirm", bodies))
    assert outcomes == ["too many"] * 8 + ["wrong"] * 2


def test_locked_codes_of_one_account_leave_other_accounts_alone(client, make_user, deliver):
    make_user(email=VICTIM)
    make_user(email="noor@example.org")
    _attacker, mail = new_browser_asks(client, deliver)
    for _ in range(5):
        try_code(client, wrong(code_in(mail)))
    assert try_code(client, code_in(mail)) == "too many"
    _own, own_mail = new_browser_asks(client, deliver, "noor@example.org")
    assert try_code(client, code_in(own_mail)) == "signed in"


def test_codes_can_be_tried_again_in_the_next_window(client, make_user, deliver, clock):
    make_user(email=VICTIM)
    _browser, mail = new_browser_asks(client, deliver)
    for _ in range(5):
        try_code(client, wrong(code_in(mail)))
    assert try_code(client, code_in(mail)) == "too many"
    clock.advance(minutes=16)
    _browser, fresh = new_browser_asks(client, deliver)
    assert try_code(client, code_in(fresh)) == "signed in"


def test_code_entry_is_limited_per_client(client, settings):
    """Guessing without any code waiting still counts, per client address: then 429."""
    outcomes = [try_code(client, "123456") for _ in range(settings.login_rate_per_client + 1)]
    assert outcomes[:-1] == ["no code"] * settings.login_rate_per_client
    assert outcomes[-1] == "429"


def test_a_sign_in_starts_a_fresh_allowance(client, make_user, deliver):
    """Only guesses since the account's last sign-in count: its real reader, who mistypes
    now and then but does sign in, is never shut out."""
    make_user(email=VICTIM)
    _cookies, mail = new_browser_asks(client, deliver)
    for _ in range(4):
        assert try_code(client, wrong(code_in(mail))) == "wrong"
    assert try_code(client, code_in(mail)) == "signed in"
    _cookies, mail = new_browser_asks(client, deliver)
    assert try_code(client, wrong(code_in(mail))) == "wrong"
    assert try_code(client, code_in(mail)) == "signed in"
