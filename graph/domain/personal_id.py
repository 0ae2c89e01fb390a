"""The Finnish personal identity code (henkilötunnus / personbeteckning).

DDMMYY, a century sign, a three-digit individual number and a check character: the
remainder of the nine digits DDMMYYNNN divided by 31 indexes ``CHECK_CHARACTERS``.
Century signs: ``+`` 1800s; ``-`` ``Y`` ``X`` ``W`` ``V`` ``U`` 1900s; ``A`` to ``F`` 2000s.
Individual numbers run 002 to 899; 900 to 999 are temporary codes (used in test data).
"""

import re
from dataclasses import dataclass
from datetime import date

CHECK_CHARACTERS = "0123456789ABCDEFHJKLMNPRSTUVWXY"
CENTURIES = {"+": 1800, **dict.fromkeys("-YXWVU", 1900), **dict.fromkeys("ABCDEF", 2000)}
_SHAPE = re.compile(r"^(\d{2})(\d{2})(\d{2})([-+ABCDEFYXWVU])(\d{3})([0-9A-Y])$")


class InvalidPersonalId(ValueError):
    pass


@dataclass(frozen=True)
class PersonalId:
    code: str
    birth_date: date
    individual_number: int

    @property
    def temporary(self) -> bool:
        return self.individual_number >= 900


def parse(text: str) -> PersonalId:
    """The code, normalised to upper case, or ``InvalidPersonalId`` saying what is wrong."""
    code = text.strip().upper()
    match = _SHAPE.match(code)
    if match is None:
        raise InvalidPersonalId(
            "a personal identity code is DDMMYY, a century sign, NNN and a check character"
        )
    day, month, year, sign, individual, check = match.groups()
    try:
        born = date(CENTURIES[sign] + int(year), int(month), int(day))
    except ValueError as error:
        raise InvalidPersonalId("the personal identity code holds no real date") from error
    number = int(individual)
    if number < 2:
        raise InvalidPersonalId("the individual number must be 002 or more")
    if CHECK_CHARACTERS[int(day + month + year + individual) % 31] != check:
        raise InvalidPersonalId("the check character of the personal identity code is wrong")
    return PersonalId(code, born, number)


def make(born: date, individual_number: int, sign: str | None = None) -> str:
    """A valid code for a birth date and individual number (for demo and test data)."""
    if sign is None:
        sign = {1800: "+", 1900: "-", 2000: "A"}[born.year // 100 * 100]
    stem = f"{born:%d%m%y}"
    check = CHECK_CHARACTERS[int(f"{stem}{individual_number:03d}") % 31]
    return f"{stem}{sign}{individual_number:03d}{check}"
