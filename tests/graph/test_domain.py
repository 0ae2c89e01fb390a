"""The pure domain rules: personal identity codes, working days, media types, notices."""

import io
import itertools
import random
import zipfile
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from graph.domain import media_types, notices, personal_id, workdays
from graph.domain.notices import (
    Direction,
    OutcomeMismatch,
    Party,
    TrafficLight,
    TransitionRefused,
)
from schema.enums import DataCategory, NoticeOutcome, NoticeStatus, NoticeType

HELSINKI = ZoneInfo("Europe/Helsinki")

# --- personal identity codes ------------------------------------------------------------

# The official example, and the Digital and Population Data Services Agency's published
# examples of the century signs added in 2023 (and of the old ones).
VALID_CODES = [
    ("131052-308T", date(1952, 10, 13), 308),
    ("010594Y9021", date(1994, 5, 1), 902),
    ("020594X903P", date(1994, 5, 2), 903),
    ("030594W903B", date(1994, 5, 3), 903),
    ("040594V902Y", date(1994, 5, 4), 902),
    ("050594U903M", date(1994, 5, 5), 903),
    ("010185+902F", date(1885, 1, 1), 902),
    ("020504A902E", date(2004, 5, 2), 902),
    ("020504B904H", date(2004, 5, 2), 904),
    ("020516C903K", date(2016, 5, 2), 903),
    ("030516D9037", date(2016, 5, 3), 903),
    ("010501E9032", date(2001, 5, 1), 903),
    ("020503F9037", date(2003, 5, 2), 903),
    ("290200A902D", date(2000, 2, 29), 902),
]


@pytest.mark.parametrize(("code", "born", "individual"), VALID_CODES)
def test_parse_accepts_valid_codes(code: str, born: date, individual: int) -> None:
    parsed = personal_id.parse(code)
    assert parsed.code == code
    assert parsed.birth_date == born
    assert parsed.individual_number == individual
    assert parsed.temporary == (individual >= 900)


def test_valid_codes_cover_every_century_sign() -> None:
    signs = {code[6] for code, _, _ in VALID_CODES}
    assert signs == set("-YXWVU+ABCDEF")


def test_parse_normalises_case_and_surrounding_space() -> None:
    assert personal_id.parse(" 131052-308t ").code == "131052-308T"
    assert personal_id.parse("010594y9021").code == "010594Y9021"
    assert personal_id.parse("020516c903k").code == "020516C903K"


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("131052-308U", id="wrong check character"),
        pytest.param("131052-308G", id="a letter never used as a check character"),
        pytest.param("010594Y9022", id="wrong check character, new century sign"),
        pytest.param("310299-9028", id="31 February"),
        pytest.param("290200-902D", id="29 February 1900 (not a leap year)"),
        pytest.param("290201A902N", id="29 February 2001"),
        pytest.param("011390-902E", id="month 13"),
        pytest.param("010190-000N", id="individual number 000"),
        pytest.param("010190-001P", id="individual number 001"),
        pytest.param("131052308T", id="no century sign"),
        pytest.param("131052G308T", id="an unknown century sign"),
        pytest.param("131052-30T", id="two-digit individual number"),
        pytest.param("1310521-308T", id="seven-digit date"),
        pytest.param("131052-308TT", id="too long"),
        pytest.param("13105a-308T", id="a letter in the date"),
        pytest.param("131052 -308T", id="space inside"),
        pytest.param("", id="empty"),
        pytest.param("   ", id="blank"),
    ],
)
def test_parse_refuses(text: str) -> None:
    with pytest.raises(personal_id.InvalidPersonalId):
        personal_id.parse(text)


def test_refusals_say_what_is_wrong() -> None:
    with pytest.raises(personal_id.InvalidPersonalId, match="check character"):
        personal_id.parse("131052-308U")
    with pytest.raises(personal_id.InvalidPersonalId, match="date"):
        personal_id.parse("310299-9028")
    with pytest.raises(personal_id.InvalidPersonalId, match="individual number"):
        personal_id.parse("010190-001P")


SIGNS = {1800: "+", 1900: "-YXWVU", 2000: "ABCDEF"}


@given(
    born=st.dates(min_value=date(1850, 1, 1), max_value=date(2030, 12, 31)),
    individual=st.integers(min_value=2, max_value=999),
)
def test_make_produces_codes_parse_accepts(born: date, individual: int) -> None:
    code = personal_id.make(born, individual)
    parsed = personal_id.parse(code)
    assert parsed.code == code
    assert parsed.birth_date == born
    assert parsed.individual_number == individual


@given(
    born=st.dates(min_value=date(1850, 1, 1), max_value=date(2030, 12, 31)),
    individual=st.integers(min_value=2, max_value=999),
    pick=st.integers(min_value=0, max_value=5),
)
def test_make_with_any_sign_of_the_century(born: date, individual: int, pick: int) -> None:
    signs = SIGNS[born.year // 100 * 100]
    sign = signs[pick % len(signs)]
    code = personal_id.make(born, individual, sign)
    assert code[6] == sign
    assert personal_id.parse(code).birth_date == born


# --- working days -----------------------------------------------------------------------

HOLIDAYS = {
    2026: {
        "New Year's Day": date(2026, 1, 1),
        "Epiphany": date(2026, 1, 6),
        "Good Friday": date(2026, 4, 3),
        "Easter Monday": date(2026, 4, 6),
        "May Day": date(2026, 5, 1),
        "Ascension Day": date(2026, 5, 14),
        "Midsummer Eve": date(2026, 6, 19),
        "Midsummer Day": date(2026, 6, 20),
        "All Saints' Day": date(2026, 10, 31),
        "Independence Day": date(2026, 12, 6),
        "Christmas Eve": date(2026, 12, 24),
        "Christmas Day": date(2026, 12, 25),
        "Boxing Day": date(2026, 12, 26),
    },
    2027: {
        "New Year's Day": date(2027, 1, 1),
        "Epiphany": date(2027, 1, 6),
        "Good Friday": date(2027, 3, 26),
        "Easter Monday": date(2027, 3, 29),
        "May Day": date(2027, 5, 1),
        "Ascension Day": date(2027, 5, 6),
        "Midsummer Eve": date(2027, 6, 25),
        "Midsummer Day": date(2027, 6, 26),
        "All Saints' Day": date(2027, 11, 6),
        "Independence Day": date(2027, 12, 6),
        "Christmas Eve": date(2027, 12, 24),
        "Christmas Day": date(2027, 12, 25),
        "Boxing Day": date(2027, 12, 26),
    },
}
HOLIDAY_CASES = [(name, day) for year in HOLIDAYS.values() for name, day in year.items()]


@pytest.mark.parametrize(("name", "day"), HOLIDAY_CASES, ids=[str(d) for _, d in HOLIDAY_CASES])
def test_public_holidays_are_not_working_days(name: str, day: date) -> None:
    assert not workdays.is_working_day(day), name


@pytest.mark.parametrize("year", [2026, 2027])
def test_working_days_are_the_weekdays_that_are_no_holiday(year: int) -> None:
    holidays = set(HOLIDAYS[year].values())
    day = date(year, 1, 1)
    while day.year == year:
        expected = day.weekday() < 5 and day not in holidays
        assert workdays.is_working_day(day) == expected, day
        day += timedelta(days=1)


def test_add_working_days_across_christmas_2026() -> None:
    # Wed 23.12.2026; Thu 24 to Sun 27 are off.
    assert workdays.add_working_days(date(2026, 12, 23), 0) == date(2026, 12, 23)
    assert workdays.add_working_days(date(2026, 12, 23), 1) == date(2026, 12, 28)
    assert workdays.add_working_days(date(2026, 12, 23), 3) == date(2026, 12, 30)
    # across New Year too: Thu 31.12, (Fri 1.1 off, weekend), Mon 4.1, Tue 5.1, (Wed 6.1 off), Thu 7.1
    assert workdays.add_working_days(date(2026, 12, 23), 7) == date(2027, 1, 7)
    # counting starts the day after, even from a holiday
    assert workdays.add_working_days(date(2026, 12, 24), 1) == date(2026, 12, 28)


def test_add_working_days_across_independence_day_2027() -> None:
    # Fri 3.12.2027; Monday 6.12 is Independence Day.
    assert workdays.add_working_days(date(2027, 12, 3), 1) == date(2027, 12, 7)
    assert workdays.add_working_days(date(2027, 12, 3), 3) == date(2027, 12, 9)
    # Fri 10.12 + 7: 13-17, 20, 21 (no holiday between)
    assert workdays.add_working_days(date(2027, 12, 10), 7) == date(2027, 12, 21)


def test_add_working_days_refuses_negative_days() -> None:
    with pytest.raises(ValueError, match="negative"):
        workdays.add_working_days(date(2026, 1, 2), -1)


def _assert_end_of_day_utc(due: datetime, next_midnight_utc: datetime) -> None:
    """``due`` is in UTC and within the last second before the Helsinki midnight given."""
    assert due.utcoffset() == timedelta(0)
    assert due < next_midnight_utc
    assert next_midnight_utc - due <= timedelta(seconds=1)


def test_due_at_summer_is_end_of_helsinki_day_in_eest() -> None:
    # Mon 1.6.2026 at 13:00 in Helsinki (UTC+3); one working day → Tue 2.6.
    due = workdays.due_at(datetime(2026, 6, 1, 10, 0, tzinfo=UTC), 1)
    assert due.astimezone(HELSINKI).date() == date(2026, 6, 2)
    _assert_end_of_day_utc(due, datetime(2026, 6, 2, 21, 0, tzinfo=UTC))


def test_due_at_winter_is_end_of_helsinki_day_in_eet() -> None:
    # Wed 23.12.2026 at 14:00 in Helsinki (UTC+2); one working day → Mon 28.12.
    due = workdays.due_at(datetime(2026, 12, 23, 12, 0, tzinfo=UTC), 1)
    assert due.astimezone(HELSINKI).date() == date(2026, 12, 28)
    _assert_end_of_day_utc(due, datetime(2026, 12, 28, 22, 0, tzinfo=UTC))


def test_due_at_counts_from_the_helsinki_date_of_sending() -> None:
    # 22:30 UTC on Mon 1.6.2026 is already Tue 2.6 at 01:30 in Helsinki.
    due = workdays.due_at(datetime(2026, 6, 1, 22, 30, tzinfo=UTC), 1)
    assert due.astimezone(HELSINKI).date() == date(2026, 6, 3)
    _assert_end_of_day_utc(due, datetime(2026, 6, 3, 21, 0, tzinfo=UTC))
    # 21:30 UTC on Wed 23.12.2026 is 23:30 the same day in Helsinki.
    due = workdays.due_at(datetime(2026, 12, 23, 21, 30, tzinfo=UTC), 7)
    _assert_end_of_day_utc(due, datetime(2027, 1, 7, 22, 0, tzinfo=UTC))


# --- media types ------------------------------------------------------------------------


def _zip(entries: list[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in entries:
            compress = zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED
            archive.writestr(name, content, compress_type=compress)
    return buffer.getvalue()


DOCX_BYTES = _zip(
    [
        (
            "[Content_Types].xml",
            b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            b'<Default Extension="xml" ContentType="application/xml"/>'
            b'<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
            b"</Types>",
        ),
        ("_rels/.rels", b'<?xml version="1.0"?><Relationships/>'),
        (
            "word/document.xml",
            b'<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            b"<w:body><w:p><w:r><w:t>Vuokrasopimus</w:t></w:r></w:p></w:body></w:document>",
        ),
    ]
)
ODT_BYTES = _zip(
    [
        ("mimetype", media_types.ODT.encode()),
        ("META-INF/manifest.xml", b'<?xml version="1.0"?><manifest:manifest/>'),
        ("content.xml", b'<?xml version="1.0"?><office:document-content/>'),
    ]
)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n", media_types.PDF),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(13), media_types.PNG),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01", media_types.JPEG),
        (b"II*\x00\x08\x00\x00\x00" + bytes(8), media_types.TIFF),
        (b"MM\x00*\x00\x00\x00\x08" + bytes(8), media_types.TIFF),
        ("Hyvää päivää,\r\nrad två: å ä ö\tÅ\n".encode(), media_types.TEXT),
        (DOCX_BYTES, media_types.DOCX),
        (ODT_BYTES, media_types.ODT),
    ],
    ids=["pdf", "png", "jpeg", "tiff-le", "tiff-be", "text", "docx", "odt"],
)
def test_sniff_tells_accepted_types(content: bytes, expected: str) -> None:
    assert media_types.sniff(content) == expected
    assert expected in media_types.ACCEPTED


@pytest.mark.parametrize(
    "content",
    [
        random.Random(7).randbytes(2048),
        bytes(range(256)),
        _zip([("hello.txt", b"hello"), ("data/figures.csv", b"a,b\n1,2\n")]),
        _zip([("mimetype", b"application/epub+zip"), ("content.opf", b"<package/>")]),
        b"PK\x03\x04 this is no zip archive at all",
        b"plain text\x00with a NUL",
        b"\x00",
        b"bell \x07 and escape \x1b",
        b"\xc3\x28 not UTF-8",
        b"",
    ],
    ids=[
        "random",
        "all-bytes",
        "plain-zip",
        "epub",
        "broken-zip",
        "text-with-nul",
        "nul",
        "control",
        "bad-utf8",
        "empty",
    ],
)
def test_sniff_refuses_what_is_none_of_them(content: bytes) -> None:
    assert media_types.sniff(content) is None


@pytest.mark.parametrize(
    ("declared", "expected"),
    [
        ("application/pdf", "application/pdf"),
        ("Application/PDF", "application/pdf"),
        ("text/plain; charset=utf-8", "text/plain"),
        ("  IMAGE/PNG ; foo=bar ", "image/png"),
        ("", ""),
        (None, ""),
    ],
)
def test_normalise_gives_the_bare_lower_case_type(declared: str | None, expected: str) -> None:
    assert media_types.normalise(declared) == expected


# --- notices ----------------------------------------------------------------------------

S = NoticeStatus
LIFECYCLE = {
    (S.SENT, S.RECEIVED): Party.RECIPIENT,
    (S.RECEIVED, S.IN_PROGRESS): Party.RECIPIENT,
    (S.IN_PROGRESS, S.CLOSED): Party.RECIPIENT,
    (S.SENT, S.CANCELLED): Party.SENDER,
    (S.RECEIVED, S.CANCELLED): Party.SENDER,
}
ALL_PAIRS = list(itertools.product(NoticeStatus, NoticeStatus))


def _fitting_outcome(to: NoticeStatus) -> NoticeOutcome | None:
    return NoticeOutcome.CLIENT_REACHED if to == S.CLOSED else None


@pytest.mark.parametrize(("current", "to"), ALL_PAIRS, ids=[f"{a}->{b}" for a, b in ALL_PAIRS])
def test_every_transition(current: NoticeStatus, to: NoticeStatus) -> None:
    expected = LIFECYCLE.get((current, to))
    if expected is None:
        with pytest.raises(TransitionRefused):
            notices.mover(current, to, _fitting_outcome(to))
        with pytest.raises(TransitionRefused):
            notices.mover(current, to, None)
    else:
        assert notices.mover(current, to, _fitting_outcome(to)) == expected


@pytest.mark.parametrize("outcome", list(NoticeOutcome))
def test_closing_takes_any_outcome(outcome: NoticeOutcome) -> None:
    assert notices.mover(S.IN_PROGRESS, S.CLOSED, outcome) == Party.RECIPIENT


def test_closing_needs_an_outcome() -> None:
    with pytest.raises(OutcomeMismatch):
        notices.mover(S.IN_PROGRESS, S.CLOSED, None)


@pytest.mark.parametrize(
    ("current", "to"), [pair for pair in LIFECYCLE if pair[1] != S.CLOSED], ids=str
)
def test_other_moves_refuse_an_outcome(current: NoticeStatus, to: NoticeStatus) -> None:
    with pytest.raises(OutcomeMismatch):
        notices.mover(current, to, NoticeOutcome.NO_ACTION_NEEDED)


def test_a_refusal_names_the_moves_that_are_possible() -> None:
    with pytest.raises(TransitionRefused, match="RECEIVED") as refused:
        notices.mover(S.SENT, S.IN_PROGRESS, None)
    assert "CANCELLED" in str(refused.value)


SENT_AT = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
DUE_AT = SENT_AT + timedelta(days=4)
HALF = SENT_AT + timedelta(days=2)


@pytest.mark.parametrize("status", sorted(notices.OPEN))
@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (SENT_AT, (False, TrafficLight.GREEN)),
        (SENT_AT + timedelta(days=1), (False, TrafficLight.GREEN)),
        (HALF - timedelta(seconds=1), (False, TrafficLight.GREEN)),
        (HALF + timedelta(seconds=1), (False, TrafficLight.YELLOW)),
        (DUE_AT - timedelta(seconds=1), (False, TrafficLight.YELLOW)),
        (DUE_AT + timedelta(seconds=1), (True, TrafficLight.RED)),
        (DUE_AT + timedelta(days=30), (True, TrafficLight.RED)),
    ],
)
def test_timeliness_of_open_notices(
    status: NoticeStatus, now: datetime, expected: tuple[bool, TrafficLight]
) -> None:
    assert notices.timeliness(status, SENT_AT, DUE_AT, now) == expected


def test_open_statuses_are_those_before_the_end() -> None:
    assert frozenset({S.SENT, S.RECEIVED, S.IN_PROGRESS}) == notices.OPEN


@pytest.mark.parametrize("status", [S.CLOSED, S.CANCELLED])
@pytest.mark.parametrize("now", [SENT_AT, HALF + timedelta(hours=1), DUE_AT + timedelta(days=3)])
def test_finished_notices_have_no_light(status: NoticeStatus, now: datetime) -> None:
    assert notices.timeliness(status, SENT_AT, DUE_AT, now) == (False, None)


_K, _O = Direction.KELA_TO_ORGANISER, Direction.ORGANISER_TO_KELA
NOTICE_TABLE = {
    NoticeType.APPLICATION_TRANSFER: (_K, False, 7),
    NoticeType.SERVICE_NEED_ASSESSMENT_REQUEST: (_K, True, 7),
    NoticeType.CONCERN_NOTICE: (_K, False, 1),
    NoticeType.BASIC_AMOUNT_REDUCTION: (_K, False, 7),
    NoticeType.LONG_TERM_RECIPIENT: (_K, False, 14),
    NoticeType.URGENCY_ASSESSMENT: (_K, False, 1),
    NoticeType.PLAN_SHARED: (_O, True, 7),
    NoticeType.DECISION_ISSUED: (_O, False, 7),
    NoticeType.STATEMENT: (_O, False, 7),
}


def test_rules_cover_every_notice_type() -> None:
    assert set(notices.RULES) == set(NoticeType) == set(NOTICE_TABLE)


@pytest.mark.parametrize("kind", list(NoticeType))
def test_rules_follow_the_notice_table(kind: NoticeType) -> None:
    direction, needs_consent, due = NOTICE_TABLE[kind]
    rule = notices.RULES[kind]
    assert rule.direction == direction
    assert rule.needs_consent == needs_consent
    assert rule.due_working_days == due
    assert (rule.consent_category is not None) == needs_consent


def test_the_shared_plan_needs_consent_to_the_plan() -> None:
    assert notices.RULES[NoticeType.PLAN_SHARED].consent_category == DataCategory.PLAN


def test_text_that_starts_with_a_byte_order_mark_is_text():
    assert media_types.sniff("\ufeffHyvä muistio\r\n".encode()) == media_types.TEXT
    assert media_types.sniff("\ufeff".encode() + b"\x00") is None
