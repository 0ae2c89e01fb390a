"""When a client becomes a long-term recipient of basic assistance (``domain.md``). Pure.

*Months of basic assistance* are the calendar months touched by the periods of Kela's
granted (or partly granted) ``BASIC`` and ``BASIC_URGENT`` decisions; a decision
without a period counts for the month it was decided in. An *episode* is a run of
consecutive such months; a month without basic assistance ends it.

The threshold is 4 months for a client under 25, 12 months for a client of 25 or over
(age on the first day of the month being counted), and 2 months for a client marked
as an immigrant. An episode reaches it when its k-th month is at least the threshold
in force in that month. One notice is due per episode that reaches it.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

UNDER_25 = 4
OVER_25 = 12
IMMIGRANT = 2


def month_index(day: date) -> int:
    return day.year * 12 + day.month - 1


def month_start(index: int) -> date:
    return date(index // 12, index % 12 + 1, 1)


def months_covered(periods: Iterable[tuple[date, date]]) -> set[int]:
    covered: set[int] = set()
    for start, end in periods:
        covered.update(range(month_index(start), month_index(max(start, end)) + 1))
    return covered


@dataclass(frozen=True)
class Episode:
    start: int
    end: int
    """Month indexes, both inclusive."""

    @property
    def length(self) -> int:
        return self.end - self.start + 1

    def label(self) -> str:
        first = month_start(self.start)
        return f"{first.year:04d}-{first.month:02d}"


def episodes(months: set[int]) -> list[Episode]:
    found: list[Episode] = []
    for month in sorted(months):
        if found and found[-1].end == month - 1:
            found[-1] = Episode(found[-1].start, month)
        else:
            found.append(Episode(month, month))
    return found


def age_on(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def threshold(born: date, month: int, immigrant: bool) -> int:
    if immigrant:
        return IMMIGRANT
    return UNDER_25 if age_on(born, month_start(month)) < 25 else OVER_25


def reached(episode: Episode, born: date, immigrant: bool) -> int | None:
    """The threshold the episode reached (the first month it did), or None."""
    for k in range(1, episode.length + 1):
        needed = threshold(born, episode.start + k - 1, immigrant)
        if k >= needed:
            return needed
    return None
