"""The long-term-recipient rule (``graph/domain/long_term.py``), pure."""

from datetime import date

from graph.domain.long_term import Episode, episodes, month_index, months_covered, reached


def m(year: int, month: int) -> int:
    return month_index(date(year, month, 1))


def test_months_are_those_the_periods_touch():
    covered = months_covered(
        [(date(2026, 1, 20), date(2026, 3, 2)), (date(2026, 3, 5), date(2026, 3, 6))]
    )
    assert covered == {m(2026, 1), m(2026, 2), m(2026, 3)}
    assert months_covered([(date(2026, 12, 15), date(2027, 1, 14))]) == {m(2026, 12), m(2027, 1)}


def test_a_month_without_assistance_ends_an_episode():
    found = episodes({m(2026, 1), m(2026, 2), m(2026, 4), m(2026, 5), m(2026, 6)})
    assert found == [Episode(m(2026, 1), m(2026, 2)), Episode(m(2026, 4), m(2026, 6))]
    assert found[1].length == 3
    assert found[1].label() == "2026-04"


def test_thresholds():
    young = date(2004, 6, 1)
    assert reached(Episode(m(2026, 1), m(2026, 3)), young, False) is None
    assert reached(Episode(m(2026, 1), m(2026, 4)), young, False) == 4
    old = date(1970, 1, 1)
    assert reached(Episode(m(2026, 1), m(2026, 11)), old, False) is None
    assert reached(Episode(m(2026, 1), m(2026, 12)), old, False) == 12
    assert reached(Episode(m(2026, 1), m(2026, 2)), old, True) == 2
    # Turning 25 before the fourth month: the threshold is 12 from then on.
    turning = date(2001, 3, 15)
    assert reached(Episode(m(2026, 1), m(2026, 6)), turning, False) is None
    assert reached(Episode(m(2026, 1), m(2026, 12)), turning, False) == 12
