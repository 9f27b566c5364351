"""The strict parsers of portal.parsing: numbers, ids, text, dates and time zones."""

from __future__ import annotations

import string
from datetime import date, time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal import parsing
from portal.parsing import (
    MAX_INT,
    filter_text,
    id_or_blank,
    is_one_line,
    is_zone,
    key_of,
    line_errors,
    one_line,
    page_of,
    parse_date,
    parse_id,
    parse_int,
    parse_time,
    version_of,
)

# ---- numbers ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "²",
        "٣",
        "１２",
        "⁵",
        "9" * 25,
        "9" * 4301,
        "-1",
        "1e3",
        "0x10",
        "1_000",
        "+5",
        " ",
        "",
        None,
    ],
)
def test_odd_numbers_are_no_numbers(value):
    assert parse_int(value) is None


def test_numbers_are_ascii_digits_within_their_range():
    assert parse_int("0") == 0
    assert parse_int("42") == 42
    assert parse_int(" 7 ") == 7
    assert parse_int(str(MAX_INT)) == MAX_INT
    assert parse_int(str(MAX_INT + 1)) is None  # PostgreSQL's INTEGER ends there
    assert parse_int("241", low=1, high=240) is None
    assert parse_int("0", low=1) is None
    assert parse_int("-3", low=-5) == -3


@given(st.text())
def test_parse_int_never_raises_and_stays_in_range(value):
    number = parse_int(value, low=1, high=240)
    assert number is None or 1 <= number <= 240


@given(st.integers(min_value=0, max_value=MAX_INT))
def test_every_number_in_range_is_read_back(number):
    assert parse_int(str(number)) == number


@given(st.text(alphabet=st.characters(categories=["Nd"]), min_size=1))
def test_digits_other_than_ascii_are_refused(value):
    if not value.isascii():
        assert parse_int(value) is None


def test_a_garbled_version_is_zero_and_a_garbled_page_is_the_first():
    assert version_of({"version": "²"}) == 0
    assert version_of({"version": "9" * 25}) == 0
    assert version_of({}) == 0
    assert version_of({"version": "3"}) == 3
    assert page_of("٣") == 1
    assert page_of("0") == 1
    assert page_of("99999") == 1
    assert page_of("4") == 4


# ---- ids and text ----------------------------------------------------------------------------


def test_ids_are_short_and_url_safe():
    assert parse_id("s4gYM0qE59JsKA6Y9b0g0g") == "s4gYM0qE59JsKA6Y9b0g0g"
    for odd in ("", "a\x00b", "x" * 33, "../etc", "a b", "é", None, 3):
        assert parse_id(odd) is None


def test_a_chosen_id_that_is_no_id_matches_nothing_rather_than_nothing_chosen():
    assert id_or_blank("") == ""
    assert id_or_blank(None) == ""
    assert id_or_blank("abc_DEF-1") == "abc_DEF-1"
    assert id_or_blank("a\x00b") == "?"  # never a valid id: the choice is refused


@given(st.text())
def test_parse_id_never_raises_and_keeps_only_safe_ids(value):
    found = parse_id(value)
    assert found is None or (
        len(found) <= 32 and set(found) <= set(string.ascii_letters + string.digits + "-_")
    )


def test_an_idempotency_key_is_kept_when_sane_and_replaced_when_odd():
    assert key_of("k1") == "k1"
    fresh = key_of("x\x00" + "k" * 500)
    assert fresh != "x\x00" + "k" * 500 and parse_id(fresh[:32])
    assert key_of(None) != key_of(None)


def test_text_keeps_line_breaks_and_drops_control_characters():
    assert parsing.clean_text(" a\r\nb\rc\x00d\x1b\te ") == "a\nb\ncd\te"


def test_one_line_text():
    assert one_line("  Noor\r\nBEGIN:VEVENT\x00 ") == "Noor BEGIN:VEVENT"
    assert is_one_line("Kantoor\tUtrecht")
    for broken in ("a\nb", "a\rb", "a\x00b", "a\u2028b", "a\x85b", "a\x0bb", "a\x7fb"):
        assert not is_one_line(broken), repr(broken)


@given(st.text())
def test_one_line_is_always_one_line(value):
    assert is_one_line(one_line(value))
    assert "\x00" not in parsing.clean_text(value)


def test_line_errors_name_each_field_with_a_break():
    errors = line_errors({"title": "a\r\nb", "room": "B 1.2", "team": 5}, ["title", "room", "team"])
    assert list(errors) == ["title"]
    assert errors["title"] == parsing.one_line_message()


def test_filter_text_is_short_and_clean():
    assert filter_text("  Engineering\x00 ", 20) == "Engineering"
    assert filter_text("x" * 500, 200) == "x" * 200
    assert filter_text(None) == ""


# ---- dates, times, zones ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "0001-01-01",
        "9999-12-31",
        "1999-12-31",
        "2101-01-01",
        "2026-02-30",
        "20261201",
        "2026-W48-2",
        "２０２６-12-01",
        "2026-12-01T09:00",
        "",
        "x" * 10_000,
        None,
    ],
)
def test_odd_dates_are_no_dates(value):
    assert parse_date(value) is None


def test_dates_within_the_window():
    assert parse_date("2000-01-01") == date(2000, 1, 1)
    assert parse_date(" 2026-12-01 ") == date(2026, 12, 1)
    assert parse_date("2100-12-31") == date(2100, 12, 31)


@given(st.dates())
def test_a_date_is_read_back_exactly_when_it_is_in_the_window(day):
    expected = day if date(2000, 1, 1) <= day <= date(2100, 12, 31) else None
    assert parse_date(day.isoformat()) == expected


@given(st.text())
def test_parse_date_and_time_never_raise(value):
    parse_date(value)
    parse_time(value)


def test_times():
    assert parse_time("09:30") == time(9, 30)
    assert parse_time("9:30") == time(9, 30)
    assert parse_time("09:30:59") == time(9, 30)
    for odd in ("25:00", "12:60", "１２:30", "1230", "12", "12:30+01:00", "", None):
        assert parse_time(odd) is None, odd


def test_time_zones_are_iana_names():
    assert is_zone("Europe/Amsterdam")
    assert is_zone("UTC")
    for odd in (
        "localtime",
        "posixrules",
        "Factory",
        "../etc",
        "/etc/localtime",
        "",
        "x" * 300,
        "Europe/Nowhere",
        "europe/amsterdam",
        None,
    ):
        assert not is_zone(odd), odd
